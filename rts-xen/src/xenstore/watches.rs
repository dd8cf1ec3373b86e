//! The client's watches: which tokens are registered, and the bounded
//! queue of events waiting for the program to take them.
//!
//! Watch events arrive unasked (in the middle of another request's reply
//! stream, or on their own in the event channel's upcall), so they are
//! parsed and queued here, never handed to the program directly. The store
//! is not trusted: an event must be exactly `PATH\0TOKEN\0`, its path must
//! fit a queue slot and its token must be one we registered; anything else
//! is counted and dropped.
//!
//! Tokens on the wire carry a prefix saying whose watch it is: the
//! program's (USER_PREFIX followed by its own token) or the platform's own
//! watch on control/shutdown (PLATFORM_SHUTDOWN_TOKEN), so the two can
//! never be confused whatever tokens the program chooses.

use super::ABS_PATH_MAX;

/// Longest token a program may give a watch (bytes, without NUL).
pub const TOKEN_MAX: usize = 64;
/// How many different tokens may be registered at once.
pub const MAX_TOKENS: usize = 32;
/// How many events wait for the program before newer ones are dropped.
pub const QUEUE_LEN: usize = 16;
/// Prefix of the program's tokens on the wire.
pub const USER_PREFIX: &[u8] = b"u:";
/// The wire token of the platform's watch on control/shutdown.
pub const PLATFORM_SHUTDOWN_TOKEN: &[u8] = b"halvm:control-shutdown";

#[derive(Clone, Copy)]
struct Registered {
    token: [u8; TOKEN_MAX],
    len: usize,
    /// Watches registered with this token (0: the slot is free).
    count: u32,
}

/// One queued event: the path that changed and the program's token.
#[derive(Clone, Copy)]
pub struct Event {
    path: [u8; ABS_PATH_MAX],
    path_len: usize,
    token: [u8; TOKEN_MAX],
    token_len: usize,
}

impl Event {
    pub fn path(&self) -> &[u8] {
        &self.path[..self.path_len]
    }
    pub fn token(&self) -> &[u8] {
        &self.token[..self.token_len]
    }
}

/// What became of one event message.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Delivery {
    /// Queued for the program.
    Queued,
    /// The platform's own control/shutdown watch fired.
    Platform,
    /// The queue was full: the event is lost (and the loss remembered).
    Overflowed,
    /// Not `PATH\0TOKEN\0`, or a path longer than a slot holds.
    Malformed,
    /// A token nobody registered (e.g. an event still in flight after its
    /// watch was removed).
    UnknownToken,
}

pub struct Watches {
    registered: [Registered; MAX_TOKENS],
    queue: [Event; QUEUE_LEN],
    head: usize,
    len: usize,
    /// Events were dropped because the queue was full.
    lost: bool,
    /// The platform's watch fired since the last take_platform_fired().
    platform_fired: bool,
    /// Events dropped as malformed or for an unknown token.
    pub dropped: u32,
}

impl Watches {
    pub const fn new() -> Watches {
        const FREE: Registered = Registered { token: [0; TOKEN_MAX], len: 0, count: 0 };
        const EMPTY: Event = Event { path: [0; ABS_PATH_MAX], path_len: 0, token: [0; TOKEN_MAX], token_len: 0 };
        Watches {
            registered: [FREE; MAX_TOKENS],
            queue: [EMPTY; QUEUE_LEN],
            head: 0,
            len: 0,
            lost: false,
            platform_fired: false,
            dropped: 0,
        }
    }

    /// Counts one more watch with `token`; false when MAX_TOKENS
    /// different tokens are registered already.
    pub fn register(&mut self, token: &[u8]) -> bool {
        debug_assert!(token.len() <= TOKEN_MAX);
        if let Some(r) = self.find(token) {
            r.count += 1;
            return true;
        }
        match self.registered.iter_mut().find(|r| r.count == 0) {
            Some(r) => {
                r.token[..token.len()].copy_from_slice(token);
                r.len = token.len();
                r.count = 1;
                true
            }
            None => false,
        }
    }

