//! Xen netfront: the network device of an ordinary PVH domain (`vif =
//! [...]` in its xl configuration), as a smoltcp `Device`. The ring
//! bookkeeping is netif.rs (host-tested); this is the machine side: the
//! XenBus handshake through the domain's XenStore connection
//! (xen/store.rs), the granted pages and the event channel.
//!
//! Handshake (xen/io/netif.h, xen/io/xenbus.h), under `device/vif/0`:
//! read `backend`, `backend-id` and `mac`; wait (bounded) for the backend
//! to reach InitWait; grant the two ring pages and every buffer page to
//! the backend's domain, allocate an unbound event channel for it; write
//! `tx-ring-ref`, `rx-ring-ref`, `event-channel`, `request-rx-copy` = 1
//! (the backend copies into our pages: the only mode Linux's netback
//! still offers), `feature-rx-notify` = 1 (we notify when we post receive
//! buffers), `feature-no-csum-offload` = 1 (so the backend's side computes
//! every checksum and never hands us a packet with a blank one, which
//! smoltcp would drop), and last `state` = Connected; then wait (bounded)
//! for the backend's Connected. No scatter-gather, GSO or multi-queue is
//! offered: one page per frame, one queue.
//!
//! The event channel is the platform's own (not one of the program's
//! xen.h ports): its upcall only notes the arrival and ends the halt
//! (api.rs); frames are processed in normal context.
//!
//! Memory is identity-mapped below 4 GiB, so a page's address divided by
//! 4096 is the frame number its grant names.

use core::ffi::c_void;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicU32, Ordering};

use smoltcp::phy::{Device, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

use super::netif::{self, state, FrontRing, Received, RxQueue, TxQueue, MTU, PAGE, RX_SLOTS, TX_SLOTS};
use crate::memory::{halvm_alloc_pages, halvm_free_pages};
use crate::xen::abi::*;
use crate::xen::{events, grant_table, hypercall_cmd, store};
use crate::xenstore::{self as xs, out_buffer::copy_if_fits};
use crate::{time, timer};

/// The device's event channel (0: none); events::handle routes it here.
pub static PORT: AtomicU32 = AtomicU32::new(0);

const VIF: &str = "device/vif/0";
/// Each XenStore request waits at most this long.
const STORE_TIMEOUT_NS: u64 = 5_000_000_000;
/// How long the backend may take to reach InitWait, and then Connected
/// (netback starts its threads then; TCG-emulated machines are slow).
const BACKEND_TIMEOUT_NS: u64 = 20_000_000_000;
/// Between two looks at the backend's state.
const STATE_POLL_NS: u64 = 10_000_000;

pub struct Netfront {
    tx: TxQueue,
    rx: RxQueue,
    tx_pages: [u64; TX_SLOTS],
    rx_pages: [u64; RX_SLOTS],
    port: u32,
    /// The backend broke the ring protocol; the device is not used again.
    broken: bool,
    /// A received frame, copied out of its granted page (so that the page
    /// goes back to the backend at once, whatever smoltcp does with the
    /// token).
    frame: [u8; MTU],
    frame_len: usize,
    notify: bool,
    pub mac: [u8; 6],
    pub backend_id: u32,
    pub frames_in: u64,
    pub frames_out: u64,
}

/// `device/vif/0/KEY` or `BASE/KEY`.
fn key(base: &str, key: &str) -> Result<xs::Path, &'static str> {
    xs::Path::join(base, key).map_err(|_| "a XenStore path is too long")
}

/// A read's outcome in netfront's words.
fn read_result<T>(r: Result<Result<T, xs::Error>, store::Access>) -> Result<T, &'static str> {
    match r {
        Ok(Ok(v)) => Ok(v),
        // (of the reads, only Client::read_u32 gives this)
        Ok(Err(xs::Error::MalformedReply(_))) => Err("a XenStore value is not a number"),
        Ok(Err(_)) => Err("a XenStore read failed (is there a vif in the domain's configuration?)"),
        Err(_) => Err("the domain has no usable XenStore connection"),
    }
}

/// Reads `path` into `buf`; the value's length.
fn read(path: &str, buf: &mut [u8]) -> Result<usize, &'static str> {
    let n = read_result(store::with_client(STORE_TIMEOUT_NS, true, |client, link| {
        client.read(0, path, link).map(|v| copy_if_fits(v, buf, false))
    }))?;
    if n > buf.len() {
        return Err("a XenStore value is longer than expected");
    }
    Ok(n)
}

fn read_u32(path: &str) -> Result<u32, &'static str> {
    read_result(store::with_client(STORE_TIMEOUT_NS, true, |client, link| client.read_u32(0, path, link)))
}

fn write_u32(path: &str, value: u32) -> Result<(), &'static str> {
    match store::with_client(STORE_TIMEOUT_NS, true, |client, link| client.write_u32(0, path, value, link)) {
        Ok(Ok(())) => Ok(()),
        _ => Err("a XenStore write under device/vif/0 failed"),
    }
}

