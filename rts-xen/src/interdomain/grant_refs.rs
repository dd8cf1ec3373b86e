//! Which grant references the program's grants use. References below
//! FIRST_FREE are reserved by Xen's ABI (GNTTAB_NR_RESERVED_ENTRIES: the
//! toolstack puts the console's and XenStore's pages in 0 and 1) and are
//! never handed out.

/// GNTTAB_NR_RESERVED_ENTRIES (xen/grant_table.h).
pub const FIRST_FREE: u32 = 8;
/// Entries of one v1 grant-table frame (8 bytes each).
pub const ENTRIES_PER_FRAME: u32 = 4096 / 8;
/// Frames rts-xen maps at most: 2048 entries, 2040 grants at once.
pub const MAX_FRAMES: u32 = 4;
const MAX_REFS: usize = (MAX_FRAMES * ENTRIES_PER_FRAME) as usize;

pub struct GrantRefs {
    used: [u64; MAX_REFS / 64],
    /// References [0, limit) exist (the frames actually mapped).
    limit: u32,
}

impl GrantRefs {
    pub const fn new() -> Self {
        GrantRefs { used: [0; MAX_REFS / 64], limit: 0 }
    }

    /// Sets how many frames are mapped (more than MAX_FRAMES count as MAX_FRAMES).
    pub fn set_frames(&mut self, frames: u32) {
        self.limit = frames.min(MAX_FRAMES) * ENTRIES_PER_FRAME;
    }

    pub fn capacity(&self) -> u32 {
        self.limit.saturating_sub(FIRST_FREE)
    }

    /// A free reference, now in use; None when all are taken.
    pub fn alloc(&mut self) -> Option<u32> {
        let r = (FIRST_FREE..self.limit).find(|&r| !self.in_use(r))?;
        self.used[(r / 64) as usize] |= 1 << (r % 64);
        Some(r)
    }

    pub fn in_use(&self, r: u32) -> bool {
        r < self.limit && self.used[(r / 64) as usize] & (1 << (r % 64)) != 0
    }

    /// Returns `r`; false if it was not handed out.
    pub fn free(&mut self, r: u32) -> bool {
        if r < FIRST_FREE || !self.in_use(r) {
            return false;
        }
        self.used[(r / 64) as usize] &= !(1 << (r % 64));
        true
    }
}

impl Default for GrantRefs {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_handed_out_before_frames_are_mapped() {
        let mut g = GrantRefs::new();
        assert_eq!(g.alloc(), None);
    }

    #[test]
    fn reserved_references_are_never_handed_out_nor_freed() {
        let mut g = GrantRefs::new();
        g.set_frames(1);
        assert_eq!(g.alloc(), Some(FIRST_FREE));
        for r in 0..FIRST_FREE {
            assert!(!g.free(r));
        }
    }

    #[test]
    fn a_full_table_refuses_and_a_freed_reference_is_reused() {
        let mut g = GrantRefs::new();
        g.set_frames(1);
        assert_eq!(g.capacity(), 504);
        let refs: Vec<u32> = std::iter::from_fn(|| g.alloc()).collect();
        assert_eq!(refs.len(), 504);
        assert_eq!(*refs.last().unwrap(), 511);
        assert_eq!(g.alloc(), None);
        assert!(g.free(100));
        assert!(!g.free(100), "a double free is refused");
        assert_eq!(g.alloc(), Some(100));
    }

    #[test]
    fn references_beyond_the_mapped_frames_do_not_exist() {
        let mut g = GrantRefs::new();
        g.set_frames(99);
        assert_eq!(g.capacity(), MAX_FRAMES * ENTRIES_PER_FRAME - FIRST_FREE);
        assert!(!g.free(MAX_FRAMES * ENTRIES_PER_FRAME));
        assert!(!g.in_use(u32::MAX));
    }
}
