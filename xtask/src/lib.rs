//! The halvm build driver, as a library so that its integration tests can
//! drive the same code as `cargo xtask`. Public: what the binary and the
//! integration tests use; everything else is internal.

mod atomic_dir;
pub mod bench;
pub mod build_cmd;
mod cabal_install;
mod cabal_lane;
mod cache;
mod cargo;
mod cpio;
pub mod deb;
mod debian_root;
pub mod dist;
pub mod doctor;
mod dom0;
mod domu_lane;
mod elf_symbols;
mod fetch;
pub mod fsutil;
mod ghc_build;
mod ghc_phases;
mod ghc_source;
mod haskell_images;
mod haskell_libs;
mod host;
mod input_key;
mod iserv;
pub mod layout;
mod libc_coverage;
mod libm;
mod logged;
pub mod manifest;
mod minlibc;
pub mod platform_ghc;
mod package_lane;
mod patch_series;
mod prefix;
mod progress;
mod relocate;
mod root_listing;
mod rts_xen;
mod target_c;
mod target_sysroot;
pub mod test_cmd;
mod test_images;
mod unpack;
mod user_tools;
