//! vchan for programs (include/halvm/xen.h): byte channels to another
//! domain in the wire format of Xen's libxenvchan, as server or client.
//! The ring protocol, with its checks of the peer's indices, is
//! interdomain/vchan_ring.rs; this file sets a channel up and takes it
//! down, as libxenvchan does:
//!
//! - the server allocates an unbound event channel for the client's
//!   domain, a zeroed control page and, for rings of more than 2 KiB, ring
//!   pages, grants them all to the client (read-write), lists the ring
//!   pages' references in the control page, and writes `PATH/ring-ref` and
//!   `PATH/event-channel` in one transaction, each with the permissions
//!   libxenvchan gives them (owner: the server; nobody else: nothing; the
//!   client's domain: read);
//! - the client reads those two keys, binds the channel, maps the control
//!   page, checks the ring orders, maps the server's write ring read-only
//!   and its read ring read-write, marks itself live and signals.
//!
//! Closing marks our live byte 0 and signals (the peer sees the channel
//! closed); the server also removes PATH and ends its grants (a grant the
//! client still maps is ended later), the client unmaps.
//!
//! Normal context only. The channel's event port is one of the program's
//! (evtchn_api.rs): the program waits for `halvm_evtchn_take(port)`.

use core::ffi::{c_char, c_int, c_long, c_void};
use core::fmt::Write;
use core::ptr::addr_of_mut;

use super::xs_api::call as store;
use super::{evtchn_api, grant_table};
use crate::console::MessageBuf;
use crate::errno::{EAGAIN, EBADF, EINVAL, EIO, ENODEV, ENOMEM, ENOSPC, EPIPE, EPROTO};
use crate::interdomain::vchan_ring::{self as ring, Endpoint, Placement};
use crate::memory::{halvm_alloc_pages, halvm_free_pages};
use crate::xenstore as xs;

use crate::interdomain::{VCHAN_MAX as MAX_CHANNELS, VCHAN_PATH_MAX as PATH_MAX};
/// One ring's grants at most (a 1 MiB ring).
const RING_GRANTS: usize = 1 << (ring::MAX_ORDER - ring::PAGE_SHIFT);

// The offsets vchan_ring.rs uses are those of Xen's header.
const _: () = {
    use super::abi::vchan_interface as V;
    use core::mem::offset_of;
    assert!(offset_of!(V, left) == ring::LEFT && offset_of!(V, right) == ring::RIGHT);
    assert!(offset_of!(V, left_order) == ring::LEFT_ORDER && offset_of!(V, right_order) == ring::RIGHT_ORDER);
    assert!(offset_of!(V, cli_live) == ring::CLI_LIVE && offset_of!(V, srv_live) == ring::SRV_LIVE);
    assert!(offset_of!(V, cli_notify) == ring::CLI_NOTIFY && offset_of!(V, srv_notify) == ring::SRV_NOTIFY);
    assert!(offset_of!(V, grants) == ring::GRANTS);
    assert!(super::abi::VCHAN_NOTIFY_WRITE as u8 == ring::NOTIFY_WRITE);
    assert!(super::abi::VCHAN_NOTIFY_READ as u8 == ring::NOTIFY_READ);
};

/// A ring's pages of its own (none for in-page rings).
#[derive(Clone, Copy)]
struct Pages {
    addr: u64,
    count: usize,
    /// Server: the first of its references in Channel::grefs.
    first_gref: usize,
}

struct Channel {
    ep: Endpoint,
    port: u32,
    server: bool,
    ctrl: u64,
    ctrl_gref: u32,
    read: Pages,
    write: Pages,
    /// Server: our own copy of the ring pages' references (the peer can
    /// rewrite the control page's).
    grefs: [u32; 2 * RING_GRANTS],
    /// The channel's XenStore directory (the server removes it at close).
    path: ChannelPath,
}

/// A channel's path is at most PATH_MAX bytes (server() and client()
/// refuse longer ones), so the table keeps that many rather than
/// the store's ABS_PATH_MAX: 3 KiB more in each of the MAX_CHANNELS
/// entries of CHANNELS, which lives in .data (its None is not all zero),
/// would be about 45 KiB more in every image.
type ChannelPath = xs::Path<PATH_MAX>;

static mut CHANNELS: [Option<Channel>; MAX_CHANNELS] = [const { None }; MAX_CHANNELS];

fn channels() -> &'static mut [Option<Channel>; MAX_CHANNELS] {
    // SAFETY: normal context only, one CPU.
    unsafe { &mut *addr_of_mut!(CHANNELS) }
}

