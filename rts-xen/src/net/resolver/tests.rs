//! The resolver against a DNS server on the host stack of the socket
//! layer's test harness (stack/tests.rs): answers, retransmission, the
//! timeout, and datagrams that must not end a lookup.

use super::*;
use crate::net::config::{self, DnsServer};
use crate::net::stack::tests::{fixed, Net, HOST};

const SERVER_PORT: u16 = 5353;

/// The guest with 10.0.2.2:5353 as its DNS server (over the static
/// plan's 10.0.2.3), the host serving on that port.
fn net() -> (Net, i32) {
    let mut cfg = fixed([10, 0, 2, 15]);
    cfg.fixed.dns = Some([10, 0, 2, 3]);
    cfg.dns = Some(DnsServer { address: [10, 0, 2, 2], port: SERVER_PORT });
    let mut net = Net::with_guest(cfg);
    let server = net.host.socket(Kind::Udp).unwrap();
    net.host.bind(server, Endpoint::new(0, SERVER_PORT)).unwrap();
    (net, server)
}

/// The answer to `query` with an A record per address (owner: a pointer
/// to the question).
fn answer(query: &[u8], addrs: &[[u8; 4]]) -> Vec<u8> {
    let mut r = query.to_vec();
    r[2] = 0x81;
    r[3] = 0x80;
    r[7] = addrs.len() as u8;
    for a in addrs {
        r.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        r.extend_from_slice(a);
    }
    r
}

/// Runs the lookup for at most `ms` simulated milliseconds, the server
/// answering each query with what `serve` returns (None: silence). The
/// result (None if still running), the queries the server got and when.
fn drive(net: &mut Net, server: i32, l: &mut Lookup, ms: u64,
         mut serve: impl FnMut(&mut Net, &[u8], Endpoint) -> Option<Vec<u8>>)
         -> (Option<Result<Found, i32>>, Vec<(Vec<u8>, Instant)>) {
    let mut queries = Vec::new();
    let end = net.now + Duration::from_millis(ms);
    while net.now < end {
        if let Step::Done(r) = l.step(&mut net.guest, net.now) {
            return (Some(r), queries);
        }
        net.run(1);
        let mut buf = [0u8; 600];
        while let Ok((n, _, Some(from))) = net.host.recv(server, &mut buf, false, net.now) {
            queries.push((buf[..n].to_vec(), net.now));
            if let Some(reply) = serve(net, &buf[..n], from) {
                net.host.send(server, &reply, Some(from), net.now).unwrap();
            }
        }
    }
    (None, queries)
}

fn found(r: Option<Result<Found, i32>>) -> Vec<[u8; 4]> {
    let f = r.expect("finished").expect("addresses");
    f.addrs[..f.count].iter().map(|a| a.to_be_bytes()).collect()
}

#[test]
fn the_configured_server_is_asked_and_its_answer_read() {
    let (mut net, server) = net();
    assert_eq!(net.guest.dns_server(), Some(Endpoint::new(HOST, SERVER_PORT)), "halvm.dns= over the plan's");
    let (sockets_before, _) = net.guest.usage();
    let mut l = Lookup::start(&mut net.guest, b"service.halvm.test", 0x1234, net.now).unwrap();
    let (r, queries) = drive(&mut net, server, &mut l, 100, |_, q, _| Some(answer(q, &[[192, 0, 2, 7], [192, 0, 2, 8]])));
    assert_eq!(found(r), [[192, 0, 2, 7], [192, 0, 2, 8]]);
    assert_eq!(queries.len(), 1);
    let mut expected = [0u8; dns::QUERY_MAX];
    let n = dns::build_query(0x1234, &Name::parse(b"service.halvm.test").unwrap(), &mut expected);
    assert_eq!(queries[0].0, &expected[..n]);
    assert_eq!(l.sent(), 1);
    l.finish(&mut net.guest, net.now);
    assert_eq!(net.guest.usage().0, sockets_before, "the socket is closed");
}

#[test]
fn lost_queries_are_sent_again_then_the_lookup_times_out() {
    let (mut net, server) = net();
    let start = net.now;
    let mut l = Lookup::start(&mut net.guest, b"silent.halvm.test", 7, net.now).unwrap();
    let (r, queries) = drive(&mut net, server, &mut l, 10_000, |_, _, _| None);
    assert_eq!(r.map(|r| r.map(|_| ())), Some(Err(ETIMEDOUT)));
    let at: Vec<u64> = queries.iter().map(|(_, t)| (*t - start).total_millis()).collect();
    assert_eq!(at.len(), 3, "three tries: {at:?}");
    for (t, want) in at.iter().zip([0, 1000, 3000]) {
        assert!((want..want + 5).contains(t), "queries at {at:?} ms");
    }
    assert!(queries.iter().all(|(q, _)| *q == queries[0].0), "the same query each time");
    let took = (net.now - start).total_millis();
    assert!((5000..5005).contains(&took), "gave up after {took} ms");
    l.finish(&mut net.guest, net.now);
}

