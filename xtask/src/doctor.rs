//! `cargo xtask doctor`: every host prerequisite, the version found and the
//! version required, and what to do about each problem.

use std::path::Path;

use anyhow::{bail, Result};
use xshell::{cmd, Shell};

use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::{atomic_dir, host};

struct Check {
    what: String,
    found: String,
    required: String,
    /// `None` when fine; otherwise the line that says how to fix it.
    fix: Option<String>,
}

pub fn run(sh: &Shell, layout: &Layout) -> Result<()> {
    let mut checks = Vec::new();
    let fix_build = || Some("run `cargo xtask build` as yourself (installs it through sudo, or prints the commands for root)".to_string());

    checks.push(Check {
        what: "operating system".into(),
        found: host::os_description(),
        required: "Debian 12 (bookworm)".into(),
        fix: (!host::is_debian_12()).then(|| "use Debian 12: the pinned inputs come from its archive".into()),
    });
    checks.push(Check {
        what: "apt sources".into(),
        found: if host::apt_sources_in_place() { "present".into() } else { "missing".into() },
        required: format!("{} (deb-src, bookworm-backports)", host::APT_SOURCES_PATH),
        fix: (!host::apt_sources_in_place()).then(fix_build).flatten(),
    });
    for package in host::packages(layout)? {
        let found = host::installed_version(sh, &package.name);
        let from_release = package.release.as_deref();
        // Backports versions carry "~bpo12" in Debian's numbering.
        let wrong_release = match (&found, from_release) {
            (Some(v), Some("bookworm-backports")) => !v.contains("bpo12"),
            _ => false,
        };
        checks.push(Check {
            what: format!("package {}", package.name),
            found: found.clone().unwrap_or_else(|| "not installed".into()),
            required: match from_release {
                Some(r) => format!("installed from {r}"),
                None => "installed".into(),
            },
            fix: if found.is_none() {
                Some(format!("{}; {}", fix_build().unwrap(), package.why))
            } else if wrong_release {
                Some(format!(
                    "reinstall from {}: `apt-get install -t {} {}`",
                    from_release.unwrap(),
                    from_release.unwrap(),
                    package.name
                ))
            } else {
                None
            },
        });
    }
    for tool in ["cargo", "gcc", "ld"] {
        let found = cmd!(sh, "{tool} --version").quiet().ignore_stderr().read().ok();
        checks.push(Check {
            what: format!("tool {tool}"),
            found: found.as_deref().and_then(|s| s.lines().next()).unwrap_or("not found").to_string(),
            required: "on PATH".into(),
            fix: found.is_none().then(|| format!("install {tool} (Debian: build-essential; Rust: rustup)")),
        });
    }
    let manifest = Manifest::load(&layout.manifest())?;
    let private = layout.platform_ghc();
    checks.push(platform_ghc_check(
        &manifest.platform_ghc.version,
        system_ghc_version(sh).as_deref(),
        private_ghc_version(sh, &private),
        &private,
    ));
    checks.push(Check {
        what: "KVM".into(),
        found: if std::path::Path::new("/dev/kvm").exists() { "/dev/kvm present".into() } else { "absent".into() },
        required: "optional (QEMU falls back to TCG)".into(),
        fix: None,
    });

    let mut problems = 0;
    for c in &checks {
        let mark = if c.fix.is_some() { "FAIL" } else { "ok" };
        println!("{mark:<4}  {:<34} found: {:<40} required: {}", c.what, c.found, c.required);
        if let Some(fix) = &c.fix {
            problems += 1;
            println!("      fix: {fix}");
        }
    }
    if problems > 0 {
        bail!("{problems} problem(s) found");
    }
    println!("all host prerequisites are in place");
    Ok(())
}

fn system_ghc_version(sh: &Shell) -> Option<String> {
    cmd!(sh, "ghc --numeric-version").quiet().ignore_stderr().read().ok().map(|s| s.trim().to_string())
}

/// The version the private platform GHC in `dir` reports: `None` when
/// there is no complete copy, `Err` when it does not run.
fn private_ghc_version(sh: &Shell, dir: &Path) -> Option<Result<String, String>> {
    atomic_dir::completed_key(dir)?;
    let ghc = dir.join("bin/ghc");
    Some(
        cmd!(sh, "{ghc} --numeric-version")
            .quiet()
            .ignore_stderr()
            .read()
            .map(|v| v.trim().to_string())
            .map_err(|e| e.to_string()),
    )
}

