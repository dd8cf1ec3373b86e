//! A bitmap over physical pages (one bit per 4 KiB page, set = in use)
//! that finds aligned runs of free pages. Pure logic, tested on the host;
//! memory.rs puts it in front of the machine's RAM.

pub struct PageBitmap<'a> {
    bits: &'a mut [u64],
    pages: usize,
    free: usize,
}

/// free() was given pages that are not (all) allocated.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct NotAllocated;

/// Where to look for a free run first.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum From {
    /// Lowest addresses first (megablocks: keeps them together).
    Bottom,
    /// Highest addresses first (small page runs: keeps them away from the
    /// megablock area so that they do not fragment it).
    Top,
}

impl<'a> PageBitmap<'a> {
    /// A bitmap for `pages` pages, all in use until marked free.
    pub fn new(bits: &'a mut [u64], pages: usize) -> Self {
        assert!(bits.len() * 64 >= pages, "bitmap too small");
        bits.fill(!0);
        PageBitmap { bits, pages, free: 0 }
    }

    pub fn pages(&self) -> usize {
        self.pages
    }

    pub fn free_pages(&self) -> usize {
        self.free
    }

    /// Marks pages free (RAM the allocator may hand out). Pages beyond the
    /// bitmap are ignored.
    pub fn mark_free(&mut self, first: usize, n: usize) {
        self.set_range(first, n, false);
    }

    /// Marks pages in use (the image, boot data, the bitmap itself).
    pub fn mark_used(&mut self, first: usize, n: usize) {
        self.set_range(first, n, true);
    }

    fn set_range(&mut self, first: usize, n: usize, used: bool) {
        let end = first.saturating_add(n).min(self.pages);
        for p in first.min(end)..end {
            let (w, m) = (p / 64, 1u64 << (p % 64));
            if (self.bits[w] & m != 0) != used {
                self.bits[w] ^= m;
                if used { self.free -= 1 } else { self.free += 1 }
            }
        }
    }

    /// Finds `n` free pages starting at a multiple of `align` pages, marks
    /// them used and returns the first page number.
    pub fn alloc(&mut self, n: usize, align: usize, from: From) -> Option<usize> {
        if n == 0 || n > self.free || !align.is_power_of_two() {
            return None;
        }
        let first = match from {
            From::Bottom => self.search_up(n, align)?,
            From::Top => self.search_down(n, align)?,
        };
        self.mark_used(first, n);
        Some(first)
    }

    /// Returns pages from alloc(). Fails, changing nothing, when any of
    /// them is not in use (a double free or a wrong count).
    pub fn free(&mut self, first: usize, n: usize) -> Result<(), NotAllocated> {
        if n == 0 || first.checked_add(n).is_none_or(|e| e > self.pages) {
            return Err(NotAllocated);
        }
        if (first..first + n).any(|p| self.bits[p / 64] & (1 << (p % 64)) == 0) {
            return Err(NotAllocated);
        }
        self.mark_free(first, n);
        Ok(())
    }

    fn search_up(&self, n: usize, align: usize) -> Option<usize> {
        let mut start: usize = 0;
        while start.checked_add(n)? <= self.pages {
            match self.first_used(start, start + n) {
                None => return Some(start),
                Some(used) => start = (used + 1).next_multiple_of(align),
            }
        }
        None
    }

    fn search_down(&self, n: usize, align: usize) -> Option<usize> {
        let mut end = self.pages;
        while end >= n {
            let start = (end - n) / align * align;
            match self.last_used(start, start + n) {
                None => return Some(start),
                Some(used) => end = used,
            }
        }
        None
    }

    /// Mask of bits [lo, lo + len) of one word.
    fn mask(lo: usize, len: usize) -> u64 {
        if len == 64 { !0 } else { ((1u64 << len) - 1) << lo }
    }

    fn first_used(&self, start: usize, end: usize) -> Option<usize> {
        let mut p = start;
        while p < end {
            let (w, lo) = (p / 64, p % 64);
            let len = (64 - lo).min(end - p);
            let hit = self.bits[w] & Self::mask(lo, len);
            if hit != 0 {
                return Some(w * 64 + hit.trailing_zeros() as usize);
            }
            p += len;
        }
        None
    }

    fn last_used(&self, start: usize, end: usize) -> Option<usize> {
        let mut p = end;
        while p > start {
            let w = (p - 1) / 64;
            let lo = start.max(w * 64);
            let hit = self.bits[w] & Self::mask(lo % 64, p - lo);
            if hit != 0 {
                return Some(w * 64 + 63 - hit.leading_zeros() as usize);
            }
            p = lo;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_runs_from_both_ends_and_exhaustion() {
        let mut bits = [0u64; 16];
        let mut bm = PageBitmap::new(&mut bits, 1000);
        bm.mark_free(3, 990); // pages 3..993
        assert_eq!(bm.free_pages(), 990);
        assert_eq!(bm.alloc(256, 256, From::Bottom), Some(256));
        assert_eq!(bm.alloc(256, 256, From::Bottom), Some(512));
        // 768..1024 would pass the end of RAM (993): no third megablock.
        assert_eq!(bm.alloc(256, 256, From::Bottom), None);
        assert_eq!(bm.alloc(2, 1, From::Top), Some(991));
        assert_eq!(bm.alloc(1, 1, From::Bottom), Some(3));
        let free = bm.free_pages();
        let mut got = 0;
        while bm.alloc(1, 1, From::Top).is_some() {
            got += 1;
        }
        assert_eq!(got, free);
        assert_eq!(bm.free_pages(), 0);
    }

    #[test]
    fn free_rejects_double_free_and_restores_count() {
        let mut bits = [0u64; 4];
        let mut bm = PageBitmap::new(&mut bits, 200);
        bm.mark_free(0, 200);
        let a = bm.alloc(70, 1, From::Bottom).unwrap();
        assert_eq!(bm.free_pages(), 130);
        assert_eq!(bm.free(a, 70), Ok(()));
        assert_eq!(bm.free(a, 70), Err(NotAllocated));
        assert_eq!(bm.free(190, 20), Err(NotAllocated));
        assert_eq!(bm.free_pages(), 200);
        // Everything is one run again.
        assert_eq!(bm.alloc(200, 1, From::Top), Some(0));
    }

    #[test]
    fn runs_skip_used_pages_across_words() {
        let mut bits = [0u64; 4];
        let mut bm = PageBitmap::new(&mut bits, 256);
        bm.mark_free(0, 256);
        bm.mark_used(100, 1);
        assert_eq!(bm.alloc(100, 1, From::Bottom), Some(0));
        assert_eq!(bm.alloc(100, 1, From::Bottom), Some(101));
        assert_eq!(bm.alloc(100, 1, From::Bottom), None);
        assert_eq!(bm.alloc(55, 1, From::Top), Some(201));
    }
}
