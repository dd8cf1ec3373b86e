//! The boot modules of hvm_start_info (QEMU's -initrd, xl's ramdisk=, the
//! module after the kernel for Xen's initial domain): copied out of the
//! loader's list at boot, their pages kept from the page allocator for the
//! whole run (minlibc reads file archives in place), and handed to C
//! through include/halvm/files.h. The embedded archive (the `.halvm_files`
//! section) is answered here too.

use core::ffi::{c_char, c_int, c_void};
use core::ptr::{addr_of, addr_of_mut, null};

use crate::exit::{self, EXIT_PLATFORM_ERROR};
use crate::xen::abi::{hvm_modlist_entry, hvm_start_info};

/// HALVM_MAX_BOOT_MODULES of files.h.
pub const MAX_MODULES: usize = 8;
/// Longest module string kept (longer ones are cut, with a warning).
const MAX_MODULE_CMDLINE: usize = 255;
/// Modules must lie in the identity map the entry code builds.
const IDENTITY_MAPPED: u64 = 4 << 30;
const PAGE: u64 = 4096;

#[derive(Clone, Copy)]
struct Module {
    paddr: u64,
    size: u64,
    cmdline: [u8; MAX_MODULE_CMDLINE + 1],
}

static mut MODULES: [Module; MAX_MODULES] =
    [Module { paddr: 0, size: 0, cmdline: [0; MAX_MODULE_CMDLINE + 1] }; MAX_MODULES];
static mut COUNT: usize = 0;

extern "C" {
    /// Bounds of the embedded archive (toolchain/linker/halvm.ld).
    static __halvm_files_start: u8;
    static __halvm_files_end: u8;
}

/// Copies the module list (call before memory::init, which reserves the
/// modules' pages through [`reserved`]).
pub fn copy_from(si: *const hvm_start_info) {
    // SAFETY: boot, one CPU; the loader's structures are identity-mapped.
    unsafe {
        let si = &*si;
        if si.nr_modules == 0 || si.modlist_paddr == 0 {
            return;
        }
        let n = si.nr_modules as usize;
        if n > MAX_MODULES {
            crate::kprintln!("halvm: warning: the loader passed {n} boot modules; only the first \
                              {MAX_MODULES} are used");
        }
        let list = core::slice::from_raw_parts(si.modlist_paddr as *const hvm_modlist_entry, n.min(MAX_MODULES));
        let modules = &mut *addr_of_mut!(MODULES);
        for (i, e) in list.iter().enumerate() {
            let end = e.paddr.checked_add(e.size);
            if (e.paddr == 0 && e.size != 0) || end.is_none_or(|end| end > IDENTITY_MAPPED) {
                crate::kprintln!("halvm: boot module {i} at {:#x} ({} bytes) lies outside the first 4 GiB, \
                                  which is all the image maps at boot", e.paddr, e.size);
                exit::exit(EXIT_PLATFORM_ERROR);
            }
            let m = &mut modules[i];
            m.paddr = e.paddr;
            m.size = e.size;
            if e.cmdline_paddr != 0 {
                let src = e.cmdline_paddr as *const u8;
                let mut k = 0;
                while k < MAX_MODULE_CMDLINE && *src.add(k) != 0 {
                    m.cmdline[k] = *src.add(k);
                    k += 1;
                }
                if *src.add(k) != 0 {
                    crate::kprintln!("halvm: warning: boot module {i}'s string is longer than \
                                      {MAX_MODULE_CMDLINE} bytes; cut");
                }
            }
        }
        *addr_of_mut!(COUNT) = n.min(MAX_MODULES);
    }
}

/// The page-aligned ranges [start, end) the modules occupy.
pub fn reserved() -> impl Iterator<Item = (u64, u64)> {
    // SAFETY: written only by copy_from, at boot, before any reader.
    let (modules, count): (&[Module; MAX_MODULES], usize) = unsafe { (&*addr_of!(MODULES), *addr_of!(COUNT)) };
    modules[..count]
        .iter()
        .filter(|m| m.size > 0)
        .map(|m| (m.paddr & !(PAGE - 1), (m.paddr + m.size).next_multiple_of(PAGE)))
}

/// halvm_boot_module's out parameter (struct halvm_boot_module).
#[repr(C)]
pub struct HalvmBootModule {
    data: *const c_void,
    size: usize,
    cmdline: *const c_char,
}

#[no_mangle]
pub extern "C" fn halvm_boot_module_count() -> usize {
    // SAFETY: written once at boot.
    unsafe { *addr_of!(COUNT) }
}

#[no_mangle]
pub unsafe extern "C" fn halvm_boot_module(index: usize, out: *mut HalvmBootModule) -> c_int {
    if index >= halvm_boot_module_count() || out.is_null() {
        return -1;
    }
    let modules: &[Module; MAX_MODULES] = &*addr_of!(MODULES);
    let m = &modules[index];
    *out = HalvmBootModule {
        data: m.paddr as *const c_void,
        size: m.size as usize,
        cmdline: m.cmdline.as_ptr() as *const c_char,
    };
    0
}

#[no_mangle]
pub unsafe extern "C" fn halvm_embedded_files(size: *mut usize) -> *const c_void {
    let start = addr_of!(__halvm_files_start);
    let len = addr_of!(__halvm_files_end) as usize - start as usize;
    if !size.is_null() {
        *size = len;
    }
    if len == 0 { null() } else { start as *const c_void }
}
