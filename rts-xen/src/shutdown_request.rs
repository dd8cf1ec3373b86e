//! Shutdown requests of the toolstack: `xl shutdown` writes "poweroff" to
//! the guest's control/shutdown key, `xl reboot` "reboot". The platform
//! watches that key (xen/control.rs); when the watch fires, `service`
//! reads the key, acknowledges a non-empty value by writing "" back (as
//! Linux does; the toolstack sees the guest took it) and records a
//! request, which the program takes once through halvm_shutdown_take().
//!
//! - "poweroff" asks for a poweroff, "reboot" for a reboot;
//! - "" is no request: the store fires every watch once when it is
//!   registered, and our own acknowledgement fires it again;
//! - any other value (suspend, halt, sysrq, ...) is acknowledged and
//!   reported as not supported: nothing else happens (platform.h says so;
//!   xl itself only ever writes poweroff and reboot here, plus suspend).
//!
//! The first request is delivered to the program and starts the grace
//! period. Later requests are acknowledged; they are not delivered again
//! once the program took one (a second `xl shutdown` must not interrupt the
//! program's clean-up), and do not extend the grace period, but the latest
//! reason is the one the domain shuts down with.
//!
//! Pure logic over the XenStore client, so that it runs in host tests.

use core::sync::atomic::{AtomicU8, Ordering};

use crate::xenstore::{Client, Error, Link};

/// The key, relative to the domain's /local/domain/<domid>/.
pub const CONTROL_SHUTDOWN: &str = "control/shutdown";
/// What the guest advertises so that the toolstack uses the key.
pub const FEATURE_KEYS: [&str; 2] = ["control/feature-poweroff", "control/feature-reboot"];

/// halvm_shutdown_reason's values (platform.h).
pub const NONE: u8 = 0;
pub const POWEROFF: u8 = 1;
pub const REBOOT: u8 = 2;

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Reason {
    Poweroff,
    Reboot,
}

impl Reason {
    pub fn code(self) -> u8 {
        match self {
            Reason::Poweroff => POWEROFF,
            Reason::Reboot => REBOOT,
        }
    }

    pub fn from_code(code: u8) -> Option<Reason> {
        match code {
            POWEROFF => Some(Reason::Poweroff),
            REBOOT => Some(Reason::Reboot),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Reason::Poweroff => "poweroff",
            Reason::Reboot => "reboot",
        }
    }
}

/// What a value of control/shutdown asks for.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Meaning {
    Nothing,
    Request(Reason),
    Unsupported,
}

pub fn meaning(value: &[u8]) -> Meaning {
    // Some writers include the C string's NUL.
    match value.strip_suffix(b"\0").unwrap_or(value) {
        b"" => Meaning::Nothing,
        b"poweroff" => Meaning::Request(Reason::Poweroff),
        b"reboot" => Meaning::Request(Reason::Reboot),
        _ => Meaning::Unsupported,
    }
}

/// The requests received: the one the program has not taken yet, and the
/// reason the domain is to shut down with. Atomic bytes, because the tick
/// (interrupt context) and the idle loop (normal context) both take.
pub struct Requests {
    pending: AtomicU8,
    requested: AtomicU8,
}

impl Requests {
    pub const fn new() -> Requests {
        Requests { pending: AtomicU8::new(NONE), requested: AtomicU8::new(NONE) }
    }

    /// The request not taken yet (each is returned once), or NONE.
    pub fn take(&self) -> u8 {
        self.pending.swap(NONE, Ordering::AcqRel)
    }

    /// Whether a request waits to be taken.
    pub fn is_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire) != NONE
    }

    /// The reason of the latest request, if any arrived.
    pub fn requested(&self) -> Option<Reason> {
        Reason::from_code(self.requested.load(Ordering::Acquire))
    }

    /// Records a request; true if it is the first.
    pub fn record(&self, reason: Reason) -> bool {
        let first = self.requested.swap(reason.code(), Ordering::AcqRel) == NONE;
        if first {
            self.pending.store(reason.code(), Ordering::Release);
        } else {
            // Not taken yet: the program gets the latest reason.
            let _ = self.pending.fetch_update(Ordering::AcqRel, Ordering::Acquire, |p| {
                (p != NONE).then_some(reason.code())
            });
        }
        first
    }
}

/// A bounded copy of an unsupported value, printable on the console.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Shown {
    bytes: [u8; 32],
    len: usize,
    cut: bool,
}

