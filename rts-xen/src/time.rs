//! Monotonic and wall-clock time. Under Xen: the pvclock in shared_info
//! (vcpu_time_info) and the wall clock Xen keeps there. On bare QEMU: the
//! TSC, its frequency from CPUID leaf 0x15 or measured against the PIT,
//! and the CMOS real-time clock read once at boot.

use core::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::tsc_scale::scale_mult;
use crate::{cpu, pit, platform, rtc, xen};

/// ns = ((tsc - TSC_BASE) * TSC_MULT) >> 32, on bare QEMU.
static TSC_BASE: AtomicU64 = AtomicU64::new(0);
static TSC_MULT: AtomicU64 = AtomicU64::new(0);
/// Wall-clock ns at monotonic 0, on bare QEMU.
static WALL_AT_ZERO: AtomicI64 = AtomicI64::new(0);
/// Largest value handed out, so that the clock never goes back even if a
/// clock source stutters.
static LAST: AtomicU64 = AtomicU64::new(0);

/// On bare QEMU: find the TSC frequency and read the RTC.
pub fn init_bare() {
    let hz = tsc_hz_from_cpuid().unwrap_or_else(pit::measure_tsc_hz);
    TSC_MULT.store(((1_000_000_000u128 << 32) / hz as u128) as u64, Ordering::Relaxed);
    TSC_BASE.store(cpu::rdtsc(), Ordering::Relaxed);
    let wall = rtc::read_unix_seconds();
    let now = monotonic_ns();
    WALL_AT_ZERO.store(wall.saturating_mul(1_000_000_000) - now as i64, Ordering::Relaxed);
}

/// CPUID 0x15: TSC/crystal ratio and crystal frequency, when both given.
fn tsc_hz_from_cpuid() -> Option<u64> {
    if cpu::cpuid(0, 0).eax < 0x15 {
        return None;
    }
    let l = cpu::cpuid(0x15, 0);
    (l.eax != 0 && l.ebx != 0 && l.ecx != 0).then(|| l.ecx as u64 * l.ebx as u64 / l.eax as u64)
}

fn raw_ns() -> u64 {
    if platform::on_xen() {
        xen::pvclock_ns()
    } else {
        scale_mult(cpu::rdtsc().wrapping_sub(TSC_BASE.load(Ordering::Relaxed)), TSC_MULT.load(Ordering::Relaxed))
    }
}

/// A number of TSC ticks in ns: under Xen at the pvclock's rate, on bare
/// QEMU at the rate init_bare() calibrated (0 before it ran).
pub fn tsc_ticks_ns(ticks: u64) -> u64 {
    if platform::on_xen() {
        xen::tsc_ticks_ns(ticks)
    } else {
        scale_mult(ticks, TSC_MULT.load(Ordering::Relaxed))
    }
}

pub fn monotonic_ns() -> u64 {
    let now = raw_ns();
    let last = LAST.fetch_max(now, Ordering::Relaxed);
    now.max(last)
}

pub fn wallclock_ns() -> i64 {
    if platform::on_xen() {
        xen::wallclock_at_zero_ns() + monotonic_ns() as i64
    } else {
        WALL_AT_ZERO.load(Ordering::Relaxed) + monotonic_ns() as i64
    }
}

#[no_mangle]
pub extern "C" fn halvm_monotonic_ns() -> u64 {
    monotonic_ns()
}

#[no_mangle]
pub extern "C" fn halvm_wallclock_ns() -> i64 {
    wallclock_ns()
}
