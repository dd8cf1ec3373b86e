//! The event-channel ports the program owns and which of them fired.
//!
//! The platform's own ports (timer, console, XenStore) are never in the
//! set, so that a program can neither close nor take their events. The
//! upcall (interrupt context) records an event on an owned port with one
//! atomic OR; the program takes events with atomic swaps, so neither side
//! needs a lock. Xen's 2-level event ABI on x86_64 has 64 x 64 ports.

use core::sync::atomic::{AtomicU64, Ordering};

/// Ports of the 2-level ABI (EVTCHN_2L_NR_CHANNELS on x86_64).
pub const PORTS: u32 = 64 * 64;
const WORDS: usize = (PORTS / 64) as usize;

pub struct PortSet {
    owned: [AtomicU64; WORDS],
    fired: [AtomicU64; WORDS],
}

fn split(port: u32) -> Option<(usize, u64)> {
    (port < PORTS).then(|| ((port / 64) as usize, 1u64 << (port % 64)))
}

impl PortSet {
    pub const fn new() -> Self {
        PortSet { owned: [const { AtomicU64::new(0) }; WORDS], fired: [const { AtomicU64::new(0) }; WORDS] }
    }

    /// Records that the program owns `port` (just bound), with no event
    /// yet. False for a port beyond the ABI's range.
    pub fn adopt(&self, port: u32) -> bool {
        let Some((w, bit)) = split(port) else { return false };
        self.fired[w].fetch_and(!bit, Ordering::AcqRel);
        self.owned[w].fetch_or(bit, Ordering::AcqRel);
        true
    }

    /// Forgets `port` (closed) and any event on it; false if not owned.
    pub fn release(&self, port: u32) -> bool {
        let Some((w, bit)) = split(port) else { return false };
        let was = self.owned[w].fetch_and(!bit, Ordering::AcqRel) & bit != 0;
        self.fired[w].fetch_and(!bit, Ordering::AcqRel);
        was
    }

    pub fn owns(&self, port: u32) -> bool {
        split(port).is_some_and(|(w, bit)| self.owned[w].load(Ordering::Acquire) & bit != 0)
    }

    /// The upcall saw an event on `port`: records it if the program owns
    /// the port and says whether it did (interrupt context).
    pub fn record(&self, port: u32) -> bool {
        if !self.owns(port) {
            return false;
        }
        let (w, bit) = split(port).unwrap();
        self.fired[w].fetch_or(bit, Ordering::AcqRel);
        true
    }

    /// Takes the event recorded on `port`: Some(true) if one was, Some(false)
    /// if not, None if the program does not own the port.
    pub fn take(&self, port: u32) -> Option<bool> {
        if !self.owns(port) {
            return None;
        }
        let (w, bit) = split(port).unwrap();
        Some(self.fired[w].fetch_and(!bit, Ordering::AcqRel) & bit != 0)
    }

    /// Whether an event waits on any owned port.
    pub fn any_fired(&self) -> bool {
        self.fired.iter().any(|w| w.load(Ordering::Acquire) != 0)
    }

    /// Takes up to `out.len()` fired ports, lowest first, into `out`;
    /// returns how many. Ports not taken keep their event.
    pub fn take_fired(&self, out: &mut [u32]) -> usize {
        let mut n = 0;
        for (w, word) in self.fired.iter().enumerate() {
            let mut bits = word.load(Ordering::Acquire);
            while bits != 0 && n < out.len() {
                let b = bits.trailing_zeros();
                bits &= bits - 1;
                if word.fetch_and(!(1u64 << b), Ordering::AcqRel) & (1u64 << b) != 0 {
                    out[n] = w as u32 * 64 + b;
                    n += 1;
                }
            }
            if n == out.len() {
                break;
            }
        }
        n
    }
}

impl Default for PortSet {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_on_ports_not_owned_are_not_recorded_nor_takeable() {
        let s = PortSet::new();
        assert!(!s.record(5), "a platform port's event must not reach the program");
        assert_eq!(s.take(5), None);
        assert!(!s.any_fired());
        assert!(!s.release(5));
    }

    #[test]
    fn an_event_is_taken_once() {
        let s = PortSet::new();
        assert!(s.adopt(70));
        assert_eq!(s.take(70), Some(false));
        assert!(s.record(70));
        assert!(s.record(70), "two events before a take are one");
        assert!(s.any_fired());
        assert_eq!(s.take(70), Some(true));
        assert_eq!(s.take(70), Some(false));
        assert!(!s.any_fired());
    }

    #[test]
    fn closing_forgets_the_port_and_its_event_and_a_rebind_starts_clean() {
        let s = PortSet::new();
        s.adopt(3);
        s.record(3);
        assert!(s.release(3));
        assert!(!s.any_fired());
        assert_eq!(s.take(3), None);
        s.adopt(3);
        assert_eq!(s.take(3), Some(false));
    }

    #[test]
    fn ports_beyond_the_abi_are_refused() {
        let s = PortSet::new();
        assert!(!s.adopt(PORTS));
        assert!(!s.record(PORTS));
        assert_eq!(s.take(u32::MAX), None);
        assert!(s.adopt(PORTS - 1));
    }

    #[test]
    fn take_fired_lists_fired_ports_in_order_and_leaves_the_rest() {
        let s = PortSet::new();
        for p in [1, 64, 65, 4000, 9] {
            s.adopt(p);
            s.record(p);
        }
        s.adopt(2);
        let mut out = [0u32; 3];
        assert_eq!(s.take_fired(&mut out), 3);
        assert_eq!(out, [1, 9, 64]);
        let mut rest = [0u32; 8];
        assert_eq!(s.take_fired(&mut rest), 2);
        assert_eq!(&rest[..2], &[65, 4000]);
        assert!(!s.any_fired());
        assert_eq!(s.take_fired(&mut rest), 0);
    }
}
