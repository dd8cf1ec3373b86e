//! Getting pinned inputs into the cache from Debian's archive, the only
//! source our machines can reach.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use crate::cache::Cache;
use crate::layout::Layout;
use crate::manifest::{Input, InputKind, Manifest};
use crate::progress::Step;

/// The verified cached file of manifest input `name`, fetched if needed.
pub fn input(sh: &Shell, layout: &Layout, manifest: &Manifest, name: &str) -> Result<PathBuf> {
    let input = manifest.input(name)?;
    let cache = Cache::new(&layout.cache());
    let what = format!("{} ({} {})", input.file, input.package, input.version);
    cache.get(&what, input.sha256, |scratch| {
        let step = Step::start(&format!("downloading {what}"));
        let path = download(sh, input, scratch)?;
        step.done();
        Ok(path)
    })
}

fn download(sh: &Shell, input: &Input, scratch: &Path) -> Result<PathBuf> {
    let _cwd = sh.push_dir(scratch);
    let spec = format!("{}={}", input.package, input.version);
    // apt's own downloader drops privileges to `_apt`, which cannot write into
    // our root-owned build tree; it then falls back with a warning. Say so up
    // front instead of printing the warning.
    let sandbox = ["-o", "APT::Sandbox::User=root"];
    let sandbox = if is_root() { &sandbox[..] } else { &[][..] };
    let result = match input.kind {
        InputKind::DebianSource => cmd!(sh, "apt-get {sandbox...} source --download-only {spec}").quiet().run(),
        InputKind::DebianBinary => cmd!(sh, "apt-get {sandbox...} download {spec}").quiet().run(),
    };
    result.with_context(|| {
        format!(
            "apt-get could not fetch {spec}. Is the package archive reachable, and (for sources) is a \
             deb-src entry configured? `cargo xtask build` adds it (the apt steps run as root, through sudo): see `cargo xtask doctor`."
        )
    })?;
    let path = scratch.join(&input.file);
    if !path.exists() {
        anyhow::bail!(
            "apt-get fetched {spec} but {} is not among the files it wrote; the manifest's `file` is wrong",
            input.file
        );
    }
    Ok(path)
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { geteuid() == 0 }
}

extern "C" {
    fn geteuid() -> u32;
}
