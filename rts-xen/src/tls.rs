//! Thread-local storage for the image's one thread, and the thread control
//! block compilers expect at FS: x86_64 TLS variant II, as in the System V
//! ABI. The thread pointer (FS base) points at the TCB, whose first word
//! points to itself and whose word at offset 0x28 is the stack-protector
//! canary; the TLS segment's image (.tdata, then zeroed .tbss) ends at the
//! thread pointer, rounded up to the segment's alignment.

use core::ptr::addr_of;

use crate::exit::{self, EXIT_PLATFORM_ERROR};
use crate::{cpu, memory};

const IA32_FS_BASE: u32 = 0xc000_0100;
/// Room for the TCB: the self pointer at 0 and the canary at 0x28.
const TCB_SIZE: usize = 64;
const STACK_GUARD_OFFSET: usize = 0x28;

extern "C" {
    // Linker script symbols (toolchain/linker/halvm.ld).
    static __tdata_start: u8;
    static __tdata_end: u8;
    static __tbss_end: u8;
    /// An absolute symbol: its address is the TLS segment's alignment.
    static __tls_align: u8;
}

pub fn init() {
    let start = addr_of!(__tdata_start) as usize;
    let init_len = addr_of!(__tdata_end) as usize - start;
    let mem_len = addr_of!(__tbss_end) as usize - start;
    // Exactly the segment's alignment: the linker computed every variable's
    // offset from the thread pointer with it.
    let align = (addr_of!(__tls_align) as usize).max(1);
    if align > 4096 {
        crate::kprintln!("halvm: thread-local data aligned to {align} bytes; at most 4096 is supported");
        exit::exit(EXIT_PLATFORM_ERROR);
    }
    let tls_len = mem_len.next_multiple_of(align);
    let pages = (tls_len + TCB_SIZE).div_ceil(4096);
    let block = memory::halvm_alloc_pages(pages) as usize;
    if block == 0 {
        crate::kprintln!("halvm: no memory for the thread-local storage block ({pages} pages)");
        exit::exit(EXIT_PLATFORM_ERROR);
    }
    let tp = block + tls_len;
    // SAFETY: the block is fresh, zeroed memory of `pages` pages; the
    // .tdata image lies in the loaded image.
    unsafe {
        core::ptr::copy_nonoverlapping(start as *const u8, block as *mut u8, init_len);
        *(tp as *mut usize) = tp;
        *((tp + STACK_GUARD_OFFSET) as *mut u64) = canary();
        cpu::wrmsr(IA32_FS_BASE, tp as u64);
    }
}

/// A stack-protector canary that differs between boots: the TSC mixed
/// with a multiplicative hash, its low byte zero (so that string overruns
/// stop at it, as glibc does).
fn canary() -> u64 {
    let t = cpu::rdtsc();
    (t ^ t.rotate_left(29)).wrapping_mul(0x9e37_79b9_7f4a_7c15) & !0xff
}
