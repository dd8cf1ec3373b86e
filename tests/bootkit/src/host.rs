//! What this machine can run, and the only reasons a test lane, or a part
//! of one, may be skipped: each is checked on the machine itself, and a
//! test that fails is never one of them.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{Accel, Boot, End, Machine, Outcome};

pub const QEMU: &str = "qemu-system-x86_64";

/// The line tests/freestanding/probe.c prints.
pub const PROBE_LINE: &str = "halvm probe: booted";

/// Every reason a lane or part of a lane may be skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipCause {
    /// qemu-system-x86_64 is not on PATH.
    QemuMissing,
    /// Debian's Xen 4.17 hypervisor package is not installed.
    XenMissing,
    /// There is no /dev/kvm: the machine offers no hardware virtualisation.
    NoKvmDevice,
    /// /dev/kvm exists but does not open read-write for this user.
    KvmNotOpenable,
    /// KVM stops the minimal probe image with an emulation failure (some
    /// virtual machines' nested KVM fails on the SSE instructions every
    /// image runs from its first lines).
    KvmCannotRunProbe,
}

impl SkipCause {
    pub const ALL: [SkipCause; 5] = [
        SkipCause::QemuMissing,
        SkipCause::XenMissing,
        SkipCause::NoKvmDevice,
        SkipCause::KvmNotOpenable,
        SkipCause::KvmCannotRunProbe,
    ];

    /// Whether nothing done on the machine (installing packages, granting
    /// access) removes the cause. These are the only skips
    /// `cargo xtask test --strict` accepts; README's Tests section lists
    /// them under their `label`.
    pub fn is_machine_limit(self) -> bool {
        match self {
            SkipCause::NoKvmDevice | SkipCause::KvmCannotRunProbe => true,
            // `cargo xtask build` installs QEMU and Xen; access to
            // /dev/kvm is a matter of permissions (group kvm).
            SkipCause::QemuMissing | SkipCause::XenMissing | SkipCause::KvmNotOpenable => false,
        }
    }

    /// A short name for the cause, as README writes it.
    pub fn label(self) -> &'static str {
        match self {
            SkipCause::QemuMissing => "QEMU missing",
            SkipCause::XenMissing => "Xen hypervisor missing",
            SkipCause::NoKvmDevice => "no /dev/kvm",
            SkipCause::KvmNotOpenable => "/dev/kvm not accessible",
            SkipCause::KvmCannotRunProbe => "KVM cannot run the probe image",
        }
    }
}

/// A skip cause found on this machine, with what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    pub cause: SkipCause,
    /// The whole explanation: what was checked, what was found, the fix.
    pub detail: String,
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

/// Finds qemu-system-x86_64 on PATH.
pub fn qemu_binary() -> Result<PathBuf, String> {
    which::which(QEMU).map_err(|_| {
        format!("{QEMU} is not on PATH; install the Debian package qemu-system-x86 (cargo xtask build does)")
    })
}

/// Whether QEMU is installed.
pub fn qemu_available() -> Result<(), Unavailable> {
    qemu_binary().map(|_| ()).map_err(|detail| Unavailable { cause: SkipCause::QemuMissing, detail })
}

/// Whether Debian's Xen hypervisor is installed.
pub fn xen_available() -> Result<(), Unavailable> {
    crate::xen::installed().map_err(|detail| Unavailable { cause: SkipCause::XenMissing, detail })
}

/// Whether KVM can be used: /dev/kvm exists and opens read-write.
pub fn kvm_usable() -> Result<(), Unavailable> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .map(|_| ())
        .map_err(kvm_open_error)
}

/// Why /dev/kvm did not open: missing is a limit of the machine, anything
/// else (permissions, above all) is for the user to fix.
fn kvm_open_error(e: io::Error) -> Unavailable {
    if e.kind() == io::ErrorKind::NotFound {
        Unavailable {
            cause: SkipCause::NoKvmDevice,
            detail: "there is no /dev/kvm: this machine offers no hardware virtualisation".into(),
        }
    } else {
        Unavailable {
            cause: SkipCause::KvmNotOpenable,
            detail: format!("/dev/kvm cannot be opened read-write ({e}); give this user access to it \
                             (group kvm)"),
        }
    }
}

/// What the KVM probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KvmProbe {
    /// The probe image booted under KVM and exited with status 0.
    Works,
    /// KVM cannot be used here, for a cause checked on the machine.
    Unavailable(Unavailable),
    /// The probe failed in a way no machine limit explains: a test failure.
    Failed(String),
}

/// Whether KVM really runs halvm images here: /dev/kvm must open, and
/// `probe_image` (tests/freestanding/probe.c) must print its line and exit
/// with status 0 under KVM.
pub fn probe_kvm(probe_image: &Path) -> KvmProbe {
    if let Err(why) = kvm_usable() {
        return KvmProbe::Unavailable(why);
    }
    match Boot::new(probe_image, Machine::Qemu(Accel::Kvm)).timeout(Duration::from_secs(20)).run() {
        Ok(out) => classify_probe(&out),
        Err(e) => KvmProbe::Failed(format!("the KVM probe boot of {} could not run: {e}", probe_image.display())),
    }
}

