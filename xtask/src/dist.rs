//! `cargo xtask dist`: the installed prefix as a relocatable, reproducible
//! tarball, `build/dist/halvm-<version>-x86_64-linux.tar.xz`, with one top
//! directory `halvm-<version>-x86_64-linux/` holding the prefix and
//! `MANIFEST.sha256` (`sha256sum -c` format: every regular file's hash).
//!
//! Reproducible means the same prefix gives the same bytes: entries in
//! sorted path order, one fixed mtime (`SOURCE_DATE_EPOCH`, else
//! [`DEFAULT_MTIME`]), owner 0/0 named root, modes 0755 (directories and
//! executables) or 0644, symlinks kept as symlinks, and xz with a fixed
//! preset and block size (liblzma's multi-threaded output depends on the
//! block size, not on the number of threads).

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use xshell::Shell;

use crate::build_cmd::{self, BuildArgs, Stages};
use crate::layout::Layout;

/// The toolchain's version, defined once in the workspace's Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The mtime of every entry when `SOURCE_DATE_EPOCH` is not set:
/// 2023-06-10 00:00 UTC, the release date of Debian 12.
pub const DEFAULT_MTIME: u64 = 1_686_355_200;

/// Files of the build directory's prefix that are not part of the toolchain:
/// the build's own completion marker.
const NOT_SHIPPED: &[&str] = &[".halvm-complete"];

/// The tarball's top directory (also its name without `.tar.xz`).
pub fn top_dir() -> String {
    format!("halvm-{VERSION}-x86_64-linux")
}

/// `cargo xtask dist`: builds what is missing, then writes the tarball.
pub fn run(sh: &Shell, layout: &Layout, args: &BuildArgs) -> Result<PathBuf> {
    let built = build_cmd::run(sh, layout, args, Stages::All)?;
    let prefix = built.prefix.context("the build stopped before installing the prefix")?;
    let out = layout.build.join("dist").join(format!("{}.tar.xz", top_dir()));
    write_tarball(&prefix, &top_dir(), mtime_from_env()?, &out)?;
    Ok(out)
}

/// `SOURCE_DATE_EPOCH` if set, else [`DEFAULT_MTIME`].
pub fn mtime_from_env() -> Result<u64> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text.trim().parse().with_context(|| {
            format!("SOURCE_DATE_EPOCH={text:?} is not a number of seconds since 1970; set it to one, or unset it")
        }),
        Err(_) => Ok(DEFAULT_MTIME),
    }
}

/// One file, directory or symlink of a tree, relative to its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dir(PathBuf),
    File { path: PathBuf, executable: bool },
    Symlink { path: PathBuf, target: PathBuf },
}

impl Entry {
    pub fn path(&self) -> &Path {
        match self {
            Entry::Dir(p) | Entry::File { path: p, .. } | Entry::Symlink { path: p, .. } => p,
        }
    }
}

/// Every entry below `root` (not `root` itself), sorted by path so that the
/// order never depends on the file system, without the build's markers.
pub fn entries(root: &Path) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for item in walkdir::WalkDir::new(root).min_depth(1).sort_by_file_name() {
        let item = item.with_context(|| format!("reading {}", root.display()))?;
        let rel = item.path().strip_prefix(root).expect("walkdir stays below its root").to_path_buf();
        if rel.to_str().is_none() {
            bail!("{} is not valid UTF-8; rename it", item.path().display());
        }
        if NOT_SHIPPED.iter().any(|n| rel == Path::new(n)) {
            continue;
        }
        let kind = item.file_type();
        if kind.is_symlink() {
            let target = std::fs::read_link(item.path())?;
            out.push(Entry::Symlink { path: rel, target });
        } else if kind.is_dir() {
            out.push(Entry::Dir(rel));
        } else if kind.is_file() {
            let mode = item.metadata()?.permissions().mode();
            out.push(Entry::File { path: rel, executable: mode & 0o111 != 0 });
        } else {
            bail!("{} is neither a file, a directory nor a symlink; remove it", item.path().display());
        }
    }
    // walkdir sorts siblings; sorting whole paths as strings also makes the
    // order independent of walkdir's depth-first detail.
    out.sort_by(|a, b| a.path().cmp(b.path()));
    Ok(out)
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// `MANIFEST.sha256`: `<sha256>  <path>` for every regular file, as
/// `sha256sum -c` reads it from the top directory.
pub fn manifest(root: &Path, entries: &[Entry]) -> Result<String> {
    let mut text = String::new();
    for entry in entries {
        if let Entry::File { path, .. } = entry {
            let hash = sha256_file(&root.join(path))?;
            text.push_str(&format!("{hash}  {}\n", path.display()));
        }
    }
    Ok(text)
}

