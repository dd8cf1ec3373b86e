/*
 * halvm platform API, measurement part: how long the image took to boot,
 * on the guest's own clock. Not a GHC input (only platform.h is); the
 * benchmarks (tests/bench/support/BootClockHalvm.hs) read it through the
 * FFI.
 *
 * The entry code reads the TSC at its very first instructions (the PVH
 * 32-bit entry point, before the start-info check, clearing .bss, paging
 * or long mode) and rts-xen reads it again immediately before calling
 * main(), after the C constructors. Tick counts become nanoseconds at the
 * rate the monotonic clock uses: under Xen the pvclock's TSC scale, on
 * bare QEMU the TSC frequency calibrated at boot (CPUID leaf 0x15, else
 * measured against the PIT). What ran before the first instruction (the
 * loader, firmware, QEMU's or Xen's domain building) is not counted.
 */
#ifndef HALVM_MEASURE_H
#define HALVM_MEASURE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this header's API. */
#define HALVM_MEASURE_API_VERSION 1

/* Nanoseconds from the first instruction of the image to the call of
 * main(); 0 if called before main() (from a constructor). */
uint64_t halvm_boot_ns_to_main(void);

/* Nanoseconds from the first instruction of the image to now. */
uint64_t halvm_boot_ns_since_start(void);

#ifdef __cplusplus
}
#endif

#endif
