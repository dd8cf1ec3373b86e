//! The domain's own XenStore connection, for ordinary domains (domU): the
//! ring page and event channel the toolstack recorded in the HVM params
//! STORE_PFN and STORE_EVTCHN, and requests whose every wait is bounded by
//! a deadline. The protocol itself is crate::xenstore.
//!
//! Xen's initial domain gets no store connection: its xenstored, if any,
//! is started later by that domain itself (and under the tests' PVH dom0
//! there is none), so nothing here runs there, nor under bare QEMU.

use core::fmt::Write;
use core::ptr::addr_of_mut;

use super::abi::{HVM_PARAM_STORE_EVTCHN, HVM_PARAM_STORE_PFN};
use crate::xenstore::{self, Client, Interface, Link};
use crate::console::MessageBuf;
use crate::{cpu, time, timer};

/// The guest's key for its exit status, relative to its own
/// /local/domain/<domid>/ (the toolstack lets a guest write under data/).
pub const EXIT_STATUS_KEY: &str = "data/halvm/exit-status";
/// How long exit waits for the store: a healthy xenstored answers in
/// milliseconds, and a missing or stuck one must not hold up the exit.
const EXIT_RECORD_TIMEOUT_NS: u64 = 2_000_000_000;
/// A halted wait also ends after this long, so that a lost notification
/// costs a millisecond, not the whole deadline.
const HALT_SLICE_NS: u64 = 1_000_000;

/// Why the domain has no store connection.
#[derive(Clone, Copy)]
pub enum Unavailable {
    NotSetUp,
    NoParams,
    PageOutOfReach(u64),
}

impl core::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        match self {
            Unavailable::NotSetUp => write!(f, "the XenStore connection is not set up yet"),
            Unavailable::NoParams => {
                write!(f, "the domain has no XenStore ring (HVM params STORE_PFN/STORE_EVTCHN unset)")
            }
            Unavailable::PageOutOfReach(pfn) => {
                write!(f, "the XenStore ring page (frame {pfn:#x}) is not below 4 GiB, where rts-xen maps memory")
            }
        }
    }
}

struct Store {
    client: Result<Client, Unavailable>,
    port: u32,
}
/// Set once at start-up, then used with interrupts off (one CPU).
static mut STORE: Store = Store { client: Err(Unavailable::NotSetUp), port: 0 };

/// Finds the store's ring and event channel (after events::init, so that
/// its notifications can end a halt).
pub fn init() {
    let pfn = super::hvm_get_param(HVM_PARAM_STORE_PFN);
    let port = super::hvm_get_param(HVM_PARAM_STORE_EVTCHN);
    let (client, port) = match (pfn, port) {
        (Ok(pfn), Ok(port)) if pfn != 0 && port != 0 && port <= u32::MAX as u64 => {
            if pfn >= 1 << 20 {
                (Err(Unavailable::PageOutOfReach(pfn)), 0)
            } else {
                // SAFETY: the page lies in the first 4 GiB, which the boot
                // page tables identity-map; Xen keeps it for the domain.
                (Ok(unsafe { Client::new((pfn << 12) as *mut Interface) }), port as u32)
            }
        }
        _ => (Err(Unavailable::NoParams), 0),
    };
    if port != 0 {
        super::events::unmask(port);
    }
    cpu::without_interrupts(|| {
        // SAFETY: start-up, interrupts off: nothing else uses STORE.
        unsafe { *addr_of_mut!(STORE) = Store { client, port } };
    });
}

/// Waits through the event channel until a deadline: halting when the
/// caller was in normal context (the store's event or the timer ends the
/// halt), else polling the clock and yielding the CPU to the store's domain.
struct Deadline {
    port: u32,
    deadline: u64,
    may_halt: bool,
}

impl Link for Deadline {
    fn notify(&mut self) {
        super::events::notify(self.port);
    }

    fn wait(&mut self) -> bool {
        let now = time::monotonic_ns();
        if now >= self.deadline {
            return false;
        }
        if self.may_halt {
            timer::halt_with_interrupts_off(self.deadline.min(now + HALT_SLICE_NS));
        } else {
            super::sched_yield();
        }
        true
    }
}

#[derive(Clone, Copy)]
pub enum RecordError {
    Unavailable(Unavailable),
    Store(xenstore::Error),
}

impl core::fmt::Display for RecordError {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        match self {
            RecordError::Unavailable(u) => u.fmt(f),
            RecordError::Store(e) => e.fmt(f),
        }
    }
}

/// Writes `status` to EXIT_STATUS_KEY, waiting at most
/// EXIT_RECORD_TIMEOUT_NS. Must be called with interrupts off; `may_halt`
/// says whether the caller had them on (normal context), so that waits
/// may halt with interrupts on.
pub fn record_exit_status(status: u8, may_halt: bool) -> Result<(), RecordError> {
    // SAFETY: interrupts are off and there is one CPU: no other access.
    let store = unsafe { &mut *addr_of_mut!(STORE) };
    let client = store.client.as_mut().map_err(|u| RecordError::Unavailable(*u))?;
    let mut link = Deadline { port: store.port, deadline: time::monotonic_ns() + EXIT_RECORD_TIMEOUT_NS, may_halt };
    let mut value = MessageBuf::new();
    let _ = write!(value, "{status}");
    client.write(EXIT_STATUS_KEY, value.as_bytes(), &mut link).map_err(RecordError::Store)
}
