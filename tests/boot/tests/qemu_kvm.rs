//! rts-xen's test images booted directly by QEMU's PVH loader, under KVM
//! (run by the qemu lane only where /dev/kvm works).
halvm_boot_tests::boot_checks!(halvm_boot_tests::Machine::Qemu(halvm_boot_tests::Accel::Kvm));
// Networking: only direct QEMU boots have a network card (virtio-net).
halvm_boot_tests::boot_checks!(halvm_boot_tests::Machine::Qemu(halvm_boot_tests::Accel::Kvm) => net_echo, dns_lookup);
