/*
 * malloc stress: random malloc/calloc/realloc/free/posix_memalign/
 * aligned_alloc over many live blocks. Every block is filled with a pattern
 * unique to it and checked before it is freed or resized (realloc must
 * keep the common prefix); calloc memory must be zero; alignments are
 * checked; periodically all live blocks are sorted by address and checked
 * for overlap. At the end everything is freed and the platform pages must
 * have gone back (apart from one spare slab per size class).
 */
#include "suite.h"
#include <stdlib.h>
#include <string.h>

#define SLOTS 2000

struct block { unsigned char *p; size_t size; uint64_t tag; };

static unsigned char pattern(uint64_t tag, size_t i) { return (unsigned char)((tag * 31 + i * 7) >> 3); }

static void fill(struct block *b)
{
    for (size_t i = 0; i < b->size; i++)
        b->p[i] = pattern(b->tag, i);
}

static int intact(const struct block *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b->p[i] != pattern(b->tag, i))
            return 0;
    return 1;
}

static size_t random_size(uint64_t *s)
{
    switch (rnd_below(s, 10)) {
    case 0: return rnd_below(s, 17);
    case 1: case 2: case 3: case 4: return 1 + rnd_below(s, 256);
    case 5: case 6: return 1 + rnd_below(s, 4096);
    case 7: case 8: return 1 + rnd_below(s, 70000);
    default: return rnd_below(s, 20) == 0 ? 1 + rnd_below(s, 3 << 20) : 1 + rnd_below(s, 2048);
    }
}

static int by_addr(const void *a, const void *b)
{
    const struct block *x = a, *y = b;
    return x->p < y->p ? -1 : x->p > y->p;
}

static void check_overlap(struct report *r, struct block *slots)
{
    static struct block live[SLOTS];
    size_t n = 0;
    for (size_t i = 0; i < SLOTS; i++)
        if (slots[i].p)
            live[n++] = slots[i];
    qsort(live, n, sizeof live[0], by_addr);
    for (size_t i = 1; i < n; i++)
        CHECK(r, live[i - 1].p + live[i - 1].size <= live[i].p, "blocks overlap: %p+%zu and %p", (void *)live[i - 1].p,
              live[i - 1].size, (void *)live[i].p);
}

unsigned long suite_malloc(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    struct report r = { buf, cap, 0, 0 };
    static struct block slots[SLOTS];
    memset(slots, 0, sizeof slots);
    uint64_t s = seed, tags = 1;
    size_t pages_before = host_pages_live();
    for (unsigned long n = 0; n < cases && r.failures < 5; n++) {
        struct block *b = &slots[rnd_below(&s, SLOTS)];
        int op = (int)rnd_below(&s, 10);
        if (b->p) {
            if (!intact(b, b->size)) {
                report_fail(&r, "op %lu: block %p (%zu bytes) was overwritten", n, (void *)b->p, b->size);
                b->p = NULL;
                continue;
            }
            if (op < 5) {
                ml_free(b->p);
                b->p = NULL;
            } else {
                size_t ns = random_size(&s);
                unsigned char *q = ml_realloc(b->p, ns);
                if (ns == 0) {
                    /* realloc(p, 0) frees and returns NULL (glibc behaviour) */
                    CHECK(&r, q == NULL, "realloc(p, 0) returned %p", (void *)q);
                    b->p = NULL;
                    continue;
                }
                if (!q) {
                    report_fail(&r, "op %lu: realloc to %zu failed", n, ns);
                    continue;
                }
                b->p = q;
                size_t keep = ns < b->size ? ns : b->size;
                CHECK(&r, intact(b, keep), "op %lu: realloc from %zu to %zu lost the contents", n, b->size, ns);
                CHECK(&r, ((uintptr_t)q & 15) == 0, "realloc result %p not 16-byte aligned", (void *)q);
                b->size = ns;
                fill(b);
            }
        } else {
            size_t size = random_size(&s);
            if (op < 6) {
                b->p = ml_malloc(size);
            } else if (op < 8) {
                size_t count = 1 + rnd_below(&s, 8);
                size = (size / count + 1) * count;
                b->p = ml_calloc(count, size / count);
                if (b->p)
                    for (size_t i = 0; i < size; i++)
                        if (b->p[i]) {
                            report_fail(&r, "op %lu: calloc(%zu, %zu) byte %zu is %d", n, count, size / count, i, b->p[i]);
                            break;
                        }
            } else {
                size_t align = (size_t)8 << rnd_below(&s, 11);   /* 8 .. 8192 */
                if (op == 8) {
                    void *p = NULL;
                    int e = ml_posix_memalign(&p, align, size);
                    CHECK(&r, e == 0, "posix_memalign(%zu, %zu) = %d", align, size, e);
                    b->p = p;
                } else {
                    b->p = ml_aligned_alloc(align, size);
                }
                CHECK(&r, ((uintptr_t)b->p & (align - 1)) == 0, "op %lu: %p is not %zu-aligned", n, (void *)b->p, align);
            }
            if (!b->p) {
                report_fail(&r, "op %lu: allocation of %zu bytes failed", n, size);
                continue;
            }
            CHECK(&r, ml_malloc_usable_size(b->p) >= size, "usable size %zu < %zu", ml_malloc_usable_size(b->p), size);
            b->size = size;
            b->tag = tags++;
            fill(b);
        }
        if (n % 5000 == 0)
            check_overlap(&r, slots);
    }
    check_overlap(&r, slots);
    for (size_t i = 0; i < SLOTS; i++)
        if (slots[i].p) {
            CHECK(&r, intact(&slots[i], slots[i].size), "block %zu overwritten at the end", i);
            ml_free(slots[i].p);
            slots[i].p = NULL;
        }
    /* one spare 4-page slab per size class (19) may stay */
    size_t left = host_pages_live() - pages_before;
    CHECK(&r, left <= 19 * 4, "%zu pages still allocated after freeing everything", left);
    return r.failures;
}

