//! Grant tables (v1) for programs and for vchan: the domain's grant
//! frames, granting its pages to other domains, ending grants, and
//! mapping other domains' grants.
//!
//! Set-up, on first use: a PVH guest cannot use GNTTABOP_setup_table (its
//! frames would be machine frames); it asks Xen to put frame i of its
//! grant table at a guest frame of its own with XENMEM_add_to_physmap
//! (XENMAPSPACE_grant_table), as for the shared-info page. rts-xen keeps
//! MAX_FRAMES page-aligned pages in .bss for them (Xen frees the RAM
//! pages they replace), or fewer if GNTTABOP_query_size says the domain
//! may have fewer.
//!
//! Mapping a foreign grant in a PVH (or HVM) guest: GNTTABOP_map_grant_ref
//! with exactly GNTMAP_host_map (plus GNTMAP_readonly) and host_addr = the
//! guest-physical address where Xen is to put the page in the guest's
//! physical map. Xen replaces whatever is there, and a RAM page it
//! replaces is lost to the guest until the domain dies; so the frames are
//! first given back to Xen (XENMEM_decrease_reservation, leaving a hole,
//! as Linux's balloon does) and repopulated after the unmap
//! (XENMEM_populate_physmap). The pages stay allocated in rts-xen's
//! allocator meanwhile, and the identity mapping then reaches the foreign
//! page.

use core::ffi::{c_int, c_void};
use core::ptr::addr_of_mut;
use core::sync::atomic::{AtomicI32, AtomicU16, AtomicU32, Ordering};

use super::abi::*;
use super::hypercall_cmd;
use crate::cpu;
use crate::errno::{EACCES, EAGAIN, EBADF, EBUSY, EINVAL, EIO, ENODEV, ENOENT, ENOMEM, ENOSPC, ESRCH};
use crate::interdomain::grant_refs::{GrantRefs, ENTRIES_PER_FRAME, MAX_FRAMES};
use crate::memory::{halvm_alloc_pages, halvm_free_pages};

const PAGE: u64 = 4096;

#[repr(C, align(4096))]
struct Frames([[u8; 4096]; MAX_FRAMES as usize]);
/// The guest frames Xen replaces with the grant table's frames.
static mut FRAMES: Frames = Frames([[0; 4096]; MAX_FRAMES as usize]);
/// Frames mapped (0: not set up yet); negative: the set-up's errno.
static STATE: AtomicI32 = AtomicI32::new(0);
/// Used with interrupts off (one CPU).
static mut REFS: GrantRefs = GrantRefs::new();
/// The references the program granted through halvm_gnttab_grant (the
/// others are vchan's, which the program may not end).
static mut PROGRAM: [u64; (MAX_FRAMES * ENTRIES_PER_FRAME / 64) as usize] =
    [0; (MAX_FRAMES * ENTRIES_PER_FRAME / 64) as usize];

/// Grants whose peer still had them mapped when they were ended on
/// close (vchan): retried later, the page freed once the grant ended.
const DEFERRED_MAX: usize = 64;
static mut DEFERRED: [(u32, u64); DEFERRED_MAX] = [(0, 0); DEFERRED_MAX];

/// Foreign pages mapped: guest-physical address and Xen's handle.
const MAPS_MAX: usize = crate::interdomain::GNTTAB_MAPS;
static mut MAPS: [(u64, u32); MAPS_MAX] = [(0, 0); MAPS_MAX];

/// Xen's GNTST_* status as a (positive) errno.
#[allow(non_upper_case_globals)]
fn gntst_errno(status: i16) -> c_int {
    match status as i32 {
        GNTST_bad_domain => ESRCH,
        GNTST_bad_gntref => ENOENT,
        GNTST_permission_denied => EACCES,
        GNTST_eagain => EAGAIN,
        GNTST_no_device_space | GNTST_no_space => ENOSPC,
        GNTST_bad_handle | GNTST_bad_virt_addr => EINVAL,
        _ => EIO,
    }
}