    /// Counts one watch with `token` less; false if there is none.
    pub fn unregister(&mut self, token: &[u8]) -> bool {
        match self.find(token) {
            Some(r) => {
                r.count -= 1;
                true
            }
            None => false,
        }
    }

    pub fn is_registered(&self, token: &[u8]) -> bool {
        self.registered.iter().any(|r| r.count > 0 && &r.token[..r.len] == token)
    }

    fn find(&mut self, token: &[u8]) -> Option<&mut Registered> {
        self.registered.iter_mut().find(|r| r.count > 0 && &r.token[..r.len] == token)
    }

    /// Takes one XS_WATCH_EVENT payload.
    pub fn deliver(&mut self, payload: &[u8]) -> Delivery {
        let outcome = self.classify_and_queue(payload);
        if matches!(outcome, Delivery::Malformed | Delivery::UnknownToken) {
            self.dropped = self.dropped.saturating_add(1);
        }
        outcome
    }

    fn classify_and_queue(&mut self, payload: &[u8]) -> Delivery {
        let Some((path, wire_token)) = split_event(payload) else { return Delivery::Malformed };
        if wire_token == PLATFORM_SHUTDOWN_TOKEN {
            self.platform_fired = true;
            return Delivery::Platform;
        }
        let Some(token) = wire_token.strip_prefix(USER_PREFIX) else { return Delivery::UnknownToken };
        if token.len() > TOKEN_MAX || !self.is_registered(token) {
            return Delivery::UnknownToken;
        }
        if path.len() > ABS_PATH_MAX {
            return Delivery::Malformed;
        }
        if self.len == QUEUE_LEN {
            self.lost = true;
            return Delivery::Overflowed;
        }
        let slot = &mut self.queue[(self.head + self.len) % QUEUE_LEN];
        slot.path[..path.len()].copy_from_slice(path);
        slot.path_len = path.len();
        slot.token[..token.len()].copy_from_slice(token);
        slot.token_len = token.len();
        self.len += 1;
        Delivery::Queued
    }

    /// Whether the platform's watch fired since the last call (and
    /// forgets it).
    pub fn take_platform_fired(&mut self) -> bool {
        core::mem::replace(&mut self.platform_fired, false)
    }

    /// Whether events were lost to a full queue since the last call (and
    /// forgets it).
    pub fn take_lost(&mut self) -> bool {
        core::mem::replace(&mut self.lost, false)
    }

    /// Whether events were lost to a full queue (not forgetting it).
    pub fn has_lost(&self) -> bool {
        self.lost
    }

    /// The oldest queued event, left in the queue.
    pub fn front(&self) -> Option<&Event> {
        (self.len > 0).then(|| &self.queue[self.head])
    }

    /// Removes the oldest queued event.
    pub fn pop_front(&mut self) {
        if self.len > 0 {
            self.head = (self.head + 1) % QUEUE_LEN;
            self.len -= 1;
        }
    }

    pub fn queued(&self) -> usize {
        self.len
    }
}

