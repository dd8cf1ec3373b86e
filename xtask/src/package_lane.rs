//! The `package` test lane: the release tarball (`cargo xtask dist`) is
//! reproducible and works unpacked anywhere.
//!
//! - `dist` run twice over the same prefix gives identical bytes;
//! - unpacked with the system's tar into a directory whose path has a
//!   space, its MANIFEST.sha256 checks, no file names the build's prefix,
//!   and its own bin/halvm-ghc builds a hello program whose image boots
//!   under QEMU (TCG) with the expected output and exit status 0.
//!
//! The Debian package's install/purge test in a clean Debian 12 chroot is
//! not part of the lane yet (README, Tests).

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
    let work = layout.build.join("package-lane");
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
    crate::fsutil::remove_if_exists(&work)?;
    Ok(())
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