/// Maps the grant table's frames once; the number mapped, or an errno.
fn setup() -> Result<u32, c_int> {
    if !crate::platform::on_xen() {
        return Err(ENODEV);
    }
    cpu::without_interrupts(|| {
        match STATE.load(Ordering::Acquire) {
            0 => {}
            n if n > 0 => return Ok(n as u32),
            e => return Err(-e),
        }
        let mut q = gnttab_query_size { dom: HALVM_DOMID_SELF as u16, ..Default::default() };
        // SAFETY: a valid argument structure.
        let r = unsafe { hypercall(GNTTABOP_query_size, &mut q) };
        let wanted = if r == 0 && q.status == 0 { q.max_nr_frames.min(MAX_FRAMES) } else { MAX_FRAMES };
        let mut mapped = 0;
        for i in 0..wanted {
            // SAFETY: our own .bss page, identity-mapped.
            let gpfn = unsafe { addr_of_mut!(FRAMES.0[i as usize]) } as u64 / PAGE;
            let mut a = xen_add_to_physmap {
                domid: HALVM_DOMID_SELF as u16,
                space: XENMAPSPACE_grant_table,
                idx: i as u64,
                gpfn,
                ..Default::default()
            };
            // SAFETY: a valid argument structure.
            if unsafe { hypercall_cmd(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, &mut a) } < 0 {
                break;
            }
            mapped += 1;
        }
        if mapped == 0 {
            crate::kprintln!("halvm: cannot map the grant table (XENMEM_add_to_physmap refused)");
            STATE.store(-EIO, Ordering::Release);
            return Err(EIO);
        }
        // SAFETY: interrupts are off.
        unsafe { (*addr_of_mut!(REFS)).set_frames(mapped) };
        STATE.store(mapped as i32, Ordering::Release);
        Ok(mapped)
    })
}

unsafe fn hypercall<T>(cmd: u32, arg: &mut T) -> i64 {
    super::hypercall(__HYPERVISOR_grant_table_op, cmd as u64, arg as *mut T as u64, 1, 0, 0)
}

/// The v1 entry of `gref`: flags, domid, frame.
fn entry(gref: u32) -> (&'static AtomicU16, &'static AtomicU16, &'static AtomicU32) {
    // SAFETY: callers only pass references the allocator handed out, which
    // lie in the mapped frames; the fields are naturally aligned.
    unsafe {
        let base = (addr_of_mut!(FRAMES) as *mut u8).add(gref as usize * 8);
        (AtomicU16::from_ptr(base as *mut u16), AtomicU16::from_ptr(base.add(2) as *mut u16),
         AtomicU32::from_ptr(base.add(4) as *mut u32))
    }
}

/// Grants `domid` access to the page at `addr`; returns the reference.
pub fn grant(domid: u32, addr: u64, readonly: bool) -> Result<u32, c_int> {
    setup()?;
    let domid = u16::try_from(domid).map_err(|_| EINVAL)?;
    if addr == 0 || addr % PAGE != 0 || addr >= crate::paging::MAPPABLE_LIMIT || is_foreign(addr) {
        return Err(EINVAL);
    }
    retry_deferred();
    cpu::without_interrupts(|| {
        // SAFETY: interrupts are off.
        let gref = unsafe { (*addr_of_mut!(REFS)).alloc() }.ok_or(ENOSPC)?;
        let (flags, dom, frame) = entry(gref);
        dom.store(domid, Ordering::Relaxed);
        frame.store((addr / PAGE) as u32, Ordering::Relaxed);
        // the peer may use the entry as soon as the flags say so
        let ro = if readonly { GTF_readonly as u16 } else { 0 };
        flags.store(GTF_permit_access as u16 | ro, Ordering::Release);
        Ok(gref)
    })
}

/// Ends grant `gref`: -EBUSY while the peer has it mapped.
pub fn end(gref: u32) -> Result<(), c_int> {
    setup()?;
    cpu::without_interrupts(|| {
        // SAFETY: interrupts are off.
        if !unsafe { (*addr_of_mut!(REFS)).in_use(gref) } {
            return Err(EBADF);
        }
        let (flags, _, _) = entry(gref);
        let mut f = flags.load(Ordering::Acquire);
        loop {
            if f & (GTF_reading | GTF_writing) as u16 != 0 {
                return Err(EBUSY);
            }
            // Xen sets reading/writing concurrently: only a compare-exchange
            // can tell that it did not between the check and the clear
            match flags.compare_exchange(f, 0, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(now) => f = now,
            }
        }
        // SAFETY: interrupts are off.
        unsafe {
            (*addr_of_mut!(REFS)).free(gref);
            (*addr_of_mut!(PROGRAM))[(gref / 64) as usize] &= !(1 << (gref % 64));
        }
        Ok(())
    })
}

