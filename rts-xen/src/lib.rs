//! rts-xen: halvm's platform layer for x86_64 Xen PVH guests (and for
//! direct PVH boots under QEMU). Its C API is include/halvm/platform.h.
//!
//! The pure parts (command-line splitting, the page bitmap, the console
//! ring protocol) build on the host too and are unit-tested there; all
//! machine-level modules exist only in the freestanding library.
#![cfg_attr(not(test), no_std)]

pub mod cmdline;
pub mod pagebitmap;
pub mod ring;

#[cfg(not(test))]
#[macro_use]
mod console;
#[cfg(not(test))]
mod boot;
#[cfg(not(test))]
mod bootinfo;
#[cfg(not(test))]
mod cpu;
#[cfg(not(test))]
mod exit;
#[cfg(not(test))]
mod interrupts;
#[cfg(not(test))]
mod lapic;
#[cfg(not(test))]
mod memory;
#[cfg(not(test))]
mod paging;
#[cfg(not(test))]
mod pic;
#[cfg(not(test))]
mod pit;
#[cfg(not(test))]
mod platform;
#[cfg(not(test))]
mod rtc;
#[cfg(not(test))]
mod start;
#[cfg(not(test))]
mod time;
#[cfg(not(test))]
mod timer;
#[cfg(not(test))]
mod xen;

#[cfg(not(test))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    kprintln!("halvm: internal error in rts-xen: {info}");
    exit::exit(exit::EXIT_PLATFORM_ERROR)
}
