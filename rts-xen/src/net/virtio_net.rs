//! virtio-net over the legacy PCI transport (virtio 0.9.5: registers in
//! I/O BAR 0), the network device of `-device virtio-net-pci` under QEMU
//! (a transitional device speaks it; `disable-modern=on` makes it the only
//! transport). As a smoltcp `Device`.
//!
//! Queue 0 receives, queue 1 transmits. Each descriptor owns one fixed
//! 2 KiB buffer (the 10-byte virtio_net_hdr followed by the frame; no
//! feature but MAC is negotiated, so no offloads, no merged buffers and
//! the header is the legacy 10 bytes). All receive buffers are posted at
//! start and re-posted as smoltcp consumes them; transmit buffers return
//! to a free list as the device completes them. Buffers are page runs from
//! the platform allocator; memory is identity-mapped, so their virtual
//! addresses are the physical ones the device needs.

use smoltcp::phy::{Device, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

use super::pci::{self, inb, inl, inw, outb, outl, outw, Function};
use super::virtqueue::{Layout, Queue, DESC_F_WRITE};
use crate::api::HALVM_PAGE_SIZE;

pub const VENDOR: u16 = 0x1af4;
/// The transitional network device (legacy device id).
pub const DEVICE: u16 = 0x1000;

// Legacy register offsets in BAR 0.
const REG_DEVICE_FEATURES: u16 = 0x00;
const REG_GUEST_FEATURES: u16 = 0x04;
const REG_QUEUE_PFN: u16 = 0x08;
const REG_QUEUE_SIZE: u16 = 0x0c;
const REG_QUEUE_SELECT: u16 = 0x0e;
const REG_QUEUE_NOTIFY: u16 = 0x10;
const REG_STATUS: u16 = 0x12;
const REG_ISR: u16 = 0x13;
/// Device-specific configuration (no MSI-X: right after the common part).
const REG_CONFIG: u16 = 0x14;

const STATUS_ACKNOWLEDGE: u8 = 1;
const STATUS_DRIVER: u8 = 2;
const STATUS_DRIVER_OK: u8 = 4;
const STATUS_FAILED: u8 = 0x80;

const F_MAC: u32 = 1 << 5;

const RX: u16 = 0;
const TX: u16 = 1;
const HDR: usize = 10;
const BUF: usize = 2048;
const PAGE: usize = HALVM_PAGE_SIZE as usize;
/// Ethernet frame without FCS: header and 1500 bytes of payload.
pub const MTU: usize = 1514;

pub struct VirtioNet {
    io: u16,
    rx: Queue,
    tx: Queue,
    rx_bufs: *mut u8,
    tx_bufs: *mut u8,
    tx_free: [u16; super::virtqueue::MAX_SIZE as usize],
    tx_free_len: usize,
    rx_notify: bool,
    tx_notify: bool,
    /// The device reported something impossible; it is not used again.
    broken: bool,
    pub mac: [u8; 6],
    /// The legacy interrupt line the firmware assigned, if any.
    pub irq: Option<u8>,
    pub frames_in: u64,
    pub frames_out: u64,
}

fn alloc(bytes: usize) -> Result<*mut u8, &'static str> {
    let p = crate::memory::halvm_alloc_pages(bytes.div_ceil(PAGE)) as *mut u8;
    if p.is_null() { Err("out of memory for the queues") } else { Ok(p) }
}

