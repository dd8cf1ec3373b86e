//! Builds the host copy of minlibc (symbols renamed to ml_*, see
//! xtask::minlibc::build_host_test_archive), the comparison suites written
//! in C against glibc, and the test implementation of the platform API.
//!
//! Link order matters for static libraries: suites -> minlibc -> platform.

use std::path::{Path, PathBuf};

fn main() {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let repo = here.parent().and_then(Path::parent).expect("minlibc/tests-host is two levels deep").to_path_buf();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());

    let suites: Vec<PathBuf> = c_files(&here.join("c"), |name| name != "platform_host.c");
    cc::Build::new()
        .files(&suites)
        .include(here.join("c"))
        .opt_level(1)
        .flag("-Wall")
        .flag("-Wextra")
        .flag("-Wno-format") // the printf suite passes generated formats on purpose
        .flag("-Wno-format-security")
        .compile("minlibc_suites");

    if let Err(err) = xtask::minlibc::build_host_test_archive(&repo, &out) {
        panic!("building the host copy of minlibc failed: {err:#}");
    }
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=minlibc_host");

    cc::Build::new()
        .file(here.join("c/platform_host.c"))
        .include(repo.join("rts-xen/include"))
        .opt_level(1)
        .compile("minlibc_platform_host");
    println!("cargo:rustc-link-lib=m");

    // cargo scans directories recursively for changes
    for dir in ["minlibc/src", "minlibc/include", "minlibc/tests-host/c", "rts-xen/include/halvm"] {
        println!("cargo:rerun-if-changed={}", repo.join(dir).display());
    }
}

fn c_files(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .filter(|p| keep(&p.file_name().unwrap().to_string_lossy()))
        .collect();
    files.sort();
    files
}
