//! Reading a halvm image: is it bootable as a PVH guest, what built it,
//! how big it is and how much memory it needs at least. halvm-inspect
//! prints this; halvm-run checks it before booting.

use object::elf::{self, FileHeader64, SectionHeader64};
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use object::Endianness;
use serde::Serialize;

use crate::build_info;

/// XEN_ELFNOTE_PHYS32_ENTRY (xen/include/public/elfnote.h): the 32-bit
/// physical entry point of a PVH guest.
pub const XEN_ELFNOTE_PHYS32_ENTRY: u32 = 18;
/// Multiboot 1 and 2 header magics: QEMU boots an image that carries one
/// through multiboot instead of PVH.
const MULTIBOOT_MAGICS: [u32; 2] = [0x1bad_b002, 0xe852_50d6];
/// How far into the file the multiboot specifications allow the header.
const MULTIBOOT_SEARCH: usize = 32 * 1024;

const MIB: u64 = 1024 * 1024;
/// Offsets of the class and byte order in e_ident.
const EI_CLASS: usize = 4;
const EI_DATA: usize = 5;

/// Memory the runtime needs beyond the image itself, by runtime, in MiB.
/// Minimums for start-up and a small program, not a promise: the
/// program's own live data comes on top (and a copying GC needs room to
/// copy it into).
///
/// C programs: rts-xen's page bitmap, the TLS block and minlibc's first
/// malloc arena fit in well under 1 MiB (the freestanding test images boot
/// with `-m 2`, their image ending at 1.7 MiB).
pub const C_RUNTIME_MIB: u64 = 1;
/// Haskell programs: GHC's runtime takes its heap in whole 1 MiB
/// megablocks (the nursery, `-A`, 1 MiB by default, the first old-generation
/// blocks, its own tables through malloc), and the copying collector needs
/// room to copy live data into. Measured (halvm-run --mem N, TCG): hello
/// world and tests/haskell's Containers and Concurrency, images ending at
/// 3 MiB, start and finish with 6 MiB and fail with 5: 3 MiB beyond the
/// image is the least GHC's runtime starts in. A program with live data
/// needs more (tests/haskell/GcStress, about 10 MB live, needs 48 MiB).
pub const GHC_RUNTIME_MIB: u64 = 3;

/// Why a file is not a bootable image; each has its own exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Problem {
    /// The file cannot be read (missing, a directory, no permission).
    Unreadable,
    /// Not an ELF file at all.
    NotElf,
    /// An ELF file, but not 64-bit little-endian x86_64.
    NotX86_64,
    /// An x86_64 ELF file cut short (or with headers pointing past its end).
    Truncated,
    /// A whole x86_64 ELF file without the Xen PVH entry note, e.g. a
    /// Linux program.
    NoPvhNote,
    /// It has the PVH note, but no loader could start it (entry outside
    /// the image, position-independent, a multiboot header, ...).
    NotBootable,
}

impl Problem {
    /// The exit status halvm-inspect (and its --help) gives for it; 2 is
    /// left to usage errors.
    pub fn status(self) -> i32 {
        match self {
            Problem::Unreadable => 1,
            Problem::NotElf => 3,
            Problem::NotX86_64 => 4,
            Problem::Truncated => 5,
            Problem::NoPvhNote => 6,
            Problem::NotBootable => 7,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageError {
    pub problem: Problem,
    /// One line, saying what is wrong and, where there is one, the fix.
    pub message: String,
}

fn fail<T>(problem: Problem, message: impl Into<String>) -> Result<T, ImageError> {
    Err(ImageError { problem, message: message.into() })
}

/// Bytes of the loaded image by kind of content, and of the whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Sizes {
    /// Executable sections.
    pub code: u64,
    /// Loaded, read-only, not executable: constants, unwind tables, notes.
    pub rodata: u64,
    /// Loaded and writable, with contents in the file.
    pub data: u64,
    /// Zero-initialised (no room in the file), thread-local ones included.
    pub bss: u64,
    /// Not loaded: symbols, debug information (strip removes them).
    pub not_loaded: u64,
    /// The file's size.
    pub file: u64,
}

/// Which runtime the image links, which decides its minimum heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runtime {
    /// GHC's runtime (the symbol `hs_main` is present).
    Ghc,
    /// C only: rts-xen (and possibly minlibc) without GHC's runtime.
    C,
    /// No symbol table (stripped): assumed to be GHC's, the larger need.
    Unknown,
}

impl Runtime {
    pub fn minimum_mib(self) -> u64 {
        match self {
            Runtime::C => C_RUNTIME_MIB,
            Runtime::Ghc | Runtime::Unknown => GHC_RUNTIME_MIB,
        }
    }
}

/// Everything halvm-inspect reports about a bootable image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The 32-bit physical entry point named by the PVH note.
    pub pvh_entry: u32,
    /// Lowest and highest physical address loaded (bss included).
    pub load_start: u64,
    pub load_end: u64,
    /// The build-info notes' entries, merged in order; empty when the image
    /// carries none (linked without the prefix's info object).
    pub build_info: Vec<(String, String)>,
    pub sizes: Sizes,
    pub runtime: Runtime,
}

