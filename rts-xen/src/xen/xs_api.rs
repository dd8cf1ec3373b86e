//! The C API of include/halvm/xen.h: the domain's identity and XenStore
//! for programs and Haskell libraries, on the domain's own connection
//! (xen/store.rs). Errors are negative errno values (xenstore/errno.rs);
//! without a store connection (dom0, bare QEMU) every call is -ENODEV.

use core::ffi::{c_char, c_int, c_long, c_void};

use super::store::{self, Access, Deadline};
use crate::cpu;
use crate::xenstore::errno::{self, E2BIG, EBUSY, EINVAL, ENODEV, EOVERFLOW, ERANGE};
use crate::xenstore::out_buffer::copy_if_fits;
use crate::xenstore::{self as xs, Client, ABS_PATH_MAX, PAYLOAD_MAX};

/// How long one call waits for the store at most; then -ETIMEDOUT, and
/// the connection is unusable (-EIO) from then on.
const CALL_TIMEOUT_NS: u64 = 5_000_000_000;

/// Runs `f` on the client; errors as positive errno values (vchan.rs's
/// XenStore calls go through here too).
pub(super) fn call<R>(f: impl FnOnce(&mut Client, &mut Deadline) -> Result<R, xs::Error>) -> Result<R, c_int> {
    // Normal context halts while it waits; called with interrupts off (not
    // allowed, but not to be made worse), it polls.
    match store::with_client(CALL_TIMEOUT_NS, cpu::interrupts_enabled(), f) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(errno::of(e)),
        Err(Access::Unavailable(_)) => Err(ENODEV),
        Err(Access::Busy) => Err(EBUSY),
    }
}

fn status(r: Result<(), c_int>) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => -e,
    }
}

fn length(r: Result<usize, c_int>) -> c_long {
    match r {
        Ok(n) => n as c_long,
        Err(e) => -(e as c_long),
    }
}

/// A C string of at most `max` bytes, as &str.
unsafe fn c_str<'a>(p: *const c_char, max: usize) -> Result<&'a str, c_int> {
    if p.is_null() {
        return Err(EINVAL);
    }
    let mut len = 0;
    while *p.add(len) != 0 {
        if len == max {
            return Err(E2BIG);
        }
        len += 1;
    }
    core::str::from_utf8(core::slice::from_raw_parts(p as *const u8, len)).map_err(|_| EINVAL)
}

unsafe fn path_arg<'a>(p: *const c_char) -> Result<&'a str, c_int> {
    c_str(p, ABS_PATH_MAX)
}

/// The caller's output buffer (NULL is allowed with size 0).
unsafe fn out<'a>(buf: *mut c_char, size: usize) -> Result<&'a mut [u8], c_int> {
    if size == 0 {
        return Ok(&mut []);
    }
    if buf.is_null() {
        return Err(EINVAL);
    }
    Ok(core::slice::from_raw_parts_mut(buf as *mut u8, size))
}

