//! File archives for images (README "Files"): packing a directory into a
//! tar archive the guest's minlibc reads (minlibc/src/fs_tar.c), checking
//! a given archive against the same rules, and the assembly that embeds an
//! archive in an image (section `.halvm_files`, see
//! rts-xen/include/halvm/files.h) for halvm-ghc --files.
//!
//! Packing is deterministic: entries in byte order of their paths, mtime
//! 0, owner 0:0 without names, permissions 0755 for directories and
//! executables and 0644 for other files; the `tar` crate writes GNU
//! headers (names over 100 bytes as ././@LongLink records, which minlibc
//! reads). The rules, the guest's own: relative paths without `..`,
//! regular files, directories and symbolic links only, no link whose
//! relative target climbs above the root, no duplicate names, nothing at
//! `tmp` (the guest's in-memory /tmp). A violation is an error naming the
//! entry.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Packs `source`: a directory is packed, a file is taken as a finished
/// archive and checked. Errors name the entry.
pub fn archive_of(source: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(source).map_err(|e| format!("{}: {e}", source.display()))?;
    if meta.is_dir() {
        let bytes = pack_dir(source)?;
        check(&bytes).map_err(|e| format!("{}: {e}", source.display()))?;
        Ok(bytes)
    } else {
        let bytes = std::fs::read(source).map_err(|e| format!("{}: {e}", source.display()))?;
        check(&bytes).map_err(|e| format!("{}: {e}", source.display()))?;
        Ok(bytes)
    }
}

/// Packs the tree under `dir` (not `dir` itself: its contents are the
/// guest's root).
pub fn pack_dir(dir: &Path) -> Result<Vec<u8>, String> {
    let mut paths = Vec::new();
    collect(dir, Path::new(""), &mut paths)?;
    paths.sort_by(|a, b| a.as_os_str().as_encoded_bytes().cmp(b.as_os_str().as_encoded_bytes()));
    let mut tar = tar::Builder::new(Vec::new());
    for rel in &paths {
        let full = dir.join(rel);
        let meta = std::fs::symlink_metadata(&full).map_err(|e| format!("{}: {e}", full.display()))?;
        let kind = meta.file_type();
        let mut h = tar::Header::new_gnu();
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        let name = rel.display();
        let result = if kind.is_dir() {
            h.set_entry_type(tar::EntryType::Directory);
            h.set_mode(0o755);
            h.set_size(0);
            tar.append_data(&mut h, rel, std::io::empty())
        } else if kind.is_symlink() {
            let target = std::fs::read_link(&full).map_err(|e| format!("{}: {e}", full.display()))?;
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_mode(0o777);
            h.set_size(0);
            tar.append_link(&mut h, rel, &target)
        } else if kind.is_file() {
            let data = std::fs::read(&full).map_err(|e| format!("{}: {e}", full.display()))?;
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(if meta.permissions().mode() & 0o111 != 0 { 0o755 } else { 0o644 });
            h.set_size(data.len() as u64);
            tar.append_data(&mut h, rel, &data[..])
        } else {
            return Err(format!("entry \"{name}\": not a regular file, directory or symbolic link \
                                (devices, FIFOs and sockets cannot be packed)"));
        };
        result.map_err(|e| format!("entry \"{name}\": {e}"))?;
    }
    tar.into_inner().map_err(|e| e.to_string())
}

fn collect(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let dir = root.join(rel);
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = rel.join(entry.file_name());
        let is_dir = entry.file_type().map_err(|e| format!("{}: {e}", path.display()))?.is_dir();
        out.push(path.clone());
        if is_dir {
            collect(root, &path, out)?;
        }
    }
    Ok(())
}

