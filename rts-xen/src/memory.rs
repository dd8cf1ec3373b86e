//! The page allocator behind halvm_alloc_pages / halvm_alloc_megablocks:
//! a bitmap over all of RAM (pagebitmap.rs), with the image, the first
//! MiB and the bitmap itself marked in use.

use core::ffi::c_void;
use core::ptr::{addr_of, addr_of_mut, null_mut};

use crate::boot::{__image_end, __image_start};
use crate::bootinfo::{self, Ram};
use crate::exit::{self, EXIT_PLATFORM_ERROR};
use crate::pagebitmap::{From, PageBitmap};
use crate::{cpu, paging};

const PAGE: u64 = crate::api::HALVM_PAGE_SIZE as u64;
const PAGES_PER_MEGABLOCK: usize = (crate::api::HALVM_MEGABLOCK_SIZE as u64 / PAGE) as usize;
/// Below 1 MiB lie the real-mode structures, the BIOS and legacy holes.
const LOW_RESERVED: u64 = 1 << 20;

static mut BITMAP: Option<PageBitmap<'static>> = None;
static mut TOTAL_PAGES: usize = 0;

fn with_bitmap<R>(f: impl FnOnce(&mut PageBitmap<'static>) -> R) -> Option<R> {
    // SAFETY: interrupts are off inside, and there is one CPU.
    cpu::without_interrupts(|| unsafe { (*addr_of_mut!(BITMAP)).as_mut().map(f) })
}

/// Builds the allocator from the boot memory map.
pub fn init() {
    let info = bootinfo::get();
    let ram = &info.ram[..info.ram_count];
    let top = ram.iter().map(|r| r.end).max().unwrap_or(0);
    if top > paging::MAPPABLE_LIMIT {
        crate::kprintln!("halvm: warning: RAM above {} GiB is not used", paging::MAPPABLE_LIMIT >> 30);
    }
    let top = top.min(paging::MAPPABLE_LIMIT);
    let pages = (top / PAGE) as usize;
    let words = pages.div_ceil(64);
    let bitmap_bytes = (words * 8) as u64;
    let (image_start, image_end) = (addr_of!(__image_start) as u64, addr_of!(__image_end) as u64);
    let image_end = image_end.next_multiple_of(PAGE);
    let Some(bitmap_at) = place_bitmap(ram, image_end, bitmap_bytes, crate::bootmodules::reserved) else {
        crate::kprintln!("halvm: no room below 4 GiB for the page bitmap ({bitmap_bytes} bytes)");
        exit::exit(EXIT_PLATFORM_ERROR);
    };
    // SAFETY: the bitmap's memory is free RAM (place_bitmap) that nothing
    // else uses, identity-mapped, and lives for the rest of the run.
    let bits = unsafe { core::slice::from_raw_parts_mut(bitmap_at as *mut u64, words) };
    let mut bm = PageBitmap::new(bits, pages);
    for r in ram {
        bm.mark_free((r.start / PAGE) as usize, ((r.end - r.start) / PAGE) as usize);
    }
    bm.mark_used(0, (LOW_RESERVED / PAGE) as usize);
    bm.mark_used((image_start / PAGE) as usize, ((image_end - image_start) / PAGE) as usize);
    bm.mark_used((bitmap_at / PAGE) as usize, bitmap_bytes.div_ceil(PAGE) as usize);
    // the boot modules stay where the loader put them (files.h)
    for (start, end) in crate::bootmodules::reserved() {
        bm.mark_used((start / PAGE) as usize, ((end.min(top) - start.min(top)) / PAGE) as usize);
    }
    // SAFETY: boot, one CPU.
    unsafe {
        *addr_of_mut!(TOTAL_PAGES) = bm.free_pages();
        *addr_of_mut!(BITMAP) = Some(bm);
    }
    for r in ram.iter().filter(|r| r.end > 4 << 30) {
        let mapped = paging::map_high(r.start, r.end, || {
            with_bitmap(|bm| bm.alloc(1, 1, From::Bottom)).flatten().map(|p| {
                let addr = p as u64 * PAGE;
                // SAFETY: a fresh page below 4 GiB (allocated bottom-up).
                unsafe { core::ptr::write_bytes(addr as *mut u8, 0, PAGE as usize) };
                addr
            })
        });
        if !mapped {
            crate::kprintln!("halvm: out of memory while mapping RAM above 4 GiB");
            exit::exit(EXIT_PLATFORM_ERROR);
        }
    }
}

/// The first page-aligned spot in RAM below 4 GiB, above the image and the
/// low reserved MiB, with room for the bitmap, overlapping none of the
/// `reserved` ranges (the boot modules).
fn place_bitmap<I: Iterator<Item = (u64, u64)>>(
    ram: &[Ram], image_end: u64, bytes: u64, reserved: impl Fn() -> I,
) -> Option<u64> {
    ram.iter().find_map(|r| {
        let mut start = r.start.max(LOW_RESERVED).max(if r.end > image_end { image_end } else { 0 });
        let end = r.end.min(4 << 30);
        // move past every reserved range in the way until none is
        while let Some((_, e)) = reserved().find(|&(s, e)| s < start + bytes && start < e) {
            start = e;
        }
        (start + bytes <= end).then_some(start)
    })
}

fn alloc(pages: usize, align: usize, from: From, what: &str, count: usize) -> *mut c_void {
    match with_bitmap(|bm| bm.alloc(pages, align, from)).flatten() {
        Some(first) => {
            let addr = (first as u64 * PAGE) as *mut u8;
            // SAFETY: the pages were free RAM and are now the caller's.
            unsafe { core::ptr::write_bytes(addr, 0, pages * PAGE as usize) };
            addr as *mut c_void
        }
        None => {
            crate::kprintln!(
                "halvm: out of memory: cannot allocate {count} {what} ({} KiB); {} KiB of {} KiB free. \
                 Give the guest more memory (QEMU -m, Xen memory=).",
                pages * 4, free_bytes() / 1024, total_bytes() / 1024);
            null_mut()
        }
    }
}

fn free(addr: *mut c_void, pages: usize, what: &str) {
    let a = addr as u64;
    let ok = a.is_multiple_of(PAGE) && with_bitmap(|bm| bm.free((a / PAGE) as usize, pages)) == Some(Ok(()));
    if !ok {
        crate::kprintln!("halvm: warning: freeing {pages} pages of {what} at {a:#x} that are not allocated \
                          (double free or wrong size); ignored");
    }
}

#[no_mangle]
pub extern "C" fn halvm_alloc_pages(npages: usize) -> *mut c_void {
    if npages == 0 {
        return null_mut();
    }
    alloc(npages, 1, From::Top, "pages", npages)
}

#[no_mangle]
pub extern "C" fn halvm_free_pages(addr: *mut c_void, npages: usize) {
    if npages != 0 {
        free(addr, npages, "pages");
    }
}

#[no_mangle]
pub extern "C" fn halvm_alloc_megablocks(n: usize) -> *mut c_void {
    match n.checked_mul(PAGES_PER_MEGABLOCK) {
        Some(pages) if n > 0 => alloc(pages, PAGES_PER_MEGABLOCK, From::Bottom, "megablocks", n),
        _ => null_mut(),
    }
}

#[no_mangle]
pub extern "C" fn halvm_free_megablocks(addr: *mut c_void, n: usize) {
    if let Some(pages) = n.checked_mul(PAGES_PER_MEGABLOCK).filter(|&p| p > 0) {
        if !(addr as u64).is_multiple_of(PAGES_PER_MEGABLOCK as u64 * PAGE) {
            crate::kprintln!("halvm: warning: halvm_free_megablocks({addr:p}): not 1 MiB aligned; ignored");
            return;
        }
        free(addr, pages, "megablocks");
    }
}

fn total_bytes() -> u64 {
    // SAFETY: written once during boot.
    unsafe { *addr_of!(TOTAL_PAGES) as u64 * PAGE }
}

fn free_bytes() -> u64 {
    with_bitmap(|bm| bm.free_pages() as u64 * PAGE).unwrap_or(0)
}

#[no_mangle]
pub extern "C" fn halvm_memory_total() -> u64 {
    total_bytes()
}

#[no_mangle]
pub extern "C" fn halvm_memory_free() -> u64 {
    free_bytes()
}
