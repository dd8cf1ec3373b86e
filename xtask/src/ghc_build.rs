//! The stage-1 GHC 9.0.2 cross compiler for halvm: prepare a patched copy of
//! the pristine source, configure, build and install it, and keep the
//! installed compiler in the machine-wide cache under a key made from
//! everything it depends on.
//!
//! Only what GHC's build reads goes into the key: the source, the injected
//! files (`toolchain/ghc`), the target's C headers (minlibc and the platform
//! API) and the build settings. rts-xen and the minlibc archives are only
//! linked, by the target C compiler wrapper, so changing them relinks
//! images without rebuilding GHC.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use crate::ghc_phases::{self, GhcProgress};
use crate::input_key::InputKey;
use crate::layout::Layout;
use crate::platform_ghc::PlatformGhc;
use crate::progress::Step;
use crate::target_sysroot::{Sysroot, TARGET};
use crate::{atomic_dir, logged, patch_series, relocate};

/// Where `make install` believes it installs; the installed tree is moved
/// away from it and checked to contain this path nowhere (relocatable).
const INSTALL_PLACEHOLDER: &str = "/halvm-relocatable-prefix";

/// Bump to force a rebuild when this file's procedure changes.
const PROCEDURE_VERSION: &str = "2";

/// The installed cross compiler: a prefix-shaped tree (`bin/`, `lib/`).
pub struct InstalledGhc {
    pub root: PathBuf,
    pub key: String,
}

pub fn ensure(
    sh: &Shell,
    layout: &Layout,
    source: &Path,
    platform_ghc: &PlatformGhc,
    sysroot: &Sysroot,
) -> Result<InstalledGhc> {
    let key = input_key(layout, source, platform_ghc, sysroot, sh)?;
    let entry = layout.cache().join("ghc-stage1").join(&key);
    if atomic_dir::completed_key(&entry).as_deref() == Some(key.as_str()) {
        eprintln!("    cross GHC: cached build {key} ({})", entry.display());
        return Ok(InstalledGhc { root: entry, key });
    }
    eprintln!("==> building the stage-1 cross compiler (key {key}); this takes a while on 2 cores");
    let total = Step::start("cross GHC build");
    let work = layout.build.join("ghc-build");
    let tree = work.join("ghc-9.0.2");
    prepare_tree(sh, layout, source, &tree, &key)?;
    let log = layout.logs().join("ghc-build.log");
    configure(&tree, platform_ghc, sysroot, &log)?;
    let timings = layout.cache().join(ghc_phases::TIMINGS_FILE);
    let mut progress = GhcProgress::new(&tree, &timings);
    logged::run("make (stage-1 compiler, runtime, libraries)", make(&tree, sysroot, &[]), &log, |l| {
        progress.observe(l)
    })?;
    progress.record(&timings);
    atomic_dir::ensure(&entry, &key, |out| install(sh, &tree, sysroot, &log, out))?;
    total.done();
    Ok(InstalledGhc { root: entry, key })
}

fn input_key(layout: &Layout, source: &Path, ghc: &PlatformGhc, sysroot: &Sysroot, sh: &Shell) -> Result<String> {
    let repo = &layout.repo;
    let mut key = InputKey::new("ghc-stage1");
    key.text("procedure", PROCEDURE_VERSION)
        .text("source", &atomic_dir::completed_key(source).context("the GHC source tree is not complete")?)
        .text("platform ghc", &ghc.version(sh)?)
        .text("target", TARGET);
    // What GHC's build reads from toolchain/ghc (its README is not an input).
    for part in ["patches", "rts-halvm"] {
        key.tree(repo, &repo.join("toolchain/ghc").join(part))?;
    }
    key.file(repo, &repo.join("toolchain/ghc/build.mk"))?;
    // The target's C world as configure and the build see it: the wrappers
    // as generated (with their flags), link.specs and the headers. The
    // archives and the linker script are linked only, never read by GHC.
    key.tree(&sysroot.root, &sysroot.bin_dir())?
        .file(&sysroot.root, &sysroot.halvm_dir().join("link.specs"))?;
    for header in headers_ghc_reads(&sysroot.include_dir())? {
        key.file(&sysroot.root, &header)?;
    }
    Ok(key.finish())
}

/// The platform header GHC's runtime includes; the other headers under
/// `halvm/` (platform extensions for minlibc and the Haskell libraries) are
/// never read by GHC's build, so changing them must not rebuild it.
pub const PLATFORM_HEADER_GHC_READS: &str = "halvm/platform.h";

/// Every minlibc header (configure and the libraries' C code may include
/// any of them) and, of the platform's, only PLATFORM_HEADER_GHC_READS.
fn headers_ghc_reads(include: &Path) -> Result<Vec<PathBuf>> {
    let platform_dir = include.join("halvm");
    let all = crate::fsutil::files_under(include)?;
    Ok(all
        .into_iter()
        .filter(|p| !p.starts_with(&platform_dir) || *p == include.join(PLATFORM_HEADER_GHC_READS))
        .collect())
}

