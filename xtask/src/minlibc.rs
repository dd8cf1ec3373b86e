//! minlibc and libm: the C library the target is compiled and linked
//! against (`minlibc/`), built into `build/minlibc/`:
//!
//! ```text
//! build/minlibc/
//!   lib/libminlibc.a    minlibc for the target
//!   lib/libm.a          the C99 math library (Rust libm crate, or openlibm)
//!   obj/target/         minlibc's objects for the target
//!   cargo/              cargo's target directory for the libm static library
//! ```
//!
//! The same sources are also built for host tests (`minlibc/tests-host`,
//! whose build script calls [`build_host_test_archive`]): there every
//! symbol minlibc defines is renamed to `ml_<name>`, so the copy can run in
//! one process with glibc and be compared with it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{bail, Context, Result};
use object::{Object, ObjectSymbol};
use xshell::{cmd, Shell};

use crate::layout::Layout;

/// C compiler flags for minlibc's own sources. The headers in
/// `minlibc/include` are the whole sysroot (`-nostdinc`); the platform API
/// comes from `rts-xen/include`. `-fno-tree-loop-distribute-patterns` keeps
/// gcc from turning memset/memcpy loops into calls to themselves.
const CFLAGS: &[&str] = &[
    "-std=gnu11",
    "-O2",
    "-g",
    "-ffreestanding",
    "-nostdinc",
    "-fno-builtin",
    "-fno-stack-protector",
    "-fno-strict-aliasing",
    "-fno-tree-loop-distribute-patterns",
    "-Wall",
    "-Wextra",
    "-Werror",
];

/// Code model: the target links images -no-pie (like GHC's code, see
/// toolchain/ghc/README.md); the host test copy goes into Rust's PIE test
/// executables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Target,
    HostTest,
}

impl Variant {
    fn pic_flag(self) -> &'static str {
        match self {
            Variant::Target => "-fno-pie",
            Variant::HostTest => "-fPIE",
        }
    }
}

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

/// What the minlibc stage produced.
pub struct Built {
    pub include: PathBuf,
    pub libminlibc: PathBuf,
    pub libm: PathBuf,
}

pub fn minlibc_dir(layout: &Layout) -> PathBuf {
    layout.build.join("minlibc")
}

pub fn lib_dir(layout: &Layout) -> PathBuf {
    minlibc_dir(layout).join("lib")
}

/// The build stage: libminlibc.a and libm.a for the target.
pub fn ensure(sh: &Shell, layout: &Layout, libm: &LibmChoice) -> Result<Built> {
    if let LibmChoice::Openlibm(dir) = libm {
        check_openlibm_tree(dir)?; // before any work, so a typo fails at once
    }
    let lib = lib_dir(layout);
    std::fs::create_dir_all(&lib)?;
    let built = Built { include: include_dir(&layout.repo), libminlibc: lib.join("libminlibc.a"), libm: lib.join("libm.a") };
    // Skipped when the archives are newer than every input and were made
    // with the same libm choice, so images are not relinked for nothing.
    let stamp = minlibc_dir(layout).join("libm-choice");
    let choice = format!("{libm:?}");
    let inputs = [layout.repo.join("minlibc/src"), layout.repo.join("minlibc/include"),
                  layout.repo.join("minlibc/libm-c"), layout.repo.join("rts-xen/include")];
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(choice.as_str())
        && up_to_date(&[&built.libminlibc, &built.libm], &inputs)?
    {
        return Ok(built);
    }
    let objects = compile(sh, &layout.repo, &minlibc_dir(layout).join("obj/target"), Variant::Target)?;
    archive(sh, &built.libminlibc, &objects)?;
    match libm {
        LibmChoice::Rust => build_rust_libm(sh, layout, &built.libm)?,
        LibmChoice::Openlibm(dir) => build_openlibm(sh, layout, dir, &built.libm)?,
    }
    std::fs::write(&stamp, choice)?;
    Ok(built)
}

