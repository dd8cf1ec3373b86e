//! The installed toolchain prefix (`cargo xtask prefix` prints it):
//!
//! ```text
//! <prefix>/bin/halvm-*                       what users run (ghc, ghc-pkg, cabal, hsc2hs, config, inspect, run)
//! <prefix>/bin/x86_64-halvm-linux-*          the cross compiler and the target C tools
//! <prefix>/lib/x86_64-halvm-linux-ghc-9.0.2  GHC's library directory
//!   .../bin/ghc-iserv                        the Template Haskell interpreter (iserv.rs)
//! <prefix>/lib/halvm/                        headers, rts-xen, minlibc, libm, linker script
//! <prefix>/lib/halvm/lib/halvm-info.o        the build-info note every image links (halvm-inspect reads it)
//! <prefix>/lib/halvm/cabal-install/cabal      the cabal-install halvm-cabal runs
//! <prefix>/lib/halvm/config.site              autoconf defaults for halvm-cabal's Configure packages
//! <prefix>/lib/halvm/libexec/hsc2hs-cc        the C compiler halvm-hsc2hs gives hsc2hs
//! <prefix>/lib/halvm/pkgconfig/               empty: the host's pkg-config packages stay hidden
//! <prefix>/lib/halvm/compiler-id              the compiler build's key (halvm-cabal drops caches of another)
//! ```
//!
//! Nothing in it names its own location: the tree can be moved or packaged
//! as a whole.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use crate::{cabal_install, user_tools};
use crate::ghc_build::InstalledGhc;
use crate::layout::Layout;
use crate::minlibc;
use crate::rts_xen::RtsXen;
use crate::target_sysroot::{self, Sysroot};
use crate::{atomic_dir, progress::Step};

/// Installed by GHC but useless without a target interpreter.
const INTERPRETER_TOOLS: &[&str] = &["ghci", "runghc", "runhaskell"];

/// The user-facing tools, from toolchain/bin.
const TOOLS: &[&str] = &["halvm-ghc", "halvm-ghc-pkg", "halvm-cabal", "halvm-hsc2hs"];

pub fn install(
    sh: &Shell,
    layout: &Layout,
    ghc: &InstalledGhc,
    rts: &RtsXen,
    libc: &minlibc::Built,
    cabal: &Path,
) -> Result<Sysroot> {
    let prefix = layout.prefix();
    if atomic_dir::completed_key(&prefix).as_deref() != Some(ghc.key.as_str()) {
        let step = Step::start(&format!("installing the cross compiler into {}", prefix.display()));
        atomic_dir::ensure(&prefix, &ghc.key, |out| {
            for part in ["bin", "lib"] {
                let from = ghc.root.join(part);
                cmd!(sh, "cp -a {from} {out}").quiet().run().context("copying the cached cross compiler")?;
            }
            // GHCi and runghc need an interpreter for the target, which a
            // stage-1 cross compiler does not have: leave their scripts out.
            for entry in std::fs::read_dir(out.join("bin"))? {
                let path = entry?.path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if INTERPRETER_TOOLS.iter().any(|t| name.starts_with(&format!("{}-{t}", target_sysroot::TARGET))) {
                    std::fs::remove_file(&path)?;
                }
            }
            Ok(())
        })?;
        step.done();
    }
    // Cheap and content-compared: refreshed on every build, so changes to
    // rts-xen or minlibc reach the prefix without touching GHC.
    let sysroot = target_sysroot::assemble(sh, layout, &prefix, rts, libc)?;
    for tool in TOOLS {
        install_file(&layout.repo.join("toolchain/bin").join(tool), &prefix.join("bin").join(tool), 0o755)?;
    }
    install_file(cabal, &prefix.join(cabal_install::IN_PREFIX), 0o755)?;
    for tool in user_tools::build(sh, layout)? {
        install_file(&tool, &prefix.join("bin").join(tool.file_name().unwrap()), 0o755)?;
    }
    user_tools::install_build_info(sh, &sysroot, &layout.tmp())?;
    let halvm = sysroot.halvm_dir();
    install_file(&layout.repo.join("toolchain/cabal/config.site"), &halvm.join("config.site"), 0o644)?;
    install_file(&layout.repo.join("toolchain/hsc2hs/hsc2hs-cc"), &halvm.join("libexec/hsc2hs-cc"), 0o755)?;
    std::fs::create_dir_all(halvm.join("pkgconfig"))?;
    // Which build of the compiler this is, for caches of its output that
    // outlive it (halvm-cabal's package store and dist-halvm).
    crate::fsutil::write_if_changed(&halvm.join("compiler-id"), format!("{}\n", ghc.key).as_bytes())?;
    Ok(sysroot)
}

pub fn halvm_ghc(prefix: &Path) -> PathBuf {
    prefix.join("bin/halvm-ghc")
}

/// Copies `from` to `to` (if its content changed) with permissions `mode`.
pub(crate) fn install_file(from: &Path, to: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let bytes = std::fs::read(from).with_context(|| format!("reading {}", from.display()))?;
    crate::fsutil::write_if_changed(to, &bytes)?;
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}
