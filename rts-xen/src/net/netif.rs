//! Xen's network rings (`xen/io/netif.h` over `xen/io/ring.h`), the
//! frontend's side: the shared-ring page layout, the transmit and receive
//! bookkeeping of netfront, and the XenStore value formats it reads. Pure
//! and unit-tested on the host, with the test playing a hostile backend.
//!
//! The backend is not trusted. A response producer index that claims more
//! responses than requests are outstanding (or that went backwards), a
//! response id that names no outstanding request, or a received length
//! or offset beyond the granted page is a `RingError`: the driver then
//! stops the interface, and no index it was given is ever used to address
//! memory. Every response is copied out of the shared page once and only
//! the copy is checked and used, so the backend cannot change it after
//! the check.

use core::sync::atomic::{fence, AtomicU32, Ordering};

pub const PAGE: usize = 4096;
/// ring.h's shared-ring header: four indices, 4 private bytes, 44 pad.
const HEADER: usize = 64;
const REQ_PROD: usize = 0;
const REQ_EVENT: usize = 4;
const RSP_PROD: usize = 8;
const RSP_EVENT: usize = 12;

/// netif_tx_request.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TxRequest {
    pub gref: u32,
    pub offset: u16,
    pub flags: u16,
    pub id: u16,
    pub size: u16,
}

/// netif_tx_response.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TxResponse {
    pub id: u16,
    pub status: i16,
}

/// netif_rx_request.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RxRequest {
    pub id: u16,
    pub pad: u16,
    pub gref: u32,
}

/// netif_rx_response: `status` is the length when positive.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RxResponse {
    pub id: u16,
    pub offset: u16,
    pub flags: u16,
    pub status: i16,
}

const _: () = assert!(core::mem::size_of::<TxRequest>() == 12 && core::mem::size_of::<TxResponse>() == 4);
const _: () = assert!(core::mem::size_of::<RxRequest>() == 8 && core::mem::size_of::<RxResponse>() == 8);

pub const NETRXF_MORE_DATA: u16 = 1 << 2;
pub const NETRXF_EXTRA_INFO: u16 = 1 << 3;
pub const NETIF_RSP_OKAY: i16 = 0;

/// ring.h's __RD32: the largest power of two not above `n`.
const fn round_down_pow2(n: usize) -> u32 {
    let mut p = 1usize;
    while p * 2 <= n {
        p *= 2;
    }
    p as u32
}

/// Entries in one page: each entry is the union of request and response.
const fn entries(entry: usize) -> u32 {
    round_down_pow2((PAGE - HEADER) / entry)
}
pub const TX_RING_SIZE: u32 = entries(12);
pub const RX_RING_SIZE: u32 = entries(8);
const _: () = assert!(TX_RING_SIZE == 256 && RX_RING_SIZE == 256);

/// Buffers in use on each ring (one granted page each). Fewer than the
/// rings hold: a window's worth of TCP segments, and the grant table
/// (2040 references) is shared with vchan and programs.
pub const TX_SLOTS: usize = 64;
pub const RX_SLOTS: usize = 128;
/// An Ethernet frame without FCS; nothing longer is sent or accepted
/// (no scatter-gather, no GSO negotiated).
pub const MTU: usize = 1514;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingError {
    /// The response producer claims `claimed` unconsumed responses with
    /// only `outstanding` requests outstanding.
    Overrun { claimed: u32, outstanding: u32 },
    /// A response names request id `id`, which is not outstanding.
    BadId(u16),
    /// A received frame lies (partly) outside its page.
    BadLength { offset: u16, len: i16 },
}

impl core::fmt::Display for RingError {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        match *self {
            RingError::Overrun { claimed, outstanding } => {
                write!(f, "the backend claims {claimed} responses with {outstanding} requests outstanding")
            }
            RingError::BadId(id) => write!(f, "a response names id {id}, which is not outstanding"),
            RingError::BadLength { offset, len } => {
                write!(f, "a received frame of {len} bytes at offset {offset} does not fit its page")
            }
        }
    }
}

