//! The host machine: the Debian packages the build and the tests need, and
//! the apt sources they come from. `cargo xtask build` installs what is
//! missing; `cargo xtask doctor` reports on it.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use xshell::{cmd, Shell};

use crate::fetch::is_root;
use crate::layout::Layout;
use crate::progress::Step;

/// Where xtask keeps its apt sources: the deb-src entry for `apt-get source`
/// and bookworm-backports, where the machine's qemu-utils (and so our
/// qemu-system-x86) come from.
pub const APT_SOURCES_PATH: &str = "/etc/apt/sources.list.d/halvm.sources";
pub const APT_SOURCES: &str = "\
# Written by `cargo xtask build` (halvm): GHC source via apt-get source, and
# qemu-system-x86 from bookworm-backports to match the machine's qemu-utils.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackageList {
    package: Vec<Package>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub name: String,
    pub why: String,
    pub release: Option<String>,
    #[serde(default)]
    pub lanes: Vec<String>,
}

pub fn packages(layout: &Layout) -> Result<Vec<Package>> {
    let path = layout.host_packages();
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let list: PackageList = toml::from_str(&text).with_context(|| format!("in {}", path.display()))?;
    Ok(list.package)
}

/// The installed version of a Debian package, if it is installed.
pub fn installed_version(sh: &Shell, name: &str) -> Option<String> {
    let format = "-f=${Status}\t${Version}";
    let out = cmd!(sh, "dpkg-query -W {format} {name}")
        .quiet()
        .ignore_stderr()
        .read()
        .ok()?;
    let (status, version) = out.split_once('\t')?;
    (status == "install ok installed").then(|| version.to_string())
}

pub fn apt_sources_in_place() -> bool {
    std::fs::read_to_string(APT_SOURCES_PATH).is_ok_and(|s| s == APT_SOURCES)
}

/// Installs the apt sources and every missing package. Does nothing (and
/// needs no root) when everything is in place already.
pub fn ensure(sh: &Shell, layout: &Layout) -> Result<()> {
    let missing: Vec<Package> = packages(layout)?
        .into_iter()
        .filter(|p| installed_version(sh, &p.name).is_none())
        .collect();
    let sources_ok = apt_sources_in_place();
    if missing.is_empty() && sources_ok {
        return Ok(());
    }
    if !is_root() {
        let names: Vec<&str> = missing.iter().map(|p| p.name.as_str()).collect();
        bail!(
            "the host needs set-up that requires root: {}{}\n\
             Run `sudo -E cargo xtask build` once (or as root); later builds need no root.",
            if sources_ok { String::new() } else { format!("apt sources ({APT_SOURCES_PATH}); ") },
            if names.is_empty() { String::new() } else { format!("packages {}", names.join(" ")) },
        );
    }
    if !sources_ok {
        eprintln!("==> adding apt sources {APT_SOURCES_PATH} (deb-src for the GHC source, bookworm-backports for QEMU)");
        std::fs::write(APT_SOURCES_PATH, APT_SOURCES)
            .with_context(|| format!("writing {APT_SOURCES_PATH}"))?;
    }
    let step = Step::start("apt-get update");
    cmd!(sh, "apt-get update -q").quiet().run().context("apt-get update failed")?;
    step.done();
    // One apt-get call per target release: `-t` applies to the whole call.
    let mut releases: Vec<Option<String>> = missing.iter().map(|p| p.release.clone()).collect();
    releases.sort();
    releases.dedup();
    for release in releases {
        let group: Vec<&Package> = missing.iter().filter(|p| p.release == release).collect();
        for p in &group {
            eprintln!("    installing {}: {}", p.name, p.why);
        }
        let names: Vec<&str> = group.iter().map(|p| p.name.as_str()).collect();
        let listed = names.join(" ");
        let target: Vec<&str> = release.as_deref().map(|r| vec!["-t", r]).unwrap_or_default();
        let step = Step::start(&format!("apt-get install {listed}"));
        cmd!(sh, "apt-get install -y -q --no-install-recommends {target...} {names...}")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .quiet()
            .run()
            .with_context(|| format!("installing {listed}"))?;
        step.done();
    }
    Ok(())
}

/// Whether the machine looks like Debian 12, which the pinned inputs are for.
pub fn os_description() -> String {
    let text = std::fs::read_to_string(Path::new("/etc/os-release")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub fn is_debian_12() -> bool {
    std::fs::read_to_string("/etc/os-release")
        .is_ok_and(|t| t.lines().any(|l| l == "VERSION_CODENAME=bookworm"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_in_package_list_parses() {
        let layout = Layout::with_dirs("/nonexistent", "/nonexistent");
        let pkgs = packages(&layout).unwrap();
        let qemu = pkgs.iter().find(|p| p.name == "qemu-system-x86").expect("qemu is listed");
        assert_eq!(qemu.release.as_deref(), Some("bookworm-backports"));
        assert!(pkgs.iter().all(|p| !p.why.is_empty()));
    }

    #[test]
    fn apt_sources_add_deb_src_and_backports() {
        assert!(APT_SOURCES.contains("Types: deb-src\n"));
        assert!(APT_SOURCES.contains("Suites: bookworm-backports"));
    }
}
