//! Builds the Haskell test programs (tests/haskell/*.hs) twice: with
//! `halvm-ghc` into `build/images/haskell/<Name>.xen`, and with the platform
//! GHC into `build/images/haskell/host/<Name>/halvm`, the Linux reference
//! the boot tests compare against. A program is rebuilt only when its
//! source or the compiler changed.

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
        args.extend(["--test", "relocatable"]);
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
    let programs: Vec<PathBuf> =
        files_under(&sources)?.into_iter().filter(|p| p.extension().is_some_and(|e| e == "hs")).collect();
    let step = Step::start(&format!("building {} Haskell test programs (halvm-ghc and the platform GHC)", programs.len()));
    for source in &programs {
        let name = source.file_stem().unwrap().to_string_lossy().into_owned();
        let image = out.join(format!("{name}.xen"));
        let key = InputKey::new("halvm image").text("toolchain", &toolchain).file(&sources, source)?.finish();
        input_key::rebuild_unless_current(&image, &key, || {
            let objects = out.join("obj").join(&name);
            cmd!(sh, "{halvm_ghc} -v0 -O -outputdir {objects} {source} -o {image}")
                .run()
                .with_context(|| format!("halvm-ghc could not build {}", source.display()))
        })?;
        let host_dir = out.join("host").join(&name);
        let host = host_dir.join("halvm");
        let key = InputKey::new("linux program").text("ghc", &host_version).file(&sources, source)?.finish();
        input_key::rebuild_unless_current(&host, &key, || {
            let objects = host_dir.join("obj");
            cmd!(sh, "{host_ghc} -v0 -O -rtsopts -outputdir {objects} {source} -o {host}")
                .run()
                .with_context(|| format!("the platform GHC could not build {}", source.display()))
        })?;
    }
    step.done();
    Ok(out)
}
