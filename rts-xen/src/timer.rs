//! The periodic tick (GHC's scheduler ticker) and block-until, on top of a
//! one-shot timer: the LAPIC timer on bare QEMU, Xen's set_timer_op with
//! VIRQ_TIMER under Xen. The timer is always armed for the earlier of the
//! next tick and the deadline of a blocked caller.

use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crate::{cpu, lapic, platform, time, xen};

/// The tick callback (a `halvm_tick_fn`), 0 when ticking is off.
static TICK_FN: AtomicUsize = AtomicUsize::new(0);
static TICK_INTERVAL: AtomicU64 = AtomicU64::new(0);
static TICK_NEXT: AtomicU64 = AtomicU64::new(u64::MAX);
/// Deadline of a caller halted in block_until, u64::MAX when none.
static BLOCK_DEADLINE: AtomicU64 = AtomicU64::new(u64::MAX);
/// The platform's one alarm (the shutdown grace period): its time,
/// u64::MAX when none, and its handler (an `fn()`, 0 when none).
static ALARM_AT: AtomicU64 = AtomicU64::new(u64::MAX);
static ALARM_FN: AtomicUsize = AtomicUsize::new(0);
/// Something a program waits for arrived (a shutdown request, a watch
/// event) since halvm_block_until last looked: the next call returns at
/// once instead of halting, so that an arrival just before the halt is
/// not slept through.
static WOKEN: AtomicBool = AtomicBool::new(false);

pub type TickFn = extern "C" fn();

fn arm(deadline: u64) {
    if platform::on_xen() {
        // 0 cancels Xen's one-shot timer.
        xen::set_timer(if deadline == u64::MAX { 0 } else { deadline });
    } else {
        lapic::arm(deadline);
    }
}

fn rearm() {
    let next = TICK_NEXT.load(Ordering::Relaxed).min(BLOCK_DEADLINE.load(Ordering::Relaxed));
    arm(next.min(ALARM_AT.load(Ordering::Relaxed)));
}

/// Runs `f` in interrupt context at `deadline_ns` (replacing any alarm
/// set before), whatever the program is doing.
pub fn set_alarm(deadline_ns: u64, f: fn()) {
    cpu::without_interrupts(|| {
        ALARM_FN.store(f as usize, Ordering::Relaxed);
        ALARM_AT.store(deadline_ns, Ordering::Relaxed);
        rearm();
    });
}

/// Marks that something a program may wait for arrived (see WOKEN).
pub fn wake() {
    WOKEN.store(true, Ordering::Release);
}

/// Bare QEMU: the LAPIC timer interrupt.
pub fn on_lapic_timer() {
    lapic::eoi();
    on_timer_event();
}

/// The timer fired (LAPIC vector or VIRQ_TIMER): run the tick if due and
/// arm the timer again. Runs in interrupt context.
pub fn on_timer_event() {
    let now = time::monotonic_ns();
    // A blocked caller's deadline has passed: it wakes when this interrupt
    // returns, so the timer must not be armed for that (past) time again,
    // which would fire at once, over and over.
    if now >= BLOCK_DEADLINE.load(Ordering::Relaxed) {
        BLOCK_DEADLINE.store(u64::MAX, Ordering::Relaxed);
    }
    if now >= ALARM_AT.load(Ordering::Relaxed) {
        ALARM_AT.store(u64::MAX, Ordering::Relaxed);
        let f = ALARM_FN.load(Ordering::Relaxed);
        if f != 0 {
            // SAFETY: stored from a valid fn() by set_alarm.
            let f: fn() = unsafe { core::mem::transmute(f) };
            f();
        }
    }
    let next = TICK_NEXT.load(Ordering::Relaxed);
    if now >= next {
        let interval = TICK_INTERVAL.load(Ordering::Relaxed);
        // After a long stall, skip the missed ticks instead of bursting.
        let mut following = next + interval;
        if following <= now {
            following = now + interval;
        }
        TICK_NEXT.store(following, Ordering::Relaxed);
        let f = TICK_FN.load(Ordering::Relaxed);
        if f != 0 {
            // SAFETY: stored from a valid halvm_tick_fn by tick_start.
            let f: TickFn = unsafe { core::mem::transmute(f) };
            f();
        }
    }
    rearm();
}

#[no_mangle]
pub extern "C" fn halvm_tick_start(interval_ns: u64, f: Option<TickFn>) -> core::ffi::c_int {
    let Some(f) = f.filter(|_| interval_ns > 0) else { return -1 };
    cpu::without_interrupts(|| {
        TICK_FN.store(f as usize, Ordering::Relaxed);
        TICK_INTERVAL.store(interval_ns, Ordering::Relaxed);
        TICK_NEXT.store(time::monotonic_ns() + interval_ns, Ordering::Relaxed);
        rearm();
    });
    0
}

#[no_mangle]
pub extern "C" fn halvm_tick_stop() {
    cpu::without_interrupts(|| {
        TICK_FN.store(0, Ordering::Relaxed);
        TICK_NEXT.store(u64::MAX, Ordering::Relaxed);
        rearm();
    });
}

/// With interrupts off: arms the timer for `deadline`, halts until any
/// interrupt has been handled, and returns with interrupts off again.
pub fn halt_with_interrupts_off(deadline: u64) {
    BLOCK_DEADLINE.store(deadline, Ordering::Relaxed);
    rearm();
    // SAFETY: STI+HLT is atomic with respect to interrupts (see cpu.rs).
    unsafe {
        cpu::enable_interrupts_and_halt();
        cpu::disable_interrupts();
    }
    BLOCK_DEADLINE.store(u64::MAX, Ordering::Relaxed);
}

#[no_mangle]
pub extern "C" fn halvm_block_until(deadline_ns: u64) {
    // The network stack runs here too: received packets are processed and
    // the halt ends in time for the stack's next timer (retransmissions).
    let deadline_ns = crate::net::before_halt(deadline_ns);
    let was_enabled = cpu::interrupts_enabled();
    // SAFETY: re-enabled below (interrupts are on in normal context).
    unsafe { cpu::disable_interrupts() };
    // Checked with interrupts off: an arrival after this ends the halt.
    let woken = WOKEN.swap(false, Ordering::AcqRel);
    if !woken && time::monotonic_ns() < deadline_ns {
        halt_with_interrupts_off(deadline_ns);
    }
    if was_enabled {
        // SAFETY: restores the caller's state.
        unsafe { cpu::enable_interrupts() };
    }
}
