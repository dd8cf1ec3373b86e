//! The console: COM1 on bare QEMU, console_io for Xen's initial domain,
//! the PV console ring for other Xen domains. Output written before one of
//! these is ready goes to a buffer that is emitted when it is.

use core::fmt;
use core::ptr::{addr_of, addr_of_mut};
use core::sync::atomic::{fence, AtomicU8, Ordering};

use crate::cpu;
use crate::ring;
use crate::xen::{self, abi::xencons_interface, events};

const COM1: u16 = 0x3f8;
/// Early output kept until a console is ready; beyond this it is counted.
const EARLY_BUFFER: usize = 8192;

#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Backend {
    Early = 0,
    Com1 = 1,
    XenConsoleIo = 2,
    XenRing = 3,
}

static BACKEND: AtomicU8 = AtomicU8::new(Backend::Early as u8);

struct Early {
    buf: [u8; EARLY_BUFFER],
    len: usize,
    dropped: usize,
}
static mut EARLY: Early = Early { buf: [0; EARLY_BUFFER], len: 0, dropped: 0 };

/// The PV console ring and our private copies of the indices we own.
struct Ring {
    page: *mut xencons_interface,
    port: u32,
    out_prod: u32,
    in_cons: u32,
}
static mut RING: Ring = Ring { page: core::ptr::null_mut(), port: 0, out_prod: 0, in_cons: 0 };

fn backend() -> Backend {
    match BACKEND.load(Ordering::Acquire) {
        1 => Backend::Com1,
        2 => Backend::XenConsoleIo,
        3 => Backend::XenRing,
        _ => Backend::Early,
    }
}

/// Brings up COM1 (bare QEMU) and emits buffered early output.
pub fn init_com1() {
    // SAFETY: programming the standard PC UART at its standard ports.
    unsafe {
        cpu::outb(COM1 + 1, 0x00); // no UART interrupts
        cpu::outb(COM1 + 3, 0x80); // divisor latch access
        cpu::outb(COM1, 0x01); // 115200 baud
        cpu::outb(COM1 + 1, 0x00);
        cpu::outb(COM1 + 3, 0x03); // 8 data bits, no parity, 1 stop bit
        cpu::outb(COM1 + 2, 0xC7); // FIFOs on and cleared
        cpu::outb(COM1 + 4, 0x0b); // DTR, RTS, OUT2 (gates the IRQ line)
    }
    switch_to(Backend::Com1);
}

/// Makes COM1 raise its IRQ when input arrives, so that input ends a
/// halt in halvm_block_until. The line stays raised until the input is
/// read, so each new arrival after a read is a new edge for the PIC.
pub fn enable_com1_input_interrupt() {
    // SAFETY: the UART's interrupt-enable register: received data only.
    unsafe { cpu::outb(COM1 + 1, 0x01) };
}

/// Xen's initial domain writes through the console_io hypercall (Xen owns
/// the serial port, so COM1 writes would be dropped).
pub fn init_xen_console_io() {
    switch_to(Backend::XenConsoleIo);
}

/// An ordinary Xen domain uses the PV console ring Xen's toolstack set up.
/// Falls back to console_io (which Xen honours for guests only when
/// configured to) when the domain has no console ring.
pub fn init_xen_ring() {
    use xen::abi::{HVM_PARAM_CONSOLE_EVTCHN, HVM_PARAM_CONSOLE_PFN};
    let pfn = xen::hvm_get_param(HVM_PARAM_CONSOLE_PFN);
    let port = xen::hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN);
    match (pfn, port) {
        (Ok(pfn), Ok(port)) if pfn != 0 && pfn < (1 << 20) => {
            // SAFETY: single CPU, before interrupts are on; the page lies in
            // the first 4 GiB, which the boot page tables identity-map.
            unsafe {
                let r = &mut *addr_of_mut!(RING);
                r.page = (pfn << 12) as *mut xencons_interface;
                r.port = port as u32;
                r.out_prod = core::ptr::read_volatile(addr_of!((*r.page).out_prod));
                r.in_cons = core::ptr::read_volatile(addr_of!((*r.page).in_cons));
            }
            switch_to(Backend::XenRing);
        }
        _ => {
            switch_to(Backend::XenConsoleIo);
            crate::kprintln!("halvm: warning: no PV console ring (HVM params CONSOLE_PFN/EVTCHN unset); using console_io");
        }
    }
}

/// The event channel of the console ring, if there is one (the event
/// layer unmasks it so that a full ring can be waited on).
pub fn ring_port() -> Option<u32> {
    // SAFETY: written once during init, before this can be called.
    (backend() == Backend::XenRing).then(|| unsafe { (*addr_of!(RING)).port })
}

fn switch_to(b: Backend) {
    cpu::without_interrupts(|| {
        BACKEND.store(b as u8, Ordering::Release);
        // SAFETY: interrupts are off and there is one CPU: no other access.
        let early = unsafe { &mut *addr_of_mut!(EARLY) };
        let len = core::mem::replace(&mut early.len, 0);
        emit(&early.buf[..len], false);
        if early.dropped > 0 {
            let n = core::mem::replace(&mut early.dropped, 0);
            crate::kprintln!("halvm: {n} bytes of early console output did not fit the early buffer");
        }
    });
}

/// Writes all of `bytes` to the console.
pub fn write(bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    // Interrupts are off while writing so that output from interrupt
    // context (a fault report, a tick callback) never interleaves mid-line.
    let may_halt = cpu::interrupts_enabled();
    cpu::without_interrupts(|| emit(bytes, may_halt));
}