/// Ends `gref` and frees its page (one allocated page); if the peer
/// still maps it, does both later (retry_deferred), or never if the list
/// of deferred grants is full (the page is then lost, which is safe).
pub fn end_and_free(gref: u32, page: u64) {
    match end(gref) {
        Ok(()) => halvm_free_pages(page as *mut c_void, 1),
        Err(EBUSY) => cpu::without_interrupts(|| {
            // SAFETY: interrupts are off.
            let list = unsafe { &mut *addr_of_mut!(DEFERRED) };
            match list.iter_mut().find(|e| e.1 == 0) {
                Some(slot) => *slot = (gref, page),
                None => crate::kprintln!("halvm: grant {gref} still mapped by its peer; its page is not reused"),
            }
        }),
        Err(_) => {}
    }
}

fn retry_deferred() {
    for i in 0..DEFERRED_MAX {
        // SAFETY: one CPU; entries are only changed in normal context.
        let (gref, page) = unsafe { (*addr_of_mut!(DEFERRED))[i] };
        if page != 0 && end(gref).is_ok() {
            // SAFETY: as above.
            unsafe { (*addr_of_mut!(DEFERRED))[i] = (0, 0) };
            halvm_free_pages(page as *mut c_void, 1);
        }
    }
}

fn is_foreign(addr: u64) -> bool {
    // SAFETY: read in normal context; changed only there.
    unsafe { (*addr_of_mut!(MAPS)).iter().any(|&(a, _)| a == addr) }
}

/// Gives the guest frames of `n` pages at `addr` back to Xen (a hole).
fn balloon(op: u32, addr: u64, n: usize) -> Result<(), c_int> {
    let mut done = 0;
    while done < n {
        let mut gpfn: xen_pfn_t = addr / PAGE + done as u64;
        let mut r = xen_memory_reservation {
            nr_extents: 1,
            extent_order: 0,
            domid: HALVM_DOMID_SELF as u16,
            ..Default::default()
        };
        r.extent_start.p = &mut gpfn;
        // SAFETY: the reservation names one frame through a valid pointer.
        if unsafe { hypercall_cmd(__HYPERVISOR_memory_op, op, &mut r) } != 1 {
            return Err(ENOMEM);
        }
        done += 1;
    }
    Ok(())
}

/// The domain's own id, from Xen's CPUID leaf base+4 (ecx, valid when eax
/// bit 4 is set); None when Xen does not say.
fn own_domid() -> Option<u32> {
    let base = super::find_cpuid_base()?;
    let leaf = cpu::cpuid(base + 4, 0);
    (leaf.eax & (1 << 4) != 0).then_some(leaf.ecx)
}

/// Maps `refs` of `domid` at consecutive pages; returns the first page's
/// address. All or nothing.
///
/// A domain's own grants are refused (-EINVAL): Xen 4.17, when a PVH or
/// HVM domain maps a frame it owns, removes that frame from its original
/// guest frame (p2m_add_page moves a page "already mapped at another
/// physical address"), so the granted page would vanish from under its
/// owner (seen here as Xen's initial domain: the original address then
/// reads all ones).
pub fn map(domid: u32, refs: &[u32], readonly: bool) -> Result<u64, c_int> {
    setup()?;
    if domid == HALVM_DOMID_SELF || Some(domid) == own_domid() {
        return Err(EINVAL);
    }
    let domid = u16::try_from(domid).map_err(|_| EINVAL)?;
    if refs.is_empty() {
        return Err(EINVAL);
    }
    let free_slots = unsafe { (*addr_of_mut!(MAPS)).iter().filter(|e| e.0 == 0).count() };
    if free_slots < refs.len() {
        return Err(ENOSPC);
    }
    let base = halvm_alloc_pages(refs.len()) as u64;
    if base == 0 {
        return Err(ENOMEM);
    }
    if let Err(e) = balloon(XENMEM_decrease_reservation, base, refs.len()) {
        // the frames given back so far: ask for them again
        let _ = balloon(XENMEM_populate_physmap, base, refs.len());
        halvm_free_pages(base as *mut c_void, refs.len());
        return Err(e);
    }
    for (i, &gref) in refs.iter().enumerate() {
        let at = base + i as u64 * PAGE;
        let ro = if readonly { GNTMAP_readonly } else { 0 };
        let mut m = gnttab_map_grant_ref { host_addr: at, flags: GNTMAP_host_map | ro, ref_: gref, dom: domid,
                                           ..Default::default() };
        // SAFETY: a valid argument structure (count 1).
        let r = unsafe { hypercall(GNTTABOP_map_grant_ref, &mut m) };
        if r < 0 || m.status != 0 {
            let e = if r < 0 { (-r) as c_int } else { gntst_errno(m.status) };
            let _ = unmap(base, i);
            let rest = base + i as u64 * PAGE;
            let _ = balloon(XENMEM_populate_physmap, rest, refs.len() - i);
            halvm_free_pages(rest as *mut c_void, refs.len() - i);
            return Err(e);
        }
        // SAFETY: normal context; slots counted free above.
        unsafe { *(*addr_of_mut!(MAPS)).iter_mut().find(|e| e.0 == 0).unwrap() = (at, m.handle) };
    }
    Ok(base)
}

