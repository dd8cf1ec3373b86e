//! rts-xen's freestanding test programs (tests/freestanding/*.c), compiled
//! and linked into bootable images in `build/images/freestanding/`, and the
//! `qemu` and `xen` test lanes that boot them (tests/boot, through the
//! halvm-bootkit crate).

use std::path::PathBuf;

use anyhow::{Context, Result};
use xshell::Shell;

use crate::input_key::InputKey;
use crate::layout::Layout;
use crate::target_sysroot::Sysroot;
use crate::{atomic_dir, target_c, test_cmd};

pub fn images_dir(layout: &Layout) -> PathBuf {
    layout.images().join("freestanding")
}

/// Compiles and links every test program of tests/freestanding, and
/// minlibc's boot test (minlibc/tests-boot/libc_smoke.c),
/// with the target wrapper, exactly as users' C is built; the images are
/// rebuilt only when a source, a header or a linked library changed.
/// Returns the images' directory.
pub fn build(sh: &Shell, layout: &Layout, sysroot: &Sysroot) -> Result<PathBuf> {
    let repo = &layout.repo;
    let programs = [repo.join("tests/freestanding"), repo.join("minlibc/tests-boot")];
    let mut key = InputKey::new("test images");
    for dir in &programs {
        key.tree(repo, dir)?;
    }
    // The sysroot holds the wrappers, headers, libraries and linker script.
    key.tree(&sysroot.root, &sysroot.root)?;
    let out = images_dir(layout);
    atomic_dir::ensure(&out, &key.finish(), |dest| {
        eprintln!("==> test images");
        let obj_dir = layout.images().join("freestanding-obj");
        for dir in &programs {
            let includes = [dir.as_path()];
            for src in target_c::sources_in(dir)? {
                let name = src.file_stem().context("source without a name")?.to_string_lossy().into_owned();
                let objects = target_c::compile(sysroot, &[src], &includes, &obj_dir.join(&name))?;
                target_c::link_image(sh, sysroot, &objects, &dest.join(&name))?;
                if name == "files_smoke" {
                    link_with_embedded_files(sh, sysroot, repo, &objects, &obj_dir, &dest.join("files_embedded"))?;
                }
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// The files test image with minlibc/tests-boot/files-tree embedded, as
/// halvm-ghc --files embeds a tree: the archive halvm-files packs, in
/// section .halvm_files of an object assembled from halvm-tools' own
/// assembly. A /tmp size is not set: the default (16 MiB) is checked.
fn link_with_embedded_files(
    sh: &Shell, sysroot: &Sysroot, repo: &std::path::Path, objects: &[PathBuf], obj_dir: &std::path::Path,
    image: &std::path::Path,
) -> Result<()> {
    let tree = repo.join("minlibc/tests-boot/files-tree");
    let archive = halvm_tools::files::archive_of(&tree).map_err(|e| anyhow::anyhow!("{e}"))?;
    let dir = obj_dir.join("files_embedded");
    std::fs::create_dir_all(&dir)?;
    let tar = dir.join("files-tree.tar");
    std::fs::write(&tar, archive)?;
    let asm = dir.join("files.s");
    std::fs::write(&asm, halvm_tools::files::link_assembly(Some(&tar), None))?;
    let object = dir.join("files.o");
    let gcc = sysroot.gcc();
    xshell::cmd!(sh, "{gcc} -c {asm} -o {object}").quiet().run().context("assembling the embedded files")?;
    let mut all = objects.to_vec();
    all.push(object);
    target_c::link_image(sh, sysroot, &all, image)
}

/// The qemu lane needs QEMU.
pub fn qemu_lane_available(_: &Layout) -> Result<(), halvm_bootkit::Unavailable> {
    halvm_bootkit::qemu_available()
}

/// The xen lane needs QEMU and Debian's Xen 4.17 hypervisor.
pub fn xen_lane_available(layout: &Layout) -> Result<(), halvm_bootkit::Unavailable> {
    qemu_lane_available(layout)?;
    halvm_bootkit::xen_available()
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
/// TCG always, KVM too when the probe image (tests/freestanding/probe.c)
/// shows that KVM works here. KVM boots are skipped only for a machine
/// cause the probe found; a probe that fails otherwise fails the lane
/// (after the TCG boots, whose results are worth having).
pub fn run_qemu_lane(sh: &Shell, layout: &Layout, skipped: &mut Vec<test_cmd::SkippedPart>) -> Result<()> {
    use halvm_bootkit::KvmProbe;
    let mut targets = vec!["image_format", "qemu_tcg"];
    let mut probe_failure = None;
    match halvm_bootkit::probe_kvm(&images_dir(layout).join("probe")) {
        KvmProbe::Works => targets.push("qemu_kvm"),
        KvmProbe::Unavailable(why) => {
            eprintln!("    qemu lane: KVM boots SKIPPED: {why}");
            skipped.push(test_cmd::SkippedPart { part: "KVM boots", why });
        }
        KvmProbe::Failed(report) => {
            eprintln!("    qemu lane: the KVM probe FAILED: {report}");
            probe_failure = Some(report);
        }
    }
    let boots = boot_tests(sh, layout, &targets, false);
    match (probe_failure, boots) {
        (None, boots) => boots,
        (Some(_), Ok(())) => anyhow::bail!("the KVM probe failed (its report is above)"),
        (Some(_), Err(e)) => anyhow::bail!("the KVM probe failed (its report is above), and {e:#}"),
    }
}

/// Boots every image as the initial domain of Xen 4.17 inside QEMU, one
/// boot at a time: timer wake-ups through Xen under TCG get late when two
/// boots compete for the CPUs, and the timing checks should not depend on
/// how busy the machine is.
pub fn run_xen_lane(sh: &Shell, layout: &Layout) -> Result<()> {
    boot_tests(sh, layout, &["xen"], true)
}