impl Shown {
    fn of(value: &[u8]) -> Shown {
        let mut s = Shown { bytes: [0; 32], len: 0, cut: value.len() > 32 };
        for &b in value.iter().take(32) {
            // The store's bytes are not trusted onto the console as they are.
            s.bytes[s.len] = if b.is_ascii_graphic() || b == b' ' { b } else { b'?' };
            s.len += 1;
        }
        s
    }

    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("?")
    }

    pub fn cut(&self) -> bool {
        self.cut
    }
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Outcome {
    /// The key was empty (or gone): nothing asked.
    Nothing,
    /// A request, recorded (`first`: it started the grace period) and
    /// acknowledged.
    Requested { reason: Reason, first: bool },
    /// A value we do not support, acknowledged.
    Unsupported(Shown),
}

/// Handles one firing of the control/shutdown watch. A request is recorded
/// before its acknowledgement is written, so that a failing write loses
/// nothing; the write's error is returned after that.
pub fn service(client: &mut Client, link: &mut dyn Link, requests: &Requests) -> Result<Outcome, Error> {
    let outcome = match client.read(0, CONTROL_SHUTDOWN, link) {
        Ok(value) => match meaning(value) {
            Meaning::Nothing => return Ok(Outcome::Nothing),
            Meaning::Request(reason) => Outcome::Requested { reason, first: requests.record(reason) },
            Meaning::Unsupported => Outcome::Unsupported(Shown::of(value)),
        },
        // The toolstack removed it (or never made it): nothing asked.
        Err(Error::Refused("ENOENT")) => return Ok(Outcome::Nothing),
        Err(e) => return Err(e),
    };
    client.write(0, CONTROL_SHUTDOWN, b"", link)?;
    Ok(outcome)
}

