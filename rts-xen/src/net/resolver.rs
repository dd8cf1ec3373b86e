//! One DNS lookup (dns.rs's messages) over a UDP socket of the stack:
//! the query goes to the configured server (Stack::dns_server), and is
//! sent again while no answer comes, TRIES times in all, each wait twice
//! the one before, for at most TIMEOUT. Like the rest of the stack it
//! never blocks: the caller polls `step` and waits (halting) until the
//! instant it returns; api.rs's halvm_net_resolve does that.
//!
//! Only datagrams from the server's address and port are read (the socket
//! is connected to it), and of those only the answer to our question
//! with our id (dns::parse_reply), so a forged datagram has to guess the
//! random id and the socket's ephemeral port. A hand-rolled socket rather
//! than smoltcp's DNS socket: that one always asks port 53, and tests
//! need a server on another port (halvm.dns=A.B.C.D:PORT).

use smoltcp::phy::Device;
use smoltcp::time::{Duration, Instant};

use super::dns::{self, Found, Name, Reply};
use super::stack::{Endpoint, Kind, Stack};
use crate::errno::*;

/// Queries sent at most, and the wait after the first; later waits
/// double: queries at 0, 1 and 3 s, given up at TIMEOUT. glibc's defaults
/// (5 s, 2 tries per server) would make a dead server cost 10 s.
pub const TRIES: u32 = 3;
pub const FIRST_WAIT: Duration = Duration::from_millis(1000);
pub const TIMEOUT: Duration = Duration::from_millis(5000);

pub struct Lookup {
    sock: i32,
    server: Endpoint,
    id: u16,
    name: Name,
    query: [u8; dns::QUERY_MAX],
    query_len: usize,
    sent: u32,
    resend_at: Instant,
    give_up: Instant,
}

/// What a lookup wants next.
#[derive(Debug, PartialEq)]
pub enum Step {
    /// Call `step` again at this instant, or when a packet arrived.
    Wait(Instant),
    /// Finished: the addresses, or a negative errno's number (see
    /// dns::Reply::Failed, and ETIMEDOUT when no answer came).
    Done(Result<Found, i32>),
}

impl Lookup {
    /// Starts looking up `name` (text; see dns::Name::parse) with query
    /// id `id`: EINVAL for a name that cannot be one, EDESTADDRREQ
    /// without a DNS server, or the socket's error.
    pub fn start<D: Device>(stack: &mut Stack<D>, name: &[u8], id: u16, now: Instant) -> Result<Lookup, i32> {
        let name = Name::parse(name).ok_or(EINVAL)?;
        let server = stack.dns_server().ok_or(EDESTADDRREQ)?;
        let sock = stack.socket(Kind::Udp)?;
        if let Err(e) = stack.connect(sock, server, now) {
            let _ = stack.close(sock, now);
            return Err(e);
        }
        let mut query = [0u8; dns::QUERY_MAX];
        let query_len = dns::build_query(id, &name, &mut query);
        Ok(Lookup { sock, server, id, name, query, query_len, sent: 0, resend_at: now, give_up: now + TIMEOUT })
    }

    /// Reads what arrived, sends (again) when due; poll the stack after
    /// it, so that a query leaves at once.
    pub fn step<D: Device>(&mut self, stack: &mut Stack<D>, now: Instant) -> Step {
        let mut buf = [0u8; dns::REPLY_MAX];
        loop {
            match stack.recv(self.sock, &mut buf, false, now) {
                Ok((n, full, from)) => {
                    if from != Some(self.server) {
                        continue;
                    }
                    match dns::parse_reply(&buf[..n], full > n, self.id, &self.name) {
                        Reply::NotOurs => continue,
                        Reply::Found(f) => return Step::Done(Ok(f)),
                        Reply::Failed(e) => return Step::Done(Err(e)),
                    }
                }
                Err(EAGAIN) => break,
                Err(e) => return Step::Done(Err(e)),
            }
        }
        if now >= self.give_up {
            return Step::Done(Err(ETIMEDOUT));
        }
        if self.sent < TRIES && now >= self.resend_at {
            match stack.send(self.sock, &self.query[..self.query_len], None, now) {
                Ok(_) => {
                    self.resend_at = now + FIRST_WAIT * (1 << self.sent);
                    self.sent += 1;
                }
                // the send buffer is full (it never is: one query at a
                // time): try again shortly
                Err(EAGAIN) => self.resend_at = now + Duration::from_millis(10),
                Err(e) => return Step::Done(Err(e)),
            }
        }
        Step::Wait(if self.sent < TRIES { self.resend_at.min(self.give_up) } else { self.give_up })
    }

    /// Queries sent so far.
    pub fn sent(&self) -> u32 {
        self.sent
    }

    /// Releases the socket.
    pub fn finish<D: Device>(self, stack: &mut Stack<D>, now: Instant) {
        let _ = stack.close(self.sock, now);
    }
}

#[cfg(test)]
mod tests;
