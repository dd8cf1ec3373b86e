//! Boot-time measurement (C API: include/halvm/measure.h): the TSC the
//! 32-bit entry code read at its first instructions (boot.rs), the TSC just
//! before main() is called (start.rs), and both turned into ns at the rate
//! the platform's clock uses (time.rs).

use core::ptr::addr_of;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::boot::halvm_boot_tsc;
use crate::tsc_scale::elapsed_ticks;
use crate::{cpu, time};

/// The TSC when main() is called; 0 until then.
static TSC_AT_MAIN: AtomicU64 = AtomicU64::new(0);

/// Called by start.rs immediately before main().
pub fn mark_main() {
    TSC_AT_MAIN.store(cpu::rdtsc(), Ordering::Relaxed);
}

fn boot_tsc() -> u64 {
    // SAFETY: written once by the entry code before any Rust code runs.
    unsafe { core::ptr::read_volatile(addr_of!(halvm_boot_tsc)) }
}

#[no_mangle]
pub extern "C" fn halvm_boot_ns_to_main() -> u64 {
    let at_main = TSC_AT_MAIN.load(Ordering::Relaxed);
    if at_main == 0 {
        return 0;
    }
    time::tsc_ticks_ns(elapsed_ticks(boot_tsc(), at_main))
}

#[no_mangle]
pub extern "C" fn halvm_boot_ns_since_start() -> u64 {
    time::tsc_ticks_ns(elapsed_ticks(boot_tsc(), cpu::rdtsc()))
}
