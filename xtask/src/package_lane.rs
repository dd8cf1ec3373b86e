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
use crate::input_key::InputKey;
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
    lintian_if_packaging_changed(sh, layout, &deb)?;
    crate::fsutil::remove_if_exists(&work)?;
    Ok(())
}

/// What HALVM_LINTIAN asks for: `Some(true)` always run lintian (1),
/// `Some(false)` never (0), `None` run it when the packaging changed.
fn lintian_choice(value: Option<&str>) -> Result<Option<bool>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some("0") => Ok(Some(false)),
        Some("1") => Ok(Some(true)),
        Some(other) => bail!("HALVM_LINTIAN={other:?}: 1 runs lintian in the package lane, 0 skips it, unset runs it when the packaging changed"),
    }
}

/// The packaging code lintian judges: the package builder and its
/// templates, and lintian's own version. A lintian pass is recorded under
/// this key, so lintian (about 7 min on these 2-core machines, more than
/// the rest of the lane) runs again exactly when one of them changes.
fn packaging_key(sh: &Shell, layout: &Layout) -> Result<String> {
    let repo = &layout.repo;
    let version = cmd!(sh, "lintian --version").quiet().read().context("lintian is not installed (`cargo xtask build` installs it)")?;
    Ok(InputKey::new("lintian pass")
        .text("lintian", version.trim())
        .file(repo, &repo.join("xtask/src/deb.rs"))?
        .tree(repo, &repo.join("toolchain/debian"))?
        .finish())
}

fn lintian_if_packaging_changed(sh: &Shell, layout: &Layout, deb: &Path) -> Result<()> {
    let choice = lintian_choice(std::env::var("HALVM_LINTIAN").ok().as_deref())?;
    if choice == Some(false) {
        eprintln!("    deb: lintian skipped (HALVM_LINTIAN=0)");
        return Ok(());
    }
    let key = packaging_key(sh, layout)?;
    let stamp = layout.cache().join("lintian-passed").join(&key);
    if choice.is_none() && stamp.exists() {
        eprintln!("    deb: lintian passed on this packaging code before (key {key}); not run again (HALVM_LINTIAN=1 forces it)");
        return Ok(());
    }
    let started = std::time::Instant::now();
    lintian(layout, deb)?;
    eprintln!("    deb: lintian found no error-level tag in {:.0} s", started.elapsed().as_secs_f64());
    std::fs::create_dir_all(stamp.parent().unwrap())?;
    std::fs::write(&stamp, format!("{}\n", deb.display()))?;
    Ok(())
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
    fn halvm_lintian_forces_or_skips_and_unset_leaves_it_to_the_packaging_key() {
        assert_eq!(lintian_choice(None).unwrap(), None);
        assert_eq!(lintian_choice(Some("")).unwrap(), None);
        assert_eq!(lintian_choice(Some("0")).unwrap(), Some(false));
        assert_eq!(lintian_choice(Some("1")).unwrap(), Some(true));
        let err = lintian_choice(Some("yes")).unwrap_err().to_string();
        assert!(err.contains("HALVM_LINTIAN=\"yes\"") && err.contains("1 runs lintian"), "{err}");
    }
}
