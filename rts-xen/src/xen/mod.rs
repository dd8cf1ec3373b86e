//! Xen: detection through CPUID, the hypercall page, and typed wrappers for
//! the hypercalls rts-xen makes.

pub mod abi;
pub mod control;
pub mod events;
pub mod evtchn_api;
pub mod grant_table;
pub mod shared;
pub mod store;
pub mod vchan;
pub mod xs_api;

pub use shared::{pvclock_ns, tsc_ticks_ns, wallclock_at_zero_ns};

use core::arch::asm;
use core::ptr::addr_of_mut;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::cpu;
use abi::*;

/// The page Xen fills with hypercall entry stubs (32 bytes each).
#[repr(C, align(4096))]
struct Page([u8; 4096]);
static mut HYPERCALL_PAGE: Page = Page([0; 4096]);

static PRESENT: AtomicBool = AtomicBool::new(false);

/// Whether init() found Xen underneath.
pub fn present() -> bool {
    PRESENT.load(Ordering::Relaxed)
}

/// Looks for Xen's CPUID signature at 0x40000000 and every 0x100 above
/// it (another hypervisor's leaves may come first, e.g. Viridian), and
/// installs the hypercall page through the MSR Xen names in leaf base+2.
/// Returns false when not running on Xen.
pub fn init() -> bool {
    let Some(base) = find_cpuid_base() else { return false };
    let leaf2 = cpu::cpuid(base + 2, 0);
    if leaf2.eax == 0 {
        return false;
    }
    // SAFETY: the page is ours, page-aligned and identity-mapped; Xen
    // writes the stubs into it when the MSR is written.
    unsafe {
        let page = addr_of_mut!(HYPERCALL_PAGE) as u64;
        cpu::wrmsr(leaf2.ebx, page);
    }
    PRESENT.store(true, Ordering::Relaxed);
    true
}

pub(crate) fn find_cpuid_base() -> Option<u32> {
    (0x4000_0000u32..0x4001_0000).step_by(0x100).find(|&base| {
        let r = cpu::cpuid(base, 0);
        let sig = [r.ebx, r.ecx, r.edx].map(u32::to_le_bytes);
        sig == [*b"XenV", *b"MMXe", *b"nVMM"] && r.eax >= base + 2
    })
}

/// Makes hypercall `nr` with up to five arguments; returns Xen's result
/// (negative errno values on failure).
///
/// # Safety
/// The arguments must be valid for the hypercall, pointers included.
pub unsafe fn hypercall(nr: u32, a1: u64, a2: u64, a3: u64, a4: u64, a5: u64) -> i64 {
    debug_assert!(present());
    let entry = (addr_of_mut!(HYPERCALL_PAGE) as *mut u8).add(nr as usize * 32);
    let ret: i64;
    // No `nostack`: the call pushes a return address, so the compiler must
    // keep its own data out of the red zone around this block. Xen may
    // clobber the argument registers (debug builds do so on purpose).
    asm!("call {entry}",
         entry = in(reg) entry,
         inlateout("rdi") a1 => _, inlateout("rsi") a2 => _, inlateout("rdx") a3 => _,
         inlateout("r10") a4 => _, inlateout("r8") a5 => _,
         lateout("rax") ret, lateout("rcx") _, lateout("r11") _, lateout("r9") _);
    ret
}

/// A hypercall whose one argument after the command is a pointer.
pub unsafe fn hypercall_cmd<T>(nr: u32, cmd: u32, arg: *mut T) -> i64 {
    hypercall(nr, cmd as u64, arg as u64, 0, 0, 0)
}

pub fn console_io_write(bytes: &[u8]) {
    // SAFETY: the buffer is valid for `len` bytes.
    unsafe {
        hypercall(__HYPERVISOR_console_io, CONSOLEIO_write as u64, bytes.len() as u64,
                  bytes.as_ptr() as u64, 0, 0);
    }
}

