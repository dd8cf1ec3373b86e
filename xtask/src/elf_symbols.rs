//! The global symbols of ELF files, read with the `object` crate: what an
//! archive's or object's members define and leave undefined, and what a
//! shared library or executable exports. Used to decide which C functions
//! halvm's Template Haskell interpreter must stand in for (iserv.rs). Also
//! what a dynamic program loads (its interpreter and the closure of its
//! DT_NEEDED libraries), for the initramfs of dom0 and of the benchmark's
//! Linux guest.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use object::read::archive::ArchiveFile;
use object::read::elf::{Dyn, ElfFile64, FileHeader, ProgramHeader};
use object::{Object, ObjectSection, ObjectSymbol, SectionKind, SymbolKind};

/// Names by what they are.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Symbols {
    /// Defined code (functions, and assembly labels in code sections).
    pub functions: BTreeSet<String>,
    /// Defined data (initialised, zeroed, read-only, common, thread-local).
    pub data: BTreeSet<String>,
    /// Referenced and not defined by the same member.
    pub undefined: BTreeSet<String>,
}

impl Symbols {
    pub fn defined(&self) -> impl Iterator<Item = &String> {
        self.functions.iter().chain(&self.data)
    }

    fn extend(&mut self, other: Symbols) {
        self.functions.extend(other.functions);
        self.data.extend(other.data);
        self.undefined.extend(other.undefined);
    }
}

/// The global symbols of a relocatable object or of every member of an
/// archive (`ar`), or the dynamic symbols of a shared library or
/// executable.
pub fn read(path: &Path) -> Result<Symbols> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    of_bytes(&bytes).with_context(|| format!("reading the symbols of {}", path.display()))
}

fn of_bytes(bytes: &[u8]) -> Result<Symbols> {
    if let Ok(archive) = ArchiveFile::parse(bytes) {
        let mut all = Symbols::default();
        for member in archive.members() {
            let member = member?;
            let data = member.data(bytes)?;
            // Archives may hold non-object members (Rust's lib.rmeta).
            if let Ok(file) = object::File::parse(data) {
                all.extend(of_object(&file));
            }
        }
        return Ok(all);
    }
    let file = object::File::parse(bytes)?;
    Ok(match file.kind() {
        object::ObjectKind::Relocatable => of_object(&file),
        _ => of_dynamic(&file),
    })
}

fn of_object(file: &object::File) -> Symbols {
    let mut out = Symbols::default();
    for sym in file.symbols() {
        let Ok(name) = sym.name() else { continue };
        if name.is_empty() || sym.is_local() {
            continue;
        }
        if sym.is_undefined() {
            out.undefined.insert(name.to_string());
            continue;
        }
        let in_code = sym
            .section_index()
            .and_then(|i| file.section_by_index(i).ok())
            .is_some_and(|s| s.kind() == SectionKind::Text);
        if sym.kind() == SymbolKind::Text || (sym.kind() != SymbolKind::Data && in_code) {
            out.functions.insert(name.to_string());
        } else {
            out.data.insert(name.to_string());
        }
    }
    let defined: BTreeSet<String> = out.defined().cloned().collect();
    out.undefined.retain(|n| !defined.contains(n));
    out
}

fn of_dynamic(file: &object::File) -> Symbols {
    let mut out = Symbols::default();
    for sym in file.dynamic_symbols() {
        let Ok(name) = sym.name() else { continue };
        if name.is_empty() {
            continue;
        }
        if sym.is_undefined() {
            out.undefined.insert(name.to_string());
        } else if sym.kind() == SymbolKind::Data || sym.kind() == SymbolKind::Tls {
            out.data.insert(name.to_string());
        } else {
            out.functions.insert(name.to_string());
        }
    }
    out
}

/// Every name a linked program holds, exported or not (its full symbol
/// table, local symbols included: a hidden function from a static archive
/// such as libgcc's `__popcountdi2` is local there). Empty for a stripped
/// program.
pub fn linked_into(program: &Path) -> Result<BTreeSet<String>> {
    let bytes = std::fs::read(program).with_context(|| format!("reading {}", program.display()))?;
    let file = object::File::parse(&*bytes).with_context(|| format!("reading the symbols of {}", program.display()))?;
    Ok(file
        .symbols()
        .filter(|s| !s.is_undefined())
        .filter_map(|s| s.name().ok().filter(|n| !n.is_empty()).map(String::from))
        .collect())
}

/// The DT_NEEDED entries (library names) of a dynamically linked ELF file.
pub fn needed_libraries(path: &Path) -> Result<Vec<String>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let elf = ElfFile64::<object::Endianness>::parse(&*bytes).with_context(|| format!("{} is not ELF64", path.display()))?;
    let endian = elf.endian();
    let sections = elf.elf_section_table();
    let mut needed = Vec::new();
    if let Some((entries, link)) = sections.dynamic(endian, &*bytes)? {
        let strings = sections.strings(endian, &*bytes, link)?;
        for entry in entries {
            if entry.tag32(endian) == Some(object::elf::DT_NEEDED) {
                let name = entry.string(endian, strings)?;
                needed.push(String::from_utf8_lossy(name).into_owned());
            }
        }
    }
    Ok(needed)
}

