//! The pristine GHC 9.0.2 source tree, unpacked from the verified tarball.

use std::path::PathBuf;

use anyhow::Result;
use xshell::Shell;

use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::progress::Step;
use crate::{atomic_dir, fetch, unpack};

/// Makes sure `build/src/ghc-<version>` holds the unpacked, verified source
/// and returns its path. The tree is never modified: later stages copy or
/// patch it elsewhere.
pub fn ensure(sh: &Shell, layout: &Layout, manifest: &Manifest) -> Result<PathBuf> {
    let input = manifest.input("ghc-source")?;
    let dest = layout.sources().join(format!("ghc-{}", upstream_version(&input.version)));
    let key = format!("{} {}", input.file, input.sha256);
    // Verify (and if needed re-fetch) the tarball on every run, so a corrupt
    // cache is noticed even when the tree is already unpacked.
    let tarball = fetch::input(sh, layout, manifest, "ghc-source")?;
    if atomic_dir::completed_key(&dest).as_deref() != Some(key.as_str()) {
        let step = Step::start(&format!("unpacking {} into {}", input.file, dest.display()));
        atomic_dir::ensure(&dest, &key, |out| unpack::tar_xz_strip_top(&tarball, out))?;
        step.done();
    }
    Ok(dest)
}

/// "9.0.2-4" -> "9.0.2": the Debian revision is not part of the tree's name.
fn upstream_version(debian_version: &str) -> &str {
    debian_version.rsplit_once('-').map_or(debian_version, |(v, _)| v)
}

#[cfg(test)]
mod tests {
    #[test]
    fn debian_revision_is_dropped() {
        assert_eq!(super::upstream_version("9.0.2-4"), "9.0.2");
        assert_eq!(super::upstream_version("9.0.2"), "9.0.2");
    }
}
