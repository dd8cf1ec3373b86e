//! A XenStore client: the wire protocol of Xen's public io/xs_wire.h over
//! the shared ring page the toolstack gives an ordinary domain.
//!
//! Written against a page pointer and a `Link` (tell the store the ring
//! changed; wait for it to act) so that all of it runs in host unit tests
//! against a scripted store. The machine side (the page and event channel
//! from HVM params, waits with a deadline) is xen/store.rs.
//!
//! The store (xenstored in another domain) is not trusted: every index it
//! writes is checked before use (crate::ring), data is only accessed at
//! `index & (RING_SIZE - 1)`, our own indices are kept privately, a reply's
//! length is checked against XENSTORE_PAYLOAD_MAX before anything is read
//! into a buffer, and a reply must carry our request's id and type (or
//! XS_ERROR). Anything else is an `Error`, never an overrun or a panic.
//! After a failure that leaves the byte stream in an unknown state (a
//! timeout, a corrupt index, a reply that is not ours) the client refuses
//! further requests rather than misreading later replies.

use core::fmt;
use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};
use core::sync::atomic::{fence, Ordering};

use crate::ring;

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
pub const XS_READ: u32 = 2;
pub const XS_WATCH: u32 = 4;
pub const XS_WRITE: u32 = 11;
pub const XS_WATCH_EVENT: u32 = 15;
pub const XS_ERROR: u32 = 16;

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
    /// A reply's length is over XENSTORE_PAYLOAD_MAX.
    ReplyTooLong(u32),
    /// A reply that does not belong to the request (its type, request id
    /// or transaction id differ).
    UnexpectedReply { kind: u32, req_id: u32, tx_id: u32 },
    /// A reply whose payload is not what its type promises.
    MalformedReply(&'static str),
    /// The request itself cannot be sent (what is wrong with it).
    BadRequest(&'static str),
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
            Error::ReplyTooLong(len) => write!(f, "a reply claims {len} bytes, more than the {PAYLOAD_MAX} allowed"),
            Error::UnexpectedReply { kind, req_id, tx_id } => {
                write!(f, "a reply of another request arrived (type {kind}, request id {req_id}, transaction {tx_id})")
            }
            Error::MalformedReply(what) => write!(f, "malformed reply: {what}"),
            Error::BadRequest(what) => write!(f, "request not sent: {what}"),
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

    /// Fills all of `buf` from the reply ring, waiting while it is empty.
    fn receive(&mut self, buf: &mut [u8], link: &mut dyn Link) -> Result<(), Error> {
        let mut got = 0;
        while got < buf.len() {
            // SAFETY: as in send().
            let n = unsafe {
                let prod = read_volatile(addr_of!((*self.page).rsp_prod));
                fence(Ordering::Acquire);
                let rsp = &*addr_of!((*self.page).rsp);
                let (n, cons) = ring::consume(rsp, self.rsp_cons, prod, &mut buf[got..])
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
                got += n;
            } else if !link.wait() {
                return Err(Error::TimedOut);
            }
        }
        Ok(())
    }
}

pub struct Client {
    rings: Rings,
    next_req_id: u32,
    broken: bool,
    /// The last reply's payload.
    reply: [u8; PAYLOAD_MAX],
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
        Client { rings: Rings { page, req_prod, rsp_cons }, next_req_id: 1, broken: false, reply: [0; PAYLOAD_MAX] }
    }

    /// The value at `path` (relative paths are under the domain's own
    /// /local/domain/<domid>/).
    pub fn read(&mut self, path: &str, link: &mut dyn Link) -> Result<&[u8], Error> {
        check_path(path)?;
        let len = self.request(XS_READ, &[path.as_bytes(), b"\0"], link)?;
        Ok(&self.reply[..len])
    }

    /// Sets `path` to `value`, creating it if needed.
    pub fn write(&mut self, path: &str, value: &[u8], link: &mut dyn Link) -> Result<(), Error> {
        check_path(path)?;
        let len = self.request(XS_WRITE, &[path.as_bytes(), b"\0", value], link)?;
        match &self.reply[..len] {
            b"OK\0" | b"OK" => Ok(()),
            _ => Err(Error::MalformedReply("the reply to a write is not OK")),
        }
    }

    /// Sends one request and receives its reply into `self.reply`;
    /// returns the reply's length.
    fn request(&mut self, kind: u32, parts: &[&[u8]], link: &mut dyn Link) -> Result<usize, Error> {
        if self.broken {
            return Err(Error::Broken);
        }
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > PAYLOAD_MAX {
            return Err(Error::BadRequest("path and value exceed the store's 4096-byte payload limit"));
        }
        let req_id = self.next_req_id;
        self.next_req_id = self.next_req_id.wrapping_add(1);
        let result = self.exchange(Header { kind, req_id, tx_id: 0, len: len as u32 }, parts, link);
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
            let mut raw = [0u8; HEADER_LEN];
            self.rings.receive(&mut raw, link)?;
            let reply = Header::from_bytes(&raw);
            if reply.len as usize > PAYLOAD_MAX {
                return Err(Error::ReplyTooLong(reply.len));
            }
            let len = reply.len as usize;
            if reply.kind == XS_WATCH_EVENT {
                // Watch events arrive unasked between replies: not ours.
                self.rings.receive(&mut self.reply[..len], link)?;
                continue;
            }
            let ours = reply.req_id == request.req_id && reply.tx_id == request.tx_id;
            if !ours || (reply.kind != request.kind && reply.kind != XS_ERROR) {
                return Err(Error::UnexpectedReply { kind: reply.kind, req_id: reply.req_id, tx_id: reply.tx_id });
            }
            self.rings.receive(&mut self.reply[..len], link)?;
            if reply.kind == XS_ERROR {
                return Err(Error::Refused(error_name(&self.reply[..len])));
            }
            return Ok(len);
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
        return Err(Error::BadRequest("the path is longer than the store accepts"));
    }
    Ok(())
}

