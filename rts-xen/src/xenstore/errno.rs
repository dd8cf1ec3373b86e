//! Which errno the C API (include/halvm/xen.h) returns for each of the
//! client's errors; the numbers themselves are crate::errno's.

use super::Error;

pub use crate::errno::*;

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
}
