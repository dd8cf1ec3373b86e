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
        let Ok(entries) = std::fs::read_dir(dir) else { return Ok(self) };
        let mut paths: Vec<_> = entries.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
        paths.sort();
        for path in paths {
            if path.is_dir() {
                self.tree(root, &path)?;
            } else {
                self.file(root, &path)?;
            }
        }
        Ok(self)
    }

    /// The key, as 16 hex digits: short enough for directory names.
    pub fn finish(&self) -> String {
        let full = Sha256::of_bytes(&self.hasher.clone().finalize());
        full.to_string()[..16].to_string()
    }
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
}
