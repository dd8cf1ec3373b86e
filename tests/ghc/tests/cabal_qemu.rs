//! Hackage packages built by halvm-cabal (the cabal lane), booted directly
//! under QEMU (TCG) and compared with their native builds on Linux.
halvm_ghc_tests::cabal_checks!(halvm_ghc_tests::Machine::Qemu(halvm_ghc_tests::Accel::Tcg) =>
    random, primitive, clock, zlib, old_time, vector, hsc2hs_constants, template_haskell,
    network, network_server, network_dns);