/* Exhaustion and argument errors. */
unsigned long suite_malloc_limits(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    (void)seed; (void)cases;
    struct report r = { buf, cap, 0, 0 };
    size_t live = host_pages_live();
    host_set_page_limit(live + 256);    /* 1 MiB more */
    ML_ERRNO = 0;
    void *p = ml_malloc(2 << 20);
    CHECK(&r, p == NULL && ML_ERRNO == ENOMEM, "malloc beyond the memory limit gave %p errno %d", p, ML_ERRNO);
    /* memory grows with demand until the limit, then NULL */
    void *blocks[400];
    int got = 0;
    for (; got < 400; got++) {
        blocks[got] = ml_malloc(8000);
        if (!blocks[got])
            break;
    }
    CHECK(&r, got > 50 && got < 400 && ML_ERRNO == ENOMEM, "filled %d blocks of 8000 bytes in 1 MiB (errno %d)", got, ML_ERRNO);
    for (int i = 0; i < got; i++)
        ml_free(blocks[i]);
    CHECK(&r, host_pages_live() <= live + 19 * 4, "large blocks not returned: %zu pages live", host_pages_live() - live);
    host_set_page_limit((size_t)1 << 22);
    ML_ERRNO = 0;
    p = ml_calloc((size_t)1 << 40, (size_t)1 << 40);
    CHECK(&r, p == NULL && ML_ERRNO == ENOMEM, "calloc overflow gave %p errno %d", p, ML_ERRNO);
    p = ml_malloc((size_t)-1 - 10);
    CHECK(&r, p == NULL && ML_ERRNO == ENOMEM, "malloc(SIZE_MAX-10) gave %p errno %d", p, ML_ERRNO);
    void *q = NULL;
    CHECK(&r, ml_posix_memalign(&q, 24, 10) == EINVAL, "posix_memalign alignment 24 accepted");
    CHECK(&r, ml_posix_memalign(&q, 4, 10) == EINVAL, "posix_memalign alignment 4 accepted");
    ML_ERRNO = 0;
    CHECK(&r, ml_aligned_alloc(3, 10) == NULL && ML_ERRNO == EINVAL, "aligned_alloc alignment 3 accepted");
    ml_free(NULL);
    void *z = ml_malloc(0);
    CHECK(&r, z != NULL, "malloc(0) returned NULL");
    ml_free(z);
    return r.failures;
}
