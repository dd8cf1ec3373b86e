//! The Xen PV console ring protocol (io/console.h), as pure functions over
//! a ring buffer and index values, so that it can be tested on the host.
//!
//! The other side of the ring (the console backend in another domain) is
//! not trusted: indices it writes are validated before use, data is only
//! ever accessed at `index & (size - 1)` within the buffer, and our own
//! index is kept privately instead of being read back from shared memory.

/// The other side's index claims more bytes in flight than the ring holds.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct CorruptRing {
    pub prod: u32,
    pub cons: u32,
}

/// Bytes in flight between `cons` and `prod`, or an error when that is
/// more than the ring can hold (a hostile or broken peer).
pub fn in_flight(prod: u32, cons: u32, size: usize) -> Result<usize, CorruptRing> {
    debug_assert!(size.is_power_of_two());
    let used = prod.wrapping_sub(cons) as usize;
    if used > size { Err(CorruptRing { prod, cons }) } else { Ok(used) }
}

/// Copies as much of `data` into the output ring as fits without
/// overwriting unconsumed bytes. `prod` is our (private) producer index,
/// `cons` the consumer index read from the peer. Returns the number of
/// bytes written and the new producer index.
pub fn produce(ring: &mut [u8], prod: u32, cons: u32, data: &[u8]) -> Result<(usize, u32), CorruptRing> {
    let size = ring.len();
    let free = size - in_flight(prod, cons, size)?;
    let n = free.min(data.len());
    for (i, &b) in data[..n].iter().enumerate() {
        ring[(prod.wrapping_add(i as u32) as usize) & (size - 1)] = b;
    }
    Ok((n, prod.wrapping_add(n as u32)))
}

/// Copies pending bytes out of the input ring into `buf`. `cons` is our
/// (private) consumer index, `prod` the producer index read from the peer.
/// Returns the number of bytes read and the new consumer index.
pub fn consume(ring: &[u8], cons: u32, prod: u32, buf: &mut [u8]) -> Result<(usize, u32), CorruptRing> {
    let size = ring.len();
    let n = in_flight(prod, cons, size)?.min(buf.len());
    for (i, slot) in buf[..n].iter_mut().enumerate() {
        *slot = ring[(cons.wrapping_add(i as u32) as usize) & (size - 1)];
    }
    Ok((n, cons.wrapping_add(n as u32)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn produce_never_overwrites_unconsumed_bytes() {
        let mut ring = [0u8; 8];
        let (n, prod) = produce(&mut ring, 0, 0, b"abcdefghij").unwrap();
        assert_eq!((n, prod), (8, 8));
        // Full: nothing more fits until the consumer moves.
        assert_eq!(produce(&mut ring, prod, 0, b"x").unwrap(), (0, 8));
        let (n, prod) = produce(&mut ring, prod, 3, b"XYZW").unwrap();
        assert_eq!((n, prod), (3, 11));
        assert_eq!(&ring, b"XYZdefgh");
    }

    #[test]
    fn indices_wrap_around_u32() {
        let mut ring = [0u8; 4];
        let start = u32::MAX - 1;
        let (n, prod) = produce(&mut ring, start, start, b"wxyz").unwrap();
        assert_eq!((n, prod), (4, 2));
        let mut out = [0u8; 8];
        let (n, cons) = consume(&ring, start, prod, &mut out).unwrap();
        assert_eq!((n, cons), (4, 2));
        assert_eq!(&out[..4], b"wxyz");
    }

    #[test]
    fn hostile_indices_are_rejected_not_followed() {
        let mut ring = [0u8; 8];
        // Consumer index "ahead" of our producer: would mean negative use.
        assert_eq!(produce(&mut ring, 5, 9, b"a"), Err(CorruptRing { prod: 5, cons: 9 }));
        // Producer claims more than the ring holds.
        let mut buf = [0u8; 64];
        assert_eq!(consume(&ring, 0, 1000, &mut buf), Err(CorruptRing { prod: 1000, cons: 0 }));
    }

    #[test]
    fn consume_stops_at_buffer_size() {
        let ring = *b"01234567";
        let mut buf = [0u8; 3];
        assert_eq!(consume(&ring, 6, 10, &mut buf).unwrap(), (3, 9));
        assert_eq!(&buf, b"670");
    }
}
