//! rts-xen: halvm's platform layer for x86_64 Xen PVH guests (and for
//! direct PVH boots under QEMU). Its C API is include/halvm/platform.h.
//!
//! The pure parts (command-line splitting, the page bitmap, the console
//! ring protocol, the XenStore client) and the entropy source (its
//! instructions are unprivileged) build on the host too and are
//! unit-tested there; all other machine-level modules exist only in the
//! freestanding library.
#![cfg_attr(not(test), no_std)]

pub mod cmdline;
pub mod entropy;
pub mod errno;
pub mod interdomain;
pub mod net;
pub mod pagebitmap;
pub mod ring;
pub mod shutdown_request;
pub mod tsc_scale;
pub mod xenstore;

// Declared on its own, not through machine_modules!: its kprintln! macro
// must not be macro-expanded to stay usable as `crate::kprintln!`.
#[cfg(not(test))]
mod console;

/// Declares the other modules that exist only in the freestanding library.
macro_rules! machine_modules {
    ($($module:ident),* $(,)?) => { $( #[cfg(not(test))] mod $module; )* };
}

machine_modules!(
    api, boot, bootinfo, bootmodules, cpu, exit, interrupts, lapic, measure, memory, paging, pic, pit, platform,
    rtc, start, time, timer, tls, xen,
);

#[cfg(not(test))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    crate::kprintln!("halvm: internal error in rts-xen: {info}");
    exit::exit(exit::EXIT_PLATFORM_ERROR)
}
