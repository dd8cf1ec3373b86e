//! Xen event channels: upcalls through an IDT vector, the 2-level pending
//! bitmap scan, VIRQ_TIMER for the one-shot timer, and notification of
//! the console ring's and the XenStore ring's channels.

use core::ptr::{addr_of, addr_of_mut};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use super::abi::*;
use super::{hypercall_cmd, shared};
use crate::interrupts::VECTOR_XEN_UPCALL;
use crate::{lapic, timer};

/// Port bound to VIRQ_TIMER (0 = none; Xen never hands out port 0).
static TIMER_PORT: AtomicU32 = AtomicU32::new(0);
/// Whether the upcall arrives through the virtual LAPIC and needs an EOI
/// (the per-vCPU vector does; the domain-wide callback vector does not).
static NEEDS_EOI: AtomicBool = AtomicBool::new(false);

/// Sets up upcall delivery, binds VIRQ_TIMER and unmasks it and the
/// console ring's channel (if any).
pub fn init(console_port: Option<u32>) -> Result<(), &'static str> {
    lapic::enable();
    if super::set_upcall_vector(VECTOR_XEN_UPCALL).is_ok() {
        NEEDS_EOI.store(true, Ordering::Relaxed);
        // libxl offers a PVH or HVM guest the PV control path (`xl
        // shutdown` through control/shutdown) only if this parameter is
        // non-zero; the per-vCPU vector takes precedence over what it
        // names, so any value does. Linux, FreeBSD and NetBSD set 1 too.
        if crate::platform::kind() == crate::platform::Kind::XenDomU {
            let _ = super::hvm_set_param(HVM_PARAM_CALLBACK_IRQ, 1);
        }
    } else {
        let via = (HVM_PARAM_CALLBACK_TYPE_VECTOR as u64) << 56 | VECTOR_XEN_UPCALL as u64;
        super::hvm_set_param(HVM_PARAM_CALLBACK_IRQ, via)
            .map_err(|_| "neither HVMOP_set_evtchn_upcall_vector nor HVM_PARAM_CALLBACK_IRQ is accepted")?;
    }
    let mut bind = evtchn_bind_virq { virq: VIRQ_TIMER, vcpu: 0, port: 0 };
    // SAFETY: `bind` is a valid argument structure.
    if unsafe { hypercall_cmd(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, &mut bind) } < 0 {
        return Err("EVTCHNOP_bind_virq(VIRQ_TIMER) failed");
    }
    TIMER_PORT.store(bind.port, Ordering::Relaxed);
    unmask(bind.port);
    if crate::platform::kind() == crate::platform::Kind::XenDom0 {
        // Console input for the initial domain is signalled by VIRQ_CONSOLE;
        // binding it makes input end a halt in halvm_block_until.
        let mut con = evtchn_bind_virq { virq: VIRQ_CONSOLE, vcpu: 0, port: 0 };
        // SAFETY: `con` is a valid argument structure.
        if unsafe { hypercall_cmd(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, &mut con) } < 0 {
            return Err("EVTCHNOP_bind_virq(VIRQ_CONSOLE) failed");
        }
        unmask(con.port);
    }
    if let Some(p) = console_port {
        unmask(p);
    }
    // SAFETY: the shared-info page is mapped (shared::init ran first).
    unsafe { (*shared::get()).vcpu_info[0].evtchn_upcall_mask = 0 };
    Ok(())
}

/// Lets `port`'s events reach the upcall (and so end a halt).
pub fn unmask(port: u32) {
    let mut u = evtchn_unmask { port };
    // SAFETY: `u` is a valid argument structure.
    unsafe { hypercall_cmd(__HYPERVISOR_event_channel_op, EVTCHNOP_unmask, &mut u) };
}

/// Signals the other end of `port`.
pub fn notify(port: u32) {
    let mut s = evtchn_send { port };
    // SAFETY: `s` is a valid argument structure.
    unsafe { hypercall_cmd(__HYPERVISOR_event_channel_op, EVTCHNOP_send, &mut s) };
}

/// An atomic view of a xen_ulong_t in the shared page.
fn word(p: *mut xen_ulong_t) -> &'static AtomicU64 {
    // SAFETY: aligned u64 in the shared-info page, which stays mapped.
    unsafe { AtomicU64::from_ptr(p) }
}

/// The upcall vector's handler: clear the pending flag, then take the
/// selector word and each selected pending word, handling every set and
/// unmasked port.
pub fn on_upcall() {
    let s = shared::get();
    // SAFETY: the shared-info page is mapped; all shared words are accessed
    // atomically because Xen sets bits concurrently.
    unsafe {
        let vcpu = addr_of_mut!((*s).vcpu_info[0]);
        core::ptr::write_volatile(addr_of_mut!((*vcpu).evtchn_upcall_pending), 0);
        loop {
            let sel = word(addr_of_mut!((*vcpu).evtchn_pending_sel)).swap(0, Ordering::AcqRel);
            if sel == 0 {
                break;
            }
            for_each_bit(sel, |i| {
                let pending = word(addr_of_mut!((*s).evtchn_pending[i]));
                let mask = core::ptr::read_volatile(addr_of!((*s).evtchn_mask[i]));
                let ready = pending.load(Ordering::Acquire) & !mask;
                for_each_bit(ready, |j| {
                    pending.fetch_and(!(1u64 << j), Ordering::AcqRel);
                    handle((i * 64 + j) as u32);
                });
            });
        }
    }
    if NEEDS_EOI.load(Ordering::Relaxed) {
        lapic::eoi();
    }
}

fn for_each_bit(mut bits: u64, mut f: impl FnMut(usize)) {
    while bits != 0 {
        let b = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        f(b);
    }
}

fn handle(port: u32) {
    if port == TIMER_PORT.load(Ordering::Relaxed) {
        timer::on_timer_event();
    } else if port == super::store::port() {
        // Watch events and shutdown requests arrive unasked.
        super::store::on_event();
    } else if port == crate::net::NETFRONT_PORT.load(Ordering::Relaxed) {
        // the network device's rings: processed in normal context
        crate::net::on_netfront_event();
    } else {
        // The program's ports (xen.h): recorded for halvm_evtchn_take.
        super::evtchn_api::on_event(port);
    }
    // Other ports (console ring, VIRQ_CONSOLE) only need to end a halt,
    // which taking the upcall has already done.
}
