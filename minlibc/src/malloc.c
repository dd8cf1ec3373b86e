/*
 * The allocator, on platform pages.
 *
 * Every block has a 16-byte header in front of it, so free() can tell what
 * it is given without a global search:
 *  - small blocks (up to 2048 bytes) come from 16 KiB slabs, one size class
 *    per slab; a slab whose blocks are all free goes back to the platform
 *    (except one spare per class, to avoid churn at a boundary);
 *  - large blocks are whole platform page runs, returned on free;
 *  - over-aligned blocks (posix_memalign & co) carry a header that points
 *    back to the block they were carved from.
 * Exhaustion returns NULL with ENOMEM. A header with the wrong magic means
 * heap corruption or a bad free(): that aborts with a message on stderr.
 * Not interrupt-safe (there are no threads; interrupt handlers must not
 * allocate).
 */
#include "internal.h"
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define MAGIC_SMALL   0x534d4c31u  /* "SML1" */
#define MAGIC_LARGE   0x4c524731u  /* "LRG1" */
#define MAGIC_ALIGNED 0x414c4e31u  /* "ALN1" */
#define MAGIC_FREE    0x46524545u  /* "FREE": a freed small block */
#define MAGIC_SLAB    0x534c4142u

#define HDR 16u
#define SLAB_PAGES 4u
#define SLAB_BYTES (SLAB_PAGES * HALVM_PAGE_SIZE)

struct header {
    uint32_t magic;
    uint32_t class_index;   /* small: size class */
    union {
        struct slab *slab;  /* small */
        size_t npages;      /* large: pages in the run */
        size_t offset;      /* aligned: bytes back to the outer block */
    } u;
};

struct slab {
    uint32_t magic;
    uint32_t class_index;
    uint32_t live;          /* blocks handed out */
    uint32_t carved;        /* blocks carved so far from the bump area */
    struct header *free;    /* freed blocks; u.slab reused as the link */
    struct slab *next, *prev;   /* partial list of the class */
    int on_list;
};

static const uint32_t class_size[] = {
    16, 32, 48, 64, 80, 96, 128, 160, 192, 256, 320, 384, 512, 640, 768, 1024, 1280, 1536, 2048,
};
#define NCLASSES (sizeof class_size / sizeof class_size[0])
#define SMALL_MAX 2048u
#define SLAB_FIRST ((sizeof(struct slab) + 15u) & ~15u)

static struct slab *partial[NCLASSES];

static _Noreturn void heap_corrupt(const void *p)
{
    fprintf(stderr, "minlibc: free/realloc of invalid or corrupted block %p\n", p);
    abort();
}

static unsigned class_for(size_t n)
{
    unsigned i = 0;
    while (class_size[i] < n)
        i++;
    return i;
}

static uint32_t slab_capacity(unsigned c)
{
    return (SLAB_BYTES - SLAB_FIRST) / (class_size[c] + HDR);
}

static void list_add(struct slab *s)
{
    s->prev = NULL;
    s->next = partial[s->class_index];
    if (s->next)
        s->next->prev = s;
    partial[s->class_index] = s;
    s->on_list = 1;
}

static void list_remove(struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        partial[s->class_index] = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->on_list = 0;
}

static void *small_alloc(unsigned c)
{
    struct slab *s = partial[c];
    if (!s) {
        s = halvm_alloc_pages(SLAB_PAGES);
        if (!s)
            MINLIBC_FAIL(ENOMEM, NULL);
        s->magic = MAGIC_SLAB;
        s->class_index = c;
        s->live = s->carved = 0;
        s->free = NULL;
        list_add(s);
    }
    struct header *h;
    if (s->free) {
        h = s->free;
        s->free = (struct header *)(void *)h->u.slab;
    } else {
        h = (struct header *)(void *)((char *)s + SLAB_FIRST + (size_t)s->carved * (class_size[c] + HDR));
        s->carved++;
    }
    s->live++;
    if (!s->free && s->carved == slab_capacity(c))
        list_remove(s);
    h->magic = MAGIC_SMALL;
    h->class_index = c;
    h->u.slab = s;
    return (char *)h + HDR;
}

static void small_free(struct header *h)
{
    struct slab *s = h->u.slab;
    if (!s || s->magic != MAGIC_SLAB || h->class_index != s->class_index)
        heap_corrupt((char *)h + HDR);
    h->magic = MAGIC_FREE;
    h->u.slab = (struct slab *)(void *)s->free;
    s->free = h;
    s->live--;
    if (!s->on_list)
        list_add(s);
    /* Give an empty slab back unless it is the class's only one. */
    if (s->live == 0 && (s->next || s->prev)) {
        list_remove(s);
        s->magic = 0;
        halvm_free_pages(s, SLAB_PAGES);
    }
}

