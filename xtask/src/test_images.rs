//! rts-xen's freestanding test programs (tests/freestanding/*.c), compiled
//! and linked into bootable images in `build/images/freestanding/`, and the
//! `qemu` and `xen` test lanes that boot them (tests/boot, through the
//! halvm-bootkit crate).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use crate::layout::Layout;
use crate::rts_xen::RtsXen;
use crate::test_cmd;

/// The programs only see rts-xen's platform API (`-nostdinc`: the
/// compiler's own freestanding headers, stddef.h and stdint.h, stay
/// reachable through `-isystem`). They are compiled like code GHC emits:
/// no PIE, red zone in use.
const CFLAGS: &[&str] = &[
    "-std=gnu11", "-O2", "-g", "-ffreestanding", "-nostdinc", "-fno-pie",
    "-fno-stack-protector", "-Wall", "-Wextra", "-Werror",
];

/// How every halvm image is linked (see toolchain/linker/halvm.ld).
pub const LDFLAGS: &[&str] = &["-static", "-nostdlib", "--gc-sections", "--no-pie", "--build-id=none"];

pub fn images_dir(layout: &Layout) -> PathBuf {
    layout.images().join("freestanding")
}

fn sources(repo: &Path) -> Result<Vec<PathBuf>> {
    let dir = repo.join("tests/freestanding");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    v.sort();
    Ok(v)
}

/// Compiles and links every test program; returns the images' directory.
pub fn build(sh: &Shell, layout: &Layout, rts: &RtsXen) -> Result<PathBuf> {
    let out = images_dir(layout);
    let obj_dir = out.join("obj");
    sh.create_dir(&obj_dir)?;
    let compiler_include = cmd!(sh, "cc -print-file-name=include").read()
        .context("asking the C compiler (cc) for its own include directory")?;
    let (include, script, lib) = (&rts.include, &rts.linker_script, &rts.lib);
    for src in sources(&layout.repo)? {
        let name = src.file_stem().context("source without a name")?.to_string_lossy().into_owned();
        let obj = obj_dir.join(format!("{name}.o"));
        let image = out.join(&name);
        cmd!(sh, "cc {CFLAGS...} -isystem {compiler_include} -I {include} -c {src} -o {obj}")
            .run()
            .with_context(|| format!("compiling {}", src.display()))?;
        cmd!(sh, "ld {LDFLAGS...} -T {script} {obj} {lib} -o {image}")
            .run()
            .with_context(|| format!("linking the test image {}", image.display()))?;
    }
    eprintln!("    test images:  {}", out.display());
    Ok(out)
}

/// The qemu lane needs QEMU.
pub fn qemu_lane_available(_: &Layout) -> Result<(), String> {
    halvm_bootkit::qemu_binary().map(|_| ())
}

/// The xen lane needs QEMU and Debian's Xen 4.17 hypervisor.
pub fn xen_lane_available(layout: &Layout) -> Result<(), String> {
    qemu_lane_available(layout)?;
    halvm_bootkit::xen::installed()
}

/// Runs tests/boot's test targets with the images' directory; `serial`
/// runs one boot at a time.
fn boot_tests(sh: &Shell, layout: &Layout, targets: &[&str], serial: bool) -> Result<()> {
    let _images = sh.push_env("HALVM_TEST_IMAGES", images_dir(layout));
    let mut args = vec!["test", "--package", "halvm-boot-tests"];
    for t in targets {
        args.extend(["--test", t]);
    }
    if serial {
        args.extend(["--", "--test-threads=1"]);
    }
    test_cmd::cargo(sh, layout, &args)
}

/// Checks the images' format, then boots every image directly under QEMU:
/// TCG always, KVM too when a probe boot shows it works on this machine.
pub fn run_qemu_lane(sh: &Shell, layout: &Layout) -> Result<()> {
    let mut targets = vec!["image_format", "qemu_tcg", "boot_image_script"];
    match halvm_bootkit::kvm_works(&images_dir(layout).join("basic")) {
        Ok(()) => targets.push("qemu_kvm"),
        Err(why) => eprintln!("    qemu lane: KVM boots SKIPPED: {why}"),
    }
    boot_tests(sh, layout, &targets, false)
}

/// Boots every image as the initial domain of Xen 4.17 inside QEMU, one
/// boot at a time: timer wake-ups through Xen under TCG get late when two
/// boots compete for the CPUs, and the timing checks should not depend on
/// how busy the machine is.
pub fn run_xen_lane(sh: &Shell, layout: &Layout) -> Result<()> {
    boot_tests(sh, layout, &["xen"], true)
}
