//! The client against the scripted store (fake.rs): round trips and every
//! operation's wire format, hostile stores, and watch events arriving
//! between replies and on their own.

use super::fake::*;
use super::*;

#[test]
fn a_write_then_a_read_round_trip_through_the_store() {
    let mut store = FakeStore::new(0, map_store());
    let mut client = store.client();
    client.write(0, "data/halvm/exit-status", b"42", &mut *store).unwrap();
    assert_eq!(client.read(0, "data/halvm/exit-status", &mut *store).unwrap(), b"42");
    let (write, payload) = &store.requests[0];
    assert_eq!((write.kind, write.tx_id, write.len), (XS_WRITE, 0, 25));
    assert_eq!(payload, b"data/halvm/exit-status\x0042", "path, NUL, value without NUL");
    let read = store.requests[1].0;
    assert_eq!(read.kind, XS_READ);
    assert_ne!(read.req_id, write.req_id, "each request has its own id");
    assert!(store.notifies >= 4, "the store is notified of requests and of consumed replies");
}

#[test]
fn a_reply_split_across_the_wrap_point_arrives_whole() {
    // Indices just short of both the ring's end and u32's, and a store
    // that moves 5 bytes a time: the header itself arrives in pieces.
    let mut store = FakeStore::new(u32::MAX - 10, map_store());
    store.chunk = 5;
    let mut client = store.client();
    client.write(0, "name", b"a domain name", &mut *store).unwrap();
    assert_eq!(client.read(0, "name", &mut *store).unwrap(), b"a domain name");
    assert!(store.page().rsp_prod < 100, "the reply indices wrapped around u32");
}

#[test]
fn messages_larger_than_the_ring_go_through_in_pieces() {
    let mut store = FakeStore::new(0, map_store());
    store.chunk = 300;
    let mut client = store.client();
    let value: Vec<u8> = (0..3000).map(|i| (i % 251) as u8).collect();
    client.write(0, "big", &value, &mut *store).unwrap();
    assert_eq!(client.read(0, "big", &mut *store).unwrap(), &value[..]);
}

#[test]
fn an_error_reply_is_an_error_value_and_the_client_goes_on() {
    let mut store = FakeStore::new(0, map_store());
    let mut client = store.client();
    assert_eq!(client.read(0, "missing", &mut *store), Err(Error::Refused("ENOENT")));
    client.write(0, "x", b"1", &mut *store).unwrap();
    assert_eq!(client.read(0, "x", &mut *store).unwrap(), b"1");
}

#[test]
fn an_error_name_outside_the_list_is_unknown() {
    let mut store = FakeStore::new(0, |h, _| reply(XS_ERROR, h.req_id, b"EWHATEVER\0"));
    let mut client = store.client();
    assert_eq!(client.read(0, "x", &mut *store), Err(Error::Refused("unknown")));
}

#[test]
fn an_oversized_reply_length_is_refused_before_reading_and_breaks_the_client() {
    let mut store = FakeStore::new(0, |h, _| Header { kind: XS_READ, req_id: h.req_id, tx_id: 0, len: 5000 }
        .to_bytes()
        .to_vec());
    let mut client = store.client();
    assert_eq!(client.read(0, "x", &mut *store), Err(Error::ReplyTooLong(5000)));
    assert_eq!(client.read(0, "x", &mut *store), Err(Error::Broken));
    assert_eq!(store.requests.len(), 1, "a broken client sends nothing more");
}

