//! The least memory an image runs in, by bisection over QEMU's `-m`.

use anyhow::{bail, Result};

/// The smallest value in `(low, high]` for which `runs` is true, given
/// that it is false at `low` (not tried) and that running is monotonic
/// (more memory never hurts). `high` is tried first: an image that fails
/// there is an error, not a figure.
pub fn least_passing(low: u32, high: u32, mut runs: impl FnMut(u32) -> Result<bool>) -> Result<u32> {
    if !runs(high)? {
        bail!("it does not even run with {high} MiB");
    }
    let (mut fails, mut passes) = (low, high);
    while passes - fails > 1 {
        let mid = fails + (passes - fails) / 2;
        if runs(mid)? {
            passes = mid;
        } else {
            fails = mid;
        }
    }
    Ok(passes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_threshold_with_few_tries() {
        for threshold in [2, 3, 6, 37, 64] {
            let mut tries = Vec::new();
            let found = least_passing(1, 64, |m| {
                tries.push(m);
                Ok(m >= threshold)
            })
            .unwrap();
            assert_eq!(found, threshold);
            assert!(tries.len() <= 7, "{tries:?}");
        }
    }

    #[test]
    fn failing_at_the_top_is_an_error() {
        let err = least_passing(1, 64, |_| Ok(false)).unwrap_err().to_string();
        assert!(err.contains("64 MiB"), "{err}");
    }
}
