//! halvm's own C sources (minlibc, the test images) compiled for the
//! target: always through the sysroot's `x86_64-halvm-linux-gcc`, which
//! adds the target flags (their one definition is toolchain/target-c), plus
//! the project's own flags. So what the tests build is built exactly the
//! way users' and GHC's C is.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use halvm_target_c::PROJECT_CFLAGS;
use xshell::{cmd, Shell};

use crate::target_sysroot::Sysroot;

/// Compiles `sources` into objects under `out_dir` (in parallel, through
/// the cc crate) and returns their paths.
pub fn compile(sysroot: &Sysroot, sources: &[PathBuf], includes: &[&Path], out_dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let mut build = cc::Build::new();
    build
        .compiler(sysroot.gcc())
        .archiver(sysroot.tool("ar"))
        // cc asks for these outside a build script; the target is the
        // wrapper's business, so only the project flags below apply.
        .target("x86_64-unknown-linux-gnu")
        .host("x86_64-unknown-linux-gnu")
        .opt_level(2)
        .debug(false)
        .no_default_flags(true)
        .warnings(false)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .out_dir(out_dir)
        .files(sources)
        .includes(includes);
    for flag in PROJECT_CFLAGS {
        build.flag(flag);
    }
    build.try_compile_intermediates().map_err(|e| anyhow::anyhow!("{e}")).with_context(|| {
        format!("compiling {} C file(s) with {}", sources.len(), sysroot.gcc().display())
    })
}

/// Links `objects` into a bootable image with the wrapper (rts-xen,
/// minlibc, libm and the linker script, exactly as halvm-ghc links).
pub fn link_image(sh: &Shell, sysroot: &Sysroot, objects: &[PathBuf], image: &Path) -> Result<()> {
    let gcc = sysroot.gcc();
    cmd!(sh, "{gcc} {objects...} -o {image}")
        .quiet()
        .run()
        .with_context(|| format!("linking the image {}", image.display()))?;
    Ok(())
}

/// A static archive of `objects` (replaced, never appended to).
pub fn archive(sh: &Shell, out: &Path, objects: &[PathBuf]) -> Result<()> {
    crate::fsutil::remove_if_exists(out)?;
    cmd!(sh, "ar crsD {out} {objects...}").quiet().run().with_context(|| format!("creating {}", out.display()))?;
    Ok(())
}

/// C sources (`.c`, `.S`) directly in `dir`, in a stable order.
pub fn sources_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if matches!(path.extension().and_then(|e| e.to_str()), Some("c" | "S")) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
