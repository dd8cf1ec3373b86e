//! The libc coverage check: every C symbol the halvm cross compiler's
//! installed archives reference must be defined by what every image is
//! linked with.
//!
//! What is checked is what `halvm-ghc` links into images, read from the
//! installed prefix (see prefix.rs), so it can only run once the cross
//! compiler is built:
//!
//! * the referencing side: every archive GHC installed in its library
//!   directory `<prefix>/lib/x86_64-halvm-linux-ghc-<version>/`: the
//!   runtime (`rts/libHSrts.a`, the debug runtime `rts/libHSrts_debug.a`,
//!   and whatever else `rts/` holds, such as the in-tree libffi
//!   `libCffi.a`) and every boot library (`<package>-<version>/libHS*.a`);
//! * the defining side: the archives the target gcc wrapper links every
//!   image with, `<prefix>/lib/halvm/lib/`'s `libc.a` (minlibc), `libm.a`
//!   and `librts_xen.a`, and libgcc (the wrapper names it by path; the
//!   check asks the wrapper with `-print-libgcc-file-name`).
//!
//! A symbol is needed from C when a GHC archive references it, no GHC
//! archive defines it, the reference is not weak (a weak reference may stay
//! undefined) and it is not a Haskell name (z-encoded: such a reference,
//! to the program's own `ZCMain_main_closure` say, is GHC's business, not
//! libc's; the installed archives have none today). Each needed symbol the
//! defining side lacks is reported with the archive members that reference
//! it.
//!
//! The unit lane, which runs before GHC is built, checks the other
//! direction: minlibc and libm may reach down only through the platform
//! API ([`check_minlibc_boundary`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use object::read::archive::ArchiveFile;
use object::{Object, ObjectSymbol};
use xshell::{cmd, Shell};

use crate::layout::Layout;
use crate::minlibc;
use crate::target_sysroot::TARGET;

/// The symbols of a set of archives: what their members define, and what
/// they reference without defining (each with every referencing member,
/// as `archive(member)`).
#[derive(Default)]
pub struct SymbolTable {
    pub defined: BTreeSet<String>,
    pub undefined: BTreeMap<String, BTreeSet<String>>,
}

impl SymbolTable {
    /// Reads `archive`, naming its members `<label>(<member>)`.
    pub fn read_archive(&mut self, archive: &Path, label: &str) -> Result<()> {
        let data = std::fs::read(archive).with_context(|| format!("reading {}", archive.display()))?;
        let parsed =
            ArchiveFile::parse(&*data).with_context(|| format!("parsing the archive {}", archive.display()))?;
        for member in parsed.members() {
            let member = member.with_context(|| format!("reading the members of {}", archive.display()))?;
            let name = String::from_utf8_lossy(member.name()).into_owned();
            let bytes = member.data(&*data)?;
            let file = object::File::parse(bytes).with_context(|| format!("parsing {label}({name})"))?;
            for sym in file.symbols() {
                let Ok(sym_name) = sym.name() else { continue };
                if sym_name.is_empty() || sym.is_local() {
                    continue;
                }
                if sym.is_undefined() {
                    // A weak reference resolves to 0 when nothing defines it.
                    if !sym.is_weak() {
                        self.undefined.entry(sym_name.to_owned()).or_default().insert(format!("{label}({name})"));
                    }
                } else {
                    // Anything with a section, common or absolute counts:
                    // symbols defined in inline assembly (StgRun) have no type.
                    self.defined.insert(sym_name.to_owned());
                }
            }
        }
        Ok(())
    }

    /// Referenced symbols none of the archives read so far defines.
    pub fn unresolved(&self) -> impl Iterator<Item = (&String, &BTreeSet<String>)> {
        self.undefined.iter().filter(|(s, _)| !self.defined.contains(*s))
    }
}

/// GHC's z-encoded names of Haskell entities: a module path (`zi` is '.',
/// `ZC` is ':' as in `:Main`) and an entity suffix. C names never have
/// both, even those that end like an entity (`mkfifo_info`).
fn is_haskell_symbol(symbol: &str) -> bool {
    const SUFFIXES: &[&str] = &["_closure", "_info", "_con_info", "_static_info", "_srt", "_bytes", "_slow", "_fast"];
    (symbol.contains("zi") || symbol.starts_with("ZC")) && SUFFIXES.iter().any(|s| symbol.ends_with(s))
}

