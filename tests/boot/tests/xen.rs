//! rts-xen's test images booted as the PVH initial domain of the Xen 4.17
//! hypervisor, itself running under QEMU (TCG). Every check but the
//! oversized command line: Xen itself cuts a dom0 command line at 1 KiB.
halvm_boot_tests::boot_checks!(halvm_boot_tests::xen_machine() =>
    hello_and_exit_0, exit_1, argv_with_quotes_and_exit_42, malformed_cmdline,
    too_many_arguments, time, console_input, memory, memory_above_4gib, thread_local_storage, fault_null, fault_stack_overflow, fault_invalid_opcode,
    libc_smoke, entropy, files_embedded, files_module, files_none, files_overlay, files_hostile_module);
