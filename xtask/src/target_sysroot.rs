//! The target's C world, laid out exactly as in the installed prefix, so one
//! set of relocatable wrapper scripts serves GHC's build and the installed
//! compiler alike:
//!
//! ```text
//! <root>/bin/x86_64-halvm-linux-gcc      C compiler and image linker
//! <root>/bin/x86_64-halvm-linux-{ar,ld,nm,...}
//! <root>/lib/halvm/include/              minlibc's headers and halvm/platform.h
//! <root>/lib/halvm/lib/                  librts_xen.a, libminlibc.a, libm.a
//! <root>/lib/halvm/halvm.ld              the image linker script
//! <root>/lib/halvm/platform-id           a hash of the libraries and script every image links
//! <root>/lib/halvm/link.specs            keeps the host's library paths out
//! ```
//!
//! The wrappers find `lib/halvm` relative to their own location: the tree can
//! be moved anywhere.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use crate::layout::Layout;
use crate::minlibc;
use crate::fsutil::{copy_if_changed, files_under, write_if_changed};
use crate::relocate;
use crate::rts_xen::RtsXen;

pub use halvm_target_c::TARGET;
use halvm_target_c::TARGET_CFLAGS;

/// Host binutils that serve the target unchanged (x86_64 ELF either way).
const BINUTILS: &[&str] = &["ar", "nm", "ranlib", "strip", "objdump", "ld", "readelf", "objcopy"];

pub struct Sysroot {
    pub root: PathBuf,
}

impl Sysroot {
    pub fn bin_dir(&self) -> PathBuf {
        self.root.join("bin")
    }
    pub fn halvm_dir(&self) -> PathBuf {
        self.root.join("lib/halvm")
    }
    pub fn include_dir(&self) -> PathBuf {
        self.halvm_dir().join("include")
    }

    /// `PATH` with the target tools first (GHC's configure looks them up
    /// by their prefixed names).
    pub fn path_with_tools(&self) -> Result<OsString> {
        let mut dirs = vec![self.bin_dir()];
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        std::env::join_paths(dirs).context("a PATH entry contains a colon")
    }
}

/// Lays out (or refreshes) the compile side of the target sysroot at
/// `root`: the wrappers, the headers (minlibc's and the platform API's),
/// link.specs and the linker script. Enough to compile target C; linking
/// also needs [`Sysroot::install_libs`]. Files whose content did not
/// change keep their timestamps, so make sees no change.
pub fn prepare(sh: &Shell, layout: &Layout, root: &Path, rts: &RtsXen) -> Result<Sysroot> {
    let sysroot = Sysroot { root: root.to_path_buf() };
    let halvm = sysroot.halvm_dir();
    let include = sysroot.include_dir();
    let mut wanted_headers = Vec::new();
    for dir in [&minlibc::include_dir(&layout.repo), &rts.include] {
        sync_headers(dir, &include, &mut wanted_headers)?;
    }
    remove_unwanted(&include, &wanted_headers)?;
    copy_if_changed(&rts.linker_script, &halvm.join("halvm.ld"))?;
    let templates = layout.repo.join("toolchain/ghc/bin");
    copy_if_changed(&templates.join("link.specs"), &halvm.join("link.specs"))?;
    write_wrappers(sh, &templates, &sysroot.bin_dir())?;
    copy_if_changed(&rts.lib, &sysroot.lib_dir().join("librts_xen.a"))?;
    Ok(sysroot)
}

impl Sysroot {
    /// The target C compiler and image linker.
    pub fn gcc(&self) -> PathBuf {
        self.bin_dir().join(format!("{TARGET}-gcc"))
    }
    /// A target binutils tool (`ar`, `nm`, ...).
    pub fn tool(&self, name: &str) -> PathBuf {
        self.bin_dir().join(format!("{TARGET}-{name}"))
    }
    pub fn lib_dir(&self) -> PathBuf {
        self.halvm_dir().join("lib")
    }

    /// Puts the C library and libm where the wrapper links them from.
    /// minlibc goes in as libc.a: GHC's own `-lc` (ghc-prim asks for it on
    /// linux) must find it, never the host's.
    pub fn install_libs(&self, libc: &minlibc::Built) -> Result<()> {
        for (lib, name) in [(&libc.libminlibc, "libc.a"), (&libc.libm, "libm.a")] {
            copy_if_changed(lib, &self.lib_dir().join(name))?;
        }
        self.write_platform_id()
    }

