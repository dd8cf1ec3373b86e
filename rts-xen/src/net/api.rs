//! The C API of include/halvm/net.h over one Stack on the network device
//! (device.rs: virtio-net under QEMU, netfront as an ordinary Xen
//! domain), and the platform's hooks: the device interrupt or event
//! channel, and the work halvm_block_until does before halting.
//!
//! The interface comes up at the first call of the API (so images that
//! never use the network never touch PCI or device/vif/0): the device is
//! found and started, the configuration read from the command line (config.rs), and
//! with DHCP the call waits (halting) until a lease or the fallback.
//!
//! Wake-ups: the device's legacy interrupt line (routed through the 8259
//! PICs, as the firmware assigned it) ends any halt; the handler only
//! acknowledges it, the packets are processed in normal context when the
//! program next polls or halts. Without an interrupt line the halts are
//! cut to POLL_SLICE_NS instead, so that packets are still seen.
//! netfront's event channel likewise only notes the arrival
//! (on_netfront_event).
//!
//! The stack is only ever used in normal context, one call at a time; the
//! interrupt handler touches atomics and the device's ISR register only.

use core::ffi::{c_int, c_void};
use core::mem::MaybeUninit;
use core::ptr::addr_of_mut;
use core::sync::atomic::{AtomicBool, AtomicU16, AtomicU8, AtomicU64, Ordering};

use smoltcp::iface::SocketStorage;
use smoltcp::time::Instant;

use super::config::{self, Mode};
use super::dns;
use super::resolver::{Lookup, Step};
use super::stack::{self, Endpoint, Kind, Memory, Opt, Source, Stack};
use crate::errno::*;
use super::device::NetDevice;
use super::netfront::{self, Netfront};
use super::virtio_net::{self, VirtioNet};
use super::abi::*;
use super::pci;
use crate::interrupts::VECTOR_PIC_BASE;
use crate::platform::{self, Kind as Platform};
use crate::{pic, time};

/// Halt length when the device has no interrupt line.
const POLL_SLICE_NS: u64 = 1_000_000;
/// Bounds the size of one send or receive, like Linux's MAX_RW_COUNT.
const RW_MAX: usize = 0x7fff_f000;

/// The interface once the first call brought it up (or found it down).
enum State {
    Down(i32),
    Up(Stack<NetDevice>),
}