#[test]
fn replies_to_other_requests_are_refused() {
    let mut store = FakeStore::new(0, |h, _| reply(XS_READ, h.req_id + 7, b"v"));
    assert_eq!(store.client().read(0, "x", &mut *store),
               Err(Error::UnexpectedReply { kind: XS_READ, req_id: 8, tx_id: 0 }));
    let mut store = FakeStore::new(0, |h, _| reply(1 /* XS_DIRECTORY */, h.req_id, b"v"));
    assert_eq!(store.client().read(0, "x", &mut *store),
               Err(Error::UnexpectedReply { kind: 1, req_id: 1, tx_id: 0 }));
    let mut store = FakeStore::new(0, |h, _| {
        Header { kind: XS_READ, req_id: h.req_id, tx_id: 3, len: 0 }.to_bytes().to_vec()
    });
    assert_eq!(store.client().read(0, "x", &mut *store),
               Err(Error::UnexpectedReply { kind: XS_READ, req_id: 1, tx_id: 3 }));
}

#[test]
fn a_write_whose_reply_is_not_ok_fails() {
    let mut store = FakeStore::new(0, |h, _| reply(XS_WRITE, h.req_id, b"NO\0"));
    assert!(matches!(store.client().write(0, "x", b"1", &mut *store), Err(Error::MalformedReply(_))));
}

#[test]
fn numbers_are_written_in_decimal_and_read_back() {
    let mut store = FakeStore::new(0, map_store());
    let mut client = store.client();
    for (value, text) in [(0, &b"0"[..]), (42, b"42"), (u32::MAX, b"4294967295")] {
        client.write_u32(0, "device/vif/0/event-channel", value, &mut *store).unwrap();
        assert_eq!(store.requests.last().unwrap().1, [&b"device/vif/0/event-channel\0"[..], text].concat(),
                   "the value's digits alone, no NUL");
        assert_eq!(client.read_u32(0, "device/vif/0/event-channel", &mut *store), Ok(value));
    }
    client.write_u32(5, "x", 1, &mut *store).unwrap();
    assert_eq!(store.requests.last().unwrap().0.tx_id, 5, "a number is written in the caller's transaction");
}

#[test]
fn a_number_read_from_a_value_that_is_none_is_malformed() {
    let mut store = FakeStore::new(0, map_store());
    let mut client = store.client();
    for garbage in [&b""[..], b"12a", b"-1", b" 7", b"7\0", b"4294967296"] {
        client.write(0, "backend-id", garbage, &mut *store).unwrap();
        assert!(matches!(client.read_u32(0, "backend-id", &mut *store), Err(Error::MalformedReply(_))),
                "{garbage:?}");
    }
    assert_eq!(client.read_u32(0, "missing", &mut *store), Err(Error::Refused("ENOENT")), "the store's own refusal");
    client.write(0, "backend-id", b"3", &mut *store).unwrap();
    assert_eq!(client.read_u32(0, "backend-id", &mut *store), Ok(3), "a malformed value leaves the client usable");
}

#[test]
fn watch_events_between_replies_are_queued_and_the_reply_still_found() {
    let mut store = FakeStore::new(0, |h, _| {
        let mut v = watch_event("data/a", b"u:mine");
        v.extend(watch_event("data/b", b"u:not-registered"));
        v.extend(reply(XS_READ, h.req_id, b"value"));
        v
    });
    let mut client = store.client();
    client.watches.register(b"mine");
    assert_eq!(client.read(0, "x", &mut *store).unwrap(), b"value");
    assert_eq!(client.watches.queued(), 1);
    assert_eq!(client.watches.front().unwrap().path(), b"data/a");
    assert_eq!(client.watches.dropped, 1, "the unknown token's event is dropped");
}

#[test]
fn a_hostile_reply_producer_index_is_an_error() {
    let mut store = FakeStore::new(0, |_, _| Vec::new());
    store.page().rsp_prod = 5000;
    assert_eq!(store.client().read(0, "x", &mut *store),
               Err(Error::CorruptRing { ring: "reply", prod: 5000, cons: 0 }));
}

#[test]
fn a_hostile_request_consumer_index_is_an_error() {
    let mut store = FakeStore::new(0, |_, _| Vec::new());
    // The consumer claims to be ahead of what we produced.
    store.page().req_cons = 9;
    assert_eq!(store.client().write(0, "x", b"1", &mut *store),
               Err(Error::CorruptRing { ring: "request", prod: 0, cons: 9 }));
}

