//! A split virtqueue in the legacy (virtio 0.9.5) layout: the descriptor
//! table, the driver's "available" ring and, on the next page boundary,
//! the device's "used" ring, all in one physically contiguous run that the
//! device finds through one page frame number.
//!
//! The device is not trusted: every completion it reports (the used
//! ring's index, each entry's descriptor id and length) is checked before
//! the driver acts on it, so a broken or hostile device yields an error,
//! never an access outside the queue or a buffer.
//!
//! Pure memory arithmetic over a raw region, so it runs in the host's unit
//! tests with the test playing the device.

use core::ptr::{read_volatile, write_volatile};
use core::sync::atomic::{fence, Ordering};

/// Descriptor flags.
pub const DESC_F_NEXT: u16 = 1;
pub const DESC_F_WRITE: u16 = 2;
/// Used-ring flag: the device does not want to be notified.
pub const USED_F_NO_NOTIFY: u16 = 1;
/// The legacy transport aligns the used ring to this.
pub const ALIGN: usize = 4096;
/// The largest queue this driver accepts (QEMU's virtio-net has 256).
pub const MAX_SIZE: u16 = 1024;

/// Where the parts of a queue of `size` entries lie, in bytes from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub size: u16,
    pub avail: usize,
    pub used: usize,
    /// Bytes in all, a multiple of ALIGN.
    pub total: usize,
}

impl Layout {
    /// The legacy layout (virtio 0.9.5, 2.3): descriptors (16 bytes each),
    /// then the available ring (flags, index, one u16 per entry, used_event),
    /// then, aligned, the used ring (flags, index, 8 bytes per entry,
    /// avail_event). None unless `size` is a power of two up to MAX_SIZE.
    pub fn legacy(size: u16) -> Option<Layout> {
        if size == 0 || !size.is_power_of_two() || size > MAX_SIZE {
            return None;
        }
        let n = size as usize;
        let avail = 16 * n;
        let used = (avail + 6 + 2 * n).next_multiple_of(ALIGN);
        let total = (used + 6 + 8 * n).next_multiple_of(ALIGN);
        Some(Layout { size, avail, used, total })
    }
}

/// What the device reported that cannot be right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingError {
    /// The used index moved further than the queue has entries.
    IndexRunaway { pending: u16, size: u16 },
    /// A used entry names a descriptor outside the table.
    BadId(u32),
    /// A used entry names a descriptor the driver had not handed over.
    NotOutstanding(u16),
    /// A used entry claims more bytes than the descriptor's buffer holds.
    BadLength { id: u16, len: u32, capacity: u32 },
}

impl core::fmt::Display for RingError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            RingError::IndexRunaway { pending, size } =>
                write!(f, "used index ahead by {pending} entries in a queue of {size}"),
            RingError::BadId(id) => write!(f, "used entry names descriptor {id}, outside the table"),
            RingError::NotOutstanding(id) => write!(f, "used entry names descriptor {id}, which the device did not own"),
            RingError::BadLength { id, len, capacity } =>
                write!(f, "used entry for descriptor {id} claims {len} bytes of a {capacity}-byte buffer"),
        }
    }
}

/// One queue, driver side. Each descriptor is used alone (no chains).
pub struct Queue {
    base: *mut u8,
    layout: Layout,
    /// The next value of the available ring's index.
    avail_idx: u16,
    /// The used-ring index up to which completions were taken.
    last_used: u16,
    /// Descriptors currently owned by the device, one bit each.
    outstanding: [u64; MAX_SIZE as usize / 64],
}

impl Queue {
    /// Takes over `layout.total` zeroed bytes at `base`, aligned to ALIGN.
    ///
    /// # Safety
    /// The region must stay valid, and be used by nothing but this queue
    /// and the device, for as long as the queue exists.
    pub unsafe fn new(base: *mut u8, layout: Layout) -> Queue {
        Queue { base, layout, avail_idx: 0, last_used: 0, outstanding: [0; MAX_SIZE as usize / 64] }
    }

    pub fn size(&self) -> u16 {
        self.layout.size
    }

    fn desc(&self, i: u16) -> *mut u8 {
        debug_assert!(i < self.layout.size);
        // SAFETY: inside the table (i < size), inside the region.
        unsafe { self.base.add(16 * i as usize) }
    }

    /// Describes buffer `i`: `len` bytes at physical address `addr`.
    pub fn set_desc(&mut self, i: u16, addr: u64, len: u32, flags: u16) {
        assert!(i < self.layout.size, "descriptor {i} outside a queue of {}", self.layout.size);
        let d = self.desc(i);
        // SAFETY: a 16-byte descriptor inside the region (see desc()).
        unsafe {
            write_volatile(d as *mut u64, addr);
            write_volatile(d.add(8) as *mut u32, len);
            write_volatile(d.add(12) as *mut u16, flags & !DESC_F_NEXT);
            write_volatile(d.add(14) as *mut u16, 0);
        }
    }

    fn desc_len(&self, i: u16) -> u32 {
        // SAFETY: as in set_desc.
        unsafe { read_volatile(self.desc(i).add(8) as *const u32) }
    }