impl Report {
    /// The value of a build-info key.
    pub fn info(&self, key: &str) -> Option<&str> {
        self.build_info.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The image's end address rounded up to whole MiB: guest memory that
    /// the loaded image (and the reserved first MiB below it) occupies.
    pub fn image_mib(&self) -> u64 {
        self.load_end.div_ceil(MIB)
    }

    /// The least guest memory to boot with: the image plus the runtime's
    /// minimum heap (see [`C_RUNTIME_MIB`] and [`GHC_RUNTIME_MIB`]).
    pub fn least_memory_mib(&self) -> u64 {
        self.image_mib() + self.runtime.minimum_mib()
    }
}

/// Reads and inspects the image at `path`.
pub fn inspect_file(path: &std::path::Path) -> Result<Report, ImageError> {
    if path.is_dir() {
        return fail(Problem::Unreadable, "is a directory, not an image file");
    }
    match std::fs::read(path) {
        Ok(bytes) => inspect(&bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => fail(Problem::Unreadable, "no such file"),
        Err(e) => fail(Problem::Unreadable, format!("cannot read it: {e}")),
    }
}

/// Inspects an image's bytes: checks, in order, that it is an ELF file,
/// for x86_64, complete, with the PVH note, and bootable; then measures it.
pub fn inspect(bytes: &[u8]) -> Result<Report, ImageError> {
    check_identification(bytes)?;
    let header = FileHeader64::<Endianness>::parse(bytes)
        .or_else(|e| fail(Problem::Truncated, format!("damaged ELF header: {e}")))?;
    let endian = header.endian().or_else(|e| fail(Problem::NotX86_64, e.to_string()))?;
    let machine = header.e_machine(endian);
    if machine != elf::EM_X86_64 {
        return fail(Problem::NotX86_64, format!("an ELF file for {}, not x86_64", machine_name(machine)));
    }
    check_complete(header, endian, bytes)?;
    let damaged = |e: object::Error| ImageError { problem: Problem::Truncated, message: format!("damaged ELF file: {e}") };
    let segments = header.program_headers(endian, bytes).map_err(damaged)?;
    let sections = header.sections(endian, bytes).map_err(damaged)?;

    let mut pvh_entry = None;
    let mut build_info: Vec<(String, String)> = Vec::new();
    for segment in segments.iter().filter(|s| s.p_type(endian) == elf::PT_NOTE) {
        let Some(mut notes) = segment.notes(endian, bytes).map_err(damaged)? else { continue };
        while let Some(note) = notes.next().map_err(damaged)? {
            match (note.name(), note.n_type(endian)) {
                (b"Xen", XEN_ELFNOTE_PHYS32_ENTRY) => {
                    let Some(raw) = note.desc().get(..4) else {
                        return fail(Problem::NotBootable, "the Xen PVH entry note's descriptor is shorter than 4 bytes");
                    };
                    pvh_entry = Some(u32::from_le_bytes(raw.try_into().unwrap()));
                }
                (name, build_info::NOTE_TYPE_BUILD_INFO) if name == build_info::NOTE_NAME.as_bytes() => {
                    for (key, value) in build_info::parse_descriptor(note.desc()) {
                        build_info.retain(|(k, _)| *k != key);
                        build_info.push((key, value));
                    }
                }
                _ => {}
            }
        }
    }

    let Some(pvh_entry) = pvh_entry else {
        if sections.section_by_name(endian, b".note.Xen").is_some() {
            return fail(Problem::NotBootable, "the section .note.Xen is not in a PT_NOTE segment, where loaders look for \
                                               the PVH entry: link with the prefix's halvm.ld");
        }
        let linux = header.e_type(endian) == elf::ET_DYN || segments.iter().any(|s| s.p_type(endian) == elf::PT_INTERP);
        let what = if linux { "an x86_64 Linux program or library, not a halvm image" } else { "not a halvm image" };
        return fail(Problem::NoPvhNote, format!(
            "{what}: it has no Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY), so neither Xen nor QEMU can boot it; \
             build images with halvm-ghc or the prefix's x86_64-halvm-linux-gcc"));
    };

    if header.e_type(endian) != elf::ET_EXEC {
        return fail(Problem::NotBootable, "not a fixed-address executable (ET_EXEC): position-independent or \
                                           relocatable files cannot be loaded by Xen or QEMU; link with -no-pie");
    }
    let loads: Vec<_> = segments.iter().filter(|s| s.p_type(endian) == elf::PT_LOAD).collect();
    let (Some(load_start), Some(load_end)) = (
        loads.iter().map(|s| s.p_paddr(endian)).min(),
        loads.iter().map(|s| s.p_paddr(endian).saturating_add(s.p_memsz(endian))).max(),
    ) else {
        return fail(Problem::NotBootable, "no loadable segment");
    };
    if !(load_start..load_end).contains(&u64::from(pvh_entry)) {
        return fail(Problem::NotBootable, format!(
            "the PVH entry {pvh_entry:#x} lies outside the loaded range {load_start:#x}..{load_end:#x}"));
    }
    let head = &bytes[..bytes.len().min(MULTIBOOT_SEARCH)];
    if let Some(at) = head.chunks_exact(4).position(|w| MULTIBOOT_MAGICS.contains(&u32::from_le_bytes(w.try_into().unwrap()))) {
        return fail(Problem::NotBootable, format!(
            "a multiboot header magic at offset {:#x}: QEMU would boot the image through multiboot, not PVH", at * 4));
    }

    let sizes = if sections.is_empty() {
        sizes_from_segments(&loads, endian, bytes.len() as u64)
    } else {
        sizes_from_sections(sections.iter(), endian, bytes.len() as u64)
    };
    let runtime = runtime(&sections, endian, bytes);
    Ok(Report { pvh_entry, load_start, load_end, build_info, sizes, runtime })
}

/// The ELF magic, class and byte order: decided before anything is parsed,
/// so that each kind of wrong file gets its own message.
fn check_identification(bytes: &[u8]) -> Result<(), ImageError> {
    if bytes.is_empty() {
        return fail(Problem::NotElf, "an empty file, not an ELF image");
    }
    if !bytes.starts_with(&elf::ELFMAG) {
        if elf::ELFMAG.starts_with(bytes) {
            return fail(Problem::Truncated, format!("truncated: only the first {} bytes of an ELF header", bytes.len()));
        }
        let text = bytes.iter().take(512).all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace());
        let what = if text { " (it looks like text)" } else { "" };
        return fail(Problem::NotElf, format!(
            "not an ELF file{what}: it does not start with the ELF magic \\x7fELF; a halvm image is the executable \
             halvm-ghc writes"));
    }
    match bytes.get(EI_CLASS) {
        None => return fail(Problem::Truncated, "truncated: the ELF header is cut off"),
        Some(&elf::ELFCLASS64) => {}
        Some(&elf::ELFCLASS32) => return fail(Problem::NotX86_64, "a 32-bit ELF file; halvm images are 64-bit x86_64"),
        Some(c) => return fail(Problem::NotX86_64, format!("an ELF file of unknown class {c}; halvm images are 64-bit x86_64")),
    }
    match bytes.get(EI_DATA) {
        None => return fail(Problem::Truncated, "truncated: the ELF header is cut off"),
        Some(&elf::ELFDATA2LSB) => {}
        Some(_) => return fail(Problem::NotX86_64, "a big-endian ELF file; halvm images are little-endian x86_64"),
    }
    let header_size = std::mem::size_of::<FileHeader64<Endianness>>();
    if bytes.len() < header_size {
        return fail(Problem::Truncated, format!(
            "truncated: the ELF header needs {header_size} bytes but the file has only {}", bytes.len()));
    }
    Ok(())
}

/// Every table and every piece of content the headers point at must lie
/// inside the file; a file cut short fails here (the section table sits at
/// the end of the file, so any cut shows).
fn check_complete(header: &FileHeader64<Endianness>, endian: Endianness, bytes: &[u8]) -> Result<(), ImageError> {
    let len = bytes.len() as u64;
    let within = |what: &str, start: u64, size: u64| -> Result<(), ImageError> {
        match start.checked_add(size) {
            Some(end) if end <= len => Ok(()),
            Some(end) => fail(Problem::Truncated, format!(
                "truncated: {what} ends at byte {end} but the file has only {len} bytes (an interrupted copy or download?)")),
            None => fail(Problem::Truncated, format!("damaged ELF file: {what} has an impossible size")),
        }
    };
    let phnum = u64::from(header.e_phnum.get(endian));
    let phoff = header.e_phoff.get(endian);
    within("the program header table", phoff, phnum * u64::from(header.e_phentsize.get(endian)))?;
    let shoff = header.e_shoff.get(endian);
    if shoff != 0 {
        let entsize = u64::from(header.e_shentsize.get(endian));
        // With 0xff00 sections or more, the count lives in section 0.
        within("the section header table", shoff, entsize)?;
        let shnum = header.shnum(endian, bytes)
            .or_else(|e| fail(Problem::Truncated, format!("damaged ELF file: {e}")))? as u64;
        within("the section header table", shoff, shnum * entsize)?;
    }
    let damaged = |e: object::Error| ImageError { problem: Problem::Truncated, message: format!("damaged ELF file: {e}") };
    for segment in header.program_headers(endian, bytes).map_err(damaged)? {
        if matches!(segment.p_type(endian), elf::PT_LOAD | elf::PT_NOTE) {
            within("a loadable or note segment", segment.p_offset(endian), segment.p_filesz(endian))?;
        }
    }
    if shoff != 0 {
        let sections = header.sections(endian, bytes).map_err(damaged)?;
        for section in sections.iter() {
            if !matches!(section.sh_type(endian), elf::SHT_NOBITS | elf::SHT_NULL) {
                let name = sections.section_name(endian, section)
                    .map(|n| format!("section {}", String::from_utf8_lossy(n)))
                    .unwrap_or_else(|_| "a section".into());
                within(&name, section.sh_offset(endian), section.sh_size(endian))?;
            }
        }
    }
    Ok(())
}

fn sizes_from_sections<'a>(sections: impl Iterator<Item = &'a SectionHeader64<Endianness>>, endian: Endianness, file: u64) -> Sizes {
    let mut sizes = Sizes { file, ..Sizes::default() };
    for section in sections {
        let (kind, flags, size) = (section.sh_type(endian), section.sh_flags(endian), section.sh_size(endian));
        if kind == elf::SHT_NULL {
            continue;
        }
        let has = |flag: u32| flags & u64::from(flag) != 0;
        if !has(elf::SHF_ALLOC) {
            if kind != elf::SHT_NOBITS {
                sizes.not_loaded += size;
            }
        } else if kind == elf::SHT_NOBITS {
            sizes.bss += size;
        } else if has(elf::SHF_EXECINSTR) {
            sizes.code += size;
        } else if has(elf::SHF_WRITE) {
            sizes.data += size;
        } else {
            sizes.rodata += size;
        }
    }
    sizes
}