#[test]
fn a_store_that_never_answers_times_out() {
    // It takes the request but never replies.
    let mut store = FakeStore::new(0, |_, _| Vec::new());
    store.waits_left = 3;
    assert_eq!(store.client().write(0, "x", b"1", &mut *store), Err(Error::TimedOut));
    assert_eq!(store.waits_left, 0);
    // It never even takes the request: one larger than the ring stops
    // at the full ring, and the wait ends it.
    struct Dead(usize);
    impl Link for Dead {
        fn notify(&mut self) {}
        fn wait(&mut self) -> bool {
            self.0 += 1;
            self.0 < 3
        }
    }
    let store = FakeStore::new(0, |_, _| Vec::new());
    let mut dead = Dead(0);
    assert_eq!(store.client().write(0, "x", &[b'v'; 2000], &mut dead), Err(Error::TimedOut));
    assert_eq!(dead.0, 3);
    // SAFETY: the page outlives this read.
    assert_eq!(unsafe { (*store.page).req_prod }, RING_SIZE as u32, "filled the ring, never more");
}

#[test]
fn bad_requests_are_refused_before_anything_is_sent() {
    let mut store = FakeStore::new(0, map_store());
    let mut client = store.client();
    for (path, value) in [("", &b""[..]), ("a\0b", b"")] {
        assert!(matches!(client.write(0, path, value, &mut *store), Err(Error::BadRequest(_))), "{path:?}");
    }
    assert!(matches!(client.write(0, "x", &[b'v'; 4095], &mut *store), Err(Error::TooLarge(_))));
    assert!(matches!(client.read(0, &"p".repeat(REL_PATH_MAX + 1), &mut *store), Err(Error::TooLarge(_))));
    assert!(matches!(client.watch("x", b"", &mut *store), Err(Error::BadRequest(_))));
    assert!(matches!(client.watch("x", &[b't'; 65], &mut *store), Err(Error::TooLarge(_))));
    assert!(matches!(client.transaction_end(0, true, &mut *store), Err(Error::BadRequest(_))));
    assert!(matches!(client.set_perms(0, "x", b"x0\0", &mut *store), Err(Error::BadRequest(_))));
    assert!(matches!(client.set_perms(0, "x", b"n0", &mut *store), Err(Error::BadRequest(_))));
    assert!(matches!(client.set_perms(0, "x", b"", &mut *store), Err(Error::BadRequest(_))));
    assert!(matches!(client.set_perms(0, "x", b"r99999\0", &mut *store), Err(Error::BadRequest(_))));
    assert_eq!(client.unwatch("x", b"never", &mut *store), Err(Error::NotWatched));
    assert!(store.requests.is_empty() && store.page().req_prod == 0);
    client.write(0, "x", b"still works", &mut *store).unwrap();
}

