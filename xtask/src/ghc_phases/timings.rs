//! The timings of the last complete GHC build: per part, how many files it
//! compiled and how long that took. Kept in the machine-wide cache so the
//! next build (in any checkout) can show totals and estimates.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// Its name in the cache directory.
pub const FILE_NAME: &str = "ghc-build-timings.toml";

/// Bump when the meaning of the fields changes; older records are ignored.
const VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingRecord {
    pub version: u32,
    /// By [`super::Part::id`].
    pub parts: BTreeMap<String, PartTiming>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartTiming {
    /// Object files compiled.
    pub modules: usize,
    /// From the start of its first compile to the start of its last one.
    pub seconds: f64,
}

impl TimingRecord {
    pub fn new(parts: BTreeMap<String, PartTiming>) -> TimingRecord {
        TimingRecord { version: VERSION, parts }
    }

    /// The record at `path`; none when there is no file yet. A record that
    /// cannot be used is an error naming the file (the caller warns and
    /// goes on: it only feeds the progress report).
    pub fn load(path: &Path) -> Result<Option<TimingRecord>> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
        };
        let record: TimingRecord = toml::from_str(&text).with_context(|| {
            format!(
                "{} is not a GHC build timing record; delete it, the next complete build writes a new one",
                path.display()
            )
        })?;
        if record.version != VERSION {
            bail!(
                "{} has format version {} where {VERSION} is expected; delete it, the next complete build writes a new one",
                path.display(),
                record.version
            );
        }
        Ok(Some(record))
    }

    /// Writes the record to `path` through a temporary file and a rename:
    /// every checkout on the machine shares it, and none may read half a file.
    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let text = format!(
            "# Written by `cargo xtask build` after a complete GHC build, read by the next\n\
             # one to show progress. Per part: object files compiled, seconds taken.\n{}",
            toml::to_string(self)?
        );
        let scratch = path.with_extension(format!("tmp.{}", std::process::id()));
        std::fs::write(&scratch, text).with_context(|| format!("writing {}", scratch.display()))?;
        std::fs::rename(&scratch, path).with_context(|| format!("renaming {} to {}", scratch.display(), path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache").join(FILE_NAME);
        let record = TimingRecord::new(BTreeMap::from([
            ("compiler/stage1".to_string(), PartTiming { modules: 491, seconds: 760.5 }),
            ("libraries/base/dist-install".to_string(), PartTiming { modules: 262, seconds: 95.0 }),
            ("stage-0".to_string(), PartTiming { modules: 741, seconds: 300.25 }),
        ]));
        record.save(&path).unwrap();
        assert_eq!(TimingRecord::load(&path).unwrap(), Some(record));
        // Nothing but the record is left in the cache directory.
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn no_record_yet_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(TimingRecord::load(&dir.path().join(FILE_NAME)).unwrap(), None);
    }

    #[test]
    fn a_damaged_or_foreign_record_is_named_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        for text in ["version = 1\n[parts.x]\nmodules = \"many\"\n", "version = 99\n[parts]\n"] {
            std::fs::write(&path, text).unwrap();
            let msg = format!("{:#}", TimingRecord::load(&path).unwrap_err());
            assert!(msg.contains(&path.display().to_string()) && msg.contains("delete it"), "{msg}");
        }
    }
}
