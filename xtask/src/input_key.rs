//! Keys for finished builds: a hash over everything a build depends on, so a
//! cached result is reused exactly when none of its inputs changed.

use std::path::Path;

use anyhow::{Context, Result};
use sha2::Digest;

use crate::cache::Sha256;

pub struct InputKey {
    hasher: sha2::Sha256,
}

impl InputKey {
    pub fn new(purpose: &str) -> InputKey {
        let mut key = InputKey { hasher: sha2::Sha256::new() };
        key.text("purpose", purpose);
        key
    }

    /// Adds a named value (a version, a setting, a hash).
    pub fn text(&mut self, name: &str, value: &str) -> &mut Self {
        // Length-prefixed fields: ("ab","c") and ("a","bc") differ.
        for part in [name, value] {
            self.hasher.update((part.len() as u64).to_le_bytes());
            self.hasher.update(part.as_bytes());
        }
        self
    }

    /// Adds a file's contents under its name relative to `root`.
    pub fn file(&mut self, root: &Path, path: &Path) -> Result<&mut Self> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let rel = path.strip_prefix(root).unwrap_or(path).to_string_lossy().into_owned();
        self.text(&rel, &Sha256::of_bytes(&bytes).to_string());
        Ok(self)
    }

    /// Adds every file under `dir` (recursively, in sorted order), named
    /// relative to `root`. A missing directory counts as empty.
    pub fn tree(&mut self, root: &Path, dir: &Path) -> Result<&mut Self> {
        for path in crate::fsutil::files_under(dir)? {
            self.file(root, &path)?;
        }
        Ok(self)
    }

    /// The key, as 16 hex digits: short enough for directory names.
    pub fn finish(&self) -> String {
        let full = Sha256::of_bytes(&self.hasher.clone().finalize());
        full.to_string()[..16].to_string()
    }
}

/// Makes `output` with `build` unless it exists and was made for `key`
/// (recorded beside it in `<output>.key`, written only after `build`
/// succeeded, so an interrupted build is redone).
pub fn rebuild_unless_current(output: &Path, key: &str, build: impl FnOnce() -> Result<()>) -> Result<()> {
    let mut record = output.as_os_str().to_owned();
    record.push(".key");
    let record = std::path::PathBuf::from(record);
    if output.exists() && std::fs::read_to_string(&record).is_ok_and(|k| k == key) {
        return Ok(());
    }
    crate::fsutil::remove_if_exists(&record)?;
    if let Some(dir) = output.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    build()?;
    std::fs::write(&record, key).with_context(|| format!("writing {}", record.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_input_change_changes_the_key() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("d/e")).unwrap();
        std::fs::write(root.join("d/a"), "1").unwrap();
        std::fs::write(root.join("d/e/b"), "2").unwrap();
        let key = || InputKey::new("t").text("v", "9.0.2").tree(root, &root.join("d")).unwrap().finish();
        let k1 = key();
        assert_eq!(k1, key(), "stable");
        std::fs::write(root.join("d/e/b"), "3").unwrap();
        let k2 = key();
        assert_ne!(k1, k2, "content");
        std::fs::rename(root.join("d/a"), root.join("d/c")).unwrap();
        assert_ne!(k2, key(), "names");
        assert_ne!(InputKey::new("t").text("ab", "c").finish(), InputKey::new("t").text("a", "bc").finish());
    }

    #[test]
    fn an_output_is_rebuilt_exactly_when_its_key_changes_or_a_build_failed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("d/prog");
        let builds = std::cell::Cell::new(0);
        let build = || {
            builds.set(builds.get() + 1);
            std::fs::write(&out, "x").map_err(Into::into)
        };
        rebuild_unless_current(&out, "k1", build).unwrap();
        rebuild_unless_current(&out, "k1", build).unwrap();
        assert_eq!(builds.get(), 1, "same key: no work");
        rebuild_unless_current(&out, "k2", build).unwrap();
        assert_eq!(builds.get(), 2, "new key: rebuilt");
        assert!(rebuild_unless_current(&out, "k3", || anyhow::bail!("broken")).is_err());
        rebuild_unless_current(&out, "k3", build).unwrap();
        assert_eq!(builds.get(), 3, "after a failed build the output is not trusted");
    }
}
