//! How fast the toolchain is for its users: a `cargo xtask build` that has
//! nothing to do; relinking an image (what a change to rts-xen or minlibc
//! costs each program: `halvm-ghc` finds every module compiled and only
//! links, against the new libraries); compiling one benchmark with
//! `halvm-ghc` against the platform GHC, with the same flags; and how long
//! the last build of the cross GHC took.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use anyhow::{bail, Context, Result};
use serde::Serialize;
use xshell::{cmd, Shell};

use super::stats::Summary;
use crate::build_cmd::BuildArgs;
use crate::layout::Layout;

#[derive(Debug, Clone, Serialize)]
pub struct ToolchainFigures {
    /// `cargo xtask build` right after a complete build, seconds.
    pub noop_build_s: Summary,
    /// The benchmark the next three figures are of.
    pub program: String,
    /// `halvm-ghc` on the compiled program with its image removed: the link
    /// alone, seconds.
    pub relink_s: Summary,
    /// `-O2 -no-link` from nothing, seconds, each compiler.
    pub halvm_compile_s: Summary,
    pub platform_compile_s: Summary,
    pub ghc_build: Option<GhcBuildTime>,
}

/// The last cross-GHC build, from the time stamps it left.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GhcBuildTime {
    pub seconds: f64,
    /// The toolchain key of that build.
    pub key: String,
}

/// The arguments that make `cargo xtask build` build what `args` asked.
fn build_flags(args: &BuildArgs) -> Vec<String> {
    let mut flags = Vec::new();
    if args.platform_ghc == crate::platform_ghc::Choice::Private {
        flags.extend(["--platform-ghc".to_string(), "private".to_string()]);
    }
    if args.no_host_setup {
        flags.push("--no-host-setup".into());
    }
    if let crate::libm::LibmChoice::Openlibm(dir) = &args.libm {
        flags.extend(["--libm".to_string(), format!("openlibm={}", dir.display())]);
    }
    flags
}

fn timed(f: impl FnOnce() -> Result<()>) -> Result<f64> {
    let start = Instant::now();
    f()?;
    Ok(start.elapsed().as_secs_f64())
}

fn summary(values: &[f64]) -> Summary {
    Summary::of(values).expect("at least one measurement")
}

/// `cargo xtask build` `runs` times, in a child process as a user runs it
/// (so cargo's own check of xtask counts).
pub fn noop_build(sh: &Shell, layout: &Layout, args: &BuildArgs, runs: usize) -> Result<Summary> {
    let cargo = crate::cargo::binary();
    let flags = build_flags(args);
    let _dir = sh.push_dir(&layout.repo);
    let mut seconds = Vec::new();
    for _ in 0..runs {
        let flags = &flags;
        seconds.push(timed(|| {
            cmd!(sh, "{cargo} xtask build {flags...}").quiet().ignore_stdout().ignore_stderr().run()
                .context("the no-op `cargo xtask build` failed (run it by hand to see why)")
        })?);
    }
    Ok(summary(&seconds))
}

/// The compilers' command lines, alike but for the compiler.
pub struct Compile<'a> {
    pub halvm_ghc: &'a Path,
    pub platform_ghc: &'a Path,
    /// tests/bench/lib
    pub lib: &'a Path,
    pub source: &'a Path,
    /// Where the benchmark builder keeps this program's halvm objects.
    pub halvm_objects: &'a Path,
    pub scratch: &'a Path,
}

/// The newest modification time of the object files under `dir`.
fn newest_object(dir: &Path) -> Result<Option<SystemTime>> {
    let mut newest = None;
    for file in crate::fsutil::files_under(dir)? {
        if file.extension().is_some_and(|e| e == "o") {
            let t = std::fs::metadata(&file)?.modified()?;
            newest = newest.max(Some(t));
        }
    }
    Ok(newest)
}

