//! halvm's Template Haskell interpreter: a `ghc-iserv` for the build
//! machine, built by the platform GHC from toolchain/iserv and installed
//! as `<libdir>/bin/ghc-iserv`, where the cross compiler looks for it when
//! halvm-ghc passes `-fexternal-interpreter` (toolchain/ghc/README.md,
//! "Template Haskell", says how it works and what cannot).
//!
//! The platform GHC's own `ghci`/`libiserv` packages speak the cross
//! compiler's protocol (both are GHC 9.0.2). What the build computes is
//! the list of stand-ins: every C function the prefix's target libraries
//! (minlibc's libc.a, libm.a, rts-xen's librts_xen.a) define and the
//! interpreter itself does not (with its shared libraries, glibc first)
//! gets a function in the executable that reports the splice that called
//! it and stops. To know what the interpreter defines it is linked twice:
//! first without stand-ins (its dynamic symbol table, with
//! `--export-dynamic`, then lists everything it holds), then with them.
//! glibc data objects that minlibc also defines are copied into the
//! executable (see toolchain/iserv/report.c's generated companion).
//!
//! Afterwards an audit checks the installed Haskell libraries: everything
//! they reference must be defined by another of them or by the
//! interpreter, and every glibc data object they use must be a copy inside
//! it. The build fails otherwise: a splice using such a library would fail
//! to link, or read a wrong address.
//!
//! ```text
//! build/iserv/target_only.c   the generated stand-ins and data copies
//! build/iserv/stand-ins.txt   their names, for the audit's report
//! build/iserv/first/          the link without stand-ins
//! build/iserv/ghc-iserv       the interpreter (+ .key), copied into the prefix
//! build/iserv/audit.txt       the audit's report (+ .key)
//! ```

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

use crate::elf_symbols::{self, Symbols};
use crate::input_key::{self, InputKey};
use crate::layout::Layout;
use crate::platform_ghc::PlatformGhc;
use crate::progress::Step;

/// Bump when what this module generates or checks changes, so that an
/// interpreter built by an older procedure is rebuilt and re-audited.
const PROCEDURE: &str = "1";

/// Where GHC runs its external interpreter: `$topdir/bin/ghc-iserv`
/// (`GHC.Settings.IO`), `$topdir` being the compiler's library directory.
pub fn installed_path(prefix: &Path) -> PathBuf {
    crate::haskell_libs::ghc_libdir(prefix).join("bin/ghc-iserv")
}

/// Builds the interpreter if its inputs changed, audits the installed
/// libraries against it and installs it into the prefix.
pub fn ensure(sh: &Shell, layout: &Layout, prefix: &Path, platform_ghc: &PlatformGhc) -> Result<PathBuf> {
    let work = layout.build.join("iserv");
    let sources = layout.repo.join("toolchain/iserv");
    let target = target_c_symbols(prefix)?;
    let key = InputKey::new("halvm ghc-iserv")
        .text("procedure", PROCEDURE)
        .text("platform ghc", &platform_ghc.version(sh)?)
        .tree(&layout.repo, &sources)?
        .text("target functions", &names(&target.functions))
        .text("target data", &names(&target.data))
        .finish();
    let program = work.join("ghc-iserv");
    input_key::rebuild_unless_current(&program, &key, || {
        let step = Step::start("building the Template Haskell interpreter (ghc-iserv) with the platform GHC");
        let generated = work.join("target_only.c");
        std::fs::write(&generated, generate(&Plan::default()))?;
        let first = work.join("first/ghc-iserv");
        link(sh, platform_ghc, &sources, &generated, &work.join("obj"), &first)?;
        let mut host = host_symbols(&first)?;
        // Also what it links but does not export (hidden functions from
        // static archives, e.g. libgcc's __popcountdi2, which ghc-prim
        // calls): a stand-in of that name would replace them in the
        // interpreter's own code.
        host.functions.extend(elf_symbols::linked_into(&first)?);
        let plan = stand_ins(&target, &host);
        std::fs::write(&generated, generate(&plan))?;
        std::fs::write(work.join("stand-ins.txt"), names(&plan.stand_ins))?;
        link(sh, platform_ghc, &sources, &generated, &work.join("obj"), &program)?;
        step.done();
        Ok(())
    })?;
    audit(layout, prefix, &program, &key)?;
    let installed = installed_path(prefix);
    crate::prefix::install_file(&program, &installed, 0o755)?;
    Ok(installed)
}