/// The numbers typed above are Xen's: checked against the installed
/// io/xs_wire.h (libxen-dev, which rts-xen's build needs anyway).
#[test]
fn constants_and_layout_match_xens_header() {
    let header = std::fs::read_to_string("/usr/include/xen/io/xs_wire.h")
        .expect("/usr/include/xen/io/xs_wire.h: install libxen-dev");
    let define = |name: &str| -> usize {
        let line = header.lines().find(|l| l.starts_with(&format!("#define {name} "))).unwrap();
        line.split_whitespace().nth(2).unwrap().parse().unwrap()
    };
    assert_eq!(define("XENSTORE_RING_SIZE"), RING_SIZE);
    assert_eq!(define("XENSTORE_PAYLOAD_MAX"), PAYLOAD_MAX);
    assert_eq!(define("XENSTORE_ABS_PATH_MAX"), ABS_PATH_MAX);
    assert_eq!(define("XENSTORE_REL_PATH_MAX"), REL_PATH_MAX);
    // The enum counts up from XS_CONTROL = 0 until its first explicit value.
    let body = &header[header.find("enum xsd_sockmsg_type").unwrap()..];
    let names: Vec<&str> = body[body.find('{').unwrap() + 1..]
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("XS_") && l.ends_with(','))
        .map(|l| l.trim_end_matches(','))
        .take_while(|l| !l.contains('='))
        .collect();
    let index = |name: &str| names.iter().position(|n| *n == name).unwrap() as u32;
    for (name, ours) in [
        ("XS_DIRECTORY", XS_DIRECTORY), ("XS_READ", XS_READ), ("XS_GET_PERMS", XS_GET_PERMS),
        ("XS_WATCH", XS_WATCH), ("XS_UNWATCH", XS_UNWATCH), ("XS_TRANSACTION_START", XS_TRANSACTION_START),
        ("XS_TRANSACTION_END", XS_TRANSACTION_END), ("XS_WRITE", XS_WRITE), ("XS_RM", XS_RM),
        ("XS_SET_PERMS", XS_SET_PERMS), ("XS_WATCH_EVENT", XS_WATCH_EVENT), ("XS_ERROR", XS_ERROR),
    ] {
        assert_eq!(index(name), ours, "{name}");
    }
    let errors = &header[header.find("xsd_errors[]").unwrap()..];
    let listed: Vec<&str> =
        errors.split("XSD_ERROR(").skip(1).map(|s| &s[..s.find(')').unwrap()]).collect();
    assert_eq!(listed, ERROR_NAMES);
    // The page's fields, in order (repr(C) then gives the same layout).
    let body = &header[header.find("struct xenstore_domain_interface {").unwrap()..];
    let body = &body[body.find('{').unwrap() + 1..body.find("};").unwrap()];
    let declared: Vec<String> = body
        .lines()
        .filter_map(|l| l.split(';').next().filter(|_| l.contains(';')))
        .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(declared, ["char req[XENSTORE_RING_SIZE]", "char rsp[XENSTORE_RING_SIZE]",
                          "XENSTORE_RING_IDX req_cons, req_prod", "XENSTORE_RING_IDX rsp_cons, rsp_prod",
                          "uint32_t server_features", "uint32_t connection", "uint32_t error"]);
    assert_eq!(core::mem::size_of::<Interface>(), 2 * RING_SIZE + 7 * 4);
}


// ---- the operations beyond read and write

#[test]
fn remove_directory_and_permissions_round_trip() {
    let mut store = FakeStore::new(0, map_store());
    let mut client = store.client();
    for key in ["data/halvm/test", "data/halvm/other", "data/halvm/sub/deep"] {
        client.write(0, key, b"v", &mut *store).unwrap();
    }
    assert_eq!(client.directory(0, "data/halvm", &mut *store).unwrap(), b"other\0sub\0test\0");
    assert_eq!(client.directory(0, "nothing-here", &mut *store).unwrap(), b"", "no children");
    client.remove(0, "data/halvm/other", &mut *store).unwrap();
    assert_eq!(client.directory(0, "data/halvm", &mut *store).unwrap(), b"sub\0test\0");
    assert_eq!(client.remove(0, "data/halvm/other", &mut *store), Err(Error::Refused("ENOENT")));
    client.set_perms(0, "data/halvm/test", b"n5\0r0\0", &mut *store).unwrap();
    assert_eq!(client.get_perms(0, "data/halvm/test", &mut *store).unwrap(), b"n5\0r0\0");
    let (h, payload) = store.requests_of(XS_SET_PERMS).remove(0);
    assert_eq!((h.tx_id, payload.as_slice()), (0, &b"data/halvm/test\0n5\0r0\0"[..]));
    assert_eq!(store.requests_of(XS_RM)[0].1, b"data/halvm/other\0");
}

