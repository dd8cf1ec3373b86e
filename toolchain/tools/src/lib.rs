//! The user tools of the halvm prefix, as a library so that the build
//! driver and the tools share one definition of each fact:
//!
//! - [`build_info`]: the `.note.halvm` ELF note that records, in every
//!   image, which halvm and GHC built it and its RTS options;
//! - [`files`]: file archives for images (halvm-files, halvm-ghc --files,
//!   halvm-run --files);
//! - [`image`]: what halvm-inspect reads from an image (and halvm-run checks
//!   before booting one);
//! - [`prefix`]: the layout of the relocatable prefix (halvm-config);
//! - [`run`]: the pieces of halvm-run that are not booting itself (guest
//!   command lines, the xl configuration, hiding the firmware's output).

pub mod build_info;
pub mod files;
pub mod image;
pub mod prefix;
pub mod run;

/// The halvm toolchain's version. Its one definition is the `version` of
/// this crate's Cargo.toml; images record it in their build-info note.
pub const HALVM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The GHC version of the prefix's cross compiler (pinned by
/// toolchain/versions.toml; the build driver builds exactly this one).
pub const GHC_VERSION: &str = "9.0.2";

/// The GHC target triple.
pub use halvm_target_c::TARGET;
