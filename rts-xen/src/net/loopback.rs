//! Packets from the guest to itself: a wrapper around the network device
//! that keeps frames for the guest's own addresses (127.0.0.1 and the
//! interface's address) off the wire and hands them back as received.
//!
//! smoltcp has a loopback device, but one interface runs on one device, and
//! sockets cannot be split between two interfaces (a connecting socket
//! would send its SYN on both). So the one Ethernet interface also owns
//! 127.0.0.1/8, and this wrapper, below it, turns around:
//! - ARP requests for one of our addresses (smoltcp resolves its own
//!   addresses like any neighbour's; it then answers its own request),
//! - frames sent to our own hardware address (that answer, and every IPv4
//!   packet to ourselves once the address is resolved),
//! - IPv4 packets to one of our addresses, whatever their hardware address.
//!
//! smoltcp still resolves its own addresses before it sends to them, and
//! its ARP requests are rate-limited (one a second for the whole
//! interface), so a first connection to ourselves could wait a second:
//! `announce` puts an ARP reply from each of our addresses in the queue,
//! which fills smoltcp's neighbour cache at once (the stack repeats it
//! before the entries expire, see Stack::poll).
//!
//! Everything else goes to the device. Turned-around frames wait in a
//! queue of LOOP_FRAMES buffers (one page run, allocated at the first one)
//! and are received before the device's. When the queue is full nothing
//! more is offered for sending (smoltcp retries at the next poll), except
//! replies produced while a frame is received: those are dropped like a
//! full link drops them, and TCP retransmits.

use smoltcp::phy::{Device, DeviceCapabilities, RxToken, TxToken};
use smoltcp::time::Instant;

use super::stack::Memory;

/// Frames the queue holds, and the largest frame (an Ethernet frame of the
/// 1500-byte MTU is 1514 bytes).
pub const LOOP_FRAMES: usize = 64;
pub const FRAME_BYTES: usize = 1536;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_ARP: u16 = 0x0806;

/// What to do with one outgoing Ethernet frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Wire,
    Loop,
}

/// Decides where an outgoing frame goes: `own` are the addresses the guest
/// answers to (host byte order; 0 entries are unused).
pub fn route(frame: &[u8], mac: [u8; 6], own: &[u32; 2]) -> Route {
    if frame.len() < 14 {
        return Route::Wire;
    }
    let mine = |a: u32| a != 0 && own.contains(&a);
    let ethertype = u16::from_be_bytes([frame[12], frame[13]]);
    if frame[..6] == mac {
        return Route::Loop;
    }
    let word = |at: usize| frame.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    match ethertype {
        // IPv4 destination at byte 16 of the header
        ETHERTYPE_IPV4 if word(14 + 16).is_some_and(mine) => Route::Loop,
        // ARP request (operation 1) for one of ours: target address at 24
        ETHERTYPE_ARP if frame.get(20..22) == Some(&[0, 1]) && word(14 + 24).is_some_and(mine) => Route::Loop,
        _ => Route::Wire,
    }
}

/// Frames waiting to be received again.
struct Queue {
    mem: Option<*mut u8>,
    lens: [u16; LOOP_FRAMES],
    head: usize,
    count: usize,
}

impl Queue {
    fn slot(&mut self, i: usize) -> &mut [u8] {
        let base = self.mem.expect("queue memory");
        // SAFETY: mem is LOOP_FRAMES * FRAME_BYTES bytes owned by the queue.
        unsafe { core::slice::from_raw_parts_mut(base.add(i * FRAME_BYTES), FRAME_BYTES) }
    }

    fn full(&self) -> bool {
        self.count == LOOP_FRAMES
    }

    /// Appends a frame; false when full, too long, or without memory.
    fn push(&mut self, frame: &[u8], alloc: &Memory) -> bool {
        if self.full() || frame.len() > FRAME_BYTES {
            return false;
        }
        if self.mem.is_none() {
            self.mem = (alloc.alloc)(LOOP_FRAMES * FRAME_BYTES);
            if self.mem.is_none() {
                return false;
            }
        }
        let i = (self.head + self.count) % LOOP_FRAMES;
        self.slot(i)[..frame.len()].copy_from_slice(frame);
        self.lens[i] = frame.len() as u16;
        self.count += 1;
        true
    }

    /// Moves the oldest frame into `out`; its length.
    fn pop(&mut self, out: &mut [u8; FRAME_BYTES]) -> Option<usize> {
        if self.count == 0 {
            return None;
        }
        let (i, n) = (self.head, self.lens[self.head] as usize);
        out[..n].copy_from_slice(&self.slot(i)[..n]);
        self.head = (self.head + 1) % LOOP_FRAMES;
        self.count -= 1;
        Some(n)
    }
}

/// The device wrapper (see the module comment).
pub struct Looped<D: Device> {
    inner: D,
    mac: [u8; 6],
    own: [u32; 2],
    queue: Queue,
    mem: Memory,
    /// The frame being received from the queue, and the frame being built
    /// for sending (copied to the device or the queue once it is known
    /// where it goes).
    rx: [u8; FRAME_BYTES],
    tx: [u8; FRAME_BYTES],
    /// Frames turned around, and replies dropped for a full queue.
    pub looped: u64,
    pub dropped: u64,
}