/// The shared libraries `programs` load, directly or through each other,
/// plus `extra` (loaded at run time, so no header names them), each by
/// its name (DT_NEEDED) and where `find` says it is. `loader` (the dynamic
/// loader's file name) is left out: it comes from PT_INTERP, not from here.
/// A library `find` fails on is an error naming who needs it.
pub fn library_closure(programs: &[PathBuf], extra: &[&str], loader: &str, find: impl Fn(&str) -> Result<PathBuf>)
                       -> Result<BTreeMap<String, PathBuf>> {
    let mut found = BTreeMap::new();
    let mut wanted: Vec<(String, PathBuf)> = Vec::new();
    for program in programs {
        wanted.extend(needed_libraries(program)?.into_iter().map(|lib| (lib, program.clone())));
    }
    wanted.extend(extra.iter().map(|lib| (lib.to_string(), PathBuf::from("glibc at run time"))));
    while let Some((name, by)) = wanted.pop() {
        if found.contains_key(&name) || name == loader {
            continue;
        }
        let path = find(&name).with_context(|| format!("{name} is needed by {}", by.display()))?;
        wanted.extend(needed_libraries(&path)?.into_iter().map(|lib| (lib, path.clone())));
        found.insert(name, path);
    }
    Ok(found)
}

/// The program interpreter (PT_INTERP) an ELF executable names.
pub fn interpreter(path: &Path) -> Result<String> {
    let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let parse = || -> object::read::Result<Option<String>> {
        let header = object::elf::FileHeader64::<object::Endianness>::parse(&*data)?;
        let endian = header.endian()?;
        for segment in header.program_headers(endian, &*data)? {
            if let Some(interp) = segment.interpreter(endian, &*data)? {
                return Ok(Some(String::from_utf8_lossy(interp).into_owned()));
            }
        }
        Ok(None)
    };
    parse()
        .map_err(|e| anyhow::anyhow!("reading the ELF program headers of {}: {e}", path.display()))?
        .with_context(|| format!("{} names no program interpreter: not a dynamic executable", path.display()))
}

/// Where the dynamic loader finds a library of the build machine (Debian's
/// multiarch directories).
pub fn find_system_library(name: &str) -> Result<PathBuf> {
    ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
        .with_context(|| format!("the build machine has no {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A C object with a function, a data object, a zeroed one and a
    /// reference, compiled by the host's cc, and an archive of it.
    #[test]
    fn functions_data_and_references_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("t.c");
        std::fs::write(&c, "extern int ext(void);\nint counter = 3;\nchar buffer[64];\nstatic int hidden(void) { return 1; }\n\
                            int visible(void) { return ext() + hidden() + counter; }\n").unwrap();
        let o = dir.path().join("t.o");
        let a = dir.path().join("libt.a");
        assert!(std::process::Command::new("cc").arg("-c").arg(&c).arg("-o").arg(&o).status().unwrap().success());
        assert!(std::process::Command::new("ar").arg("rcs").arg(&a).arg(&o).status().unwrap().success());
        for path in [&o, &a] {
            let s = read(path).unwrap();
            assert_eq!(s.functions.iter().collect::<Vec<_>>(), ["visible"]);
            assert_eq!(s.data.iter().collect::<Vec<_>>(), ["buffer", "counter"]);
            assert_eq!(s.undefined.iter().collect::<Vec<_>>(), ["ext"]);
        }
    }

    #[test]
    fn a_program_holds_more_than_it_exports() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("p.c");
        std::fs::write(&c, "__attribute__((visibility(\"hidden\"))) int helper(int x) { return x * 3; }\n\
                            int main(int argc, char **argv) { (void)argv; return helper(argc); }\n").unwrap();
        let exe = dir.path().join("p");
        assert!(std::process::Command::new("cc").arg(&c).arg("-o").arg(&exe).status().unwrap().success());
        assert!(linked_into(&exe).unwrap().contains("helper"));
        assert!(!read(&exe).unwrap().functions.contains("helper"), "hidden: not exported");
    }

    #[test]
    fn glibc_exports_functions_and_data_and_a_program_needs_it() {
        let libc = find_system_library("libc.so.6").unwrap();
        let s = read(&libc).unwrap();
        assert!(s.functions.contains("printf"));
        assert!(s.data.contains("stdin"));
        assert!(!s.functions.contains("stdin"));
        let needed = needed_libraries(Path::new("/bin/sh")).unwrap();
        assert!(needed.iter().any(|n| n == "libc.so.6"), "{needed:?}");
    }
    #[test]
    fn a_programs_library_closure_and_interpreter() {
        let sh = which::which("sh").unwrap();
        let libs = library_closure(std::slice::from_ref(&sh), &["libgcc_s.so.1"], "ld-linux-x86-64.so.2", find_system_library).unwrap();
        assert!(libs.contains_key("libc.so.6") && libs.contains_key("libgcc_s.so.1"), "{libs:?}");
        assert!(!libs.contains_key("ld-linux-x86-64.so.2"), "the loader comes from PT_INTERP: {libs:?}");
        assert_eq!(interpreter(&sh).unwrap(), "/lib64/ld-linux-x86-64.so.2");
        let err = format!("{:#}", library_closure(&[sh], &["libnothere.so.9"], "ld-linux-x86-64.so.2",
                                                  find_system_library).unwrap_err());
        assert!(err.contains("libnothere.so.9 is needed by glibc at run time"), "{err}");
        let err = format!("{:#}", interpreter(&find_system_library("libm.so.6").unwrap()).unwrap_err());
        assert!(err.contains("names no program interpreter"), "{err}");
    }
}
