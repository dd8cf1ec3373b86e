//! Haskell programs built by halvm-ghc, booted directly under QEMU (TCG).
halvm_ghc_tests::ghc_checks!(halvm_ghc_tests::Machine::Qemu(halvm_ghc_tests::Accel::Tcg) =>
    hello, exit_code, uncaught_exception, args, concurrency, delay, gc_stress, big_integer,
    doubles, containers, clock, heap_limit, stack_limit, signals, files_embedded, files_module, files_limits,
    template_haskell);
