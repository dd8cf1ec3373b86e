//! The negative errno values the C API (include/halvm/xen.h) returns for
//! the client's errors. The numbers are Linux's, which minlibc's errno.h
//! uses too (checked by the test below).

use super::Error;

pub const EPERM: i32 = 1;
pub const ENOENT: i32 = 2;
pub const EIO: i32 = 5;
pub const E2BIG: i32 = 7;
pub const EAGAIN: i32 = 11;
pub const ENOMEM: i32 = 12;
pub const EACCES: i32 = 13;
pub const EBUSY: i32 = 16;
pub const EEXIST: i32 = 17;
pub const ENODEV: i32 = 19;
pub const EISDIR: i32 = 21;
pub const EINVAL: i32 = 22;
pub const ENOSPC: i32 = 28;
pub const EROFS: i32 = 30;
pub const ERANGE: i32 = 34;
pub const ENOSYS: i32 = 38;
pub const ENOTEMPTY: i32 = 39;
pub const EOVERFLOW: i32 = 75;
pub const EISCONN: i32 = 106;
pub const ETIMEDOUT: i32 = 110;

/// The errno of an XS_ERROR reply's name; EIO for a name we do not know.
pub fn of_store_name(name: &str) -> i32 {
    match name {
        "EINVAL" => EINVAL,
        "EACCES" => EACCES,
        "EEXIST" => EEXIST,
        "EISDIR" => EISDIR,
        "ENOENT" => ENOENT,
        "ENOMEM" => ENOMEM,
        "ENOSPC" => ENOSPC,
        "EIO" => EIO,
        "ENOTEMPTY" => ENOTEMPTY,
        "ENOSYS" => ENOSYS,
        "EROFS" => EROFS,
        "EBUSY" => EBUSY,
        "EAGAIN" => EAGAIN,
        "EISCONN" => EISCONN,
        "E2BIG" => E2BIG,
        "EPERM" => EPERM,
        _ => EIO,
    }
}

/// The (positive) errno for a client error.
pub fn of(e: Error) -> i32 {
    match e {
        Error::Refused(name) => of_store_name(name),
        Error::TimedOut => ETIMEDOUT,
        Error::BadRequest(_) => EINVAL,
        Error::TooLarge(_) => E2BIG,
        Error::Full(_) => ENOSPC,
        Error::NotWatched => ENOENT,
        // The store broke the protocol, or did so before: nothing the
        // caller can fix by asking differently.
        Error::CorruptRing { .. }
        | Error::ReplyTooLong(_)
        | Error::UnexpectedReply { .. }
        | Error::MalformedReply(_)
        | Error::Broken => EIO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_store_error_name_has_its_own_errno() {
        let mut seen: Vec<i32> = super::super::ERROR_NAMES.iter().map(|n| of_store_name(n)).collect();
        assert_eq!(of_store_name("EIO"), EIO);
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), super::super::ERROR_NAMES.len(), "two names share an errno");
        assert_eq!(of_store_name("EWHATEVER"), EIO);
    }

    /// Every number above is minlibc's (the C side's errno.h).
    #[test]
    fn numbers_match_minlibcs_errno_h() {
        let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../minlibc/include/errno.h")).unwrap();
        let value = |name: &str| -> i32 {
            let line = header
                .lines()
                .find(|l| l.split_whitespace().take(2).eq(["#define", name]))
                .unwrap_or_else(|| panic!("errno.h lacks {name}"));
            line.split_whitespace().nth(2).unwrap().parse().unwrap()
        };
        for (name, ours) in [
            ("EPERM", EPERM), ("ENOENT", ENOENT), ("EIO", EIO), ("E2BIG", E2BIG), ("EAGAIN", EAGAIN),
            ("ENOMEM", ENOMEM), ("EACCES", EACCES), ("EBUSY", EBUSY), ("EEXIST", EEXIST), ("ENODEV", ENODEV),
            ("EISDIR", EISDIR), ("EINVAL", EINVAL), ("ENOSPC", ENOSPC), ("EROFS", EROFS), ("ERANGE", ERANGE),
            ("ENOSYS", ENOSYS), ("ENOTEMPTY", ENOTEMPTY), ("EOVERFLOW", EOVERFLOW), ("EISCONN", EISCONN),
            ("ETIMEDOUT", ETIMEDOUT),
        ] {
            assert_eq!(value(name), ours, "{name}");
        }
    }
}
