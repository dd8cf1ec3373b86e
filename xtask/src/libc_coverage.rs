//! The libc coverage check: every C library symbol the platform GHC's
//! non-threaded RTS, base and ghc-prim reference must be defined by
//! minlibc or libm.
//!
//! The archives' undefined symbols that they do not define themselves are
//! sorted into providers. The rules are explicit so a reviewer can see why
//! each symbol is or is not minlibc's business:
//!
//! * Haskell code of other packages (z-encoded names such as
//!   `ghczmbignum_GHCziNumziInteger_integerAdd_closure`): GHC links those.
//! * libgcc helpers the C compiler emits (`__udivti3`, ...): `-lgcc`.
//! * [`NOT_LINKED`]: other libraries (libffi, GMP), each with the reason.
//! * Everything else is libc or libm, and must be defined by
//!   `libminlibc.a` or `libm.a`; the check fails naming any that are not,
//!   with the archive member that references it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use object::read::archive::ArchiveFile;
use object::{Object, ObjectSymbol};
use xshell::Shell;

use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::{minlibc, platform_ghc};

/// Symbols compilers emit calls to, provided by libgcc (`-lgcc`).
const LIBGCC: &[&str] = &[
    "__udivti3", "__umodti3", "__divti3", "__modti3", "__udivmodti4", "__muldc3", "__mulsc3", "__divdc3",
    "__divsc3", "__popcountdi2", "__clzdi2", "__ctzdi2", "__ffsdi2", "__powidf2", "__powisf2", "__fixunsdfti",
    "__fixdfti", "__floattidf", "__floatuntidf",
];

/// Libraries other than libc/libm that the platform GHC's archives
/// reference, by symbol prefix, with the reason they are not minlibc's.
pub const NOT_LINKED: &[(&str, &str)] = &[
    (
        "ffi_",
        "libffi, a library of its own: the RTS's bytecode interpreter (Interpreter.o) and its \
         GHCi symbol table (RtsSymbols.o) call it; how the target RTS gets libffi or is built \
         without it is the GHC build's decision (toolchain/ghc), not minlibc's",
    ),
    (
        "__gmp",
        "GMP: Debian's ghc-bignum/base use the GMP backend; halvm builds ghc-bignum with \
         BIGNUM_BACKEND=native (toolchain/ghc/build.mk)",
    ),
    ("integer_gmp_", "GMP helpers of integer-gmp's compatibility layer (same reason as GMP)"),
];

/// Which provider a symbol undefined in the archives belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Provider {
    Haskell,
    Libgcc,
    NotLinked(&'static str),
    LibcOrLibm,
}

pub fn classify(symbol: &str) -> Provider {
    if is_haskell_symbol(symbol) {
        Provider::Haskell
    } else if LIBGCC.contains(&symbol) {
        Provider::Libgcc
    } else if let Some((_, why)) = NOT_LINKED.iter().find(|(prefix, _)| symbol.starts_with(prefix)) {
        Provider::NotLinked(why)
    } else {
        Provider::LibcOrLibm
    }
}

/// GHC's z-encoded names: a package and module path (`zi` is '.') followed
/// by an entity suffix. C names never contain "zi" and one of these suffixes.
fn is_haskell_symbol(symbol: &str) -> bool {
    const SUFFIXES: &[&str] = &["_closure", "_info", "_con_info", "_static_info", "_srt", "_bytes", "_slow", "_fast"];
    symbol.contains("zi") && SUFFIXES.iter().any(|s| symbol.ends_with(s))
}

/// An archive's symbols: what its members define, and what they reference
/// without defining (with the first member referencing each).
#[derive(Default)]
pub struct SymbolTable {
    pub defined: BTreeSet<String>,
    pub undefined: BTreeMap<String, String>,
}

pub fn read_archive(path: &Path, table: &mut SymbolTable) -> Result<()> {
    let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let archive = ArchiveFile::parse(&*data).with_context(|| format!("parsing the archive {}", path.display()))?;
    let archive_name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
    for member in archive.members() {
        let member = member?;
        let name = String::from_utf8_lossy(member.name()).into_owned();
        let bytes = member.data(&*data)?;
        let file = object::File::parse(bytes).with_context(|| format!("parsing {archive_name}({name})"))?;
        for sym in file.symbols() {
            let Ok(sym_name) = sym.name() else { continue };
            if sym_name.is_empty() || sym.is_local() {
                continue;
            }
            // Anything with a section (or common/absolute) counts as defined:
            // symbols defined in inline assembly (StgRun) have no type.
            if sym.is_undefined() {
                table.undefined.entry(sym_name.to_owned()).or_insert_with(|| format!("{archive_name}({name})"));
            } else {
                table.defined.insert(sym_name.to_owned());
            }
        }
    }
    Ok(())
}

