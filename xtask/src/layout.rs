//! Where everything generated lives: one build directory, `build/` at the
//! repository root unless `HALVM_BUILD_DIR` says otherwise.
//!
//! ```text
//! build/
//!   cache/sha256/<sha256>   downloaded inputs, named by their hash
//!   platform-ghc/           the private platform GHC 9.0.2 (if the system has none)
//!   src/                    pristine unpacked sources (src/ghc-9.0.2)
//!   prefix/                 the installed toolchain (relocatable)
//!   images/                 test images
//!   logs/                   full logs of long steps
//!   tmp/                    scratch space for steps in progress
//! ```

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

#[derive(Debug, Clone)]
pub struct Layout {
    /// The repository root (the workspace containing `xtask/`).
    pub repo: PathBuf,
    /// The build directory.
    pub build: PathBuf,
}

impl Layout {
    /// The layout for this checkout: `HALVM_BUILD_DIR`, or `<repo>/build`.
    pub fn from_env() -> Result<Layout> {
        let repo = repo_root();
        let build = match std::env::var_os("HALVM_BUILD_DIR") {
            Some(dir) if !dir.is_empty() => {
                let dir = PathBuf::from(dir);
                if dir.is_absolute() {
                    dir
                } else {
                    std::env::current_dir()
                        .context("reading the current directory")?
                        .join(dir)
                }
            }
            _ => repo.join("build"),
        };
        Ok(Layout { repo, build })
    }

    /// A layout with an explicit build directory (tests use a temporary one).
    pub fn with_build_dir(build: impl Into<PathBuf>) -> Layout {
        Layout { repo: repo_root(), build: build.into() }
    }

    pub fn cache(&self) -> PathBuf {
        self.build.join("cache")
    }
    pub fn platform_ghc(&self) -> PathBuf {
        self.build.join("platform-ghc")
    }
    pub fn sources(&self) -> PathBuf {
        self.build.join("src")
    }
    pub fn prefix(&self) -> PathBuf {
        self.build.join("prefix")
    }
    pub fn images(&self) -> PathBuf {
        self.build.join("images")
    }
    pub fn logs(&self) -> PathBuf {
        self.build.join("logs")
    }
    pub fn tmp(&self) -> PathBuf {
        self.build.join("tmp")
    }

    /// The pinned-input manifest.
    pub fn manifest(&self) -> PathBuf {
        self.repo.join("toolchain/versions.toml")
    }
    /// The list of Debian packages the build and tests need.
    pub fn host_packages(&self) -> PathBuf {
        self.repo.join("toolchain/host-packages.toml")
    }
}

/// The repository root: xtask lives in `<repo>/xtask`.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits one level below the repository root")
        .to_path_buf()
}
