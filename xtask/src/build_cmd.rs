//! `cargo xtask build`: every stage, in order. Each stage is idempotent and
//! skips its work when its outputs are complete for its inputs.

use std::path::PathBuf;

use anyhow::Result;
use xshell::Shell;

use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::platform_ghc::{self, Choice, PlatformGhc};
use crate::{ghc_build, ghc_source, host, prefix, rts_xen, target_sysroot, test_images};

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// Which platform GHC to build with.
    #[arg(long, value_enum, default_value_t = Choice::Auto)]
    pub platform_ghc: Choice,
    /// Do not install missing Debian packages or apt sources (report them instead).
    #[arg(long)]
    pub no_host_setup: bool,
    /// The math library: `rust` (the Rust libm crate, built in) or
    /// `openlibm=DIR` (an openlibm source tree).
    #[arg(long, default_value = "rust", value_parser = |s: &str| s.parse::<crate::libm::LibmChoice>())]
    pub libm: crate::libm::LibmChoice,
}

/// What the build produced, for the stages and tests that follow.
pub struct Built {
    pub platform_ghc: PlatformGhc,
    /// The installed toolchain prefix (holds bin/halvm-ghc); `None` when
    /// the build stopped before the cross compiler.
    pub prefix: Option<PathBuf>,
}

/// How far to build: everything, or only what host-side tests need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stages {
    All,
    BeforeCrossCompiler,
}

pub fn run(sh: &Shell, layout: &Layout, args: &BuildArgs, stages: Stages) -> Result<Built> {
    if !host::is_debian_12() {
        eprintln!(
            "warning: this is {}, not Debian 12; the pinned inputs come from Debian 12's archive",
            host::os_description()
        );
    }
    if !args.no_host_setup {
        host::ensure(sh, layout)?;
    }
    let manifest = Manifest::load(&layout.manifest())?;
    let platform_ghc = platform_ghc::ensure(sh, layout, &manifest, args.platform_ghc)?;
    eprintln!(
        "    platform GHC: {} ({})",
        platform_ghc.ghc().display(),
        if platform_ghc.private { "private copy" } else { "system, exact version" }
    );
    let source = ghc_source::ensure(sh, layout, &manifest)?;
    eprintln!("    GHC source:   {}", source.display());
    let rts = rts_xen::build(sh, layout)?;
    // The target's C world: everything for the target (minlibc, libm, the
    // test images, GHC's configure and build) is compiled through its
    // wrappers; the installed prefix gets the same layout.
    let sysroot = target_sysroot::prepare(sh, layout, &layout.build.join("sysroot"), &rts)?;
    let libc = crate::minlibc::ensure(sh, layout, &sysroot, &args.libm)?;
    sysroot.install_libs(&libc)?;
    eprintln!("    minlibc:      {} and {}", libc.libminlibc.display(), libc.libm.display());
    let images = test_images::build(sh, layout, &sysroot)?;
    eprintln!("    test images:  {}", images.display());
    if stages == Stages::BeforeCrossCompiler {
        return Ok(Built { platform_ghc, prefix: None });
    }
    let ghc = ghc_build::ensure(sh, layout, &source, &platform_ghc, &sysroot)?;
    let cabal = crate::cabal_install::ensure(sh, layout, &manifest)?;
    prefix::install(sh, layout, &ghc, &rts, &libc, &cabal)?;
    crate::haskell_libs::ensure(sh, layout, &layout.prefix(), &platform_ghc)?;
    // After the libraries: its audit checks them too.
    crate::iserv::ensure(sh, layout, &layout.prefix(), &platform_ghc)?;
    Ok(Built { platform_ghc, prefix: Some(layout.prefix()) })
}