/// The archives checked: the non-threaded, non-profiled RTS, base and
/// ghc-prim of the platform GHC.
pub fn platform_archives(libdir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = vec![libdir.join("rts/libHSrts.a")];
    for package in ["base", "ghc-prim"] {
        let mut hits = Vec::new();
        for entry in std::fs::read_dir(libdir).with_context(|| format!("reading {}", libdir.display()))? {
            let dir = entry?.path();
            let dir_name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let Some(version) = dir_name.strip_prefix(&format!("{package}-")) else { continue };
            if !version.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            let lib = dir.join(format!("libHS{package}-{version}.a"));
            if lib.exists() {
                hits.push(lib);
            }
        }
        match hits.len() {
            1 => found.push(hits.remove(0)),
            0 => bail!("no libHS{package}-<version>.a under {}: is this GHC's libdir?", libdir.display()),
            _ => bail!("several {package} libraries under {}: {hits:?}", libdir.display()),
        }
    }
    for path in &found {
        if !path.exists() {
            bail!("{} is missing: the platform GHC's libraries are incomplete", path.display());
        }
    }
    Ok(found)
}

pub struct Coverage {
    /// libc/libm symbols the archives need, with a referencing member.
    pub needed: BTreeMap<String, String>,
    /// Those minlibc and libm do not define.
    pub missing: BTreeMap<String, String>,
    /// Everything else the archives reference, by provider.
    pub others: BTreeMap<Provider, BTreeSet<String>>,
}

pub fn check(ghc_archives: &[PathBuf], libc_archives: &[PathBuf]) -> Result<Coverage> {
    let mut ghc = SymbolTable::default();
    for a in ghc_archives {
        read_archive(a, &mut ghc)?;
    }
    let mut libc = SymbolTable::default();
    for a in libc_archives {
        read_archive(a, &mut libc)?;
    }
    let mut coverage = Coverage { needed: BTreeMap::new(), missing: BTreeMap::new(), others: BTreeMap::new() };
    for (sym, member) in &ghc.undefined {
        if ghc.defined.contains(sym) {
            continue;
        }
        match classify(sym) {
            Provider::LibcOrLibm => {
                coverage.needed.insert(sym.clone(), member.clone());
                if !libc.defined.contains(sym) {
                    coverage.missing.insert(sym.clone(), member.clone());
                }
            }
            other => {
                coverage.others.entry(other).or_default().insert(sym.clone());
            }
        }
    }
    Ok(coverage)
}

/// What minlibc and libm need from outside themselves, beyond the platform
/// API (`halvm_*`), libgcc helpers and the program's `main`: must be
/// nothing, since the platform API is minlibc's only way down.
pub fn outside_needs(libc_archives: &[PathBuf]) -> Result<BTreeMap<String, String>> {
    let mut libc = SymbolTable::default();
    for a in libc_archives {
        read_archive(a, &mut libc)?;
    }
    Ok(libc
        .undefined
        .into_iter()
        .filter(|(s, _)| !libc.defined.contains(s))
        .filter(|(s, _)| !s.starts_with("halvm_") && !LIBGCC.contains(&s.as_str()) && s != "main")
        .collect())
}