/// GHC's library directory in `prefix`: the one `lib/<target>-ghc-<version>`.
pub fn ghc_libdir(prefix: &Path) -> Result<PathBuf> {
    let lib = prefix.join("lib");
    let wanted = format!("{TARGET}-ghc-");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&lib)
        .with_context(|| format!("reading {}: is {} a halvm prefix?", lib.display(), prefix.display()))?
    {
        let path = entry?.path();
        if path.is_dir() && path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&wanted)) {
            found.push(path);
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => bail!(
            "{} holds no {wanted}<version> directory: the cross compiler is not installed in {}; \
             run `cargo xtask build`",
            lib.display(),
            prefix.display()
        ),
        _ => bail!("{} holds several GHC library directories {found:?}: remove the stale ones", lib.display()),
    }
}

/// Every archive GHC installed in `libdir`: the `.a` files one directory
/// down (`rts/`, `<package>-<version>/`). The vanilla and debug runtimes
/// and base must be among them, or the install is not the one halvm builds.
pub fn ghc_archives(libdir: &Path) -> Result<Vec<PathBuf>> {
    let archives: Vec<PathBuf> = crate::fsutil::files_under(libdir)?
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "a") && f.parent().and_then(Path::parent) == Some(libdir))
        .collect();
    for required in ["rts/libHSrts.a", "rts/libHSrts_debug.a"] {
        if !archives.contains(&libdir.join(required)) {
            bail!(
                "{} is missing: the cross compiler's install is incomplete (halvm builds the vanilla and \
                 debug runtimes, toolchain/ghc/build.mk); run `cargo xtask build`",
                libdir.join(required).display()
            );
        }
    }
    let is_base = |a: &PathBuf| a.file_name().is_some_and(|n| n.to_string_lossy().starts_with("libHSbase-"));
    if !archives.iter().any(is_base) {
        bail!(
            "no libHSbase-<version>.a under {}: the boot libraries are not installed; run `cargo xtask build`",
            libdir.display()
        );
    }
    Ok(archives)
}

/// The archives every image is linked with: minlibc, libm, rts-xen, and
/// the libgcc the prefix's C compiler wrapper names.
pub fn image_link_archives(sh: &Shell, prefix: &Path) -> Result<Vec<PathBuf>> {
    let lib = prefix.join("lib/halvm/lib");
    let mut archives: Vec<PathBuf> = ["libc.a", "libm.a", "librts_xen.a"].iter().map(|a| lib.join(a)).collect();
    let gcc = prefix.join("bin").join(format!("{TARGET}-gcc"));
    let libgcc = cmd!(sh, "{gcc} -print-libgcc-file-name")
        .quiet()
        .read()
        .with_context(|| format!("asking {} where libgcc is", gcc.display()))?;
    archives.push(PathBuf::from(libgcc.trim()));
    for a in &archives {
        if !a.is_file() {
            bail!("{} does not exist: the prefix {} is incomplete; run `cargo xtask build`", a.display(), prefix.display());
        }
    }
    Ok(archives)
}

/// The outcome of [`coverage`].
pub struct Coverage {
    /// How many archives were read on the referencing side.
    pub archives: usize,
    /// Symbols the GHC archives need from C, with their referencing members.
    pub needed: BTreeMap<String, BTreeSet<String>>,
    /// Those the image link archives do not define.
    pub missing: BTreeMap<String, BTreeSet<String>>,
}

/// Compares what `ghc_archives` (under `libdir`, which names them in
/// reports) need from C with what `link_archives` define.
pub fn coverage(libdir: &Path, ghc_archives: &[PathBuf], link_archives: &[PathBuf]) -> Result<Coverage> {
    let mut ghc = SymbolTable::default();
    for a in ghc_archives {
        let label = a.strip_prefix(libdir).unwrap_or(a).display().to_string();
        ghc.read_archive(a, &label)?;
    }
    let mut link = SymbolTable::default();
    for a in link_archives {
        link.read_archive(a, &a.display().to_string())?;
    }
    let needed: BTreeMap<String, BTreeSet<String>> = ghc
        .unresolved()
        .filter(|(s, _)| !is_haskell_symbol(s))
        .map(|(s, refs)| (s.clone(), refs.clone()))
        .collect();
    let missing = needed.iter().filter(|(s, _)| !link.defined.contains(*s)).map(|(s, r)| (s.clone(), r.clone())).collect();
    Ok(Coverage { archives: ghc_archives.len(), needed, missing })
}