/// Checks an archive against the guest's rules; Ok: the number of entries.
pub fn check(bytes: &[u8]) -> Result<usize, String> {
    let mut archive = tar::Archive::new(bytes);
    let mut seen = HashSet::new();
    let mut not_dirs: HashSet<Vec<u8>> = HashSet::new();
    let mut count = 0;
    let entries = archive.entries().map_err(|e| format!("not a tar archive: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("malformed archive: {e}"))?;
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8_lossy(&raw).into_owned();
        let bad = |why: &str| Err(format!("entry \"{name}\": {why}"));
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir() || kind.is_symlink()) {
            return bad("not a regular file, directory or symbolic link");
        }
        let Some(path) = normalise(&raw) else {
            return bad("absolute path or \"..\" component");
        };
        if path.is_empty() {
            if !kind.is_dir() {
                return bad("the root must be a directory");
            }
            continue;
        }
        if path == b"tmp" || path.starts_with(b"tmp/") {
            return bad("/tmp is the guest's in-memory directory; archives cannot fill it");
        }
        if !seen.insert(path.clone()) {
            return bad("duplicate name");
        }
        let mut prefix = path.as_slice();
        while let Some(slash) = prefix.iter().rposition(|&b| b == b'/') {
            prefix = &prefix[..slash];
            if not_dirs.contains(prefix) {
                return bad("a parent of it is not a directory in the archive");
            }
        }
        if !kind.is_dir() {
            not_dirs.insert(path.clone());
        }
        if kind.is_symlink() {
            let target = entry.link_name_bytes().map(|t| t.into_owned()).unwrap_or_default();
            let depth = path.iter().filter(|&&b| b == b'/').count();
            if target.is_empty() || escapes(&target, depth) {
                return bad("symbolic link pointing above the root");
            }
        }
        // data beyond the archive's end is reported by the reader on the
        // next entry; reading the data here makes sure
        let mut entry = entry;
        std::io::copy(&mut (&mut entry).take(u64::MAX), &mut std::io::sink())
            .map_err(|e| format!("entry \"{name}\": {e}"))?;
        count += 1;
    }
    Ok(count)
}

/// "a/./b//c/" -> "a/b/c"; None for absolute paths and ".." components.
fn normalise(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.first() == Some(&b'/') {
        return None;
    }
    let mut out = Vec::new();
    for part in raw.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => return None,
            p => {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(p);
            }
        }
    }
    Some(out)
}

/// Whether a relative link target, from a link `depth` directories below
/// the root, climbs above it (absolute targets stay inside the guest's
/// tree).
fn escapes(target: &[u8], depth: usize) -> bool {
    if target.first() == Some(&b'/') {
        return false;
    }
    let mut d = depth as i64;
    for part in target.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                d -= 1;
                if d < 0 {
                    return true;
                }
            }
            _ => d += 1,
        }
    }
    false
}

/// A size with an optional K, M or G suffix (powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let (digits, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c.to_ascii_uppercase()),
        _ => (s, ' '),
    };
    let n: u64 = digits.parse().map_err(|_| format!("{s:?} is not a size (digits with an optional K, M or G)"))?;
    let scale = match unit {
        ' ' => 1,
        'K' => 1 << 10,
        'M' => 1 << 20,
        'G' => 1 << 30,
        _ => return Err(format!("{s:?}: the unit must be K, M or G")),
    };
    match n.checked_mul(scale) {
        Some(0) | None => Err(format!("{s:?}: the size must be between 1 byte and 2^64")),
        Some(v) => Ok(v),
    }
}

/// Assembly for the object halvm-ghc links: the archive at `tar` (an
/// absolute path, included by the assembler) in section .halvm_files, and
/// `__halvm_tmp_size` when a /tmp size is given (minlibc reads it).
pub fn link_assembly(tar: Option<&Path>, tmp_size: Option<u64>) -> String {
    let mut s = String::new();
    if let Some(tar) = tar {
        let quoted = tar.display().to_string().replace('\\', "\\\\").replace('"', "\\\"");
        let _ = writeln!(s, "\t.section .halvm_files,\"a\",@progbits\n\t.incbin \"{quoted}\"");
    }
    if let Some(size) = tmp_size {
        let _ = writeln!(
            s,
            "\t.section .rodata.halvm_tmp_size,\"a\",@progbits\n\t.p2align 3\n\t.globl __halvm_tmp_size\n\
             __halvm_tmp_size:\n\t.quad {size}"
        );
    }
    // without it, ld warns that the object implies an executable stack
    s.push_str("\t.section .note.GNU-stack,\"\",@progbits\n");
    s
}

