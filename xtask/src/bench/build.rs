//! Building each benchmark twice, with the same optimisation: by
//! `halvm-ghc -O2` into an image, and by the platform GHC
//! `-O2 -rtsopts -static -optl-static` into a static Linux program that runs
//! in the Linux guest's initramfs and natively on the host. A build is
//! redone only when its source, the shared Bench module or the compiler
//! changed.
//!
//! ```text
//! build/bench/
//!   images/NAME.xen       halvm images (and Hello.xen, the reference)
//!   linux/NAME            static Linux programs
//!   obj/                  the compilers' object files
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use crate::input_key::{self, InputKey};
use crate::platform_ghc::PlatformGhc;

/// What both compilers get, besides the Bench module's directory.
const OPT: &str = "-O2";

/// One program, built both ways.
#[derive(Debug, Clone)]
pub struct Built {
    pub image: PathBuf,
    pub linux: PathBuf,
}

pub struct Builder<'a> {
    sh: &'a Shell,
    out: PathBuf,
    /// tests/bench/lib: the Bench module every program imports.
    lib: PathBuf,
    halvm_ghc: PathBuf,
    host_ghc: PathBuf,
    toolchain_key: String,
    host_version: String,
}

impl<'a> Builder<'a> {
    pub fn new(sh: &'a Shell, out: &Path, sources: &Path, prefix: &Path, platform_ghc: &PlatformGhc) -> Result<Builder<'a>> {
        let halvm_ghc = crate::prefix::halvm_ghc(prefix);
        // The whole toolchain an image depends on, as the test images key it.
        let toolchain_key = crate::haskell_images::toolchain_key(prefix)?;
        Ok(Builder {
            sh,
            out: out.to_path_buf(),
            lib: sources.join("lib"),
            halvm_ghc,
            host_ghc: platform_ghc.ghc(),
            toolchain_key,
            host_version: platform_ghc.version(sh)?,
        })
    }

    /// The halvm image of `source` (any Haskell main module).
    pub fn image(&self, name: &str, source: &Path) -> Result<PathBuf> {
        let image = self.out.join("images").join(format!("{name}.xen"));
        let key = self.key("halvm image", &self.toolchain_key, source)?;
        let (sh, ghc, lib) = (self.sh, &self.halvm_ghc, &self.lib);
        let objects = self.out.join("obj/halvm").join(name);
        input_key::rebuild_unless_current(&image, &key, || {
            cmd!(sh, "{ghc} -v0 {OPT} -i{lib} -outputdir {objects} {source} -o {image}")
                .run()
                .with_context(|| format!("halvm-ghc could not build {}", source.display()))
        })?;
        Ok(image)
    }

    /// The static Linux program of `source`.
    pub fn linux(&self, name: &str, source: &Path) -> Result<PathBuf> {
        let program = self.out.join("linux").join(name);
        let key = self.key("static linux program", &self.host_version, source)?;
        let (sh, ghc, lib) = (self.sh, &self.host_ghc, &self.lib);
        let objects = self.out.join("obj/linux").join(name);
        input_key::rebuild_unless_current(&program, &key, || {
            cmd!(sh, "{ghc} -v0 {OPT} -rtsopts -static -optl-static -i{lib} -outputdir {objects} {source} -o {program}")
                .run()
                .with_context(|| {
                    format!("the platform GHC could not link {} statically (are libgmp-dev and libffi-dev \
                             installed? `cargo xtask build` installs them)", source.display())
                })
        })?;
        Ok(program)
    }

    pub fn both(&self, name: &str, source: &Path) -> Result<Built> {
        Ok(Built { image: self.image(name, source)?, linux: self.linux(name, source)? })
    }

    fn key(&self, purpose: &str, compiler: &str, source: &Path) -> Result<String> {
        let root = source.parent().unwrap_or(Path::new("/"));
        let mut key = InputKey::new(purpose);
        key.text("compiler", compiler).text("flags", OPT).file(root, source)?;
        key.tree(&self.lib, &self.lib)?;
        Ok(key.finish())
    }
}
