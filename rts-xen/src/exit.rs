//! Ending the guest: the status in XenStore (ordinary Xen domains), the
//! machine-readable final line, then Xen's SCHEDOP_shutdown or QEMU's
//! isa-debug-exit device.

use crate::cpu;
use crate::platform::{self, Kind};
use core::sync::atomic::{AtomicBool, Ordering};

use crate::shutdown_request::Reason;
use crate::xen::{self, abi::{SHUTDOWN_crash, SHUTDOWN_poweroff, SHUTDOWN_reboot}};

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
/// A shutdown request was not honoured within the grace period.
pub const EXIT_SHUTDOWN_TIMEOUT: u8 = api::HALVM_EXIT_SHUTDOWN_TIMEOUT as u8;

/// QEMU's isa-debug-exit device, as the test harness configures it.
const DEBUG_EXIT_PORT: u16 = 0xf4;

/// How long the machine gets to stop after the write to isa-debug-exit,
/// in TSC cycles: about 0.5 to 1 s at the 2-4 GHz TSC rates of current
/// x86 machines (QEMU's TSC ticks at the host's rate, under TCG too). QEMU
/// ends the machine from its main loop a moment after the write, and the
/// CPU runs on meanwhile. Counted in TSC cycles rather than with the
/// monotonic clock because exit() also ends early failures, before that
/// clock is set up.
const DEBUG_EXIT_WAIT_CYCLES: u64 = 1 << 31;

#[no_mangle]
pub extern "C" fn halvm_exit(status: core::ffi::c_int) -> ! {
    exit(status as u8)
}

/// Set once exit() has begun, so that the end of a shutdown request's
/// grace period does not start a second exit.
static IN_PROGRESS: AtomicBool = AtomicBool::new(false);

pub fn in_progress() -> bool {
    IN_PROGRESS.load(Ordering::Acquire)
}

pub fn exit(status: u8) -> ! {
    IN_PROGRESS.store(true, Ordering::Release);
    if platform::kind() == Kind::XenDomU {
        record_in_xenstore(status);
    }
    crate::kprintln!("halvm: exit status {status}");
    // SAFETY: nothing runs after this; interrupts would only get in the way.
    unsafe { cpu::disable_interrupts() };
    // After a shutdown request the toolstack gets the shutdown it asked
    // for, whatever the status (which the line above and XenStore hold).
    let reason = match xen::control::requested_reason() {
        Some(Reason::Poweroff) => SHUTDOWN_poweroff,
        Some(Reason::Reboot) => SHUTDOWN_reboot,
        None if status == 0 => SHUTDOWN_poweroff,
        None => SHUTDOWN_crash,
    };
    let failure = match platform::kind() {
        Kind::Qemu => {
            debug_exit(status);
            wait_for_debug_exit();
            "the machine still runs after the write to isa-debug-exit (is the device at port 0xf4?)"
        }
        Kind::XenDom0 => {
            // The initial domain has the machine's I/O ports: under QEMU (how
            // the tests run Xen) this ends QEMU with the status. Without the
            // device the write goes nowhere and Xen's shutdown follows.
            debug_exit(status);
            xen::shutdown(reason);
            // Xen's shutdown of the initial domain does not return; if it
            // did, QEMU may still be ending the machine.
            wait_for_debug_exit();
            "Xen's SCHEDOP_shutdown returned"
        }
        Kind::XenDomU => {
            xen::shutdown(reason);
            "Xen's SCHEDOP_shutdown returned"
        }
    };
    crate::kprintln!("halvm: shutdown did not take effect: {failure}; halting");
    cpu::halt_forever()
}

/// An ordinary Xen domain also leaves its status in XenStore, for the
/// toolstack to read while the domain lingers after its shutdown. Bounded
/// in time; a failure is reported and the exit goes on.
fn record_in_xenstore(status: u8) {
    use xen::store::{record_exit_status, EXIT_STATUS_KEY};
    // Waits may halt only if the caller could have (not in a fault handler).
    let may_halt = cpu::interrupts_enabled();
    if let Err(e) = record_exit_status(status, may_halt) {
        crate::kprintln!("halvm: could not record the exit status in XenStore ({EXIT_STATUS_KEY}): {e}");
    }
}

fn debug_exit(status: u8) {
    // SAFETY: a write to the debug-exit port ends QEMU; elsewhere it is
    // ignored (no device decodes the port in the machines we start on).
    unsafe { cpu::outb(DEBUG_EXIT_PORT, status) };
}

/// Gives QEMU the time to end the machine after debug_exit(): only a
/// machine still running after that has not shut down.
fn wait_for_debug_exit() {
    let start = cpu::rdtsc();
    while cpu::rdtsc().wrapping_sub(start) < DEBUG_EXIT_WAIT_CYCLES {
        core::hint::spin_loop();
    }
}