    fn owned(&self, i: u16) -> bool {
        self.outstanding[i as usize / 64] & (1 << (i % 64)) != 0
    }

    fn set_owned(&mut self, i: u16, owned: bool) {
        let bit = 1u64 << (i % 64);
        let w = &mut self.outstanding[i as usize / 64];
        *w = if owned { *w | bit } else { *w & !bit };
    }

    /// Whether the device owns descriptor `i` right now.
    pub fn is_outstanding(&self, i: u16) -> bool {
        i < self.layout.size && self.owned(i)
    }

    /// Hands descriptor `i` (described with set_desc) to the device. The
    /// caller then notifies the device if `needs_notify()`.
    pub fn post(&mut self, i: u16) {
        assert!(i < self.layout.size && !self.owned(i), "descriptor {i} posted twice or out of range");
        self.set_owned(i, true);
        let n = self.layout.size;
        let avail = self.layout.avail;
        // SAFETY: ring slot and index inside the available ring.
        unsafe {
            let slot = self.base.add(avail + 4 + 2 * (self.avail_idx % n) as usize) as *mut u16;
            write_volatile(slot, i);
            // The device must see the slot before the index that covers it.
            fence(Ordering::SeqCst);
            self.avail_idx = self.avail_idx.wrapping_add(1);
            write_volatile(self.base.add(avail + 2) as *mut u16, self.avail_idx);
        }
        // And the index before the notification that follows.
        fence(Ordering::SeqCst);
    }

    /// Whether the device asked to be notified of new buffers.
    pub fn needs_notify(&self) -> bool {
        // SAFETY: the used ring's flags, inside the region.
        let flags = unsafe { read_volatile(self.base.add(self.layout.used) as *const u16) };
        flags & USED_F_NO_NOTIFY == 0
    }

    /// Whether the device has completed anything not yet taken.
    pub fn has_used(&self) -> bool {
        // SAFETY: the used ring's index, inside the region.
        unsafe { read_volatile(self.base.add(self.layout.used + 2) as *const u16) != self.last_used }
    }

