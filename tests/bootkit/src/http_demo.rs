//! The HTTP server of tests/cabal/project/app/Network.hs (`network-demo
//! serve`) as its clients see it: what `GET /big` sends, and how an
//! answer read to the end of the connection splits into status and body.
//! Shared by the checks that fetch from it (tests/ghc from the host, the
//! domU lane from dom0) and the benchmark's load generator.

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

/// An HTTP/1.0 answer: its status line and body.
#[derive(Debug, PartialEq)]
pub struct Response {
    pub status: String,
    pub body: Vec<u8>,
}

/// Splits an answer read to the end of the connection into status line
/// and body; the body's length must equal the header's Content-Length.
pub fn parse_response(all: &[u8]) -> Result<Response, String> {
    let shown = || String::from_utf8_lossy(&all[..all.len().min(200)]).into_owned();
    let end = all.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| format!("no end of header in {:?}", shown()))?;
    let head = String::from_utf8_lossy(&all[..end]);
    let body = all[end + 4..].to_vec();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .ok_or_else(|| format!("no Content-Length in {head:?}"))?;
    let length: usize = length.trim().parse().map_err(|_| format!("a bad Content-Length in {head:?}"))?;
    if length != body.len() {
        return Err(format!("Content-Length {length} but {} bytes of body (header {head:?})", body.len()));
    }
    Ok(Response { status: head.lines().next().unwrap_or("").to_string(), body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_is_split_and_its_length_checked() {
        let r = parse_response(b"HTTP/1.0 200 OK\r\nContent-Length: 8\r\n\r\nhello x\n").unwrap();
        assert_eq!(r, Response { status: "HTTP/1.0 200 OK".into(), body: b"hello x\n".to_vec() });
        let err = parse_response(b"HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nhello x\n").unwrap_err();
        assert!(err.contains("Content-Length 9 but 8 bytes"), "{err}");
        let err = parse_response(b"HTTP/1.0 200 OK\r\nContent-Len").unwrap_err();
        assert!(err.contains("no end of header"), "{err}");
        let err = parse_response(b"HTTP/1.0 200 OK\r\n\r\nx").unwrap_err();
        assert!(err.contains("no Content-Length"), "{err}");
    }

    #[test]
    fn the_big_pattern_is_network_demos() {
        // bigByte 0, 1, 2 and 255 as network-demo computes them.
        assert_eq!([big_byte(0), big_byte(1), big_byte(2), big_byte(255)], [0, 158, 60, 153]);
    }

    #[test]
    fn the_body_has_no_short_period() {
        let body = big_body();
        assert_eq!(body.len(), BIG_SIZE);
        for period in [1, 2, 4, 251, 256, 65536] {
            assert!(body[..4096].iter().zip(&body[period..]).any(|(a, b)| a != b), "period {period}");
        }
    }
}