/// `PATH\0TOKEN\0` -> (PATH, TOKEN); None for anything else.
fn split_event(payload: &[u8]) -> Option<(&[u8], &[u8])> {
    let (last, body) = payload.split_last()?;
    if *last != 0 {
        return None;
    }
    let nul = body.iter().position(|&b| b == 0)?;
    let (path, token) = (&body[..nul], &body[nul + 1..]);
    if path.is_empty() || token.is_empty() || token.contains(&0) {
        return None;
    }
    Some((path, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(path: &str, token: &[u8]) -> Vec<u8> {
        let mut v = path.as_bytes().to_vec();
        v.push(0);
        v.extend_from_slice(token);
        v.push(0);
        v
    }

    fn user(token: &str) -> Vec<u8> {
        [USER_PREFIX, token.as_bytes()].concat()
    }

    fn boxed() -> Box<Watches> {
        Box::new(Watches::new())
    }

    #[test]
    fn a_registered_tokens_event_is_queued_with_path_and_token() {
        let mut w = boxed();
        assert!(w.register(b"t1"));
        assert_eq!(w.deliver(&event("data/x", &user("t1"))), Delivery::Queued);
        let e = w.front().unwrap();
        assert_eq!((e.path(), e.token()), (&b"data/x"[..], &b"t1"[..]));
        w.pop_front();
        assert!(w.front().is_none());
    }

    #[test]
    fn malformed_events_are_dropped_and_counted() {
        let mut w = boxed();
        w.register(b"t");
        let t = user("t");
        let long_path = "p".repeat(ABS_PATH_MAX + 1);
        let cases: Vec<Vec<u8>> = vec![
            b"data/x".to_vec(),                          // no NUL at all
            [b"data/x\0".as_slice(), &t].concat(),       // token without its NUL
            b"data/x\0\0".to_vec(),                      // empty token
            [b"\0".as_slice(), &t, b"\0"].concat(),      // empty path
            [b"a\0".as_slice(), &t, b"\0extra\0"].concat(), // more than two strings
            event(&long_path, &t),                       // a path no slot holds
            Vec::new(),
        ];
        for (i, c) in cases.iter().enumerate() {
            assert_eq!(w.deliver(c), Delivery::Malformed, "case {i}");
        }
        assert_eq!(w.dropped, cases.len() as u32);
        assert_eq!(w.queued(), 0);
    }

    #[test]
    fn unknown_tokens_are_dropped() {
        let mut w = boxed();
        w.register(b"mine");
        assert_eq!(w.deliver(&event("a", &user("other"))), Delivery::UnknownToken);
        assert_eq!(w.deliver(&event("a", b"mine")), Delivery::UnknownToken, "without the user prefix");
        assert_eq!(w.deliver(&event("a", &user(&"x".repeat(TOKEN_MAX + 1)))), Delivery::UnknownToken);
        assert_eq!((w.queued(), w.dropped), (0, 3));
        w.unregister(b"mine");
        assert_eq!(w.deliver(&event("a", &user("mine"))), Delivery::UnknownToken, "after its last unwatch");
    }

    #[test]
    fn the_platform_token_is_never_queued() {
        let mut w = boxed();
        assert_eq!(w.deliver(&event("control/shutdown", PLATFORM_SHUTDOWN_TOKEN)), Delivery::Platform);
        assert_eq!(w.queued(), 0);
        assert!(w.take_platform_fired());
        assert!(!w.take_platform_fired(), "reported once");
    }

    #[test]
    fn a_full_queue_keeps_the_oldest_events_and_remembers_the_loss() {
        let mut w = boxed();
        w.register(b"t");
        for i in 0..QUEUE_LEN {
            assert_eq!(w.deliver(&event(&format!("k{i}"), &user("t"))), Delivery::Queued);
        }
        assert_eq!(w.deliver(&event("late", &user("t"))), Delivery::Overflowed);
        assert!(w.take_lost());
        assert!(!w.take_lost());
        for i in 0..QUEUE_LEN {
            assert_eq!(w.front().unwrap().path(), format!("k{i}").as_bytes());
            w.pop_front();
        }
        assert!(w.front().is_none());
        // Room again: the queue wraps around.
        assert_eq!(w.deliver(&event("again", &user("t"))), Delivery::Queued);
        assert_eq!(w.front().unwrap().path(), b"again");
    }

    #[test]
    fn tokens_are_counted_per_watch_and_bounded_in_number() {
        let mut w = boxed();
        assert!(w.register(b"same"));
        assert!(w.register(b"same"));
        assert!(w.unregister(b"same"));
        assert!(w.is_registered(b"same"), "one watch with it is left");
        assert!(w.unregister(b"same"));
        assert!(!w.unregister(b"same"));
        for i in 0..MAX_TOKENS {
            assert!(w.register(format!("t{i}").as_bytes()));
        }
        assert!(!w.register(b"one-too-many"));
        assert!(w.register(b"t0"), "a registered token still counts up");
    }
}
