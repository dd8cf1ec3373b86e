//! A scripted store for the host unit tests, on the other end of a
//! heap-allocated ring page: each wait() takes the complete requests from
//! the request ring, answers each through `respond` (raw reply bytes, so
//! that replies can be malformed) and moves up to `chunk` bytes of its
//! answers into the reply ring. Bytes the store sends unasked (watch
//! events) are pushed with `push`.

use std::collections::{BTreeMap, VecDeque};

use super::*;

pub struct FakeStore {
    pub page: *mut Interface,
    pub respond: Box<dyn FnMut(Header, &[u8]) -> Vec<u8>>,
    incoming: Vec<u8>,
    outgoing: VecDeque<u8>,
    pub chunk: usize,
    pub waits_left: usize,
    pub notifies: usize,
    pub requests: Vec<(Header, Vec<u8>)>,
}

pub fn reply(kind: u32, req_id: u32, payload: &[u8]) -> Vec<u8> {
    reply_in(kind, req_id, 0, payload)
}

pub fn reply_in(kind: u32, req_id: u32, tx_id: u32, payload: &[u8]) -> Vec<u8> {
    let mut v = Header { kind, req_id, tx_id, len: payload.len() as u32 }.to_bytes().to_vec();
    v.extend_from_slice(payload);
    v
}

/// An XS_WATCH_EVENT message for `path` with the wire token `token`.
pub fn watch_event(path: &str, token: &[u8]) -> Vec<u8> {
    let payload = [path.as_bytes(), b"\0", token, b"\0"].concat();
    reply(XS_WATCH_EVENT, 0, &payload)
}

/// The NUL-separated strings of a payload.
pub fn strings(payload: &[u8]) -> Vec<Vec<u8>> {
    let body = payload.strip_suffix(b"\0").unwrap_or(payload);
    body.split(|&b| b == 0).map(<[u8]>::to_vec).collect()
}

/// A store that keeps values, permissions and watches as xenstored would
/// (without transactions' isolation: `conflict_on_commit` decides whether
/// a commit fails with EAGAIN). Writes and removes fire the watches on the
/// path or a parent of it, after the reply, as xenstored does.
pub struct MapStore {
    pub values: BTreeMap<Vec<u8>, Vec<u8>>,
    pub perms: BTreeMap<Vec<u8>, Vec<u8>>,
    pub watches: Vec<(Vec<u8>, Vec<u8>)>,
    pub next_tx: u32,
    pub conflict_on_commit: bool,
}

impl MapStore {
    pub fn new() -> MapStore {
        MapStore { values: BTreeMap::new(), perms: BTreeMap::new(), watches: Vec::new(), next_tx: 7,
                   conflict_on_commit: false }
    }

    fn fire(&self, path: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for (watched, token) in &self.watches {
            let under = path.starts_with(watched) && (path.len() == watched.len() || path[watched.len()] == b'/');
            if under {
                out.extend(watch_event(std::str::from_utf8(path).unwrap(), token));
            }
        }
        out
    }