/// `BASE/LEAF`.
fn key(base: &str, leaf: &str) -> Result<xs::Path, c_int> {
    xs::Path::join(base, leaf).map_err(xs::errno::of)
}

fn read_u32(path: &str) -> Result<u32, c_int> {
    store(|c, l| c.read_u32(0, path, l))
}

/// Writes ring-ref and event-channel under `base` as libxenvchan does.
fn advertise(base: &str, peer: u32, gref: u32, port: u32) -> Result<(), c_int> {
    let me = read_u32("domid")?;
    // (two u32s: far below MessageBuf's 256 bytes)
    let mut perms = MessageBuf::new();
    let _ = write!(perms, "n{me}\0r{peer}\0");
    let (ring_ref, evtchn) = (key(base, "ring-ref")?, key(base, "event-channel")?);
    for _ in 0..10 {
        let tx = store(|c, l| c.transaction_start(l))?;
        let body = store(|c, l| {
            c.write_u32(tx, ring_ref.as_str(), gref, l)?;
            c.set_perms(tx, ring_ref.as_str(), perms.as_bytes(), l)?;
            c.write_u32(tx, evtchn.as_str(), port, l)?;
            c.set_perms(tx, evtchn.as_str(), perms.as_bytes(), l)
        });
        if let Err(e) = body {
            let _ = store(|c, l| c.transaction_end(tx, false, l));
            return Err(e);
        }
        match store(|c, l| c.transaction_end(tx, true, l)) {
            Err(EAGAIN) => continue,
            r => return r,
        }
    }
    Err(EAGAIN)
}

fn free_slot() -> Result<usize, c_int> {
    channels().iter().position(Option::is_none).ok_or(ENOSPC)
}

/// Ends the server's grants and frees its pages (deferred while mapped).
fn release_server_pages(ctrl: u64, ctrl_gref: Option<u32>, rings: &[Pages], grefs: &[u32], granted: usize) {
    for r in rings {
        for i in 0..r.count {
            let page = r.addr + 4096 * i as u64;
            let k = r.first_gref + i;
            if k < granted {
                grant_table::end_and_free(grefs[k], page);
            } else {
                halvm_free_pages(page as *mut c_void, 1);
            }
        }
    }
    match ctrl_gref {
        Some(g) => grant_table::end_and_free(g, ctrl),
        None => halvm_free_pages(ctrl as *mut c_void, 1),
    }
}

pub fn server(peer: u32, path: &str, read_min: usize, write_min: usize) -> Result<usize, c_int> {
    if !crate::platform::on_xen() {
        return Err(ENODEV);
    }
    if path.is_empty() {
        return Err(EINVAL);
    }
    // (longer than PATH_MAX: EINVAL)
    let stored = ChannelPath::new(path).map_err(|_| EINVAL)?;
    let (ro, wo) = ring::server_orders(read_min, write_min).ok_or(EINVAL)?;
    let slot = free_slot()?;
    let ctrl = halvm_alloc_pages(1) as u64;
    if ctrl == 0 {
        return Err(ENOMEM);
    }
    let mut grefs = [0u32; 2 * RING_GRANTS];
    let mut rings = [Pages { addr: 0, count: 0, first_gref: 0 }; 2];
    let mut granted = 0;
    let mut ctrl_gref = None;
    let result = (|| {
        ctrl_gref = Some(grant_table::grant(peer, ctrl, false)?);
        for (i, order) in [ro, wo].into_iter().enumerate() {
            let n = ring::pages(order);
            rings[i].first_gref = granted;
            if n == 0 {
                continue;
            }
            let addr = halvm_alloc_pages(n) as u64;
            if addr == 0 {
                return Err(ENOMEM);
            }
            rings[i] = Pages { addr, count: n, first_gref: granted };
            for p in 0..n {
                grefs[granted] = grant_table::grant(peer, addr + 4096 * p as u64, false)?;
                // SAFETY: the control page is ours and mapped; granted < MAX_GRANTS.
                unsafe { ring::set_grant(ctrl as *mut u8, granted, grefs[granted]) };
                granted += 1;
            }
        }
        let port = evtchn_api::alloc_unbound(peer)?;
        let buf = |order: u16, pages: &Pages| match ring::placement(order) {
            Placement::InPage(off) => ctrl + off as u64,
            Placement::Pages(_) => pages.addr,
        };
        // SAFETY: the page is zeroed and the buffers are ours, of the orders' sizes.
        let ep = unsafe {
            Endpoint::server(ctrl as *mut u8, ro, wo, buf(ro, &rings[0]) as *mut u8, buf(wo, &rings[1]) as *mut u8)
        };
        if let Err(e) = advertise(path, peer, ctrl_gref.unwrap(), port) {
            let _ = evtchn_api::close(port);
            return Err(e);
        }
        Ok(Channel { ep, port, server: true, ctrl, ctrl_gref: ctrl_gref.unwrap(), read: rings[0], write: rings[1],
                     grefs, path: stored })
    })();
    match result {
        Ok(ch) => {
            channels()[slot] = Some(ch);
            Ok(slot)
        }
        Err(e) => {
            release_server_pages(ctrl, ctrl_gref, &rings, &grefs, granted);
            Err(e)
        }
    }
}