/// Reads a probe boot's outcome. Only KVM's emulation failure (QEMU's
/// "KVM internal error" with "emulation failure") is the machine's limit.
fn classify_probe(out: &Outcome) -> KvmProbe {
    if out.exit_status() == Ok(0) && out.console.contains(PROBE_LINE) {
        return KvmProbe::Works;
    }
    let stderr_line = |needle: &str| out.stderr.lines().find(|l| l.contains(needle)).map(str::trim);
    if out.end == End::KvmInternalError {
        if let (Some(error), Some(kind)) = (stderr_line("KVM internal error"), stderr_line("emulation failure")) {
            return KvmProbe::Unavailable(Unavailable {
                cause: SkipCause::KvmCannotRunProbe,
                detail: format!("/dev/kvm opens but KVM cannot run the probe image: {error:?}, {kind:?}"),
            });
        }
    }
    KvmProbe::Failed(format!(
        "the KVM probe image should print {PROBE_LINE:?} and exit with status 0, and no machine limit \
         explains why it did not:\n{out}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::{ConsoleLog, Line};

    fn outcome(end: End, console: &[&str], stderr: &str) -> Outcome {
        let lines = console.iter().map(|t| Line { at: Duration::ZERO, text: t.to_string() }).collect();
        Outcome {
            machine: "qemu-kvm",
            command: "qemu-system-x86_64 ...".into(),
            console: ConsoleLog { lines },
            stderr: stderr.into(),
            end,
            elapsed: Duration::from_secs(1),
        }
    }

    const EMULATION_FAILURE: &str =
        "KVM internal error. Suberror: 1\nextra data[0]: 0x0000000000000001\nemulation failure\nRAX=0\n";

    #[test]
    fn only_a_missing_kvm_device_and_kvm_failing_the_probe_are_machine_limits() {
        let limits: Vec<SkipCause> = SkipCause::ALL.into_iter().filter(|c| c.is_machine_limit()).collect();
        assert_eq!(limits, [SkipCause::NoKvmDevice, SkipCause::KvmCannotRunProbe]);
    }

    /// README's list of machine limits (Tests section, after "The machine
    /// limits are:"): one `- LABEL: explanation` item per limit.
    #[test]
    fn readme_lists_exactly_the_machine_limits() {
        let readme_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
        let readme = std::fs::read_to_string(readme_path).unwrap();
        let list = readme.split_once("The machine limits are:\n").expect("README has no list of machine limits").1;
        let listed: Vec<&str> = list
            .trim_start_matches('\n')
            .lines()
            .take_while(|l| !l.trim().is_empty())
            .filter_map(|l| l.strip_prefix("- "))
            .map(|item| item.split_once(':').map_or(item, |(label, _)| label))
            .collect();
        let limits: Vec<&str> = SkipCause::ALL.iter().filter(|c| c.is_machine_limit()).map(|c| c.label()).collect();
        assert_eq!(listed, limits, "README.md's list of machine limits differs from SkipCause::is_machine_limit");
    }

    #[test]
    fn a_missing_dev_kvm_is_a_machine_limit_but_a_permission_problem_is_not() {
        let missing = kvm_open_error(io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(missing.cause, SkipCause::NoKvmDevice);
        let denied = kvm_open_error(io::Error::from(io::ErrorKind::PermissionDenied));
        assert_eq!(denied.cause, SkipCause::KvmNotOpenable);
        assert!(denied.detail.contains("group kvm"), "{}", denied.detail);
    }

    #[test]
    fn a_probe_that_prints_its_line_and_exits_0_shows_kvm_works() {
        let out = outcome(End::DebugExit(0), &[PROBE_LINE, "halvm: exit status 0"], "");
        assert_eq!(classify_probe(&out), KvmProbe::Works);
    }

    #[test]
    fn an_emulation_failure_is_the_machine_limit_and_is_quoted() {
        let out = outcome(End::KvmInternalError, &["Booting from ROM.."], EMULATION_FAILURE);
        let KvmProbe::Unavailable(why) = classify_probe(&out) else { panic!("{:?}", classify_probe(&out)) };
        assert_eq!(why.cause, SkipCause::KvmCannotRunProbe);
        assert!(why.detail.contains(r#""KVM internal error. Suberror: 1", "emulation failure""#), "{}", why.detail);
    }

    #[test]
    fn any_other_probe_failure_is_a_failure_not_a_skip() {
        let cases = [
            // A KVM internal error other than an emulation failure.
            outcome(End::KvmInternalError, &[], "KVM internal error. Suberror: 3\n"),
            outcome(End::DebugExit(1), &[PROBE_LINE, "halvm: exit status 1"], ""),
            outcome(End::TimedOut(Duration::from_secs(20)), &[PROBE_LINE], ""),
            outcome(End::QemuExited(0), &[], ""),
            // Status 0 without the probe's line: not the probe that ran.
            outcome(End::DebugExit(0), &["halvm: exit status 0"], ""),
        ];
        for out in cases {
            match classify_probe(&out) {
                KvmProbe::Failed(report) => assert!(report.contains(&out.command), "{report}"),
                other => panic!("{:?} was classified as {other:?}", out.end),
            }
        }
    }
}
