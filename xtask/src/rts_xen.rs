//! rts-xen, the Xen PVH platform layer, built into `build/rts-xen/`:
//!
//! ```text
//! build/rts-xen/
//!   target/release/librts_xen.a   the static library every image links
//! ```
//!
//! rts-xen is a Cargo workspace of its own (see rts-xen/Cargo.toml: it
//! needs `panic = "abort"`, which Cargo takes only from a workspace root),
//! so it is built through its manifest with its own target directory.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use crate::layout::Layout;

/// What an image link needs from rts-xen.
pub struct RtsXen {
    /// The static library.
    pub lib: PathBuf,
    /// The directory holding `halvm/platform.h`.
    pub include: PathBuf,
    /// The linker script for images (toolchain/linker/halvm.ld).
    pub linker_script: PathBuf,
}

fn manifest(repo: &Path) -> PathBuf {
    repo.join("rts-xen/Cargo.toml")
}

fn target_dir(layout: &Layout) -> PathBuf {
    layout.build.join("rts-xen/target")
}

fn cargo() -> String {
    crate::cargo::binary()
}

/// Builds rts-xen (cargo skips the work when nothing changed).
pub fn build(sh: &Shell, layout: &Layout) -> Result<RtsXen> {
    let (cargo, manifest, target) = (cargo(), manifest(&layout.repo), target_dir(layout));
    eprintln!("==> rts-xen");
    cmd!(sh, "{cargo} build --quiet --release --locked --manifest-path {manifest} --target-dir {target}")
        .run()
        .context("building rts-xen failed; the compiler's messages are above")?;
    let lib = target.join("release/librts_xen.a");
    anyhow::ensure!(lib.is_file(), "cargo reported success but {} is missing", lib.display());
    Ok(RtsXen {
        lib,
        include: layout.repo.join("rts-xen/include"),
        linker_script: layout.repo.join("toolchain/linker/halvm.ld"),
    })
}

/// rts-xen's host-side unit tests (command-line splitting, the page
/// bitmap, the console ring protocol), for the unit lane.
pub fn unit_tests(sh: &Shell, layout: &Layout) -> Result<()> {
    let (cargo, manifest, target) = (cargo(), manifest(&layout.repo), target_dir(layout));
    cmd!(sh, "{cargo} test --locked --manifest-path {manifest} --target-dir {target}").run()?;
    Ok(())
}