/// Reads pending console input of the initial domain; returns the count.
pub fn console_io_read(buf: &mut [u8]) -> usize {
    // SAFETY: the buffer is valid for `len` bytes.
    let r = unsafe {
        hypercall(__HYPERVISOR_console_io, CONSOLEIO_read as u64, buf.len() as u64,
                  buf.as_mut_ptr() as u64, 0, 0)
    };
    if r > 0 { r as usize } else { 0 }
}

pub fn hvm_get_param(index: u32) -> Result<u64, i64> {
    let mut p = xen_hvm_param { domid: HALVM_DOMID_SELF as u16, index, value: 0, ..Default::default() };
    // SAFETY: `p` is a valid xen_hvm_param.
    let r = unsafe { hypercall_cmd(__HYPERVISOR_hvm_op, HVMOP_get_param, &mut p) };
    if r < 0 { Err(r) } else { Ok(p.value) }
}

pub fn hvm_set_param(index: u32, value: u64) -> Result<(), i64> {
    let mut p = xen_hvm_param { domid: HALVM_DOMID_SELF as u16, index, value, ..Default::default() };
    // SAFETY: `p` is a valid xen_hvm_param.
    let r = unsafe { hypercall_cmd(__HYPERVISOR_hvm_op, HVMOP_set_param, &mut p) };
    if r < 0 { Err(r) } else { Ok(()) }
}

/// Asks Xen to deliver this vCPU's event-channel upcalls through `vector`.
pub fn set_upcall_vector(vector: u8) -> Result<(), i64> {
    let mut a = xen_hvm_evtchn_upcall_vector { vcpu: 0, vector };
    // SAFETY: `a` is a valid argument structure.
    let r = unsafe { hypercall_cmd(__HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, &mut a) };
    if r < 0 { Err(r) } else { Ok(()) }
}

/// Arms the one-shot timer at `deadline` nanoseconds of Xen system time
/// (the pvclock): VIRQ_TIMER fires then.
pub fn set_timer(deadline_ns: u64) {
    // SAFETY: no pointers involved.
    unsafe { hypercall(__HYPERVISOR_set_timer_op, deadline_ns, 0, 0, 0, 0) };
}

/// Gives the CPU to other domains for a moment (SCHEDOP_yield).
pub fn sched_yield() {
    // SAFETY: SCHEDOP_yield takes no argument.
    unsafe { hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield as u64, 0, 0, 0, 0) };
}

pub fn shutdown(reason: u32) {
    let mut s = sched_shutdown { reason };
    // SAFETY: `s` is a valid sched_shutdown.
    unsafe { hypercall_cmd(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &mut s) };
}

/// Replaces the RAM page at `gpfn` with the shared-info page.
pub fn map_shared_info(gpfn: u64) -> Result<(), i64> {
    let mut a = xen_add_to_physmap {
        domid: HALVM_DOMID_SELF as u16,
        space: XENMAPSPACE_shared_info,
        idx: 0,
        gpfn,
        ..Default::default()
    };
    // SAFETY: `a` is a valid argument structure.
    let r = unsafe { hypercall_cmd(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, &mut a) };
    if r < 0 { Err(r) } else { Ok(()) }
}

/// Fills `buf` with the domain's e820 memory map (20-byte entries: addr,
/// size, type); returns the entry count.
pub fn memory_map(buf: &mut [u8]) -> Result<usize, i64> {
    let mut m = xen_memory_map { nr_entries: (buf.len() / 20) as u32, ..Default::default() };
    m.buffer.p = buf.as_mut_ptr() as *mut core::ffi::c_void;
    // SAFETY: the buffer holds nr_entries e820 entries.
    let r = unsafe { hypercall_cmd(__HYPERVISOR_memory_op, XENMEM_memory_map, &mut m) };
    if r < 0 { Err(r) } else { Ok(m.nr_entries as usize) }
}
