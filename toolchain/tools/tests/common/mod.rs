//! Shared by the integration tests: fresh images linked from tiny C
//! programs against rts-xen, and running the tools.
#![allow(dead_code)] // each test file uses part of it

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// rts-xen's static library: `HALVM_RTS_XEN_LIB` if set, else the build
/// driver's copy (`<build>/rts-xen/target/release/librts_xen.a`), built
/// the way the build driver builds it when it is missing.
pub fn rts_xen_lib() -> PathBuf {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| {
        if let Some(lib) = std::env::var_os("HALVM_RTS_XEN_LIB") {
            return PathBuf::from(lib);
        }
        let build = std::env::var_os("HALVM_BUILD_DIR").map_or_else(|| repo().join("build"), PathBuf::from);
        let target = build.join("rts-xen/target");
        let lib = target.join("release/librts_xen.a");
        if !lib.is_file() {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "--quiet", "--release", "--locked", "--manifest-path"])
                .arg(repo().join("rts-xen/Cargo.toml"))
                .arg("--target-dir")
                .arg(&target)
                .status()
                .expect("running cargo to build rts-xen");
            assert!(status.success(), "building rts-xen failed");
        }
        lib
    })
    .clone()
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
    check(Command::new("gcc").arg("-c").arg(&src).arg("-o").arg(&obj));
    obj
}

/// The prefix's build-info object, made from halvm-tools' own assembly
/// generator as the build driver makes it.
pub fn info_object(dir: &Path) -> PathBuf {
    assemble(dir, "halvm-info", &halvm_tools::build_info::toolchain_note_assembly())
}

/// Compiles the C program `c_source` freestanding against rts-xen's
/// platform API and links it with `extra` objects into the image
/// `dir/name`, as the freestanding test images are linked.
pub fn link_image(dir: &Path, name: &str, c_source: &str, extra: &[PathBuf]) -> PathBuf {
    let repo = repo();
    let src = dir.join(format!("{name}.c"));
    let obj = dir.join(format!("{name}.o"));
    let image = dir.join(name);
    std::fs::write(&src, c_source).unwrap();
    let gcc_include = check(Command::new("gcc").arg("-print-file-name=include")).stdout;
    let gcc_include = String::from_utf8(gcc_include).unwrap().trim().to_string();
    check(Command::new("gcc")
        .args(["-std=gnu11", "-O2", "-ffreestanding", "-nostdinc", "-isystem", &gcc_include])
        .arg("-I").arg(repo.join("rts-xen/include"))
        .args(["-fno-pie", "-fno-stack-protector", "-c"])
        .arg(&src).arg("-o").arg(&obj));
    let linked = check(Command::new("ld")
        .args(["-static", "-nostdlib", "--gc-sections", "--no-pie", "--build-id=none", "-T"])
        .arg(repo.join("toolchain/linker/halvm.ld"))
        .arg(&obj)
        .args(extra)
        .arg(rts_xen_lib())
        .arg("-o").arg(&image));
    // Users see every warning on every link: the notes must cause none.
    assert!(linked.stderr.is_empty(), "ld warned: {}", String::from_utf8_lossy(&linked.stderr));
    image
}

/// A guest that prints each argument as `arg: [..]`, then `ready`, then
/// reads one console line and exits with the number on it.
pub const ECHO_STATUS_GUEST: &str = r#"
#include <halvm/platform.h>

_Noreturn void exit(int status) { halvm_exit(status); }

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
_Noreturn void exit(int status) { halvm_exit(status); }
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
