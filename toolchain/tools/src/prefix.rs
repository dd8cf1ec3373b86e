//! The relocatable prefix, as its tools see it (xtask/src/prefix.rs and
//! xtask/src/target_sysroot.rs install it):
//!
//! ```text
//! <prefix>/bin/halvm-config, halvm-inspect, halvm-run, halvm-ghc, ...
//! <prefix>/bin/x86_64-halvm-linux-gcc     C compiler and image linker
//! <prefix>/lib/halvm/include/             minlibc's headers, halvm/platform.h
//! <prefix>/lib/halvm/lib/                 librts_xen.a, libc.a, libm.a, halvm-info.o
//! <prefix>/lib/halvm/halvm.ld             the image linker script
//! ```
//!
//! A tool finds the prefix from its own location: the directory above the
//! `bin/` it runs from, so the tree can be moved as a whole.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The build-info object every image link should include (see
/// [`crate::build_info`]), relative to the prefix.
pub const INFO_OBJECT: &str = "lib/halvm/lib/halvm-info.o";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix {
    pub root: PathBuf,
}

impl Prefix {
    /// The prefix of the running program, which must be installed in
    /// `<prefix>/bin`.
    pub fn of_current_exe() -> Result<Prefix> {
        let exe = std::env::current_exe().context("finding this program's own path")?;
        Prefix::of_exe(&exe)
    }

    /// The prefix of a program at `exe` (symbolic links already resolved,
    /// as `current_exe` does on Linux).
    pub fn of_exe(exe: &Path) -> Result<Prefix> {
        let bin = exe.parent().filter(|d| d.file_name().is_some_and(|n| n == "bin"));
        match bin.and_then(Path::parent) {
            Some(root) => Ok(Prefix { root: root.to_path_buf() }),
            None => bail!("{} is not in a prefix's bin/ directory, so the prefix cannot be found from it; \
                           run the copy installed in <prefix>/bin (`cargo xtask prefix` prints the prefix)",
                          exe.display()),
        }
    }

    pub fn cc(&self) -> PathBuf {
        self.root.join("bin").join(format!("{}-gcc", crate::TARGET))
    }
    pub fn libdir(&self) -> PathBuf {
        self.root.join("lib/halvm/lib")
    }
    pub fn ldscript(&self) -> PathBuf {
        self.root.join("lib/halvm/halvm.ld")
    }
    pub fn info_object(&self) -> PathBuf {
        self.root.join(INFO_OBJECT)
    }

    /// `path`, if it exists; otherwise an error naming the incomplete prefix.
    pub fn existing(&self, path: PathBuf) -> Result<PathBuf> {
        if path.exists() {
            Ok(path)
        } else {
            bail!("{} is missing: the prefix {} is incomplete; reinstall it (cargo xtask build)",
                  path.display(), self.root.display())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_is_the_parent_of_bin() {
        let p = Prefix::of_exe(Path::new("/opt/halvm/bin/halvm-config")).unwrap();
        assert_eq!(p.root, Path::new("/opt/halvm"));
        assert_eq!(p.cc(), Path::new("/opt/halvm/bin/x86_64-halvm-linux-gcc"));
    }

    #[test]
    fn a_program_outside_bin_is_refused() {
        let e = Prefix::of_exe(Path::new("/work/target/debug/halvm-config")).unwrap_err();
        assert!(e.to_string().contains("not in a prefix's bin/"), "{e}");
    }
}
