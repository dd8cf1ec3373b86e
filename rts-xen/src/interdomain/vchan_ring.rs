//! The byte rings of a vchan, in the wire format of Xen's libxenvchan
//! (xen/io/libxenvchan.h): a shared control page holding two
//! `ring_shared` index pairs, the rings' sizes as orders, each side's
//! "live" byte, the notification-request bytes, and the grant references
//! of ring pages; each ring is either inside the control page (1024 bytes
//! at offset 1024 or 2048 bytes at offset 2048) or in granted pages.
//!
//! The server reads the left ring and writes the right one; the client the
//! other way round. Indices are free-running u32 counters, masked by the
//! ring's size. Notifications: a side that finds a ring empty (full) sets
//! VCHAN_NOTIFY_WRITE (VCHAN_NOTIFY_READ) in the *peer's* request byte
//! and re-reads the index; a side that produced (consumed) clears that bit
//! in its *own* request byte and signals the event channel only if it was
//! set.
//!
//! The peer is not trusted: it can write anything into the page at any
//! time. Each side keeps its own index privately and only ever reads the
//! peer's, once per operation; an index that claims more than the ring
//! holds (prod - cons > size, or a cons beyond our prod) is -EPROTO and the
//! endpoint stays broken. Copies are bounded by the ring's size and masked
//! offsets, so no value in the page can make us read or write outside the
//! ring.

use core::sync::atomic::{fence, AtomicU16, AtomicU32, AtomicU8, Ordering};

use crate::ring::in_flight;

/// Offsets in the control page (struct vchan_interface; checked against
/// Xen's header by the machine side, xen/vchan.rs).
pub const LEFT: usize = 0;
pub const RIGHT: usize = 8;
pub const LEFT_ORDER: usize = 16;
pub const RIGHT_ORDER: usize = 18;
pub const CLI_LIVE: usize = 20;
pub const SRV_LIVE: usize = 21;
pub const CLI_NOTIFY: usize = 22;
pub const SRV_NOTIFY: usize = 23;
pub const GRANTS: usize = 24;
/// ring_shared: cons, then prod.
const CONS: usize = 0;
const PROD: usize = 4;

pub const NOTIFY_WRITE: u8 = 1;
pub const NOTIFY_READ: u8 = 2;

pub const PAGE_SHIFT: u16 = 12;
pub const PAGE_SIZE: usize = 1 << PAGE_SHIFT;
/// The in-page rings: 1 KiB at offset 1024, 2 KiB at offset 2048.
pub const SMALL_ORDER: u16 = 10;
pub const LARGE_ORDER: u16 = 11;
/// libxenvchan's limit (MAX_RING_SHIFT): 1 MiB per ring.
pub const MAX_ORDER: u16 = 20;
pub const MAX_RING_SIZE: usize = 1 << MAX_ORDER;
/// Grant references the control page has room for.
pub const MAX_GRANTS: usize = (PAGE_SIZE - GRANTS) / 4;

/// The live bytes' values.
pub const LIVE_CLOSED: u8 = 0;
pub const LIVE_OPEN: u8 = 1;
/// The client's byte until it connects (set by the server).
pub const LIVE_WAITING: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Nothing to read / no room to write now.
    Again,
    /// The peer closed (for a read: and everything it sent was read).
    Closed,
    /// The peer broke the protocol (indices or orders out of range).
    Proto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Server,
    Client,
}

/// Where a ring of a given order lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Inside the control page, at this offset.
    InPage(usize),
    /// In this many granted pages of their own.
    Pages(usize),
}

pub fn placement(order: u16) -> Placement {
    match order {
        SMALL_ORDER => Placement::InPage(1024),
        LARGE_ORDER => Placement::InPage(2048),
        o => Placement::Pages(1 << (o - PAGE_SHIFT)),
    }
}

pub fn pages(order: u16) -> usize {
    match placement(order) {
        Placement::InPage(_) => 0,
        Placement::Pages(n) => n,
    }
}

fn min_order(bytes: usize) -> u16 {
    let mut o = PAGE_SHIFT;
    while bytes > 1 << o {
        o += 1;
    }
    o
}

