//! Where everything generated lives: one build directory, `build/` at the
//! repository root unless `HALVM_BUILD_DIR` says otherwise, and one cache
//! shared by every checkout on the machine (so CI's fresh clones and later
//! sessions reuse downloads and finished builds): `~/.cache/halvm` unless
//! `HALVM_CACHE_DIR` says otherwise. `HALVM_HOST_PACKAGES` replaces the list
//! of Debian packages the host needs (tests use it to ask for others).
//!
//! ```text
//! ~/.cache/halvm/
//!   sha256/<sha256>         downloaded inputs, named by their hash
//!   ...                     finished builds, keyed by their inputs
//! build/
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
    /// The machine-wide cache of downloads and finished builds.
    cache: PathBuf,
    /// The list of Debian packages the host needs.
    host_packages: PathBuf,
}

impl Layout {
    /// The layout for this checkout: `HALVM_BUILD_DIR`, or `<repo>/build`.
    pub fn from_env() -> Result<Layout> {
        let repo = repo_root();
        let build = match std::env::var_os("HALVM_BUILD_DIR") {
            Some(dir) if !dir.is_empty() => absolute(PathBuf::from(dir))?,
            _ => repo.join("build"),
        };
        let cache = match std::env::var_os("HALVM_CACHE_DIR") {
            Some(dir) if !dir.is_empty() => absolute(PathBuf::from(dir))?,
            _ => match std::env::var_os("XDG_CACHE_HOME") {
                Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("halvm"),
                _ => PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?).join(".cache/halvm"),
            },
        };
        let host_packages = match std::env::var_os("HALVM_HOST_PACKAGES") {
            Some(file) if !file.is_empty() => absolute(PathBuf::from(file))?,
            _ => repo.join(HOST_PACKAGES),
        };
        Ok(Layout { repo, build, cache, host_packages })
    }

    /// A layout with explicit build and cache directories (tests use
    /// temporary ones).
    pub fn with_dirs(build: impl Into<PathBuf>, cache: impl Into<PathBuf>) -> Layout {
        let repo = repo_root();
        let host_packages = repo.join(HOST_PACKAGES);
        Layout { repo, build: build.into(), cache: cache.into(), host_packages }
    }

    pub fn cache(&self) -> PathBuf {
        self.cache.clone()
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
    /// The list of Debian packages the build and tests need
    /// (`HALVM_HOST_PACKAGES`, or the checked-in list).
    pub fn host_packages(&self) -> PathBuf {
        self.host_packages.clone()
    }
}

/// The checked-in list of host packages, relative to the repository.
const HOST_PACKAGES: &str = "toolchain/host-packages.toml";

fn absolute(dir: PathBuf) -> Result<PathBuf> {
    if dir.is_absolute() {
        return Ok(dir);
    }
    Ok(std::env::current_dir().context("reading the current directory")?.join(dir))
}

/// The repository root: xtask lives in `<repo>/xtask`.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits one level below the repository root")
        .to_path_buf()
}
