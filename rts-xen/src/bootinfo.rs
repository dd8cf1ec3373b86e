//! What the loader tells us in hvm_start_info: flags, the command line
//! and the memory map. Copied out at boot, because the memory it lives in
//! becomes ordinary free RAM afterwards.

use core::ptr::{addr_of, addr_of_mut};

use crate::cmdline::MAX_CMDLINE;
use crate::exit::{self, EXIT_PLATFORM_ERROR};
use crate::platform;
use crate::xen::{self, abi::{hvm_memmap_table_entry, hvm_start_info, XEN_HVM_MEMMAP_TYPE_RAM}};

/// Most RAM ranges kept from the memory map.
pub const MAX_RAM_RANGES: usize = 64;

/// A range of RAM, [start, end), page-aligned.
#[derive(Clone, Copy, Default, Debug)]
pub struct Ram {
    pub start: u64,
    pub end: u64,
}

pub struct BootInfo {
    pub flags: u32,
    /// The command line, NUL-terminated; `cmdline_len` excludes the NUL.
    pub cmdline: [u8; MAX_CMDLINE + 1],
    pub cmdline_len: usize,
    /// The command line did not fit: it is at least this long.
    pub cmdline_overflow: bool,
    pub ram: [Ram; MAX_RAM_RANGES],
    pub ram_count: usize,
}

static mut INFO: BootInfo = BootInfo {
    flags: 0,
    cmdline: [0; MAX_CMDLINE + 1],
    cmdline_len: 0,
    cmdline_overflow: false,
    ram: [Ram { start: 0, end: 0 }; MAX_RAM_RANGES],
    ram_count: 0,
};

pub fn get() -> &'static BootInfo {
    // SAFETY: written only by copy_from(), during boot, before any reader.
    unsafe { &*addr_of!(INFO) }
}

/// Reads the start-of-day flags (before anything else is set up).
pub fn start_flags(si: *const hvm_start_info) -> u32 {
    // SAFETY: the loader passed this address; it is in identity-mapped RAM.
    unsafe { (*si).flags }
}

/// Copies the command line and the RAM ranges of the memory map.
pub fn copy_from(si: *const hvm_start_info) {
    // SAFETY: boot, one CPU; the loader's structures are identity-mapped
    // (they lie in the first 4 GiB).
    unsafe {
        let info = &mut *addr_of_mut!(INFO);
        let si = &*si;
        info.flags = si.flags;
        if si.cmdline_paddr != 0 {
            copy_cmdline(info, si.cmdline_paddr as *const u8);
        }
        if si.version >= 1 && si.memmap_entries > 0 && si.memmap_paddr != 0 {
            let entries = core::slice::from_raw_parts(
                si.memmap_paddr as *const hvm_memmap_table_entry, si.memmap_entries as usize);
            for e in entries {
                add_range(info, e.addr, e.size, e.type_);
            }
        } else if platform::on_xen() {
            xen_memory_map(info);
        } else {
            crate::kprintln!("halvm: the loader passed no memory map (hvm_start_info version {}); \
                              boot with QEMU 4.0 or newer, or Xen 4.12 or newer", si.version);
            exit::exit(EXIT_PLATFORM_ERROR);
        }
    }
    if get().ram_count == 0 {
        crate::kprintln!("halvm: the memory map lists no RAM");
        exit::exit(EXIT_PLATFORM_ERROR);
    }
}

unsafe fn copy_cmdline(info: &mut BootInfo, src: *const u8) {
    for i in 0..=MAX_CMDLINE {
        let b = *src.add(i);
        if b == 0 {
            info.cmdline_len = i;
            return;
        }
        if i == MAX_CMDLINE {
            info.cmdline_overflow = true;
            info.cmdline_len = MAX_CMDLINE;
            return;
        }
        info.cmdline[i] = b;
    }
}

/// Older Xen passes version 0 of hvm_start_info: ask Xen for the map.
fn xen_memory_map(info: &mut BootInfo) {
    let mut buf = [0u8; 20 * 128];
    match xen::memory_map(&mut buf) {
        Ok(n) => {
            for e in buf[..n.min(128) * 20].chunks_exact(20) {
                let word = |at: usize| u64::from_le_bytes(e[at..at + 8].try_into().unwrap());
                let ty = u32::from_le_bytes(e[16..20].try_into().unwrap());
                add_range(info, word(0), word(8), ty);
            }
        }
        Err(e) => {
            crate::kprintln!("halvm: XENMEM_memory_map failed (error {e}) and the start info has no memory map");
            exit::exit(EXIT_PLATFORM_ERROR);
        }
    }
}

fn add_range(info: &mut BootInfo, addr: u64, size: u64, ty: u32) {
    if ty != XEN_HVM_MEMMAP_TYPE_RAM {
        return;
    }
    let start = addr.next_multiple_of(4096);
    let end = addr.saturating_add(size) & !4095;
    if end <= start {
        return;
    }
    if info.ram_count == MAX_RAM_RANGES {
        crate::kprintln!("halvm: warning: memory map has more than {MAX_RAM_RANGES} RAM ranges; \
                          ignoring {start:#x}..{end:#x}");
        return;
    }
    info.ram[info.ram_count] = Ram { start, end };
    info.ram_count += 1;
}
