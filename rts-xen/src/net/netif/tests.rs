//! The netif rings against a test playing the backend, honest and
//! hostile: a page in host memory is the shared ring.

use super::*;

#[repr(C, align(4096))]
struct Page([u8; PAGE]);

fn page() -> Box<Page> {
    Box::new(Page([0xaa; PAGE]))
}

/// The backend's view of a ring page.
struct Backend {
    page: *mut u8,
}

impl Backend {
    fn idx(&self, off: usize) -> u32 {
        unsafe { (self.page.add(off) as *const u32).read_volatile() }
    }
    fn set(&self, off: usize, v: u32) {
        unsafe { (self.page.add(off) as *mut u32).write_volatile(v) }
    }
    fn req_prod(&self) -> u32 {
        self.idx(REQ_PROD)
    }
    fn request<T: Copy>(&self, i: u32, entry: usize, size: u32) -> T {
        unsafe { (self.page.add(HEADER + (i & (size - 1)) as usize * entry) as *const T).read_unaligned() }
    }
    fn respond<T: Copy>(&self, i: u32, entry: usize, size: u32, rsp: T) {
        unsafe { (self.page.add(HEADER + (i & (size - 1)) as usize * entry) as *mut T).write_unaligned(rsp) }
    }
}

fn tx_grefs() -> [u32; TX_SLOTS] {
    core::array::from_fn(|i| 100 + i as u32)
}
fn rx_grefs() -> [u32; RX_SLOTS] {
    core::array::from_fn(|i| 1000 + i as u32)
}

fn tx_queue(p: &mut Page, start: u32) -> (TxQueue, Backend) {
    let ring = unsafe { FrontRing::init(p.0.as_mut_ptr(), start) };
    (TxQueue::new(ring, tx_grefs()), Backend { page: p.0.as_mut_ptr() })
}

fn rx_queue(p: &mut Page, start: u32) -> (RxQueue, Backend, bool) {
    let ring = unsafe { FrontRing::init(p.0.as_mut_ptr(), start) };
    let (q, notify) = RxQueue::new(ring, rx_grefs());
    (q, Backend { page: p.0.as_mut_ptr() }, notify)
}

#[test]
fn init_sets_the_shared_header_like_shared_ring_init() {
    let mut p = page();
    let (_, b) = tx_queue(&mut p, 0);
    assert_eq!([b.idx(REQ_PROD), b.idx(REQ_EVENT), b.idx(RSP_PROD), b.idx(RSP_EVENT)], [0, 1, 0, 1]);
    assert!(p.0[16..HEADER].iter().all(|&x| x == 0), "the private and padding bytes are zeroed");
    assert_eq!(FrontRing::<TxRequest, TxResponse>::SIZE, 256);
    assert_eq!(FrontRing::<RxRequest, RxResponse>::SIZE, 256);
}

#[test]
fn a_sent_frame_is_a_request_with_its_buffers_grant_and_comes_back_free() {
    let mut p = page();
    let (mut q, b) = tx_queue(&mut p, 0);
    let id = q.free_buffer().unwrap().unwrap();
    assert!(q.send(id, 60), "the backend's req_event is 1: the first request is notified");
    assert_eq!(b.req_prod(), 1);
    let r: TxRequest = b.request(0, 12, 256);
    assert_eq!(r, TxRequest { gref: 100 + id as u32, offset: 0, flags: 0, id, size: 60 });
    assert_eq!(q.in_flight(), 1);
    b.respond(0, 12, 256, TxResponse { id, status: 0 });
    b.set(RSP_PROD, 1);
    q.reclaim().unwrap();
    assert_eq!(q.in_flight(), 0);
    assert_eq!(q.errors, 0);
}

#[test]
fn notification_follows_the_backends_event_threshold() {
    let mut p = page();
    let (mut q, b) = tx_queue(&mut p, 0);
    let id = q.free_buffer().unwrap().unwrap();
    assert!(q.send(id, 60));
    // the backend is busy and will look again on its own: threshold far ahead
    b.set(REQ_EVENT, 50);
    let id = q.free_buffer().unwrap().unwrap();
    assert!(!q.send(id, 60), "req_event 50 is not crossed by 1 -> 2");
    b.set(REQ_EVENT, 3);
    let id = q.free_buffer().unwrap().unwrap();
    assert!(q.send(id, 60), "req_event 3 is crossed by 2 -> 3");
}

#[test]
fn all_buffers_in_flight_means_no_free_buffer_until_a_response() {
    let mut p = page();
    let (mut q, b) = tx_queue(&mut p, 0);
    for _ in 0..TX_SLOTS {
        let id = q.free_buffer().unwrap().unwrap();
        q.send(id, 100);
    }
    assert_eq!(q.free_buffer().unwrap(), None);
    let r: TxRequest = b.request(7, 12, 256);
    b.respond(0, 12, 256, TxResponse { id: r.id, status: -1 });
    b.set(RSP_PROD, 1);
    assert_eq!(q.free_buffer().unwrap(), Some(r.id));
    assert_eq!(q.errors, 1, "an error status counts as a dropped frame");
}

