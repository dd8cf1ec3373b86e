/*
 * The page allocator: alignment and zeroing of page runs and megablocks,
 * free restoring the free count, then allocation until exhaustion (which
 * must end in rts-xen's out-of-memory message and NULL, not a fault), and
 * everything freed again. With the argument "no-exhaust" the exhaustion is
 * left out (for machines with gigabytes of memory). Page runs come from
 * the top of memory, so the first one shows whether the highest RAM is
 * mapped and usable.
 */
#include "testlib.h"

#define MB HALVM_MEGABLOCK_SIZE
#define PAGE HALVM_PAGE_SIZE

static void check_zero_and_fill(unsigned char *p, size_t len, const char *what) {
    for (size_t i = 0; i < len; i += 64)
        if (p[i]) { put(what); fail(" was not zeroed"); }
    for (size_t i = 0; i < len; i += 64) p[i] = 0xa5;
}

static void check_basic(void) {
    uint64_t free0 = halvm_memory_free();
    unsigned char *pages = halvm_alloc_pages(3);
    unsigned char *mb = halvm_alloc_megablocks(2);
    if (!pages || !mb) fail("small allocations failed");
    if ((uintptr_t)pages % PAGE) fail("pages are not page-aligned");
    if ((uintptr_t)mb % MB) fail("megablocks are not 1 MiB aligned");
    put("memory: page run at "); put_hex((uintptr_t)pages); put("\n");
    check_zero_and_fill(pages, 3 * PAGE, "pages");
    check_zero_and_fill(mb, 2 * MB, "megablocks");
    if (halvm_memory_free() != free0 - 3 * PAGE - 2 * MB) fail("free count did not drop by the allocation");
    halvm_free_pages(pages, 3);
    halvm_free_megablocks(mb, 2);
    if (halvm_memory_free() != free0) fail("free count not restored after free");
    /* Freed memory comes back zeroed. */
    mb = halvm_alloc_megablocks(2);
    check_zero_and_fill(mb, 2 * MB, "reused megablocks");
    halvm_free_megablocks(mb, 2);
    put("memory: alignment, zeroing and free ok\n");
}

/* Megablocks are kept in a list threaded through their first word. */
static void check_exhaustion(void) {
    uint64_t free0 = halvm_memory_free();
    void *mbs = 0, *pages = 0;
    uint64_t n_mb = 0, n_pages = 0;
    void *p;
    put("exhaust: megablocks\n");
    while ((p = halvm_alloc_megablocks(1))) { *(void **)p = mbs; mbs = p; n_mb++; }
    put("exhaust: pages\n");
    while ((p = halvm_alloc_pages(1))) { *(void **)p = pages; pages = p; n_pages++; }
    put("exhaust: got "); put_u64(n_mb); put(" megablocks and "); put_u64(n_pages);
    put(" pages of "); put_u64(free0 / 1024); put(" KiB free\n");
    if (halvm_memory_free() != 0) fail("allocation stopped while memory was still free");
    if (n_mb * MB + n_pages * PAGE != free0) fail("allocated bytes differ from the free count");
    if (n_mb < free0 / MB / 2) fail("fewer than half of the free memory came as megablocks");
    while (mbs) { p = *(void **)mbs; halvm_free_megablocks(mbs, 1); mbs = p; }
    while (pages) { p = *(void **)pages; halvm_free_pages(pages, 1); pages = p; }
    if (halvm_memory_free() != free0) fail("free count not restored after freeing everything");
    if (!(p = halvm_alloc_megablocks(4))) fail("no megablocks after freeing everything");
    halvm_free_megablocks(p, 4);
    put("exhaust: all memory freed and reusable\n");
}

int main(int argc, char **argv) {
    put("memory: total "); put_u64(halvm_memory_total() / 1024); put(" KiB, free ");
    put_u64(halvm_memory_free() / 1024); put(" KiB\n");
    if (halvm_memory_total() < 16 * MB) fail("less than 16 MiB managed");
    check_basic();
    if (argc < 2 || !str_eq(argv[1], "no-exhaust")) check_exhaustion();
    put("memory: all checks passed\n");
    return 0;
}
