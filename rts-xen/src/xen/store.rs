//! The domain's own XenStore connection, for ordinary domains (domU): the
//! ring page and event channel the toolstack recorded in the HVM params
//! STORE_PFN and STORE_EVTCHN, and requests whose every wait is bounded by
//! a deadline. The protocol itself is crate::xenstore; the C API on top of
//! this is xen/xs_api.rs, the shutdown requests xen/control.rs.
//!
//! Xen's initial domain gets no store connection: its xenstored, if any,
//! is started later by that domain itself (and under the tests' PVH dom0
//! there is none), so nothing here runs there, nor under bare QEMU.
//!
//! Who uses the client, and how they are kept apart (one CPU): requests
//! from normal context run with interrupts off; the store's event-channel
//! upcall (interrupt context) takes unasked watch events and services the
//! control/shutdown watch, so that a busy program that never waits still
//! sees a shutdown request. A request in normal context may halt waiting
//! for its reply, and the upcall then runs in the middle of it: `BUSY`
//! marks the client as in use, and an upcall that finds it so leaves the
//! ring alone (the request takes any watch event it meets, and every
//! request ends by taking what is left).

use core::fmt::Write;
use core::mem::MaybeUninit;
use core::ptr::{addr_of, addr_of_mut};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use super::abi::{HVM_PARAM_STORE_EVTCHN, HVM_PARAM_STORE_PFN};
use crate::console::MessageBuf;
use crate::shutdown_request::{self, Outcome};
use crate::xenstore::{self, Client, Interface, Link};
use crate::{cpu, time, timer};

/// The guest's key for its exit status, relative to its own
/// /local/domain/<domid>/ (the toolstack lets a guest write under data/).
pub const EXIT_STATUS_KEY: &str = "data/halvm/exit-status";
/// How long exit waits for the store: a healthy xenstored answers in
/// milliseconds, and a missing or stuck one must not hold up the exit.
const EXIT_RECORD_TIMEOUT_NS: u64 = 2_000_000_000;
/// How long start-up waits for the store (advertising the shutdown
/// features and watching control/shutdown: three requests).
const START_TIMEOUT_NS: u64 = 2_000_000_000;
/// How long the upcall may spend servicing a control/shutdown event (a
/// read and a write, polled with interrupts off).
const SERVICE_TIMEOUT_NS: u64 = 1_000_000_000;
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

/// Why a use of the client did not happen.
#[derive(Clone, Copy)]
pub enum Access {
    Unavailable(Unavailable),
    /// The client is in the middle of a request (only seen from interrupt
    /// context, which interrupted that request's wait).
    Busy,
}

impl core::fmt::Display for Access {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        match self {
            Access::Unavailable(u) => u.fmt(f),
            Access::Busy => write!(f, "the XenStore client is in the middle of another request"),
        }
    }
}

/// Whether CLIENT holds the client (Ok), else why not. Set once at
/// start-up, then read with interrupts off (one CPU).
static mut STATUS: Result<(), Unavailable> = Err(Unavailable::NotSetUp);
/// The client: written at start-up before STATUS becomes Ok, read only
/// once it is, with interrupts off and only while BUSY is held. Kept apart
/// from STATUS as uninitialized storage so that it lands in .bss: a
/// `Result<Client, Unavailable>` static has an initializer that is not all
/// zero bytes, which put all of its ~56 KB (the reply buffer) into .data,
/// that is into every image.
static mut CLIENT: MaybeUninit<Client> = MaybeUninit::uninit();
static PORT: AtomicU32 = AtomicU32::new(0);
static BUSY: AtomicBool = AtomicBool::new(false);

/// The store's event channel (0: none).
pub fn port() -> u32 {
    PORT.load(Ordering::Relaxed)
}

/// Whether a request is in progress (an interrupt handler must then leave
/// the client alone).
pub fn busy() -> bool {
    BUSY.load(Ordering::Acquire)
}

/// Finds the store's ring and event channel (after events::init, so that
/// its notifications can end a halt), then advertises the shutdown
/// requests the guest honours and watches control/shutdown.
pub fn init() {
    let pfn = super::hvm_get_param(HVM_PARAM_STORE_PFN);
    let port = super::hvm_get_param(HVM_PARAM_STORE_EVTCHN);
    let (page, port) = match (pfn, port) {
        (Ok(pfn), Ok(port)) if pfn != 0 && port != 0 && port <= u32::MAX as u64 => {
            if pfn >= 1 << 20 {
                (Err(Unavailable::PageOutOfReach(pfn)), 0)
            } else {
                (Ok((pfn << 12) as *mut Interface), port as u32)
            }
        }
        _ => (Err(Unavailable::NoParams), 0),
    };
    cpu::without_interrupts(|| {
        // SAFETY: start-up, interrupts off: nothing else uses CLIENT or
        // STATUS. The page lies in the first 4 GiB, which the boot page
        // tables identity-map; Xen keeps it for the domain. CLIENT is
        // written before STATUS says it may be read.
        unsafe {
            if let Ok(page) = page {
                (*addr_of_mut!(CLIENT)).write(Client::new(page));
            }
            *addr_of_mut!(STATUS) = page.map(|_| ());
        }
        PORT.store(port, Ordering::Relaxed);
    });
    if port == 0 {
        return;
    }
    super::events::unmask(port);
    let started = with_client(START_TIMEOUT_NS, true, |client, link| {
        shutdown_request::advertise_and_watch(client, link)
    });
    match started {
        Ok(Ok(())) => {}
        Ok(Err((key, e))) => {
            crate::kprintln!("halvm: XenStore: cannot set up shutdown requests ({key}): {e}; xl shutdown will not reach this guest")
        }
        Err(e) => crate::kprintln!("halvm: XenStore: cannot set up shutdown requests: {e}"),
    }
}

