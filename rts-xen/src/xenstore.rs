//! A XenStore client: the wire protocol of Xen's public io/xs_wire.h over
//! the shared ring page the toolstack gives an ordinary domain.
//!
//! Written against a page pointer and a `Link` (tell the store the ring
//! changed; wait for it to act) so that all of it runs in host unit tests
//! against a scripted store. The machine side (the page and event channel
//! from HVM params, waits with a deadline, the C API) is xen/store.rs and
//! xen/xs_api.rs.
//!
//! The store (xenstored in another domain) is not trusted: every index it
//! writes is checked before use (crate::ring), data is only accessed at
//! `index & (RING_SIZE - 1)`, our own indices are kept privately, a
//! message's length is checked against XENSTORE_PAYLOAD_MAX before anything
//! is read into a buffer, and a reply must carry our request's id and type
//! (or XS_ERROR). Anything else is an `Error`, never an overrun or a panic.
//! After a failure that leaves the byte stream in an unknown state (a
//! timeout, a corrupt index, a reply that is not ours) the client refuses
//! further requests rather than misreading later replies.
//!
//! Messages are received incrementally (a header and payload may arrive
//! over several notifications), so that watch events, which the store
//! sends unasked, can be taken both between a request's reply bytes and on
//! their own from the event channel's upcall (`poll`), without waiting.

use core::fmt;
use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};
use core::sync::atomic::{fence, Ordering};

use crate::ring;

pub mod errno;
pub mod out_buffer;
pub mod path;
pub mod watches;
#[cfg(test)]
pub(crate) mod fake;
#[cfg(test)]
mod tests;

pub use path::Path;
pub use watches::Watches;

/// Bytes in each direction's ring (XENSTORE_RING_SIZE).
pub const RING_SIZE: usize = 1024;
/// The most a message's payload may hold (XENSTORE_PAYLOAD_MAX).
pub const PAYLOAD_MAX: usize = 4096;
/// Longest absolute and relative paths the store accepts
/// (XENSTORE_ABS_PATH_MAX, XENSTORE_REL_PATH_MAX).
pub const ABS_PATH_MAX: usize = 3072;
pub const REL_PATH_MAX: usize = 2048;
/// struct xsd_sockmsg: type, req_id, tx_id, len (u32 each, little-endian
/// on x86).
pub const HEADER_LEN: usize = 16;

/// Message types (enum xsd_sockmsg_type).
pub const XS_DIRECTORY: u32 = 1;
pub const XS_READ: u32 = 2;
pub const XS_GET_PERMS: u32 = 3;
pub const XS_WATCH: u32 = 4;
pub const XS_UNWATCH: u32 = 5;
pub const XS_TRANSACTION_START: u32 = 6;
pub const XS_TRANSACTION_END: u32 = 7;
pub const XS_WRITE: u32 = 11;
pub const XS_RM: u32 = 13;
pub const XS_SET_PERMS: u32 = 14;
pub const XS_WATCH_EVENT: u32 = 15;
pub const XS_ERROR: u32 = 16;

/// A transaction id; 0 is "no transaction".
pub type TxId = u32;

/// struct xenstore_domain_interface: the shared page's layout.
#[repr(C)]
pub struct Interface {
    pub req: [u8; RING_SIZE],
    pub rsp: [u8; RING_SIZE],
    pub req_cons: u32,
    pub req_prod: u32,
    pub rsp_cons: u32,
    pub rsp_prod: u32,
    pub server_features: u32,
    pub connection: u32,
    pub error: u32,
}

/// How the client reaches the store beyond the shared page.
pub trait Link {
    /// Tells the store that the ring changed (the event channel).
    fn notify(&mut self);
    /// Waits for the store to act, or a short while; false once the
    /// request's time is up.
    fn wait(&mut self) -> bool;
}

