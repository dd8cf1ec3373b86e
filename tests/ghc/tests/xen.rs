//! Haskell programs built by halvm-ghc, booted as the PVH initial domain of
//! Xen 4.17 running under QEMU (TCG).
halvm_ghc_tests::ghc_checks!(halvm_ghc_tests::xen_machine() =>
    hello, exit_code, uncaught_exception, args, concurrency, delay, gc_stress, big_integer,
    doubles, containers, clock, heap_limit, stack_limit, signals, files_embedded, files_module, files_limits,
    template_haskell);
