//! The relocatable prefix, as its tools see it (xtask/src/prefix.rs and
//! xtask/src/target_sysroot.rs install it):
//!
//! ```text
//! <prefix>/bin/halvm-config, halvm-inspect, halvm-run, halvm-ghc, ...
//! <prefix>/bin/x86_64-halvm-linux-gcc     C compiler and image linker
//! <prefix>/lib/halvm/include/             minlibc's headers, halvm/platform.h
//! <prefix>/lib/halvm/lib/                 librts_xen.a, libc.a, libm.a, halvm-info.o
//! <prefix>/lib/halvm/halvm.ld             the image linker script
//! <prefix>/lib/halvm/platform-id          the hash of the four above
//! ```
//!
//! A tool finds the prefix from its own location: the directory above the
//! `bin/` it runs from, so the tree can be moved as a whole.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The build-info object every image link should include (see
/// [`crate::build_info`]), relative to the prefix.
pub const INFO_OBJECT: &str = "lib/halvm/lib/halvm-info.o";

/// The platform's id, relative to the prefix: the first 16 hex digits of
/// a SHA-256 of what every image links besides GHC's libraries
/// (librts_xen.a, libc.a, libm.a, halvm.ld), which `cargo xtask build`
/// writes.
pub const PLATFORM_ID: &str = "lib/halvm/platform-id";

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

    /// The symbol of this prefix's platform: halvm-ghc and halvm-cabal put
    /// it into every link (`--defsym`), so that GHC, which relinks when the
    /// link options changed, relinks an image after the platform changed;
    /// it also tells which platform an unstripped image was linked with.
    pub fn platform_symbol(&self) -> Result<String> {
        let file = self.existing(self.root.join(PLATFORM_ID))?;
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        let id = text.trim_end_matches('\n');
        if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            bail!("{} holds {id:?}, not 16 hex digits: the prefix {} is damaged; reinstall it (cargo xtask build)",
                  file.display(), self.root.display());
        }
        Ok(format!("halvm_platform_{id}"))
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
    fn the_platform_symbol_comes_from_a_well_formed_id_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = Prefix { root: dir.path().to_path_buf() };
        let missing = p.platform_symbol().unwrap_err().to_string();
        assert!(missing.contains("platform-id is missing"), "{missing}");
        std::fs::create_dir_all(dir.path().join("lib/halvm")).unwrap();
        let write = |text: &str| std::fs::write(dir.path().join(PLATFORM_ID), text).unwrap();
        write("0123456789abcdef\n");
        assert_eq!(p.platform_symbol().unwrap(), "halvm_platform_0123456789abcdef");
        for bad in ["0123 x; rm -rf\n", "", "0123456789ABCDEF\n", "0123456789abcdef0\n", "0123456789abcde\n"] {
            write(bad);
            let e = p.platform_symbol().unwrap_err().to_string();
            assert!(e.contains("not 16 hex digits"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn a_program_outside_bin_is_refused() {
        let e = Prefix::of_exe(Path::new("/work/target/debug/halvm-config")).unwrap_err();
        assert!(e.to_string().contains("not in a prefix's bin/"), "{e}");
    }
}
