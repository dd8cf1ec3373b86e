//! The Debian package on a clean Debian 12 system, as piuparts would test
//! it, and then used: in a fresh copy of a debootstrap base (chroot, as
//! root) apt installs the .deb with its dependencies from the archive,
//! `/usr/bin/halvm-ghc` builds a hello program and one using `containers`,
//! whose images boot under QEMU from the host; then `apt-get purge` must
//! leave every file as it was before the install, outside dpkg's and apt's
//! own state.
//!
//! The dependencies are installed (with `apt-get satisfy` on the package's
//! own Depends) before the "before" listing, as piuparts does: the check
//! judges what halvm leaves behind, not what gcc's removal would.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use halvm_bootkit::{Accel, Boot, Machine};
use xshell::{cmd, Shell};

use crate::debian_root::{self, BaseRecipe, ProcMount};
use crate::layout::Layout;
use crate::root_listing;

/// The base system: Debian 12's smallest (dpkg, apt, a shell). No extra
/// packages: the package's Depends must bring everything it needs, which
/// is part of what the test checks.
const BASE: BaseRecipe = BaseRecipe {
    suite: "bookworm",
    variant: "minbase",
    mirror: "http://deb.debian.org/debian",
    extra_packages: &[],
};

/// Left out of the before/after comparison: dpkg's and apt's own state,
/// caches and logs (piuparts' rule), the mounted /proc, and /tmp, which
/// holds the copied .deb and the test's projects.
const NOT_COMPARED: &[&str] = &["var/lib/dpkg", "var/lib/apt", "var/cache", "var/log", "proc", "tmp"];

/// Time limits: downloads (apt-get update, the dependencies, about 60 MB)
/// and dpkg's work take well under a minute here; the limits leave room
/// for a slow mirror.
const APT_LIMIT: Duration = Duration::from_secs(10 * 60);
const BUILD_LIMIT: Duration = Duration::from_secs(10 * 60);

const HELLO: &str = "main = putStrLn \"hello from the Debian package\"\n";
const CONTAINERS: &str = "import qualified Data.Map.Strict as Map\n\
main = print (Map.toList (Map.fromListWith (+) [(w, 1 :: Int) | w <- words \"b a c a b a\"]))\n";

/// The programs built inside the chroot: (name, source, flags, the line
/// its image must print).
const PROGRAMS: &[(&str, &str, &str, &str)] = &[
    ("hello", HELLO, "", "hello from the Debian package"),
    ("containers", CONTAINERS, "-package containers", "[(\"a\",3),(\"b\",2),(\"c\",1)]"),
];

/// Runs the test of the package `deb` in `work`.
pub fn run(sh: &Shell, layout: &Layout, deb: &Path, work: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    let base = BASE.ensure(sh, layout)?;
    let root = work.join("root");
    debian_root::unpack_fresh(sh, &base, &root)?;
    let log = layout.logs().join("package-lane-chroot.log");
    crate::fsutil::remove_if_exists(&log)?;
    let chroot = |what: &str, script: &str, env: &[(&str, &str)], limit: Duration| {
        debian_root::chroot_sh(&root, what, script, env, limit, &log)
    };

    let deb_name = deb.file_name().context("the package has a file name")?.to_string_lossy().into_owned();
    std::fs::copy(deb, root.join("tmp").join(&deb_name))?;
    let depends = cmd!(sh, "dpkg-deb --field {deb} Depends").quiet().read()
        .context("reading the package's Depends")?;
    let proc_mount = ProcMount::new(&root)?;
    let apt_env = [("DEBIAN_FRONTEND", "noninteractive")];
    chroot("apt-get update", "apt-get update -q", &apt_env, APT_LIMIT)?;
    let satisfy_env = [("DEBIAN_FRONTEND", "noninteractive"), ("DEPENDS", depends.trim())];
    chroot("installing the package's dependencies",
           "apt-get satisfy -y -q --no-install-recommends \"$DEPENDS\"", &satisfy_env, APT_LIMIT)?;
    let before = root_listing::list(&root, NOT_COMPARED)?;

    // Recommends (QEMU) are left out: the images boot from the host.
    chroot("installing the package", &format!("apt-get install -y -q --no-install-recommends /tmp/{deb_name}"),
           &apt_env, APT_LIMIT)?;
    let images = work.join("images");
    std::fs::create_dir_all(&images)?;
    for (name, source, flags, _) in PROGRAMS {
        let project = root.join("tmp").join(name);
        std::fs::create_dir_all(&project)?;
        std::fs::write(project.join("Main.hs"), source)?;
        // HOME in /tmp: what the user's builds write is not the package's.
        chroot(&format!("building {name} with the installed halvm-ghc"),
               &format!("cd /tmp/{name} && /usr/bin/halvm-ghc -O {flags} Main.hs -o {name}.xen"),
               &[("HOME", "/tmp/home")], BUILD_LIMIT)?;
        std::fs::copy(project.join(format!("{name}.xen")), images.join(format!("{name}.xen")))?;
    }
    chroot("purging the package", "apt-get purge -y -q halvm", &apt_env, APT_LIMIT)?;
    let after = root_listing::list(&root, NOT_COMPARED)?;
    drop(proc_mount);
    let differences = root_listing::diff(&before, &after);
    if !differences.is_empty() {
        let lines: Vec<String> = differences.iter().map(|d| format!("  {d}")).collect();
        bail!("after `apt-get purge halvm`, {} file(s) differ from before the install (outside {}):\n{}",
              differences.len(), NOT_COMPARED.join(", "), lines.join("\n"));
    }
    eprintln!("    deb: installed with apt in a clean Debian 12, built {} programs, purged without a trace",
              PROGRAMS.len());

    for (name, _, _, expected) in PROGRAMS {
        let outcome = Boot::new(images.join(format!("{name}.xen")), Machine::Qemu(Accel::Tcg))
            .run()
            .map_err(|e| anyhow::anyhow!("booting {name}.xen, built by the installed package: {e}"))?;
        let exit = outcome.exit_status();
        if outcome.console.find(expected).is_none() || exit != Ok(0) {
            bail!("{name}.xen, built by the installed package, should print {expected:?} and exit with status 0; \
                   exit status: {exit:?}\n{outcome}");
        }
    }
    eprintln!("    deb: its images boot ({:.0} s for the whole install test, base included)", started.elapsed().as_secs_f64());
    crate::fsutil::remove_if_exists(&root)?;
    Ok(())
}