/// Writes `bytes` into `dir` under a name made of their content's hash
/// (so that the same content gives the same path, which keeps GHC from
/// relinking when nothing changed) and returns the path.
pub fn store_by_content(dir: &Path, stem: &str, ext: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let hash = fnv1a64(bytes);
    let path = dir.join(format!("{stem}-{hash:016x}-{}.{ext}", bytes.len()));
    if std::fs::read(&path).map(|old| old == bytes).unwrap_or(false) {
        return Ok(path);
    }
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{stem}.{}.partial", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// FNV-1a, 64 bits: names cache files by content (not a security hash:
/// the file's own bytes are compared before it is reused).
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("etc/sub")).unwrap();
        std::fs::write(d.path().join("etc/config"), "x = 1\n").unwrap();
        std::fs::write(d.path().join("run.sh"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(d.path().join("run.sh"), std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::write(d.path().join(format!("etc/sub/{}", "n".repeat(120))), "long").unwrap();
        symlink("config", d.path().join("etc/alias")).unwrap();
        d
    }

    #[test]
    fn packing_is_deterministic_and_sorted() {
        let d = tree();
        let a = pack_dir(d.path()).unwrap();
        let b = pack_dir(d.path()).unwrap();
        assert_eq!(a, b);
        let mut archive = tar::Archive::new(&a[..]);
        let names: Vec<(String, u32, u64)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                (e.path().unwrap().display().to_string(), h.mode().unwrap(), h.mtime().unwrap())
            })
            .collect();
        let expect = [
            ("etc", 0o755),
            ("etc/alias", 0o777),
            ("etc/config", 0o644),
            ("etc/sub", 0o755),
            (&*format!("etc/sub/{}", "n".repeat(120)), 0o644),
            ("run.sh", 0o755),
        ];
        assert_eq!(names.len(), expect.len(), "{names:?}");
        for ((n, m, t), (en, em)) in names.iter().zip(expect) {
            assert_eq!((n.as_str(), *m, *t), (en, em, 0));
        }
        assert_eq!(check(&a).unwrap(), 6);
    }

    #[test]
    fn packing_refuses_what_the_guest_refuses_naming_the_entry() {
        let d = tree();
        symlink("../../outside", d.path().join("etc/escape")).unwrap();
        let e = archive_of(d.path()).unwrap_err();
        assert!(e.contains("etc/escape") && e.contains("above the root"), "{e}");

        let d = tree();
        std::fs::create_dir(d.path().join("tmp")).unwrap();
        let e = archive_of(d.path()).unwrap_err();
        assert!(e.contains("\"tmp\"") && e.contains("/tmp"), "{e}");
    }

    #[test]
    fn given_archives_are_checked() {
        let raw = |name: &[u8], kind: tar::EntryType| {
            let mut h = tar::Header::new_ustar();
            h.as_old_mut().name[..name.len()].copy_from_slice(name);
            h.set_entry_type(kind);
            h.set_size(0);
            h.set_cksum();
            let mut b = tar::Builder::new(Vec::new());
            b.append(&h, std::io::empty()).unwrap();
            b.into_inner().unwrap()
        };
        assert!(check(&raw(b"../x", tar::EntryType::Regular)).unwrap_err().contains("\"../x\""));
        assert!(check(&raw(b"/x", tar::EntryType::Regular)).unwrap_err().contains("absolute"));
        assert!(check(&raw(b"dev", tar::EntryType::Char)).unwrap_err().contains("\"dev\""));
        assert!(check(&raw(b"ok", tar::EntryType::Regular)).is_ok());
        let mut two = raw(b"x", tar::EntryType::Regular);
        two.truncate(512);
        two.extend(raw(b"./x", tar::EntryType::Regular));
        assert!(check(&two).unwrap_err().contains("duplicate"));
        let mut under_file = raw(b"x", tar::EntryType::Regular);
        under_file.truncate(512);
        under_file.extend(raw(b"x/y", tar::EntryType::Regular));
        assert!(check(&under_file).unwrap_err().contains("not a directory"));
    }

    #[test]
    fn sizes_and_assembly() {
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("0").is_err() && parse_size("1T").is_err() && parse_size("M").is_err());
        let s = link_assembly(Some(Path::new("/c/files-1.tar")), Some(1 << 20));
        assert!(s.contains(".section .halvm_files") && s.contains(".incbin \"/c/files-1.tar\""), "{s}");
        assert!(s.contains("__halvm_tmp_size:\n\t.quad 1048576"), "{s}");
    }

    #[test]
    fn content_named_files_are_reused() {
        let d = tempfile::tempdir().unwrap();
        let a = store_by_content(d.path(), "files", "tar", b"abc").unwrap();
        let b = store_by_content(d.path(), "files", "tar", b"abc").unwrap();
        let c = store_by_content(d.path(), "files", "tar", b"abd").unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(std::fs::read(&c).unwrap(), b"abd");
    }
}
