//! The halvm build driver, as a library so that its integration tests can
//! drive the same code as `cargo xtask`.

pub mod atomic_dir;
pub mod build_cmd;
pub mod cache;
pub mod cargo;
pub mod doctor;
pub mod fetch;
pub mod ghc_build;
pub mod ghc_phases;
pub mod ghc_source;
pub mod haskell_images;
pub mod host;
pub mod input_key;
pub mod layout;
pub mod libc_coverage;
pub mod logged;
pub mod manifest;
pub mod minlibc;
pub mod platform_ghc;
pub mod patch_series;
pub mod prefix;
pub mod progress;
pub mod relocate;
pub mod rts_xen;
pub mod target_sysroot;
pub mod test_cmd;
pub mod test_images;
pub mod unpack;
