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
    use std::path::{Path, PathBuf};
    use std::process::Command;

    /// A scratch directory for one test, removed when dropped.
    struct Scratch(PathBuf);
    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!("bootkit-image-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }
    }
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn run(program: &str, args: &[&str], dir: &Path) -> String {
        let out = Command::new(program).args(args).current_dir(dir).output().unwrap();
        assert!(out.status.success(), "{program} {args:?}:\n{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Links a tiny ELF with the host's gcc and ld: a Xen PHYS32_ENTRY note
    /// whose descriptor is `entry`, and `_start` followed by `extra`.
    /// Returns the file and the address `nm` reports for `_start`.
    fn link(dir: &Path, entry: &str, extra: &str, ld_flags: &[&str]) -> (Vec<u8>, u64) {
        let source = format!(
            ".section .note.Xen, \"a\", @note\n.p2align 2\n.long 4, 4, 18\n.asciz \"Xen\"\n.p2align 2\n.long {entry}\n\
             .text\n.globl _start\n_start:\nhlt\n{extra}\n"
        );
        std::fs::write(dir.join("image.s"), source).unwrap();
        run("gcc", &["-c", "image.s", "-o", "image.o"], dir);
        let mut args = vec!["-nostdlib", "-o", "image", "image.o"];
        args.extend(ld_flags);
        run("ld", &args, dir);
        let nm = run("nm", &["image"], dir);
        let start = nm.lines().find(|l| l.ends_with(" _start")).expect("nm lists _start");
        let address = u64::from_str_radix(start.split_whitespace().next().unwrap(), 16).unwrap();
        (std::fs::read(dir.join("image")).unwrap(), address)
    }

    #[test]
    fn accepts_a_static_executable_with_the_pvh_note_and_reports_its_entry() {
        let dir = Scratch::new("good");
        let (image, start) = link(&dir.0, "_start", "", &["-static"]);
        let info = inspect(&image).unwrap();
        assert_eq!(u64::from(info.pvh_entry), start);
        assert!(info.load_range.0 <= start && start < info.load_range.1, "{info:?}");
    }

    #[test]
    fn rejects_each_image_defect_by_name() {
        let dir = Scratch::new("bad");
        let err = |entry: &str, extra: &str, flags: &[&str]| inspect(&link(&dir.0, entry, extra, flags).0).unwrap_err();
        assert!(err("0x401000", "", &["-pie"]).contains("not an x86_64 executable (ET_EXEC)"));
        assert!(err("0x10", "", &["-static"]).contains("lies outside the loaded range"));
        assert!(err("_start", ".p2align 2\n.long 0x1badb002", &["-static"]).contains("multiboot header magic"));
        assert!(err("_start", ".p2align 3\n.long 0xe85250d6", &["-static"]).contains("multiboot header magic"));
        // the specifications require the header 4-byte aligned: elsewhere the
        // bytes are just data
        assert!(inspect(&link(&dir.0, "_start", ".long 0x1badb002", &["-static"]).0).is_ok());
        // the same note under another owner name is not Xen's
        std::fs::write(dir.0.join("image.s"), ".section .note.X, \"a\", @note\n.p2align 2\n.long 4, 4, 18\n.asciz \"Xyz\"\n.long 0\n.text\n.globl _start\n_start:\nhlt\n").unwrap();
        run("gcc", &["-c", "image.s", "-o", "image.o"], &dir.0);
        run("ld", &["-static", "-nostdlib", "-o", "image", "image.o"], &dir.0);
        let image = std::fs::read(dir.0.join("image")).unwrap();
        assert!(inspect(&image).unwrap_err().contains("no Xen PHYS32_ENTRY (PVH) note"));
        assert!(inspect(b"not an elf file at all, just text").unwrap_err().contains("not an ELF64 file"));
    }
}