/// The server's (read, write) orders for rings of at least `read_min` and
/// `write_min` bytes, chosen as libxenvchan does (in-page rings where they
/// suffice); None above 1 MiB.
pub fn server_orders(read_min: usize, write_min: usize) -> Option<(u16, u16)> {
    if read_min > MAX_RING_SIZE || write_min > MAX_RING_SIZE {
        return None;
    }
    let (small, large) = (1 << SMALL_ORDER, 1 << LARGE_ORDER);
    let (mut r, mut w) = (min_order(read_min), min_order(write_min));
    if read_min <= small && write_min <= large {
        (r, w) = (SMALL_ORDER, LARGE_ORDER);
    } else if read_min <= large && write_min <= small {
        (r, w) = (LARGE_ORDER, SMALL_ORDER);
    } else if read_min <= large {
        r = LARGE_ORDER;
    } else if write_min <= large {
        w = LARGE_ORDER;
    }
    Some((r, w))
}

fn valid_orders(a: u16, b: u16) -> bool {
    let ok = |o: u16| (SMALL_ORDER..=MAX_ORDER).contains(&o);
    // two in-page rings of the same order would overlap
    ok(a) && ok(b) && !(a == b && a < PAGE_SHIFT)
}

/// The control page as the client finds it: its (write, read) orders
/// (the left and right rings), checked as libxenvchan checks them.
///
/// # Safety
/// `page` points to a mapped control page.
pub unsafe fn client_orders(page: *mut u8) -> Result<(u16, u16), Error> {
    let left = u16_at(page, LEFT_ORDER).load(Ordering::Acquire);
    let right = u16_at(page, RIGHT_ORDER).load(Ordering::Acquire);
    if valid_orders(left, right) { Ok((left, right)) } else { Err(Error::Proto) }
}

/// Stores the `i`th grant reference of the ring pages (left ring's first).
///
/// # Safety
/// `page` points to a mapped control page; i < MAX_GRANTS.
pub unsafe fn set_grant(page: *mut u8, i: usize, gref: u32) {
    assert!(i < MAX_GRANTS);
    u32_at(page, GRANTS + 4 * i).store(gref, Ordering::Relaxed);
}

/// The `i`th grant reference the server stored.
///
/// # Safety
/// As set_grant.
pub unsafe fn grant(page: *mut u8, i: usize) -> u32 {
    assert!(i < MAX_GRANTS);
    u32_at(page, GRANTS + 4 * i).load(Ordering::Relaxed)
}

unsafe fn u32_at<'a>(page: *mut u8, off: usize) -> &'a AtomicU32 {
    AtomicU32::from_ptr(page.add(off) as *mut u32)
}
unsafe fn u16_at<'a>(page: *mut u8, off: usize) -> &'a AtomicU16 {
    AtomicU16::from_ptr(page.add(off) as *mut u16)
}
unsafe fn u8_at<'a>(page: *mut u8, off: usize) -> &'a AtomicU8 {
    AtomicU8::from_ptr(page.add(off))
}

struct Ring {
    buf: *mut u8,
    size: u32,
    /// Offset of this ring's ring_shared in the control page.
    shared: usize,
}

/// One side of a vchan.
pub struct Endpoint {
    page: *mut u8,
    role: Role,
    read: Ring,
    write: Ring,
    /// Our own indices, kept here: the copies in the page are only ever
    /// written, so that the peer cannot move them.
    cons: u32,
    prod: u32,
    broken: bool,
}

// SAFETY: the endpoint owns its mappings; rts-xen has one CPU and uses it
// with interrupts off.
unsafe impl Send for Endpoint {}

impl Endpoint {
    /// The endpoint of `role` over `page`, reading one ring and writing
    /// the other: the server and the client differ only in which of the
    /// page's two rings is which. Our indices start where the page's copies
    /// stand (zero on a fresh page; for a client, where the server left
    /// them, hence Acquire), each taken from its own ring's ring_shared.
    ///
    /// # Safety
    /// As for server().
    unsafe fn attach(page: *mut u8, role: Role, read: Ring, write: Ring) -> Endpoint {
        let cons = u32_at(page, read.shared + CONS).load(Ordering::Acquire);
        let prod = u32_at(page, write.shared + PROD).load(Ordering::Acquire);
        Endpoint { page, role, read, write, cons, prod, broken: false }
    }

