//! Turning TSC tick counts into nanoseconds, the two ways rts-xen knows
//! the TSC's rate: on bare QEMU a 32.32 fixed-point ns-per-tick factor
//! (time.rs, calibrated at boot), under Xen the pvclock's
//! `tsc_to_system_mul` and `tsc_shift` (vcpu_time_info). Pure arithmetic,
//! kept apart so that it is unit-tested on the host.

/// `ticks * mult / 2^32`, without overflow for any tick count.
pub fn scale_mult(ticks: u64, mult: u64) -> u64 {
    ((ticks as u128 * mult as u128) >> 32) as u64
}

/// The pvclock formula: shift the ticks left (or right, for a negative
/// shift), then multiply by `mul / 2^32`.
pub fn scale_pvclock(ticks: u64, mul: u32, shift: i8) -> u64 {
    let shifted = if shift >= 0 { ticks << shift } else { ticks >> -shift };
    scale_mult(shifted, mul as u64)
}

/// The ticks from `start` to `end`; 0 when `end` is not later (a TSC
/// that went back, or a start never recorded).
pub fn elapsed_ticks(start: u64, end: u64) -> u64 {
    if start == 0 { 0 } else { end.saturating_sub(start) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_two_gigahertz_tsc_counts_half_nanoseconds() {
        // 0.5 ns per tick in 32.32 fixed point.
        let mult = 1u64 << 31;
        assert_eq!(scale_mult(2_000_000_000, mult), 1_000_000_000);
        // Large counts do not overflow the product.
        assert_eq!(scale_mult(u64::MAX, 1 << 32), u64::MAX);
    }

    #[test]
    fn the_pvclock_shift_applies_before_the_multiplier() {
        // mul = 2^31 (x0.5); shift +1 doubles first: 1000 ticks -> 1000 ns.
        assert_eq!(scale_pvclock(1000, 1 << 31, 1), 1000);
        assert_eq!(scale_pvclock(1000, 1 << 31, -1), 250);
        assert_eq!(scale_pvclock(1000, 1 << 31, 0), 500);
    }

    #[test]
    fn an_unrecorded_start_or_a_backward_tsc_gives_no_time() {
        assert_eq!(elapsed_ticks(100, 350), 250);
        assert_eq!(elapsed_ticks(0, 350), 0);
        assert_eq!(elapsed_ticks(400, 350), 0);
    }
}
