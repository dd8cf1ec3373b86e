//! rts-xen's test images booted directly by QEMU's PVH loader, under TCG.
halvm_boot_tests::boot_checks!(halvm_boot_tests::Machine::Qemu(halvm_boot_tests::Accel::Tcg));
// TCG alone emulates any CPU model exactly, with or without RDRAND/RDSEED.
halvm_boot_tests::boot_checks!(halvm_boot_tests::Machine::Qemu(halvm_boot_tests::Accel::Tcg) => entropy_by_cpu_model);
// Networking: only direct QEMU boots have a network card (virtio-net).
halvm_boot_tests::boot_checks!(halvm_boot_tests::Machine::Qemu(halvm_boot_tests::Accel::Tcg) => net_echo, dns_lookup);
