//! cabal-install for halvm-cabal: Debian 12's `cabal` (3.4.1.0, built
//! against the Cabal library GHC 9.0.2 ships), unpacked from its pinned
//! package without root into `build/cabal-install/`. The prefix gets a copy
//! of the binary; the machine's own cabal, if any, is never used.

use std::path::PathBuf;

use anyhow::{Context, Result};
use xshell::Shell;

use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::{atomic_dir, fetch, unpack};

/// Where the `cabal` binary sits inside the prefix (halvm-cabal runs it).
pub const IN_PREFIX: &str = "lib/halvm/cabal-install/cabal";

/// The unpacked `cabal` binary, unpacked again only when the pinned
/// package changes.
pub fn ensure(sh: &Shell, layout: &Layout, manifest: &Manifest) -> Result<PathBuf> {
    let input = manifest.input("cabal-install")?;
    let deb = fetch::input(sh, layout, manifest, "cabal-install")?;
    let dest = layout.build.join("cabal-install");
    let key = format!("{} {}", input.file, input.sha256);
    atomic_dir::ensure(&dest, &key, |out| {
        let unpacked = out.join("deb");
        unpack::deb(sh, &deb, &unpacked)?;
        std::fs::rename(unpacked.join("usr/bin/cabal"), out.join("cabal"))
            .with_context(|| format!("{} has no usr/bin/cabal", input.file))?;
        crate::fsutil::remove_if_exists(&unpacked)
    })?;
    Ok(dest.join("cabal"))
}