    /// Writes `lib/halvm/platform-id`: a hash of what every image links
    /// besides GHC's own libraries (rts-xen, minlibc, libm, the linker
    /// script). halvm-ghc puts it into the link options, which GHC records
    /// in each executable and compares: an image is relinked when the
    /// platform changed, not only when its Haskell code did.
    fn write_platform_id(&self) -> Result<()> {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        for file in [self.lib_dir().join("librts_xen.a"), self.lib_dir().join("libc.a"), self.lib_dir().join("libm.a"),
                     self.halvm_dir().join("halvm.ld")] {
            hash.update(std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?);
        }
        let id = format!("{:x}", hash.finalize());
        let file = self.root.join(halvm_tools::prefix::PLATFORM_ID);
        crate::fsutil::write_if_changed(&file, format!("{}\n", &id[..16]).as_bytes())
    }
}

/// The whole sysroot: [`prepare`] and [`Sysroot::install_libs`].
pub fn assemble(sh: &Shell, layout: &Layout, root: &Path, rts: &RtsXen, libc: &minlibc::Built) -> Result<Sysroot> {
    let sysroot = prepare(sh, layout, root, rts)?;
    sysroot.install_libs(libc)?;
    Ok(sysroot)
}

fn write_wrappers(sh: &Shell, templates: &Path, bin: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let host_cc = "/usr/bin/gcc";
    let libgcc = cmd!(sh, "{host_cc} -print-libgcc-file-name").quiet().read().context("asking gcc for libgcc")?;
    let gcc_include = cmd!(sh, "{host_cc} -print-file-name=include").quiet().read()?;
    // Paths inside the sysroot start with "$prefix", which the script
    // computes from its own location; host paths are absolute.
    let gcc = relocate::replace_all(
        &std::fs::read_to_string(templates.join("target-gcc.in"))?,
        &[
            ("@TARGET@", TARGET),
            ("@HOST_CC@", host_cc),
            ("@GCC_INCLUDE@", &gcc_include),
            ("@LIBGCC@", &libgcc),
            ("@MINLIBC_INCLUDE@", "$prefix/lib/halvm/include"),
            ("@PLATFORM_INCLUDE@", "$prefix/lib/halvm/include"),
            ("@LDSCRIPT@", "$prefix/lib/halvm/halvm.ld"),
            ("@LINK_SPECS@", "$prefix/lib/halvm/link.specs"),
            ("@LINK_LIBDIR@", "$prefix/lib/halvm/lib"),
            ("@LINK_LIBS@", "-lrts_xen -lc -lm"),
            ("@TARGET_CFLAGS@", &TARGET_CFLAGS.join(" ")),
        ],
    );
    let mut scripts = vec![(format!("{TARGET}-gcc"), gcc)];
    let tool_template = std::fs::read_to_string(templates.join("target-tool.in"))?;
    for tool in BINUTILS {
        let text = tool_template
            .replace("@TARGET@", TARGET)
            .replace("@TOOL@", tool)
            .replace("@HOST_TOOL@", &format!("/usr/bin/x86_64-linux-gnu-{tool}"));
        scripts.push((format!("{TARGET}-{tool}"), text));
    }
    std::fs::create_dir_all(bin)?;
    for (name, text) in scripts {
        let path = bin.join(name);
        write_if_changed(&path, text.as_bytes())?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// Mirrors the headers (`*.h`) under `src` into `dest`; returns the
/// destination paths.
fn sync_headers(src: &Path, dest: &Path, wanted: &mut Vec<PathBuf>) -> Result<()> {
    for path in files_under(src)? {
        if path.extension().is_some_and(|e| e == "h") {
            let target = dest.join(path.strip_prefix(src).unwrap());
            copy_if_changed(&path, &target)?;
            wanted.push(target);
        }
    }
    Ok(())
}

/// Headers deleted from the sources disappear from the sysroot too.
fn remove_unwanted(dir: &Path, wanted: &[PathBuf]) -> Result<()> {
    for path in files_under(dir)? {
        if !wanted.contains(&path) {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}