/// Waits (bounded) until the backend's state satisfies `done`; a state
/// past Connected (closing, closed) is an error.
fn wait_backend(state_path: &str, done: impl Fn(u32) -> bool) -> Result<u32, &'static str> {
    let give_up = time::monotonic_ns() + BACKEND_TIMEOUT_NS;
    loop {
        let s = read_u32(state_path)?;
        if done(s) {
            return Ok(s);
        }
        if s >= state::CLOSING {
            return Err("the backend is closing or closed");
        }
        if time::monotonic_ns() >= give_up {
            return Err("the backend did not reach the expected state within 20 s");
        }
        timer::halvm_block_until(time::monotonic_ns() + STATE_POLL_NS);
    }
}

fn alloc_page() -> Result<u64, &'static str> {
    let p = halvm_alloc_pages(1) as u64;
    if p == 0 {
        return Err("out of memory for the rings and buffers");
    }
    // SAFETY: a fresh page of ours.
    unsafe { core::ptr::write_bytes(p as *mut u8, 0, PAGE) };
    Ok(p)
}

/// Pages granted so far, ended and freed if the set-up fails midway.
struct Granted {
    list: [(u32, u64); TX_SLOTS + RX_SLOTS + 2],
    len: usize,
}

impl Granted {
    fn page(&mut self, domid: u32, readonly: bool) -> Result<(u32, u64), &'static str> {
        let page = alloc_page()?;
        match grant_table::grant(domid, page, readonly) {
            Ok(gref) => {
                self.list[self.len] = (gref, page);
                self.len += 1;
                Ok((gref, page))
            }
            Err(_) => {
                halvm_free_pages(page as *mut c_void, 1);
                Err("granting a page to the backend failed (grant table full?)")
            }
        }
    }

    fn release(&mut self) {
        for &(gref, page) in &self.list[..self.len] {
            grant_table::end_and_free(gref, page);
        }
        self.len = 0;
    }
}

fn alloc_unbound(remote: u32) -> Result<u32, &'static str> {
    let mut a = evtchn_alloc_unbound { dom: HALVM_DOMID_SELF as u16, remote_dom: remote as u16, port: 0 };
    // SAFETY: a valid argument structure.
    let r = unsafe { hypercall_cmd(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &mut a) };
    if r < 0 { Err("EVTCHNOP_alloc_unbound for the backend failed") } else { Ok(a.port) }
}

impl Netfront {
    /// Connects to the backend of `device/vif/0`.
    pub fn init() -> Result<Netfront, &'static str> {
        let mut backend = [0u8; 256];
        let n = read(key(VIF, "backend")?.as_str(), &mut backend)?;
        let backend = core::str::from_utf8(&backend[..n]).map_err(|_| "the backend path is not text")?;
        let backend_id = read_u32(key(VIF, "backend-id")?.as_str())?;
        if backend_id > 0x7fef {
            return Err("the backend-id is not a domain id");
        }
        let mut mac = [0u8; 32];
        let n = read(key(VIF, "mac")?.as_str(), &mut mac)?;
        let mac = netif::parse_mac(&mac[..n]).ok_or("device/vif/0/mac is not a MAC address")?;
        let backend_state = key(backend, "state")?;
        wait_backend(backend_state.as_str(), |s| s >= state::INIT_WAIT)?;