    /// The next completion: the descriptor the device gave back and the
    /// bytes it wrote into it (for device-writable buffers). Ok(None) when
    /// there is none; an error when the device reports something
    /// impossible (the queue should then be considered broken).
    pub fn take_used(&mut self) -> Result<Option<(u16, u32)>, RingError> {
        let used = self.layout.used;
        let n = self.layout.size;
        // SAFETY: the used ring's index, inside the region.
        let idx = unsafe { read_volatile(self.base.add(used + 2) as *const u16) };
        let pending = idx.wrapping_sub(self.last_used);
        if pending == 0 {
            return Ok(None);
        }
        if pending > n {
            return Err(RingError::IndexRunaway { pending, size: n });
        }
        // Read the entry only after the index that published it.
        fence(Ordering::SeqCst);
        let slot = used + 4 + 8 * (self.last_used % n) as usize;
        // SAFETY: an 8-byte entry inside the used ring.
        let (id, len) = unsafe {
            (read_volatile(self.base.add(slot) as *const u32), read_volatile(self.base.add(slot + 4) as *const u32))
        };
        if id >= n as u32 {
            return Err(RingError::BadId(id));
        }
        let id = id as u16;
        if !self.owned(id) {
            return Err(RingError::NotOutstanding(id));
        }
        let capacity = self.desc_len(id);
        if len > capacity {
            return Err(RingError::BadLength { id, len, capacity });
        }
        self.set_owned(id, false);
        self.last_used = self.last_used.wrapping_add(1);
        Ok(Some((id, len)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::{alloc_zeroed, dealloc, Layout as Mem};

    /// A queue over page-aligned host memory, and the device's view of it.
    struct Fixture {
        mem: *mut u8,
        mem_layout: Mem,
        q: Queue,
        device_used_idx: u16,
        device_avail_seen: u16,
    }

    impl Fixture {
        fn new(size: u16) -> Fixture {
            let layout = Layout::legacy(size).unwrap();
            let mem_layout = Mem::from_size_align(layout.total, ALIGN).unwrap();
            let mem = unsafe { alloc_zeroed(mem_layout) };
            let q = unsafe { Queue::new(mem, layout) };
            Fixture { mem, mem_layout, q, device_used_idx: 0, device_avail_seen: 0 }
        }
        fn u16_at(&self, off: usize) -> u16 {
            unsafe { read_volatile(self.mem.add(off) as *const u16) }
        }
        /// The device takes the next available descriptor.
        fn device_take(&mut self) -> Option<u16> {
            let l = self.q.layout;
            if self.u16_at(l.avail + 2) == self.device_avail_seen {
                return None;
            }
            let id = self.u16_at(l.avail + 4 + 2 * (self.device_avail_seen % l.size) as usize);
            self.device_avail_seen = self.device_avail_seen.wrapping_add(1);
            Some(id)
        }
        /// The device completes (id, len), raw.
        fn device_complete(&mut self, id: u32, len: u32) {
            let l = self.q.layout;
            let slot = l.used + 4 + 8 * (self.device_used_idx % l.size) as usize;
            unsafe {
                write_volatile(self.mem.add(slot) as *mut u32, id);
                write_volatile(self.mem.add(slot + 4) as *mut u32, len);
            }
            self.device_used_idx = self.device_used_idx.wrapping_add(1);
            self.set_used_idx(self.device_used_idx);
        }
        fn set_used_idx(&mut self, idx: u16) {
            unsafe { write_volatile(self.mem.add(self.q.layout.used + 2) as *mut u16, idx) };
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            unsafe { dealloc(self.mem, self.mem_layout) };
        }
    }

    #[test]
    fn legacy_layout_matches_the_specification() {
        // virtio 0.9.5 2.3: QEMU's 256-entry virtio-net queues take 3 pages:
        // 4096 bytes of descriptors, the available ring, the used ring
        // on the next page boundary.
        assert_eq!(Layout::legacy(256), Some(Layout { size: 256, avail: 4096, used: 8192, total: 12288 }));
        assert_eq!(Layout::legacy(16), Some(Layout { size: 16, avail: 256, used: 4096, total: 8192 }));
        assert_eq!(Layout::legacy(1024).unwrap().used, (16 * 1024 + 6 + 2048usize).next_multiple_of(4096));
        for bad in [0, 3, 100, 2048, u16::MAX] {
            assert_eq!(Layout::legacy(bad), None, "size {bad}");
        }
    }

    #[test]
    fn posted_buffers_come_back_in_order_across_the_index_wrap() {
        let mut f = Fixture::new(8);
        for i in 0..8 {
            f.q.set_desc(i, 0x10000 + i as u64 * 2048, 2048, DESC_F_WRITE);
        }
        // 70 000 round trips: the 16-bit indices wrap more than once.
        let mut next = 0u16;
        for i in 0..8 {
            f.q.post(i);
        }
        for round in 0..70_000u32 {
            let id = f.device_take().expect("a buffer is available");
            f.device_complete(id as u32, round % 2049);
            let (got, len) = f.q.take_used().unwrap().expect("a completion");
            assert_eq!((got, len), (next, round % 2049));
            assert_eq!(f.q.take_used(), Ok(None));
            f.q.post(got);
            next = (next + 1) % 8;
        }
        assert!(f.q.needs_notify());
    }

    #[test]
    fn a_used_index_running_ahead_of_the_queue_is_an_error() {
        let mut f = Fixture::new(8);
        f.q.set_desc(0, 0x1000, 100, 0);
        f.q.post(0);
        f.set_used_idx(9);
        assert_eq!(f.q.take_used(), Err(RingError::IndexRunaway { pending: 9, size: 8 }));
        f.set_used_idx(u16::MAX);
        assert!(matches!(f.q.take_used(), Err(RingError::IndexRunaway { .. })));
    }

    #[test]
    fn completions_naming_foreign_descriptors_or_overlong_lengths_are_errors() {
        let mut f = Fixture::new(8);
        for i in 0..4 {
            f.q.set_desc(i, 0x1000 * i as u64, 1500, DESC_F_WRITE);
            f.q.post(i);
        }
        f.device_complete(8, 10);
        assert_eq!(f.q.take_used(), Err(RingError::BadId(8)));

        let mut f = Fixture::new(8);
        f.q.set_desc(0, 0x1000, 1500, DESC_F_WRITE);
        f.q.post(0);
        f.device_complete(u32::MAX, 10);
        assert_eq!(f.q.take_used(), Err(RingError::BadId(u32::MAX)));

        // descriptor 5 was never posted; descriptor 0 completed twice
        let mut f = Fixture::new(8);
        f.q.set_desc(0, 0x1000, 1500, DESC_F_WRITE);
        f.q.post(0);
        f.device_complete(5, 10);
        assert_eq!(f.q.take_used(), Err(RingError::NotOutstanding(5)));
        let mut f = Fixture::new(8);
        f.q.set_desc(0, 0x1000, 1500, DESC_F_WRITE);
        f.q.post(0);
        f.device_complete(0, 10);
        f.device_complete(0, 10);
        assert_eq!(f.q.take_used(), Ok(Some((0, 10))));
        assert_eq!(f.q.take_used(), Err(RingError::NotOutstanding(0)));

        let mut f = Fixture::new(8);
        f.q.set_desc(0, 0x1000, 1500, DESC_F_WRITE);
        f.q.post(0);
        f.device_complete(0, 1501);
        assert_eq!(f.q.take_used(), Err(RingError::BadLength { id: 0, len: 1501, capacity: 1500 }));
    }

    #[test]
    fn the_device_can_suppress_notifications() {
        let f = Fixture::new(8);
        assert!(f.q.needs_notify());
        unsafe { write_volatile(f.mem.add(f.q.layout.used) as *mut u16, USED_F_NO_NOTIFY) };
        assert!(!f.q.needs_notify());
    }

    #[test]
    #[should_panic(expected = "posted twice")]
    fn posting_a_descriptor_the_device_owns_is_a_driver_bug() {
        let mut f = Fixture::new(8);
        f.q.set_desc(1, 0x1000, 64, 0);
        f.q.post(1);
        f.q.post(1);
    }
}
