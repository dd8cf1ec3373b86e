//! The exact platform GHC (9.0.2) that builds the cross compiler.
//!
//! A system `ghc` is reused only if it is exactly the pinned version.
//! Otherwise Debian's `ghc` package is unpacked (no root, no maintainer
//! scripts) into `build/platform-ghc` and made relocatable: its package
//! database refers to `${pkgroot}` instead of `/usr/lib/ghc`, and small
//! wrapper scripts find the library directory from their own location.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::progress::Step;
use crate::relocate::{self, FIND_PREFIX};
use crate::{atomic_dir, fetch, unpack};

/// Bump when the relocation below changes, so old trees are rebuilt.
const RELOCATION_VERSION: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Choice {
    /// Reuse a system GHC of exactly the pinned version, else the private one.
    Auto,
    /// Always use the private copy unpacked from Debian's package.
    Private,
}

#[derive(Debug, Clone)]
pub struct PlatformGhc {
    /// Directory holding `ghc` and `ghc-pkg` (and `hsc2hs`, `runghc`).
    pub bin: PathBuf,
    pub private: bool,
}

impl PlatformGhc {
    pub fn ghc(&self) -> PathBuf {
        self.bin.join("ghc")
    }
    pub fn ghc_pkg(&self) -> PathBuf {
        self.bin.join("ghc-pkg")
    }

    /// GHC's library directory, as `ghc --print-libdir` reports it.
    pub fn libdir(&self, sh: &Shell) -> Result<PathBuf> {
        let ghc = self.ghc();
        Ok(cmd!(sh, "{ghc} --print-libdir").quiet().read()?.into())
    }

    /// `ghc --numeric-version`.
    pub fn version(&self, sh: &Shell) -> Result<String> {
        numeric_version(sh, &self.ghc())
    }

}

pub fn ensure(sh: &Shell, layout: &Layout, manifest: &Manifest, choice: Choice) -> Result<PlatformGhc> {
    let wanted = &manifest.platform_ghc.version;
    if choice == Choice::Auto {
        if let Some(ghc) = system_ghc() {
            match numeric_version(sh, &ghc) {
                Ok(v) if &v == wanted => {
                    let bin = ghc.parent().expect("a file in a directory").to_path_buf();
                    return Ok(PlatformGhc { bin, private: false });
                }
                Ok(v) => eprintln!(
                    "    system GHC {} is {v}, not {wanted}: using the private platform GHC",
                    ghc.display()
                ),
                Err(err) => eprintln!("    ignoring the system GHC: {err:#}"),
            }
        }
    }
    ensure_private(sh, layout, manifest)
}

/// The private platform GHC, unpacked and relocated if needed.
pub fn ensure_private(sh: &Shell, layout: &Layout, manifest: &Manifest) -> Result<PlatformGhc> {
    let input = manifest.input("platform-ghc")?;
    let dest = layout.platform_ghc();
    let key = format!("{} {} relocation-v{RELOCATION_VERSION}", input.file, input.sha256);
    let ghc = PlatformGhc { bin: dest.join("bin"), private: true };
    if atomic_dir::completed_key(&dest).as_deref() == Some(key.as_str()) {
        return Ok(ghc);
    }
    let deb = fetch::input(sh, layout, manifest, "platform-ghc")?;
    let step = Step::start(&format!("unpacking the platform GHC {} into {}", input.version, dest.display()));
    atomic_dir::ensure(&dest, &key, |out| relocate(sh, &deb, out))?;
    step.done();
    let version = ghc.version(sh)?;
    if version != manifest.platform_ghc.version {
        bail!("the private platform GHC reports version {version}, expected {}", manifest.platform_ghc.version);
    }
    Ok(ghc)
}

