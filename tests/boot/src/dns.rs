//! The `dns_lookup` check: the boot of minlibc/tests-boot/dns_lookup.c
//! against bootkit's DNS responder.

use std::time::Duration;

use halvm_bootkit::dns::{Query, Responder};

use crate::{image, Boot, Machine, MEMORY_MIB};

/// minlibc's getaddrinfo through rts-xen's resolver under QEMU's user
/// networking (minlibc/tests-boot/dns_lookup.c) against the responder:
/// the guest's own checks pass (gethostbyname's too); the queries that
/// arrived are exactly the expected ones (none for localhost names, a
/// number, AI_NUMERICHOST or an invalid name; the lost one sent again after 1 s; the unanswered one three
/// times, at 0, 1 and 3 s, with one id); the guest gives up after 5 s.
pub fn dns_lookup(m: &Machine) {
    let responder = Responder::start().expect("binding the DNS responder's UDP socket");
    let port = responder.port();
    let boot = Boot::new(image("dns_lookup"), m.clone())
        .args(format!("halvm.dns=10.0.2.2:{port}"))
        .memory_mib(MEMORY_MIB)
        .user_network(&[]);
    let what = format!("{boot:?}");
    let out = boot.run().unwrap_or_else(|e| panic!("{what}: {e}"));
    let queries = responder.stop();

    // halvm.dns= takes the place of the server DHCP offers (10.0.2.3)
    out.assert_line(&format!("address 10.0.2.15/24 gateway 10.0.2.2 dns 10.0.2.2:{port} (DHCP)"));
    out.assert_line("dns_lookup: 0 check(s) failed");
    out.assert_exit(0);

    let mut names: Vec<&str> = queries.iter().map(|q| q.name.as_str()).collect();
    names.sort();
    // (getaddrinfo's, then gethostbyname's second query of five names)
    let expected = ["alias.halvm.test", "alias.halvm.test", "broken.halvm.test", "broken.halvm.test",
                    "empty.halvm.test", "empty.halvm.test", "many.halvm.test", "many.halvm.test",
                    "missing.halvm.test", "missing.halvm.test", "retry.halvm.test", "retry.halvm.test",
                    "service.halvm.test", "service.halvm.test", "silent.halvm.test", "silent.halvm.test",
                    "silent.halvm.test"];
    if names != expected {
        out.fail(&format!("the responder got queries for {names:?}, expected {expected:?}"));
    }
    if queries.iter().any(|q| q.qtype != 1) {
        out.fail(&format!("a query for another type than A: {queries:?}"));
    }
    let silent: Vec<&Query> = queries.iter().filter(|q| q.name == "silent.halvm.test").collect();
    if silent.iter().any(|q| q.id != silent[0].id) {
        out.fail(&format!("the retransmissions changed the query id: {silent:?}"));
    }
    if queries.iter().all(|q| q.id == queries[0].id) {
        out.fail(&format!("every lookup used the same query id {}", queries[0].id));
    }
    // seen from the host: the tries 1 s and 2 s apart (TCG adds latency)
    let gaps: Vec<Duration> = silent.windows(2).map(|w| w[1].at - w[0].at).collect();
    for (gap, want) in gaps.iter().zip([1000u64, 2000]) {
        if !(Duration::from_millis(want - 200)..Duration::from_millis(want + 500)).contains(gap) {
            out.fail(&format!("the tries of the unanswered lookup came {gaps:?} apart, not 1 s and 2 s"));
        }
    }
    // on the guest's clock
    let retry_ms: u64 = out.value("dns_lookup: retry.halvm.test: [192.0.2.9/1/80] after ");
    if !(1000..1600).contains(&retry_ms) {
        out.fail(&format!("the lost query was answered after {retry_ms} ms, not after the 1 s retransmission"));
    }
    let silent_ms: u64 = out.value("dns_lookup: silent.halvm.test: error -3 (Temporary failure in name resolution) after ");
    if !(5000..5600).contains(&silent_ms) {
        out.fail(&format!("the unanswered lookup ended after {silent_ms} ms, not 5 s"));
    }
    eprintln!("dns_lookup: the lost query answered after {retry_ms} ms, the unanswered lookup given up after \
               {silent_ms} ms; tries seen from the host {gaps:?} apart");
}
