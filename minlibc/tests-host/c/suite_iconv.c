/*
 * iconv: random strings of Unicode scalar values converted between UTF-8,
 * UTF-16LE/BE, UTF-32LE/BE, Latin-1 and ASCII by glibc and by minlibc:
 * same output, same return value, same errno and same input/output
 * positions, including invalid and truncated input and small output
 * buffers; every successful conversion round-trips.
 */
#include "suite.h"
#include <iconv.h>
#include <string.h>

static const char *const codes[] = { "UTF-8", "UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE", "ISO-8859-1", "ASCII" };
#define NCODES (sizeof codes / sizeof codes[0])

static uint32_t random_cp(uint64_t *s)
{
    switch (rnd_below(s, 5)) {
    case 0: return (uint32_t)rnd_below(s, 0x80);
    case 1: return (uint32_t)rnd_below(s, 0x100);
    case 2: return (uint32_t)rnd_below(s, 0x800);
    case 3: { uint32_t c; do c = (uint32_t)rnd_below(s, 0x10000); while (c >= 0xd800 && c < 0xe000); return c; }
    default: return 0x10000 + (uint32_t)rnd_below(s, 0x100000);
    }
}

static size_t utf32le(uint64_t *s, unsigned char *out, size_t maxchars, int latin1_only)
{
    size_t n = rnd_below(s, maxchars);
    for (size_t i = 0; i < n; i++) {
        uint32_t c = random_cp(s);
        if (latin1_only)
            c &= 0xff;
        memcpy(out + 4 * i, &c, 4);
    }
    return 4 * n;
}

struct result { size_t ret; int err; size_t in_used, out_used; unsigned char out[4096]; };

static void convert(void *(*open_fn)(const char *, const char *), size_t (*conv)(void *, char **, size_t *, char **, size_t *),
                    int (*close_fn)(void *), int *errp, const char *to, const char *from,
                    const unsigned char *in, size_t inlen, size_t outcap, struct result *res)
{
    void *cd = open_fn(to, from);
    char *ip = (char *)in, *op = (char *)res->out;
    size_t il = inlen, ol = outcap;
    *errp = 0;
    res->ret = conv(cd, &ip, &il, &op, &ol);
    res->err = res->ret == (size_t)-1 ? *errp : 0;
    res->in_used = inlen - il;
    res->out_used = outcap - ol;
    close_fn(cd);
}

static void *g_open(const char *t, const char *f) { return iconv_open(t, f); }
static size_t g_conv(void *cd, char **i, size_t *il, char **o, size_t *ol) { return iconv(cd, i, il, o, ol); }
static int g_close(void *cd) { return iconv_close(cd); }

unsigned long suite_iconv(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    struct report r = { buf, cap, 0, 0 };
    uint64_t s = seed;
    static unsigned char u32[4096], src[4096];
    static struct result a, b, back;
    for (unsigned long n = 0; n < cases; n++) {
        const char *from = codes[rnd_below(&s, NCODES)], *to = codes[rnd_below(&s, NCODES)];
        size_t len = utf32le(&s, u32, 200, rnd_below(&s, 3) == 0);
        /* produce the source text with glibc (ignoring what `from` cannot hold) */
        char fromx[40];
        snprintf(fromx, sizeof fromx, "%s//IGNORE", from);
        struct result pre;
        convert(g_open, g_conv, g_close, &errno, fromx, "UTF-32LE", u32, len, sizeof pre.out, &pre);
        size_t srclen = pre.out_used;
        memcpy(src, pre.out, srclen);
        int damage = (int)rnd_below(&s, 6);
        if (damage == 0 && srclen)
            src[rnd_below(&s, srclen)] ^= (unsigned char)(1u << rnd_below(&s, 8));   /* maybe invalid */
        else if (damage == 1 && srclen)
            srclen -= 1;                                                         /* maybe truncated */
        size_t outcap = rnd_below(&s, 4) == 0 ? rnd_below(&s, 64) : sizeof a.out;
        convert(g_open, g_conv, g_close, &errno, to, from, src, srclen, outcap, &a);
        convert(ml_iconv_open, ml_iconv, ml_iconv_close, &ML_ERRNO, to, from, src, srclen, outcap, &b);
        if (a.ret != b.ret || a.err != b.err || a.in_used != b.in_used || a.out_used != b.out_used ||
            memcmp(a.out, b.out, a.out_used) != 0) {
            report_fail(&r, "case %lu: %s -> %s of %zu bytes (cap %zu): glibc ret %zd errno %d used %zu/%zu, "
                        "minlibc ret %zd errno %d used %zu/%zu", n, from, to, srclen, outcap,
                        (ssize_t)a.ret, a.err, a.in_used, a.out_used, (ssize_t)b.ret, b.err, b.in_used, b.out_used);
            continue;
        }
        if (b.ret == 0 && b.err == 0 && b.in_used == srclen) {
            convert(ml_iconv_open, ml_iconv, ml_iconv_close, &ML_ERRNO, from, to, b.out, b.out_used, sizeof back.out, &back);
            CHECK(&r, back.err == 0 && back.out_used == srclen && !memcmp(back.out, src, srclen),
                  "case %lu: %s -> %s -> %s did not round-trip", n, from, to, from);
        }
    }
    /* unknown encodings fail with EINVAL */
    ML_ERRNO = 0;
    CHECK(&r, ml_iconv_open("EBCDIC-US", "UTF-8") == (void *)-1 && ML_ERRNO == EINVAL, "EBCDIC-US accepted");
    /* //TRANSLIT replaces what Latin-1 cannot hold */
    void *cd = ml_iconv_open("ISO-8859-1//TRANSLIT", "UTF-8");
    char in[] = "a\xe2\x82\xac" "b", out[8] = { 0 }, *ip = in, *op = out;
    size_t il = 5, ol = sizeof out;
    size_t ret = ml_iconv(cd, &ip, &il, &op, &ol);
    CHECK(&r, ret == 1 && !strcmp(out, "a?b"), "TRANSLIT gave %zd %s", (ssize_t)ret, out);
    ml_iconv_close(cd);
    return r.failures;
}
