//! libm for the target: the Rust libm crate exported under the C99 names
//! (`minlibc/libm-c`), or an openlibm source tree the user provides.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{bail, Context, Result};
use object::{Object, ObjectSymbol};
use xshell::{cmd, Shell};

use crate::layout::Layout;
use crate::minlibc::minlibc_dir;
use crate::target_c;
use crate::target_sysroot::Sysroot;

/// The Rust target the libm static library is built for: ordinary x86_64
/// System V code (the float ABI GHC's code uses), `no_std`, so nothing from
/// glibc is referenced.
const LIBM_RUST_TARGET: &str = "x86_64-unknown-linux-gnu";

/// Which math library `cargo xtask build` puts in `lib/libm.a`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LibmChoice {
    /// `minlibc/libm-c`: the Rust libm crate under the C names.
    Rust,
    /// An openlibm source tree the user provides.
    Openlibm(PathBuf),
}

impl FromStr for LibmChoice {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s == "rust" {
            return Ok(LibmChoice::Rust);
        }
        match s.strip_prefix("openlibm=") {
            Some("") => Err("--libm openlibm=DIR needs the openlibm source directory after '='".into()),
            Some(dir) => Ok(LibmChoice::Openlibm(PathBuf::from(dir))),
            None => Err(format!("unknown libm `{s}`: use `rust` (the default) or `openlibm=DIR`")),
        }
    }
}

/// Builds the chosen libm into `out`.
pub fn build(sh: &Shell, layout: &Layout, sysroot: &Sysroot, choice: &LibmChoice, out: &Path) -> Result<()> {
    match choice {
        LibmChoice::Rust => build_rust_libm(sh, layout, out),
        LibmChoice::Openlibm(dir) => build_openlibm(sh, layout, sysroot, dir, out),
    }
}

/// The Rust libm crate as a static library with the C names.
fn build_rust_libm(sh: &Shell, layout: &Layout, out: &Path) -> Result<()> {
    let cargo = crate::cargo::binary();
    let target_dir = minlibc_dir(layout).join("cargo");
    let manifest = layout.repo.join("Cargo.toml");
    // panic=abort: a unikernel cannot unwind; static relocations: images
    // are linked -no-pie like the C code (-fno-pie).
    cmd!(
        sh,
        "{cargo} rustc --quiet --manifest-path {manifest} -p minlibc-libm --release --target {LIBM_RUST_TARGET}
         --features c-names,panic-handler --crate-type staticlib"
    )
    .env("CARGO_TARGET_DIR", &target_dir)
    .env("RUSTFLAGS", "-C panic=abort -C relocation-model=static")
    .run()
    .context("building the libm static library (minlibc/libm-c)")?;
    let built = target_dir.join(LIBM_RUST_TARGET).join("release/libminlibc_libm.a");
    seal_rust_archive(sh, &built, &minlibc_dir(layout).join("libm-sealed"), out)
}

/// A Rust static library carries its own copies of core, compiler_builtins
/// and a panic handler, which would clash with rts-xen's (also Rust) in one
/// image. So the archive is linked into one relocatable object in which
/// every global symbol except the exported C functions is made local, and
/// that object is archived alone.
fn seal_rust_archive(sh: &Shell, staticlib: &Path, work: &Path, out: &Path) -> Result<()> {
    std::fs::create_dir_all(work)?;
    let combined = work.join("combined.o");
    cmd!(sh, "ld -r --whole-archive {staticlib} -o {combined}")
        .quiet()
        .run()
        .with_context(|| format!("linking {} into one object", staticlib.display()))?;
    let exports: Vec<String> = defined_globals(&combined)?.into_iter().filter(|s| is_c_export(s)).collect();
    if exports.is_empty() {
        bail!("{} exports no C functions: was it built without the c-names feature?", staticlib.display());
    }
    let keep = work.join("exports.txt");
    std::fs::write(&keep, exports.join("\n") + "\n")?;
    let sealed = work.join("libm.o");
    // The precompiled core carries LLVM bitcode sections; binutils' LLVM
    // plugin (installed with clang) trips over them, and nothing needs them.
    cmd!(
        sh,
        "objcopy --keep-global-symbols={keep} --remove-section=.llvmbc --remove-section=.llvmcmd
         --remove-section=.llvm_addrsig {combined} {sealed}"
    )
    .quiet()
    .run()?;
    target_c::archive(sh, out, &[sealed])
}