impl VirtioNet {
    /// Resets and starts the device at `f`.
    pub fn init(f: Function) -> Result<VirtioNet, &'static str> {
        let bar = f.read32(pci::BAR0);
        if bar & 1 == 0 || bar & !3 == 0 {
            return Err("BAR 0 is not an assigned I/O port range (is this a modern-only device? use disable-legacy=off)");
        }
        let io = (bar & 0xfffc) as u16;
        let cmd = f.read16(pci::COMMAND);
        f.write16(pci::COMMAND, (cmd | pci::COMMAND_IO | pci::COMMAND_BUS_MASTER) & !pci::COMMAND_INTX_DISABLE);
        // SAFETY: the device's own registers, in the order virtio 0.9.5
        // prescribes: reset, acknowledge, driver, features, queues, ok.
        unsafe {
            outb(io + REG_STATUS, 0);
            outb(io + REG_STATUS, STATUS_ACKNOWLEDGE);
            outb(io + REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
            let features = inl(io + REG_DEVICE_FEATURES);
            outl(io + REG_GUEST_FEATURES, features & F_MAC);
            let rx = Self::setup_queue(io, RX).inspect_err(|_| outb(io + REG_STATUS, STATUS_FAILED))?;
            let tx = Self::setup_queue(io, TX).inspect_err(|_| outb(io + REG_STATUS, STATUS_FAILED))?;
            let mut mac = [0u8; 6];
            if features & F_MAC != 0 {
                for (i, b) in mac.iter_mut().enumerate() {
                    *b = inb(io + REG_CONFIG + i as u16);
                }
            } else {
                // a locally administered address from the generator or TSC
                let mut r = [0u8; 8];
                if crate::entropy::halvm_entropy(r.as_mut_ptr().cast(), 8) != 0 {
                    r = crate::cpu::rdtsc().to_le_bytes();
                }
                mac.copy_from_slice(&r[..6]);
                mac[0] = (mac[0] & 0xfe) | 0x02;
            }
            let rx_bufs = alloc(rx.size() as usize * BUF).inspect_err(|_| outb(io + REG_STATUS, STATUS_FAILED))?;
            let tx_bufs = alloc(tx.size() as usize * BUF).inspect_err(|_| outb(io + REG_STATUS, STATUS_FAILED))?;
            let line = f.read8(pci::INTERRUPT_LINE);
            let mut dev = VirtioNet {
                io, rx, tx, rx_bufs, tx_bufs,
                tx_free: [0; super::virtqueue::MAX_SIZE as usize], tx_free_len: 0,
                rx_notify: false, tx_notify: false, broken: false, mac,
                irq: (1..16).contains(&line).then_some(line),
                frames_in: 0, frames_out: 0,
            };
            for i in 0..dev.rx.size() {
                dev.rx.set_desc(i, rx_bufs as u64 + i as u64 * BUF as u64, BUF as u32, DESC_F_WRITE);
                dev.rx.post(i);
            }
            for i in (0..dev.tx.size()).rev() {
                dev.tx_free[dev.tx_free_len] = i;
                dev.tx_free_len += 1;
            }
            outb(io + REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK);
            outw(io + REG_QUEUE_NOTIFY, RX);
            Ok(dev)
        }
    }

    unsafe fn setup_queue(io: u16, q: u16) -> Result<Queue, &'static str> {
        outw(io + REG_QUEUE_SELECT, q);
        let size = inw(io + REG_QUEUE_SIZE);
        let layout = Layout::legacy(size).ok_or("the device offers no usable queue (size 0, not a power of two, or over 1024)")?;
        let mem = alloc(layout.total)?;
        let pfn = mem as u64 / PAGE as u64;
        if pfn > u32::MAX as u64 {
            return Err("queue memory beyond the legacy transport's 44-bit reach");
        }
        outl(io + REG_QUEUE_PFN, pfn as u32);
        Ok(Queue::new(mem, layout))
    }

    /// Acknowledges the device's interrupt (reading the ISR lowers the
    /// level-triggered line). Interrupt context.
    pub fn ack_interrupt(io: u16) -> u8 {
        // SAFETY: reading the ISR register only clears it.
        unsafe { inb(io + REG_ISR) }
    }

    pub fn io_base(&self) -> u16 {
        self.io
    }

    /// Notifies the device of buffers posted since the last call.
    pub fn flush(&mut self) {
        // SAFETY: the queue notify register.
        unsafe {
            if self.rx_notify {
                self.rx_notify = false;
                if self.rx.needs_notify() {
                    outw(self.io + REG_QUEUE_NOTIFY, RX);
                }
            }
            if self.tx_notify {
                self.tx_notify = false;
                if self.tx.needs_notify() {
                    outw(self.io + REG_QUEUE_NOTIFY, TX);
                }
            }
        }
    }

    fn fail(&mut self, what: &str, e: super::virtqueue::RingError) {
        crate::kprintln!("halvm: net: virtio-net {what} queue broken ({e}); the interface stops");
        self.broken = true;
        // SAFETY: tells the device the driver gave up.
        unsafe { outb(self.io + REG_STATUS, STATUS_FAILED) };
    }

    fn reclaim_tx(&mut self) {
        loop {
            match self.tx.take_used() {
                Ok(Some((id, _))) => {
                    self.tx_free[self.tx_free_len] = id;
                    self.tx_free_len += 1;
                }
                Ok(None) => return,
                Err(e) => return self.fail("transmit", e),
            }
        }
    }

    /// Whether a received frame is waiting (no side effects on the rings
    /// beyond validation).
    pub fn rx_pending(&mut self) -> bool {
        !self.broken && self.rx.has_used()
    }
}