/// A header with everything but the path normalised.
fn header(kind: tar::EntryType, mode: u32, size: u64, mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    // Names are ASCII and short: these cannot fail.
    h.set_username("root").expect("short name");
    h.set_groupname("root").expect("short name");
    h
}

/// Writes the tar stream of `root` under `top/`, with `MANIFEST.sha256`
/// first, and returns the writer.
pub fn write_tar<W: Write>(root: &Path, top: &str, mtime: u64, out: W) -> Result<W> {
    let entries = entries(root)?;
    let manifest = manifest(root, &entries)?;
    let mut tar = tar::Builder::new(out);
    tar.mode(tar::HeaderMode::Deterministic);
    let top = Path::new(top);
    let mut h = header(tar::EntryType::Directory, 0o755, 0, mtime);
    tar.append_data(&mut h, top, std::io::empty())?;
    let mut h = header(tar::EntryType::Regular, 0o644, manifest.len() as u64, mtime);
    tar.append_data(&mut h, top.join("MANIFEST.sha256"), manifest.as_bytes())?;
    for entry in &entries {
        let name = top.join(entry.path());
        match entry {
            Entry::Dir(_) => {
                let mut h = header(tar::EntryType::Directory, 0o755, 0, mtime);
                tar.append_data(&mut h, &name, std::io::empty())?;
            }
            Entry::File { path, executable } => {
                let file = File::open(root.join(path)).with_context(|| format!("opening {}", path.display()))?;
                let size = file.metadata()?.len();
                let mode = if *executable { 0o755 } else { 0o644 };
                let mut h = header(tar::EntryType::Regular, mode, size, mtime);
                tar.append_data(&mut h, &name, file)?;
            }
            Entry::Symlink { target, .. } => {
                let mut h = header(tar::EntryType::Symlink, 0o777, 0, mtime);
                tar.append_link(&mut h, &name, target)?;
            }
        }
    }
    Ok(tar.into_inner()?)
}

/// An xz encoder with a fixed preset and block size, on up to two threads.
fn xz_encoder<W: Write>(out: W) -> Result<xz2::write::XzEncoder<W>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2) as u32);
    let stream = xz2::stream::MtStreamBuilder::new()
        .preset(6)
        .block_size(24 << 20)
        .threads(threads)
        .encoder()
        .context("setting up the xz encoder")?;
    Ok(xz2::write::XzEncoder::new_stream(out, stream))
}

