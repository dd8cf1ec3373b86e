//! Ending the guest: the machine-readable final line, then Xen's
//! SCHEDOP_shutdown or QEMU's isa-debug-exit device.

use crate::cpu;
use crate::platform::{self, Kind};
use crate::xen::{self, abi::{SHUTDOWN_crash, SHUTDOWN_poweroff}};

// Exit statuses of the platform's own failures, as platform.h defines them
// (HALVM_EXIT_*, read by build.rs). They are below 128 so that QEMU's
// isa-debug-exit status, (status << 1) | 1, still fits in the 8 bits of a
// process exit status and decodes unambiguously.
use crate::api;
/// rts-xen itself failed (internal error, unusable boot information).
pub const EXIT_PLATFORM_ERROR: u8 = api::HALVM_EXIT_PLATFORM_ERROR as u8;
/// The kernel command line is malformed or too long.
pub const EXIT_BAD_CMDLINE: u8 = api::HALVM_EXIT_BAD_CMDLINE as u8;
/// A CPU fault (exception) in the guest.
pub const EXIT_CPU_FAULT: u8 = api::HALVM_EXIT_CPU_FAULT as u8;
/// Not started through PVH (start-info magic wrong); no console then.
pub const EXIT_BAD_BOOT_MAGIC: u8 = api::HALVM_EXIT_BAD_BOOT_MAGIC as u8;

/// QEMU's isa-debug-exit device, as the test harness configures it.
const DEBUG_EXIT_PORT: u16 = 0xf4;

#[no_mangle]
pub extern "C" fn halvm_exit(status: core::ffi::c_int) -> ! {
    exit(status as u8)
}

pub fn exit(status: u8) -> ! {
    crate::kprintln!("halvm: exit status {status}");
    // SAFETY: nothing runs after this; interrupts would only get in the way.
    unsafe { cpu::disable_interrupts() };
    match platform::kind() {
        Kind::Qemu => debug_exit(status),
        Kind::XenDom0 => {
            // The initial domain has the machine's I/O ports: under QEMU (how
            // the tests run Xen) this ends QEMU with the status. Without the
            // device the write goes nowhere and Xen's shutdown follows.
            debug_exit(status);
            xen::shutdown(if status == 0 { SHUTDOWN_poweroff } else { SHUTDOWN_crash });
        }
        Kind::XenDomU => {
            xen::shutdown(if status == 0 { SHUTDOWN_poweroff } else { SHUTDOWN_crash });
        }
    }
    crate::kprintln!("halvm: shutdown did not take effect; halting");
    cpu::halt_forever()
}

fn debug_exit(status: u8) {
    // SAFETY: a write to the debug-exit port ends QEMU; elsewhere it is
    // ignored (no device decodes the port in the machines we start on).
    unsafe { cpu::outb(DEBUG_EXIT_PORT, status) };
}
