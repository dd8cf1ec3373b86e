//! Builds the host copy of minlibc (every symbol it defines renamed to
//! ml_*, so it can run in one process beside glibc and be compared with
//! it), the comparison suites written in C against glibc, and the test
//! implementation of the platform API.
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

    build_minlibc_host_copy(&repo, &out);

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

/// minlibc compiled as the target compiles it (the flags of
/// toolchain/target-c, minlibc's headers only) except position-independent,
/// for Rust's PIE test executables; linked into one object whose defined
/// globals are renamed to `ml_<name>` (references inside follow), archived
/// as libminlibc_host.a. Undefined symbols (the platform API, libgcc
/// helpers) keep their names.
fn build_minlibc_host_copy(repo: &Path, out: &Path) {
    let gcc_include = run("gcc", &["-print-file-name=include"]);
    let mut build = cc::Build::new();
    build.compiler("gcc").no_default_flags(true).warnings(false).cargo_warnings(false);
    build.flag("-nostdinc");
    for dir in [repo.join("minlibc/include"), repo.join("rts-xen/include"), PathBuf::from(gcc_include.trim())] {
        build.flag("-isystem").flag(dir.to_str().expect("UTF-8 path"));
    }
    for flag in halvm_target_c::TARGET_CFLAGS.iter().chain(halvm_target_c::PROJECT_CFLAGS) {
        build.flag(flag);
    }
    build.flag("-fPIE").files(c_files(&repo.join("minlibc/src"), |_| true));
    let objects = build.compile_intermediates();

    let combined = out.join("minlibc_combined.o");
    let mut ld_args = vec!["-r".to_string(), "-o".into(), combined.display().to_string()];
    ld_args.extend(objects.iter().map(|o| o.display().to_string()));
    run("ld", &ld_args.iter().map(String::as_str).collect::<Vec<_>>());
    let defined = run("nm", &["--defined-only", "--extern-only", "--format=just-symbols", combined.to_str().unwrap()]);
    let map: String = defined.lines().map(|s| format!("{s} ml_{s}\n")).collect();
    let map_file = out.join("minlibc_rename.txt");
    std::fs::write(&map_file, map).unwrap();
    let renamed = out.join("minlibc_host.o");
    let redefine = format!("--redefine-syms={}", map_file.display());
    run("objcopy", &[&redefine, combined.to_str().unwrap(), renamed.to_str().unwrap()]);
    let lib = out.join("libminlibc_host.a");
    let _ = std::fs::remove_file(&lib);
    run("ar", &["crs", lib.to_str().unwrap(), renamed.to_str().unwrap()]);
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=minlibc_host");
}

/// Runs a host tool, returning its standard output; any failure ends the
/// build script with the tool's own messages.
fn run(tool: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
    if !output.status.success() {
        panic!("{tool} {args:?} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// C and assembly sources (`.c`, `.S`) in `dir` that `keep` accepts, sorted.
fn c_files(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "c" || e == "S"))
        .filter(|p| keep(&p.file_name().unwrap().to_string_lossy()))
        .collect();
    files.sort();
    files
}
