//! What this machine can run.

use std::path::PathBuf;

pub const QEMU: &str = "qemu-system-x86_64";

/// Finds qemu-system-x86_64 on PATH.
pub fn qemu_binary() -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(QEMU))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("{QEMU} is not on PATH; install the Debian package qemu-system-x86 \
                                 (cargo xtask build does)"))
}

/// Whether KVM can be used: /dev/kvm exists and opens read-write.
pub fn kvm_usable() -> Result<(), String> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .map(|_| ())
        .map_err(|e| format!("/dev/kvm cannot be opened read-write ({e}); KVM boots need hardware \
                              virtualisation and access to /dev/kvm (group kvm)"))
}

/// Whether KVM really runs halvm images here: /dev/kvm must open, and
/// `probe_image` (any image that exits with status 0 without arguments)
/// must boot under KVM. Some virtual machines offer a /dev/kvm whose
/// emulation fails on SSE instructions, which every image uses.
pub fn kvm_works(probe_image: &std::path::Path) -> Result<(), String> {
    use crate::{Accel, Boot, End, Machine};
    kvm_usable()?;
    let out = Boot::new(probe_image, Machine::Qemu(Accel::Kvm))
        .timeout(std::time::Duration::from_secs(20))
        .run()?;
    match out.end {
        End::DebugExit(0) => Ok(()),
        End::KvmInternalError => {
            let first = out.stderr.lines().find(|l| l.contains("KVM internal error")).unwrap_or("");
            let why = out.stderr.lines().find(|l| l.contains("emulation failure")).unwrap_or("");
            Err(format!("/dev/kvm opens, but KVM fails to run a probe image ({first} {why}); \
                         this machine's KVM cannot run halvm images"))
        }
        end => Err(format!("/dev/kvm opens, but a probe boot of {} under KVM ended with {end:?}",
                           probe_image.display())),
    }
}