/// One name per line: the key of a symbol set.
fn names(set: &BTreeSet<String>) -> String {
    set.iter().fold(String::new(), |mut s, n| {
        s.push_str(n);
        s.push('\n');
        s
    })
}

/// The symbols of the target's C libraries in the prefix.
fn target_c_symbols(prefix: &Path) -> Result<Symbols> {
    let dir = prefix.join("lib/halvm/lib");
    let mut all = Symbols::default();
    for name in ["libc.a", "libm.a", "librts_xen.a"] {
        let s = elf_symbols::read(&dir.join(name))?;
        all.functions.extend(s.functions);
        all.data.extend(s.data);
    }
    Ok(all)
}

/// What a program provides to the objects its runtime linker loads: its
/// own exported symbols and those of the shared libraries it needs.
/// glibc's libc and libm are always among them (GHC's runtime linker
/// resolves through `dlsym` of the whole process).
fn host_symbols(program: &Path) -> Result<Symbols> {
    let mut all = elf_symbols::read(program)?;
    let mut libraries = elf_symbols::needed_libraries(program)?;
    for always in ["libc.so.6", "libm.so.6"] {
        if !libraries.iter().any(|l| l == always) {
            libraries.push(always.to_string());
        }
    }
    for library in libraries {
        let s = elf_symbols::read(&elf_symbols::find_system_library(&library)?)?;
        all.functions.extend(s.functions);
        all.data.extend(s.data);
    }
    all.undefined.clear();
    Ok(all)
}

/// What the generated C file holds.
#[derive(Debug, Default, PartialEq, Eq)]
struct Plan {
    /// Target functions the build machine lacks: stand-ins that report.
    stand_ins: BTreeSet<String>,
    /// Target data the build machine's shared libraries also define:
    /// copied into the executable.
    copied: BTreeSet<String>,
}

/// Rust's mangled names are left out: no C or Haskell code names them.
fn stand_ins(target: &Symbols, host: &Symbols) -> Plan {
    let host_defined: BTreeSet<&String> = host.defined().collect();
    let mut plan = Plan::default();
    for f in &target.functions {
        if host_defined.contains(f) || !is_c_name(f) || is_rust_mangled(f) {
            continue;
        }
        plan.stand_ins.insert(f.clone());
    }
    plan.copied = target.data.iter().filter(|n| host.data.contains(*n) && is_c_name(n)).cloned().collect();
    plan
}

fn is_c_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_rust_mangled(name: &str) -> bool {
    name.starts_with("_ZN") || name.starts_with("_R")
}

/// The C source of the stand-ins and the data copies.
/// It includes no header: the names are declared here with types of
/// their own, which would clash with glibc's declarations.
fn generate(plan: &Plan) -> String {
    let mut s = String::from(
        "/* Generated by cargo xtask build (xtask/src/iserv.rs); do not edit.\n \
         * Stand-ins for the C functions only a halvm image has, and copies of\n \
         * the glibc data objects target code may read. */\n\
         extern void halvm_iserv_target_only(const char *name) __attribute__((noreturn));\n\n",
    );
    for f in &plan.stand_ins {
        let _ = writeln!(s, "void {f}(void) {{ halvm_iserv_target_only(\"{f}\"); }}");
    }
    // Non-PIC code (-fno-pie) in a non-PIE executable taking the data
    // objects' addresses makes the linker copy them into the executable,
    // below 2 GB, where the 32-bit relocations of loaded objects reach
    // them.
    s.push('\n');
    for name in &plan.copied {
        let _ = writeln!(s, "extern char {name};");
    }
    s.push_str("\nunsigned long halvm_iserv_copied_data(void)\n{\n    unsigned long sum = 0;\n");
    for name in &plan.copied {
        let _ = writeln!(s, "    sum += (unsigned long)&{name};");
    }
    s.push_str("    return sum;\n}\n");
    s
}

