/*
 * qsort: median-of-three quicksort with insertion sort for short ranges,
 * recursing into the smaller side (O(log n) stack) and falling back to
 * heapsort when the depth budget runs out, so adversarial inputs stay
 * O(n log n).
 */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>

typedef int (*cmp3_fn)(const void *, const void *, void *);

static void swap_bytes(char *a, char *b, size_t n)
{
    while (n--) {
        char t = *a;
        *a++ = *b;
        *b++ = t;
    }
}

static void insertion_sort(char *base, size_t n, size_t sz, cmp3_fn cmp, void *arg)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && cmp(base + (j - 1) * sz, base + j * sz, arg) > 0; j--)
            swap_bytes(base + (j - 1) * sz, base + j * sz, sz);
}

static void sift_down(char *base, size_t root, size_t n, size_t sz, cmp3_fn cmp, void *arg)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && cmp(base + child * sz, base + (child + 1) * sz, arg) < 0)
            child++;
        if (cmp(base + root * sz, base + child * sz, arg) >= 0)
            return;
        swap_bytes(base + root * sz, base + child * sz, sz);
        root = child;
    }
}

static void heap_sort(char *base, size_t n, size_t sz, cmp3_fn cmp, void *arg)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(base, i, n, sz, cmp, arg);
    for (size_t end = n; end-- > 1;) {
        swap_bytes(base, base + end * sz, sz);
        sift_down(base, 0, end, sz, cmp, arg);
    }
}

static void sort(char *base, size_t n, size_t sz, cmp3_fn cmp, void *arg, int depth)
{
    while (n > 12) {
        if (depth-- == 0) {
            heap_sort(base, n, sz, cmp, arg);
            return;
        }
        /* median of three into position 0 as the pivot */
        char *lo = base, *mid = base + (n / 2) * sz, *hi = base + (n - 1) * sz;
        if (cmp(mid, lo, arg) < 0) swap_bytes(mid, lo, sz);
        if (cmp(hi, mid, arg) < 0) {
            swap_bytes(hi, mid, sz);
            if (cmp(mid, lo, arg) < 0) swap_bytes(mid, lo, sz);
        }
        swap_bytes(base, mid, sz);
        /* Hoare partition around base[0] */
        size_t i = 0, j = n;
        for (;;) {
            do i++; while (i < n && cmp(base + i * sz, base, arg) < 0);
            do j--; while (cmp(base + j * sz, base, arg) > 0);
            if (i >= j)
                break;
            swap_bytes(base + i * sz, base + j * sz, sz);
        }
        swap_bytes(base, base + j * sz, sz);
        size_t left = j, right = n - j - 1;
        char *rbase = base + (j + 1) * sz;
        if (left < right) {
            sort(base, left, sz, cmp, arg, depth);
            base = rbase;
            n = right;
        } else {
            sort(rbase, right, sz, cmp, arg, depth);
            n = left;
        }
    }
    insertion_sort(base, n, sz, cmp, arg);
}

void qsort_r(void *base, size_t n, size_t sz, cmp3_fn cmp, void *arg)
{
    int depth = 0;
    for (size_t m = n; m; m >>= 1)
        depth += 2;
    if (sz)
        sort(base, n, sz, cmp, arg, depth);
}

static int call_plain(const void *a, const void *b, void *fn)
{
    int (*cmp)(const void *, const void *);
    *(void **)&cmp = fn;
    return cmp(a, b);
}

void qsort(void *base, size_t n, size_t sz, int (*cmp)(const void *, const void *))
{
    qsort_r(base, n, sz, call_plain, *(void **)&cmp);
}

void *bsearch(const void *key, const void *base, size_t n, size_t sz,
              int (*cmp)(const void *, const void *))
{
    const char *lo = base;
    while (n > 0) {
        const char *mid = lo + (n / 2) * sz;
        int c = cmp(key, mid);
        if (c == 0)
            return (void *)mid;
        if (c > 0) {
            lo = mid + sz;
            n -= n / 2 + 1;
        } else {
            n /= 2;
        }
    }
    return NULL;
}