/// True when every output exists and is newer than every file under the
/// input directories.
fn up_to_date(outputs: &[&Path], inputs: &[PathBuf]) -> Result<bool> {
    let mut oldest_output = None;
    for out in outputs {
        let Ok(meta) = std::fs::metadata(out) else { return Ok(false) };
        let t = meta.modified()?;
        oldest_output = Some(oldest_output.map_or(t, |o: std::time::SystemTime| o.min(t)));
    }
    let Some(oldest_output) = oldest_output else { return Ok(false) };
    fn newest(dir: &Path, acc: &mut std::time::SystemTime) -> Result<()> {
        for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_dir() {
                newest(&entry.path(), acc)?;
            } else {
                *acc = (*acc).max(meta.modified()?);
            }
        }
        Ok(())
    }
    let mut newest_input = std::time::SystemTime::UNIX_EPOCH;
    for dir in inputs {
        newest(dir, &mut newest_input)?;
    }
    Ok(newest_input < oldest_output)
}

pub fn include_dir(repo: &Path) -> PathBuf {
    repo.join("minlibc/include")
}

/// minlibc's C and assembly sources, in a stable order.
pub fn sources(repo: &Path) -> Result<Vec<PathBuf>> {
    let dir = repo.join("minlibc/src");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if matches!(path.extension().and_then(|e| e.to_str()), Some("c" | "S")) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Compiles every source into `obj_dir`, two at a time (the machines this
/// runs on have two cores). Returns the object paths.
pub fn compile(sh: &Shell, repo: &Path, obj_dir: &Path, variant: Variant) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(obj_dir)?;
    let include = include_dir(repo);
    let platform = repo.join("rts-xen/include");
    let jobs: Vec<(PathBuf, PathBuf)> = sources(repo)?
        .into_iter()
        .map(|src| {
            let name = src.file_name().unwrap().to_string_lossy().into_owned();
            (src, obj_dir.join(format!("{name}.o")))
        })
        .collect();
    let results: Vec<Result<()>> = std::thread::scope(|scope| {
        let halves = jobs.chunks(jobs.len().div_ceil(2).max(1));
        let handles: Vec<_> = halves
            .map(|chunk| {
                let sh = sh.clone();
                let (include, platform) = (&include, &platform);
                let pic = variant.pic_flag();
                scope.spawn(move || -> Result<()> {
                    for (src, obj) in chunk {
                        cmd!(sh, "gcc {CFLAGS...} {pic} -isystem {include} -isystem {platform} -c {src} -o {obj}")
                            .quiet()
                            .run()
                            .with_context(|| format!("compiling {}", src.display()))?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("compile thread panicked")).collect()
    });
    for r in results {
        r?;
    }
    Ok(jobs.into_iter().map(|(_, obj)| obj).collect())
}

fn archive(sh: &Shell, out: &Path, objects: &[PathBuf]) -> Result<()> {
    if out.exists() {
        std::fs::remove_file(out)?;
    }
    cmd!(sh, "ar crsD {out} {objects...}").quiet().run().with_context(|| format!("creating {}", out.display()))?;
    Ok(())
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
    archive(sh, out, &[sealed])
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
fn build_openlibm(sh: &Shell, layout: &Layout, dir: &Path, out: &Path) -> Result<()> {
    check_openlibm_tree(dir)?;
    let work = minlibc_dir(layout).join("openlibm");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    cmd!(sh, "cp -a {dir} {work}").run()?;
    let include = include_dir(&layout.repo);
    let cflags = format!("-nostdinc -ffreestanding -fno-stack-protector -fno-pie -isystem {}", include.display());
    cmd!(sh, "make -C {work} libopenlibm.a CFLAGS_add={cflags}")
        .run()
        .with_context(|| format!("building openlibm from {} (copied to {})", dir.display(), work.display()))?;
    std::fs::copy(work.join("libopenlibm.a"), out)?;
    Ok(())
}

/// The boot test program (minlibc/tests-boot/libc_smoke.c) as an image
/// among rts-xen's test images: compiled against minlibc's headers,
/// linked with libminlibc.a, libm.a, rts-xen and libgcc like a GHC program
/// will be. The qemu lane boots it (tests/boot, check `libc_smoke`).
pub fn build_boot_image(sh: &Shell, layout: &Layout, rts: &crate::rts_xen::RtsXen, libc: &Built) -> Result<PathBuf> {
    let out_dir = crate::test_images::images_dir(layout);
    let obj_dir = minlibc_dir(layout).join("obj/boot");
    std::fs::create_dir_all(&obj_dir)?;
    let src = layout.repo.join("minlibc/tests-boot/libc_smoke.c");
    let obj = obj_dir.join("libc_smoke.o");
    let image = out_dir.join("libc");
    let (include, platform) = (&libc.include, &rts.include);
    let pic = Variant::Target.pic_flag();
    cmd!(sh, "gcc {CFLAGS...} {pic} -isystem {include} -isystem {platform} -c {src} -o {obj}")
        .quiet()
        .run()
        .with_context(|| format!("compiling {}", src.display()))?;
    let libgcc = cmd!(sh, "gcc -print-libgcc-file-name").quiet().read().context("locating libgcc.a")?;
    let (script, rts_lib, libminlibc, libm) = (&rts.linker_script, &rts.lib, &libc.libminlibc, &libc.libm);
    let ldflags = crate::test_images::LDFLAGS;
    cmd!(sh, "ld {ldflags...} -T {script} {obj} --start-group {libminlibc} {libm} {rts_lib} --end-group {libgcc} -o {image}")
        .quiet()
        .run()
        .with_context(|| format!("linking the test image {}", image.display()))?;
    Ok(image)
}

/// Builds minlibc for host tests into `out_dir`: objects compiled with the
/// target flags, linked into one relocatable object, every global symbol it
/// defines renamed to `ml_<name>` (references inside follow), archived as
/// `libminlibc_host.a`. Undefined symbols (the platform API, libgcc
/// helpers) keep their names. Returns the archive path.
pub fn build_host_test_archive(repo: &Path, out_dir: &Path) -> Result<PathBuf> {
    let sh = Shell::new()?;
    let objects = compile(&sh, repo, &out_dir.join("obj"), Variant::HostTest)?;
    let combined = out_dir.join("minlibc_combined.o");
    cmd!(sh, "ld -r -o {combined} {objects...}").quiet().run().context("linking minlibc into one object")?;
    let defined = defined_globals(&combined)?;
    let map: String = defined.iter().map(|s| format!("{s} ml_{s}\n")).collect();
    let map_file = out_dir.join("minlibc_rename.txt");
    std::fs::write(&map_file, map)?;
    let renamed = out_dir.join("minlibc_host.o");
    cmd!(sh, "objcopy --redefine-syms={map_file} {combined} {renamed}").quiet().run()?;
    let lib = out_dir.join("libminlibc_host.a");
    archive(&sh, &lib, &[renamed])?;
    Ok(lib)
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
    fn only_c_names_are_exported_from_the_libm_archive() {
        for c in ["sin", "sinf", "lgamma_r", "signgam", "exp10f"] {
            assert!(is_c_export(c), "{c}");
        }
        for r in ["_ZN4libm4math3sin17h0123E", "_RNvCs1_4core9panicking5panic", "__udivti3", "__rustc::rust_begin_unwind",
                  "rust_begin_unwind", "memcpy_"] {
            assert!(!is_c_export(r) || r == "memcpy_", "{r}");
        }
    }

    #[test]
    fn outputs_older_than_an_input_are_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::create_dir_all(input.join("sub")).unwrap();
        std::fs::write(input.join("sub/a.c"), "").unwrap();
        let out = dir.path().join("lib.a");
        assert!(!up_to_date(&[&out], &[input.clone()]).unwrap(), "missing output");
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&out, "").unwrap();
        assert!(up_to_date(&[&out], &[input.clone()]).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(input.join("sub/a.c"), "changed").unwrap();
        assert!(!up_to_date(&[&out], &[input]).unwrap(), "a newer input in a subdirectory");
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