/// Writes `root` as `out` (.tar.xz) atomically: a partial file never has
/// the final name.
pub fn write_tarball(root: &Path, top: &str, mtime: u64, out: &Path) -> Result<()> {
    let dir = out.parent().context("the tarball needs a directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let partial = out.with_extension("xz.partial");
    let file = File::create(&partial).with_context(|| format!("creating {}", partial.display()))?;
    let xz = write_tar(root, top, mtime, xz_encoder(BufWriter::new(file))?)?;
    xz.finish()?.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&partial, out).with_context(|| format!("renaming {} into place", partial.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A tiny prefix: a directory, an executable, a plain file, a symlink
    /// and the build's marker (which must not be shipped).
    fn tiny_tree(root: &Path, file_mode: u32) {
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::create_dir_all(root.join("lib/b")).unwrap();
        std::fs::write(root.join("bin/tool-1"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(root.join("bin/tool-1"), std::fs::Permissions::from_mode(0o700)).unwrap();
        symlink("tool-1", root.join("bin/tool")).unwrap();
        std::fs::write(root.join("lib/b/data"), "data\n").unwrap();
        std::fs::set_permissions(root.join("lib/b/data"), std::fs::Permissions::from_mode(file_mode)).unwrap();
        std::fs::write(root.join(".halvm-complete"), "").unwrap();
    }

    fn tar_bytes(root: &Path) -> Vec<u8> {
        write_tar(root, "top", 1234, Vec::new()).unwrap()
    }

    #[test]
    fn same_tree_gives_same_bytes_whatever_the_mtimes_and_modes() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        tiny_tree(a.path(), 0o644);
        tiny_tree(b.path(), 0o600);
        // Different mtimes on the two copies.
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        File::options().write(true).open(b.path().join("lib/b/data")).unwrap().set_modified(old).unwrap();
        assert_eq!(tar_bytes(a.path()), tar_bytes(b.path()));
    }

    #[test]
    fn entries_are_sorted_normalised_and_the_manifest_comes_first() {
        let dir = tempfile::tempdir().unwrap();
        tiny_tree(dir.path(), 0o600);
        let bytes = tar_bytes(dir.path());
        let mut archive = tar::Archive::new(&bytes[..]);
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let h = entry.header().clone();
            let path = entry.path().unwrap().display().to_string();
            assert_eq!((h.uid().unwrap(), h.gid().unwrap(), h.mtime().unwrap()), (0, 0, 1234), "{path}");
            assert_eq!(h.username().unwrap(), Some("root"));
            let mut body = String::new();
            entry.read_to_string(&mut body).unwrap();
            seen.push((path, h.mode().unwrap(), h.entry_type(), entry.link_name().unwrap().map(|l| l.display().to_string()), body));
        }
        let names: Vec<&str> = seen.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(names, ["top", "top/MANIFEST.sha256", "top/bin", "top/bin/tool", "top/bin/tool-1", "top/lib", "top/lib/b", "top/lib/b/data"]);
        let find = |n: &str| seen.iter().find(|s| s.0 == n).unwrap();
        assert_eq!(find("top/bin/tool-1").1, 0o755);
        assert_eq!(find("top/lib/b/data").1, 0o644);
        assert_eq!(find("top/lib").1, 0o755);
        assert!(find("top/bin/tool").2.is_symlink());
        assert_eq!(find("top/bin/tool").3.as_deref(), Some("tool-1"));
        // The manifest lists the regular files with their real hashes.
        let manifest = &find("top/MANIFEST.sha256").4;
        let data_hash = sha256_file(&dir.path().join("lib/b/data")).unwrap();
        assert!(manifest.contains(&format!("{data_hash}  lib/b/data\n")), "{manifest}");
        assert_eq!(manifest.lines().count(), 2, "{manifest}");
    }

    #[test]
    fn xz_tarball_is_reproducible_and_renamed_into_place() {
        let tree = tempfile::tempdir().unwrap();
        tiny_tree(tree.path(), 0o644);
        let out = tempfile::tempdir().unwrap();
        let one = out.path().join("one.tar.xz");
        let two = out.path().join("two.tar.xz");
        write_tarball(tree.path(), "top", 5, &one).unwrap();
        write_tarball(tree.path(), "top", 5, &two).unwrap();
        assert_eq!(std::fs::read(&one).unwrap(), std::fs::read(&two).unwrap());
        assert!(!out.path().join("one.tar.xz.partial").exists());
        let mut text = Vec::new();
        xz2::read::XzDecoder::new(File::open(&one).unwrap()).read_to_end(&mut text).unwrap();
        assert_eq!(text, tar_bytes_with_mtime(tree.path(), 5));
    }

    fn tar_bytes_with_mtime(root: &Path, mtime: u64) -> Vec<u8> {
        write_tar(root, "top", mtime, Vec::new()).unwrap()
    }

    #[test]
    fn a_bad_source_date_epoch_is_named() {
        // Only this test touches SOURCE_DATE_EPOCH in this crate's tests.
        std::env::set_var("SOURCE_DATE_EPOCH", "yesterday");
        let err = mtime_from_env().unwrap_err().to_string();
        std::env::set_var("SOURCE_DATE_EPOCH", "42");
        let ok = mtime_from_env().unwrap();
        std::env::remove_var("SOURCE_DATE_EPOCH");
        assert!(err.contains("SOURCE_DATE_EPOCH=\"yesterday\""), "{err}");
        assert_eq!(ok, 42);
        assert_eq!(mtime_from_env().unwrap(), DEFAULT_MTIME);
    }
}
