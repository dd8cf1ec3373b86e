//! The prefix's Rust tools (toolchain/tools: halvm-inspect, halvm-config,
//! halvm-run, halvm-files), built in release mode, and the build-info object every image
//! links (`lib/halvm/lib/halvm-info.o`: the halvm and GHC versions, read
//! back by halvm-inspect).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use crate::fsutil::write_if_changed;
use crate::layout::Layout;
use crate::target_sysroot::Sysroot;

/// The binaries of the halvm-tools package, installed into `<prefix>/bin`.
pub const BINARIES: &[&str] = &["halvm-inspect", "halvm-config", "halvm-run", "halvm-files"];

/// Builds the tools (cargo does nothing when they are up to date) and
/// returns the paths of the binaries.
pub fn build(sh: &Shell, layout: &Layout) -> Result<Vec<PathBuf>> {
    let cargo = crate::cargo::binary();
    let manifest = layout.repo.join("Cargo.toml");
    let target = layout.build.join("tools-target");
    cmd!(sh, "{cargo} build --quiet --release --locked --manifest-path {manifest} -p halvm-tools --target-dir {target}")
        .run()
        .context("building the halvm tools (toolchain/tools) failed; the compiler's messages are above")?;
    Ok(BINARIES.iter().map(|b| target.join("release").join(b)).collect())
}

/// Writes `lib/halvm/lib/halvm-info.o` into the sysroot, assembled by its
/// own C compiler from the note halvm-tools defines.
pub fn install_build_info(sh: &Shell, sysroot: &Sysroot, scratch: &Path) -> Result<()> {
    let source = scratch.join("halvm-info.s");
    write_if_changed(&source, halvm_tools::build_info::toolchain_note_assembly().as_bytes())?;
    let object = scratch.join("halvm-info.o");
    let gcc = sysroot.gcc();
    cmd!(sh, "{gcc} -c {source} -o {object}").quiet().run().context("assembling the build-info note")?;
    write_if_changed(&sysroot.lib_dir().join("halvm-info.o"), &std::fs::read(&object)?)
}