static void *large_alloc(size_t n)
{
    if (n > SIZE_MAX - HDR - HALVM_PAGE_SIZE)
        MINLIBC_FAIL(ENOMEM, NULL);
    size_t npages = (n + HDR + HALVM_PAGE_SIZE - 1) / HALVM_PAGE_SIZE;
    struct header *h = halvm_alloc_pages(npages);
    if (!h)
        MINLIBC_FAIL(ENOMEM, NULL);
    h->magic = MAGIC_LARGE;
    h->class_index = 0;
    h->u.npages = npages;
    return (char *)h + HDR;
}

static struct header *header_of(void *p)
{
    return (struct header *)(void *)((char *)p - HDR);
}

/* Usable bytes of a block (what realloc may grow into in place). */
static size_t usable_size(void *p)
{
    struct header *h = header_of(p);
    switch (h->magic) {
    case MAGIC_SMALL:
        return class_size[h->class_index];
    case MAGIC_LARGE:
        return h->u.npages * HALVM_PAGE_SIZE - HDR;
    case MAGIC_ALIGNED: {
        void *outer = (char *)p - h->u.offset;
        return usable_size(outer) - h->u.offset;
    }
    default:
        heap_corrupt(p);
    }
}

size_t malloc_usable_size(void *p)
{
    return p ? usable_size(p) : 0;
}

void *malloc(size_t n)
{
    if (n == 0)
        n = 1;
    if (n <= SMALL_MAX)
        return small_alloc(class_for(n));
    return large_alloc(n);
}

void free(void *p)
{
    if (!p)
        return;
    struct header *h = header_of(p);
    switch (h->magic) {
    case MAGIC_SMALL:
        small_free(h);
        break;
    case MAGIC_LARGE:
        h->magic = 0;
        halvm_free_pages(h, h->u.npages);
        break;
    case MAGIC_ALIGNED:
        h->magic = 0;
        free((char *)p - h->u.offset);
        break;
    default:
        heap_corrupt(p);
    }
}

void *calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        MINLIBC_FAIL(ENOMEM, NULL);
    size_t total = n * size;
    void *p = malloc(total);
    if (p)
        memset(p, 0, total);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    if (n == 0) {
        free(p);
        return NULL;
    }
    size_t have = usable_size(p);
    /* Stay in place unless growing, or shrinking a large run a lot. */
    if (n <= have && !(header_of(p)->magic == MAGIC_LARGE && n <= have / 2))
        return p;
    void *q = malloc(n);
    if (!q)
        return NULL;
    memcpy(q, p, n < have ? n : have);
    free(p);
    return q;
}

void *reallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        MINLIBC_FAIL(ENOMEM, NULL);
    return realloc(p, n * size);
}

static void *aligned_block(size_t align, size_t n)
{
    if (align <= 16)
        return malloc(n);
    if (n > SIZE_MAX - align - HDR)
        MINLIBC_FAIL(ENOMEM, NULL);
    /* Page alignment comes for free with a large run. */
    if (align == HALVM_PAGE_SIZE && n > SMALL_MAX) {
        char *outer = large_alloc(n + HALVM_PAGE_SIZE);
        if (!outer)
            return NULL;
        char *p = outer - HDR + HALVM_PAGE_SIZE;
        struct header *h = header_of(p);
        h->magic = MAGIC_ALIGNED;
        h->u.offset = (size_t)(p - outer);
        return p;
    }
    char *outer = malloc(n + align + HDR);
    if (!outer)
        return NULL;
    uintptr_t a = ((uintptr_t)outer + HDR + align - 1) & ~(uintptr_t)(align - 1);
    char *p = (char *)a;
    struct header *h = header_of(p);
    h->magic = MAGIC_ALIGNED;
    h->class_index = 0;
    h->u.offset = (size_t)(p - outer);
    return p;
}

static int valid_alignment(size_t align)
{
    return align && !(align & (align - 1));
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (!valid_alignment(align) || align % sizeof(void *))
        return EINVAL;
    int saved = errno;
    void *p = aligned_block(align, n ? n : 1);
    errno = saved;
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
    if (!valid_alignment(align))
        MINLIBC_FAIL(EINVAL, NULL);
    return aligned_block(align, n ? n : 1);
}

void *memalign(size_t align, size_t n) { return aligned_alloc(align, n); }
void *valloc(size_t n) { return aligned_alloc(HALVM_PAGE_SIZE, n); }