pub fn client(server_dom: u32, path: &str) -> Result<usize, c_int> {
    if !crate::platform::on_xen() {
        return Err(ENODEV);
    }
    if path.is_empty() {
        return Err(EINVAL);
    }
    // (longer than PATH_MAX: EINVAL)
    let stored = ChannelPath::new(path).map_err(|_| EINVAL)?;
    let slot = free_slot()?;
    let gref = read_u32(key(path, "ring-ref")?.as_str())?;
    let remote_port = read_u32(key(path, "event-channel")?.as_str())?;
    let port = evtchn_api::bind_interdomain(server_dom, remote_port)?;
    let ctrl = match grant_table::map(server_dom, &[gref], false) {
        Ok(a) => a,
        Err(e) => {
            let _ = evtchn_api::close(port);
            return Err(e);
        }
    };
    let mut rings = [Pages { addr: 0, count: 0, first_gref: 0 }; 2];
    let result = (|| {
        // SAFETY: the control page is mapped.
        let (wo, ro) = unsafe { ring::client_orders(ctrl as *mut u8) }.map_err(|_| EPROTO)?;
        // the references are read once into our own memory before use
        let mut refs = [0u32; 2 * RING_GRANTS];
        let (nw, nr) = (ring::pages(wo), ring::pages(ro));
        for (i, r) in refs[..nw + nr].iter_mut().enumerate() {
            // SAFETY: nw + nr <= 512 < MAX_GRANTS.
            *r = unsafe { ring::grant(ctrl as *mut u8, i) };
        }
        // the left ring (our write ring) first, read-write; the right one read-only
        for (i, (n, first, readonly)) in [(nw, 0, false), (nr, nw, true)].into_iter().enumerate() {
            if n > 0 {
                rings[i] = Pages { addr: grant_table::map(server_dom, &refs[first..first + n], readonly)?, count: n,
                                   first_gref: first };
            }
        }
        let buf = |order: u16, pages: &Pages| match ring::placement(order) {
            Placement::InPage(off) => ctrl + off as u64,
            Placement::Pages(_) => pages.addr,
        };
        // SAFETY: the buffers are mapped with the orders' sizes.
        Ok(unsafe {
            Endpoint::client(ctrl as *mut u8, wo, ro, buf(wo, &rings[0]) as *mut u8, buf(ro, &rings[1]) as *mut u8)
        })
    })();
    match result {
        Ok(ep) => {
            let _ = evtchn_api::notify(port);
            channels()[slot] = Some(Channel { ep, port, server: false, ctrl, ctrl_gref: gref, read: rings[1],
                                              write: rings[0], grefs: [0; 2 * RING_GRANTS], path: stored });
            Ok(slot)
        }
        Err(e) => {
            for r in rings.iter().filter(|r| r.count > 0) {
                let _ = grant_table::unmap(r.addr, r.count);
            }
            let _ = grant_table::unmap(ctrl, 1);
            let _ = evtchn_api::close(port);
            Err(e)
        }
    }
}

fn channel(h: c_int) -> Result<&'static mut Channel, c_int> {
    usize::try_from(h).ok().and_then(|h| channels().get_mut(h)).and_then(Option::as_mut).ok_or(EBADF)
}

fn ring_errno(e: ring::Error, closed: c_int) -> c_int {
    match e {
        ring::Error::Again => EAGAIN,
        ring::Error::Closed => closed,
        ring::Error::Proto => EPROTO,
    }
}

