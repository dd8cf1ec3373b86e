//! Boots halvm images for tests: directly under QEMU (PVH `-kernel` boot,
//! TCG or KVM) or as Xen's initial domain under the Xen hypervisor running
//! inside QEMU. Every boot has a hard timeout; the console is captured line
//! by line with arrival times; the guest's exit status is decoded from
//! QEMU's isa-debug-exit status and cross-checked against rts-xen's final
//! console line `halvm: exit status N`.
//!
//! ```no_run
//! use halvm_bootkit::{Boot, Machine, Accel};
//! let out = Boot::new("build/images/freestanding/basic", Machine::Qemu(Accel::Tcg))
//!     .args("42 'two words'")
//!     .run()
//!     .unwrap();
//! out.assert_exit(42);
//! out.assert_line("argv[2]: [two words]");
//! ```

mod console;
pub mod dns;
pub mod echo;
mod executable;
mod host;
pub mod http_demo;
pub mod image;
mod outcome;
mod qemu;
mod raw;
pub mod xen;

pub use console::{ConsoleLog, Line};
pub use executable::{copy_executable, write_executable};
pub use host::{kvm_usable, probe_kvm, qemu_available, qemu_binary, xen_available, KvmProbe, SkipCause, Unavailable, PROBE_LINE};
pub use outcome::{End, Outcome};
pub use qemu::{quote_args, shell_quote, user_network_args, Accel, Boot, Forward, Machine};
pub use raw::{run_qemu, RawRun};

/// A boot module's bytes (a file archive) in a file under the system's
/// temporary directory, named by this process and `name`, for
/// [`Boot::boot_module`]; the same name is overwritten.
pub fn module_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("halvm-boot-modules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    let path = dir.join(format!("{name}.tar"));
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    path
}

/// The final line rts-xen prints before ending the guest.
pub const EXIT_LINE_PREFIX: &str = "halvm: exit status ";

/// Exit statuses of rts-xen's own failures (platform.h, HALVM_EXIT_*).
pub mod status {
    pub const PLATFORM_ERROR: u8 = 121;
    pub const BAD_CMDLINE: u8 = 122;
    pub const CPU_FAULT: u8 = 123;
    pub const BAD_BOOT_MAGIC: u8 = 124;
    pub const SHUTDOWN_TIMEOUT: u8 = 125;
}