#[test]
fn listings_and_permission_lists_must_be_nul_terminated() {
    let mut store = FakeStore::new(0, |h, _| reply(h.kind, h.req_id, b"a\0b"));
    assert!(matches!(store.client().directory(0, "x", &mut *store), Err(Error::MalformedReply(_))));
    let mut store = FakeStore::new(0, |h, _| reply(h.kind, h.req_id, b"\0"));
    assert_eq!(store.client().directory(0, "x", &mut *store).unwrap(), b"", "a lone NUL is an empty list");
    let mut store = FakeStore::new(0, |h, _| reply(h.kind, h.req_id, b"q1\0"));
    assert!(matches!(store.client().get_perms(0, "x", &mut *store), Err(Error::MalformedReply(_))));
}

#[test]
fn transaction_ids_travel_in_the_header_and_a_conflict_is_eagain() {
    let mut map = MapStore::new();
    map.conflict_on_commit = true;
    let mut store = FakeStore::new(0, move |h, p| map.respond(h, p));
    let mut client = store.client();
    let tx = client.transaction_start(&mut *store).unwrap();
    assert_eq!(tx, 7);
    client.write(tx, "data/counter", b"1", &mut *store).unwrap();
    assert_eq!(client.read(tx, "data/counter", &mut *store).unwrap(), b"1");
    assert_eq!(client.transaction_end(tx, true, &mut *store), Err(Error::Refused("EAGAIN")));
    assert_eq!(errno::of(Error::Refused("EAGAIN")), errno::EAGAIN);
    // The client goes on: the caller retries with a new transaction, or
    // gives up on this one.
    let again = client.transaction_start(&mut *store).unwrap();
    assert_eq!(again, 8);
    client.transaction_end(again, false, &mut *store).unwrap();
    let start = &store.requests_of(XS_TRANSACTION_START)[0];
    assert_eq!((start.0.tx_id, start.1.as_slice()), (0, &b"\0"[..]));
    assert_eq!(store.requests_of(XS_WRITE)[0].0.tx_id, 7, "the write carries its transaction");
    assert_eq!(store.requests_of(XS_READ)[0].0.tx_id, 7);
    let ends = store.requests_of(XS_TRANSACTION_END);
    assert_eq!((ends[0].0.tx_id, ends[0].1.as_slice()), (7, &b"T\0"[..]));
    assert_eq!((ends[1].0.tx_id, ends[1].1.as_slice()), (8, &b"F\0"[..]));
}

#[test]
fn a_reply_in_another_transaction_is_refused() {
    let mut store = FakeStore::new(0, |h, _| reply_in(XS_READ, h.req_id, h.tx_id + 1, b"v"));
    assert_eq!(store.client().read(4, "x", &mut *store), Err(Error::UnexpectedReply { kind: XS_READ, req_id: 1, tx_id: 5 }));
}

#[test]
fn bad_transaction_ids_from_the_store_are_malformed() {
    for id in [&b"0\0"[..], b"x\0", b"99999999999\0", b""] {
        let id = id.to_vec();
        let mut store = FakeStore::new(0, move |h, _| reply(h.kind, h.req_id, &id));
        assert!(matches!(store.client().transaction_start(&mut *store), Err(Error::MalformedReply(_))));
    }
}

// ---- watches

