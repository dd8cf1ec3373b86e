//! `cargo xtask doctor`: every host prerequisite, the version found and the
//! version required, and what to do about each problem.

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
    let fix_build = || Some("run `sudo -E cargo xtask build` (installs it)".to_string());

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
    checks.push(Check {
        what: "platform GHC".into(),
        found: match (system_ghc_version(sh), atomic_dir::completed_key(&private)) {
            (Some(v), _) if v == manifest.platform_ghc.version => format!("system ghc {v}"),
            (_, Some(_)) => format!("private copy in {}", private.display()),
            (Some(v), None) => format!("system ghc {v} (wrong version); no private copy yet"),
            (None, None) => "none yet".into(),
        },
        required: format!("GHC {} (made by `cargo xtask build`)", manifest.platform_ghc.version),
        fix: None,
    });
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