/// Whether STATE has been written (by the first call of the API).
static mut STARTED: bool = false;
/// Read only once STARTED, and only while BUSY is held. Uninitialized
/// storage rather than an `Uninit` variant, because a static whose initial
/// value is not all zero bytes goes to .data: the ~50 KB Stack would be
/// in every image. This way it is in .bss.
static mut STATE: MaybeUninit<State> = MaybeUninit::uninit();
/// The stack's socket slots, filled with SocketStorage::EMPTY by
/// bring_up. Uninitialized storage for the same reason as STATE: EMPTY is
/// not all zero bytes, so a filled array would put ~130 KB into .data.
static mut STORAGE: MaybeUninit<[SocketStorage<'static>; stack::MAX_SOCKETS]> = MaybeUninit::uninit();
/// Set while the stack is in use, so that a re-entry (a console write
/// that halts, from inside a stack call) leaves it alone.
static BUSY: AtomicBool = AtomicBool::new(false);
/// The interrupt vector of the device's line (0: none) and its I/O base.
static VECTOR: AtomicU8 = AtomicU8::new(0);
static IO_BASE: AtomicU16 = AtomicU16::new(0);
/// Whether the device's arrivals end a halt (an interrupt line or an
/// event channel); if not, halts are cut to POLL_SLICE_NS.
static WAKES: AtomicBool = AtomicBool::new(false);
/// An interrupt arrived since the stack was last polled.
static PENDING: AtomicBool = AtomicBool::new(false);
/// When the stack next wants polling for its timers (ns), u64::MAX: never.
static NEXT_POLL: AtomicU64 = AtomicU64::new(u64::MAX);

fn now() -> Instant {
    Instant::from_micros((time::monotonic_ns() / 1000) as i64)
}

/// An instant of the stack's clock as the monotonic clock's ns (now()'s
/// inverse), for halvm_block_until.
fn instant_ns(t: Instant) -> u64 {
    (t.total_micros().max(0) as u64).saturating_mul(1000)
}

fn page_alloc(bytes: usize) -> Option<*mut u8> {
    let p = crate::memory::halvm_alloc_pages(bytes.div_ceil(crate::api::HALVM_PAGE_SIZE as usize)) as *mut u8;
    (!p.is_null()).then_some(p)
}

fn page_free(p: *mut u8, bytes: usize) {
    crate::memory::halvm_free_pages(p as *mut c_void, bytes.div_ceil(crate::api::HALVM_PAGE_SIZE as usize));
}

fn log(args: core::fmt::Arguments) {
    crate::kprintln!("{args}");
}

fn seed() -> u64 {
    let mut r = [0u8; 8];
    if crate::entropy::halvm_entropy(r.as_mut_ptr().cast(), 8) == 0 {
        u64::from_le_bytes(r)
    } else {
        crate::cpu::rdtsc()
    }
}

fn bring_up() -> State {
    let cfg = config::from_words(crate::start::platform_words(), |w| {
        crate::kprintln!("halvm: net: ignoring {w:?}: not a valid setting (see rts-xen/README.md, Networking)");
    });
    if cfg.mode == Mode::Off {
        return State::Down(ENETDOWN);
    }
    let opened = match platform::kind() {
        Platform::Qemu => open_virtio(),
        Platform::XenDomU => open_netfront(),
        Platform::XenDom0 => {
            crate::kprintln!("halvm: net: no network driver for Xen's initial domain; sockets fail with ENETDOWN");
            None
        }
    };
    let Some((dev, mac)) = opened else { return State::Down(ENETDOWN) };
    let mem = Memory { alloc: page_alloc, free: page_free };
    // SAFETY: bring_up runs once, so STORAGE is filled and handed to the
    // one stack once; every slot is written before the array is assumed
    // initialized.
    let storage = unsafe {
        let slots = &mut *addr_of_mut!(STORAGE);
        let first = slots.as_mut_ptr() as *mut SocketStorage<'static>;
        for i in 0..stack::MAX_SOCKETS {
            first.add(i).write(SocketStorage::EMPTY);
        }
        slots.assume_init_mut()
    };
    let mut s = Stack::new(dev, mac, cfg, storage, mem, log, seed(), now());
    wait_for_address(&mut s, cfg, WAKES.load(Ordering::Relaxed));
    State::Up(s)
}

/// The netfront of device/vif/0; its event channel ends halts.
fn open_netfront() -> Option<(NetDevice, [u8; 6])> {
    match Netfront::init() {
        Ok(d) => {
            let m = d.mac;
            crate::kprintln!("halvm: net: netfront device/vif/0, backend domain {}, event channel {}",
                             d.backend_id, netfront::PORT.load(Ordering::Relaxed));
            WAKES.store(true, Ordering::Relaxed);
            Some((NetDevice::Netfront(d), m))
        }
        Err(e) => {
            crate::kprintln!("halvm: net: netfront did not connect: {e}; sockets fail with ENETDOWN");
            None
        }
    }
}

/// The virtio-net card on PCI bus 0, its interrupt line unmasked.
fn open_virtio() -> Option<(NetDevice, [u8; 6])> {
    let Some(f) = pci::find(virtio_net::VENDOR, virtio_net::DEVICE) else {
        crate::kprintln!("halvm: net: no network device (looked for virtio-net on PCI bus 0); sockets fail with ENETDOWN");
        return None;
    };
    let dev = match VirtioNet::init(f) {
        Ok(d) => d,
        Err(e) => {
            crate::kprintln!("halvm: net: virtio-net did not start: {e}; sockets fail with ENETDOWN");
            return None;
        }
    };
    let (mac, irq, io) = (dev.mac, dev.irq, dev.io_base());
    match irq {
        Some(line) => crate::kprintln!("halvm: net: virtio-net at PCI 00:{:02x}.{}, I/O ports {io:#x}, IRQ {line}",
                                       f.device, f.function),
        None => crate::kprintln!("halvm: net: virtio-net at PCI 00:{:02x}.{}, I/O ports {io:#x}, no IRQ line: \
                                  polling every {} ms while halted", f.device, f.function, POLL_SLICE_NS / 1_000_000),
    }
    IO_BASE.store(io, Ordering::Relaxed);
    if let Some(line) = irq {
        VECTOR.store(VECTOR_PIC_BASE + line, Ordering::Relaxed);
        crate::cpu::without_interrupts(|| pic::unmask_line(line));
        WAKES.store(true, Ordering::Relaxed);
    }
    Some((NetDevice::Virtio(dev), mac))
}

fn wait_for_address(s: &mut Stack<NetDevice>, cfg: config::Config, wakes: bool) {
    if matches!(cfg.mode, Mode::DhcpWithFallback | Mode::DhcpOnly) {
        // wait for the lease (or the fallback), so that the first
        // connect already has an address
        let give_up = time::monotonic_ns() + config::DHCP_FALLBACK_MS * 1_000_000 + 100_000_000;
        loop {
            s.poll(now());
            s.device().flush();
            if s.ipv4().source != Source::None || time::monotonic_ns() >= give_up {
                break;
            }
            let next = s.poll_at(now()).map_or(give_up, instant_ns);
            let slice = if wakes { next.min(give_up) } else { next.min(time::monotonic_ns() + POLL_SLICE_NS) };
            crate::timer::halvm_block_until(slice);
        }
        if s.ipv4().source == Source::None {
            crate::kprintln!("halvm: net: no DHCP lease yet; the interface has no address until one arrives");
        }
    }
}

/// Runs `f` on the stack, bringing the interface up first if needed; the
/// stack is polled before when an interrupt or a timer is due, and after
/// when `f` may have queued packets (`sends`), so they leave at once.
fn with<R>(sends: bool, f: impl FnOnce(&mut Stack<NetDevice>, Instant) -> Result<R, i32>) -> Result<R, i32> {
    if BUSY.swap(true, Ordering::Acquire) {
        return Err(EAGAIN);
    }
    // SAFETY: BUSY makes this the only reference; normal context only.
    // STATE is read only after it was written.
    let state = unsafe {
        if !STARTED {
            (*addr_of_mut!(STATE)).write(bring_up());
            STARTED = true;
        }
        (*addr_of_mut!(STATE)).assume_init_mut()
    };
    let r = match state {
        State::Up(s) => {
            service(s, false);
            let r = f(s, now());
            service(s, sends);
            r
        }
        State::Down(e) => Err(*e),
    };
    BUSY.store(false, Ordering::Release);
    r
}

/// Polls the stack if a packet or a timer is due (or `force`).
fn service(s: &mut Stack<NetDevice>, force: bool) -> bool {
    let pending = PENDING.swap(false, Ordering::AcqRel);
    let t = time::monotonic_ns();
    let mut changed = false;
    if force || pending || t >= NEXT_POLL.load(Ordering::Relaxed) || s.loop_pending() || s.device().rx_pending() {
        changed = s.poll(now());
        s.device().flush();
        let next = s.poll_at(now()).map_or(u64::MAX, instant_ns);
        NEXT_POLL.store(next, Ordering::Relaxed);
    }
    changed
}

/// Called by halvm_block_until: processes what arrived and returns the
/// deadline to halt until (the stack's next timer may come first).
pub fn before_halt(deadline: u64) -> u64 {
    if BUSY.swap(true, Ordering::Acquire) {
        return deadline;
    }
    // SAFETY: as in with().
    let state = unsafe { if STARTED { Some((*addr_of_mut!(STATE)).assume_init_mut()) } else { None } };
    let d = match state {
        Some(State::Up(s)) => {
            service(s, false);
            if s.loop_pending() || s.device().rx_pending() {
                0 // more arrived meanwhile, or packets to ourselves wait: do not halt
            } else {
                let mut d = deadline.min(NEXT_POLL.load(Ordering::Relaxed));
                if !WAKES.load(Ordering::Relaxed) {
                    d = d.min(time::monotonic_ns() + POLL_SLICE_NS);
                }
                d
            }
        }
        _ => deadline,
    };
    BUSY.store(false, Ordering::Release);
    d
}

pub fn owns_vector(v: u8) -> bool {
    let mine = VECTOR.load(Ordering::Relaxed);
    mine != 0 && v == mine
}

/// netfront's event channel fired (interrupt context): note the arrival;
/// the rings are looked at in normal context.
pub fn on_netfront_event() {
    PENDING.store(true, Ordering::Release);
    crate::timer::wake();
}

/// The device's interrupt: acknowledge it at the device (lowering the
/// level-triggered line) and at the PICs, and note the arrival.
pub fn on_interrupt() {
    VirtioNet::ack_interrupt(IO_BASE.load(Ordering::Relaxed));
    pic::eoi_line(VECTOR.load(Ordering::Relaxed) - VECTOR_PIC_BASE);
    PENDING.store(true, Ordering::Release);
    crate::timer::wake();
}

// ------------------------------------------------------------ the C API

fn ret(r: Result<i32, i32>) -> c_int {
    match r {
        Ok(v) => v,
        Err(e) => -e,
    }
}

fn ret_size(r: Result<usize, i32>) -> isize {
    match r {
        Ok(v) => v as isize,
        Err(e) => -(e as isize),
    }
}

/// Reads an endpoint argument; EFAULT for NULL.
unsafe fn endpoint(p: *const Endpoint) -> Result<Endpoint, i32> {
    if p.is_null() { Err(14) } else { Ok(p.read_unaligned()) }
}

unsafe fn store(p: *mut Endpoint, e: Endpoint) {
    if !p.is_null() {
        p.write_unaligned(e);
    }
}

#[no_mangle]
pub extern "C" fn halvm_net_socket(kind: c_int) -> c_int {
    let kind = match kind {
        HALVM_NET_TCP => Kind::Tcp,
        HALVM_NET_UDP => Kind::Udp,
        _ => return -EPROTONOSUPPORT,
    };
    ret(with(false, |s, _| s.socket(kind)))
}

#[no_mangle]
pub extern "C" fn halvm_net_kind(h: c_int) -> c_int {
    ret(with(false, |s, _| s.kind(h).map(|k| if k == Kind::Tcp { HALVM_NET_TCP } else { HALVM_NET_UDP })))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_net_bind(h: c_int, local: *const Endpoint) -> c_int {
    let Ok(local) = endpoint(local) else { return -14 };
    ret(with(false, |s, _| s.bind(h, local).map(|_| 0)))
}

#[no_mangle]
pub extern "C" fn halvm_net_listen(h: c_int, backlog: c_int) -> c_int {
    ret(with(false, |s, _| s.listen(h, backlog).map(|_| 0)))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_net_accept(h: c_int, peer: *mut Endpoint) -> c_int {
    ret(with(true, |s, _| s.accept(h)).map(|(n, p)| {
        store(peer, p);
        n
    }))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_net_connect(h: c_int, remote: *const Endpoint) -> c_int {
    let Ok(remote) = endpoint(remote) else { return -14 };
    ret(with(true, |s, now| s.connect(h, remote, now).map(|_| 0)))
}

#[no_mangle]
pub extern "C" fn halvm_net_take_error(h: c_int) -> c_int {
    ret(with(false, |s, now| s.take_error(h, now)))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_net_send(h: c_int, buf: *const c_void, len: usize, to: *const Endpoint) -> isize {
    if buf.is_null() && len != 0 {
        return -14;
    }
    let data = if len == 0 { &[][..] } else { core::slice::from_raw_parts(buf as *const u8, len.min(RW_MAX)) };
    let to = if to.is_null() { None } else { Some(to.read_unaligned()) };
    ret_size(with(true, |s, now| s.send(h, data, to, now)))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_net_recv(h: c_int, buf: *mut c_void, len: usize, flags: c_int,
                                        from: *mut Endpoint, full_len: *mut usize) -> isize {
    if buf.is_null() && len != 0 {
        return -14;
    }
    if flags & !HALVM_NET_PEEK != 0 {
        return -(EINVAL as isize);
    }
    let out = if len == 0 { &mut [][..] } else { core::slice::from_raw_parts_mut(buf as *mut u8, len.min(RW_MAX)) };
    ret_size(with(true, |s, now| s.recv(h, out, flags & HALVM_NET_PEEK != 0, now)).map(|(n, full, src)| {
        if let Some(src) = src {
            store(from, src);
        }
        if !full_len.is_null() {
            *full_len = full;
        }
        n
    }))
}

#[no_mangle]
pub extern "C" fn halvm_net_shutdown(h: c_int, how: c_int) -> c_int {
    ret(with(true, |s, now| s.shutdown(h, how, now).map(|_| 0)))
}

#[no_mangle]
pub extern "C" fn halvm_net_close(h: c_int) -> c_int {
    ret(with(true, |s, now| s.close(h, now).map(|_| 0)))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_net_local(h: c_int, out: *mut Endpoint) -> c_int {
    if out.is_null() {
        return -14;
    }
    ret(with(false, |s, _| s.local(h)).map(|e| {
        store(out, e);
        0
    }))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_net_peer(h: c_int, out: *mut Endpoint) -> c_int {
    if out.is_null() {
        return -14;
    }
    ret(with(false, |s, now| s.peer(h, now)).map(|e| {
        store(out, e);
        0
    }))
}

#[no_mangle]
pub extern "C" fn halvm_net_setopt(h: c_int, opt: c_int, value: c_int) -> c_int {
    let opt = match opt {
        HALVM_NET_OPT_NODELAY => Opt::NoDelay(value != 0),
        HALVM_NET_OPT_KEEPALIVE_MS if value >= 0 => Opt::KeepAliveMs(value as u32),
        HALVM_NET_OPT_ABORT_ON_CLOSE => Opt::AbortOnClose(value != 0),
        _ => return -EINVAL,
    };
    ret(with(false, |s, _| s.set_opt(h, opt).map(|_| 0)))
}

#[no_mangle]
pub extern "C" fn halvm_net_listening(h: c_int) -> c_int {
    ret(with(false, |s, _| s.is_listening(h).map(c_int::from)))
}

#[no_mangle]
pub extern "C" fn halvm_net_ready(h: c_int) -> c_int {
    ret(with(false, |s, now| s.ready(h, now).map(|m| m as c_int)))
}

#[no_mangle]
pub extern "C" fn halvm_net_pending(h: c_int) -> c_int {
    ret(with(false, |s, _| s.pending(h).map(|n| n.min(c_int::MAX as usize) as c_int)))
}

#[no_mangle]
pub extern "C" fn halvm_net_poll() -> c_int {
    ret(with(false, |s, _| Ok(c_int::from(service(s, true)))))
}


#[no_mangle]
pub unsafe extern "C" fn halvm_net_interface(index: u32, out: *mut Interface) -> c_int {
    if out.is_null() {
        return -14;
    }
    if index != 1 {
        // ENODEV: Linux's answer for an interface index that does not exist
        return -19;
    }
    ret(with(false, |s, _| {
        let info = s.ipv4();
        let mut name = [0u8; 16];
        name[..4].copy_from_slice(b"eth0");
        let be = |a: Option<[u8; 4]>| a.map_or(0, u32::from_be_bytes);
        out.write_unaligned(Interface {
            name,
            index: 1,
            mac: s.mac(),
            prefix_len: info.address.map_or(0, |(_, n)| n),
            up: 1,
            addr: be(info.address.map(|(a, _)| a)),
            gateway: be(info.gateway),
            dns: be(info.dns),
            source: match info.source {
                Source::None => HALVM_NET_SOURCE_NONE,
                Source::Dhcp => HALVM_NET_SOURCE_DHCP,
                Source::Static => HALVM_NET_SOURCE_STATIC,
                Source::Fallback => HALVM_NET_SOURCE_FALLBACK,
            } as u32,
        });
        Ok(0)
    }))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_net_resolve(name: *const core::ffi::c_char, addrs: *mut u32, max: c_int,
                                           canonical: *mut core::ffi::c_char, canonical_len: usize) -> c_int {
    if name.is_null() || addrs.is_null() {
        return -EFAULT;
    }
    if max <= 0 {
        return -EINVAL;
    }
    let name = core::ffi::CStr::from_ptr(name).to_bytes();
    // a random id (from the clock without a CPU generator) makes a forged
    // answer guess it; retransmissions keep it, as glibc's do
    let id = seed() as u16;
    let mut lookup = match with(true, |s, now| Lookup::start(s, name, id, now)) {
        Ok(l) => l,
        Err(e) => return -e,
    };
    // Blocking here is what getaddrinfo does on Linux too; the stack
    // keeps running, since halvm_block_until polls it (before_halt).
    let result = loop {
        match with(true, |s, now| Ok(lookup.step(s, now))) {
            Ok(Step::Done(r)) => break r,
            Ok(Step::Wait(t)) => crate::timer::halvm_block_until(instant_ns(t)),
            Err(e) => break Err(e),
        }
    };
    let _ = with(false, |s, now| {
        lookup.finish(s, now);
        Ok(())
    });
    let found = match result {
        Ok(f) => f,
        Err(e) => return -e,
    };
    let n = found.count.min(max as usize);
    for (i, a) in found.addrs[..n].iter().enumerate() {
        addrs.add(i).write_unaligned(*a);
    }
    if !canonical.is_null() && canonical_len > 0 {
        let mut text = [0u8; dns::NAME_MAX];
        let len = found.canonical.to_text(&mut text).filter(|&l| l < canonical_len).unwrap_or(0);
        core::ptr::copy_nonoverlapping(text.as_ptr(), canonical as *mut u8, len);
        *canonical.add(len) = 0;
    }
    n as c_int
}