/// One line per symbol: the symbol and up to three referencing members.
fn describe(symbols: &BTreeMap<String, BTreeSet<String>>) -> String {
    let lines: Vec<String> = symbols
        .iter()
        .map(|(s, refs)| {
            let shown: Vec<&str> = refs.iter().take(3).map(String::as_str).collect();
            let more = if refs.len() > 3 { format!(" and {} more", refs.len() - 3) } else { String::new() };
            format!("  {s} (referenced by {}{more})", shown.join(", "))
        })
        .collect();
    lines.join("\n")
}

/// The qemu lane's step: the installed cross compiler's archives against
/// the prefix's minlibc, libm, rts-xen and libgcc.
pub fn check_prefix(sh: &Shell, prefix: &Path) -> Result<()> {
    let libdir = ghc_libdir(prefix)?;
    let report = coverage(&libdir, &ghc_archives(&libdir)?, &image_link_archives(sh, prefix)?)?;
    eprintln!(
        "    libc coverage: {} C symbols referenced by {} archives of the cross compiler's runtime and boot \
         libraries; {} missing",
        report.needed.len(),
        report.archives,
        report.missing.len()
    );
    if !report.missing.is_empty() {
        bail!(
            "minlibc, libm, rts-xen and libgcc do not define {} symbol(s) that {} references:\n{}\n\
             Add each to minlibc or libm: an implementation, or an honest failure with errno.",
            report.missing.len(),
            libdir.display(),
            describe(&report.missing)
        );
    }
    Ok(())
}

/// What `libc_archives` need from outside themselves and libgcc, beyond the
/// platform API (`halvm_*`) and the program's `main`: must be nothing,
/// since the platform API is minlibc's only way down.
pub fn outside_needs(libc_archives: &[PathBuf], libgcc: &Path) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let mut libc = SymbolTable::default();
    for a in libc_archives {
        libc.read_archive(a, &a.file_name().unwrap_or_default().to_string_lossy())?;
    }
    // Only what libgcc defines counts: its own references are those of
    // members an image pulls in only if something needs them.
    let mut gcc = SymbolTable::default();
    gcc.read_archive(libgcc, "libgcc.a")?;
    Ok(libc
        .unresolved()
        .filter(|(s, _)| !gcc.defined.contains(*s) && !s.starts_with("halvm_") && s.as_str() != "main")
        .map(|(s, r)| (s.clone(), r.clone()))
        .collect())
}

/// The unit lane's step: the built libminlibc.a and libm.a call nothing but
/// the platform API and libgcc. Needs no cross compiler.
pub fn check_minlibc_boundary(sh: &Shell, layout: &Layout) -> Result<()> {
    let lib = minlibc::lib_dir(layout);
    let libc_archives = vec![lib.join("libminlibc.a"), lib.join("libm.a")];
    for a in &libc_archives {
        if !a.exists() {
            bail!("{} does not exist: run `cargo xtask build` first", a.display());
        }
    }
    let libgcc = cmd!(sh, "gcc -print-libgcc-file-name").quiet().read().context("asking gcc where libgcc is")?;
    let outside = outside_needs(&libc_archives, Path::new(libgcc.trim()))?;
    if !outside.is_empty() {
        bail!(
            "minlibc/libm reference symbols that are neither theirs, libgcc's nor the platform API's:\n{}\n\
             minlibc may only call halvm_* functions (rts-xen/include/halvm/platform.h) and libgcc helpers.",
            describe(&outside)
        );
    }
    Ok(())
}


