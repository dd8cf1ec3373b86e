//! Builds the Haskell test programs (tests/haskell/*.hs, each with the
//! modules in tests/haskell/<Name>/ if it has any) twice: with
//! `halvm-ghc` into `build/images/haskell/<Name>.xen`, and with the platform
//! GHC into `build/images/haskell/host/<Name>/halvm`, the Linux reference
//! the boot tests compare against. A program is rebuilt only when its
//! source or the compiler changed.
//!
//! The file tests (README "Files") also get `files-tree/` there, a
//! generated tree with a 10 MiB file: `Files.xen` is built plain (the
//! tests give it the tree as a boot module), `FilesEmbedded.xen` from the
//! same source with `--files files-tree`, `FilesLimits.xen` with the tree
//! and `--tmp-size 1M`. The Linux build of Files runs inside the tree.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use crate::build_cmd::Built;
use crate::layout::Layout;
use crate::platform_ghc::PlatformGhc;
use crate::progress::Step;
use crate::fsutil::files_under;
use crate::input_key::{self, InputKey};
use crate::{atomic_dir, prefix, test_cmd};

pub fn images_dir(layout: &Layout) -> PathBuf {
    layout.images().join("haskell")
}

/// Builds the programs (if needed) and runs the halvm-ghc-tests target
/// `target` (qemu or xen) against them.
pub fn run_lane(sh: &Shell, layout: &Layout, built: &Built, target: &str, serial: bool) -> Result<()> {
    let prefix = built.prefix.as_deref().context("the cross compiler was not built")?;
    let images = build(sh, layout, prefix, &built.platform_ghc)?;
    let _images = sh.push_env("HALVM_HASKELL_IMAGES", &images);
    let _prefix = sh.push_env("HALVM_PREFIX", prefix);
    let mut args = vec!["test", "--package", "halvm-ghc-tests", "--test", target];
    if target == "qemu" {
        args.extend(["--test", "relocatable", "--test", "template_haskell", "--test", "haskell_libs"]);
    }
    if serial {
        args.extend(["--", "--test-threads=1"]);
    }
    test_cmd::cargo(sh, layout, &args)
}

/// The key of everything an image depends on in the prefix: the compiler's
/// cache key, halvm-ghc, the linked libraries and the linker script.
pub fn toolchain_key(prefix: &Path) -> Result<String> {
    Ok(InputKey::new("halvm toolchain")
        .text("compiler", &atomic_dir::completed_key(prefix).context("the prefix is not complete")?)
        .file(prefix, &prefix::halvm_ghc(prefix))?
        .tree(prefix, &prefix.join("lib/halvm/lib"))?
        .file(prefix, &prefix.join("lib/halvm/halvm.ld"))?
        .finish())
}

/// Builds every program whose image or Linux build is missing or was made
/// from other inputs: its source, and for the image the whole toolchain
/// (the compiler's cache key, halvm-ghc, the linked libraries and linker
/// script); for the Linux build the platform GHC's version.
pub fn build(sh: &Shell, layout: &Layout, prefix: &Path, platform_ghc: &PlatformGhc) -> Result<PathBuf> {
    let halvm_ghc = prefix::halvm_ghc(prefix);
    let toolchain = toolchain_key(prefix)?;
    let host_ghc = platform_ghc.ghc();
    let host_version = platform_ghc.version(sh)?;
    let sources = layout.repo.join("tests/haskell");
    let out = images_dir(layout);
    // Programs are the top-level files; a program's own modules live in a
    // directory of its name (TemplateHaskell/Splices.hs is module
    // TemplateHaskell.Splices, found through -i), which is part of its key.
    let programs: Vec<PathBuf> = files_under(&sources)?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "hs") && p.parent() == Some(sources.as_path()))
        .collect();
    let search = format!("-i{}", sources.display());
    let step = Step::start(&format!("building {} Haskell test programs (halvm-ghc and the platform GHC)", programs.len()));
    let tree = files_tree(&out)?;
    let tree_key = InputKey::new("files tree").tree(&tree, &tree)?.finish();
    for source in &programs {
        let name = source.file_stem().unwrap().to_string_lossy().into_owned();
        let mut images = vec![(name.clone(), Vec::<String>::new())];
        if name == "Files" {
            images.push(("FilesEmbedded".into(), vec!["--files".into(), tree.display().to_string()]));
        }
        if name == "FilesLimits" {
            images[0].1 = vec!["--files".into(), tree.display().to_string(), "--tmp-size".into(), "1M".into()];
        }
        for (image_name, halvm_flags) in &images {
            let image = out.join(format!("{image_name}.xen"));
            let mut key = InputKey::new("halvm image");
            key.text("toolchain", &toolchain)
                .file(&sources, source)?
                .tree(&sources, &sources.join(&name))?
                .text("flags", &halvm_flags.join(" "));
            if !halvm_flags.is_empty() {
                key.text("tree", &tree_key);
            }
            let key = key.finish();
            input_key::rebuild_unless_current(&image, &key, || {
                let objects = out.join("obj").join(image_name);
                // What another toolchain compiled is not reused: interface
                // files keep their version across compiler rebuilds.
                crate::fsutil::remove_if_exists(&objects)?;
                cmd!(sh, "{halvm_ghc} -v0 -O {search} {halvm_flags...} -outputdir {objects} {source} -o {image}")
                    .run()
                    .with_context(|| format!("halvm-ghc could not build {}", source.display()))
            })?;
        }
        let host_dir = out.join("host").join(&name);
        let host = host_dir.join("halvm");
        let key = InputKey::new("linux program")
            .text("ghc", &host_version)
            .file(&sources, source)?
            .tree(&sources, &sources.join(&name))?
            .finish();
        input_key::rebuild_unless_current(&host, &key, || {
            let objects = host_dir.join("obj");
            cmd!(sh, "{host_ghc} -v0 -O -rtsopts {search} -outputdir {objects} {source} -o {host}")
                .run()
                .with_context(|| format!("the platform GHC could not build {}", source.display()))
        })?;
    }
    step.done();
    Ok(out)
}