/// The front end of one shared ring in a page: requests go out, responses
/// come back. `Req` and `Rsp` share each entry slot.
pub struct FrontRing<Req, Rsp> {
    page: *mut u8,
    /// Requests written (private) and published (visible to the backend).
    req_prod_pvt: u32,
    req_published: u32,
    rsp_cons: u32,
    _types: core::marker::PhantomData<(Req, Rsp)>,
}

impl<Req: Copy, Rsp: Copy> FrontRing<Req, Rsp> {
    const ENTRY: usize = if core::mem::size_of::<Req>() > core::mem::size_of::<Rsp>() {
        core::mem::size_of::<Req>()
    } else {
        core::mem::size_of::<Rsp>()
    };
    pub const SIZE: u32 = entries(Self::ENTRY);

    /// Initialises the shared ring in `page` (SHARED_RING_INIT and
    /// FRONT_RING_INIT) with every index at `start` (0 in use; the tests
    /// start near the u32 wrap).
    ///
    /// # Safety
    /// `page` is a writable, 4-byte aligned page that outlives the ring and
    /// that only the backend touches besides this ring.
    pub unsafe fn init(page: *mut u8, start: u32) -> Self {
        core::ptr::write_bytes(page, 0, HEADER);
        let r = FrontRing { page, req_prod_pvt: start, req_published: start, rsp_cons: start,
                            _types: core::marker::PhantomData };
        r.index(REQ_PROD).store(start, Ordering::Relaxed);
        r.index(RSP_PROD).store(start, Ordering::Relaxed);
        r.index(REQ_EVENT).store(start.wrapping_add(1), Ordering::Relaxed);
        r.index(RSP_EVENT).store(start.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::Release);
        r
    }

    fn index(&self, offset: usize) -> &AtomicU32 {
        // SAFETY: the header lies in the page (init's contract); aligned.
        unsafe { AtomicU32::from_ptr(self.page.add(offset) as *mut u32) }
    }

    fn slot(&self, idx: u32) -> *mut u8 {
        // SAFETY: masked to the ring's size, which fits the page.
        unsafe { self.page.add(HEADER + (idx & (Self::SIZE - 1)) as usize * Self::ENTRY) }
    }

    /// Requests written but not yet answered.
    pub fn outstanding(&self) -> u32 {
        self.req_prod_pvt.wrapping_sub(self.rsp_cons)
    }

    pub fn is_full(&self) -> bool {
        self.outstanding() >= Self::SIZE
    }

    /// The index the next request gets.
    pub fn next_request_index(&self) -> u32 {
        self.req_prod_pvt
    }

    /// Writes a request (not yet visible: see publish). The caller keeps
    /// the ring from filling (is_full).
    pub fn push(&mut self, req: Req) {
        assert!(!self.is_full(), "netif ring overfilled");
        // SAFETY: a slot of the page; unaligned-safe write.
        unsafe { (self.slot(self.req_prod_pvt) as *mut Req).write_volatile(req) };
        self.req_prod_pvt = self.req_prod_pvt.wrapping_add(1);
    }

    /// Makes the written requests visible; returns whether the backend
    /// asked to be notified of them (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY).
    pub fn publish(&mut self) -> bool {
        let old = self.req_published;
        let new = self.req_prod_pvt;
        if old == new {
            return false;
        }
        // the requests' contents before the index that covers them
        fence(Ordering::Release);
        self.index(REQ_PROD).store(new, Ordering::Relaxed);
        self.req_published = new;
        // the index before reading the backend's event threshold
        fence(Ordering::SeqCst);
        let event = self.index(REQ_EVENT).load(Ordering::Relaxed);
        new.wrapping_sub(event) < new.wrapping_sub(old)
    }

    /// The backend's response producer, checked against what is
    /// outstanding: the number of responses waiting.
    fn waiting(&self) -> Result<u32, RingError> {
        let prod = self.index(RSP_PROD).load(Ordering::Acquire);
        let claimed = prod.wrapping_sub(self.rsp_cons);
        let outstanding = self.req_published.wrapping_sub(self.rsp_cons);
        if claimed > outstanding {
            return Err(RingError::Overrun { claimed, outstanding });
        }
        Ok(claimed)
    }