/// A copy of the pristine tree with the patches applied and the halvm files
/// injected. Complete or absent; a tree prepared for another key is
/// discarded (never re-patched).
fn prepare_tree(sh: &Shell, layout: &Layout, source: &Path, tree: &Path, key: &str) -> Result<()> {
    let ghc_dir = layout.repo.join("toolchain/ghc");
    if atomic_dir::completed_key(tree).as_deref() == Some(key) {
        return Ok(());
    }
    let step = Step::start(&format!("preparing the GHC tree {}", tree.display()));
    atomic_dir::ensure(tree, key, |out| {
        let src = source.join(".");
        cmd!(sh, "cp -a {src} {out}").quiet().run().context("copying the pristine GHC source")?;
        std::fs::remove_file(out.join(".halvm-complete"))?; // the pristine tree's stamp
        patch_series::apply(sh, &ghc_dir.join("patches"), out)?;
        let rts_dir = out.join("rts/halvm");
        std::fs::create_dir_all(&rts_dir)?;
        for file in std::fs::read_dir(ghc_dir.join("rts-halvm"))? {
            let file = file?.path();
            std::fs::copy(&file, rts_dir.join(file.file_name().unwrap()))?;
        }
        std::fs::copy(ghc_dir.join("build.mk"), out.join("mk/build.mk"))?;
        Ok(())
    })?;
    step.done();
    Ok(())
}

/// Runs configure once per prepared tree; a later run after a failed make
/// resumes make instead of starting over.
fn configure(tree: &Path, ghc: &PlatformGhc, sysroot: &Sysroot, log: &Path) -> Result<()> {
    let stamp = tree.join(".halvm-configured");
    if stamp.exists() {
        return Ok(());
    }
    let mut command = Command::new("./configure");
    command
        .current_dir(tree)
        .env("PATH", sysroot.path_with_tools()?)
        .arg(format!("--target={TARGET}"))
        .arg(format!("--prefix={INSTALL_PLACEHOLDER}"))
        .arg("--disable-large-address-space")
        .arg("--disable-ld-override")
        .arg(format!("GHC={}", ghc.ghc().display()));
    logged::run("configure", command, log, |_| None)?;
    std::fs::write(&stamp, "")?;
    Ok(())
}

fn make(tree: &Path, sysroot: &Sysroot, args: &[&str]) -> Command {
    let mut command = Command::new("make");
    command.current_dir(tree).arg(format!("-j{}", jobs())).args(args);
    match sysroot.path_with_tools() {
        Ok(path) => {
            command.env("PATH", path);
        }
        Err(err) => eprintln!("warning: {err:#}"),
    }
    command
}

fn jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// `make install` into `out` (through DESTDIR), then made relocatable.
fn install(sh: &Shell, tree: &Path, sysroot: &Sysroot, log: &Path, out: &Path) -> Result<()> {
    let staging = out.join(".destdir");
    let destdir = format!("DESTDIR={}", staging.display());
    logged::run("make install", make(tree, sysroot, &["install", &destdir]), log, |_| None)?;
    let installed = staging.join(INSTALL_PLACEHOLDER.trim_start_matches('/'));
    for part in ["bin", "lib"] {
        std::fs::rename(installed.join(part), out.join(part))
            .with_context(|| format!("make install did not create {part}/"))?;
    }
    std::fs::remove_dir_all(&staging)?;
    make_relocatable(sh, out, INSTALL_PLACEHOLDER)
}

/// Rewrites a GHC installed with `--prefix=old_prefix`, now at `out`, so
/// that it names no absolute path of its own: package descriptions use
/// `${pkgroot}`, scripts find their prefix from their own location.
pub fn make_relocatable(sh: &Shell, out: &Path, old_prefix: &str) -> Result<()> {
    let libdir_name = format!("{TARGET}-ghc-9.0.2");
    let libdir = out.join("lib").join(&libdir_name);
    let old_libdir = format!("{old_prefix}/lib/{libdir_name}");
    relocate::package_db(
        sh,
        &libdir.join("package.conf.d"),
        &libdir.join("bin/ghc-pkg"),
        &[(&old_libdir, "${pkgroot}"), (old_prefix, "${pkgroot}/../..")],
    )?;
    for entry in std::fs::read_dir(out.join("bin"))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            let text = std::fs::read_to_string(entry.path())?;
            std::fs::write(entry.path(), relocate::script(&text, old_prefix))?;
        }
    }
    relocate::check_nothing_mentions(out, old_prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The GHC tree may include only the one platform header the key
    /// covers; including another would let it change without a rebuild.
    #[test]
    fn the_runtime_includes_only_the_keyed_platform_header() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../toolchain/ghc/rts-halvm");
        let mut seen = 0;
        for path in crate::fsutil::files_under(&dir).unwrap() {
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines().filter(|l| l.trim_start().starts_with("#include")) {
                if line.contains("halvm/") {
                    assert!(
                        line.contains(&format!("<{PLATFORM_HEADER_GHC_READS}>")),
                        "{}: {line}: only <{PLATFORM_HEADER_GHC_READS}> is in the GHC build's key",
                        path.display()
                    );
                    seen += 1;
                }
            }
        }
        assert!(seen > 0, "no file of {} includes the platform header", dir.display());
    }

    #[test]
    fn platform_extension_headers_are_not_ghc_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let include = dir.path();
        for rel in ["stdio.h", "sys/socket.h", "halvm/platform.h", "halvm/net.h"] {
            let path = include.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, rel).unwrap();
        }
        let mut read: Vec<String> = headers_ghc_reads(include)
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(include).unwrap().to_string_lossy().into_owned())
            .collect();
        read.sort();
        assert_eq!(read, ["halvm/platform.h", "stdio.h", "sys/socket.h"]);
    }
}