        let mut granted = Granted { list: [(0, 0); TX_SLOTS + RX_SLOTS + 2], len: 0 };
        let r = Self::connect(backend_id, mac, &mut granted);
        match r {
            Ok(dev) => {
                wait_backend(backend_state.as_str(), |s| s == state::CONNECTED).inspect_err(|_| {
                    // the backend never took the rings: nothing maps them
                    let _ = write_u32(key(VIF, "state").unwrap().as_str(), state::CLOSED);
                })?;
                Ok(dev)
            }
            Err(e) => {
                granted.release();
                Err(e)
            }
        }
    }

    fn connect(backend_id: u32, mac: [u8; 6], granted: &mut Granted) -> Result<Netfront, &'static str> {
        let (tx_ref, tx_ring) = granted.page(backend_id, false)?;
        let (rx_ref, rx_ring) = granted.page(backend_id, false)?;
        let mut tx_pages = [0u64; TX_SLOTS];
        let mut tx_grefs = [0u32; TX_SLOTS];
        for i in 0..TX_SLOTS {
            // the backend only copies out of these
            (tx_grefs[i], tx_pages[i]) = granted.page(backend_id, true)?;
        }
        let mut rx_pages = [0u64; RX_SLOTS];
        let mut rx_grefs = [0u32; RX_SLOTS];
        for i in 0..RX_SLOTS {
            (rx_grefs[i], rx_pages[i]) = granted.page(backend_id, false)?;
        }
        // SAFETY: fresh zeroed pages that only the backend shares.
        let tx = TxQueue::new(unsafe { FrontRing::init(tx_ring as *mut u8, 0) }, tx_grefs);
        let (rx, _) = RxQueue::new(unsafe { FrontRing::init(rx_ring as *mut u8, 0) }, rx_grefs);
        let port = alloc_unbound(backend_id)?;
        let entries: [(&str, u32); 6] = [
            ("tx-ring-ref", tx_ref),
            ("rx-ring-ref", rx_ref),
            ("event-channel", port),
            ("request-rx-copy", 1),
            ("feature-rx-notify", 1),
            ("feature-no-csum-offload", 1),
        ];
        for (k, v) in entries {
            write_u32(key(VIF, k)?.as_str(), v)?;
        }
        write_u32(key(VIF, "state")?.as_str(), state::CONNECTED)?;
        PORT.store(port, Ordering::Release);
        events::unmask(port);
        let mut dev = Netfront {
            tx, rx, tx_pages, rx_pages, port, broken: false, frame: [0; MTU], frame_len: 0, notify: true,
            mac, backend_id, frames_in: 0, frames_out: 0,
        };
        dev.flush();
        Ok(dev)
    }

    /// Signals the backend if a ring asked for it since the last call.
    pub fn flush(&mut self) {
        if core::mem::take(&mut self.notify) {
            events::notify(self.port);
        }
    }

    fn fail(&mut self, e: netif::RingError) {
        crate::kprintln!("halvm: net: netfront ring broken ({e}); the interface stops");
        self.broken = true;
    }

    /// Whether a response waits on the receive ring; if none does, asks
    /// the backend for an event at the next one (so that a halt ends).
    pub fn rx_pending(&mut self) -> bool {
        if self.broken {
            return false;
        }
        match self.rx.ring.arm() {
            Ok(w) => w,
            Err(e) => {
                self.fail(e);
                false
            }
        }
    }

    fn free_tx(&mut self) -> Option<u16> {
        if self.broken {
            return None;
        }
        // All buffers in flight: ask for an event at the next completion
        // (normally none is wanted: buffers are reclaimed when sending),
        // and look once more in case one completed meanwhile.
        let r = match self.tx.free_buffer() {
            Ok(None) => self.tx.ring.arm().and_then(|_| self.tx.free_buffer()),
            r => r,
        };
        match r {
            Ok(id) => id,
            Err(e) => {
                self.fail(e);
                None
            }
        }
    }

    /// Copies the next received frame into `frame`; false if none.
    fn take_frame(&mut self) -> bool {
        while !self.broken {
            match self.rx.next() {
                Ok(Received::Nothing) => {
                    self.notify |= self.rx.publish();
                    return false;
                }
                Ok(Received::Dropped) => self.notify |= self.rx.publish(),
                Ok(Received::Frame { id, offset, len }) => {
                    // SAFETY: netif checked offset + len against the page,
                    // and the page is this buffer's.
                    let src = unsafe { core::slice::from_raw_parts((self.rx_pages[id as usize] + offset as u64) as *const u8, len) };
                    self.frame[..len].copy_from_slice(src);
                    self.frame_len = len;
                    self.notify |= self.rx.repost();
                    self.frames_in += 1;
                    return true;
                }
                Err(e) => self.fail(e),
            }
        }
        false
    }
}

/// The received frame: the device's copy (`frame`), which only
/// take_frame writes; the tokens borrow the device for their lifetime.
pub struct RxToken<'a> {
    dev: *const Netfront,
    _life: PhantomData<&'a mut Netfront>,
}

/// The transmit side never touches the received frame's copy.
pub struct TxToken<'a> {
    dev: *mut Netfront,
    _life: PhantomData<&'a mut Netfront>,
}

impl smoltcp::phy::RxToken for RxToken<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        // SAFETY: see the type; the copy is not changed while `f` runs.
        let dev = unsafe { &*self.dev };
        f(&dev.frame[..dev.frame_len])
    }
}

impl smoltcp::phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        // SAFETY: see the type.
        let dev = unsafe { &mut *self.dev };
        let len = len.min(MTU);
        let Some(id) = dev.free_tx() else {
            // no buffer after all (the receive side's token): the frame is
            // dropped, as a full NIC would; TCP retransmits
            let mut scratch = [0u8; MTU];
            return f(&mut scratch[..len]);
        };
        // SAFETY: a free buffer's page is ours until it is sent.
        let buf = unsafe { core::slice::from_raw_parts_mut(dev.tx_pages[id as usize] as *mut u8, len) };
        let r = f(buf);
        dev.notify |= dev.tx.send(id, len);
        dev.frames_out += 1;
        // keep the backend busy during long bursts
        if dev.tx.in_flight() > TX_SLOTS / 2 {
            dev.flush();
        }
        r
    }
}

impl Device for Netfront {
    type RxToken<'a> = RxToken<'a>;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _: Instant) -> Option<(RxToken<'_>, TxToken<'_>)> {
        if !self.take_frame() {
            return None;
        }
        let me = self as *mut Netfront;
        Some((RxToken { dev: me, _life: PhantomData }, TxToken { dev: me, _life: PhantomData }))
    }

    fn transmit(&mut self, _: Instant) -> Option<TxToken<'_>> {
        self.free_tx()?;
        Some(TxToken { dev: self as *mut Netfront, _life: PhantomData })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut c = DeviceCapabilities::default();
        c.medium = Medium::Ethernet;
        c.max_transmission_unit = MTU;
        c
    }
}
