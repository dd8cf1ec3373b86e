//! What a system's files are, to find what a package left behind: a
//! listing of a tree (path, type, owner, mode, and for files their size
//! and sha256, for symlinks their target), and the differences between two
//! listings (piuparts' rule: after purge, nothing may differ from before
//! the install outside dpkg's and apt's own state).

use std::collections::BTreeMap;
use std::fmt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cache::Sha256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A directory's size is left out: ext4 never shrinks a directory, so
    /// it stays larger after an entry came and went.
    Dir,
    File { size: u64, sha256: String },
    Symlink { target: PathBuf },
    /// Device nodes, fifos and sockets, with their device number.
    Special { what: &'static str, rdev: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    /// Permission bits with setuid, setgid and sticky.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let owner = format!("{:04o} {}:{}", self.mode, self.uid, self.gid);
        match &self.kind {
            Kind::Dir => write!(f, "directory {owner}"),
            Kind::File { size, sha256 } => write!(f, "file {owner} {size} bytes sha256 {sha256}"),
            Kind::Symlink { target } => write!(f, "symlink {owner} -> {}", target.display()),
            Kind::Special { what, rdev } => write!(f, "{what} {owner} device {rdev}"),
        }
    }
}

/// Every entry of a tree, by its path relative to the tree's root.
pub type Listing = BTreeMap<PathBuf, Entry>;

/// Lists `root` without crossing into other file systems (a mounted /proc)
/// and without the subtrees `ignored` names (relative paths; each is left
/// out with everything below it).
pub fn list(root: &Path, ignored: &[&str]) -> Result<Listing> {
    let mut listing = Listing::new();
    let walk = walkdir::WalkDir::new(root).min_depth(1).same_file_system(true).sort_by_file_name();
    let entries = walk.into_iter().filter_entry(|e| {
        let rel = e.path().strip_prefix(root).unwrap_or(e.path());
        !ignored.iter().any(|i| rel.starts_with(i))
    });
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", root.display()))?;
        let meta = entry.metadata().with_context(|| format!("reading {}", entry.path().display()))?;
        let kind = kind_of(entry.path(), &meta)?;
        let rel = entry.path().strip_prefix(root)?.to_path_buf();
        listing.insert(rel, Entry { kind, mode: meta.mode() & 0o7777, uid: meta.uid(), gid: meta.gid() });
    }
    Ok(listing)
}

fn kind_of(path: &Path, meta: &std::fs::Metadata) -> Result<Kind> {
    let file_type = meta.file_type();
    Ok(if file_type.is_dir() {
        Kind::Dir
    } else if file_type.is_file() {
        Kind::File { size: meta.len(), sha256: Sha256::of_file(path)?.to_string() }
    } else if file_type.is_symlink() {
        Kind::Symlink { target: std::fs::read_link(path)? }
    } else {
        let what = if file_type.is_char_device() {
            "character device"
        } else if file_type.is_block_device() {
            "block device"
        } else if file_type.is_fifo() {
            "fifo"
        } else {
            "socket"
        };
        Kind::Special { what, rdev: meta.rdev() }
    })
}

/// One way two listings differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    Added(PathBuf, Entry),
    Removed(PathBuf, Entry),
    Changed { path: PathBuf, before: Entry, after: Entry },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Added(path, e) => write!(f, "left behind: /{} ({e})", path.display()),
            Difference::Removed(path, e) => write!(f, "removed: /{} (was {e})", path.display()),
            Difference::Changed { path, before, after } => {
                write!(f, "modified: /{} (was {before}; now {after})", path.display())
            }
        }
    }
}

/// The differences from `before` to `after`, in path order.
pub fn diff(before: &Listing, after: &Listing) -> Vec<Difference> {
    let mut out = Vec::new();
    for (path, old) in before {
        match after.get(path) {
            None => out.push(Difference::Removed(path.clone(), old.clone())),
            Some(new) if new != old => {
                out.push(Difference::Changed { path: path.clone(), before: old.clone(), after: new.clone() })
            }
            Some(_) => {}
        }
    }
    for (path, new) in after {
        if !before.contains_key(path) {
            out.push(Difference::Added(path.clone(), new.clone()));
        }
    }
    out.sort_by(|a, b| path_of(a).cmp(path_of(b)));
    out
}