/// Without a section table (some strip tools drop it), by segment.
fn sizes_from_segments(loads: &[&object::elf::ProgramHeader64<Endianness>], endian: Endianness, file: u64) -> Sizes {
    let mut sizes = Sizes { file, ..Sizes::default() };
    for segment in loads {
        let (flags, filesz, memsz) = (segment.p_flags(endian), segment.p_filesz(endian), segment.p_memsz(endian));
        if flags & elf::PF_X != 0 {
            sizes.code += filesz;
        } else if flags & elf::PF_W != 0 {
            sizes.data += filesz;
        } else {
            sizes.rodata += filesz;
        }
        sizes.bss += memsz.saturating_sub(filesz);
    }
    sizes
}

/// GHC's runtime defines `hs_main`, which every Haskell program's `main`
/// calls.
fn runtime(sections: &object::read::elf::SectionTable<FileHeader64<Endianness>>, endian: Endianness, bytes: &[u8]) -> Runtime {
    let Ok(symbols) = sections.symbols(endian, bytes, elf::SHT_SYMTAB) else { return Runtime::Unknown };
    if symbols.is_empty() {
        return Runtime::Unknown;
    }
    let ghc = symbols.iter().any(|s| symbols.symbol_name(endian, s).is_ok_and(|n| n == b"hs_main"));
    if ghc { Runtime::Ghc } else { Runtime::C }
}

fn machine_name(machine: u16) -> String {
    match machine {
        elf::EM_386 => "32-bit x86 (i386)".into(),
        elf::EM_ARM => "32-bit ARM".into(),
        elf::EM_AARCH64 => "64-bit ARM (aarch64)".into(),
        elf::EM_RISCV => "RISC-V".into(),
        elf::EM_PPC64 => "64-bit PowerPC".into(),
        elf::EM_S390 => "IBM Z (s390)".into(),
        other => format!("machine type {other}"),
    }
}
