//! `toolchain/versions.toml`: every external input, pinned by version and
//! sha256.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::cache::Sha256;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub inputs: BTreeMap<String, Input>,
    #[serde(rename = "platform-ghc")]
    pub platform_ghc: PlatformGhc,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformGhc {
    /// The `ghc --numeric-version` a reusable system GHC must print.
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// One file of a Debian source package (`apt-get source --download-only`).
    DebianSource,
    /// A Debian binary package (`apt-get download`).
    DebianBinary,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub kind: InputKind,
    pub package: String,
    pub version: String,
    /// The file name the input is known by (for messages and unpacking).
    pub file: String,
    pub sha256: Sha256,
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the pinned-input manifest {}", path.display()))?;
        Manifest::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Manifest> {
        let manifest: Manifest = toml::from_str(text)?;
        for (name, input) in &manifest.inputs {
            if input.file.contains('/') || input.file.is_empty() {
                bail!("input `{name}`: `file` must be a plain file name, not {:?}", input.file);
            }
        }
        Ok(manifest)
    }

    /// The input called `name`; a missing entry is a manifest error.
    pub fn input(&self, name: &str) -> Result<&Input> {
        self.inputs
            .get(name)
            .with_context(|| format!("the manifest has no [inputs.{name}] entry"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        [inputs.ghc-source]
        kind = "debian-source"
        package = "ghc"
        version = "9.0.2-4"
        file = "ghc_9.0.2.orig.tar.xz"
        sha256 = "140e42b96346322d1a39eb17602bcdc76e292028ad4a69286b230bab188a9197"

        [platform-ghc]
        version = "9.0.2"
    "#;

    #[test]
    fn parses_the_checked_in_manifest() {
        let text = include_str!("../../toolchain/versions.toml");
        let m = Manifest::parse(text).unwrap();
        let src = m.input("ghc-source").unwrap();
        assert_eq!(src.kind, InputKind::DebianSource);
        assert_eq!(
            src.sha256.to_string(),
            "140e42b96346322d1a39eb17602bcdc76e292028ad4a69286b230bab188a9197"
        );
        assert_eq!(m.input("platform-ghc").unwrap().kind, InputKind::DebianBinary);
        assert_eq!(m.platform_ghc.version, "9.0.2");
    }

    #[test]
    fn parses_a_minimal_manifest() {
        let m = Manifest::parse(GOOD).unwrap();
        assert_eq!(m.input("ghc-source").unwrap().package, "ghc");
        let err = m.input("nope").unwrap_err().to_string();
        assert!(err.contains("[inputs.nope]"), "{err}");
    }

    #[test]
    fn missing_field_is_named() {
        let text = GOOD.replace("version = \"9.0.2-4\"\n", "");
        let err = format!("{:#}", Manifest::parse(&text).unwrap_err());
        assert!(err.contains("missing field `version`"), "{err}");
    }

    #[test]
    fn bad_hash_syntax_is_rejected() {
        for bad in [
            "140e42b9",                                                          // too short
            "Z40e42b96346322d1a39eb17602bcdc76e292028ad4a69286b230bab188a9197", // not hex
            "140E42B96346322D1A39EB17602BCDC76E292028AD4A69286B230BAB188A9197", // upper case
        ] {
            let text = GOOD.replace(
                "140e42b96346322d1a39eb17602bcdc76e292028ad4a69286b230bab188a9197",
                bad,
            );
            let err = format!("{:#}", Manifest::parse(&text).unwrap_err());
            assert!(err.contains("sha256"), "{bad}: {err}");
        }
    }

    #[test]
    fn unknown_kind_and_fields_are_rejected() {
        let err = format!("{:#}", Manifest::parse(&GOOD.replace("debian-source", "http")).unwrap_err());
        assert!(err.contains("unknown variant `http`"), "{err}");
        let text = GOOD.replace("package = \"ghc\"", "package = \"ghc\"\nurl = \"x\"");
        let err = format!("{:#}", Manifest::parse(&text).unwrap_err());
        assert!(err.contains("unknown field `url`"), "{err}");
    }

    #[test]
    fn file_must_be_a_plain_name() {
        let text = GOOD.replace("ghc_9.0.2.orig.tar.xz", "../evil.tar.xz");
        let err = format!("{:#}", Manifest::parse(&text).unwrap_err());
        assert!(err.contains("plain file name"), "{err}");
    }
}