fn link(sh: &Shell, ghc: &PlatformGhc, sources: &Path, generated: &Path, objects: &Path, out: &Path) -> Result<()> {
    let ghc = ghc.ghc();
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let main = sources.join("Main.hs");
    let c = [sources.join("main.c"), sources.join("report.c"), generated.to_path_buf()];
    // -no-hs-main: main.c starts the RTS (keep CAFs, RTS options allowed).
    // --export-dynamic: loaded objects resolve against everything here.
    // -no-pie / -fno-pie: see generate().
    cmd!(sh, "{ghc} -v0 -O -no-hs-main -package ghci -package libiserv -package template-haskell
              -optc-fno-pie -optc-fno-builtin -optl-no-pie -optl-Wl,--export-dynamic
              -outputdir {objects} {main} {c...} -o {out}")
        .run()
        .context("the platform GHC could not build halvm's ghc-iserv (toolchain/iserv)")
}

/// The installed Haskell libraries' objects, one per package: the
/// `HS<pkg>.o` GHC's runtime linker loads, or the archive without it.
fn haskell_library_objects(libdir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(libdir)? {
        let dir = entry?.path();
        if !dir.is_dir() || dir.file_name().is_some_and(|n| n == "rts") {
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?.map(|e| e.map(|e| e.path())).collect::<std::io::Result<_>>()?;
        files.sort();
        let named = |prefix: &str, suffix: &str| {
            files.iter().find(|p| {
                let n = p.file_name().unwrap().to_string_lossy();
                n.starts_with(prefix) && n.ends_with(suffix)
            })
        };
        if let Some(o) = named("HS", ".o").or_else(|| named("libHS", ".a")) {
            out.push(o.clone());
        }
    }
    out.sort();
    Ok(out)
}

/// Checks the prefix's Haskell libraries against the interpreter (see
/// the module's comment); redone when the interpreter or the package
/// database changed. The report lists the glibc data objects they use.
fn audit(layout: &Layout, prefix: &Path, program: &Path, iserv_key: &str) -> Result<()> {
    let libdir = crate::haskell_libs::ghc_libdir(prefix);
    let key = InputKey::new("ghc-iserv audit")
        .text("iserv", iserv_key)
        .tree(prefix, &libdir.join("package.conf.d"))?
        .finish();
    let report = layout.build.join("iserv/audit.txt");
    input_key::rebuild_unless_current(&report, &key, || {
        let host = host_symbols(program)?;
        let glibc_data: BTreeSet<String> = {
            let mut d = BTreeSet::new();
            for lib in ["libc.so.6", "libm.so.6"] {
                d.extend(elf_symbols::read(&elf_symbols::find_system_library(lib)?)?.data);
            }
            d
        };
        let mut haskell = Symbols::default();
        let mut per_library = Vec::new();
        for object in haskell_library_objects(&libdir)? {
            let s = elf_symbols::read(&object)?;
            per_library.push((object.clone(), s.undefined.clone()));
            haskell.functions.extend(s.functions);
            haskell.data.extend(s.data);
        }
        let executable = elf_symbols::read(program)?;
        let mut findings = check(&per_library, &haskell, &host, &executable, &glibc_data);
        let list = layout.build.join("iserv/stand-ins.txt");
        let stand_ins = std::fs::read_to_string(&list).with_context(|| format!("reading {}", list.display()))?;
        let stand_ins: BTreeSet<String> = stand_ins.lines().map(String::from).collect();
        findings.report.push_str("libraries calling halvm-only functions (a splice reaching such a call fails):\n");
        for (library, undefined) in &per_library {
            let calls: Vec<&String> = undefined.intersection(&stand_ins).collect();
            if !calls.is_empty() {
                let _ = writeln!(findings.report, "  {}: {} functions, e.g. {}", library.display(), calls.len(), calls[0]);
            }
        }
        std::fs::write(&report, &findings.report)?;
        if !findings.problems.is_empty() {
            bail!(
                "halvm's ghc-iserv cannot serve every installed library ({}):\n{}",
                report.display(),
                findings.problems.join("\n")
            );
        }
        Ok(())
    })
}

struct Findings {
    problems: Vec<String>,
    report: String,
}

/// `host`: the interpreter with its shared libraries; `executable`: the
/// interpreter alone (a glibc data object must be copied into it).
fn check(
    per_library: &[(PathBuf, BTreeSet<String>)],
    haskell: &Symbols,
    host: &Symbols,
    executable: &Symbols,
    glibc_data: &BTreeSet<String>,
) -> Findings {
    let defined: BTreeSet<&String> = haskell.defined().chain(host.defined()).collect();
    let mut problems = Vec::new();
    let mut used_data = BTreeSet::new();
    for (library, undefined) in per_library {
        for name in undefined {
            if !defined.contains(name) {
                problems.push(format!("  {}: `{name}' is defined nowhere on the build machine", library.display()));
            } else if glibc_data.contains(name) && !haskell.data.contains(name) {
                if executable.data.contains(name) {
                    used_data.insert(name.clone());
                } else {
                    problems.push(format!("  {}: glibc's `{name}' is not copied into ghc-iserv", library.display()));
                }
            }
        }
    }
    let mut report = format!("{} libraries checked; glibc data objects they use (copied into ghc-iserv):\n", per_library.len());
    for d in &used_data {
        let _ = writeln!(report, "  {d}");
    }
    for p in &problems {
        let _ = writeln!(report, "{p}");
    }
    Findings { problems, report }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn stand_ins_are_the_target_functions_the_host_lacks() {
        let target = Symbols {
            functions: set(&["printf", "__popcountdi2", "halvm_monotonic_ns", "__minlibc_mb_cur_max",
                             "_ZN4core3fmt5write17h0E", "_RNvCs_7___rustc17rust_begin_unwind"]),
            data: set(&["stdin", "environ", "halvm_gdt"]),
            undefined: BTreeSet::new(),
        };
        let host = Symbols {
            functions: set(&["printf", "__popcountdi2"]),
            data: set(&["stdin", "environ"]),
            undefined: BTreeSet::new(),
        };
        let plan = stand_ins(&target, &host);
        assert_eq!(plan.stand_ins, set(&["__minlibc_mb_cur_max", "halvm_monotonic_ns"]));
        assert_eq!(plan.copied, set(&["environ", "stdin"]), "only glibc's data is copied; halvm-only data gets nothing");
    }

    #[test]
    fn the_generated_source_compiles_and_copies_glibc_data_into_a_non_pie_program() {
        let dir = tempfile::tempdir().unwrap();
        let plan = Plan {
            stand_ins: set(&["halvm_test_only"]),
            copied: set(&["stdin", "timezone"]),
        };
        let src = generate(&plan);
        assert!(!src.contains("#include"), "no header: the data declarations would clash with glibc's");
        std::fs::write(dir.path().join("gen.c"), &src).unwrap();
        std::fs::write(
            dir.path().join("main.c"),
            "void halvm_iserv_target_only(const char *n) { (void)n; for (;;) ; }\nint main(void) { return 0; }\n",
        )
        .unwrap();
        let exe = dir.path().join("prog");
        let ok = std::process::Command::new("cc")
            .args(["-fno-pie", "-fno-builtin", "-no-pie", "-Wl,--export-dynamic"])
            .arg(dir.path().join("gen.c"))
            .arg(dir.path().join("main.c"))
            .arg("-o")
            .arg(&exe)
            .status()
            .unwrap();
        assert!(ok.success());
        let s = elf_symbols::read(&exe).unwrap();
        assert!(s.functions.contains("halvm_test_only"));
        for copied in ["stdin", "timezone"] {
            assert!(s.data.contains(copied), "{copied} is copied into the executable: {:?}", s.data);
        }
    }

    #[test]
    fn the_audit_names_unresolvable_symbols_and_uncopied_glibc_data() {
        let haskell = Symbols { functions: set(&["base_f"]), data: BTreeSet::new(), undefined: BTreeSet::new() };
        let executable = Symbols { functions: set(&["halvm_platform"]), data: set(&["environ"]), undefined: BTreeSet::new() };
        let host = Symbols {
            functions: set(&["halvm_platform", "printf"]),
            data: set(&["environ", "tzname"]),
            undefined: BTreeSet::new(),
        };
        let glibc_data = set(&["environ", "tzname"]);
        let libs = vec![(
            PathBuf::from("HSx.o"),
            set(&["base_f", "printf", "halvm_platform", "environ", "tzname", "nowhere"]),
        )];
        let f = check(&libs, &haskell, &host, &executable, &glibc_data);
        assert_eq!(f.problems.len(), 2, "{:?}", f.problems);
        assert!(f.problems[0].contains("`nowhere' is defined nowhere"));
        assert!(f.problems[1].contains("`tzname' is not copied"));
        assert!(f.report.contains("  environ\n"));
    }

    #[test]
    fn the_interpreter_is_where_ghc_looks_for_it() {
        assert_eq!(
            installed_path(Path::new("/p")),
            Path::new("/p/lib/x86_64-halvm-linux-ghc-9.0.2/bin/ghc-iserv")
        );
    }
}