impl<D: Device> Looped<D> {
    pub fn new(inner: D, mac: [u8; 6], mem: Memory) -> Looped<D> {
        Looped {
            inner,
            mac,
            own: [LOCALHOST, 0],
            queue: Queue { mem: None, lens: [0; LOOP_FRAMES], head: 0, count: 0 },
            mem,
            rx: [0; FRAME_BYTES],
            tx: [0; FRAME_BYTES],
            looped: 0,
            dropped: 0,
        }
    }

    pub fn inner(&mut self) -> &mut D {
        &mut self.inner
    }

    /// The interface's own address (0: none), besides 127.0.0.1.
    pub fn set_address(&mut self, addr: u32) {
        self.own[1] = addr;
    }

    /// Queues an ARP reply from each of our addresses to ourselves, so
    /// that smoltcp knows their hardware address without asking.
    pub fn announce(&mut self) {
        for addr in self.own {
            if addr == 0 {
                continue;
            }
            let mut f = [0u8; 42];
            f[..6].copy_from_slice(&self.mac);
            f[6..12].copy_from_slice(&self.mac);
            f[12..14].copy_from_slice(&ETHERTYPE_ARP.to_be_bytes());
            // Ethernet (1), IPv4, 6-byte and 4-byte addresses, reply (2)
            f[14..22].copy_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, 2]);
            f[22..28].copy_from_slice(&self.mac);
            f[28..32].copy_from_slice(&addr.to_be_bytes());
            f[32..38].copy_from_slice(&self.mac);
            f[38..42].copy_from_slice(&addr.to_be_bytes());
            if !self.queue.push(&f, &self.mem) {
                self.dropped += 1;
            }
        }
    }

    /// Whether turned-around frames wait to be received.
    pub fn pending(&self) -> bool {
        self.queue.count > 0
    }
}

impl<D: Device> Drop for Looped<D> {
    fn drop(&mut self) {
        if let Some(m) = self.queue.mem.take() {
            (self.mem.free)(m, LOOP_FRAMES * FRAME_BYTES);
        }
    }
}

/// 127.0.0.1
pub const LOCALHOST: u32 = 0x7f00_0001;

pub struct LoopRx<'a>(&'a [u8]);

impl RxToken for LoopRx<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(self.0)
    }
}

pub enum Rx<'a, D: Device + 'a> {
    Wire(D::RxToken<'a>),
    Loop(LoopRx<'a>),
}

impl<'a, D: Device + 'a> RxToken for Rx<'a, D> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        match self {
            Rx::Wire(t) => t.consume(f),
            Rx::Loop(t) => t.consume(f),
        }
    }
}

pub struct Tx<'a, D: Device + 'a> {
    /// The device's token; None when the device had no room (a reply that
    /// must go to the wire is then dropped).
    wire: Option<D::TxToken<'a>>,
    queue: &'a mut Queue,
    scratch: &'a mut [u8; FRAME_BYTES],
    mac: [u8; 6],
    own: [u32; 2],
    mem: Memory,
    looped: &'a mut u64,
    dropped: &'a mut u64,
}

impl<'a, D: Device + 'a> TxToken for Tx<'a, D> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let Tx { wire, queue, scratch, mac, own, mem, looped, dropped } = self;
        if len > FRAME_BYTES {
            // cannot happen (the MTU is below FRAME_BYTES); the device
            // then sees it unchanged
            return match wire {
                Some(w) => w.consume(len, f),
                None => f(&mut [0u8; FRAME_BYTES][..0]),
            };
        }
        let r = f(&mut scratch[..len]);
        let frame = &scratch[..len];
        match route(frame, mac, &own) {
            Route::Loop => {
                if queue.push(frame, &mem) {
                    *looped += 1;
                } else {
                    *dropped += 1;
                }
            }
            Route::Wire => match wire {
                Some(w) => w.consume(len, |buf| buf.copy_from_slice(frame)),
                None => *dropped += 1,
            },
        }
        r
    }
}

impl<D: Device> Device for Looped<D> {
    type RxToken<'a> = Rx<'a, D> where D: 'a;
    type TxToken<'a> = Tx<'a, D> where D: 'a;

    fn receive(&mut self, now: Instant) -> Option<(Rx<'_, D>, Tx<'_, D>)> {
        let Looped { inner, mac, own, queue, mem, rx, tx, looped, dropped } = self;
        if let Some(n) = queue.pop(rx) {
            let wire = inner.transmit(now);
            let t = Tx { wire, queue, scratch: tx, mac: *mac, own: *own, mem: *mem, looped, dropped };
            return Some((Rx::Loop(LoopRx(&rx[..n])), t));
        }
        let (r, w) = inner.receive(now)?;
        Some((Rx::Wire(r), Tx { wire: Some(w), queue, scratch: tx, mac: *mac, own: *own, mem: *mem, looped, dropped }))
    }

    fn transmit(&mut self, now: Instant) -> Option<Tx<'_, D>> {
        let Looped { inner, mac, own, queue, mem, tx, looped, dropped, .. } = self;
        if queue.full() {
            return None;
        }
        let wire = Some(inner.transmit(now)?);
        Some(Tx { wire, queue, scratch: tx, mac: *mac, own: *own, mem: *mem, looped, dropped })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut c = self.inner.capabilities();
        c.max_transmission_unit = c.max_transmission_unit.min(FRAME_BYTES);
        c
    }
}
