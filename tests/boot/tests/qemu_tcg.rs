//! rts-xen's test images booted directly by QEMU's PVH loader, under TCG.
halvm_boot_tests::boot_checks!(halvm_boot_tests::Machine::Qemu(halvm_boot_tests::Accel::Tcg));