#[test]
fn the_wait_is_until_the_next_try_then_the_timeout() {
    let (mut net, _server) = net();
    let t0 = net.now;
    let mut l = Lookup::start(&mut net.guest, b"x.test", 7, t0).unwrap();
    assert_eq!(l.step(&mut net.guest, t0), Step::Wait(t0 + FIRST_WAIT));
    assert_eq!(l.step(&mut net.guest, t0 + Duration::from_millis(500)), Step::Wait(t0 + FIRST_WAIT));
    let t1 = t0 + FIRST_WAIT;
    assert_eq!(l.step(&mut net.guest, t1), Step::Wait(t1 + FIRST_WAIT * 2));
    let t2 = t1 + FIRST_WAIT * 2;
    assert_eq!(l.step(&mut net.guest, t2), Step::Wait(t0 + TIMEOUT));
    assert_eq!(l.sent(), TRIES);
    assert_eq!(l.step(&mut net.guest, t0 + TIMEOUT), Step::Done(Err(ETIMEDOUT)));
}

#[test]
fn a_retransmitted_query_gets_the_answer() {
    let (mut net, server) = net();
    let mut l = Lookup::start(&mut net.guest, b"retry.halvm.test", 99, net.now).unwrap();
    let mut seen = 0;
    let (r, queries) = drive(&mut net, server, &mut l, 3000, |_, q, _| {
        seen += 1;
        (seen > 1).then(|| answer(q, &[[192, 0, 2, 9]]))
    });
    assert_eq!(found(r), [[192, 0, 2, 9]]);
    assert_eq!(queries.len(), 2);
}

#[test]
fn other_senders_and_other_ids_do_not_end_the_lookup() {
    let (mut net, server) = net();
    let other = net.host.socket(Kind::Udp).unwrap();
    net.host.bind(other, Endpoint::new(0, 5354)).unwrap();
    let mut l = Lookup::start(&mut net.guest, b"q.halvm.test", 0x4242, net.now).unwrap();
    let mut step = 0;
    let (r, _) = drive(&mut net, server, &mut l, 3000, |net, q, from| {
        step += 1;
        // from another port: NXDOMAIN for our id, which must be ignored
        let mut forged = answer(q, &[]);
        forged[3] |= 3;
        net.host.send(other, &forged, Some(from), net.now).unwrap();
        // from the server: another id, then the answer
        let mut wrong_id = answer(q, &[[6, 6, 6, 6]]);
        wrong_id[1] ^= 1;
        net.host.send(server, &wrong_id, Some(from), net.now).unwrap();
        (step == 2).then(|| answer(q, &[[192, 0, 2, 1]]))
    });
    assert_eq!(found(r), [[192, 0, 2, 1]]);
}

#[test]
fn negative_answers_end_the_lookup_at_once() {
    let (mut net, server) = net();
    let mut l = Lookup::start(&mut net.guest, b"missing.halvm.test", 5, net.now).unwrap();
    let (r, queries) = drive(&mut net, server, &mut l, 100, |_, q, _| {
        let mut a = answer(q, &[]);
        a[3] |= 3; // NXDOMAIN
        Some(a)
    });
    assert_eq!(r.map(|r| r.map(|_| ())), Some(Err(ENOENT)));
    assert_eq!(queries.len(), 1);
}

#[test]
fn without_a_server_or_a_valid_name_nothing_is_sent() {
    let mut bare = Net::new(); // no DNS server at all
    assert_eq!(bare.guest.dns_server(), None);
    assert_eq!(Lookup::start(&mut bare.guest, b"a.test", 1, bare.now).err(), Some(EDESTADDRREQ));
    let (mut net, _) = net();
    for bad in [&b""[..], b"a..b", b"with space.test", b"\xc3\xa9.test"] {
        assert_eq!(Lookup::start(&mut net.guest, bad, 1, net.now).err(), Some(EINVAL), "{bad:?}");
    }
    assert_eq!(net.guest.usage().0, 0, "no socket left open");
    assert_eq!(net.guest.dns_server().map(|e| e.port), Some(SERVER_PORT));
    // a guest with DNS from the plan only asks port 53
    let mut cfg = fixed([10, 0, 2, 15]);
    cfg.fixed.dns = Some([10, 0, 2, 3]);
    let plan = Net::with_guest(config::Config { dns: None, ..cfg });
    assert_eq!(plan.guest.dns_server(), Some(Endpoint::new(0x0a00_0203, 53)));
}