/// The errno names a store replies with (xsd_errors in xs_wire.h).
const ERROR_NAMES: [&str; 16] = [
    "EINVAL", "EACCES", "EEXIST", "EISDIR", "ENOENT", "ENOMEM", "ENOSPC", "EIO", "ENOTEMPTY", "ENOSYS", "EROFS",
    "EBUSY", "EAGAIN", "EISCONN", "E2BIG", "EPERM",
];

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Error {
    /// The store refused the request with XS_ERROR and this errno name
    /// (`"unknown"` for a name xs_wire.h does not list).
    Refused(&'static str),
    /// The store did not answer in time.
    TimedOut,
    /// An index the store wrote claims more than the ring holds.
    CorruptRing { ring: &'static str, prod: u32, cons: u32 },
    /// A message's length is over XENSTORE_PAYLOAD_MAX.
    ReplyTooLong(u32),
    /// A reply that does not belong to the request (its type, request id
    /// or transaction id differ), or one that came when none was asked.
    UnexpectedReply { kind: u32, req_id: u32, tx_id: u32 },
    /// A reply whose payload is not what its type promises.
    MalformedReply(&'static str),
    /// The request itself cannot be sent (what is wrong with it).
    BadRequest(&'static str),
    /// The request is larger than the store accepts (what is).
    TooLarge(&'static str),
    /// A bounded table of the client is full (which).
    Full(&'static str),
    /// An unwatch for a token that no watch of ours has.
    NotWatched,
    /// An earlier failure left the connection in an unknown state.
    Broken,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match *self {
            Error::Refused(name) => write!(f, "the store refused the request ({name})"),
            Error::TimedOut => write!(f, "the store did not answer in time"),
            Error::CorruptRing { ring, prod, cons } => {
                write!(f, "the store's {ring} ring indices are corrupt (prod {prod}, cons {cons})")
            }
            Error::ReplyTooLong(len) => write!(f, "a message claims {len} bytes, more than the {PAYLOAD_MAX} allowed"),
            Error::UnexpectedReply { kind, req_id, tx_id } => {
                write!(f, "a reply of another request arrived (type {kind}, request id {req_id}, transaction {tx_id})")
            }
            Error::MalformedReply(what) => write!(f, "malformed reply: {what}"),
            Error::BadRequest(what) => write!(f, "request not sent: {what}"),
            Error::TooLarge(what) => write!(f, "request not sent: {what}"),
            Error::Full(what) => write!(f, "request not sent: {what}"),
            Error::NotWatched => write!(f, "no watch has that token"),
            Error::Broken => write!(f, "an earlier failure left the connection unusable"),
        }
    }
}

/// The four header words of a message.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Header {
    pub kind: u32,
    pub req_id: u32,
    pub tx_id: u32,
    pub len: u32,
}

impl Header {
    pub fn to_bytes(self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        for (i, w) in [self.kind, self.req_id, self.tx_id, self.len].into_iter().enumerate() {
            b[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
        }
        b
    }

    pub fn from_bytes(b: &[u8; HEADER_LEN]) -> Header {
        let w = |i: usize| u32::from_le_bytes([b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]]);
        Header { kind: w(0), req_id: w(1), tx_id: w(2), len: w(3) }
    }
}

/// Our side of the two rings: the shared page and our private indices.
struct Rings {
    page: *mut Interface,
    req_prod: u32,
    rsp_cons: u32,
}

impl Rings {
    /// Puts all of `bytes` into the request ring, waiting while it is full.
    fn send(&mut self, mut bytes: &[u8], link: &mut dyn Link) -> Result<(), Error> {
        while !bytes.is_empty() {
            // SAFETY: the page is valid for the client's life (Client::new).
            let written = unsafe {
                let cons = read_volatile(addr_of!((*self.page).req_cons));
                fence(Ordering::Acquire);
                let req = &mut *addr_of_mut!((*self.page).req);
                let (n, prod) = ring::produce(req, self.req_prod, cons, bytes)
                    .map_err(|c| Error::CorruptRing { ring: "request", prod: c.prod, cons: c.cons })?;
                if n > 0 {
                    fence(Ordering::Release);
                    write_volatile(addr_of_mut!((*self.page).req_prod), prod);
                    self.req_prod = prod;
                }
                n
            };
            if written > 0 {
                link.notify();
                bytes = &bytes[written..];
            } else if !link.wait() {
                return Err(Error::TimedOut);
            }
        }
        Ok(())
    }

    /// Moves what the reply ring holds, up to `buf.len()` bytes, into
    /// `buf` without waiting; returns the count.
    fn receive_some(&mut self, buf: &mut [u8], link: &mut dyn Link) -> Result<usize, Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        // SAFETY: as in send().
        let n = unsafe {
            let prod = read_volatile(addr_of!((*self.page).rsp_prod));
            fence(Ordering::Acquire);
            let rsp = &*addr_of!((*self.page).rsp);
            let (n, cons) = ring::consume(rsp, self.rsp_cons, prod, buf)
                .map_err(|c| Error::CorruptRing { ring: "reply", prod: c.prod, cons: c.cons })?;
            if n > 0 {
                fence(Ordering::Release);
                write_volatile(addr_of_mut!((*self.page).rsp_cons), cons);
                self.rsp_cons = cons;
            }
            n
        };
        if n > 0 {
            link.notify();
        }
        Ok(n)
    }
}

pub struct Client {
    rings: Rings,
    next_req_id: u32,
    broken: bool,
    /// The message being received: its header, and how many of its bytes
    /// (header and payload) have arrived.
    rx_header: [u8; HEADER_LEN],
    rx_got: usize,
    /// The payload of the message being received, or of the last reply.
    reply: [u8; PAYLOAD_MAX],
    pub watches: Watches,
}

impl Client {
    /// A client of the ring page at `page`, continuing from the indices
    /// found there (zero on a fresh page).
    ///
    /// # Safety
    /// `page` must point to a xenstore_domain_interface that stays mapped
    /// for as long as the client is used.
    pub unsafe fn new(page: *mut Interface) -> Client {
        let req_prod = read_volatile(addr_of!((*page).req_prod));
        let rsp_cons = read_volatile(addr_of!((*page).rsp_cons));
        Client {
            rings: Rings { page, req_prod, rsp_cons },
            next_req_id: 1,
            broken: false,
            rx_header: [0; HEADER_LEN],
            rx_got: 0,
            reply: [0; PAYLOAD_MAX],
            watches: Watches::new(),
        }
    }

    /// The value at `path` (relative paths are under the domain's own
    /// /local/domain/<domid>/).
    pub fn read(&mut self, tx: TxId, path: &str, link: &mut dyn Link) -> Result<&[u8], Error> {
        check_path(path)?;
        let len = self.request(XS_READ, tx, &[path.as_bytes(), b"\0"], link)?;
        Ok(&self.reply[..len])
    }

    /// The value at `path` as a decimal number (a domain id, a grant
    /// reference, a port, a XenBus state).
    pub fn read_u32(&mut self, tx: TxId, path: &str, link: &mut dyn Link) -> Result<u32, Error> {
        let value = self.read(tx, path, link)?;
        parse_u32(value).ok_or(Error::MalformedReply("the value is not a decimal number of at most 32 bits"))
    }

    /// Sets `path` to `value` in decimal, as read_u32 reads it.
    pub fn write_u32(&mut self, tx: TxId, path: &str, value: u32, link: &mut dyn Link) -> Result<(), Error> {
        let mut digits = [0u8; 10];
        self.write(tx, path, decimal(value, &mut digits), link)
    }

    /// Sets `path` to `value`, creating it (and missing parents) if needed.
    pub fn write(&mut self, tx: TxId, path: &str, value: &[u8], link: &mut dyn Link) -> Result<(), Error> {
        check_path(path)?;
        let len = self.request(XS_WRITE, tx, &[path.as_bytes(), b"\0", value], link)?;
        self.expect_ok(len, "the reply to a write is not OK")
    }

    /// Removes `path` and everything under it.
    pub fn remove(&mut self, tx: TxId, path: &str, link: &mut dyn Link) -> Result<(), Error> {
        check_path(path)?;
        let len = self.request(XS_RM, tx, &[path.as_bytes(), b"\0"], link)?;
        self.expect_ok(len, "the reply to a remove is not OK")
    }

    /// The names of `path`'s children, each followed by a NUL (empty when
    /// it has none).
    pub fn directory(&mut self, tx: TxId, path: &str, link: &mut dyn Link) -> Result<&[u8], Error> {
        check_path(path)?;
        let len = self.request(XS_DIRECTORY, tx, &[path.as_bytes(), b"\0"], link)?;
        let list = nul_terminated_list(&self.reply[..len])
            .ok_or(Error::MalformedReply("a directory listing is not a list of NUL-terminated names"))?;
        Ok(list)
    }

    /// `path`'s permissions in the wire format: entries such as `n0` or
    /// `r5`, each followed by a NUL.
    pub fn get_perms(&mut self, tx: TxId, path: &str, link: &mut dyn Link) -> Result<&[u8], Error> {
        check_path(path)?;
        let len = self.request(XS_GET_PERMS, tx, &[path.as_bytes(), b"\0"], link)?;
        match nul_terminated_list(&self.reply[..len]) {
            Some(list) if !list.is_empty() && list.split(|&b| b == 0).filter(|e| !e.is_empty()).all(valid_perm) => {
                Ok(list)
            }
            _ => Err(Error::MalformedReply("a permission list is not NUL-terminated entries like n0 or r5")),
        }
    }

    /// Sets `path`'s permissions; `perms` holds the entries (`n0`, `r5`,
    /// ...), each followed by a NUL, the first naming the owner.
    pub fn set_perms(&mut self, tx: TxId, path: &str, perms: &[u8], link: &mut dyn Link) -> Result<(), Error> {
        check_path(path)?;
        match nul_terminated_list(perms) {
            Some(list) if !list.is_empty() && list.split(|&b| b == 0).filter(|e| !e.is_empty()).all(valid_perm) => {}
            _ => return Err(Error::BadRequest("permissions must be NUL-terminated entries like n0 or r5")),
        }
        let len = self.request(XS_SET_PERMS, tx, &[path.as_bytes(), b"\0", perms], link)?;
        self.expect_ok(len, "the reply to a permission change is not OK")
    }

    /// Starts a transaction; returns its id.
    pub fn transaction_start(&mut self, link: &mut dyn Link) -> Result<TxId, Error> {
        let len = self.request(XS_TRANSACTION_START, 0, &[b"\0"], link)?;
        parse_decimal_id(&self.reply[..len]).ok_or(Error::MalformedReply("a transaction id is not a non-zero number"))
    }

    /// Ends transaction `tx`, committing it or not. A commit that
    /// conflicts with another change is `Refused("EAGAIN")`: the caller
    /// runs the transaction again.
    pub fn transaction_end(&mut self, tx: TxId, commit: bool, link: &mut dyn Link) -> Result<(), Error> {
        if tx == 0 {
            return Err(Error::BadRequest("transaction 0 is no transaction"));
        }
        let len = self.request(XS_TRANSACTION_END, tx, &[if commit { b"T\0" } else { b"F\0" }], link)?;
        self.expect_ok(len, "the reply to a transaction end is not OK")
    }

    /// Watches `path` (and everything under it) for the program; events
    /// come with `token` into `self.watches`.
    pub fn watch(&mut self, path: &str, token: &[u8], link: &mut dyn Link) -> Result<(), Error> {
        check_path(path)?;
        check_token(token)?;
        // Registered first: the store fires every new watch once, and the
        // event may come right behind the reply.
        if !self.watches.register(token) {
            return Err(Error::Full("as many different watch tokens as rts-xen keeps are in use"));
        }
        let result = self.watch_request(XS_WATCH, path, &[watches::USER_PREFIX, token], link);
        if result.is_err() {
            self.watches.unregister(token);
        }
        result
    }

    /// Removes the program's watch of `path` with `token`. Events already
    /// queued stay queued.
    pub fn unwatch(&mut self, path: &str, token: &[u8], link: &mut dyn Link) -> Result<(), Error> {
        check_path(path)?;
        check_token(token)?;
        if !self.watches.is_registered(token) {
            return Err(Error::NotWatched);
        }
        self.watch_request(XS_UNWATCH, path, &[watches::USER_PREFIX, token], link)?;
        self.watches.unregister(token);
        Ok(())
    }

    /// The platform's own watch on `path`, whose events set
    /// `watches.take_platform_fired()` instead of being queued.
    pub fn watch_for_platform(&mut self, path: &str, link: &mut dyn Link) -> Result<(), Error> {
        check_path(path)?;
        self.watch_request(XS_WATCH, path, &[watches::PLATFORM_SHUTDOWN_TOKEN], link)
    }

    fn watch_request(&mut self, kind: u32, path: &str, token: &[&[u8]], link: &mut dyn Link) -> Result<(), Error> {
        let mut parts: [&[u8]; 5] = [path.as_bytes(), b"\0", b"", b"", b"\0"];
        parts[2..2 + token.len()].copy_from_slice(token);
        let len = self.request(kind, 0, &parts, link)?;
        self.expect_ok(len, "the reply to a watch request is not OK")
    }

    /// Takes whatever messages the reply ring holds without waiting: watch
    /// events go to `self.watches`; a reply, when no request is
    /// outstanding, breaks the client. A message only partly there stays
    /// half-received for the next call (or the next request).
    pub fn poll(&mut self, link: &mut dyn Link) -> Result<(), Error> {
        if self.broken {
            return Err(Error::Broken);
        }
        let result = self.poll_messages(link);
        if result.is_err() {
            self.broken = true;
        }
        result
    }

    fn poll_messages(&mut self, link: &mut dyn Link) -> Result<(), Error> {
        while let Some(h) = self.next_message(link, false)? {
            if h.kind != XS_WATCH_EVENT {
                return Err(Error::UnexpectedReply { kind: h.kind, req_id: h.req_id, tx_id: h.tx_id });
            }
            self.watches.deliver(&self.reply[..h.len as usize]);
        }
        Ok(())
    }

    pub fn is_broken(&self) -> bool {
        self.broken
    }

    fn expect_ok(&self, len: usize, what: &'static str) -> Result<(), Error> {
        match &self.reply[..len] {
            b"OK\0" | b"OK" => Ok(()),
            _ => Err(Error::MalformedReply(what)),
        }
    }

    /// Sends one request and receives its reply into `self.reply`;
    /// returns the reply's length.
    fn request(&mut self, kind: u32, tx: TxId, parts: &[&[u8]], link: &mut dyn Link) -> Result<usize, Error> {
        if self.broken {
            return Err(Error::Broken);
        }
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > PAYLOAD_MAX {
            return Err(Error::TooLarge("path and value exceed the store's 4096-byte payload limit"));
        }
        let req_id = self.next_req_id;
        self.next_req_id = self.next_req_id.wrapping_add(1);
        let result = self.exchange(Header { kind, req_id, tx_id: tx, len: len as u32 }, parts, link);
        // A refusal is a complete, well-formed reply: the stream is intact.
        if matches!(result, Err(e) if !matches!(e, Error::Refused(_))) {
            self.broken = true;
        }
        result
    }

    fn exchange(&mut self, request: Header, parts: &[&[u8]], link: &mut dyn Link) -> Result<usize, Error> {
        self.rings.send(&request.to_bytes(), link)?;
        for part in parts {
            self.rings.send(part, link)?;
        }
        loop {
            let reply = self.next_message(link, true)?.ok_or(Error::TimedOut)?;
            let len = reply.len as usize;
            if reply.kind == XS_WATCH_EVENT {
                // Watch events arrive unasked between replies.
                self.watches.deliver(&self.reply[..len]);
                continue;
            }
            let ours = reply.req_id == request.req_id && reply.tx_id == request.tx_id;
            if !ours || (reply.kind != request.kind && reply.kind != XS_ERROR) {
                return Err(Error::UnexpectedReply { kind: reply.kind, req_id: reply.req_id, tx_id: reply.tx_id });
            }
            if reply.kind == XS_ERROR {
                return Err(Error::Refused(error_name(&self.reply[..len])));
            }
            return Ok(len);
        }
    }

    /// Continues receiving the current message: its header, checked as
    /// soon as it is complete, then its payload into `self.reply`. Returns
    /// the header once the whole message is in; without `block`, None when
    /// the ring runs dry first.
    fn next_message(&mut self, link: &mut dyn Link, block: bool) -> Result<Option<Header>, Error> {
        loop {
            let mut moved = 0;
            if self.rx_got < HEADER_LEN {
                moved = self.rings.receive_some(&mut self.rx_header[self.rx_got..], link)?;
                self.rx_got += moved;
            }
            if self.rx_got >= HEADER_LEN {
                let header = Header::from_bytes(&self.rx_header);
                let len = header.len as usize;
                if len > PAYLOAD_MAX {
                    return Err(Error::ReplyTooLong(header.len));
                }
                let have = self.rx_got - HEADER_LEN;
                let n = self.rings.receive_some(&mut self.reply[have..len], link)?;
                self.rx_got += n;
                moved += n;
                if self.rx_got == HEADER_LEN + len {
                    self.rx_got = 0;
                    return Ok(Some(header));
                }
            }
            if moved == 0 {
                if !block {
                    return Ok(None);
                }
                if !link.wait() {
                    return Err(Error::TimedOut);
                }
            }
        }
    }
}

/// Refuses paths the store would reject or that would break the message.
fn check_path(path: &str) -> Result<(), Error> {
    if path.is_empty() || path.contains('\0') {
        return Err(Error::BadRequest("a path must be non-empty and contain no NUL byte"));
    }
    let max = if path.starts_with('/') { ABS_PATH_MAX } else { REL_PATH_MAX };
    if path.len() > max {
        return Err(Error::TooLarge("the path is longer than the store accepts"));
    }
    Ok(())
}

fn check_token(token: &[u8]) -> Result<(), Error> {
    if token.is_empty() || token.contains(&0) {
        return Err(Error::BadRequest("a watch token must be non-empty and contain no NUL byte"));
    }
    if token.len() > watches::TOKEN_MAX {
        return Err(Error::TooLarge("a watch token is longer than 64 bytes"));
    }
    Ok(())
}

/// A payload of NUL-terminated strings, as is (a lone NUL, which some
/// stores send for an empty list, is the empty list); None when the last
/// string lacks its NUL.
fn nul_terminated_list(payload: &[u8]) -> Option<&[u8]> {
    match payload {
        [] | [0] => Some(&[]),
        [.., 0] => Some(payload),
        _ => None,
    }
}

/// One permission entry: n (none), r (read), w (write) or b (both), then a
/// domain id in decimal.
fn valid_perm(entry: &[u8]) -> bool {
    match entry.split_first() {
        Some((b'n' | b'r' | b'w' | b'b', id)) => parse_decimal(id).is_some_and(|d| d <= u16::MAX as u64),
        _ => false,
    }
}

fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0u64, |v, d| v * 10 + (d - b'0') as u64))
}

/// A transaction id reply: decimal digits, optionally NUL-terminated,
/// neither 0 nor above u32.
fn parse_decimal_id(payload: &[u8]) -> Option<u32> {
    let digits = payload.strip_suffix(b"\0").unwrap_or(payload);
    parse_decimal(digits).filter(|&v| v != 0).and_then(|v| u32::try_from(v).ok())
}

/// A decimal number stored as a value (such as the domain id): digits
/// only, at most u32.
pub fn parse_u32(value: &[u8]) -> Option<u32> {
    parse_decimal(value).and_then(|v| u32::try_from(v).ok())
}

/// `value`'s decimal digits, at the end of `buf` (u32::MAX has 10).
fn decimal(mut value: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            return &buf[at..];
        }
    }
}

/// The errno name of an XS_ERROR payload ("ENOENT\0").
fn error_name(payload: &[u8]) -> &'static str {
    let name = payload.split(|&b| b == 0).next().unwrap_or(b"");
    ERROR_NAMES.iter().find(|n| n.as_bytes() == name).copied().unwrap_or("unknown")
}