/// Builds the programs of tests/haskell-xen, which use the prefix's Xen
/// libraries (halvm-xen) and so exist only as images (no Linux build to
/// compare with: the domU lane checks them by assertions), into
/// `build/images/haskell-xen/<Name>.xen`.
pub fn build_xen_programs(sh: &Shell, layout: &Layout, prefix: &Path) -> Result<PathBuf> {
    let halvm_ghc = prefix::halvm_ghc(prefix);
    let toolchain = toolchain_key(prefix)?;
    let libraries = InputKey::new("installed haskell libraries")
        .tree(prefix, &crate::haskell_libs::ghc_libdir(prefix).join("package.conf.d"))?
        .finish();
    let sources = layout.repo.join("tests/haskell-xen");
    let out = layout.images().join("haskell-xen");
    for source in files_under(&sources)?.into_iter().filter(|p| p.extension().is_some_and(|e| e == "hs")) {
        let name = source.file_stem().unwrap().to_string_lossy().into_owned();
        let image = out.join(format!("{name}.xen"));
        let key = InputKey::new("halvm-xen image")
            .text("toolchain", &toolchain)
            .text("libraries", &libraries)
            .file(&sources, &source)?
            .finish();
        input_key::rebuild_unless_current(&image, &key, || {
            let objects = out.join("obj").join(&name);
            crate::fsutil::remove_if_exists(&objects)?;
            cmd!(sh, "{halvm_ghc} -v0 -O -package halvm-xen -outputdir {objects} {source} -o {image}")
                .run()
                .with_context(|| format!("halvm-ghc could not build {}", source.display()))
        })?;
    }
    Ok(out)
}

/// The file tests' tree (see the module's comment), written into
/// `out/files-tree` when its contents differ: a few small files, an empty
/// directory, a symbolic link and data/big.bin, 10 MiB from a fixed
/// xorshift sequence.
pub fn files_tree(out: &Path) -> Result<PathBuf> {
    let tree = out.join("files-tree");
    for dir in ["etc", "data/sub"] {
        std::fs::create_dir_all(tree.join(dir)).with_context(|| format!("creating {}", tree.display()))?;
    }
    let write = |rel: &str, bytes: &[u8]| crate::fsutil::write_if_changed(&tree.join(rel), bytes);
    write("hello.txt", b"hello from the file tree\n")?;
    write("etc/config.txt", b"name = halvm\nmode = test\n")?;
    write("data/numbers.txt", b"10\n20\n30\n40\n")?;
    let mut big = Vec::with_capacity(10 << 20);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while big.len() < 10 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        big.extend_from_slice(&x.to_le_bytes());
    }
    write("data/big.bin", &big)?;
    let link = tree.join("link.txt");
    if std::fs::read_link(&link).map(|t| t != Path::new("hello.txt")).unwrap_or(true) {
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink("hello.txt", &link).with_context(|| format!("creating {}", link.display()))?;
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_tree_is_written_once_and_the_same_every_time() {
        let dir = tempfile::tempdir().unwrap();
        let tree = files_tree(dir.path()).unwrap();
        let big = std::fs::read(tree.join("data/big.bin")).unwrap();
        assert_eq!(big.len(), 10 << 20);
        assert_eq!(std::fs::read_link(tree.join("link.txt")).unwrap(), Path::new("hello.txt"));
        assert!(tree.join("data/sub").is_dir());
        let mtime = std::fs::metadata(tree.join("data/big.bin")).unwrap().modified().unwrap();
        files_tree(dir.path()).unwrap();
        assert_eq!(std::fs::metadata(tree.join("data/big.bin")).unwrap().modified().unwrap(), mtime, "not rewritten");
        assert_eq!(std::fs::read(tree.join("data/big.bin")).unwrap(), big);
        // the tree packs (halvm-ghc --files and the boot-module tests use it)
        assert!(halvm_tools::files::archive_of(&tree).is_ok());
    }
}
