//! Linux's errno numbers, as minlibc's errno.h defines them: the one table
//! for every part of rts-xen that returns a negative errno to C (XenStore,
//! event channels, grants, vchan, sockets). Checked against errno.h.

macro_rules! errnos {
    ($($name:ident = $value:expr),* $(,)?) => {
        $(pub const $name: i32 = $value;)*
        /// Every number with its name, for the check against errno.h.
        #[cfg(test)]
        const ALL: &[(&str, i32)] = &[$((stringify!($name), $name)),*];
    };
}

errnos! {
    EPERM = 1, ENOENT = 2, ESRCH = 3, EIO = 5, E2BIG = 7, EBADF = 9, EAGAIN = 11, ENOMEM = 12,
    EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19, EISDIR = 21, EINVAL = 22,
    EMFILE = 24, ENOSPC = 28, EROFS = 30, EPIPE = 32, ERANGE = 34, ENOSYS = 38, ENOTEMPTY = 39,
    ENODATA = 61, EPROTO = 71, EBADMSG = 74, EOVERFLOW = 75, EDESTADDRREQ = 89, EMSGSIZE = 90, ENOPROTOOPT = 92,
    EPROTONOSUPPORT = 93, EOPNOTSUPP = 95, EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETDOWN = 100,
    ENETUNREACH = 101, ECONNRESET = 104, ENOBUFS = 105, EISCONN = 106, ENOTCONN = 107,
    ETIMEDOUT = 110, ECONNREFUSED = 111, EALREADY = 114, EINPROGRESS = 115,
}

#[cfg(test)]
mod tests {
    use super::ALL;

    #[test]
    fn every_number_is_minlibcs() {
        let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../minlibc/include/errno.h")).unwrap();
        for (name, ours) in ALL {
            let line = header
                .lines()
                .find(|l| l.split_whitespace().take(2).eq(["#define", *name]))
                .unwrap_or_else(|| panic!("errno.h lacks {name}"));
            assert_eq!(line.split_whitespace().nth(2).unwrap().parse::<i32>().unwrap(), *ours, "{name}");
        }
    }
}
