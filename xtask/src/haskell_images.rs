//! Builds the Haskell test programs (tests/haskell/*.hs) twice: with
//! `halvm-ghc` into `build/images/haskell/<Name>.xen`, and with the platform
//! GHC into `build/images/haskell/host/<Name>/halvm`, the Linux reference
//! the boot tests compare against. A program is rebuilt only when its
//! source or the compiler changed.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use crate::build_cmd::Built;
use crate::layout::Layout;
use crate::platform_ghc::PlatformGhc;
use crate::progress::Step;
use crate::{prefix, test_cmd};

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

/// Builds every program whose image or host build is missing or older than
/// its source or the toolchain's compiler and libraries.
pub fn build(sh: &Shell, layout: &Layout, prefix: &Path, platform_ghc: &PlatformGhc) -> Result<PathBuf> {
    let halvm_ghc = prefix::halvm_ghc(prefix);
    let halvm_ghc = halvm_ghc.as_path();
    // An image depends on the compiler and on everything it links.
    let lib_dir = prefix.join("lib/halvm/lib");
    let mut toolchain: Vec<PathBuf> = vec![halvm_ghc.to_path_buf(), prefix.join("lib/halvm/halvm.ld")];
    for entry in std::fs::read_dir(&lib_dir).with_context(|| format!("reading {}", lib_dir.display()))? {
        toolchain.push(entry?.path());
    }
    let sources = layout.repo.join("tests/haskell");
    let out = images_dir(layout);
    let mut programs: Vec<PathBuf> = std::fs::read_dir(&sources)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    programs.retain(|p| p.extension().is_some_and(|e| e == "hs"));
    programs.sort();
    let step = Step::start(&format!("building {} Haskell test programs (halvm-ghc and the platform GHC)", programs.len()));
    let host_ghc = platform_ghc.ghc();
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    for source in &programs {
        let name = source.file_stem().unwrap().to_string_lossy().into_owned();
        let image = out.join(format!("{name}.xen"));
        let inputs: Vec<&Path> = std::iter::once(source.as_path()).chain(toolchain.iter().map(PathBuf::as_path)).collect();
        if stale(&image, &inputs)? {
            let objects = out.join("obj").join(&name);
            cmd!(sh, "{halvm_ghc} -v0 -O -outputdir {objects} {source} -o {image}")
                .run()
                .with_context(|| format!("halvm-ghc could not build {}", source.display()))?;
        }
        let host_dir = out.join("host").join(&name);
        std::fs::create_dir_all(&host_dir)?;
        let host = host_dir.join("halvm");
        if stale(&host, &[source])? {
            let objects = host_dir.join("obj");
            cmd!(sh, "{host_ghc} -v0 -O -rtsopts -outputdir {objects} {source} -o {host}")
                .run()
                .with_context(|| format!("the platform GHC could not build {}", source.display()))?;
        }
    }
    step.done();
    Ok(out)
}

/// Whether `output` is missing or older than any of `inputs`.
fn stale(output: &Path, inputs: &[&Path]) -> Result<bool> {
    let Ok(built) = std::fs::metadata(output).and_then(|m| m.modified()) else { return Ok(true) };
    for input in inputs {
        let changed: SystemTime = std::fs::metadata(input)
            .and_then(|m| m.modified())
            .with_context(|| format!("reading {}", input.display()))?;
        if changed > built {
            return Ok(true);
        }
    }
    Ok(false)
}