/// Advertises the requests we honour and watches the key: at start-up.
pub fn advertise_and_watch(client: &mut Client, link: &mut dyn Link) -> Result<(), (&'static str, Error)> {
    for key in FEATURE_KEYS {
        client.write(0, key, b"1", link).map_err(|e| (key, e))?;
    }
    client.watch_for_platform(CONTROL_SHUTDOWN, link).map_err(|e| (CONTROL_SHUTDOWN, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xenstore::fake::*;
    use crate::xenstore::{XS_READ, XS_WATCH, XS_WRITE};

    /// A store with the toolstack's empty control/shutdown, a client that
    /// advertised and registered its watch, and the registration's event
    /// served (finding "").
    fn started() -> (Box<FakeStore>, Box<Client>, Requests) {
        let mut map = MapStore::new();
        map.values.insert(b"control/shutdown".to_vec(), Vec::new());
        let mut store = FakeStore::new(0, move |h, p| map.respond(h, p));
        let mut client = store.client();
        advertise_and_watch(&mut client, &mut *store).unwrap();
        let requests = Requests::new();
        client.poll(&mut *store).unwrap();
        assert!(client.watches.take_platform_fired(), "the store fires the watch at registration");
        assert_eq!(service(&mut client, &mut *store, &requests), Ok(Outcome::Nothing));
        (store, client, requests)
    }

    /// dom0 writes `value` to the key; the guest services the event.
    fn toolstack_writes(value: &str, store: &mut FakeStore, client: &mut Client, requests: &Requests) -> Outcome {
        let event = watch_event("control/shutdown", crate::xenstore::watches::PLATFORM_SHUTDOWN_TOKEN);
        store.push(&event);
        // What xl does: the value goes into the store (written here as the
        // store's own state through a request of the test's).
        set(store, value);
        client.poll(store).unwrap();
        assert!(client.watches.take_platform_fired());
        service(client, store, requests).unwrap()
    }

    /// Puts `value` at control/shutdown directly in the map, as dom0 would.
    fn set(store: &mut FakeStore, value: &str) {
        let h = crate::xenstore::Header { kind: XS_WRITE, req_id: 999, tx_id: 0, len: 0 };
        let payload = [b"control/shutdown\0".as_slice(), value.as_bytes()].concat();
        (store.respond)(h, &payload);
    }

    fn acks(store: &FakeStore) -> usize {
        store.requests_of(XS_WRITE).iter().filter(|(_, p)| p.as_slice() == b"control/shutdown\0").count()
    }

    #[test]
    fn start_up_advertises_poweroff_and_reboot_and_watches_the_key() {
        let (store, _, requests) = started();
        let writes: Vec<Vec<u8>> = store.requests_of(XS_WRITE).into_iter().map(|(_, p)| p).collect();
        assert_eq!(writes, [b"control/feature-poweroff\x001".to_vec(), b"control/feature-reboot\x001".to_vec()]);
        assert_eq!(store.requests_of(XS_WATCH).len(), 1);
        assert_eq!(acks(&store), 0, "an empty key is not acknowledged");
        assert_eq!(requests.take(), NONE);
    }

    #[test]
    fn poweroff_is_a_request_taken_once_and_acknowledged() {
        let (mut store, mut client, requests) = started();
        let outcome = toolstack_writes("poweroff", &mut store, &mut client, &requests);
        assert_eq!(outcome, Outcome::Requested { reason: Reason::Poweroff, first: true });
        assert_eq!(acks(&store), 1);
        assert_eq!(requests.take(), POWEROFF);
        assert_eq!(requests.take(), NONE, "each request is returned once");
        assert_eq!(requests.requested(), Some(Reason::Poweroff), "the reason for the exit stays");
        // Our acknowledgement fires the watch again: the key is "" now.
        client.poll(&mut *store).unwrap();
        assert!(client.watches.take_platform_fired());
        assert_eq!(service(&mut client, &mut *store, &requests), Ok(Outcome::Nothing));
        assert_eq!(acks(&store), 1, "no acknowledgement of our own acknowledgement");
    }

    #[test]
    fn reboot_is_a_request_and_halt_is_not_supported() {
        let (mut store, mut client, requests) = started();
        let outcome = toolstack_writes("reboot", &mut store, &mut client, &requests);
        assert_eq!(outcome, Outcome::Requested { reason: Reason::Reboot, first: true });
        assert_eq!(requests.take(), REBOOT);
        let (mut store, mut client, requests) = started();
        let outcome = toolstack_writes("halt", &mut store, &mut client, &requests);
        assert!(matches!(outcome, Outcome::Unsupported(_)), "{outcome:?}");
        assert_eq!((requests.take(), requests.requested()), (NONE, None));
        assert_eq!(acks(&store), 1);
    }

    #[test]
    fn suspend_is_acknowledged_and_reported_but_no_request() {
        let (mut store, mut client, requests) = started();
        let outcome = toolstack_writes("suspend", &mut store, &mut client, &requests);
        let Outcome::Unsupported(shown) = outcome else { panic!("{outcome:?}") };
        assert_eq!(shown.as_str(), "suspend");
        assert_eq!(acks(&store), 1);
        assert_eq!((requests.take(), requests.requested()), (NONE, None));
    }

    #[test]
    fn an_unsupported_value_is_shown_bounded_and_sanitised() {
        let shown = Shown::of(b"sys\x1b[2Jrq and then a very long tail of text");
        assert_eq!(shown.as_str(), "sys?[2Jrq and then a very long t");
        assert!(shown.cut());
    }

    #[test]
    fn repeated_requests_are_acknowledged_but_delivered_once_and_the_latest_reason_counts() {
        let (mut store, mut client, requests) = started();
        toolstack_writes("poweroff", &mut store, &mut client, &requests);
        assert_eq!(requests.take(), POWEROFF);
        let again = toolstack_writes("poweroff", &mut store, &mut client, &requests);
        assert_eq!(again, Outcome::Requested { reason: Reason::Poweroff, first: false });
        assert_eq!(requests.take(), NONE, "not delivered again once taken");
        toolstack_writes("reboot", &mut store, &mut client, &requests);
        assert_eq!(requests.requested(), Some(Reason::Reboot), "the domain reboots after all");
        assert_eq!(requests.take(), NONE);
        assert_eq!(acks(&store), 3);
    }

    #[test]
    fn a_request_not_yet_taken_gets_the_latest_reason() {
        let requests = Requests::new();
        assert!(requests.record(Reason::Poweroff));
        assert!(requests.is_pending());
        assert!(!requests.record(Reason::Reboot));
        assert_eq!(requests.take(), REBOOT);
        assert!(!requests.is_pending());
    }

    #[test]
    fn a_missing_key_is_no_request_and_a_failed_acknowledgement_still_records() {
        let mut store = FakeStore::new(0, map_store());
        let mut client = store.client();
        let requests = Requests::new();
        assert_eq!(service(&mut client, &mut *store, &requests), Ok(Outcome::Nothing));
        // A store that answers the read but refuses the write.
        let mut store = FakeStore::new(0, |h, _| match h.kind {
            XS_READ => reply(XS_READ, h.req_id, b"poweroff"),
            _ => reply(crate::xenstore::XS_ERROR, h.req_id, b"EACCES\0"),
        });
        let mut client = store.client();
        assert_eq!(service(&mut client, &mut *store, &requests), Err(Error::Refused("EACCES")));
        assert_eq!(requests.take(), POWEROFF);
    }

    #[test]
    fn values_and_their_meaning() {
        assert_eq!(meaning(b"poweroff\0"), Meaning::Request(Reason::Poweroff));
        assert_eq!(meaning(b""), Meaning::Nothing);
        assert_eq!(meaning(b"\0"), Meaning::Nothing);
        assert_eq!(meaning(b"Poweroff"), Meaning::Unsupported);
        assert_eq!(meaning(b"s3"), Meaning::Unsupported);
    }
}
