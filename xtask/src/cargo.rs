//! The cargo that runs xtask, for the nested builds and test runs.

/// `$CARGO` (set by `cargo run`/`cargo xtask`), else `cargo` from PATH.
pub fn binary() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}