    /// Sets up a zeroed control page as the server: the orders, the live
    /// bytes (the client's "waiting") and the client's request to be told
    /// of writes. `read_buf` / `write_buf` are the rings' bytes (inside the
    /// page for in-page orders).
    ///
    /// # Safety
    /// `page` is a mapped page and the buffers hold 1 << order bytes each,
    /// all valid for as long as the endpoint is used.
    pub unsafe fn server(page: *mut u8, read_order: u16, write_order: u16, read_buf: *mut u8,
                         write_buf: *mut u8) -> Endpoint {
        u16_at(page, LEFT_ORDER).store(read_order, Ordering::Relaxed);
        u16_at(page, RIGHT_ORDER).store(write_order, Ordering::Relaxed);
        u8_at(page, CLI_LIVE).store(LIVE_WAITING, Ordering::Relaxed);
        u8_at(page, SRV_LIVE).store(LIVE_OPEN, Ordering::Relaxed);
        u8_at(page, CLI_NOTIFY).store(NOTIFY_WRITE, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        Self::attach(page, Role::Server,
                     Ring { buf: read_buf, size: 1 << read_order, shared: LEFT },
                     Ring { buf: write_buf, size: 1 << write_order, shared: RIGHT })
    }

    /// Joins a server's control page as the client, with the orders
    /// client_orders() returned: marks the client live and asks the server
    /// to be told of its writes. The caller then signals the channel.
    ///
    /// # Safety
    /// As for server().
    pub unsafe fn client(page: *mut u8, write_order: u16, read_order: u16, write_buf: *mut u8,
                         read_buf: *mut u8) -> Endpoint {
        let e = Self::attach(page, Role::Client,
                             Ring { buf: read_buf, size: 1 << read_order, shared: RIGHT },
                             Ring { buf: write_buf, size: 1 << write_order, shared: LEFT });
        u8_at(page, CLI_LIVE).store(LIVE_OPEN, Ordering::Relaxed);
        u8_at(page, SRV_NOTIFY).store(NOTIFY_WRITE, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        e
    }

    fn byte(&self, off: usize) -> &AtomicU8 {
        // SAFETY: the page stays mapped while the endpoint lives.
        unsafe { u8_at(self.page, off) }
    }

    fn index(&self, off: usize) -> &AtomicU32 {
        // SAFETY: as above.
        unsafe { u32_at(self.page, off) }
    }

    fn peer_notify(&self) -> usize {
        if self.role == Role::Server { CLI_NOTIFY } else { SRV_NOTIFY }
    }

    fn own_notify(&self) -> usize {
        if self.role == Role::Server { SRV_NOTIFY } else { CLI_NOTIFY }
    }

    /// The peer's live byte: LIVE_WAITING (a server's client has not
    /// connected yet), LIVE_CLOSED, or anything else for open.
    pub fn peer_live(&self) -> u8 {
        let off = if self.role == Role::Server { CLI_LIVE } else { SRV_LIVE };
        let v = self.byte(off).load(Ordering::Acquire);
        // only a server's client can be waiting
        if v == LIVE_WAITING && self.role == Role::Client { LIVE_OPEN } else { v }
    }

    /// Asks the peer to signal when it does `bit`, then orders that request
    /// before the index is read again.
    fn request_notify(&self, bit: u8) {
        self.byte(self.peer_notify()).fetch_or(bit, Ordering::SeqCst);
        fence(Ordering::SeqCst);
    }

    /// After we did `bit`: signals the peer if it asked for it.
    fn send_notify(&self, bit: u8, notify: &mut dyn FnMut()) {
        fence(Ordering::SeqCst);
        if self.byte(self.own_notify()).fetch_and(!bit, Ordering::SeqCst) & bit != 0 {
            notify();
        }
    }

    fn fail<T>(&mut self) -> Result<T, Error> {
        self.broken = true;
        Err(Error::Proto)
    }

    /// Bytes waiting in the read ring (the peer's prod read once).
    fn readable(&mut self) -> Result<u32, Error> {
        let prod = self.index(self.read.shared + PROD).load(Ordering::Acquire);
        match in_flight(prod, self.cons, self.read.size as usize) {
            Ok(ready) => Ok(ready as u32),
            Err(_) => self.fail(),
        }
    }

    /// Bytes written that the peer has not consumed (its cons read once).
    fn unconsumed(&mut self) -> Result<u32, Error> {
        let cons = self.index(self.write.shared + CONS).load(Ordering::Acquire);
        match in_flight(self.prod, cons, self.write.size as usize) {
            Ok(used) => Ok(used as u32),
            Err(_) => self.fail(),
        }
    }

    /// Reads up to out.len() bytes; Ok(0) only for an empty `out`.
    /// Err(Again) while the ring is empty and the peer open (the peer is
    /// then asked to signal its next write), Err(Closed) once it is empty
    /// and the peer closed, Err(Proto) for hostile indices.
    pub fn read(&mut self, out: &mut [u8], notify: &mut dyn FnMut()) -> Result<usize, Error> {
        if self.broken {
            return Err(Error::Proto);
        }
        if out.is_empty() {
            return Ok(0);
        }
        let mut ready = self.readable()?;
        if ready == 0 {
            self.request_notify(NOTIFY_WRITE);
            ready = self.readable()?;
        }
        if ready == 0 {
            return Err(if self.peer_live() == LIVE_CLOSED { Error::Closed } else { Error::Again });
        }
        let n = (ready as usize).min(out.len());
        // the data is read only after the index that published it
        fence(Ordering::Acquire);
        copy_out(&self.read, self.cons, &mut out[..n]);
        fence(Ordering::SeqCst);
        self.cons = self.cons.wrapping_add(n as u32);
        self.index(self.read.shared + CONS).store(self.cons, Ordering::Release);
        self.send_notify(NOTIFY_READ, notify);
        Ok(n)
    }

    /// Writes up to data.len() bytes; Ok(0) only for empty `data`.
    /// Err(Again) while the ring is full (the peer is then asked to signal
    /// its next read), Err(Closed) once the peer closed, Err(Proto) for
    /// hostile indices.
    pub fn write(&mut self, data: &[u8], notify: &mut dyn FnMut()) -> Result<usize, Error> {
        if self.broken {
            return Err(Error::Proto);
        }
        if data.is_empty() {
            return Ok(0);
        }
        if self.peer_live() == LIVE_CLOSED {
            return Err(Error::Closed);
        }
        let mut space = self.write.size - self.unconsumed()?;
        if space == 0 {
            self.request_notify(NOTIFY_READ);
            space = self.write.size - self.unconsumed()?;
        }
        if space == 0 {
            return Err(Error::Again);
        }
        let n = (space as usize).min(data.len());
        // the peer's cons is read before its bytes are overwritten
        fence(Ordering::SeqCst);
        copy_in(&self.write, self.prod, &data[..n]);
        fence(Ordering::Release);
        self.prod = self.prod.wrapping_add(n as u32);
        self.index(self.write.shared + PROD).store(self.prod, Ordering::Release);
        self.send_notify(NOTIFY_WRITE, notify);
        Ok(n)
    }

    /// Bytes written that the peer has not read yet; the peer is asked to
    /// signal its next read while any are left (so a program can wait for
    /// them to drain before closing).
    pub fn unsent(&mut self) -> Result<u32, Error> {
        if self.broken {
            return Err(Error::Proto);
        }
        let used = self.unconsumed()?;
        if used > 0 {
            self.request_notify(NOTIFY_READ);
            return self.unconsumed();
        }
        Ok(0)
    }

    /// Marks our side closed; the caller then signals the channel.
    pub fn close(&mut self) {
        let off = if self.role == Role::Server { SRV_LIVE } else { CLI_LIVE };
        self.byte(off).store(LIVE_CLOSED, Ordering::SeqCst);
    }

    pub fn role(&self) -> Role {
        self.role
    }
}

/// Copies from `ring` at `index` (masked), across the wrap point if need be.
fn copy_out(ring: &Ring, index: u32, out: &mut [u8]) {
    let at = (index & (ring.size - 1)) as usize;
    let first = out.len().min(ring.size as usize - at);
    // SAFETY: at + first <= size and out.len() - first <= size - first:
    // both ranges lie inside the ring's buffer.
    unsafe {
        core::ptr::copy_nonoverlapping(ring.buf.add(at), out.as_mut_ptr(), first);
        core::ptr::copy_nonoverlapping(ring.buf, out.as_mut_ptr().add(first), out.len() - first);
    }
}

fn copy_in(ring: &Ring, index: u32, data: &[u8]) {
    let at = (index & (ring.size - 1)) as usize;
    let first = data.len().min(ring.size as usize - at);
    // SAFETY: as in copy_out.
    unsafe {
        core::ptr::copy_nonoverlapping(data.as_ptr(), ring.buf.add(at), first);
        core::ptr::copy_nonoverlapping(data.as_ptr().add(first), ring.buf, data.len() - first);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A control page and ring pages shared by two endpoints in one process.
    struct Shared {
        page: Box<[u64; 512]>,
        rings: Vec<Box<[u8]>>,
    }

    impl Shared {
        fn page(&mut self) -> *mut u8 {
            self.page.as_mut_ptr() as *mut u8
        }
        fn buf(&mut self, order: u16, i: usize) -> *mut u8 {
            match placement(order) {
                Placement::InPage(off) => unsafe { self.page().add(off) },
                Placement::Pages(_) => self.rings[i].as_mut_ptr(),
            }
        }
    }

    fn pair(read_min: usize, write_min: usize) -> (Shared, Endpoint, Endpoint) {
        let (r, w) = server_orders(read_min, write_min).unwrap();
        let mut s = Shared {
            page: Box::new([0; 512]),
            rings: vec![vec![0u8; 1 << r].into_boxed_slice(), vec![0u8; 1 << w].into_boxed_slice()],
        };
        let (rb, wb) = (s.buf(r, 0), s.buf(w, 1));
        let server = unsafe { Endpoint::server(s.page(), r, w, rb, wb) };
        assert_eq!(unsafe { u8_at(s.page(), CLI_LIVE) }.load(Ordering::Relaxed), LIVE_WAITING);
        let (cw, cr) = unsafe { client_orders(s.page()) }.unwrap();
        assert_eq!((cw, cr), (r, w));
        let (wb, rb) = (s.buf(cw, 0), s.buf(cr, 1));
        let client = unsafe { Endpoint::client(s.page(), cw, cr, wb, rb) };
        (s, server, client)
    }

    fn none() -> impl FnMut() {
        || {}
    }

    #[test]
    fn server_orders_follow_libxenvchan() {
        assert_eq!(server_orders(0, 0), Some((10, 11)));
        assert_eq!(server_orders(2048, 1024), Some((11, 10)));
        assert_eq!(server_orders(2048, 2048), Some((11, 12)));
        assert_eq!(server_orders(8192, 100), Some((13, 11)));
        assert_eq!(server_orders(8192, 8193), Some((13, 14)));
        assert_eq!(server_orders(MAX_RING_SIZE, MAX_RING_SIZE), Some((20, 20)));
        assert_eq!(server_orders(MAX_RING_SIZE + 1, 0), None);
        assert_eq!(placement(10), Placement::InPage(1024));
        assert_eq!(placement(11), Placement::InPage(2048));
        assert_eq!(placement(14), Placement::Pages(4));
        assert!(pages(MAX_ORDER) * 2 <= MAX_GRANTS);
    }

    #[test]
    fn a_client_refuses_hostile_orders() {
        let mut page = Box::new([0u64; 512]);
        let p = page.as_mut_ptr() as *mut u8;
        for (l, r) in [(9, 11), (10, 21), (10, 10), (11, 11), (0, 0), (u16::MAX, 12)] {
            unsafe {
                u16_at(p, LEFT_ORDER).store(l, Ordering::Relaxed);
                u16_at(p, RIGHT_ORDER).store(r, Ordering::Relaxed);
                assert_eq!(client_orders(p), Err(Error::Proto), "{l} {r}");
            }
        }
        unsafe {
            u16_at(p, LEFT_ORDER).store(12, Ordering::Relaxed);
            u16_at(p, RIGHT_ORDER).store(12, Ordering::Relaxed);
            assert_eq!(client_orders(p), Ok((12, 12)), "page rings of one order do not overlap");
        }
    }

    fn pump(from: &mut Endpoint, to: &mut Endpoint, data: &[u8]) -> Vec<u8> {
        let mut got = Vec::new();
        let mut sent = 0;
        let mut buf = [0u8; 777];
        while got.len() < data.len() {
            match from.write(&data[sent..(sent + 1000).min(data.len())], &mut none()) {
                Ok(n) => sent += n,
                Err(Error::Again) => {}
                Err(e) => panic!("{e:?}"),
            }
            match to.read(&mut buf, &mut none()) {
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(Error::Again) => {}
                Err(e) => panic!("{e:?}"),
            }
        }
        got
    }

    #[test]
    fn bytes_cross_both_ways_intact_across_wrap_points() {
        for (r, w) in [(0, 0), (2048, 1024), (8192, 16384)] {
            let (_s, mut server, mut client) = pair(r, w);
            let data: Vec<u8> = (0..100_003u32).map(|i| (i * 7 + i / 251) as u8).collect();
            assert_eq!(pump(&mut client, &mut server, &data), data);
            assert_eq!(pump(&mut server, &mut client, &data), data);
        }
    }

    #[test]
    fn an_empty_ring_is_again_and_a_full_one_too() {
        let (_s, mut server, mut client) = pair(0, 0);
        let mut buf = [0u8; 16];
        assert_eq!(server.read(&mut buf, &mut none()), Err(Error::Again));
        // the client's write ring (left) is 1 KiB
        assert_eq!(client.write(&[1u8; 3000], &mut none()), Ok(1024));
        assert_eq!(client.write(&[1u8; 1], &mut none()), Err(Error::Again));
        assert_eq!(client.unsent(), Ok(1024));
        assert_eq!(server.read(&mut buf, &mut none()), Ok(16));
        assert_eq!(client.write(&[2u8; 100], &mut none()), Ok(16));
        assert_eq!(server.read(&mut [], &mut none()), Ok(0));
        assert_eq!(client.write(&[], &mut none()), Ok(0));
    }

    #[test]
    fn the_peer_is_signalled_only_when_it_asked() {
        let (_s, mut server, mut client) = pair(0, 0);
        let mut signals = 0;
        // the server asked (at set-up) to hear of the client's writes
        client.write(b"a", &mut || signals += 1).unwrap();
        assert_eq!(signals, 1);
        client.write(b"b", &mut || signals += 1).unwrap();
        assert_eq!(signals, 1, "the request is used up");
        let mut buf = [0u8; 8];
        assert_eq!(server.read(&mut buf, &mut || signals += 1), Ok(2));
        assert_eq!(signals, 1, "the client never asked to hear of reads");
        assert_eq!(server.read(&mut buf, &mut none()), Err(Error::Again));
        client.write(b"c", &mut || signals += 1).unwrap();
        assert_eq!(signals, 2, "an empty read asks again");
        // a full ring asks to hear of the reader's progress
        client.write(&[0u8; 2000], &mut none()).unwrap();
        assert_eq!(client.write(b"x", &mut none()), Err(Error::Again));
        server.read(&mut buf, &mut || signals += 1).unwrap();
        assert_eq!(signals, 3);
    }

    #[test]
    fn a_waiting_client_a_closed_peer_and_data_before_eof() {
        let (r, w) = server_orders(0, 0).unwrap();
        let mut page = Box::new([0u64; 512]);
        let p = page.as_mut_ptr() as *mut u8;
        let mut server = unsafe { Endpoint::server(p, r, w, p.add(1024), p.add(2048)) };
        assert_eq!(server.peer_live(), LIVE_WAITING);
        assert_eq!(server.read(&mut [0u8; 4], &mut none()), Err(Error::Again));
        let mut client = unsafe { Endpoint::client(p, r, w, p.add(1024), p.add(2048)) };
        assert_eq!(server.peer_live(), LIVE_OPEN);
        client.write(b"bye", &mut none()).unwrap();
        client.close();
        assert_eq!(server.write(b"x", &mut none()), Err(Error::Closed));
        let mut buf = [0u8; 8];
        assert_eq!(server.read(&mut buf, &mut none()), Ok(3));
        assert_eq!(&buf[..3], b"bye");
        assert_eq!(server.read(&mut buf, &mut none()), Err(Error::Closed));
        server.close();
        assert_eq!(client.peer_live(), LIVE_CLOSED);
    }

    /// Writes a hostile value into the page as a peer could.
    fn poke(s: &mut Shared, off: usize, v: u32) {
        unsafe { u32_at(s.page(), off) }.store(v, Ordering::SeqCst);
    }

    #[test]
    fn hostile_indices_are_an_error_never_an_overrun() {
        // the server reads the left ring: its prod is the peer's
        let (mut s, mut server, _client) = pair(8192, 8192);
        let size = 8192u32;
        poke(&mut s, LEFT + PROD, size + 1);
        let mut big = vec![0u8; 3 * size as usize];
        assert_eq!(server.read(&mut big, &mut none()), Err(Error::Proto));
        assert!(big.iter().all(|&b| b == 0), "nothing was copied");
        poke(&mut s, LEFT + PROD, 0);
        assert_eq!(server.read(&mut big, &mut none()), Err(Error::Proto), "a broken endpoint stays broken");

        // prod exactly one ring ahead is legal: a full ring
        let (mut s, mut server, _client) = pair(8192, 8192);
        poke(&mut s, LEFT + PROD, size);
        assert_eq!(server.read(&mut big, &mut none()), Ok(size as usize));

        // a prod behind our cons (wrapping) claims ~4 GiB
        let (mut s, mut server, _client) = pair(8192, 8192);
        poke(&mut s, LEFT + PROD, u32::MAX);
        assert_eq!(server.read(&mut big, &mut none()), Err(Error::Proto));

        // the writer: a cons beyond our prod, or more than a ring behind it
        let (mut s, mut server, _client) = pair(8192, 8192);
        poke(&mut s, RIGHT + CONS, 5);
        assert_eq!(server.write(&big, &mut none()), Err(Error::Proto));
        let (mut s, mut server, _client) = pair(8192, 8192);
        assert_eq!(server.write(&big, &mut none()), Ok(size as usize));
        poke(&mut s, RIGHT + CONS, u32::MAX - 10);
        assert_eq!(server.write(b"x", &mut none()), Err(Error::Proto));
        assert_eq!(server.unsent(), Err(Error::Proto));

        // our own indices in the page are ignored when the peer moves them
        let (mut s, mut server, mut client) = pair(0, 0);
        client.write(b"abc", &mut none()).unwrap();
        poke(&mut s, LEFT + CONS, 1_000_000);
        let mut buf = [0u8; 8];
        assert_eq!(server.read(&mut buf, &mut none()), Ok(3));
        assert_eq!(&buf[..3], b"abc");
    }

    #[test]
    fn indices_wrap_around_u32() {
        let (mut s, _server, _client) = pair(0, 0);
        // a server that has run for 4 GiB: both sides' indices near the top
        let start = u32::MAX - 100;
        poke(&mut s, LEFT + CONS, start);
        poke(&mut s, LEFT + PROD, start);
        poke(&mut s, RIGHT + CONS, start);
        poke(&mut s, RIGHT + PROD, start);
        let p = s.page();
        let mut server = Endpoint {
            page: p,
            role: Role::Server,
            read: Ring { buf: unsafe { p.add(1024) }, size: 1024, shared: LEFT },
            write: Ring { buf: unsafe { p.add(2048) }, size: 2048, shared: RIGHT },
            cons: start,
            prod: start,
            broken: false,
        };
        let mut client = unsafe { Endpoint::client(p, 10, 11, p.add(1024), p.add(2048)) };
        let data: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
        assert_eq!(pump(&mut client, &mut server, &data), data);
        assert_eq!(pump(&mut server, &mut client, &data), data);
    }
}
