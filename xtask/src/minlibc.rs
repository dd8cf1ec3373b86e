//! minlibc, the C library the target is compiled and linked against
//! (`minlibc/`), built for the target into `build/minlibc/`:
//!
//! ```text
//! build/minlibc/
//!   lib/libminlibc.a    minlibc for the target
//!   lib/libm.a          the C99 math library (see libm.rs)
//!   obj/                minlibc's objects
//! ```
//!
//! `lib/` is rebuilt exactly when its input key changes: minlibc's sources
//! and headers, the platform API header, the target compiler wrappers and
//! the libm choice. minlibc's host tests (`minlibc/tests-host`) compile the
//! same sources on their own, with the same flags (toolchain/target-c).

use std::path::{Path, PathBuf};

use anyhow::Result;
use xshell::Shell;

use crate::input_key::InputKey;
use crate::layout::Layout;
use crate::libm::{self, LibmChoice};
use crate::target_sysroot::Sysroot;
use crate::{atomic_dir, target_c};

/// What the minlibc stage produced.
pub struct Built {
    pub libminlibc: PathBuf,
    pub libm: PathBuf,
}

pub fn minlibc_dir(layout: &Layout) -> PathBuf {
    layout.build.join("minlibc")
}

pub fn lib_dir(layout: &Layout) -> PathBuf {
    minlibc_dir(layout).join("lib")
}

pub fn include_dir(repo: &Path) -> PathBuf {
    repo.join("minlibc/include")
}

/// The build stage: libminlibc.a and libm.a for the target, compiled with
/// the sysroot's wrapper.
pub fn ensure(sh: &Shell, layout: &Layout, sysroot: &Sysroot, libm: &LibmChoice) -> Result<Built> {
    if let LibmChoice::Openlibm(dir) = libm {
        libm::check_openlibm_tree(dir)?; // before any work, so a typo fails at once
    }
    let repo = &layout.repo;
    let mut key = InputKey::new("minlibc");
    key.text("libm", &format!("{libm:?}"));
    for dir in ["minlibc/src", "minlibc/include", "minlibc/libm-c", "rts-xen/include"] {
        key.tree(repo, &repo.join(dir))?;
    }
    key.file(repo, &repo.join("Cargo.lock"))?.tree(&sysroot.root, &sysroot.bin_dir())?;
    let lib = lib_dir(layout);
    atomic_dir::ensure(&lib, &key.finish(), |out| {
        eprintln!("==> minlibc and libm");
        let objects = target_c::compile(
            sysroot,
            &target_c::sources_in(&repo.join("minlibc/src"))?,
            &[],
            &minlibc_dir(layout).join("obj"),
        )?;
        target_c::archive(sh, &out.join("libminlibc.a"), &objects)?;
        libm::build(sh, layout, sysroot, libm, &out.join("libm.a"))
    })?;
    Ok(Built { libminlibc: lib.join("libminlibc.a"), libm: lib.join("libm.a") })
}