/// The unit lane's step: the platform GHC's archives against the built
/// libminlibc.a and libm.a.
pub fn run_for_lane(sh: &Shell, layout: &Layout) -> Result<()> {
    let manifest = Manifest::load(&layout.manifest())?;
    let ghc = platform_ghc::ensure(sh, layout, &manifest, platform_ghc::Choice::Auto)?;
    let libdir = ghc.libdir(sh)?;
    let lib = minlibc::lib_dir(layout);
    let libc_archives = vec![lib.join("libminlibc.a"), lib.join("libm.a")];
    for a in &libc_archives {
        if !a.exists() {
            bail!("{} does not exist: run `cargo xtask build` first", a.display());
        }
    }
    let outside = outside_needs(&libc_archives)?;
    if !outside.is_empty() {
        let list: Vec<String> = outside.iter().map(|(s, m)| format!("  {s} (referenced by {m})")).collect();
        bail!(
            "minlibc/libm reference symbols that are neither theirs nor the platform API's:\n{}\n\
             minlibc may only call halvm_* functions (rts-xen/include/halvm/platform.h) and libgcc helpers.",
            list.join("\n")
        );
    }
    let coverage = check(&platform_archives(&libdir)?, &libc_archives)?;
    eprintln!(
        "    libc coverage: {} libc/libm symbols referenced by the platform GHC's rts, base and ghc-prim; {} missing",
        coverage.needed.len(),
        coverage.missing.len()
    );
    for (provider, syms) in &coverage.others {
        let label = match provider {
            Provider::Haskell => "Haskell code of other packages".to_string(),
            Provider::Libgcc => "libgcc".to_string(),
            Provider::NotLinked(why) => format!("not linked on halvm ({why})"),
            Provider::LibcOrLibm => unreachable!(),
        };
        eprintln!("      not libc: {} symbol(s), {label}", syms.len());
    }
    if !coverage.missing.is_empty() {
        let list: Vec<String> = coverage.missing.iter().map(|(s, m)| format!("  {s} (referenced by {m})")).collect();
        bail!(
            "minlibc/libm do not define {} libc/libm symbol(s) the GHC runtime and libraries need:\n{}\n\
             Add them to minlibc (an implementation, or an honest failure with errno) or, if they belong \
             to a library halvm does not link, to NOT_LINKED in xtask/src/libc_coverage.rs with the reason.",
            coverage.missing.len(),
            list.join("\n")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_rules() {
        assert_eq!(classify("ghczmbignum_GHCziNumziInteger_integerAdd_closure"), Provider::Haskell);
        assert_eq!(classify("ghczmbignum_GHCziNumziBigNat_BNzh_con_info"), Provider::Haskell);
        assert_eq!(classify("__udivti3"), Provider::Libgcc);
        assert!(matches!(classify("ffi_call"), Provider::NotLinked(why) if why.contains("libffi")));
        assert!(matches!(classify("__gmpn_popcount"), Provider::NotLinked(why) if why.contains("GMP")));
        // C names, including ones that happen to end like Haskell entities
        for c in ["malloc", "__errno_location", "__ctype_b_loc", "sin", "pthread_create", "ffs", "mkfifo_info"] {
            assert_eq!(classify(c), Provider::LibcOrLibm, "{c}");
        }
    }

    /// Builds a tiny archive with `ar` from C source, for the check below.
    fn archive_from_c(dir: &Path, name: &str, source: &str) -> PathBuf {
        let sh = Shell::new().unwrap();
        let c = dir.join(format!("{name}.c"));
        let o = dir.join(format!("{name}.o"));
        let a = dir.join(format!("lib{name}.a"));
        std::fs::write(&c, source).unwrap();
        xshell::cmd!(sh, "gcc -c -O1 -fno-builtin {c} -o {o}").quiet().run().unwrap();
        xshell::cmd!(sh, "ar crs {a} {o}").quiet().run().unwrap();
        a
    }

    #[test]
    fn libc_may_only_reach_down_through_the_platform_api() {
        let dir = tempfile::tempdir().unwrap();
        let libc = archive_from_c(
            dir.path(),
            "fakelibc2",
            "extern void halvm_exit(int); extern int __udivti3; extern int open64(const char *);\n\
             int exit_(int s) { halvm_exit(s); return open64(\"x\") + __udivti3; }\n",
        );
        let outside = outside_needs(&[libc]).unwrap();
        assert_eq!(outside.keys().collect::<Vec<_>>(), ["open64"]);
    }

    #[test]
    fn missing_libc_symbols_are_named_with_their_referencing_member() {
        let dir = tempfile::tempdir().unwrap();
        let ghc = archive_from_c(
            dir.path(),
            "fakerts",
            "extern int strlen(const char *); extern int frobnicate(int); extern void ffi_call(void);\n\
             int helper(int x) { return x; }\n\
             int rts_entry(const char *s) { ffi_call(); return strlen(s) + frobnicate(helper(1)); }\n",
        );
        let libc = archive_from_c(dir.path(), "fakelibc", "int strlen(const char *s) { return 0; }\n");
        let coverage = check(&[ghc], &[libc]).unwrap();
        assert_eq!(coverage.needed.keys().collect::<Vec<_>>(), ["frobnicate", "strlen"]);
        assert_eq!(coverage.missing.keys().collect::<Vec<_>>(), ["frobnicate"]);
        assert_eq!(coverage.missing["frobnicate"], "libfakerts.a(fakerts.o)");
        assert!(coverage.others.values().any(|s| s.contains("ffi_call")));
    }
}