fn relocate(sh: &Shell, deb: &Path, out: &Path) -> Result<()> {
    let unpacked = out.join(".deb");
    unpack::deb(sh, deb, &unpacked)?;
    let libdir = out.join("lib/ghc");
    std::fs::create_dir_all(out.join("lib"))?;
    std::fs::rename(unpacked.join("usr/lib/ghc"), &libdir).context("the package has no usr/lib/ghc")?;
    // Debian keeps the package database in /var/lib/ghc behind a symlink.
    let db = libdir.join("package.conf.d");
    std::fs::remove_file(&db).context("expected package.conf.d to be Debian's symlink")?;
    std::fs::rename(unpacked.join("var/lib/ghc/package.conf.d"), &db)
        .context("the package has no var/lib/ghc/package.conf.d")?;
    relocate::package_db(sh, &db, &libdir.join("bin/ghc-pkg"), DEBIAN_PATHS)?;
    write_wrappers(&out.join("bin"))?;
    std::fs::remove_dir_all(&unpacked)?;
    Ok(())
}

/// Debian's package descriptions name absolute paths; GHC resolves
/// `${pkgroot}` to the directory holding the package database (lib/ghc).
const DEBIAN_PATHS: &[(&str, &str)] = &[
    ("/usr/share/x86_64-linux-ghc-9.0.2/", "${pkgroot}/share/"),
    ("/usr/lib/ghc/", "${pkgroot}/"),
    ("/usr/lib/ghc\n", "${pkgroot}\n"),
];

/// Scripts in `bin/` that call the real programs in `lib/ghc/bin` with the
/// library directory found relative to the script itself.
fn write_wrappers(bin: &Path) -> Result<()> {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let wrappers = [
        ("ghc", "exec \"$topdir/bin/ghc\" -B\"$topdir\" \"$@\""),
        ("ghc-pkg", "exec \"$topdir/bin/ghc-pkg\" --global-package-db \"$topdir/package.conf.d\" \"$@\""),
        ("hsc2hs", "exec \"$topdir/bin/hsc2hs\" --template=\"$topdir/template-hsc.h\" \"$@\" -I\"$topdir/include\""),
        ("runghc", "exec \"$topdir/bin/runghc\" -f \"$prefix/bin/ghc\" \"$@\""),
    ];
    std::fs::create_dir_all(bin)?;
    for (name, exec) in wrappers {
        let path = bin.join(name);
        let script = format!(
            "#!/bin/sh\n# halvm's private platform GHC 9.0.2: relocatable, paths found from here.\n{FIND_PREFIX}\ntopdir=\"$prefix/lib/ghc\"\n{exec}\n"
        );
        std::fs::write(&path, script)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
        // GHC's build looks for versioned names next to `ghc`.
        symlink(name, bin.join(format!("{name}-9.0.2")))?;
    }
    Ok(())
}

fn system_ghc() -> Option<PathBuf> {
    which::which("ghc").ok()
}

fn numeric_version(sh: &Shell, ghc: &Path) -> Result<String> {
    Ok(cmd!(sh, "{ghc} --numeric-version")
        .quiet()
        .read()
        .with_context(|| format!("running {} --numeric-version", ghc.display()))?
        .trim()
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conf_paths_become_pkgroot_relative() {
        let conf = "import-dirs:          /usr/lib/ghc/base-4.15.1.0\n\
                    data-dir:             /usr/share/x86_64-linux-ghc-9.0.2/base-4.15.1.0\n\
                    haddock-interfaces:   /usr/lib/ghc-doc/haddock/ghc/base.haddock\n\
                    library-dirs:    /usr/lib/ghc\n";
        let out = relocate::replace_all(conf, DEBIAN_PATHS);
        assert_eq!(
            out,
            "import-dirs:          ${pkgroot}/base-4.15.1.0\n\
             data-dir:             ${pkgroot}/share/base-4.15.1.0\n\
             haddock-interfaces:   /usr/lib/ghc-doc/haddock/ghc/base.haddock\n\
             library-dirs:    ${pkgroot}\n"
        );
    }
}
