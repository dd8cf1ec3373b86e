//! File-system helpers every stage shares: content-compared writes (so an
//! unchanged output keeps its timestamp and nothing downstream rebuilds),
//! removal that tolerates absence, and walking a tree in a stable order.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Writes `bytes` to `dest` (creating its directory) unless `dest` already
/// holds exactly them.
pub fn write_if_changed(dest: &Path, bytes: &[u8]) -> Result<()> {
    if std::fs::read(dest).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(dest, bytes).with_context(|| format!("writing {}", dest.display()))
}

/// Copies `src` to `dest` with [`write_if_changed`].
pub fn copy_if_changed(src: &Path, dest: &Path) -> Result<()> {
    let bytes = std::fs::read(src).with_context(|| format!("reading {}", src.display()))?;
    write_if_changed(dest, &bytes)
}

/// Removes a file, a symbolic link or a whole directory; absence is fine.
pub fn remove_if_exists(path: &Path) -> Result<()> {
    let result = match std::fs::symlink_metadata(path) {
        Err(_) => return Ok(()),
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
    };
    result.with_context(|| format!("removing {}", path.display()))
}

/// Every regular file under `dir`, recursively, sorted by path. A missing
/// directory has none.
pub fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.with_context(|| format!("walking {}", dir.display()))?;
        if entry.file_type().is_file() {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unchanged_write_keeps_the_files_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/f");
        write_if_changed(&path, b"one").unwrap();
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        write_if_changed(&path, b"one").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), before);
        write_if_changed(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
    }

    #[test]
    fn files_under_walks_in_order_and_skips_directories() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["b/z", "a", "b/c/d"] {
            write_if_changed(&dir.path().join(f), b"").unwrap();
        }
        let rel: Vec<String> = files_under(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(rel, ["a", "b/c/d", "b/z"]);
        assert!(files_under(&dir.path().join("missing")).unwrap().is_empty());
    }

    #[test]
    fn removal_tolerates_absence_and_takes_trees() {
        let dir = tempfile::tempdir().unwrap();
        write_if_changed(&dir.path().join("t/u/v"), b"x").unwrap();
        remove_if_exists(&dir.path().join("t")).unwrap();
        assert!(!dir.path().join("t").exists());
        remove_if_exists(&dir.path().join("t")).unwrap();
    }
}
