//! Shared by the integration tests: fresh images linked from tiny C
//! programs with the installed prefix's target compiler, and running the
//! tools.
#![allow(dead_code)] // each test file uses part of it

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The installed toolchain prefix the tests link with (`HALVM_PREFIX`;
/// the qemu lane sets it).
pub fn prefix() -> PathBuf {
    match std::env::var_os("HALVM_PREFIX") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!("HALVM_PREFIX is not set: these tests link images with an installed prefix \
                     (HALVM_PREFIX=$(cargo xtask prefix) cargo test -p halvm-tools)"),
    }
}

/// The prefix's target C compiler and image linker.
pub fn target_gcc() -> PathBuf {
    prefix().join("bin/x86_64-halvm-linux-gcc")
}

/// Runs a command, panicking with its output unless it succeeds.
pub fn check(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}\n{}{}", out.status,
            String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    out
}

/// Assembles `source` (GNU as text) into `dir/name.o`.
pub fn assemble(dir: &Path, name: &str, source: &str) -> PathBuf {
    let src = dir.join(format!("{name}.s"));
    let obj = dir.join(format!("{name}.o"));
    std::fs::write(&src, source).unwrap();
    check(Command::new(target_gcc()).arg("-c").arg(&src).arg("-o").arg(&obj));
    obj
}

/// The prefix's build-info object, made from halvm-tools' own assembly
/// generator as the build driver makes it.
pub fn info_object(dir: &Path) -> PathBuf {
    assemble(dir, "halvm-info", &halvm_tools::build_info::toolchain_note_assembly())
}

/// Compiles the C program `c_source` and links it with `extra` objects
/// into the image `dir/name` with the prefix's target compiler, exactly as
/// every image is linked (rts-xen, minlibc, libm, the linker script).
pub fn link_image(dir: &Path, name: &str, c_source: &str, extra: &[PathBuf]) -> PathBuf {
    let src = dir.join(format!("{name}.c"));
    let image = dir.join(name);
    std::fs::write(&src, c_source).unwrap();
    let linked = check(Command::new(target_gcc()).args(["-O2", "-Wall"]).arg(&src).args(extra).arg("-o").arg(&image));
    // Users see every warning on every link: the notes must cause none.
    assert!(linked.stderr.is_empty(), "the link warned: {}", String::from_utf8_lossy(&linked.stderr));
    image
}

/// A guest that prints each argument as `arg: [..]`, then `ready`, then
/// reads one console line and exits with the number on it.
pub const ECHO_STATUS_GUEST: &str = r#"
#include <halvm/platform.h>


static void put(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    halvm_console_write(s, n);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) { put("arg: ["); put(argv[i]); put("]\n"); }
    put("ready\n");
    int status = 0;
    for (;;) {
        char c;
        if (halvm_console_read(&c, 1) == 0) { halvm_block_until(UINT64_MAX); continue; }
        if (c == '\n' || c == '\r') break;
        if (c >= '0' && c <= '9') status = status * 10 + (c - '0');
    }
    put("got status\n");
    return status;
}
"#;

/// A guest that exits at once with status 0.
pub const TRIVIAL_GUEST: &str = r#"
#include <halvm/platform.h>
int main(void) { return 0; }
"#;

/// One of the crate's tools, built by cargo for these tests. Its user
/// cache (halvm-run's KVM verdict and Xen copy) is under the target
/// directory, not the user's.
pub fn tool(name: &str) -> Command {
    let path = match name {
        "halvm-inspect" => env!("CARGO_BIN_EXE_halvm-inspect"),
        "halvm-config" => env!("CARGO_BIN_EXE_halvm-config"),
        "halvm-run" => env!("CARGO_BIN_EXE_halvm-run"),
        other => panic!("no tool {other}"),
    };
    let mut command = Command::new(path);
    command.env("XDG_CACHE_HOME", Path::new(env!("CARGO_TARGET_TMPDIR")).join("halvm-tools-cache"));
    command
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
