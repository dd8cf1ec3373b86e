//! A clean Debian 12 system to install the package into: a base system made
//! once with debootstrap and cached as a tarball, unpacked afresh for each
//! run, and commands run inside it with chroot (as root), each bounded in
//! time, with /proc mounted only while a [`ProcMount`] guard lives.
//!
//! ```text
//! ~/.cache/halvm/debian-base/<key>.tar   the base system, keyed by its inputs
//! ```
//!
//! The base is NOT pinned by hash: debootstrap and, later, apt take
//! whatever the archive serves today (point releases and security updates
//! change it). The key names the recipe (suite, variant, mirror, extra
//! packages, procedure version), so a changed recipe makes a new base, but
//! two machines with the same key may hold different bytes. Delete the
//! cached tarball to take a newer base.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

use crate::input_key::InputKey;
use crate::layout::Layout;

/// What debootstrap is asked for.
pub struct BaseRecipe {
    pub suite: &'static str,
    pub variant: &'static str,
    pub mirror: &'static str,
    /// Packages added to the variant's (`--include`).
    pub extra_packages: &'static [&'static str],
}

/// Raised when the way the base is made changes without its inputs
/// changing (e.g. a different tar invocation), so old bases are not reused.
const PROCEDURE_VERSION: &str = "1";

/// How long debootstrap may take (it downloads about 40 MB; 40 s here).
const DEBOOTSTRAP_LIMIT: Duration = Duration::from_secs(15 * 60);

impl BaseRecipe {
    /// The cache key: changes with any input of the recipe.
    pub fn key(&self) -> String {
        let mut key = InputKey::new("debian-base");
        key.text("procedure", PROCEDURE_VERSION)
            .text("suite", self.suite)
            .text("variant", self.variant)
            .text("mirror", self.mirror)
            // Joined with a separator no package name contains, so that
            // ["a", "b"] and ["a b"] differ.
            .text("extra packages", &self.extra_packages.join(","));
        key.finish()
    }

    /// The cached base's tarball, made with debootstrap if it is missing.
    /// It appears under its final name only once complete.
    pub fn ensure(&self, sh: &Shell, layout: &Layout) -> Result<PathBuf> {
        let dir = layout.cache().join("debian-base");
        let tarball = dir.join(format!("{}.tar", self.key()));
        if tarball.is_file() {
            return Ok(tarball);
        }
        require_root("debootstrap")?;
        let scratch = dir.join(format!(".{}.partial", self.key()));
        crate::fsutil::remove_if_exists(&scratch)?;
        std::fs::create_dir_all(&scratch).with_context(|| format!("creating {}", scratch.display()))?;
        let tree = scratch.join("root");
        let mut debootstrap = Command::new("debootstrap");
        debootstrap.arg(format!("--variant={}", self.variant));
        if !self.extra_packages.is_empty() {
            debootstrap.arg(format!("--include={}", self.extra_packages.join(",")));
        }
        debootstrap.args([self.suite]).arg(&tree).arg(self.mirror);
        let what = format!("debootstrap --variant={} {} {}", self.variant, self.suite, self.mirror);
        run_bounded(&what, debootstrap, DEBOOTSTRAP_LIMIT, &layout.logs().join("debian-base.log"))
            .context("making the Debian base system (debootstrap is a host package `cargo xtask build` installs; it needs the archive to be reachable)")?;
        let partial = scratch.join("base.tar");
        // --numeric-owner: the ids are the base system's, not the host's.
        cmd!(sh, "tar --numeric-owner -cf {partial} -C {tree} .").quiet().run()
            .context("archiving the Debian base system")?;
        std::fs::rename(&partial, &tarball).with_context(|| format!("moving {} into place", tarball.display()))?;
        crate::fsutil::remove_if_exists(&scratch)?;
        Ok(tarball)
    }
}

/// Unpacks the base into `dest`, which is emptied first.
pub fn unpack_fresh(sh: &Shell, base: &Path, dest: &Path) -> Result<()> {
    require_root("unpacking a Debian system with its owners and device nodes")?;
    unmount_leftover_proc(dest)?;
    crate::fsutil::remove_if_exists(dest)?;
    std::fs::create_dir_all(dest).with_context(|| format!("creating {}", dest.display()))?;
    cmd!(sh, "tar --numeric-owner -xpf {base} -C {dest}").quiet().run()
        .with_context(|| format!("unpacking the Debian base {} into {}", base.display(), dest.display()))
}