/// A read-like request whose reply is copied out whole or not at all.
unsafe fn read_into(buf: *mut c_char, size: usize, terminate: bool,
                    f: impl for<'a> FnOnce(&'a mut Client, &mut Deadline) -> Result<&'a [u8], xs::Error>) -> c_long {
    let dest = match out(buf, size) {
        Ok(d) => d,
        Err(e) => return -(e as c_long),
    };
    // (f's reply borrows the client: copied before the client is left)
    length(call(|client, link| f(client, link).map(|data| copy_if_fits(data, dest, terminate))))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_xen_domid(domid: *mut u32) -> c_int {
    if domid.is_null() {
        return -EINVAL;
    }
    let id = call(|client, link| client.read_u32(0, "domid", link));
    status(id.map(|id| *domid = id))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_xen_name(buf: *mut c_char, size: usize) -> c_long {
    read_into(buf, size, true, |client, link| client.read(0, "name", link))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_xs_read(tx: u32, path: *const c_char, buf: *mut c_char, size: usize) -> c_long {
    let path = match path_arg(path) {
        Ok(p) => p,
        Err(e) => return -(e as c_long),
    };
    read_into(buf, size, true, |client, link| client.read(tx, path, link))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_xs_write(tx: u32, path: *const c_char, value: *const c_void, len: usize) -> c_int {
    let path = match path_arg(path) {
        Ok(p) => p,
        Err(e) => return -e,
    };
    if len > PAYLOAD_MAX {
        return -E2BIG;
    }
    if value.is_null() && len > 0 {
        return -EINVAL;
    }
    let value: &[u8] = if len == 0 { &[] } else { core::slice::from_raw_parts(value as *const u8, len) };
    status(call(|client, link| client.write(tx, path, value, link)))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_xs_remove(tx: u32, path: *const c_char) -> c_int {
    match path_arg(path) {
        Ok(path) => status(call(|client, link| client.remove(tx, path, link))),
        Err(e) => -e,
    }
}

#[no_mangle]
pub unsafe extern "C" fn halvm_xs_directory(tx: u32, path: *const c_char, buf: *mut c_char, size: usize) -> c_long {
    let path = match path_arg(path) {
        Ok(p) => p,
        Err(e) => return -(e as c_long),
    };
    read_into(buf, size, false, |client, link| client.directory(tx, path, link))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_xs_get_perms(tx: u32, path: *const c_char, buf: *mut c_char, size: usize) -> c_long {
    let path = match path_arg(path) {
        Ok(p) => p,
        Err(e) => return -(e as c_long),
    };
    read_into(buf, size, false, |client, link| client.get_perms(tx, path, link))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_xs_set_perms(tx: u32, path: *const c_char, perms: *const c_char, len: usize) -> c_int {
    let path = match path_arg(path) {
        Ok(p) => p,
        Err(e) => return -e,
    };
    if perms.is_null() || len == 0 {
        return -EINVAL;
    }
    if len > PAYLOAD_MAX {
        return -E2BIG;
    }
    let perms = core::slice::from_raw_parts(perms as *const u8, len);
    status(call(|client, link| client.set_perms(tx, path, perms, link)))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_xs_transaction_start(tx: *mut u32) -> c_int {
    if tx.is_null() {
        return -EINVAL;
    }
    status(call(|client, link| client.transaction_start(link)).map(|id| *tx = id))
}

#[no_mangle]
pub extern "C" fn halvm_xs_transaction_end(tx: u32, commit: c_int) -> c_int {
    status(call(|client, link| client.transaction_end(tx, commit != 0, link)))
}

#[no_mangle]
pub unsafe extern "C" fn halvm_xs_watch(path: *const c_char, token: *const c_char) -> c_int {
    match (path_arg(path), c_str(token, xs::watches::TOKEN_MAX)) {
        (Ok(path), Ok(token)) => status(call(|client, link| client.watch(path, token.as_bytes(), link))),
        (Err(e), _) | (_, Err(e)) => -e,
    }
}

#[no_mangle]
pub unsafe extern "C" fn halvm_xs_unwatch(path: *const c_char, token: *const c_char) -> c_int {
    match (path_arg(path), c_str(token, xs::watches::TOKEN_MAX)) {
        (Ok(path), Ok(token)) => status(call(|client, link| client.unwatch(path, token.as_bytes(), link))),
        (Err(e), _) | (_, Err(e)) => -e,
    }
}

#[no_mangle]
pub unsafe extern "C" fn halvm_xs_watch_take(path: *mut c_char, path_size: usize, token: *mut c_char,
                                             token_size: usize) -> c_int {
    let (Ok(path), Ok(token)) = (out(path, path_size), out(token, token_size)) else { return -EINVAL };
    let taken = call(|client, _| {
        let w = &mut client.watches;
        if w.take_lost() {
            return Ok(-EOVERFLOW);
        }
        let Some(e) = w.front() else { return Ok(0) };
        if e.path().len() >= path.len() || e.token().len() >= token.len() {
            return Ok(-ERANGE);
        }
        copy_if_fits(e.path(), path, true);
        copy_if_fits(e.token(), token, true);
        w.pop_front();
        Ok(1)
    });
    match taken {
        Ok(r) => r,
        Err(e) => -e,
    }
}
