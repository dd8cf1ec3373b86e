//! XenStore paths built without an allocator: `BASE/LEAF` (or a path as
//! given) copied into a fixed buffer, refused rather than cut short when
//! it does not fit, so a request never goes to a truncated key.

use super::{Error, ABS_PATH_MAX};

/// A path of at most `CAP` bytes. The default holds anything the store
/// accepts (XENSTORE_ABS_PATH_MAX); a holder that keeps many paths and
/// knows a smaller bound (vchan's channel table) chooses that bound
/// instead, so that a static table does not carry 3 KiB per entry.
#[derive(Clone, Copy)]
pub struct Path<const CAP: usize = ABS_PATH_MAX> {
    buf: [u8; CAP],
    len: usize,
}

impl<const CAP: usize> Path<CAP> {
    /// `path` itself.
    pub fn new(path: &str) -> Result<Self, Error> {
        Self::concat(&[path])
    }

    /// `base/leaf`.
    pub fn join(base: &str, leaf: &str) -> Result<Self, Error> {
        Self::concat(&[base, "/", leaf])
    }

    fn concat(parts: &[&str]) -> Result<Self, Error> {
        // A larger buffer would only hold paths the store refuses.
        const { assert!(CAP <= ABS_PATH_MAX) };
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > CAP {
            return Err(Error::TooLarge("the path is longer than its buffer (the store's limit or less)"));
        }
        let mut buf = [0u8; CAP];
        let mut at = 0;
        for part in parts {
            buf[at..at + part.len()].copy_from_slice(part.as_bytes());
            at += part.len();
        }
        Ok(Path { buf, len })
    }

    pub fn as_str(&self) -> &str {
        // Whole strs one after the other are UTF-8: the fallback is never
        // taken.
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_joined_path_reads_back_as_base_slash_leaf() {
        let p: Path = Path::join("device/vif/0", "backend-id").unwrap();
        assert_eq!(p.as_str(), "device/vif/0/backend-id");
        let copy = p;
        assert_eq!(copy.as_str(), p.as_str(), "a copy holds the same path");
        let q: Path = Path::new("/local/domain/0/backend/vif/3/0").unwrap();
        assert_eq!(q.as_str(), "/local/domain/0/backend/vif/3/0");
        let non_ascii: Path<16> = Path::join("dätä", "ü").unwrap();
        assert_eq!(non_ascii.as_str(), "dätä/ü");
    }

    #[test]
    fn a_path_of_exactly_the_limit_fits_and_one_byte_more_is_refused() {
        let base = "a".repeat(ABS_PATH_MAX - 2);
        let p: Path = Path::join(&base, "b").unwrap();
        assert_eq!(p.as_str().len(), ABS_PATH_MAX);
        assert!(p.as_str().ends_with("a/b"));
        assert!(matches!(Path::<ABS_PATH_MAX>::join(&base, "bc"), Err(Error::TooLarge(_))));
        assert!(Path::<ABS_PATH_MAX>::new(&"x".repeat(ABS_PATH_MAX)).is_ok());
        assert!(matches!(Path::<ABS_PATH_MAX>::new(&"x".repeat(ABS_PATH_MAX + 1)), Err(Error::TooLarge(_))));
    }

    #[test]
    fn a_smaller_buffer_has_its_own_limit() {
        assert_eq!(Path::<8>::join("abc", "def").unwrap().as_str(), "abc/def");
        assert_eq!(Path::<7>::join("abc", "def").unwrap().as_str(), "abc/def");
        assert!(matches!(Path::<6>::join("abc", "def"), Err(Error::TooLarge(_))));
        assert!(core::mem::size_of::<Path<200>>() < 256, "no hidden ABS_PATH_MAX-sized part");
    }
}