    /// Takes the next response, with the ring index it had.
    pub fn take(&mut self) -> Result<Option<(u32, Rsp)>, RingError> {
        if self.waiting()? == 0 {
            return Ok(None);
        }
        let idx = self.rsp_cons;
        // SAFETY: a slot of the page, read once into a private copy.
        let rsp = unsafe { (self.slot(idx) as *const Rsp).read_volatile() };
        self.rsp_cons = idx.wrapping_add(1);
        Ok(Some((idx, rsp)))
    }

    /// Whether responses are waiting, without taking them.
    pub fn has_responses(&self) -> Result<bool, RingError> {
        Ok(self.waiting()? > 0)
    }

    /// Asks the backend to notify us of the next response, then looks
    /// again so that one that arrived meanwhile is not slept through
    /// (RING_FINAL_CHECK_FOR_RESPONSES). Returns whether any wait.
    pub fn arm(&mut self) -> Result<bool, RingError> {
        if self.has_responses()? {
            return Ok(true);
        }
        self.index(RSP_EVENT).store(self.rsp_cons.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::SeqCst);
        self.has_responses()
    }
}

/// Transmission: TX_SLOTS buffers, each one page granted to the backend
/// once (`grefs[id]`), handed out while no request uses them.
pub struct TxQueue {
    pub ring: FrontRing<TxRequest, TxResponse>,
    grefs: [u32; TX_SLOTS],
    in_flight: [bool; TX_SLOTS],
    free: [u16; TX_SLOTS],
    free_len: usize,
    /// Responses whose status was not OKAY (frames the backend dropped).
    pub errors: u64,
}

impl TxQueue {
    pub fn new(ring: FrontRing<TxRequest, TxResponse>, grefs: [u32; TX_SLOTS]) -> TxQueue {
        let mut free = [0u16; TX_SLOTS];
        for (i, f) in free.iter_mut().enumerate() {
            *f = (TX_SLOTS - 1 - i) as u16;
        }
        TxQueue { ring, grefs, in_flight: [false; TX_SLOTS], free, free_len: TX_SLOTS, errors: 0 }
    }

    /// Takes back the buffers of answered requests.
    pub fn reclaim(&mut self) -> Result<(), RingError> {
        while let Some((_, rsp)) = self.ring.take()? {
            let id = rsp.id as usize;
            if id >= TX_SLOTS || !self.in_flight[id] {
                return Err(RingError::BadId(rsp.id));
            }
            self.in_flight[id] = false;
            self.free[self.free_len] = rsp.id;
            self.free_len += 1;
            if rsp.status != NETIF_RSP_OKAY {
                self.errors += 1;
            }
        }
        Ok(())
    }

    /// A free buffer's id, if any (after reclaiming).
    pub fn free_buffer(&mut self) -> Result<Option<u16>, RingError> {
        self.reclaim()?;
        Ok(if self.free_len > 0 && !self.ring.is_full() { Some(self.free[self.free_len - 1]) } else { None })
    }

    /// Queues buffer `id` (from free_buffer) holding a `len`-byte frame;
    /// returns whether the backend wants a notification.
    pub fn send(&mut self, id: u16, len: usize) -> bool {
        assert!(self.free_len > 0 && self.free[self.free_len - 1] == id && len <= MTU);
        self.free_len -= 1;
        self.in_flight[id as usize] = true;
        self.ring.push(TxRequest { gref: self.grefs[id as usize], offset: 0, flags: 0, id, size: len as u16 });
        self.ring.publish()
    }

    pub fn in_flight(&self) -> usize {
        TX_SLOTS - self.free_len
    }
}

/// What the receive queue found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Nothing waiting.
    Nothing,
    /// A frame: the buffer id, the offset in its page and the length.
    Frame { id: u16, offset: usize, len: usize },
    /// A response carried no usable frame (an error status, an empty
    /// frame, or a multi-part frame, which this frontend never asked
    /// for); its buffer is already posted again.
    Dropped,
}