pub struct RxToken<'a> {
    dev: *mut VirtioNet,
    id: u16,
    len: usize,
    _life: core::marker::PhantomData<&'a mut VirtioNet>,
}

pub struct TxToken<'a> {
    dev: *mut VirtioNet,
    _life: core::marker::PhantomData<&'a mut VirtioNet>,
}

impl smoltcp::phy::RxToken for RxToken<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        // SAFETY: the token borrows the device mutably for its lifetime
        // (PhantomData); the buffer is this descriptor's, which the device
        // gave back and which is not re-posted until after `f`.
        let dev = unsafe { &mut *self.dev };
        let buf = unsafe { core::slice::from_raw_parts(dev.rx_bufs.add(self.id as usize * BUF), self.len) };
        let r = f(&buf[HDR..]);
        dev.rx.post(self.id);
        dev.rx_notify = true;
        r
    }
}

impl smoltcp::phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        // SAFETY: as for RxToken; a free descriptor's buffer is the driver's.
        let dev = unsafe { &mut *self.dev };
        dev.reclaim_tx();
        let len = len.min(BUF - HDR);
        if dev.tx_free_len == 0 || dev.broken {
            // no room after all (the receive side's token): the frame is
            // dropped, as a full NIC would; TCP retransmits
            let mut scratch = [0u8; BUF];
            return f(&mut scratch[..len]);
        }
        dev.tx_free_len -= 1;
        let id = dev.tx_free[dev.tx_free_len];
        let buf = unsafe { core::slice::from_raw_parts_mut(dev.tx_bufs.add(id as usize * BUF), HDR + len) };
        buf[..HDR].fill(0);
        let r = f(&mut buf[HDR..]);
        dev.tx.set_desc(id, buf.as_ptr() as u64, (HDR + len) as u32, 0);
        dev.tx.post(id);
        dev.tx_notify = true;
        dev.frames_out += 1;
        // keep the device busy during long bursts
        if dev.tx_free_len < dev.tx.size() as usize / 2 {
            dev.flush();
        }
        r
    }
}

impl Device for VirtioNet {
    type RxToken<'a> = RxToken<'a>;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _: Instant) -> Option<(RxToken<'_>, TxToken<'_>)> {
        if self.broken {
            return None;
        }
        loop {
            match self.rx.take_used() {
                Ok(Some((id, len))) if (len as usize) <= HDR => {
                    // an empty frame: give the buffer straight back
                    self.rx.post(id);
                    self.rx_notify = true;
                }
                Ok(Some((id, len))) => {
                    self.frames_in += 1;
                    let me = self as *mut VirtioNet;
                    return Some((
                        RxToken { dev: me, id, len: len as usize, _life: core::marker::PhantomData },
                        TxToken { dev: me, _life: core::marker::PhantomData },
                    ));
                }
                Ok(None) => return None,
                Err(e) => {
                    self.fail("receive", e);
                    return None;
                }
            }
        }
    }

    fn transmit(&mut self, _: Instant) -> Option<TxToken<'_>> {
        self.reclaim_tx();
        if self.broken || self.tx_free_len == 0 {
            return None;
        }
        Some(TxToken { dev: self as *mut VirtioNet, _life: core::marker::PhantomData })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut c = DeviceCapabilities::default();
        c.medium = Medium::Ethernet;
        c.max_transmission_unit = MTU;
        c
    }
}
