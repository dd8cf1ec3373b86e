//! The Haskell libraries the prefix ships (toolchain/haskell): registered
//! once each, with their documentation installed where their registration
//! says, and usable under bare QEMU where Xen is absent (XenStore calls
//! fail with a typed error, not a crash).
use std::path::PathBuf;
use std::process::Command;

use halvm_ghc_tests::{Accel, Boot, Machine};

fn prefix() -> PathBuf {
    PathBuf::from(std::env::var_os("HALVM_PREFIX").expect("HALVM_PREFIX is set by cargo xtask test"))
}

fn ghc_pkg(args: &[&str]) -> String {
    let out = Command::new(prefix().join("bin/halvm-ghc-pkg")).args(args).output().unwrap();
    assert!(out.status.success(), "halvm-ghc-pkg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn halvm_xen_is_registered_once_with_its_html_documentation() {
    let ids = ghc_pkg(&["field", "halvm-xen", "id", "--simple-output"]);
    assert_eq!(ids.lines().count(), 1, "one registration of halvm-xen, not {ids:?}");
    let html = ghc_pkg(&["field", "halvm-xen", "haddock-html", "--simple-output"]);
    let libdir = prefix().join("lib/x86_64-halvm-linux-ghc-9.0.2");
    let html = PathBuf::from(html.trim().replace("${pkgroot}", &libdir.display().to_string()));
    for page in ["index.html", "Hypervisor-XenStore.html", "Hypervisor-Vchan.html", "halvm-xen.haddock"] {
        assert!(html.join(page).is_file(), "{} is missing", html.join(page).display());
    }
    let xenstore = std::fs::read_to_string(html.join("Hypervisor-XenStore.html")).unwrap();
    assert!(xenstore.contains("withTransaction"), "the XenStore page documents withTransaction");
}

#[test]
fn halvm_xen_on_bare_qemu_reports_the_platform_and_a_typed_error() {
    let tmp = std::env::temp_dir().join(format!("halvm-xen-qemu-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let source = tmp.join("Main.hs");
    std::fs::write(
        &source,
        "import Control.Exception\nimport Hypervisor.Domain\nimport Hypervisor.XenStore\n\
         main :: IO ()\nmain = do\n  platform >>= print\n  \
         r <- try (readKey store \"data/x\")\n  \
         putStrLn (either (\\e -> \"error: \" ++ show (xenErrorKind e)) id r)\n",
    )
    .unwrap();
    let image = tmp.join("main.xen");
    let out = Command::new(prefix().join("bin/halvm-ghc"))
        .args(["-v0", "-package", "halvm-xen", "-outputdir"])
        .arg(tmp.join("obj"))
        .arg(&source)
        .arg("-o")
        .arg(&image)
        .output()
        .unwrap();
    assert!(out.status.success(), "halvm-ghc -package halvm-xen failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let boot = Boot::new(&image, Machine::Qemu(Accel::Tcg)).run().unwrap();
    boot.assert_line("Qemu");
    boot.assert_line("error: no XenStore connection: not an ordinary Xen domain (ENODEV)");
    boot.assert_exit(0);
    std::fs::remove_dir_all(&tmp).unwrap();
}