#[test]
fn a_watch_is_registered_with_its_prefixed_token_and_fires_once_at_once() {
    let mut store = FakeStore::new(0, map_store());
    let mut client = store.client();
    client.watch("data/halvm/poke", b"tok", &mut *store).unwrap();
    let (h, payload) = store.requests_of(XS_WATCH).remove(0);
    assert_eq!((h.tx_id, payload.as_slice()), (0, &b"data/halvm/poke\0u:tok\0"[..]));
    // The store's event for the registration follows the reply.
    client.poll(&mut *store).unwrap();
    let e = client.watches.front().unwrap();
    assert_eq!((e.path(), e.token()), (&b"data/halvm/poke"[..], &b"tok"[..]));
    client.watches.pop_front();
    // A change fires it again.
    client.write(0, "data/halvm/poke", b"hi", &mut *store).unwrap();
    client.poll(&mut *store).unwrap();
    assert_eq!(client.watches.front().unwrap().path(), b"data/halvm/poke");
    client.watches.pop_front();
    client.unwatch("data/halvm/poke", b"tok", &mut *store).unwrap();
    assert_eq!(store.requests_of(XS_UNWATCH)[0].1, b"data/halvm/poke\0u:tok\0");
    assert!(!client.watches.is_registered(b"tok"));
}

#[test]
fn a_refused_watch_leaves_no_token_registered() {
    let mut store = FakeStore::new(0, |h, _| reply(XS_ERROR, h.req_id, b"EACCES\0"));
    let mut client = store.client();
    assert_eq!(client.watch("/local/domain/0/x", b"t", &mut *store), Err(Error::Refused("EACCES")));
    assert!(!client.watches.is_registered(b"t"));
    assert_eq!(errno::of(Error::Refused("EACCES")), errno::EACCES);
}

/// A client with watch `t` registered (no store traffic).
fn client_watching(store: &FakeStore) -> Box<Client> {
    let mut client = store.client();
    client.watches.register(b"t");
    client
}

#[test]
fn asynchronous_events_are_queued_without_any_request() {
    let mut store = FakeStore::new(0, map_store());
    let mut client = client_watching(&store);
    store.push(&watch_event("data/a", b"u:t"));
    store.push(&watch_event("data/b", b"u:t"));
    client.poll(&mut *store).unwrap();
    assert_eq!(client.watches.queued(), 2);
    assert!(store.requests.is_empty(), "polling sends nothing");
    assert!(store.notifies > 0, "the store hears that its ring was emptied");
}

#[test]
fn an_event_that_arrives_in_pieces_is_completed_by_later_polls() {
    let mut store = FakeStore::new(0, map_store());
    let mut client = client_watching(&store);
    store.chunk = 7;
    store.push(&watch_event("data/slow", b"u:t"));
    for _ in 0..10 {
        client.poll(&mut *store).unwrap();
        if client.watches.queued() == 1 {
            break;
        }
        store.chunk = 7;
        store.push(&[]);
    }
    assert_eq!(client.watches.front().unwrap().path(), b"data/slow");
    // And a request right after a half-received event finishes it first.
    store.push(&watch_event("data/half", b"u:t")[..10]);
    client.poll(&mut *store).unwrap();
    store.chunk = usize::MAX;
    store.push(&watch_event("data/half", b"u:t")[10..]);
    client.write(0, "k", b"v", &mut *store).unwrap();
    assert_eq!(client.watches.queued(), 2);
}

#[test]
fn malformed_and_unknown_asynchronous_events_are_dropped_and_the_client_goes_on() {
    let mut store = FakeStore::new(0, map_store());
    let mut client = client_watching(&store);
    store.push(&reply(XS_WATCH_EVENT, 0, b"data/a\0u:t")); // token lacks its NUL
    store.push(&reply(XS_WATCH_EVENT, 0, b"data/a")); // no NUL at all
    store.push(&watch_event("data/a", b"u:stranger"));
    store.push(&watch_event(&"p".repeat(ABS_PATH_MAX + 1), b"u:t")); // a path no slot holds
    // (larger than the ring: it arrives over several notifications)
    while store.pending() > 0 {
        client.poll(&mut *store).unwrap();
        store.push(&[]);
    }
    client.poll(&mut *store).unwrap();
    assert_eq!((client.watches.queued(), client.watches.dropped), (0, 4));
    client.write(0, "k", b"v", &mut *store).unwrap();
    assert_eq!(client.read(0, "k", &mut *store).unwrap(), b"v");
}