#[test]
fn a_response_producer_beyond_the_requests_is_an_overrun_not_a_read() {
    let mut p = page();
    let (mut q, b) = tx_queue(&mut p, 0);
    let id = q.free_buffer().unwrap().unwrap();
    q.send(id, 60);
    b.set(RSP_PROD, 2);
    assert_eq!(q.reclaim(), Err(RingError::Overrun { claimed: 2, outstanding: 1 }));
    b.set(RSP_PROD, 0x8000_0000);
    assert!(matches!(q.reclaim(), Err(RingError::Overrun { .. })));
}

#[test]
fn a_response_producer_that_goes_backwards_is_an_overrun() {
    let mut p = page();
    let (mut q, b) = tx_queue(&mut p, 0);
    let id = q.free_buffer().unwrap().unwrap();
    q.send(id, 60);
    b.respond(0, 12, 256, TxResponse { id, status: 0 });
    b.set(RSP_PROD, 1);
    q.reclaim().unwrap();
    b.set(RSP_PROD, 0);
    assert_eq!(q.reclaim(), Err(RingError::Overrun { claimed: u32::MAX, outstanding: 0 }));
}

#[test]
fn tx_responses_naming_no_outstanding_buffer_are_refused() {
    for bad in [TX_SLOTS as u16, u16::MAX] {
        let mut p = page();
        let (mut q, b) = tx_queue(&mut p, 0);
        let id = q.free_buffer().unwrap().unwrap();
        q.send(id, 60);
        b.respond(0, 12, 256, TxResponse { id: bad, status: 0 });
        b.set(RSP_PROD, 1);
        assert_eq!(q.reclaim(), Err(RingError::BadId(bad)));
    }
    // a buffer answered twice
    let mut p = page();
    let (mut q, b) = tx_queue(&mut p, 0);
    for _ in 0..2 {
        let id = q.free_buffer().unwrap().unwrap();
        q.send(id, 60);
    }
    let first: TxRequest = b.request(0, 12, 256);
    b.respond(0, 12, 256, TxResponse { id: first.id, status: 0 });
    b.respond(1, 12, 256, TxResponse { id: first.id, status: 0 });
    b.set(RSP_PROD, 2);
    assert_eq!(q.reclaim(), Err(RingError::BadId(first.id)));
}

#[test]
fn indices_wrap_across_u32_and_the_ring_end() {
    let mut p = page();
    let start = u32::MAX - 300;
    let (mut q, b) = tx_queue(&mut p, start);
    let mut prod = start;
    for round in 0..1000u32 {
        let id = q.free_buffer().unwrap().expect("a buffer is free each round");
        q.send(id, 60 + (round % 100) as usize);
        let r: TxRequest = b.request(prod, 12, 256);
        assert_eq!((r.id, r.size), (id, 60 + (round % 100) as u16));
        b.respond(prod, 12, 256, TxResponse { id, status: 0 });
        prod = prod.wrapping_add(1);
        b.set(RSP_PROD, prod);
    }
    q.reclaim().unwrap();
    assert_eq!(q.in_flight(), 0);
    assert_eq!(b.req_prod(), start.wrapping_add(1000));
}

#[test]
fn every_rx_buffer_is_posted_with_its_id_and_grant() {
    let mut p = page();
    let (_, b, notify) = rx_queue(&mut p, 0);
    assert!(notify);
    assert_eq!(b.req_prod(), RX_SLOTS as u32);
    for i in 0..RX_SLOTS as u32 {
        let r: RxRequest = b.request(i, 8, 256);
        assert_eq!((r.id, r.gref), (i as u16, 1000 + i));
    }
}

#[test]
fn a_received_frame_is_found_and_its_buffer_posted_again_at_index_plus_slots() {
    let mut p = page();
    let (mut q, b, _) = rx_queue(&mut p, 0);
    assert_eq!(q.next().unwrap(), Received::Nothing);
    b.respond(0, 8, 256, RxResponse { id: 0, offset: 10, flags: 0, status: 60 });
    b.set(RSP_PROD, 1);
    assert_eq!(q.next().unwrap(), Received::Frame { id: 0, offset: 10, len: 60 });
    b.set(REQ_EVENT, RX_SLOTS as u32 + 1);
    assert!(q.repost(), "the backend asked to hear about request 129");
    let r: RxRequest = b.request(RX_SLOTS as u32, 8, 256);
    assert_eq!((r.id, r.gref), (0, 1000));
    assert_eq!(b.req_prod(), RX_SLOTS as u32 + 1);
}