fn path_of(d: &Difference) -> &Path {
    match d {
        Difference::Added(p, _) | Difference::Removed(p, _) | Difference::Changed { path: p, .. } => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/kept"), "same").unwrap();
        std::fs::write(root.join("etc/edited"), "old").unwrap();
        std::fs::write(root.join("etc/chmodded"), "x").unwrap();
        std::fs::write(root.join("etc/gone"), "bye").unwrap();
        symlink("kept", root.join("etc/link")).unwrap();
        std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
        std::fs::write(root.join("var/lib/dpkg/status"), "1").unwrap();
        dir
    }

    fn paths(diffs: &[Difference]) -> Vec<String> {
        diffs.iter().map(|d| {
            let kind = match d {
                Difference::Added(..) => "added",
                Difference::Removed(..) => "removed",
                Difference::Changed { .. } => "changed",
            };
            format!("{kind} {}", path_of(d).display())
        }).collect()
    }

    #[test]
    fn identical_trees_have_no_differences() {
        let dir = tree();
        let before = list(dir.path(), &[]).unwrap();
        assert!(before.contains_key(Path::new("etc/link")));
        assert_eq!(diff(&before, &list(dir.path(), &[]).unwrap()), []);
    }

    #[test]
    fn added_removed_and_changed_files_are_each_reported() {
        let dir = tree();
        let root = dir.path();
        let before = list(root, &[]).unwrap();
        std::fs::write(root.join("etc/edited"), "new").unwrap();
        std::fs::set_permissions(root.join("etc/chmodded"), std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::remove_file(root.join("etc/gone")).unwrap();
        std::fs::remove_file(root.join("etc/link")).unwrap();
        symlink("edited", root.join("etc/link")).unwrap();
        std::fs::create_dir_all(root.join("usr/lib/leftover")).unwrap();
        std::fs::write(root.join("usr/lib/leftover/cache"), "").unwrap();
        let diffs = diff(&before, &list(root, &[]).unwrap());
        assert_eq!(paths(&diffs), [
            "changed etc/chmodded",
            "changed etc/edited",
            "removed etc/gone",
            "changed etc/link",
            "added usr",
            "added usr/lib",
            "added usr/lib/leftover",
            "added usr/lib/leftover/cache",
        ]);
        let shown = diffs.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n");
        assert!(shown.contains("left behind: /usr/lib/leftover/cache (file "), "{shown}");
        assert!(shown.contains("modified: /etc/link (was symlink 0777"), "{shown}");
        assert!(shown.contains("removed: /etc/gone (was file "), "{shown}");
    }

    #[test]
    fn a_same_sized_edit_is_found_by_its_hash() {
        let dir = tree();
        let before = list(dir.path(), &[]).unwrap();
        std::fs::write(dir.path().join("etc/kept"), "SAME").unwrap();
        assert_eq!(paths(&diff(&before, &list(dir.path(), &[]).unwrap())), ["changed etc/kept"]);
    }

    #[test]
    fn ignored_subtrees_are_left_out_whole() {
        let dir = tree();
        let root = dir.path();
        let ignored = ["var/lib/dpkg"];
        let before = list(root, &ignored).unwrap();
        assert!(!before.keys().any(|p| p.starts_with("var/lib/dpkg")), "{before:?}");
        assert!(before.contains_key(Path::new("var/lib")));
        std::fs::write(root.join("var/lib/dpkg/status"), "2").unwrap();
        std::fs::write(root.join("var/lib/dpkg/new"), "").unwrap();
        assert_eq!(diff(&before, &list(root, &ignored).unwrap()), []);
        // A sibling whose name merely starts the same is not ignored.
        std::fs::create_dir_all(root.join("var/lib/dpkg-extra")).unwrap();
        assert_eq!(paths(&diff(&before, &list(root, &ignored).unwrap())), ["added var/lib/dpkg-extra"]);
    }
}
