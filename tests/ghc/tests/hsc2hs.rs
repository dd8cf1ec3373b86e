//! halvm-hsc2hs used directly (the cabal lane runs these; HALVM_PREFIX is
//! the toolchain prefix): cross mode computes constants with the target C
//! compiler, and a construct cross mode cannot evaluate is an error that
//! names it, never a wrong value.

use std::path::PathBuf;
use std::process::Command;

fn halvm_hsc2hs() -> PathBuf {
    let prefix = std::env::var_os("HALVM_PREFIX").expect("HALVM_PREFIX is set by cargo xtask test");
    PathBuf::from(prefix).join("bin/halvm-hsc2hs")
}

/// Runs halvm-hsc2hs on `source` (as Probe.hsc in a fresh directory);
/// returns its status, its messages and the generated Probe.hs if any.
fn run(source: &str) -> (bool, String, Option<String>) {
    run_with(&[], source)
}

fn run_with(options: &[&str], source: &str) -> (bool, String, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let hsc = dir.path().join("Probe.hsc");
    std::fs::write(&hsc, source).unwrap();
    let out = Command::new(halvm_hsc2hs())
        .args(options)
        .arg(&hsc)
        .current_dir(dir.path())
        .output()
        .expect("running halvm-hsc2hs");
    let messages = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), messages, std::fs::read_to_string(dir.path().join("Probe.hs")).ok())
}

#[test]
fn constants_come_from_minlibcs_headers() {
    let (ok, messages, hs) = run("module Probe where\n#include <errno.h>\n#include <sys/uio.h>\n\
                                  eagain :: Int\neagain = #const EAGAIN\n\
                                  iovec :: Int\niovec = #size struct iovec\n");
    assert!(ok, "halvm-hsc2hs failed:\n{messages}");
    let hs = hs.expect("Probe.hs written");
    // Linux's EAGAIN and a {pointer, size_t} pair: what minlibc mirrors.
    assert!(hs.contains("eagain = 11"), "{hs}");
    assert!(hs.contains("iovec = (16)"), "{hs}");
}

#[test]
fn a_construct_cross_mode_cannot_evaluate_is_an_error_naming_it() {
    let (ok, messages, _) = run("module Probe where\n#include <stdio.h>\nname :: String\nname = #const_str \"halvm\"\n");
    assert!(!ok, "halvm-hsc2hs accepted #const_str in cross mode:\n{messages}");
    assert!(messages.contains("const_str"), "the message does not name the construct:\n{messages}");
}

#[test]
fn a_constant_the_headers_do_not_define_is_an_error() {
    let (ok, messages, _) = run("module Probe where\nx :: Int\nx = #const NO_SUCH_CONSTANT_IN_MINLIBC\n");
    assert!(!ok, "halvm-hsc2hs accepted an undefined constant:\n{messages}");
    assert!(messages.contains("NO_SUCH_CONSTANT_IN_MINLIBC"), "{messages}");
}

/// gcc writes a 0 as `.zero 8`, which hsc2hs 0.68.7's --via-asm reader
/// does not know; lib/halvm/libexec/hsc2hs-cc rewrites it.
#[test]
fn constants_of_zero_are_read_back() {
    let (ok, messages, hs) = run("module Probe where\n#include <time.h>\n\
                                  secs :: Int\nsecs = #offset struct timespec, tv_sec\n\
                                  nsecs :: Int\nnsecs = #offset struct timespec, tv_nsec\n");
    assert!(ok, "halvm-hsc2hs failed:\n{messages}");
    let hs = hs.expect("Probe.hs written");
    assert!(hs.contains("secs = (0)") && hs.contains("nsecs = (8)"), "{hs}");
}

/// cabal passes its own --cc; the target compiler must still be used (the
/// platform API header exists only in the target's include path).
#[test]
fn a_callers_cc_does_not_replace_the_target_compiler() {
    let (ok, messages, hs) = run_with(
        &["--cc=/usr/bin/gcc", "--ld=/usr/bin/gcc"],
        "module Probe where\n#include <halvm/platform.h>\napi :: Int\napi = #const HALVM_PLATFORM_API_VERSION\n",
    );
    assert!(ok, "halvm-hsc2hs failed:\n{messages}");
    assert!(hs.expect("Probe.hs written").contains("api = 3"));
}
