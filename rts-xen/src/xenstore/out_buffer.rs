//! Copying a reply into a caller's buffer for the C API: all of it or
//! nothing, so that a caller never mistakes a cut-off value or listing for
//! the whole; the needed size is reported either way.

/// Copies `data`, and a NUL after it when `terminate`, into `buf` if all
/// of that fits; otherwise leaves `buf` untouched. Returns `data.len()`
/// (the caller's buffer must have room for that, plus 1 when
/// `terminate`).
pub fn copy_if_fits(data: &[u8], buf: &mut [u8], terminate: bool) -> usize {
    let needed = data.len() + terminate as usize;
    if needed <= buf.len() {
        buf[..data.len()].copy_from_slice(data);
        if terminate {
            buf[data.len()] = 0;
        }
    }
    data.len()
}

/// Whether a result of copy_if_fits was copied into a buffer of `size`.
pub fn fitted(len: usize, size: usize, terminate: bool) -> bool {
    len + terminate as usize <= size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_into_a_too_small_buffer_reports_its_size_and_copies_nothing() {
        let listing = b"other\0sub\0test\0";
        let mut small = [0xaau8; 10];
        assert_eq!(copy_if_fits(listing, &mut small, false), 15);
        assert_eq!(small, [0xaa; 10], "untouched");
        assert!(!fitted(15, 10, false));
        let mut exact = [0u8; 15];
        assert_eq!(copy_if_fits(listing, &mut exact, false), 15);
        assert_eq!(&exact, listing);
        assert!(fitted(15, 15, false));
    }

    #[test]
    fn a_value_needs_room_for_its_nul() {
        let mut buf = [0xaau8; 5];
        assert_eq!(copy_if_fits(b"hello", &mut buf, true), 5);
        assert_eq!(buf, [0xaa; 5]);
        let mut buf = [0xaau8; 6];
        copy_if_fits(b"hello", &mut buf, true);
        assert_eq!(&buf, b"hello\0");
        let mut none: [u8; 0] = [];
        assert_eq!(copy_if_fits(b"", &mut none, false), 0, "an empty listing fits anywhere");
        assert_eq!(copy_if_fits(b"", &mut none, true), 0);
        assert!(!fitted(0, 0, true));
    }
}
