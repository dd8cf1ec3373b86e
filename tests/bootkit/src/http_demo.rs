//! What the HTTP server of tests/cabal/project/app/Network.hs
//! (`network-demo serve`) sends for `GET /big`, for the checks that fetch
//! it (tests/ghc from the host, the domU lane from dom0) and the benchmark.

/// The length of `GET /big`'s body: 10 MiB.
pub const BIG_SIZE: usize = 10 * 1024 * 1024;

/// The byte at offset `i` of the body (the program's `bigByte`): the top
/// byte of Knuth's multiplicative hash of `i`, so that no short period
/// hides a misplaced chunk.
pub fn big_byte(i: usize) -> u8 {
    ((i as u32).wrapping_mul(2654435761) >> 24) as u8
}

/// The whole body.
pub fn big_body() -> Vec<u8> {
    (0..BIG_SIZE).map(big_byte).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_has_no_short_period() {
        let body = big_body();
        assert_eq!(body.len(), BIG_SIZE);
        for period in [1, 2, 4, 251, 256, 65536] {
            assert!(body[..4096].iter().zip(&body[period..]).any(|(a, b)| a != b), "period {period}");
        }
    }
}
