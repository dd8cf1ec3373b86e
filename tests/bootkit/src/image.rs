//! Static checks of an image file: what makes it bootable both by Xen
//! (PVH) and by QEMU's `-kernel` loader.

use object::elf::{FileHeader64, PT_LOAD, PT_NOTE};
use object::read::elf::{FileHeader, ProgramHeader};
use object::Endianness;

/// XEN_ELFNOTE_PHYS32_ENTRY (xen/elfnote.h).
const PHYS32_ENTRY: u32 = 18;
/// Multiboot 1 and 2 header magics. QEMU boots an image that carries
/// either through multiboot instead of PVH.
const MULTIBOOT_MAGICS: [u32; 2] = [0x1bad_b002, 0xe852_50d6];
/// How far into the file the multiboot specifications allow the header.
const MULTIBOOT_SEARCH: usize = 32 * 1024;

/// What [`inspect`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// The 32-bit physical entry point named by the PVH note.
    pub pvh_entry: u32,
    /// Lowest and highest physical address loaded.
    pub load_range: (u64, u64),
}

/// Checks that `bytes` is a static x86_64 ELF executable with a PVH entry
/// note inside a loaded segment and no multiboot header.
pub fn inspect(bytes: &[u8]) -> Result<ImageInfo, String> {
    let header = FileHeader64::<Endianness>::parse(bytes).map_err(|e| format!("not an ELF64 file: {e}"))?;
    let endian = header.endian().map_err(|e| e.to_string())?;
    if header.e_machine(endian) != object::elf::EM_X86_64 || header.e_type(endian) != object::elf::ET_EXEC {
        return Err("not an x86_64 executable (ET_EXEC): PIE or relocatable images cannot be booted".into());
    }
    let segments = header.program_headers(endian, bytes).map_err(|e| e.to_string())?;
    let loads: Vec<_> = segments.iter().filter(|s| s.p_type(endian) == PT_LOAD).collect();
    let low = loads.iter().map(|s| s.p_paddr(endian)).min().ok_or("no loadable segment")?;
    let high = loads.iter().map(|s| s.p_paddr(endian) + s.p_memsz(endian)).max().unwrap_or(low);
    let mut entry = None;
    for seg in segments.iter().filter(|s| s.p_type(endian) == PT_NOTE) {
        let Some(mut notes) = seg.notes(endian, bytes).map_err(|e| e.to_string())? else { continue };
        while let Some(note) = notes.next().map_err(|e| e.to_string())? {
            if note.name() == b"Xen" && note.n_type(endian) == PHYS32_ENTRY {
                let desc = note.desc();
                let raw = desc.get(..4).ok_or("the PVH note's descriptor is shorter than 4 bytes")?;
                entry = Some(u32::from_le_bytes(raw.try_into().unwrap()));
            }
        }
    }
    let pvh_entry = entry.ok_or("no Xen PHYS32_ENTRY (PVH) note: neither Xen nor QEMU can start the image")?;
    if !(low..high).contains(&(pvh_entry as u64)) {
        return Err(format!("the PVH entry {pvh_entry:#x} lies outside the loaded range {low:#x}..{high:#x}"));
    }
    let head = &bytes[..bytes.len().min(MULTIBOOT_SEARCH)];
    if let Some(at) = head.chunks_exact(4).position(|w| MULTIBOOT_MAGICS.contains(&u32::from_le_bytes(w.try_into().unwrap()))) {
        return Err(format!("a multiboot header magic at offset {:#x}: QEMU would boot the image through multiboot, not PVH", at * 4));
    }
    Ok(ImageInfo { pvh_entry, load_range: (low, high) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_an_executable() {
        assert!(inspect(b"not an elf file at all, just text").is_err());
        // This test binary is a PIE or lacks the note: either way rejected.
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        assert!(inspect(&me).is_err());
    }
}