impl Compile<'_> {
    /// The link alone: the builder's objects are current, the image is
    /// written anew; an object that changed means it compiled, an error.
    pub fn relink(&self, sh: &Shell, runs: usize) -> Result<Summary> {
        let (ghc, lib, objects, source) = (self.halvm_ghc, self.lib, self.halvm_objects, self.source);
        let before = newest_object(objects)?.with_context(|| format!("no object files in {}", objects.display()))?;
        std::fs::create_dir_all(self.scratch)?;
        let image = self.scratch.join("relinked.xen");
        let mut seconds = Vec::new();
        for _ in 0..runs {
            crate::fsutil::remove_if_exists(&image)?;
            seconds.push(timed(|| {
                cmd!(sh, "{ghc} -v0 -O2 -i{lib} -outputdir {objects} {source} -o {image}").quiet().run()
                    .context("halvm-ghc could not relink the benchmark")
            })?);
        }
        if newest_object(objects)? != Some(before) {
            bail!("halvm-ghc recompiled {} instead of only linking it: the relink figure would be wrong",
                  source.display());
        }
        Ok(summary(&seconds))
    }

    /// `-O2 -no-link` from an empty object directory, `runs` times.
    pub fn compile(&self, sh: &Shell, ghc: &Path, side: &str, runs: usize) -> Result<Summary> {
        let (lib, source) = (self.lib, self.source);
        let mut seconds = Vec::new();
        for _ in 0..runs {
            let objects: PathBuf = self.scratch.join(format!("compile-{side}"));
            crate::fsutil::remove_if_exists(&objects)?;
            seconds.push(timed(|| {
                cmd!(sh, "{ghc} -v0 -O2 -i{lib} -outputdir {objects} -no-link {source}").quiet().run()
                    .with_context(|| format!("{side} could not compile {}", source.display()))
            })?);
        }
        Ok(summary(&seconds))
    }
}

/// The last cross-GHC build's wall time: from the end of preparing its
/// tree (the tree's `.halvm-complete`, holding the key) to the end of
/// installing it into the cache (the cache entry's `.halvm-complete`):
/// configure, make and make install. `None` when either stamp is gone
/// (the tree was cleaned, or the compiler came from another checkout's
/// cache).
pub fn ghc_build_time(tree: &Path, stage1_cache: &Path) -> Result<Option<GhcBuildTime>> {
    let tree_stamp = tree.join(".halvm-complete");
    let Ok(key) = std::fs::read_to_string(&tree_stamp) else { return Ok(None) };
    let key = key.trim().to_string();
    let done_stamp = stage1_cache.join(&key).join(".halvm-complete");
    let (Ok(start), Ok(end)) = (std::fs::metadata(&tree_stamp), std::fs::metadata(&done_stamp)) else { return Ok(None) };
    let seconds = end.modified()?.duration_since(start.modified()?)
        .with_context(|| format!("{} is older than {}", done_stamp.display(), tree_stamp.display()))?
        .as_secs_f64();
    Ok(Some(GhcBuildTime { seconds, key }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn stamp(path: &Path, text: &str, at: SystemTime) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        std::fs::File::options().write(true).open(path).unwrap().set_modified(at).unwrap();
    }

    #[test]
    fn the_ghc_build_time_runs_from_the_prepared_tree_to_the_installed_compiler() {
        let tmp = tempfile::tempdir().unwrap();
        let (tree, cache) = (tmp.path().join("tree"), tmp.path().join("cache"));
        assert_eq!(ghc_build_time(&tree, &cache).unwrap(), None);
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        stamp(&tree.join(".halvm-complete"), "abc123\n", t0);
        assert_eq!(ghc_build_time(&tree, &cache).unwrap(), None, "no installed compiler yet");
        stamp(&cache.join("abc123/.halvm-complete"), "abc123", t0 + Duration::from_secs(1777));
        assert_eq!(ghc_build_time(&tree, &cache).unwrap(), Some(GhcBuildTime { seconds: 1777.0, key: "abc123".into() }));
        stamp(&cache.join("abc123/.halvm-complete"), "abc123", t0 - Duration::from_secs(5));
        assert!(ghc_build_time(&tree, &cache).is_err());
    }

    #[test]
    fn the_noop_build_repeats_the_benchs_build_options() {
        let mut args = BuildArgs {
            platform_ghc: crate::platform_ghc::Choice::Auto,
            no_host_setup: false,
            libm: crate::libm::LibmChoice::Rust,
        };
        assert!(build_flags(&args).is_empty());
        args.platform_ghc = crate::platform_ghc::Choice::Private;
        args.no_host_setup = true;
        args.libm = crate::libm::LibmChoice::Openlibm("/src/openlibm".into());
        assert_eq!(build_flags(&args), ["--platform-ghc", "private", "--no-host-setup", "--libm", "openlibm=/src/openlibm"]);
    }
}