    pub fn respond(&mut self, h: Header, payload: &[u8]) -> Vec<u8> {
        let ok = |kind| reply_in(kind, h.req_id, h.tx_id, b"OK\0");
        let err = |name: &str| reply_in(XS_ERROR, h.req_id, h.tx_id, format!("{name}\0").as_bytes());
        let nul = payload.iter().position(|&b| b == 0).unwrap_or(payload.len());
        let path = payload[..nul].to_vec();
        let rest = payload.get(nul + 1..).unwrap_or(b"");
        match h.kind {
            XS_WRITE => {
                self.values.insert(path.clone(), rest.to_vec());
                let mut v = ok(XS_WRITE);
                v.extend(self.fire(&path));
                v
            }
            XS_READ => match self.values.get(&path) {
                Some(v) => reply_in(XS_READ, h.req_id, h.tx_id, v),
                None => err("ENOENT"),
            },
            XS_RM => {
                if self.values.remove(&path).is_none() {
                    return err("ENOENT");
                }
                let mut v = ok(XS_RM);
                v.extend(self.fire(&path));
                v
            }
            XS_DIRECTORY => {
                let prefix = [path.as_slice(), b"/"].concat();
                let mut names: Vec<Vec<u8>> = self
                    .values
                    .keys()
                    .filter_map(|k| k.strip_prefix(prefix.as_slice()))
                    .map(|rest| rest.split(|&b| b == b'/').next().unwrap().to_vec())
                    .collect();
                names.dedup();
                let listing: Vec<u8> = names.iter().flat_map(|n| n.iter().copied().chain([0])).collect();
                reply_in(XS_DIRECTORY, h.req_id, h.tx_id, &listing)
            }
            XS_GET_PERMS => match self.perms.get(&path) {
                Some(p) => reply_in(XS_GET_PERMS, h.req_id, h.tx_id, p),
                None => reply_in(XS_GET_PERMS, h.req_id, h.tx_id, b"n0\0"),
            },
            XS_SET_PERMS => {
                self.perms.insert(path, rest.to_vec());
                ok(XS_SET_PERMS)
            }
            XS_WATCH => {
                let token = strings(rest)[0].clone();
                self.watches.push((path.clone(), token.clone()));
                // Fired once at registration, after the reply.
                let mut v = ok(XS_WATCH);
                v.extend(watch_event(std::str::from_utf8(&path).unwrap(), &token));
                v
            }
            XS_UNWATCH => {
                let token = strings(rest)[0].clone();
                let before = self.watches.len();
                self.watches.retain(|(p, t)| !(p == &path && t == &token));
                if self.watches.len() == before { err("ENOENT") } else { ok(XS_UNWATCH) }
            }
            XS_TRANSACTION_START => {
                let id = self.next_tx;
                self.next_tx += 1;
                reply_in(XS_TRANSACTION_START, h.req_id, h.tx_id, format!("{id}\0").as_bytes())
            }
            XS_TRANSACTION_END => {
                if payload == b"T\0" && self.conflict_on_commit {
                    err("EAGAIN")
                } else {
                    ok(XS_TRANSACTION_END)
                }
            }
            _ => err("ENOSYS"),
        }
    }
}

/// A MapStore as a `respond` function.
pub fn map_store() -> impl FnMut(Header, &[u8]) -> Vec<u8> {
    let mut store = MapStore::new();
    move |h, payload| store.respond(h, payload)
}

impl FakeStore {
    /// A store whose indices all start at `start`.
    pub fn new(start: u32, respond: impl FnMut(Header, &[u8]) -> Vec<u8> + 'static) -> Box<FakeStore> {
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

    /// A client of this store's page, boxed (it holds the watch queue).
    pub fn client(&self) -> Box<Client> {
        // SAFETY: the page lives as long as the store, which the tests
        // keep alive while the client is used.
        Box::new(unsafe { Client::new(self.page) })
    }

    pub fn page(&mut self) -> &mut Interface {
        // SAFETY: allocated in new(); the client only uses it while the
        // store is not running.
        unsafe { &mut *self.page }
    }

    /// Sends `bytes` unasked (as much as fits the ring now; the rest with
    /// later waits or pushes).
    pub fn push(&mut self, bytes: &[u8]) {
        self.outgoing.extend(bytes);
        self.flush();
    }

    /// Bytes the store still has to put into the ring.
    pub fn pending(&self) -> usize {
        self.outgoing.len()
    }

    pub fn serve(&mut self) {
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
        self.flush();
    }

    fn flush(&mut self) {
        let p = self.page();
        let free = RING_SIZE - p.rsp_prod.wrapping_sub(p.rsp_cons) as usize;
        for _ in 0..free.min(self.chunk) {
            let Some(b) = self.outgoing.pop_front() else { break };
            let p = self.page();
            p.rsp[(p.rsp_prod as usize) & (RING_SIZE - 1)] = b;
            p.rsp_prod = p.rsp_prod.wrapping_add(1);
        }
    }

    /// The requests of one type, in order.
    pub fn requests_of(&self, kind: u32) -> Vec<(Header, Vec<u8>)> {
        self.requests.iter().filter(|(h, _)| h.kind == kind).cloned().collect()
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