/// The C names libm exports (sin, sinf, signgam, ...): plain identifiers.
/// Rust's own symbols are mangled (_R..., _ZN...) or start with `__`
/// (compiler_builtins, the panic handler's __rustc::...).
fn is_c_export(symbol: &str) -> bool {
    symbol.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && symbol.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !symbol.starts_with("rust_")
}

/// Files whose presence identifies an openlibm source tree.
const OPENLIBM_MARKERS: &[&str] = &["Make.inc", "include/openlibm_math.h", "src/e_pow.c"];

/// Checks that `dir` is an openlibm source tree, naming what is missing.
pub fn check_openlibm_tree(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        bail!(
            "--libm openlibm={}: no such directory. Pass the root of an openlibm source tree \
             (git clone https://github.com/JuliaMath/openlibm), or omit --libm to use the built-in Rust libm.",
            dir.display()
        );
    }
    let missing: Vec<&str> = OPENLIBM_MARKERS.iter().copied().filter(|m| !dir.join(m).exists()).collect();
    if !missing.is_empty() {
        bail!(
            "--libm openlibm={}: this is not an openlibm source tree (missing {}). Pass the root of \
             a checkout of https://github.com/JuliaMath/openlibm, or omit --libm to use the built-in Rust libm.",
            dir.display(),
            missing.join(", ")
        );
    }
    Ok(())
}

/// openlibm built with its own Makefile against minlibc's headers. The
/// tree is copied first so the user's checkout stays clean.
fn build_openlibm(sh: &Shell, layout: &Layout, sysroot: &Sysroot, dir: &Path, out: &Path) -> Result<()> {
    check_openlibm_tree(dir)?;
    let work = minlibc_dir(layout).join("openlibm");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    cmd!(sh, "cp -a {dir} {work}").run()?;
    // The target wrapper brings the headers and the target flags.
    let (gcc, ar) = (sysroot.gcc(), sysroot.tool("ar"));
    cmd!(sh, "make -C {work} libopenlibm.a CC={gcc} AR={ar} CFLAGS_add=-ffreestanding")
        .run()
        .with_context(|| format!("building openlibm from {} (copied to {})", dir.display(), work.display()))?;
    std::fs::copy(work.join("libopenlibm.a"), out)?;
    Ok(())
}

/// Global symbols an object file defines.
pub fn defined_globals(path: &Path) -> Result<BTreeSet<String>> {
    let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let file = object::File::parse(&*data).with_context(|| format!("parsing {}", path.display()))?;
    Ok(file
        .symbols()
        .filter(|s| s.is_definition() && s.is_global())
        .filter_map(|s| s.name().ok().map(str::to_owned))
        .collect())
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_c_export_keeps_c_names_and_refuses_rust_symbols() {
        for c in ["sin", "sinf", "lgamma_r", "signgam", "exp10f"] {
            assert!(is_c_export(c), "{c}");
        }
        for r in ["_ZN4libm4math3sin17h0123E", "_RNvCs1_4core9panicking5panic", "__udivti3", "__rustc::rust_begin_unwind",
                  "rust_begin_unwind", "Sin", "sin$x"] {
            assert!(!is_c_export(r), "{r}");
        }
    }

    #[test]
    fn libm_choice_parses_rust_and_openlibm() {
        assert_eq!("rust".parse::<LibmChoice>(), Ok(LibmChoice::Rust));
        assert_eq!("openlibm=/x/y".parse::<LibmChoice>(), Ok(LibmChoice::Openlibm("/x/y".into())));
        assert!("openlibm=".parse::<LibmChoice>().unwrap_err().contains("needs the openlibm source directory"));
        assert!("musl".parse::<LibmChoice>().unwrap_err().contains("unknown libm `musl`"));
    }

    #[test]
    fn a_directory_that_is_not_openlibm_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Make.inc"), "").unwrap();
        let err = format!("{:#}", check_openlibm_tree(dir.path()).unwrap_err());
        assert!(err.contains("not an openlibm source tree"), "{err}");
        assert!(err.contains("include/openlibm_math.h") && err.contains("src/e_pow.c"), "{err}");
        assert!(!err.contains("Make.inc,"), "present files are not reported missing: {err}");
        let err = format!("{:#}", check_openlibm_tree(&dir.path().join("nope")).unwrap_err());
        assert!(err.contains("no such directory"), "{err}");
    }

    #[test]
    fn a_complete_openlibm_layout_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        for m in OPENLIBM_MARKERS {
            let p = dir.path().join(m);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        check_openlibm_tree(dir.path()).unwrap();
    }
}