/// The errno name of an XS_ERROR payload ("ENOENT\0").
fn error_name(payload: &[u8]) -> &'static str {
    let name = payload.split(|&b| b == 0).next().unwrap_or(b"");
    ERROR_NAMES.iter().find(|n| n.as_bytes() == name).copied().unwrap_or("unknown")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, VecDeque};

    /// A scripted store on the other end of a heap-allocated ring page:
    /// each wait() takes the complete requests from the request ring,
    /// answers each through `respond` (raw reply bytes, so that replies
    /// can be malformed) and moves up to `chunk` bytes of its answers into
    /// the reply ring.
    struct FakeStore {
        page: *mut Interface,
        respond: Box<dyn FnMut(Header, &[u8]) -> Vec<u8>>,
        incoming: Vec<u8>,
        outgoing: VecDeque<u8>,
        chunk: usize,
        waits_left: usize,
        notifies: usize,
        requests: Vec<(Header, Vec<u8>)>,
    }

    fn reply(kind: u32, req_id: u32, payload: &[u8]) -> Vec<u8> {
        let mut v = Header { kind, req_id, tx_id: 0, len: payload.len() as u32 }.to_bytes().to_vec();
        v.extend_from_slice(payload);
        v
    }

    /// A store that keeps values in a map, as xenstored would.
    fn map_store() -> impl FnMut(Header, &[u8]) -> Vec<u8> {
        let mut values: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        move |h, payload| {
            let nul = payload.iter().position(|&b| b == 0).expect("a path ends with NUL");
            let path = payload[..nul].to_vec();
            match h.kind {
                XS_WRITE => {
                    values.insert(path, payload[nul + 1..].to_vec());
                    reply(XS_WRITE, h.req_id, b"OK\0")
                }
                XS_READ => match values.get(&path) {
                    Some(v) => reply(XS_READ, h.req_id, v),
                    None => reply(XS_ERROR, h.req_id, b"ENOENT\0"),
                },
                _ => reply(XS_ERROR, h.req_id, b"ENOSYS\0"),
            }
        }
    }

    impl FakeStore {
        /// A store whose indices all start at `start`.
        fn new(start: u32, respond: impl FnMut(Header, &[u8]) -> Vec<u8> + 'static) -> Box<FakeStore> {
            let page = Box::into_raw(Box::new(Interface {
                req: [0; RING_SIZE],
                rsp: [0; RING_SIZE],
                req_cons: start,
                req_prod: start,
                rsp_cons: start,
                rsp_prod: start,
                server_features: 0,
                connection: 0,
                error: 0,
            }));
            Box::new(FakeStore {
                page,
                respond: Box::new(respond),
                incoming: Vec::new(),
                outgoing: VecDeque::new(),
                chunk: usize::MAX,
                waits_left: 100,
                notifies: 0,
                requests: Vec::new(),
            })
        }

        fn client(&self) -> Client {
            // SAFETY: the page lives as long as the store, which the tests
            // keep alive while the client is used.
            unsafe { Client::new(self.page) }
        }

        fn page(&mut self) -> &mut Interface {
            // SAFETY: allocated in new(); the client only uses it while the
            // store is not running.
            unsafe { &mut *self.page }
        }

        fn serve(&mut self) {
            let p = self.page();
            let (prod, cons) = (p.req_prod, p.req_cons);
            let bytes: Vec<u8> =
                (0..prod.wrapping_sub(cons)).map(|i| p.req[(cons.wrapping_add(i) as usize) & (RING_SIZE - 1)]).collect();
            p.req_cons = prod;
            self.incoming.extend(bytes);
            while self.incoming.len() >= HEADER_LEN {
                let h = Header::from_bytes(self.incoming[..HEADER_LEN].try_into().unwrap());
                let end = HEADER_LEN + h.len as usize;
                if self.incoming.len() < end {
                    break;
                }
                let payload: Vec<u8> = self.incoming.drain(..end).skip(HEADER_LEN).collect();
                let answer = (self.respond)(h, &payload);
                self.requests.push((h, payload));
                self.outgoing.extend(answer);
            }
            let p = self.page();
            let free = RING_SIZE - p.rsp_prod.wrapping_sub(p.rsp_cons) as usize;
            for _ in 0..free.min(self.chunk) {
                let Some(b) = self.outgoing.pop_front() else { break };
                let p = self.page();
                p.rsp[(p.rsp_prod as usize) & (RING_SIZE - 1)] = b;
                p.rsp_prod = p.rsp_prod.wrapping_add(1);
            }
        }
    }

    impl Drop for FakeStore {
        fn drop(&mut self) {
            // SAFETY: allocated by Box::into_raw in new().
            drop(unsafe { Box::from_raw(self.page) });
        }
    }

    impl Link for FakeStore {
        fn notify(&mut self) {
            self.notifies += 1;
        }
        fn wait(&mut self) -> bool {
            if self.waits_left == 0 {
                return false;
            }
            self.waits_left -= 1;
            self.serve();
            true
        }
    }

    #[test]
    fn a_write_then_a_read_round_trip_through_the_store() {
        let mut store = FakeStore::new(0, map_store());
        let mut client = store.client();
        client.write("data/halvm/exit-status", b"42", &mut *store).unwrap();
        assert_eq!(client.read("data/halvm/exit-status", &mut *store).unwrap(), b"42");
        let (write, payload) = &store.requests[0];
        assert_eq!((write.kind, write.tx_id, write.len), (XS_WRITE, 0, 25));
        assert_eq!(payload, b"data/halvm/exit-status\x0042", "path, NUL, value without NUL");
        let read = store.requests[1].0;
        assert_eq!(read.kind, XS_READ);
        assert_ne!(read.req_id, write.req_id, "each request has its own id");
        assert!(store.notifies >= 4, "the store is notified of requests and of consumed replies");
    }

    #[test]
    fn a_reply_split_across_the_wrap_point_arrives_whole() {
        // Indices just short of both the ring's end and u32's, and a store
        // that moves 5 bytes a time: the header itself arrives in pieces.
        let mut store = FakeStore::new(u32::MAX - 10, map_store());
        store.chunk = 5;
        let mut client = store.client();
        client.write("name", b"a domain name", &mut *store).unwrap();
        assert_eq!(client.read("name", &mut *store).unwrap(), b"a domain name");
        assert!(store.page().rsp_prod < 100, "the reply indices wrapped around u32");
    }

    #[test]
    fn messages_larger_than_the_ring_go_through_in_pieces() {
        let mut store = FakeStore::new(0, map_store());
        store.chunk = 300;
        let mut client = store.client();
        let value: Vec<u8> = (0..3000).map(|i| (i % 251) as u8).collect();
        client.write("big", &value, &mut *store).unwrap();
        assert_eq!(client.read("big", &mut *store).unwrap(), &value[..]);
    }

    #[test]
    fn an_error_reply_is_an_error_value_and_the_client_goes_on() {
        let mut store = FakeStore::new(0, map_store());
        let mut client = store.client();
        assert_eq!(client.read("missing", &mut *store), Err(Error::Refused("ENOENT")));
        client.write("x", b"1", &mut *store).unwrap();
        assert_eq!(client.read("x", &mut *store).unwrap(), b"1");
    }

    #[test]
    fn an_error_name_outside_the_list_is_unknown() {
        let mut store = FakeStore::new(0, |h, _| reply(XS_ERROR, h.req_id, b"EWHATEVER\0"));
        let mut client = store.client();
        assert_eq!(client.read("x", &mut *store), Err(Error::Refused("unknown")));
    }

    #[test]
    fn an_oversized_reply_length_is_refused_before_reading_and_breaks_the_client() {
        let mut store = FakeStore::new(0, |h, _| Header { kind: XS_READ, req_id: h.req_id, tx_id: 0, len: 5000 }
            .to_bytes()
            .to_vec());
        let mut client = store.client();
        assert_eq!(client.read("x", &mut *store), Err(Error::ReplyTooLong(5000)));
        assert_eq!(client.read("x", &mut *store), Err(Error::Broken));
        assert_eq!(store.requests.len(), 1, "a broken client sends nothing more");
    }

    #[test]
    fn replies_to_other_requests_are_refused() {
        let mut store = FakeStore::new(0, |h, _| reply(XS_READ, h.req_id + 7, b"v"));
        assert_eq!(store.client().read("x", &mut *store),
                   Err(Error::UnexpectedReply { kind: XS_READ, req_id: 8, tx_id: 0 }));
        let mut store = FakeStore::new(0, |h, _| reply(1 /* XS_DIRECTORY */, h.req_id, b"v"));
        assert_eq!(store.client().read("x", &mut *store),
                   Err(Error::UnexpectedReply { kind: 1, req_id: 1, tx_id: 0 }));
        let mut store = FakeStore::new(0, |h, _| {
            Header { kind: XS_READ, req_id: h.req_id, tx_id: 3, len: 0 }.to_bytes().to_vec()
        });
        assert_eq!(store.client().read("x", &mut *store),
                   Err(Error::UnexpectedReply { kind: XS_READ, req_id: 1, tx_id: 3 }));
    }

    #[test]
    fn a_write_whose_reply_is_not_ok_fails() {
        let mut store = FakeStore::new(0, |h, _| reply(XS_WRITE, h.req_id, b"NO\0"));
        assert!(matches!(store.client().write("x", b"1", &mut *store), Err(Error::MalformedReply(_))));
    }

    #[test]
    fn watch_events_between_replies_are_skipped() {
        let mut store = FakeStore::new(0, |h, _| {
            let mut v = reply(XS_WATCH_EVENT, 0, b"control/shutdown\0token\0");
            v.extend(reply(XS_READ, h.req_id, b"value"));
            v
        });
        let mut client = store.client();
        assert_eq!(client.read("x", &mut *store).unwrap(), b"value");
    }

    #[test]
    fn a_hostile_reply_producer_index_is_an_error() {
        let mut store = FakeStore::new(0, |_, _| Vec::new());
        store.page().rsp_prod = 5000;
        assert_eq!(store.client().read("x", &mut *store),
                   Err(Error::CorruptRing { ring: "reply", prod: 5000, cons: 0 }));
    }

    #[test]
    fn a_hostile_request_consumer_index_is_an_error() {
        let mut store = FakeStore::new(0, |_, _| Vec::new());
        // The consumer claims to be ahead of what we produced.
        store.page().req_cons = 9;
        assert_eq!(store.client().write("x", b"1", &mut *store),
                   Err(Error::CorruptRing { ring: "request", prod: 0, cons: 9 }));
    }

    #[test]
    fn a_store_that_never_answers_times_out() {
        // It takes the request but never replies.
        let mut store = FakeStore::new(0, |_, _| Vec::new());
        store.waits_left = 3;
        assert_eq!(store.client().write("x", b"1", &mut *store), Err(Error::TimedOut));
        assert_eq!(store.waits_left, 0);
        // It never even takes the request: one larger than the ring stops
        // at the full ring, and the wait ends it.
        struct Dead(usize);
        impl Link for Dead {
            fn notify(&mut self) {}
            fn wait(&mut self) -> bool {
                self.0 += 1;
                self.0 < 3
            }
        }
        let store = FakeStore::new(0, |_, _| Vec::new());
        let mut dead = Dead(0);
        assert_eq!(store.client().write("x", &[b'v'; 2000], &mut dead), Err(Error::TimedOut));
        assert_eq!(dead.0, 3);
        // SAFETY: the page outlives this read.
        assert_eq!(unsafe { (*store.page).req_prod }, RING_SIZE as u32, "filled the ring, never more");
    }

    #[test]
    fn bad_requests_are_refused_before_anything_is_sent() {
        let mut store = FakeStore::new(0, map_store());
        let mut client = store.client();
        for (path, value) in [("", &b""[..]), ("a\0b", b""), ("x", &[b'v'; 4095][..])] {
            assert!(matches!(client.write(path, value, &mut *store), Err(Error::BadRequest(_))), "{path:?}");
        }
        assert!(matches!(client.read(&"p".repeat(REL_PATH_MAX + 1), &mut *store), Err(Error::BadRequest(_))));
        assert!(store.requests.is_empty() && store.page().req_prod == 0);
        client.write("x", b"still works", &mut *store).unwrap();
    }

    /// The numbers typed above are Xen's: checked against the installed
    /// io/xs_wire.h (libxen-dev, which rts-xen's build needs anyway).
    #[test]
    fn constants_and_layout_match_xens_header() {
        let header = std::fs::read_to_string("/usr/include/xen/io/xs_wire.h")
            .expect("/usr/include/xen/io/xs_wire.h: install libxen-dev");
        let define = |name: &str| -> usize {
            let line = header.lines().find(|l| l.starts_with(&format!("#define {name} "))).unwrap();
            line.split_whitespace().nth(2).unwrap().parse().unwrap()
        };
        assert_eq!(define("XENSTORE_RING_SIZE"), RING_SIZE);
        assert_eq!(define("XENSTORE_PAYLOAD_MAX"), PAYLOAD_MAX);
        assert_eq!(define("XENSTORE_ABS_PATH_MAX"), ABS_PATH_MAX);
        assert_eq!(define("XENSTORE_REL_PATH_MAX"), REL_PATH_MAX);
        // The enum counts up from XS_CONTROL = 0 until its first explicit value.
        let body = &header[header.find("enum xsd_sockmsg_type").unwrap()..];
        let names: Vec<&str> = body[body.find('{').unwrap() + 1..]
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("XS_") && l.ends_with(','))
            .map(|l| l.trim_end_matches(','))
            .take_while(|l| !l.contains('='))
            .collect();
        let index = |name: &str| names.iter().position(|n| *n == name).unwrap() as u32;
        assert_eq!((index("XS_READ"), index("XS_WATCH"), index("XS_WRITE")), (XS_READ, XS_WATCH, XS_WRITE));
        assert_eq!((index("XS_WATCH_EVENT"), index("XS_ERROR")), (XS_WATCH_EVENT, XS_ERROR));
        let errors = &header[header.find("xsd_errors[]").unwrap()..];
        let listed: Vec<&str> =
            errors.split("XSD_ERROR(").skip(1).map(|s| &s[..s.find(')').unwrap()]).collect();
        assert_eq!(listed, ERROR_NAMES);
        // The page's fields, in order (repr(C) then gives the same layout).
        let body = &header[header.find("struct xenstore_domain_interface {").unwrap()..];
        let body = &body[body.find('{').unwrap() + 1..body.find("};").unwrap()];
        let declared: Vec<String> = body
            .lines()
            .filter_map(|l| l.split(';').next().filter(|_| l.contains(';')))
            .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(declared, ["char req[XENSTORE_RING_SIZE]", "char rsp[XENSTORE_RING_SIZE]",
                              "XENSTORE_RING_IDX req_cons, req_prod", "XENSTORE_RING_IDX rsp_cons, rsp_prod",
                              "uint32_t server_features", "uint32_t connection", "uint32_t error"]);
        assert_eq!(core::mem::size_of::<Interface>(), 2 * RING_SIZE + 7 * 4);
    }
}