pub fn close(h: c_int) -> Result<(), c_int> {
    let ch = channel(h)?;
    ch.ep.close();
    let _ = evtchn_api::notify(ch.port);
    let _ = evtchn_api::close(ch.port);
    if ch.server {
        let path = ch.path;
        let _ = store(|c, l| c.remove(0, path.as_str(), l));
        release_server_pages(ch.ctrl, Some(ch.ctrl_gref), &[ch.read, ch.write], &ch.grefs, usize::MAX);
    } else {
        for r in [ch.read, ch.write].iter().filter(|r| r.count > 0) {
            let _ = grant_table::unmap(r.addr, r.count);
        }
        let _ = grant_table::unmap(ch.ctrl, 1);
    }
    channels()[h as usize] = None;
    Ok(())
}

unsafe fn c_path<'a>(p: *const c_char) -> Result<&'a str, c_int> {
    if p.is_null() {
        return Err(EINVAL);
    }
    let mut len = 0;
    while *p.add(len) != 0 {
        if len == PATH_MAX {
            return Err(EINVAL);
        }
        len += 1;
    }
    core::str::from_utf8(core::slice::from_raw_parts(p as *const u8, len)).map_err(|_| EINVAL)
}

fn handle(r: Result<usize, c_int>) -> c_int {
    match r {
        Ok(h) => h as c_int,
        Err(e) => -e,
    }
}

#[no_mangle]
pub unsafe extern "C" fn halvm_vchan_server(client_domid: u32, path: *const c_char, read_min: usize,
                                            write_min: usize) -> c_int {
    handle(c_path(path).and_then(|p| server(client_domid, p, read_min, write_min)))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_vchan_client(server_domid: u32, path: *const c_char) -> c_int {
    handle(c_path(path).and_then(|p| client(server_domid, p)))
}

/// What halvm_vchan_read and halvm_vchan_write share: the handle check,
/// an empty transfer succeeding before the buffer is looked at, a null
/// buffer refused, the event to the peer whenever the ring moved, and the
/// C result (a byte count or a negated errno). `transfer` moves the bytes
/// between the endpoint and the caller's buffer.
fn ring_io(h: c_int, buf: *const c_void, len: usize,
           transfer: impl FnOnce(&mut Endpoint, &mut dyn FnMut()) -> Result<usize, c_int>) -> c_long {
    let ch = match channel(h) {
        Ok(c) => c,
        Err(e) => return -(e as c_long),
    };
    if len == 0 {
        return 0;
    }
    if buf.is_null() {
        return -(EINVAL as c_long);
    }
    let port = ch.port;
    match transfer(&mut ch.ep, &mut || {
        let _ = evtchn_api::notify(port);
    }) {
        Ok(n) => n as c_long,
        Err(e) => -(e as c_long),
    }
}

#[no_mangle]
pub unsafe extern "C" fn halvm_vchan_read(h: c_int, buf: *mut c_void, len: usize) -> c_long {
    ring_io(h, buf, len, |ep, notify| {
        let out = core::slice::from_raw_parts_mut(buf as *mut u8, len);
        match ep.read(out, notify) {
            Ok(n) => Ok(n),
            // the peer closed and the ring is drained: end of stream
            Err(ring::Error::Closed) => Ok(0),
            Err(e) => Err(ring_errno(e, EIO)),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn halvm_vchan_write(h: c_int, buf: *const c_void, len: usize) -> c_long {
    ring_io(h, buf, len, |ep, notify| {
        let data = core::slice::from_raw_parts(buf as *const u8, len);
        ep.write(data, notify).map_err(|e| ring_errno(e, EPIPE))
    })
}

#[no_mangle]
pub extern "C" fn halvm_vchan_state(h: c_int) -> c_int {
    match channel(h) {
        Ok(ch) => match ch.ep.peer_live() {
            ring::LIVE_CLOSED => 0,
            ring::LIVE_WAITING => 2,
            _ => 1,
        },
        Err(e) => -e,
    }
}

#[no_mangle]
pub extern "C" fn halvm_vchan_port(h: c_int) -> c_int {
    match channel(h) {
        Ok(ch) => ch.port as c_int,
        Err(e) => -e,
    }
}

#[no_mangle]
pub extern "C" fn halvm_vchan_unsent(h: c_int) -> c_long {
    match channel(h) {
        Ok(ch) => match ch.ep.unsent() {
            Ok(n) => n as c_long,
            Err(_) => -(EPROTO as c_long),
        },
        Err(e) => -(e as c_long),
    }
}

#[no_mangle]
pub extern "C" fn halvm_vchan_close(h: c_int) -> c_int {
    match close(h) {
        Ok(()) => 0,
        Err(e) => -e,
    }
}
