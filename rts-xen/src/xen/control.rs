//! Shutdown requests from the toolstack, machine side: the requests
//! received (crate::shutdown_request decides what a control/shutdown value
//! means; xen/store.rs services the watch), halvm_shutdown_take for the
//! program, and the grace period that ends a program ignoring a request.

use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use crate::shutdown_request::{Reason, Requests};
use crate::{exit, time, timer};

/// How long a program has, from the first request, to call halvm_exit.
/// Five seconds: a Haskell program's `finally` handlers and flushes take
/// milliseconds, and xl's own `shutdown -w` waits far longer, so it only
/// bounds programs that do not react at all.
pub const GRACE_PERIOD_NS: u64 = 5_000_000_000;
pub const GRACE_PERIOD_S: u64 = GRACE_PERIOD_NS / 1_000_000_000;
/// When the grace period ends inside a XenStore request (whose client the
/// exit needs), the end is retried this much later; requests are bounded.
const RETRY_NS: u64 = 10_000_000;

pub static REQUESTS: Requests = Requests::new();
static GRACE_STARTED: AtomicBool = AtomicBool::new(false);

/// A request was recorded: wake a waiting program and, the first time,
/// start the grace period.
pub fn requested() {
    timer::wake();
    if !GRACE_STARTED.swap(true, Ordering::AcqRel) {
        timer::set_alarm(time::monotonic_ns() + GRACE_PERIOD_NS, grace_over);
    }
}

/// The reason the program chose for its own exit (halvm_xen_set_exit_reason),
/// as Reason::code(); NONE when it chose none.
static CHOSEN: AtomicU8 = AtomicU8::new(crate::shutdown_request::NONE);

/// The reason the domain is to shut down with: the program's own choice,
/// else the toolstack's request, if either exists.
pub fn requested_reason() -> Option<Reason> {
    Reason::from_code(CHOSEN.load(Ordering::Acquire)).or_else(|| REQUESTS.requested())
}

/// xen.h: the latest request's reason, without taking it.
#[no_mangle]
pub extern "C" fn halvm_xen_shutdown_requested() -> core::ffi::c_int {
    REQUESTS.requested().map_or(crate::shutdown_request::NONE, Reason::code) as core::ffi::c_int
}

/// xen.h: the reason halvm_exit gives Xen, chosen by the program.
#[no_mangle]
pub extern "C" fn halvm_xen_set_exit_reason(reason: core::ffi::c_int) -> core::ffi::c_int {
    match u8::try_from(reason).ok().and_then(Reason::from_code) {
        Some(r) => {
            CHOSEN.store(r.code(), Ordering::Release);
            0
        }
        None => -crate::errno::EINVAL,
    }
}

/// The timer's alarm at the end of the grace period (interrupt context).
fn grace_over() {
    if exit::in_progress() {
        return;
    }
    if super::store::busy() {
        timer::set_alarm(time::monotonic_ns() + RETRY_NS, grace_over);
        return;
    }
    let reason = REQUESTS.requested().map_or("?", Reason::name);
    crate::kprintln!("halvm: shutdown request ({reason}) not honoured within {GRACE_PERIOD_S} s; stopping");
    exit::exit(exit::EXIT_SHUTDOWN_TIMEOUT)
}

/// platform.h: the request not taken yet. Interrupt-safe (an atomic swap).
#[no_mangle]
pub extern "C" fn halvm_shutdown_take() -> core::ffi::c_int {
    REQUESTS.take() as core::ffi::c_int
}