#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles `source` with the host gcc and archives it alone as `path`
    /// (the member is named after the archive's stem).
    fn archive_from_c(path: &Path, source: &str) -> PathBuf {
        let sh = Shell::new().unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().trim_start_matches("lib").to_string();
        let c = path.with_file_name(format!("{stem}.c"));
        let o = path.with_file_name(format!("{stem}.o"));
        std::fs::write(&c, source).unwrap();
        // -fno-pie as the target wrapper compiles: no GOT references.
        cmd!(sh, "gcc -c -O1 -fno-pie -fno-builtin {c} -o {o}").quiet().run().unwrap();
        cmd!(sh, "ar crs {path} {o}").quiet().run().unwrap();
        std::fs::remove_file(&c).unwrap();
        std::fs::remove_file(&o).unwrap();
        path.to_path_buf()
    }

    /// A prefix laid out like the installed one, with tiny archives: the
    /// runtime needs strlen (minlibc has it) and frobnicate (nobody has
    /// it), the debug runtime needs frobnicate too, base needs sin (libm)
    /// and a runtime symbol, text needs __udivti3 (libgcc) and
    /// text_missing. Weak and Haskell references need nothing.
    struct FakePrefix {
        _dir: tempfile::TempDir,
        prefix: PathBuf,
        libdir: PathBuf,
    }

    fn fake_prefix() -> FakePrefix {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("prefix");
        let libdir = prefix.join(format!("lib/{TARGET}-ghc-9.0.2"));
        let rts = "extern int strlen(const char *); extern int frobnicate(int);\n\
                   extern int ZCMain_main_closure; extern void optional_hook(void) __attribute__((weak));\n\
                   int rts_helper(int x) { return x; }\n\
                   int rts_entry(const char *s) { if (optional_hook) optional_hook();\n\
                   return strlen(s) + frobnicate(rts_helper(ZCMain_main_closure)); }\n";
        archive_from_c(&libdir.join("rts/libHSrts.a"), rts);
        archive_from_c(&libdir.join("rts/libHSrts_debug.a"), rts);
        archive_from_c(
            &libdir.join("base-4.15.1.0/libHSbase-4.15.1.0.a"),
            "extern double sin(double); extern int rts_helper(int);\n\
             extern int textzm1zi2zi5zi0_DataziText_pack_closure;\n\
             double base_f(double x) { return sin(x) + rts_helper(textzm1zi2zi5zi0_DataziText_pack_closure); }\n",
        );
        archive_from_c(
            &libdir.join("text-1.2.5.0/libHStext-1.2.5.0.a"),
            "extern int __udivti3(int); extern int text_missing(void);\n\
             int textzm1zi2zi5zi0_DataziText_pack_closure;\n\
             int text_f(void) { return __udivti3(1) + text_missing(); }\n",
        );
        let halvm_lib = prefix.join("lib/halvm/lib");
        archive_from_c(&halvm_lib.join("libc.a"), "int strlen(const char *s) { return s != 0; }\n");
        archive_from_c(&halvm_lib.join("libm.a"), "double sin(double x) { return x; }\n");
        archive_from_c(&halvm_lib.join("librts_xen.a"), "void halvm_exit(int s) { (void)s; }\n");
        let libgcc = archive_from_c(&dir.path().join("gcc/libgcc.a"), "int __udivti3(int x) { return x; }\n");
        write_script(&prefix.join("bin").join(format!("{TARGET}-gcc")), &format!("echo {}", libgcc.display()));
        FakePrefix { _dir: dir, prefix, libdir }
    }

    fn write_script(path: &Path, body: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        halvm_bootkit::write_executable(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    }

    fn check(fake: &FakePrefix) -> Coverage {
        let sh = Shell::new().unwrap();
        let libdir = ghc_libdir(&fake.prefix).unwrap();
        coverage(&libdir, &ghc_archives(&libdir).unwrap(), &image_link_archives(&sh, &fake.prefix).unwrap()).unwrap()
    }

    #[test]
    fn reads_every_runtime_and_library_archive_of_the_prefix() {
        let fake = fake_prefix();
        assert_eq!(ghc_libdir(&fake.prefix).unwrap(), fake.libdir);
        let names: Vec<String> = ghc_archives(&fake.libdir)
            .unwrap()
            .iter()
            .map(|a| a.strip_prefix(&fake.libdir).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            ["base-4.15.1.0/libHSbase-4.15.1.0.a", "rts/libHSrts.a", "rts/libHSrts_debug.a", "text-1.2.5.0/libHStext-1.2.5.0.a"]
        );
    }

    #[test]
    fn missing_c_symbols_are_named_with_every_referencing_member() {
        let report = check(&fake_prefix());
        // strlen (libc.a), sin (libm.a) and __udivti3 (libgcc) are defined;
        // rts_helper and the text closure come from other GHC archives;
        // the weak hook and the program's :Main.main need nothing.
        assert_eq!(report.needed.keys().collect::<Vec<_>>(), ["__udivti3", "frobnicate", "sin", "strlen", "text_missing"]);
        assert_eq!(report.missing.keys().collect::<Vec<_>>(), ["frobnicate", "text_missing"]);
        assert_eq!(
            report.missing["frobnicate"].iter().collect::<Vec<_>>(),
            ["rts/libHSrts.a(HSrts.o)", "rts/libHSrts_debug.a(HSrts_debug.o)"]
        );
        assert_eq!(report.missing["text_missing"].iter().collect::<Vec<_>>(), ["text-1.2.5.0/libHStext-1.2.5.0.a(HStext-1.2.5.0.o)"]);
    }

    #[test]
    fn the_check_fails_naming_the_symbol_and_passes_once_minlibc_defines_it() {
        let fake = fake_prefix();
        let sh = Shell::new().unwrap();
        let err = format!("{:#}", check_prefix(&sh, &fake.prefix).unwrap_err());
        assert!(err.contains("do not define 2 symbol(s)"), "{err}");
        assert!(err.contains("  frobnicate (referenced by rts/libHSrts.a(HSrts.o), rts/libHSrts_debug.a(HSrts_debug.o))"), "{err}");
        archive_from_c(
            &fake.prefix.join("lib/halvm/lib/libc.a"),
            "int strlen(const char *s) { return s != 0; }\nint frobnicate(int x) { return x; }\nint text_missing(void) { return 0; }\n",
        );
        check_prefix(&sh, &fake.prefix).unwrap();
    }

    #[test]
    fn an_incomplete_install_is_an_error_naming_what_is_missing() {
        let fake = fake_prefix();
        let sh = Shell::new().unwrap();
        std::fs::remove_file(fake.libdir.join("rts/libHSrts_debug.a")).unwrap();
        let err = format!("{:#}", check_prefix(&sh, &fake.prefix).unwrap_err());
        assert!(err.contains("rts/libHSrts_debug.a is missing") && err.contains("cargo xtask build"), "{err}");

        let fake = fake_prefix();
        std::fs::remove_file(fake.prefix.join("lib/halvm/lib/libm.a")).unwrap();
        let err = format!("{:#}", check_prefix(&sh, &fake.prefix).unwrap_err());
        assert!(err.contains("lib/halvm/lib/libm.a does not exist"), "{err}");

        let fake = fake_prefix();
        std::fs::remove_dir_all(&fake.libdir).unwrap();
        let err = format!("{:#}", check_prefix(&sh, &fake.prefix).unwrap_err());
        assert!(err.contains(&format!("no {TARGET}-ghc-<version> directory")), "{err}");
    }

    #[test]
    fn haskell_names_are_told_from_c_names() {
        for h in ["ghczmbignum_GHCziNumziInteger_integerAdd_closure", "basezuGHCziBase_Just_con_info", "ZCMain_main_closure"] {
            assert!(is_haskell_symbol(h), "{h}");
        }
        for c in ["malloc", "__errno_location", "mkfifo_info", "zip_closure_free", "ZCfoo"] {
            assert!(!is_haskell_symbol(c), "{c}");
        }
    }

    #[test]
    fn libc_may_only_reach_down_through_the_platform_api_and_libgcc() {
        let dir = tempfile::tempdir().unwrap();
        let libc = archive_from_c(
            &dir.path().join("libfakelibc.a"),
            "extern void halvm_exit(int); extern int __udivti3(int); extern int open64(const char *);\n\
             extern int main(void);\n\
             int exit_(int s) { halvm_exit(s); return open64(\"x\") + __udivti3(s) + main(); }\n",
        );
        // libgcc's own references (here unwinder_only) are not minlibc's
        let libgcc = archive_from_c(
            &dir.path().join("gcc/libgcc.a"),
            "extern int unwinder_only(void);\nint __udivti3(int x) { return x + unwinder_only(); }\n",
        );
        let outside = outside_needs(&[libc], &libgcc).unwrap();
        assert_eq!(outside.keys().collect::<Vec<_>>(), ["open64"]);
        assert_eq!(outside["open64"].iter().collect::<Vec<_>>(), ["libfakelibc.a(fakelibc.o)"]);
    }
}
