//! The event-channel calls of include/halvm/xen.h for programs: ports
//! they allocate or bind are recorded in PORTS (interdomain/ports.rs);
//! the upcall records events on those ports there and wakes
//! halvm_block_until; the program takes them without blocking. Ports the
//! platform uses itself (timer, console, XenStore) are never in PORTS, so
//! every call on them is -EBADF.

use core::ffi::{c_int, c_long};

use super::abi::*;
use super::hypercall_cmd;
use crate::errno::{EBADF, EINVAL, ENODEV, EPERM};
use crate::interdomain::ports::{PortSet, PORTS as MAX_PORTS};
use crate::timer;

pub static PORTS: PortSet = PortSet::new();

/// The upcall saw an event on `port` (interrupt context): records it if
/// the program owns the port. Returns whether it did.
pub fn on_event(port: u32) -> bool {
    if PORTS.record(port) {
        // an event arriving just before a halt must not be slept through
        timer::wake();
        true
    } else {
        false
    }
}

fn available() -> Result<(), c_int> {
    if crate::platform::on_xen() { Ok(()) } else { Err(ENODEV) }
}

/// An event-channel operation; Xen's errors are already negative errno.
unsafe fn op<T>(cmd: u32, arg: &mut T) -> Result<(), c_int> {
    let r = hypercall_cmd(__HYPERVISOR_event_channel_op, cmd, arg as *mut T);
    if r < 0 { Err((-r) as c_int) } else { Ok(()) }
}

/// Makes a freshly bound `port` the program's: recorded, then unmasked
/// (an event before that waits in Xen's pending bit and arrives then).
pub fn adopt(port: u32) -> Result<u32, c_int> {
    if !PORTS.adopt(port) {
        close_port(port);
        return Err(EINVAL);
    }
    super::events::unmask(port);
    Ok(port)
}

fn close_port(port: u32) {
    let mut c = evtchn_close { port };
    // SAFETY: a valid argument structure.
    let _ = unsafe { op(EVTCHNOP_close, &mut c) };
}

/// Allocates an unbound port for `remote` to bind (the program's).
pub fn alloc_unbound(remote: u32) -> Result<u32, c_int> {
    available()?;
    let remote = u16::try_from(remote).map_err(|_| EINVAL)?;
    let mut a = evtchn_alloc_unbound { dom: HALVM_DOMID_SELF as u16, remote_dom: remote, port: 0 };
    // SAFETY: a valid argument structure.
    unsafe { op(EVTCHNOP_alloc_unbound, &mut a)? };
    adopt(a.port)
}

/// Binds `remote`'s unbound port `remote_port` to a new local port.
pub fn bind_interdomain(remote: u32, remote_port: u32) -> Result<u32, c_int> {
    available()?;
    let remote = u16::try_from(remote).map_err(|_| EINVAL)?;
    let mut b = evtchn_bind_interdomain { remote_dom: remote, remote_port, local_port: 0 };
    // SAFETY: a valid argument structure.
    unsafe { op(EVTCHNOP_bind_interdomain, &mut b)? };
    adopt(b.local_port)
}

/// Signals the other end of one of the program's ports.
pub fn notify(port: u32) -> Result<(), c_int> {
    available()?;
    if !PORTS.owns(port) {
        return Err(EBADF);
    }
    let mut s = evtchn_send { port };
    // SAFETY: a valid argument structure.
    unsafe { op(EVTCHNOP_send, &mut s) }
}

/// Closes one of the program's ports.
pub fn close(port: u32) -> Result<(), c_int> {
    available()?;
    if !PORTS.owns(port) {
        return Err(EBADF);
    }
    let mut c = evtchn_close { port };
    // SAFETY: a valid argument structure.
    let r = unsafe { op(EVTCHNOP_close, &mut c) };
    // forgotten after Xen closed it: no event can be recorded for a port
    // number Xen may hand out again
    PORTS.release(port);
    r
}

fn result(r: Result<u32, c_int>) -> c_int {
    match r {
        Ok(p) => p as c_int,
        Err(e) => -e,
    }
}

fn status(r: Result<(), c_int>) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => -e,
    }
}

#[no_mangle]
pub extern "C" fn halvm_evtchn_alloc_unbound(remote_domid: u32) -> c_int {
    result(alloc_unbound(remote_domid))
}

#[no_mangle]
pub extern "C" fn halvm_evtchn_bind_interdomain(remote_domid: u32, remote_port: u32) -> c_int {
    result(bind_interdomain(remote_domid, remote_port))
}

#[no_mangle]
pub extern "C" fn halvm_evtchn_bind_virq(virq: u32) -> c_int {
    result((|| {
        available()?;
        // VIRQ_TIMER drives the platform's own timer (one port per vCPU
        // and VIRQ; Xen would say -EEXIST anyway)
        if virq == VIRQ_TIMER {
            return Err(EPERM);
        }
        let mut b = evtchn_bind_virq { virq, vcpu: 0, port: 0 };
        // SAFETY: a valid argument structure.
        unsafe { op(EVTCHNOP_bind_virq, &mut b)? };
        adopt(b.port)
    })())
}

#[no_mangle]
pub extern "C" fn halvm_evtchn_notify(port: u32) -> c_int {
    status(notify(port))
}

#[no_mangle]
pub extern "C" fn halvm_evtchn_close(port: u32) -> c_int {
    status(close(port))
}

#[no_mangle]
pub extern "C" fn halvm_evtchn_take(port: u32) -> c_int {
    match PORTS.take(port) {
        Some(fired) => fired as c_int,
        None => -EBADF,
    }
}

#[no_mangle]
pub extern "C" fn halvm_evtchn_pending() -> c_int {
    PORTS.any_fired() as c_int
}

#[no_mangle]
pub unsafe extern "C" fn halvm_evtchn_take_fired(ports: *mut u32, max: usize) -> c_long {
    if max == 0 {
        return 0;
    }
    if ports.is_null() {
        return -(EINVAL as c_long);
    }
    let out = core::slice::from_raw_parts_mut(ports, max.min(MAX_PORTS as usize));
    PORTS.take_fired(out) as c_long
}
