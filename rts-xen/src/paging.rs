//! Changes to the boot page tables (boot.rs identity-maps the first 4 GiB
//! in 2 MiB pages): unmapped guard pages, and identity mappings for RAM
//! above 4 GiB.

use core::ptr::{addr_of, addr_of_mut};

use crate::boot::{halvm_boot_pd, halvm_boot_pdpt, halvm_stack_guard};
use crate::cpu;

const PRESENT_WRITABLE: u64 = 0x3;
const HUGE: u64 = 0x80;
const LARGE_PAGE: u64 = 2 << 20;
const FOUR_GIB: u64 = 4 << 30;
/// One PDPT maps 512 GiB; RAM beyond that is not used.
pub const MAPPABLE_LIMIT: u64 = 512 << 30;

#[repr(C, align(4096))]
struct Table([u64; 512]);
/// Page tables for the 2 MiB regions that get a 4 KiB hole.
static mut SPLIT_TABLES: [Table; 2] = [const { Table([0; 512]) }; 2];
static mut SPLIT_USED: usize = 0;

pub fn stack_guard() -> u64 {
    addr_of!(halvm_stack_guard) as u64
}

pub fn is_stack_guard(addr: u64) -> bool {
    (stack_guard()..stack_guard() + 4096).contains(&addr)
}

/// Unmaps page 0 (so that a NULL dereference faults) and the page below
/// the boot stack (so that a stack overflow faults instead of silently
/// corrupting .bss).
pub fn init_guards() {
    unmap_page(0);
    unmap_page(stack_guard());
}

fn unmap_page(addr: u64) {
    assert!(addr < FOUR_GIB);
    let idx = (addr / LARGE_PAGE) as usize;
    // SAFETY: boot, one CPU, interrupts off; the tables are ours.
    unsafe {
        let pde = &mut (*addr_of_mut!(halvm_boot_pd))[idx / 512][idx % 512];
        let table = if *pde & HUGE != 0 {
            let used = &mut *addr_of_mut!(SPLIT_USED);
            let table = &mut (*addr_of_mut!(SPLIT_TABLES))[*used];
            *used += 1;
            let base = idx as u64 * LARGE_PAGE;
            for (i, e) in table.0.iter_mut().enumerate() {
                *e = (base + i as u64 * 4096) | PRESENT_WRITABLE;
            }
            *pde = table.0.as_ptr() as u64 | PRESENT_WRITABLE;
            table
        } else {
            &mut *((*pde & !0xfff) as *mut Table)
        };
        table.0[((addr / 4096) % 512) as usize] = 0;
        cpu::flush_tlb();
    }
}

/// Identity-maps [start, end) above 4 GiB in 2 MiB pages, taking page
/// directories from `alloc_table` (which returns a zeroed, identity-mapped
/// page). Returns false when a table could not be allocated.
pub fn map_high(start: u64, end: u64, mut alloc_table: impl FnMut() -> Option<u64>) -> bool {
    let mut addr = start.max(FOUR_GIB) & !(LARGE_PAGE - 1);
    let end = end.min(MAPPABLE_LIMIT);
    // SAFETY: boot, one CPU; the PDPT is ours and only gains entries.
    unsafe {
        let pdpt = &mut *addr_of_mut!(halvm_boot_pdpt);
        while addr < end {
            let gi = (addr >> 30) as usize;
            if pdpt[gi] & 1 == 0 {
                let Some(page) = alloc_table() else { return false };
                pdpt[gi] = page | PRESENT_WRITABLE;
            }
            let pd = (pdpt[gi] & !0xfff) as *mut u64;
            *pd.add(((addr >> 21) & 511) as usize) = addr | PRESENT_WRITABLE | HUGE;
            addr += LARGE_PAGE;
        }
        cpu::flush_tlb();
    }
    true
}
