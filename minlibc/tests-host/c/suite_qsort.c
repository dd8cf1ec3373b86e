/*
 * qsort against a reference sort (glibc's qsort with a total order over the
 * whole element, so the result is unique), on random, sorted, reversed,
 * all-equal and few-distinct inputs with element sizes from 1 to 40 bytes;
 * then bsearch for present and absent keys.
 */
#include "suite.h"
#include <stdlib.h>
#include <string.h>

static size_t elem_size;

/* Orders by the first byte (the "key"), then by the rest, so equal keys
 * still have a unique sorted order. */
static int cmp_elem(const void *a, const void *b)
{
    return memcmp(a, b, elem_size);
}

static int cmp_key(const void *a, const void *b)
{
    return (int)*(const unsigned char *)a - (int)*(const unsigned char *)b;
}

unsigned long suite_qsort(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    struct report r = { buf, cap, 0, 0 };
    uint64_t s = seed;
    static const size_t sizes[] = { 1, 2, 4, 8, 12, 16, 24, 40 };
    static unsigned char a[5000 * 40], b[5000 * 40];
    for (unsigned long n = 0; n < cases; n++) {
        elem_size = sizes[rnd_below(&s, sizeof sizes / sizeof sizes[0])];
        size_t count = rnd_below(&s, 4) == 0 ? rnd_below(&s, 5000) : rnd_below(&s, 40);
        int shape = (int)rnd_below(&s, 5);
        unsigned distinct = shape == 4 ? 3 : 256;
        for (size_t i = 0; i < count * elem_size; i++)
            a[i] = (unsigned char)rnd_below(&s, distinct);
        if (shape == 1 || shape == 2) {
            qsort(a, count, elem_size, cmp_elem);
            if (shape == 2)
                for (size_t i = 0; i < count / 2; i++)
                    for (size_t k = 0; k < elem_size; k++) {
                        unsigned char t = a[i * elem_size + k];
                        a[i * elem_size + k] = a[(count - 1 - i) * elem_size + k];
                        a[(count - 1 - i) * elem_size + k] = t;
                    }
        } else if (shape == 3) {
            memset(a, 7, count * elem_size);
        }
        memcpy(b, a, count * elem_size);
        qsort(a, count, elem_size, cmp_elem);
        ml_qsort(b, count, elem_size, cmp_elem);
        if (memcmp(a, b, count * elem_size) != 0) {
            report_fail(&r, "case %lu: %zu elements of %zu bytes (shape %d) sorted differently", n, count, elem_size, shape);
            continue;
        }
        /* bsearch by key on the sorted array */
        for (int t = 0; t < 8 && count > 0; t++) {
            unsigned char key[40] = { 0 };
            key[0] = (unsigned char)rnd_below(&s, 256);
            size_t saved = elem_size;
            unsigned char *hit = ml_bsearch(key, b, count, saved, cmp_key);
            int present = 0;
            for (size_t i = 0; i < count; i++)
                if (b[i * saved] == key[0])
                    present = 1;
            CHECK(&r, present == (hit != NULL), "bsearch key %d: present %d, found %p", key[0], present, (void *)hit);
            CHECK(&r, !hit || *hit == key[0], "bsearch returned an element with key %d for %d", hit ? *hit : -1, key[0]);
        }
    }
    return r.failures;
}
