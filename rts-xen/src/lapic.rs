//! The local APIC: the one-shot timer on bare QEMU, and end-of-interrupt
//! for the Xen upcall vector (which Xen injects through the virtual LAPIC).

use core::sync::atomic::{AtomicU64, Ordering};

use crate::interrupts::{VECTOR_SPURIOUS, VECTOR_TIMER};
use crate::{cpu, time};

const IA32_APIC_BASE: u32 = 0x1b;
const REG_EOI: u64 = 0xb0;
const REG_SVR: u64 = 0xf0;
const REG_LVT_TIMER: u64 = 0x320;
const REG_TIMER_INITIAL: u64 = 0x380;
const REG_TIMER_CURRENT: u64 = 0x390;
const REG_TIMER_DIVIDE: u64 = 0x3e0;

static BASE: AtomicU64 = AtomicU64::new(0);
/// LAPIC timer counts per ns, as a 32.32 fixed-point number.
static COUNTS_PER_NS: AtomicU64 = AtomicU64::new(0);

fn reg(offset: u64) -> *mut u32 {
    (BASE.load(Ordering::Relaxed) + offset) as *mut u32
}

fn write(offset: u64, v: u32) {
    // SAFETY: the LAPIC's MMIO page, identity-mapped by the boot tables.
    unsafe { core::ptr::write_volatile(reg(offset), v) }
}

fn read(offset: u64) -> u32 {
    // SAFETY: as in write().
    unsafe { core::ptr::read_volatile(reg(offset)) }
}

/// Enables the LAPIC (globally and in software) with our spurious vector.
pub fn enable() {
    // SAFETY: the architectural APIC base MSR.
    let msr = unsafe { cpu::rdmsr(IA32_APIC_BASE) };
    // SAFETY: setting the global enable bit keeps the base unchanged.
    unsafe { cpu::wrmsr(IA32_APIC_BASE, msr | 1 << 11) };
    BASE.store(msr & 0x000f_ffff_ffff_f000, Ordering::Relaxed);
    write(REG_SVR, 0x100 | VECTOR_SPURIOUS as u32);
}

pub fn eoi() {
    write(REG_EOI, 0);
}

/// Measures the timer's count rate against the (already calibrated)
/// monotonic clock and leaves it in one-shot mode on VECTOR_TIMER.
pub fn init_timer() {
    write(REG_TIMER_DIVIDE, 0x3); // divide by 16
    write(REG_LVT_TIMER, 1 << 16 | VECTOR_TIMER as u32); // masked while measuring
    write(REG_TIMER_INITIAL, u32::MAX);
    let start = time::monotonic_ns();
    while time::monotonic_ns() - start < 10_000_000 {
        core::hint::spin_loop();
    }
    let elapsed = time::monotonic_ns() - start;
    let counted = u32::MAX - read(REG_TIMER_CURRENT);
    write(REG_TIMER_INITIAL, 0);
    COUNTS_PER_NS.store(((counted as u128) << 32).div_ceil(elapsed as u128) as u64, Ordering::Relaxed);
    write(REG_LVT_TIMER, VECTOR_TIMER as u32); // one-shot, unmasked
}

/// Fires VECTOR_TIMER at (or, for far deadlines, before) `deadline_ns`;
/// u64::MAX stops the timer.
pub fn arm(deadline_ns: u64) {
    if deadline_ns == u64::MAX {
        write(REG_TIMER_INITIAL, 0);
        return;
    }
    let delta = deadline_ns.saturating_sub(time::monotonic_ns()).max(1_000);
    let counts = (delta as u128 * COUNTS_PER_NS.load(Ordering::Relaxed) as u128) >> 32;
    write(REG_TIMER_INITIAL, counts.clamp(1, u32::MAX as u128) as u32);
}