/// The build uses a system `ghc` only if it is exactly the pinned
/// version, otherwise its private copy in `private_dir`, which must then
/// be present and be the pinned version too.
fn platform_ghc_check(
    wanted: &str,
    system: Option<&str>,
    private: Option<Result<String, String>>,
    private_dir: &Path,
) -> Check {
    let dir = private_dir.display();
    let rebuild = format!("run `cargo xtask build`: it unpacks Debian's GHC {wanted} into {dir}");
    let replace = format!("remove {dir} (`cargo xtask clean`) and run `cargo xtask build` to unpack GHC {wanted} again");
    let system_note = match system {
        Some(v) => format!("system ghc {v} (not used)"),
        None => "no system ghc".to_string(),
    };
    let (found, fix) = match (system, private) {
        (Some(v), _) if v == wanted => (format!("system ghc {v}"), None),
        (_, Some(Ok(v))) if v == wanted => (format!("private ghc {v} in {dir}; {system_note}"), None),
        (_, Some(Ok(v))) => (format!("private ghc {v} in {dir}; {system_note}"), Some(replace)),
        (_, Some(Err(e))) => (format!("private ghc in {dir} does not run ({e}); {system_note}"), Some(replace)),
        (_, None) => (format!("no private copy yet; {system_note}"), Some(rebuild)),
    };
    Check { what: "platform GHC".into(), found, required: format!("exactly GHC {wanted}"), fix }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIR: &str = "/b/platform-ghc";

    fn check(system: Option<&str>, private: Option<Result<&str, &str>>) -> Check {
        let private = private.map(|r| r.map(str::to_string).map_err(str::to_string));
        platform_ghc_check("9.0.2", system, private, Path::new(DIR))
    }

    #[test]
    fn a_system_ghc_of_exactly_the_pinned_version_is_enough() {
        let c = check(Some("9.0.2"), None);
        assert!(c.fix.is_none(), "{:?}", c.fix);
        assert_eq!(c.found, "system ghc 9.0.2");
    }

    #[test]
    fn otherwise_the_private_copy_must_be_the_pinned_version() {
        for system in [None, Some("9.0.1"), Some("9.0.2.1"), Some("9.4.7")] {
            let ok = check(system, Some(Ok("9.0.2")));
            assert!(ok.fix.is_none(), "{system:?}: {:?}", ok.fix);
            assert!(ok.found.starts_with("private ghc 9.0.2 in /b/platform-ghc"), "{}", ok.found);

            let none = check(system, None);
            let fix = none.fix.expect("no platform GHC at all is a problem");
            assert!(fix.contains("cargo xtask build") && fix.contains(DIR), "{fix}");

            let wrong = check(system, Some(Ok("9.0.1")));
            assert!(wrong.found.contains("private ghc 9.0.1"), "{}", wrong.found);
            assert!(wrong.fix.expect("a wrong private version is a problem").contains("cargo xtask clean"));

            let broken = check(system, Some(Err("exit status 127")));
            assert!(broken.found.contains("does not run (exit status 127)"), "{}", broken.found);
            assert!(broken.fix.is_some());
        }
        assert!(check(Some("9.4.7"), None).found.contains("system ghc 9.4.7 (not used)"));
    }

    #[test]
    fn the_private_copy_is_asked_for_its_version_only_when_complete() {
        let sh = Shell::new().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("platform-ghc");
        assert_eq!(private_ghc_version(&sh, &dir), None);
        atomic_dir::ensure(&dir, "k", |out| {
            std::fs::create_dir_all(out.join("bin"))?;
            let ghc = out.join("bin/ghc");
            halvm_bootkit::write_executable(&ghc, "#!/bin/sh\necho 9.0.1\n")?;
            Ok(())
        })
        .unwrap();
        assert_eq!(private_ghc_version(&sh, &dir), Some(Ok("9.0.1".to_string())));
        std::fs::remove_file(dir.join("bin/ghc")).unwrap();
        assert!(matches!(private_ghc_version(&sh, &dir), Some(Err(_))));
    }
}
