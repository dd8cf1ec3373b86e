//! Directories that are either complete or absent.
//!
//! Every generated tree (an unpacked source, the relocated platform GHC, ...)
//! is built in a scratch directory beside its final place, stamped with the
//! key of its inputs, and renamed into place only when complete. An
//! interrupted run leaves at most a scratch directory, which the next run
//! throws away; a tree whose stamp does not match the current key is rebuilt.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::fsutil::remove_if_exists;

const STAMP: &str = ".halvm-complete";

/// The key `dir` was completed with, if it is complete.
pub fn completed_key(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join(STAMP)).ok()
}

/// Makes sure `dest` is a complete tree for `key`, building it with `build`
/// (which fills the empty directory it is given) when it is not. Returns
/// whether it had to build.
pub fn ensure(dest: &Path, key: &str, build: impl FnOnce(&Path) -> Result<()>) -> Result<bool> {
    if completed_key(dest).as_deref() == Some(key) {
        return Ok(false);
    }
    let scratch = scratch_path(dest);
    remove_if_exists(&scratch)?;
    std::fs::create_dir_all(&scratch)
        .with_context(|| format!("creating {}", scratch.display()))?;
    if let Err(err) = build(&scratch) {
        // Keep the scratch tree for inspection; the next run removes it.
        return Err(err.context(format!(
            "building {} failed; the partial tree is left in {} and will be discarded by the next run",
            dest.display(),
            scratch.display()
        )));
    }
    std::fs::write(scratch.join(STAMP), key)?;
    remove_if_exists(dest)?;
    std::fs::rename(&scratch, dest)
        .with_context(|| format!("moving {} into place", dest.display()))?;
    Ok(true)
}

fn scratch_path(dest: &Path) -> PathBuf {
    let name = dest.file_name().expect("a named directory").to_string_lossy();
    dest.with_file_name(format!(".{name}.partial"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_once_per_key() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("tree");
        let mut builds = 0;
        for _ in 0..2 {
            ensure(&dest, "k1", |d| {
                builds += 1;
                std::fs::write(d.join("f"), "1").map_err(Into::into)
            })
            .unwrap();
        }
        assert_eq!(builds, 1);
        assert!(ensure(&dest, "k2", |d| std::fs::write(d.join("g"), "2").map_err(Into::into)).unwrap());
        assert!(!dest.join("f").exists(), "a new key starts from an empty tree");
        assert_eq!(completed_key(&dest).as_deref(), Some("k2"));
    }

    #[test]
    fn interrupted_build_is_never_trusted() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("tree");
        let err = ensure(&dest, "k", |d| {
            std::fs::write(d.join("half"), "x")?;
            anyhow::bail!("disk on fire")
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("disk on fire"));
        assert!(!dest.exists(), "no half-built tree under the final name");
        // The next run discards the leftovers and starts clean.
        ensure(&dest, "k", |d| std::fs::write(d.join("whole"), "y").map_err(Into::into)).unwrap();
        assert!(dest.join("whole").exists());
        assert!(!dest.join("half").exists());
        assert!(!scratch_path(&dest).exists());
    }

    #[test]
    fn tree_without_stamp_is_rebuilt() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("tree");
        std::fs::create_dir_all(&dest).unwrap();
        std::fs::write(dest.join("stale"), "?").unwrap();
        assert!(ensure(&dest, "k", |_| Ok(())).unwrap());
        assert!(!dest.join("stale").exists());
    }
}
