//! The shared-info page: Xen's pvclock (vcpu_time_info), wall clock and
//! event-channel bitmaps.

use core::ptr::{addr_of, addr_of_mut, read_volatile};
use core::sync::atomic::{fence, AtomicPtr, Ordering};

use super::abi::{shared_info, vcpu_time_info};
use crate::cpu;
use crate::tsc_scale::scale_pvclock;

#[repr(C, align(4096))]
struct Page([u8; 4096]);
/// The guest page whose frame Xen replaces with the shared-info page.
static mut SHARED_INFO_PAGE: Page = Page([0; 4096]);
static SHARED: AtomicPtr<shared_info> = AtomicPtr::new(core::ptr::null_mut());

pub fn init() -> Result<(), i64> {
    let page = addr_of_mut!(SHARED_INFO_PAGE) as u64;
    super::map_shared_info(page >> 12)?;
    SHARED.store(page as *mut shared_info, Ordering::Release);
    Ok(())
}

/// The mapped shared-info page (init() must have succeeded).
pub fn get() -> *mut shared_info {
    SHARED.load(Ordering::Acquire)
}

/// vCPU 0's pvclock, read consistently under the version counter (odd
/// while Xen updates it): (tsc_timestamp, system_time, mul, shift, and
/// the TSC read inside the same window).
fn pvclock_snapshot() -> (u64, u64, u32, i8, u64) {
    // SAFETY: the shared-info page is mapped for the life of the domain.
    let t: *const vcpu_time_info = unsafe { addr_of!((*get()).vcpu_info[0].time) };
    loop {
        // SAFETY: as above; volatile because Xen writes concurrently.
        unsafe {
            let version = read_volatile(addr_of!((*t).version));
            fence(Ordering::Acquire);
            let stamp = read_volatile(addr_of!((*t).tsc_timestamp));
            let system = read_volatile(addr_of!((*t).system_time));
            let mul = read_volatile(addr_of!((*t).tsc_to_system_mul));
            let shift = read_volatile(addr_of!((*t).tsc_shift));
            let tsc = cpu::rdtsc();
            fence(Ordering::Acquire);
            if version & 1 != 0 || read_volatile(addr_of!((*t).version)) != version {
                continue;
            }
            return (stamp, system, mul, shift, tsc);
        }
    }
}

/// Xen system time in ns from vCPU 0's pvclock, extrapolated from the TSC.
pub fn pvclock_ns() -> u64 {
    let (stamp, system, mul, shift, tsc) = pvclock_snapshot();
    system + scale_pvclock(tsc.wrapping_sub(stamp), mul, shift)
}

/// A number of TSC ticks in ns, at the rate Xen's pvclock gives the TSC
/// now (init() must have succeeded).
pub fn tsc_ticks_ns(ticks: u64) -> u64 {
    let (_, _, mul, shift, _) = pvclock_snapshot();
    scale_pvclock(ticks, mul, shift)
}

/// Wall-clock ns at Xen system time 0 (wc_sec/wc_nsec, under wc_version).
pub fn wallclock_at_zero_ns() -> i64 {
    let s = get();
    loop {
        // SAFETY: the shared-info page is mapped; Xen writes concurrently.
        unsafe {
            let version = read_volatile(addr_of!((*s).wc_version));
            fence(Ordering::Acquire);
            let sec = read_volatile(addr_of!((*s).wc_sec)) as i64
                | (read_volatile(addr_of!((*s).wc_sec_hi)) as i64) << 32;
            let nsec = read_volatile(addr_of!((*s).wc_nsec)) as i64;
            fence(Ordering::Acquire);
            if version & 1 == 0 && read_volatile(addr_of!((*s).wc_version)) == version {
                return sec * 1_000_000_000 + nsec;
            }
        }
    }
}