/// Reception: RX_SLOTS buffers, each one page granted to the backend
/// once. The request at ring index i always uses buffer i % RX_SLOTS (as
/// Linux's netfront does), so a response at index i must name that
/// buffer; a buffer is posted again, at index i + RX_SLOTS, once its
/// frame has been copied out (`repost`, in order).
pub struct RxQueue {
    pub ring: FrontRing<RxRequest, RxResponse>,
    grefs: [u32; RX_SLOTS],
    /// Inside a frame the backend split across responses: drop until its
    /// last part.
    skipping: bool,
    /// The previous response announced an extra-info slot, which follows.
    extra_next: bool,
    pub dropped: u64,
}

impl RxQueue {
    /// Posts every buffer; returns whether the backend wants a notification.
    pub fn new(ring: FrontRing<RxRequest, RxResponse>, grefs: [u32; RX_SLOTS]) -> (RxQueue, bool) {
        let mut q = RxQueue { ring, grefs, skipping: false, extra_next: false, dropped: 0 };
        for _ in 0..RX_SLOTS {
            q.post();
        }
        let notify = q.ring.publish();
        (q, notify)
    }

    fn post(&mut self) {
        let id = (self.ring.next_request_index() % RX_SLOTS as u32) as u16;
        self.ring.push(RxRequest { id, pad: 0, gref: self.grefs[id as usize] });
    }

    /// Takes the next response. A Frame's buffer must be given back with
    /// repost() before the next call.
    pub fn next(&mut self) -> Result<Received, RingError> {
        let Some((idx, rsp)) = self.ring.take()? else { return Ok(Received::Nothing) };
        let expected = (idx % RX_SLOTS as u32) as u16;
        if self.extra_next {
            // an extra-info slot (no buffer id in it): its buffer is done
            self.extra_next = false;
            self.post();
            return Ok(Received::Dropped);
        }
        if rsp.id != expected {
            return Err(RingError::BadId(rsp.id));
        }
        self.extra_next = rsp.flags & NETRXF_EXTRA_INFO != 0;
        let more = rsp.flags & NETRXF_MORE_DATA != 0;
        let part_of_split = self.skipping || more;
        self.skipping = more;
        if rsp.status > 0 && rsp.offset as usize + rsp.status as usize > PAGE {
            return Err(RingError::BadLength { offset: rsp.offset, len: rsp.status });
        }
        if rsp.status <= 0 || part_of_split || self.extra_next || rsp.status as usize > MTU {
            self.dropped += 1;
            self.post();
            return Ok(Received::Dropped);
        }
        Ok(Received::Frame { id: rsp.id, offset: rsp.offset as usize, len: rsp.status as usize })
    }

    /// Gives the buffer of the last Frame back to the backend; returns
    /// whether it wants a notification.
    pub fn repost(&mut self) -> bool {
        self.post();
        self.ring.publish()
    }

    /// Publishes buffers posted by next() for dropped responses.
    pub fn publish(&mut self) -> bool {
        self.ring.publish()
    }
}

/// A MAC address as XenStore writes it: six two-digit hex bytes joined
/// by `:`.
pub fn parse_mac(s: &[u8]) -> Option<[u8; 6]> {
    let s = core::str::from_utf8(s).ok()?;
    let mut mac = [0u8; 6];
    let mut parts = s.split(':');
    for b in mac.iter_mut() {
        let p = parts.next()?;
        // (from_str_radix alone would take a sign: "+1")
        if p.len() != 2 || !p.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        *b = u8::from_str_radix(p, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

/// XenBus states (xen/io/xenbus.h).
pub mod state {
    pub const INITIALISING: u32 = 1;
    pub const INIT_WAIT: u32 = 2;
    pub const INITIALISED: u32 = 3;
    pub const CONNECTED: u32 = 4;
    pub const CLOSING: u32 = 5;
    pub const CLOSED: u32 = 6;
}

#[cfg(test)]
mod tests;