/// Unmaps `n` pages mapped by map() at `addr`, gives the guest its RAM
/// back there and frees the pages. -EINVAL if a page was not mapped.
pub fn unmap(addr: u64, n: usize) -> Result<(), c_int> {
    let mut result = Ok(());
    for i in 0..n {
        let at = addr + i as u64 * PAGE;
        // SAFETY: normal context.
        let Some(slot) = (unsafe { (*addr_of_mut!(MAPS)).iter_mut().find(|e| e.0 == at && at != 0) }) else {
            result = Err(EINVAL);
            continue;
        };
        let mut u = gnttab_unmap_grant_ref { host_addr: at, dev_bus_addr: 0, handle: slot.1, ..Default::default() };
        // SAFETY: a valid argument structure (count 1).
        let r = unsafe { hypercall(GNTTABOP_unmap_grant_ref, &mut u) };
        if r < 0 || u.status != 0 {
            crate::kprintln!("halvm: unmapping a foreign grant at {at:#x} failed ({r}, {}); the page is not reused",
                             u.status);
            result = Err(EIO);
            continue;
        }
        *slot = (0, 0);
        if balloon(XENMEM_populate_physmap, at, 1).is_ok() {
            halvm_free_pages(at as *mut c_void, 1);
        } else {
            crate::kprintln!("halvm: Xen did not give back the RAM at {at:#x}; the page is not reused");
        }
    }
    result
}

fn ret(r: Result<u32, c_int>) -> c_int {
    match r {
        Ok(v) => v as c_int,
        Err(e) => -e,
    }
}

#[no_mangle]
pub extern "C" fn halvm_gnttab_grant(domid: u32, page: *const c_void, readonly: c_int) -> c_int {
    let r = grant(domid, page as u64, readonly != 0);
    if let Ok(gref) = r {
        // SAFETY: normal context, one CPU.
        cpu::without_interrupts(|| unsafe { (*addr_of_mut!(PROGRAM))[(gref / 64) as usize] |= 1 << (gref % 64) });
    }
    ret(r)
}

#[no_mangle]
pub extern "C" fn halvm_gnttab_end(gref: u32) -> c_int {
    if let Err(e) = setup() {
        return -e;
    }
    // SAFETY: read in normal context.
    let program = gref < MAX_FRAMES * ENTRIES_PER_FRAME
        && unsafe { (*addr_of_mut!(PROGRAM))[(gref / 64) as usize] } & (1 << (gref % 64)) != 0;
    if !program {
        return -EBADF;
    }
    match end(gref) {
        Ok(()) => 0,
        Err(e) => -e,
    }
}

#[no_mangle]
pub unsafe extern "C" fn halvm_gnttab_map(domid: u32, gref: u32, readonly: c_int, addr: *mut *mut c_void) -> c_int {
    if addr.is_null() {
        return -EINVAL;
    }
    match map(domid, &[gref], readonly != 0) {
        Ok(a) => {
            *addr = a as *mut c_void;
            0
        }
        Err(e) => -e,
    }
}

#[no_mangle]
pub extern "C" fn halvm_gnttab_unmap(addr: *mut c_void) -> c_int {
    if !crate::platform::on_xen() {
        return -ENODEV;
    }
    if addr.is_null() || !is_foreign(addr as u64) {
        return -EINVAL;
    }
    match unmap(addr as u64, 1) {
        Ok(()) => 0,
        Err(e) => -e,
    }
}
