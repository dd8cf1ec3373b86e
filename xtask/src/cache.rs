//! The content-addressed download cache: `<cache>/sha256/<sha256>`.
//!
//! A file enters the cache only after its hash has been checked against the
//! manifest, and is checked again every time it is used: a corrupted or
//! truncated cache entry is reported, removed and fetched again, while a
//! freshly fetched file with the wrong hash is a hard error.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use sha2::Digest;

use crate::fsutil::remove_if_exists;

/// A sha256 digest, written as 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Sha256([u8; 32]);

impl FromStr for Sha256 {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Sha256> {
        let valid = s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !valid {
            bail!("not a sha256 (64 lower-case hex digits): {s:?}");
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("checked hex");
        }
        Ok(Sha256(out))
    }
}

impl TryFrom<String> for Sha256 {
    type Error = anyhow::Error;
    fn try_from(s: String) -> Result<Sha256> {
        s.parse()
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({self})")
    }
}

impl Sha256 {
    pub fn of_file(path: &Path) -> Result<Sha256> {
        let mut file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut buf).with_context(|| format!("reading {}", path.display()))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(Sha256(hasher.finalize().into()))
    }

    pub fn of_bytes(bytes: &[u8]) -> Sha256 {
        Sha256(sha2::Sha256::digest(bytes).into())
    }
}

/// Checks that `path` hashes to `expected`. On a mismatch the file is
/// removed and the error names the path and both hashes.
pub fn verify(path: &Path, expected: Sha256) -> Result<()> {
    let actual = Sha256::of_file(path)?;
    if actual != expected {
        std::fs::remove_file(path)
            .with_context(|| format!("removing the mismatching file {}", path.display()))?;
        bail!(
            "sha256 mismatch for {} (removed)\n  expected: {expected}\n  actual:   {actual}\n\
             The file is corrupt or truncated, or the pinned hash in toolchain/versions.toml is wrong.",
            path.display()
        );
    }
    Ok(())
}

pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    pub fn new(cache_dir: &Path) -> Cache {
        Cache { dir: cache_dir.join("sha256") }
    }

    pub fn path_of(&self, hash: Sha256) -> PathBuf {
        self.dir.join(hash.to_string())
    }

    /// Returns the verified cached file with hash `hash`, calling `fetch` to
    /// download it when it is absent or corrupt. `fetch` gets an empty
    /// scratch directory and returns the path of the file it put there.
    pub fn get(
        &self,
        what: &str,
        hash: Sha256,
        fetch: impl FnOnce(&Path) -> Result<PathBuf>,
    ) -> Result<PathBuf> {
        let cached = self.path_of(hash);
        if cached.exists() {
            match verify(&cached, hash) {
                Ok(()) => return Ok(cached),
                Err(err) => eprintln!("warning: cached {what} was bad, fetching it again: {err:#}"),
            }
        }
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating the download cache {}", self.dir.display()))?;
        let scratch = self.dir.join(format!(".fetch-{hash}"));
        remove_if_exists(&scratch)?;
        std::fs::create_dir_all(&scratch)?;
        let result = (|| {
            let fetched = fetch(&scratch).with_context(|| format!("fetching {what}"))?;
            verify(&fetched, hash).with_context(|| format!("verifying the freshly fetched {what}"))?;
            // Same file system: the rename is atomic, so the cache never holds
            // a partly written file under a valid name.
            std::fs::rename(&fetched, &cached)
                .with_context(|| format!("moving {} into the cache", fetched.display()))
        })();
        remove_if_exists(&scratch)?;
        result?;
        Ok(cached)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    const DATA: &[u8] = b"pretend this is a GHC source tarball";

    fn fetcher<'a>(bytes: &'a [u8], calls: &'a Cell<u32>) -> impl FnOnce(&Path) -> Result<PathBuf> + 'a {
        move |dir| {
            calls.set(calls.get() + 1);
            let path = dir.join("download");
            std::fs::write(&path, bytes)?;
            Ok(path)
        }
    }

    #[test]
    fn hash_syntax_round_trips() {
        let h = Sha256::of_bytes(b"");
        assert_eq!(h.to_string(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(h.to_string().parse::<Sha256>().unwrap(), h);
        assert!("e3b0".parse::<Sha256>().is_err());
    }

    #[test]
    fn good_file_is_fetched_once_then_hit() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path());
        let calls = Cell::new(0);
        let hash = Sha256::of_bytes(DATA);
        let first = cache.get("data", hash, fetcher(DATA, &calls)).unwrap();
        assert_eq!(std::fs::read(&first).unwrap(), DATA);
        let second = cache.get("data", hash, fetcher(DATA, &calls)).unwrap();
        assert_eq!(first, second);
        assert_eq!(calls.get(), 1, "a cache hit must not fetch");
        assert_eq!(first.file_name().unwrap().to_str().unwrap(), hash.to_string());
    }

    #[test]
    fn wrong_download_is_a_hard_error_and_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path());
        let calls = Cell::new(0);
        let hash = Sha256::of_bytes(DATA);
        let err = format!("{:#}", cache.get("data", hash, fetcher(b"something else", &calls)).unwrap_err());
        assert!(err.contains("sha256 mismatch"), "{err}");
        assert!(err.contains(&hash.to_string()), "names the expected hash: {err}");
        assert!(err.contains(&Sha256::of_bytes(b"something else").to_string()), "names the actual hash: {err}");
        assert!(!cache.path_of(hash).exists());
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path().join("sha256")).unwrap().collect();
        assert!(leftovers.is_empty(), "nothing left behind: {leftovers:?}");
    }

    #[test]
    fn truncated_download_is_rejected() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path());
        let calls = Cell::new(0);
        let hash = Sha256::of_bytes(DATA);
        let err = format!("{:#}", cache.get("data", hash, fetcher(&DATA[..10], &calls)).unwrap_err());
        assert!(err.contains("sha256 mismatch"), "{err}");
    }

    #[test]
    fn corrupted_cache_entry_is_removed_and_fetched_again() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::new(tmp.path());
        let calls = Cell::new(0);
        let hash = Sha256::of_bytes(DATA);
        let path = cache.get("data", hash, fetcher(DATA, &calls)).unwrap();
        std::fs::write(&path, b"flipped bits").unwrap();
        let again = cache.get("data", hash, fetcher(DATA, &calls)).unwrap();
        assert_eq!(calls.get(), 2);
        assert_eq!(std::fs::read(again).unwrap(), DATA);
    }

    #[test]
    fn verify_names_path_and_removes_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f");
        std::fs::write(&path, b"abc").unwrap();
        let err = format!("{:#}", verify(&path, Sha256::of_bytes(b"abd")).unwrap_err());
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(!path.exists());
        std::fs::write(&path, b"abc").unwrap();
        verify(&path, Sha256::of_bytes(b"abc")).unwrap();
        assert!(path.exists());
    }
}