#[test]
fn an_oversized_asynchronous_message_breaks_the_client_before_anything_is_read() {
    let mut store = FakeStore::new(0, map_store());
    let mut client = client_watching(&store);
    store.push(&Header { kind: XS_WATCH_EVENT, req_id: 0, tx_id: 0, len: 5000 }.to_bytes());
    store.push(&[b'x'; 100]);
    assert_eq!(client.poll(&mut *store), Err(Error::ReplyTooLong(5000)));
    assert_eq!(client.poll(&mut *store), Err(Error::Broken));
    assert_eq!(client.read(0, "k", &mut *store), Err(Error::Broken));
    assert!(store.requests.is_empty());
}

#[test]
fn a_reply_nobody_asked_for_breaks_the_client() {
    let mut store = FakeStore::new(0, map_store());
    let mut client = store.client();
    store.push(&reply(XS_READ, 9, b"surprise"));
    assert_eq!(client.poll(&mut *store), Err(Error::UnexpectedReply { kind: XS_READ, req_id: 9, tx_id: 0 }));
    assert!(client.is_broken());
}

#[test]
fn a_hostile_index_seen_while_polling_is_an_error() {
    let mut store = FakeStore::new(0, map_store());
    let mut client = store.client();
    store.page().rsp_prod = 4096;
    assert_eq!(client.poll(&mut *store), Err(Error::CorruptRing { ring: "reply", prod: 4096, cons: 0 }));
}

#[test]
fn the_platform_watch_is_flagged_not_queued() {
    let mut store = FakeStore::new(0, map_store());
    let mut client = store.client();
    client.watch_for_platform("control/shutdown", &mut *store).unwrap();
    assert_eq!(store.requests_of(XS_WATCH)[0].1, b"control/shutdown\0halvm:control-shutdown\0");
    client.poll(&mut *store).unwrap();
    assert!(client.watches.take_platform_fired());
    assert_eq!(client.watches.queued(), 0);
}

// ---- include/halvm/xen.h and its implementation agree

fn xen_h() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/halvm/xen.h")).unwrap()
}

#[test]
fn the_headers_limits_are_the_clients() {
    let header = xen_h();
    let define = |name: &str| -> usize {
        let line = header.lines().find(|l| l.starts_with(&format!("#define {name} "))).unwrap();
        line.split_whitespace().nth(2).unwrap().parse().unwrap()
    };
    assert_eq!(define("HALVM_XS_PATH_MAX"), ABS_PATH_MAX);
    assert_eq!(define("HALVM_XS_PAYLOAD_MAX"), PAYLOAD_MAX);
    assert_eq!(define("HALVM_XS_TOKEN_MAX"), watches::TOKEN_MAX);
    assert_eq!(define("HALVM_XS_WATCH_QUEUE"), watches::QUEUE_LEN);
    assert_eq!(define("HALVM_XS_WATCH_TOKENS"), watches::MAX_TOKENS);
}

#[test]
fn every_function_the_header_declares_is_defined() {
    let header = xen_h();
    // Every Rust source of rts-xen: the extension's functions live in
    // several modules (xen/xs_api.rs, xen/control.rs, ...).
    fn sources(dir: &std::path::Path, out: &mut String) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut api = String::new();
    sources(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")), &mut api);
    let declared: Vec<&str> = header
        .lines()
        .filter(|l| !l.starts_with([' ', '#', '/']) && l.contains("halvm_") && l.contains('('))
        .map(|l| {
            let name_end = l.find('(').unwrap();
            l[..name_end].rsplit(|c: char| c == ' ' || c == '*').next().unwrap()
        })
        .collect();
    assert!(declared.len() >= 15, "the header's declarations were not found: {declared:?}");
    for name in declared {
        assert!(api.contains(&format!("extern \"C\" fn {name}(")), "{name} is declared but not defined");
    }
}
