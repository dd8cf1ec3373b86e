//! The `package` test lane: the release tarball (`cargo xtask dist`) is
//! reproducible and works unpacked anywhere.
//!
//! - `dist` run twice over the same prefix gives identical bytes;
//! - unpacked with the system's tar into a directory whose path has a
//!   space, its MANIFEST.sha256 checks, no file names the build's prefix,
//!   and its own bin/halvm-ghc builds a hello program whose image boots
//!   under QEMU (TCG) with the expected output and exit status 0.
//!
//!
//! Then the Debian package (package_lane/deb_install.rs): installed with
//! apt into a clean Debian 12 chroot, used to build programs that boot,
//! and purged without leaving a file behind. That part needs root.

mod deb_install;

use std::path::Path;

use anyhow::{bail, Context, Result};
use halvm_bootkit::{Accel, Boot, Machine};
use xshell::{cmd, Shell};

use crate::build_cmd::Built;
use crate::dist;
use crate::layout::Layout;
use crate::test_cmd::SkippedPart;

const HELLO: &str = "import System.Environment\n\
main = do\n  args <- getArgs\n  putStrLn (\"hello from the tarball, args: \" ++ show args)\n";

pub fn run(sh: &Shell, layout: &Layout, built: &Built, _skipped: &mut Vec<SkippedPart>) -> Result<()> {
    let prefix = built.prefix.as_deref().context("the cross compiler was not built")?;
    if !crate::fetch::is_root() {
        bail!("the package lane installs the .deb in a chroot (debootstrap, chroot, mount), which needs root: \
               run `cargo xtask test --lane package` as root");
    }
    let work = layout.build.join("package-lane");
    // A run killed while /proc was mounted in the chroot left it mounted.
    crate::debian_root::unmount_leftover_proc(&work.join("root"))?;
    crate::fsutil::remove_if_exists(&work)?;
    std::fs::create_dir_all(&work)?;

    let mtime = dist::mtime_from_env()?;
    let one = work.join("one.tar.xz");
    let two = work.join("two.tar.xz");
    for out in [&one, &two] {
        let started = std::time::Instant::now();
        dist::write_tarball(prefix, &dist::top_dir(), mtime, out)?;
        eprintln!("    dist: {} in {:.0} s", out.display(), started.elapsed().as_secs_f64());
    }
    if std::fs::read(&one)? != std::fs::read(&two)? {
        bail!("two dist runs over the same prefix gave different bytes: {} and {}", one.display(), two.display());
    }
    std::fs::remove_file(&two)?;

    let unpacked = work.join("a directory with spaces");
    std::fs::create_dir_all(&unpacked)?;
    cmd!(sh, "tar -xJf {one} -C {unpacked}").run()?;
    let top = unpacked.join(dist::top_dir());
    {
        let _dir = sh.push_dir(&top);
        cmd!(sh, "sha256sum --quiet --strict -c MANIFEST.sha256").run().context("the tarball's MANIFEST.sha256 does not check")?;
    }
    no_file_names(sh, &top, prefix)?;

    let project = work.join("hello project");
    std::fs::create_dir_all(&project)?;
    std::fs::write(project.join("Main.hs"), HELLO)?;
    let ghc = top.join("bin/halvm-ghc");
    {
        let _dir = sh.push_dir(&project);
        // A scratch cache so that the build does not depend on the user's.
        let _cache = sh.push_env("XDG_CACHE_HOME", work.join("cache"));
        cmd!(sh, "{ghc} -O Main.hs -o hello.xen").run().context("the unpacked tarball's halvm-ghc failed")?;
    }
    let outcome = Boot::new(project.join("hello.xen"), Machine::Qemu(Accel::Tcg))
        .args("one 'two words'")
        .run()
        .map_err(|e| anyhow::anyhow!("booting the tarball's hello image: {e}"))?;
    outcome.assert_line("hello from the tarball, args: [\"one\",\"two words\"]");
    outcome.assert_exit(0);
    eprintln!("    the unpacked tarball's halvm-ghc built a hello image that boots");
    let started = std::time::Instant::now();
    let deb = crate::deb::write_package(sh, layout, prefix, &work.join("deb"))?;
    eprintln!("    deb: {} in {:.0} s", deb.display(), started.elapsed().as_secs_f64());
    deb_install::run(sh, layout, &deb, &work)?;
    if lintian_requested(std::env::var("HALVM_LINTIAN").ok().as_deref())? {
        lintian(layout, &deb)?;
    } else {
        eprintln!("    deb: lintian not run (about 7 min here; HALVM_LINTIAN=1 runs it in this lane)");
    }
    crate::fsutil::remove_if_exists(&work)?;
    Ok(())
}

/// lintian is opt-in: on these 2-core machines it takes 6.5 to 7.5 min on
/// the package (its thousands of GHC files), more than the rest of the lane.
fn lintian_requested(value: Option<&str>) -> Result<bool> {
    match value.map(str::trim) {
        None | Some("") | Some("0") => Ok(false),
        Some("1") => Ok(true),
        Some(other) => bail!("HALVM_LINTIAN={other:?}: set it to 1 to run lintian in the package lane, or to 0 or nothing not to"),
    }
}

/// Limit for lintian: it takes about 7 minutes on the package here.
const LINTIAN_LIMIT: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// lintian on the package: any error-level tag fails (the overrides, each
/// with its reason, are in toolchain/debian/lintian-overrides).
fn lintian(layout: &Layout, deb: &Path) -> Result<()> {
    let mut command = std::process::Command::new("lintian");
    command.args(["--fail-on", "error"]).arg(deb);
    let what = format!("lintian --fail-on error {}", deb.display());
    crate::debian_root::run_bounded(&what, command, LINTIAN_LIMIT, &layout.logs().join("package-lane-lintian.log"))
        .context("lintian found error-level tags in the package, or could not run (`apt-get install lintian`)")
}

/// Fails when a file of the unpacked tree names the build's prefix: such a
/// file would only work while the build directory exists.
fn no_file_names(sh: &Shell, tree: &Path, build_prefix: &Path) -> Result<()> {
    let needle = build_prefix.display().to_string();
    // grep exits 1 when nothing matches, which is what must happen.
    let out = cmd!(sh, "grep -rlF -- {needle} {tree}").quiet().ignore_status().read()?;
    if !out.trim().is_empty() {
        bail!("these files of the tarball name the build prefix {needle}, so they break once it is gone:\n{out}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lintian_runs_only_when_asked_for_with_1() {
        assert!(!lintian_requested(None).unwrap());
        assert!(!lintian_requested(Some("")).unwrap());
        assert!(!lintian_requested(Some("0")).unwrap());
        assert!(lintian_requested(Some("1")).unwrap());
        let err = lintian_requested(Some("yes")).unwrap_err().to_string();
        assert!(err.contains("HALVM_LINTIAN=\"yes\"") && err.contains("set it to 1"), "{err}");
    }
}
