//! The installed prefix names no path of its own: copied elsewhere (and the
//! original out of reach by name), halvm-ghc still builds a bootable image.
use std::process::Command;

use halvm_ghc_tests::{Accel, Boot, Machine};

#[test]
fn moved_prefix_builds_a_bootable_image() {
    let prefix = std::env::var_os("HALVM_PREFIX").expect("HALVM_PREFIX is set by cargo xtask test");
    let tmp = std::env::temp_dir().join(format!("halvm-moved-prefix-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let moved = tmp.join("somewhere else");
    let copy = Command::new("cp").arg("-a").arg(&prefix).arg(&moved).status().unwrap();
    assert!(copy.success());
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/../haskell/Hello.hs");
    let image = tmp.join("hello.xen");
    let out = Command::new(moved.join("bin/halvm-ghc"))
        .args(["-v0", "-outputdir"])
        .arg(tmp.join("obj"))
        .arg(source)
        .arg("-o")
        .arg(&image)
        .output()
        .unwrap();
    assert!(out.status.success(), "halvm-ghc from the moved prefix failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let boot = Boot::new(&image, Machine::Qemu(Accel::Tcg)).run().unwrap();
    boot.assert_line("Hello from a Haskell unikernel!");
    boot.assert_exit(0);
    std::fs::remove_dir_all(&tmp).unwrap();
}
