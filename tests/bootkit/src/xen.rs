//! The Xen hypervisor binary QEMU boots: Debian's xen-hypervisor-4.17-amd64
//! installs it gzip-compressed, and QEMU's multiboot loader needs it plain.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Where Debian's package installs the hypervisor.
pub const PACKAGED: &str = "/boot/xen-4.17-amd64.gz";

/// Whether the packaged hypervisor is installed.
pub fn installed() -> Result<(), String> {
    if Path::new(PACKAGED).is_file() {
        Ok(())
    } else {
        Err(format!("{PACKAGED} is missing; install the Debian package xen-hypervisor-4.17-amd64 \
                     (cargo xtask build does)"))
    }
}

/// Decompresses the packaged hypervisor into `dir` (once; again when the
/// package is newer than the copy) and returns the path of the copy.
pub fn hypervisor(dir: &Path) -> io::Result<PathBuf> {
    let out = dir.join("xen-4.17");
    let src_time = fs::metadata(PACKAGED)?.modified()?;
    if fs::metadata(&out).and_then(|m| m.modified()).is_ok_and(|t| t >= src_time) {
        return Ok(out);
    }
    fs::create_dir_all(dir)?;
    // A name of its own, so that concurrent test processes do not collide;
    // the rename makes the finished copy appear atomically.
    let tmp = dir.join(format!("xen-4.17.partial.{}.{:?}", std::process::id(), std::thread::current().id()));
    let mut decoder = flate2::read::GzDecoder::new(fs::File::open(PACKAGED)?);
    io::copy(&mut decoder, &mut fs::File::create(&tmp)?)?;
    fs::rename(&tmp, &out)?;
    Ok(out)
}
