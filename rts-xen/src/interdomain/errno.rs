//! The errno values the event-channel, grant-table and vchan calls return
//! beyond those of crate::xenstore::errno (Linux's numbers, as minlibc's
//! errno.h; checked by the test below).

pub use crate::xenstore::errno::{EACCES, EAGAIN, EBUSY, EEXIST, EINVAL, EIO, ENODEV, ENOENT, ENOMEM, ENOSPC, EPERM};

pub const ESRCH: i32 = 3;
pub const EBADF: i32 = 9;
pub const EFAULT: i32 = 14;
pub const EPIPE: i32 = 32;
pub const EPROTO: i32 = 71;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_match_minlibcs_errno_h() {
        let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../minlibc/include/errno.h")).unwrap();
        for (name, ours) in [("ESRCH", ESRCH), ("EBADF", EBADF), ("EFAULT", EFAULT), ("EPIPE", EPIPE), ("EPROTO", EPROTO)] {
            let line = header
                .lines()
                .find(|l| l.split_whitespace().take(2).eq(["#define", name]))
                .unwrap_or_else(|| panic!("errno.h lacks {name}"));
            assert_eq!(line.split_whitespace().nth(2).unwrap().parse::<i32>().unwrap(), ours, "{name}");
        }
    }
}