/// Unmounts `root`/proc if a run that was killed (Ctrl-C ends the process
/// without running the guard's drop) left it mounted: removing the tree
/// would otherwise walk into the live /proc.
pub fn unmount_leftover_proc(root: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let (Ok(tree), Ok(proc)) = (std::fs::metadata(root), std::fs::metadata(root.join("proc"))) else {
        return Ok(());
    };
    if tree.dev() != proc.dev() {
        drop(ProcMount { point: root.join("proc") });
        if std::fs::metadata(root.join("proc")).is_ok_and(|p| p.dev() != tree.dev()) {
            bail!("{}/proc is still mounted; unmount it (`umount --lazy {}/proc`) and run again",
                  root.display(), root.display());
        }
    }
    Ok(())
}

/// /proc mounted inside a root for as long as the guard lives: apt's and
/// dpkg's maintainer scripts and GHC (which reads /proc/self/exe) need it.
/// Dropping the guard unmounts it, on success and on failure alike.
pub struct ProcMount {
    point: PathBuf,
}

impl ProcMount {
    pub fn new(root: &Path) -> Result<ProcMount> {
        let point = root.join("proc");
        let status = Command::new("mount").args(["-t", "proc", "proc"]).arg(&point).status()
            .context("running mount")?;
        if !status.success() {
            bail!("`mount -t proc proc {}` failed ({status})", point.display());
        }
        Ok(ProcMount { point })
    }
}

impl Drop for ProcMount {
    fn drop(&mut self) {
        let umount = |lazy: bool| {
            let mut command = Command::new("umount");
            if lazy {
                command.arg("--lazy");
            }
            command.arg(&self.point).status().is_ok_and(|s| s.success())
        };
        // A process still running inside (it should not be: every command
        // is waited for) keeps the mount busy; a lazy unmount still
        // detaches it from the tree.
        if !umount(false) && !umount(true) {
            eprintln!("warning: could not unmount {}; run `umount --lazy {}`", self.point.display(), self.point.display());
        }
    }
}

/// Runs `script` with `sh -e` inside `root`, with a clean environment
/// (`env` adds to it), for at most `limit`; its output goes to `log`, and
/// a failure prints its last lines and names the command.
pub fn chroot_sh(root: &Path, what: &str, script: &str, env: &[(&str, &str)], limit: Duration, log: &Path) -> Result<()> {
    let mut command = Command::new("chroot");
    command.arg(root).args(["/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "HOME=/root"]);
    command.args(env.iter().map(|(k, v)| format!("{k}={v}")));
    command.args(["sh", "-ec", script]);
    run_bounded(&format!("{what} (in the chroot: {script})"), command, limit, log)
}

/// Runs `command` through coreutils' `timeout`, which stops it and all its
/// children (its process group) at `limit`; exit status 124 says so.
pub fn run_bounded(what: &str, command: Command, limit: Duration, log: &Path) -> Result<()> {
    let mut bounded = Command::new("timeout");
    bounded.args(["--kill-after=10", &format!("{}s", limit.as_secs())]);
    bounded.arg(command.get_program()).args(command.get_args());
    crate::logged::run(what, bounded, log, |_| None)
        .with_context(|| format!("time limit {} s: exit status 124 means it was stopped there", limit.as_secs()))
}

fn require_root(what: &str) -> Result<()> {
    if !crate::fetch::is_root() {
        bail!("{what} needs root (the package lane's install test uses debootstrap, chroot and mount): \
               run `cargo xtask test --lane package` as root");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECIPE: BaseRecipe = BaseRecipe {
        suite: "bookworm",
        variant: "minbase",
        mirror: "http://deb.debian.org/debian",
        extra_packages: &[],
    };

    #[test]
    fn the_base_key_changes_with_every_input() {
        let key = RECIPE.key();
        assert_eq!(key, RECIPE.key(), "stable");
        let others = [
            BaseRecipe { suite: "trixie", ..RECIPE },
            BaseRecipe { variant: "buildd", ..RECIPE },
            BaseRecipe { mirror: "http://ftp.de.debian.org/debian", ..RECIPE },
            BaseRecipe { extra_packages: &["gcc"], ..RECIPE },
            BaseRecipe { extra_packages: &["a", "b"], ..RECIPE },
            BaseRecipe { extra_packages: &["a b"], ..RECIPE },
        ];
        let mut keys: Vec<String> = others.iter().map(BaseRecipe::key).collect();
        keys.push(key);
        let count = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), count, "every recipe has its own key: {keys:?}");
    }

    #[test]
    fn a_command_over_its_time_limit_is_stopped_and_named() {
        let tmp = tempfile::tempdir().unwrap();
        let mut sleep = Command::new("sh");
        sleep.args(["-c", "echo started; sleep 30"]);
        let started = std::time::Instant::now();
        let err = run_bounded("sleeper", sleep, Duration::from_secs(1), &tmp.path().join("log")).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "stopped at its limit");
        let message = format!("{err:#}");
        assert!(message.contains("sleeper failed") && message.contains("time limit 1 s"), "{message}");
    }
}
