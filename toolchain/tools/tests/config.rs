//! halvm-config: values in the order asked, the prefix found from the
//! program's own place, and (given a real prefix) a C program compiled
//! and linked into a bootable image with nothing but what it prints.

mod common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::*;

/// A copy of the freshly built halvm-config in `<root>/bin`, so that
/// `<root>` is its prefix.
fn installed_copy(root: &Path) -> PathBuf {
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let copy = bin.join("halvm-config");
    halvm_bootkit::copy_executable(Path::new(env!("CARGO_BIN_EXE_halvm-config")), &copy).unwrap();
    copy
}

fn lines(out: &Output) -> Vec<String> {
    stdout(out).lines().map(String::from).collect()
}

#[test]
fn values_come_one_a_line_in_the_order_asked() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let config = installed_copy(&root);
    for file in ["bin/x86_64-halvm-linux-gcc", "lib/halvm/halvm.ld", "lib/halvm/lib/halvm-info.o"] {
        std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
        std::fs::write(root.join(file), "").unwrap();
    }
    let out = check(Command::new(&config).args([
        "--libdir", "--target", "--cc", "--prefix", "--cc", "--ghc-version", "--version", "--cflags", "--ldscript", "--libs",
    ]));
    let p = |rel: &str| root.join(rel).display().to_string();
    assert_eq!(lines(&out), [
        p("lib/halvm/lib"),
        "x86_64-halvm-linux".to_string(),
        p("bin/x86_64-halvm-linux-gcc"),
        root.display().to_string(),
        p("bin/x86_64-halvm-linux-gcc"),
        "9.0.2".to_string(),
        env!("CARGO_PKG_VERSION").to_string(),
        String::new(),
        p("lib/halvm/halvm.ld"),
        p("lib/halvm/lib/halvm-info.o"),
    ]);
}

#[test]
fn a_missing_file_of_the_prefix_prints_nothing_and_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let config = installed_copy(&root);
    let out = Command::new(&config).args(["--prefix", "--cc"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no partial answer: {}", stdout(&out));
    assert!(stderr(&out).contains("x86_64-halvm-linux-gcc is missing"), "{}", stderr(&out));
    // Values that need no file of the prefix still work.
    assert_eq!(lines(&check(Command::new(&config).arg("--prefix"))), [root.display().to_string()]);
}

#[test]
fn outside_a_prefix_only_the_prefix_questions_fail() {
    // The cargo-built binary lives in target/debug, not in a bin/.
    let out = tool("halvm-config").arg("--prefix").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not in a prefix's bin/"), "{}", stderr(&out));
    assert_eq!(lines(&check(tool("halvm-config").arg("--target"))), ["x86_64-halvm-linux"]);
}

#[test]
fn asking_nothing_is_a_usage_error() {
    let out = tool("halvm-config").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("ask for at least one value"), "{}", stderr(&out));
}

/// Needs an installed prefix (`HALVM_PREFIX`, e.g. `$(cargo xtask prefix)`).
/// The freshly built halvm-config is placed in a prefix made of links to
/// the real one, then a C program using minlibc is built with its answers
/// alone, checked with halvm-inspect's library and booted under QEMU.
#[test]
fn a_c_program_builds_into_a_bootable_image_from_halvm_config_alone() {
    let real = match std::env::var_os("HALVM_PREFIX") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!("HALVM_PREFIX is not set: this test needs an installed prefix \
                     (HALVM_PREFIX=$(cargo xtask prefix) cargo test -p halvm-tools)"),
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("prefix");
    let config = installed_copy(&root);
    symlink(real.join("lib"), root.join("lib")).unwrap();
    symlink(real.join("bin/x86_64-halvm-linux-gcc"), root.join("bin/x86_64-halvm-linux-gcc")).unwrap();

    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::write(work.join("hello.c"), "#include <stdio.h>\n#include <stdlib.h>\n\
        int main(int argc, char **argv) {\n  printf(\"hello from C, %d args\\n\", argc - 1);\n  \
        return argc > 1 ? atoi(argv[1]) : 0;\n}\n").unwrap();
    let script = "set -eu\n\
        cc=$(\"$CONFIG\" --cc); cflags=$(\"$CONFIG\" --cflags); libs=$(\"$CONFIG\" --libs)\n\
        \"$cc\" $cflags -O2 -c hello.c -o hello.o\n\
        \"$cc\" hello.o -o hello.xen $libs\n";
    check(Command::new("sh").arg("-c").arg(script).env("CONFIG", &config).current_dir(&work));

    let image = work.join("hello.xen");
    let report = halvm_tools::image::inspect_file(&image).unwrap_or_else(|e| panic!("not a bootable image: {}", e.message));
    assert_eq!(report.info("halvm"), Some(env!("CARGO_PKG_VERSION")), "--libs records the build info");
    let out = halvm_bootkit::Boot::new(&image, halvm_bootkit::Machine::Qemu(halvm_bootkit::Accel::Tcg))
        .args("7 x")
        .timeout(Duration::from_secs(60))
        .run()
        .unwrap();
    out.assert_line("hello from C, 2 args");
    out.assert_exit(7);
}
