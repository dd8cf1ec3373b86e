//! Unpacking verified archives.

use std::fs::File;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

/// Unpacks a `.tar.xz` into `dest`, dropping the archive's single top-level
/// directory (`ghc-9.0.2/...` lands directly in `dest`). Entries that would
/// escape `dest` are refused.
pub fn tar_xz_strip_top(archive: &Path, dest: &Path) -> Result<()> {
    let file = File::open(archive).with_context(|| format!("opening {}", archive.display()))?;
    let mut tar = tar::Archive::new(xz2::read::XzDecoder::new(file));
    tar.set_preserve_mtime(true); // make relies on the shipped timestamps
    tar.set_preserve_permissions(true);
    let entries = tar.entries().with_context(|| format!("reading {}", archive.display()))?;
    for entry in entries {
        let mut entry = entry.with_context(|| format!("reading {}", archive.display()))?;
        let Some(rel) = strip_top(&entry.path()?)? else { continue };
        let target = dest.join(&rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if entry.header().entry_type().is_hard_link() {
            let link = entry.link_name()?.context("hard link without a target")?;
            let source = strip_top(&link)?.context("hard link to the top directory")?;
            std::fs::hard_link(dest.join(source), &target)?;
            continue;
        }
        entry
            .unpack(&target)
            .with_context(|| format!("unpacking {} from {}", rel.display(), archive.display()))?;
    }
    Ok(())
}

/// The path without its first component; `None` for the top directory itself.
fn strip_top(path: &Path) -> Result<Option<PathBuf>> {
    let mut parts = path.components();
    parts.next();
    let rest: PathBuf = parts.collect();
    if rest.components().any(|c| !matches!(c, Component::Normal(_))) {
        bail!("archive entry {} escapes the destination", path.display());
    }
    Ok((!rest.as_os_str().is_empty()).then_some(rest))
}

/// Unpacks a Debian binary package's files into `dest` (no maintainer
/// scripts run, no root needed).
pub fn deb(sh: &Shell, package: &Path, dest: &Path) -> Result<()> {
    cmd!(sh, "dpkg-deb -x {package} {dest}")
        .quiet()
        .run()
        .with_context(|| format!("unpacking {}", package.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_tar_xz(path: &Path, entries: &[(&str, &[u8])]) {
        let file = File::create(path).unwrap();
        let mut builder = tar::Builder::new(xz2::write::XzEncoder::new(file, 1));
        for (name, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(1_000_000);
            // set_path refuses `..`; write the raw name so hostile archives can be tested.
            let raw = &mut header.as_old_mut().name;
            raw[..name.len()].copy_from_slice(name.as_bytes());
            header.set_cksum();
            builder.append(&header, *data).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap();
    }

    #[test]
    fn strips_the_top_directory_and_keeps_mtimes() {
        let tmp = tempfile::tempdir().unwrap();
        let archive = tmp.path().join("a.tar.xz");
        make_tar_xz(&archive, &[("ghc-9.0.2/configure", b"#!/bin/sh\n"), ("ghc-9.0.2/rts/x.c", b"int x;")]);
        let dest = tmp.path().join("out");
        tar_xz_strip_top(&archive, &dest).unwrap();
        assert_eq!(std::fs::read(dest.join("rts/x.c")).unwrap(), b"int x;");
        let mtime = std::fs::metadata(dest.join("configure")).unwrap().modified().unwrap();
        assert_eq!(mtime.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(), 1_000_000);
    }

    #[test]
    fn refuses_entries_that_escape() {
        let tmp = tempfile::tempdir().unwrap();
        let archive = tmp.path().join("evil.tar.xz");
        make_tar_xz(&archive, &[("top/../../escaped", b"x")]);
        let err = tar_xz_strip_top(&archive, &tmp.path().join("out")).unwrap_err();
        assert!(format!("{err:#}").contains("escapes"), "{err:#}");
        assert!(!tmp.path().join("escaped").exists());
    }

    #[test]
    fn truncated_archive_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let archive = tmp.path().join("a.tar.xz");
        make_tar_xz(&archive, &[("top/big", &[7u8; 100_000])]);
        let bytes = std::fs::read(&archive).unwrap();
        std::fs::write(&archive, &bytes[..bytes.len() / 2]).unwrap();
        assert!(tar_xz_strip_top(&archive, &tmp.path().join("out")).is_err());
    }
}