/// Waits through the event channel until a deadline: halting when the
/// caller was in normal context (the store's event or the timer ends the
/// halt), else polling the clock and yielding the CPU to the store's domain.
pub struct Deadline {
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

/// Runs `f` on the client with interrupts off and BUSY held, its waits
/// bounded by `timeout_ns`; `may_halt` says whether the caller is in
/// normal context (so that waits may halt with interrupts on). Afterwards
/// takes the watch events left in the ring and services the
/// control/shutdown watch if it fired.
pub fn with_client<R>(timeout_ns: u64, may_halt: bool, f: impl FnOnce(&mut Client, &mut Deadline) -> R)
                      -> Result<R, Access> {
    cpu::without_interrupts(|| {
        // SAFETY: interrupts are off and there is one CPU; BUSY keeps an
        // interrupt handler that runs during one of our halts away.
        if let Err(u) = unsafe { *addr_of!(STATUS) } {
            return Err(Access::Unavailable(u));
        }
        if BUSY.swap(true, Ordering::Acquire) {
            return Err(Access::Busy);
        }
        // SAFETY: STATUS is Ok only once init has written CLIENT; BUSY
        // makes this the only reference.
        let client = unsafe { (*addr_of_mut!(CLIENT)).assume_init_mut() };
        let mut link = Deadline { port: port(), deadline: time::monotonic_ns() + timeout_ns, may_halt };
        let result = f(client, &mut link);
        take_unasked(client, &mut link);
        BUSY.store(false, Ordering::Release);
        Ok(result)
    })
}

/// Takes the messages the store sent unasked, and services a fired
/// control/shutdown watch (which may queue more events: loop).
fn take_unasked(client: &mut Client, link: &mut Deadline) {
    for _ in 0..4 {
        if client.poll(link).is_err() {
            return; // broken: later requests report it
        }
        if !client.watches.take_platform_fired() {
            break;
        }
        // The servicing gets its own bound: the caller's may be spent.
        link.deadline = link.deadline.max(time::monotonic_ns() + SERVICE_TIMEOUT_NS);
        match shutdown_request::service(client, link, &super::control::REQUESTS) {
            Ok(Outcome::Nothing) => {}
            Ok(Outcome::Requested { .. }) => super::control::requested(),
            Ok(Outcome::Unsupported(shown)) => {
                let more = if shown.cut() { "..." } else { "" };
                crate::kprintln!("halvm: shutdown request \"{}{more}\" is not supported; ignored", shown.as_str());
            }
            Err(e) => {
                // A request recorded before the failure still counts.
                if super::control::REQUESTS.requested().is_some() {
                    super::control::requested();
                }
                crate::kprintln!("halvm: XenStore: handling control/shutdown failed: {e}");
            }
        }
    }
    if client.watches.queued() > 0 || client.watches.has_lost() {
        timer::wake();
    }
}

/// The store's event channel fired (interrupt context): unless a request
/// is in progress, take what the store sent.
pub fn on_event() {
    // An Access error means there is nothing to do here: no store, or a
    // request in progress that will take the messages itself.
    let _ = with_client(SERVICE_TIMEOUT_NS, false, |_, _| ());
}

/// Writes `status` to EXIT_STATUS_KEY, waiting at most
/// EXIT_RECORD_TIMEOUT_NS; `may_halt` says whether the caller is in
/// normal context.
pub fn record_exit_status(status: u8, may_halt: bool) -> Result<(), RecordError> {
    let mut value = MessageBuf::new();
    let _ = write!(value, "{status}");
    with_client(EXIT_RECORD_TIMEOUT_NS, may_halt, |client, link| {
        client.write(0, EXIT_STATUS_KEY, value.as_bytes(), link)
    })
    .map_err(RecordError::Access)?
    .map_err(RecordError::Store)
}

#[derive(Clone, Copy)]
pub enum RecordError {
    Access(Access),
    Store(xenstore::Error),
}

impl core::fmt::Display for RecordError {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        match self {
            RecordError::Access(a) => a.fmt(f),
            RecordError::Store(e) => e.fmt(f),
        }
    }
}
