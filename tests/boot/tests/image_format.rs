//! Every test image is bootable by both loaders: a static x86_64
//! executable with the PVH entry note and no multiboot header. Run by the
//! qemu lane.

use halvm_boot_tests::bootkit::image;

#[test]
fn test_images_are_pvh_executables_without_multiboot() {
    for name in ["basic", "echo", "fault", "memory", "time", "tls", "probe", "libc_smoke", "entropy"] {
        let path = halvm_boot_tests::image(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let info = image::inspect(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // halvm.ld loads images at 1 MiB.
        assert_eq!(info.load_range.0, 0x100000, "{}: {info:?}", path.display());
    }
}
