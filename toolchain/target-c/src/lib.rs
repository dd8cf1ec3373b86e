//! How C is compiled for halvm's target: the one definition, shared by the
//! build driver (which writes it into the `x86_64-halvm-linux-gcc` wrapper
//! that GHC, users and our own builds call) and the host test crate (which
//! compiles minlibc the same way to compare it with glibc).

/// The GHC target triple (see toolchain/ghc/README.md for the choice).
pub const TARGET: &str = "x86_64-halvm-linux";

/// Code-generation flags every C file for the target is compiled with, by
/// the wrapper, after `-nostdinc` and the sysroot's include directories:
/// - no stack protector: the canary lives in TLS that rts-xen sets up only
///   after the first C code ran;
/// - no PIE: images are linked static and non-relocatable at 1 MiB;
/// - one section per function and per object, so images are linked with
///   `--gc-sections` and carry only what is reachable.
pub const TARGET_CFLAGS: &[&str] =
    &["-fno-stack-protector", "-fno-pie", "-ffunction-sections", "-fdata-sections"];

/// Flags for halvm's own C sources (minlibc, the test images): a C library
/// must not have its loops turned into calls to itself (memset, memcpy) or
/// its own functions assumed to be the compiler's builtins.
pub const PROJECT_CFLAGS: &[&str] = &[
    "-std=gnu11",
    "-O2",
    "-g",
    "-ffreestanding",
    "-fno-builtin",
    "-fno-strict-aliasing",
    "-fno-tree-loop-distribute-patterns",
    "-Wall",
    "-Wextra",
    "-Werror",
];