fn emit(bytes: &[u8], may_halt: bool) {
    match backend() {
        Backend::Early => {
            // SAFETY: callers hold interrupts off; one CPU.
            let early = unsafe { &mut *addr_of_mut!(EARLY) };
            let n = bytes.len().min(EARLY_BUFFER - early.len);
            early.buf[early.len..early.len + n].copy_from_slice(&bytes[..n]);
            early.len += n;
            early.dropped += bytes.len() - n;
        }
        Backend::Com1 => bytes.iter().for_each(|&b| com1_put(b)),
        Backend::XenConsoleIo => xen::console_io_write(bytes),
        Backend::XenRing => ring_write(bytes, may_halt),
    }
}

fn com1_put(b: u8) {
    // SAFETY: standard UART registers. The wait is bounded so that a
    // missing UART (line status reads as 0xff or stuck) cannot hang us.
    unsafe {
        for _ in 0..100_000 {
            if cpu::inb(COM1 + 5) & 0x20 != 0 {
                break;
            }
            core::hint::spin_loop();
        }
        cpu::outb(COM1, b);
    }
}

/// Writes into the output ring, waiting for the backend whenever the ring
/// is full (never overwriting what it has not consumed yet).
fn ring_write(mut bytes: &[u8], may_halt: bool) {
    while !bytes.is_empty() {
        match ring_write_some(bytes) {
            Ok(0) => {
                // Full. In normal context halt until an event (the backend
                // notifies when it consumes) or a 1 ms timeout; with
                // interrupts off (interrupt context) all we can do is poll.
                if may_halt {
                    crate::timer::halt_with_interrupts_off(crate::time::monotonic_ns() + 1_000_000);
                } else {
                    for _ in 0..1000 {
                        core::hint::spin_loop();
                    }
                }
            }
            Ok(n) => bytes = &bytes[n..],
            Err(bad) => {
                // Give up on the ring for good; console_io reaches Xen's log
                // at least when Xen is configured to accept guest output.
                BACKEND.store(Backend::XenConsoleIo as u8, Ordering::Release);
                let mut w = MessageBuf::new();
                let _ = fmt::write(&mut w, format_args!(
                    "halvm: console ring corrupt (out_prod {}, out_cons {}); switching to console_io\n",
                    bad.prod, bad.cons));
                xen::console_io_write(w.as_bytes());
                xen::console_io_write(bytes);
                return;
            }
        }
    }
}

/// Puts as much of `bytes` into the ring as fits; returns how much.
fn ring_write_some(bytes: &[u8]) -> Result<usize, ring::CorruptRing> {
    // SAFETY: RING is only touched with interrupts off (see write()); the
    // page pointer was validated at init and stays mapped.
    unsafe {
        let r = &mut *addr_of_mut!(RING);
        let cons = core::ptr::read_volatile(addr_of!((*r.page).out_cons));
        fence(Ordering::Acquire);
        let out = &mut *(addr_of_mut!((*r.page).out) as *mut [u8; 2048]);
        let (n, prod) = ring::produce(out, r.out_prod, cons, bytes)?;
        if n > 0 {
            fence(Ordering::Release);
            core::ptr::write_volatile(addr_of_mut!((*r.page).out_prod), prod);
            r.out_prod = prod;
            events::notify(r.port);
        }
        Ok(n)
    }
}

/// Copies pending console input into `buf` without blocking.
pub fn read(buf: &mut [u8]) -> usize {
    cpu::without_interrupts(|| match backend() {
        Backend::Early => 0,
        Backend::Com1 => {
            let mut n = 0;
            // SAFETY: standard UART registers.
            while n < buf.len() && unsafe { cpu::inb(COM1 + 5) } & 0x01 != 0 {
                buf[n] = unsafe { cpu::inb(COM1) };
                n += 1;
            }
            n
        }
        Backend::XenConsoleIo => xen::console_io_read(buf),
        Backend::XenRing => {
            // SAFETY: interrupts are off; the page was validated at init.
            let r = unsafe { &mut *addr_of_mut!(RING) };
            let prod = unsafe { core::ptr::read_volatile(addr_of!((*r.page).in_prod)) };
            fence(Ordering::Acquire);
            let inp = unsafe { &*(addr_of!((*r.page).in_) as *const [u8; 1024]) };
            match ring::consume(inp, r.in_cons, prod, buf) {
                Ok((n, cons)) => {
                    fence(Ordering::Release);
                    unsafe { core::ptr::write_volatile(addr_of_mut!((*r.page).in_cons), cons) };
                    r.in_cons = cons;
                    if n > 0 {
                        events::notify(r.port);
                    }
                    n
                }
                Err(bad) => {
                    crate::kprintln!("halvm: console input ring corrupt (in_prod {}, in_cons {}); input ignored",
                                     bad.prod, bad.cons);
                    0
                }
            }
        }
    })
}

/// A fixed buffer to format a message into without allocating.
pub struct MessageBuf {
    buf: [u8; 256],
    len: usize,
}

impl MessageBuf {
    pub const fn new() -> Self {
        MessageBuf { buf: [0; 256], len: 0 }
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl fmt::Write for MessageBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// `core::fmt` sink writing straight to the console.
pub struct Console;

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write(s.as_bytes());
        Ok(())
    }
}

/// Formats one message into a buffer first, so it reaches the console as
/// one write (and so one line under interleaving).
pub fn print_fmt(args: fmt::Arguments) {
    let mut m = MessageBuf::new();
    if fmt::write(&mut m, args).is_ok() && m.len < m.buf.len() {
        write(m.as_bytes());
    } else {
        let _ = fmt::write(&mut Console, args);
    }
}

#[macro_export]
macro_rules! kprintln {
    ($($arg:tt)*) => {
        $crate::console::print_fmt(format_args!("{}\n", format_args!($($arg)*)))
    };
}