#[test]
fn rx_ids_must_match_the_buffer_of_their_index() {
    let mut p = page();
    let (mut q, b, _) = rx_queue(&mut p, 0);
    b.respond(0, 8, 256, RxResponse { id: 5, offset: 0, flags: 0, status: 60 });
    b.set(RSP_PROD, 1);
    assert_eq!(q.next(), Err(RingError::BadId(5)));
}

#[test]
fn rx_lengths_beyond_the_page_are_refused() {
    for (offset, status) in [(4000u16, 200i16), (0, i16::MAX), (u16::MAX, 1)] {
        let mut p = page();
        let (mut q, b, _) = rx_queue(&mut p, 0);
        b.respond(0, 8, 256, RxResponse { id: 0, offset, flags: 0, status });
        b.set(RSP_PROD, 1);
        assert_eq!(q.next(), Err(RingError::BadLength { offset, len: status }), "{offset} {status}");
    }
}

#[test]
fn errors_empty_oversized_and_split_frames_are_dropped_and_their_buffers_reposted() {
    let mut p = page();
    let (mut q, b, _) = rx_queue(&mut p, 0);
    let rsps = [
        RxResponse { id: 0, offset: 0, flags: 0, status: -1 },
        RxResponse { id: 1, offset: 0, flags: 0, status: 0 },
        RxResponse { id: 2, offset: 0, flags: 0, status: 2000 },
        RxResponse { id: 3, offset: 0, flags: NETRXF_MORE_DATA, status: 1000 },
        RxResponse { id: 4, offset: 0, flags: 0, status: 500 }, // the split frame's last part
        RxResponse { id: 5, offset: 0, flags: NETRXF_EXTRA_INFO, status: 60 },
        RxResponse { id: 0xffff, offset: 0xffff, flags: 0xffff, status: -1 }, // the extra slot
        RxResponse { id: 7, offset: 0, flags: 0, status: 42 },
    ];
    for (i, r) in rsps.iter().enumerate() {
        b.respond(i as u32, 8, 256, *r);
    }
    b.set(RSP_PROD, rsps.len() as u32);
    for _ in 0..7 {
        assert_eq!(q.next().unwrap(), Received::Dropped);
    }
    assert_eq!(q.next().unwrap(), Received::Frame { id: 7, offset: 0, len: 42 });
    q.repost();
    assert_eq!(q.dropped, 6, "the extra-info slot is not a frame");
    assert_eq!(b.req_prod(), RX_SLOTS as u32 + 8, "every buffer is posted again");
    for i in 0..8u32 {
        let r: RxRequest = b.request(RX_SLOTS as u32 + i, 8, 256);
        assert_eq!(r.id, i as u16);
    }
}

#[test]
fn rx_over_many_rounds_wraps_the_indices() {
    let mut p = page();
    let start = u32::MAX - 1000;
    let (mut q, b, _) = rx_queue(&mut p, start);
    let mut cons = start;
    for _ in 0..3000 {
        let r: RxRequest = b.request(cons, 8, 256);
        b.respond(cons, 8, 256, RxResponse { id: r.id, offset: 0, flags: 0, status: 64 });
        cons = cons.wrapping_add(1);
        b.set(RSP_PROD, cons);
        assert_eq!(q.next().unwrap(), Received::Frame { id: r.id, offset: 0, len: 64 });
        q.repost();
        assert_eq!(b.req_prod(), cons.wrapping_add(RX_SLOTS as u32));
    }
}

#[test]
fn arming_sets_the_response_event_one_past_what_was_consumed() {
    let mut p = page();
    let (mut q, b, _) = rx_queue(&mut p, 0);
    b.respond(0, 8, 256, RxResponse { id: 0, offset: 0, flags: 0, status: 60 });
    b.set(RSP_PROD, 1);
    assert!(q.ring.arm().unwrap(), "a response waits: no need to arm");
    assert!(matches!(q.next().unwrap(), Received::Frame { .. }));
    q.repost();
    assert!(!q.ring.arm().unwrap());
    assert_eq!(b.idx(RSP_EVENT), 2);
    b.set(RSP_PROD, 500);
    assert!(matches!(q.ring.arm(), Err(RingError::Overrun { .. })));
}

#[test]
fn mac_addresses_parse_only_in_xenstores_form() {
    assert_eq!(parse_mac(b"00:16:3e:0a:Bc:ff"), Some([0, 0x16, 0x3e, 0x0a, 0xbc, 0xff]));
    for bad in [&b"00:16:3e:0a:bc"[..], b"00:16:3e:0a:bc:ff:00", b"0:16:3e:0a:bc:ff", b"00-16-3e-0a-bc-ff",
                b"zz:16:3e:0a:bc:ff", b"", b"+1:16:3e:0a:bc:ff"] {
        assert_eq!(parse_mac(bad), None, "{:?}", core::str::from_utf8(bad));
    }
}
