/*
 * printf: random conversion specifications (every conversion, flag, width,
 * precision and length modifier minlibc supports) with random values,
 * formatted by glibc and by minlibc; output and return value must agree.
 * Each case also runs with a random small buffer to check snprintf's
 * truncation (NUL-terminated prefix, full length returned).
 */
#include "suite.h"
#include <string.h>
#include <limits.h>
#include <math.h>
#include <locale.h>
#include <wchar.h>
#include <stdlib.h>

enum kind { K_INT, K_LONG, K_DOUBLE, K_LDOUBLE, K_PTR, K_STR, K_NONE };

struct arg {
    enum kind kind;
    int use_w, use_p;   /* '*' width / precision arguments */
    int w, p;
    long i;
    double d;
    long double ld;
    void *ptr;
    const char *s;
};

#define BUF 20000

/* Calls fn(buf, cap, fmt, [w], [p], value) with the argument shape. */
#define CALL(fn, buf, cap, fmt, a) \
    ((a)->kind == K_NONE ? fn(buf, cap, fmt) : \
     (a)->use_w && (a)->use_p ? CALL_V(fn, buf, cap, fmt, a, (a)->w, (a)->p) : \
     (a)->use_w ? CALL_V(fn, buf, cap, fmt, a, (a)->w) : \
     (a)->use_p ? CALL_V(fn, buf, cap, fmt, a, (a)->p) : \
     CALL_V(fn, buf, cap, fmt, a))
#define CALL_V(fn, buf, cap, fmt, a, ...) \
    ((a)->kind == K_INT ? fn(buf, cap, fmt, ##__VA_ARGS__, (int)(a)->i) : \
     (a)->kind == K_LONG ? fn(buf, cap, fmt, ##__VA_ARGS__, (a)->i) : \
     (a)->kind == K_DOUBLE ? fn(buf, cap, fmt, ##__VA_ARGS__, (a)->d) : \
     (a)->kind == K_LDOUBLE ? fn(buf, cap, fmt, ##__VA_ARGS__, (a)->ld) : \
     (a)->kind == K_PTR ? fn(buf, cap, fmt, ##__VA_ARGS__, (a)->ptr) : \
     fn(buf, cap, fmt, ##__VA_ARGS__, (a)->s))

static long random_int(uint64_t *s)
{
    static const long edges[] = { 0, 1, -1, 7, 8, 9, 10, 15, 16, 127, 128, 255, 256, -128, -129,
                                  32767, -32768, 65535, 65536, INT_MAX, INT_MIN, UINT_MAX,
                                  LONG_MAX, LONG_MIN, 1000000, -999999 };
    switch (rnd_below(s, 4)) {
    case 0: return edges[rnd_below(s, sizeof edges / sizeof edges[0])];
    case 1: return (long)rnd_below(s, 2000) - 1000;
    case 2: return (long)(int32_t)rnd(s);
    default: return (long)rnd(s);
    }
}

static double random_double(uint64_t *s)
{
    static const double nice[] = { 0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 1e23, 1e22, 5e-324,
                                   2.2250738585072014e-308, 1.7976931348623157e308, 0.1, 0.3,
                                   123456.789, 9.5, 99.5, 999999.5, 0.05, 0.15, 0.25, 0.35, 1e-5,
                                   1e15, 1e16, 1e17, 4503599627370495.5, 0.000123456 };
    union { double d; uint64_t b; } u;
    switch (rnd_below(s, 6)) {
    case 0: return nice[rnd_below(s, sizeof nice / sizeof nice[0])];
    case 1: u.b = rnd(s); return u.d;                       /* any bits: nan, inf, subnormal */
    case 2: return (double)((long)rnd_below(s, 2000001) - 1000000) / (double)(1 << rnd_below(s, 12));
    case 3: return ldexp((double)(rnd(s) >> 11), (int)rnd_below(s, 200) - 140);
    case 4: { double v = (double)rnd_below(s, 100000); for (int k = (int)rnd_below(s, 8); k; k--) v /= 10; return chance(s, 50) ? -v : v; }
    default: u.b = rnd(s) & 0x800fffffffffffffULL; u.b |= (uint64_t)rnd_below(s, 3) << 52; return u.d; /* subnormal/tiny */
    }
}

static long double random_ldouble(uint64_t *s)
{
    union { long double f; struct { uint64_t m; uint16_t se; } b; } u;
    memset(&u, 0, sizeof u);
    switch (rnd_below(s, 3)) {
    case 0: return (long double)random_double(s);
    case 1: u.b.m = rnd(s) | (1ULL << 63); u.b.se = (uint16_t)rnd(s); return u.f;  /* normal, any exponent */
    default: u.b.m = rnd(s) | (1ULL << 63); u.b.se = (uint16_t)(16383 + rnd_below(s, 200) - 100) | (uint16_t)(rnd(s) & 0x8000); return u.f;
    }
}

static const char *const strings[] = { "", "a", "hello", "hello, world", "tab\tnew\nline", "\xc3\xa9t\xc3\xa9",
                                       "0123456789012345678901234567890123456789", NULL };

/* Builds one random specification and its argument. */
static void random_spec(uint64_t *s, char *fmt, struct arg *a)
{
    memset(a, 0, sizeof *a);
    char *f = fmt;
    if (chance(s, 20))
        f += sprintf(f, "<");
    *f++ = '%';
    static const char convs[] = "diuoxXcspfFeEgGaA%";
    char conv = convs[rnd_below(s, sizeof convs - 1)];
    if (conv == '%') {
        *f++ = '%';
        *f = 0;
        a->kind = K_NONE;
        return;
    }
    for (const char *fl = "-+ #0"; *fl; fl++)
        if (chance(s, 25))
            *f++ = *fl;
    if (chance(s, 10)) {
        *f++ = '*';
        a->use_w = 1;
        a->w = (int)rnd_below(s, 81) - 40;
    } else if (chance(s, 50)) {
        f += sprintf(f, "%d", (int)rnd_below(s, 40) + 1);
    }
    int is_float = strchr("fFeEgGaA", conv) != NULL;
    if (conv != 'c' && conv != 'p' && chance(s, 60)) {
        *f++ = '.';
        if (chance(s, 10)) {
            *f++ = '*';
            a->use_p = 1;
            a->p = (int)rnd_below(s, 70) - 5;
        } else if (chance(s, 85)) {
            int maxp = is_float && chance(s, 10) ? 400 : 40;
            f += sprintf(f, "%d", (int)rnd_below(s, (uint64_t)maxp));
        }
    }
    if (strchr("diuoxX", conv)) {
        static const char *const lens[] = { "", "hh", "h", "l", "ll", "z", "j", "t", "q" };
        const char *len = lens[rnd_below(s, 9)];
        f += sprintf(f, "%s", len);
        a->kind = (*len == 0 || *len == 'h') ? K_INT : K_LONG;
        a->i = random_int(s);
    } else if (is_float) {
        if (chance(s, 20)) {
            *f++ = 'L';
            a->kind = K_LDOUBLE;
            a->ld = random_ldouble(s);
        } else {
            if (chance(s, 10))
                *f++ = 'l';   /* %lf is %f */
            a->kind = K_DOUBLE;
            a->d = random_double(s);
        }
    } else if (conv == 'c') {
        a->kind = K_INT;
        a->i = (long)rnd_below(s, 256);
    } else if (conv == 's') {
        a->kind = K_STR;
        a->s = strings[rnd_below(s, sizeof strings / sizeof strings[0])];
    } else if (conv == 'p') {
        a->kind = K_PTR;
        a->ptr = chance(s, 15) ? NULL : (void *)(uintptr_t)(rnd(s) >> rnd_below(s, 64));
    }
    *f++ = conv;
    if (chance(s, 20))
        f += sprintf(f, ">|");
    *f = 0;
}

/*
 * glibc 2.36 mis-formats %#g when rounding carries into a new power of ten
 * (999999.5 with "%#G" gives "1.E+06" instead of "1.00000E+06"). Where
 * glibc and minlibc differ on a %#g/%#G conversion, minlibc is compared
 * with C11 7.21.6.1's definition of that conversion, built from glibc's
 * %e and %f: with P the precision (6 if omitted, 1 if zero) and X the
 * exponent %e prints with precision P - 1, style f with precision
 * P - (X + 1) if P > X >= -4, otherwise style e with precision P - 1.
 */
static int matches_c_definition_of_alt_g(const char *fmt, const struct arg *a, const char *got, int gotlen)
{
    const char *pct = strchr(fmt, '%');
    const char *conv = pct + strcspn(pct, "gG");
    if (!strchr(fmt, '#') || !*conv || a->kind != K_DOUBLE || a->use_p || a->use_w || !isfinite(a->d))
        return 0;
    const char *dot = strchr(pct, '.');
    int p = dot ? atoi(dot + 1) : 6;
    if (p == 0)
        p = 1;
    static char e_style[BUF], want[BUF];
    snprintf(e_style, sizeof e_style, "%.*e", p - 1, a->d);
    int x = atoi(strchr(e_style, 'e') + 1);
    int f_style = p > x && x >= -4;
    /* the same text, flags and width around a %e or %f conversion */
    char flags_width[32];
    size_t fw = 0;
    for (const char *q = pct + 1; *q && strchr("-+ #0123456789", *q) && fw < sizeof flags_width - 1; q++)
        flags_width[fw++] = *q;
    flags_width[fw] = 0;
    char alt[96];
    char style = f_style ? (*conv == 'g' ? 'f' : 'F') : (*conv == 'g' ? 'e' : 'E');
    snprintf(alt, sizeof alt, "%.*s%%%s.%d%c%s", (int)(pct - fmt), fmt, flags_width, f_style ? p - (x + 1) : p - 1,
             style, conv + 1);
    int n = snprintf(want, sizeof want, alt, a->d);
    return n == gotlen && !memcmp(want, got, (size_t)n);
}

unsigned long suite_printf(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    struct report r = { buf, cap, 0, 0 };
    static char a_out[BUF], b_out[BUF];
    uint64_t s = seed;
    for (unsigned long n = 0; n < cases; n++) {
        char fmt[64];
        struct arg a;
        random_spec(&s, fmt, &a);
        int ra = CALL(snprintf, a_out, BUF, fmt, &a);
        int rb = CALL(ml_snprintf, b_out, BUF, fmt, &a);
        int differ = ra != rb || (ra > 0 && memcmp(a_out, b_out, (size_t)ra + 1) != 0);
        if (differ && matches_c_definition_of_alt_g(fmt, &a, b_out, rb))
            continue;
        if (differ) {
            report_fail(&r, "case %lu: format %s (int %ld, double %a, ldouble %La): glibc %d %s, minlibc %d %s", n,
                        show(fmt, strlen(fmt)), a.i, a.d, a.ld, ra, show(a_out, ra > 0 ? (size_t)ra : 0), rb,
                        show(b_out, rb > 0 ? (size_t)rb : 0));
            continue;
        }
        /* truncation: same bytes, NUL-terminated, same return value */
        size_t small = rnd_below(&s, 24);
        memset(b_out, 'Z', 32);
        int rt = CALL(ml_snprintf, b_out, small, fmt, &a);
        if (rt != ra) {
            report_fail(&r, "case %lu: format %s with cap %zu returned %d, full length is %d", n,
                        show(fmt, strlen(fmt)), small, rt, ra);
        } else if (small > 0) {
            size_t keep = (size_t)ra < small - 1 ? (size_t)ra : small - 1;
            if (memcmp(b_out, a_out, keep) != 0 || b_out[keep] != 0)
                report_fail(&r, "case %lu: format %s cap %zu: truncated output %s, expected prefix %s", n,
                            show(fmt, strlen(fmt)), small, show(b_out, keep + 1), show(a_out, keep));
        } else if (b_out[0] != 'Z') {
            report_fail(&r, "case %lu: snprintf with cap 0 wrote to the buffer", n);
        }
    }
    return r.failures;
}

/* Fixed cases glibc and minlibc must agree on, beyond random ones: several
 * conversions in one format, %n, %m and literal text. */
unsigned long suite_printf_fixed(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    (void)seed; (void)cases;
    struct report r = { buf, cap, 0, 0 };
    char a[512], b[512];
    int na = -1, nb = -1;
    int ra = snprintf(a, sizeof a, "x=%d y=%5.2f s=%-6s|%n%c %#x %e %%", 42, 3.14159, "ab", &na, 'Q', 255, 1e-10);
    int rb = ml_snprintf(b, sizeof b, "x=%d y=%5.2f s=%-6s|%n%c %#x %e %%", 42, 3.14159, "ab", &nb, 'Q', 255, 1e-10);
    CHECK(&r, ra == rb && !strcmp(a, b) && na == nb, "multi: glibc %d %s (n=%d), minlibc %d %s (n=%d)",
          ra, a, na, rb, b, nb);
    for (int e = 0; e < 140; e++) {
        errno = e;
        ra = snprintf(a, sizeof a, "[%m]");
        ML_ERRNO = e;
        rb = ml_snprintf(b, sizeof b, "[%m]");
        CHECK(&r, ra == rb && !strcmp(a, b), "%%m errno %d: glibc %s, minlibc %s", e, a, b);
    }
    signed char hh = 0; short h = 0; long l = 0;
    ml_snprintf(b, sizeof b, "abc%hhn%hn%ln", &hh, &h, &l);
    CHECK(&r, hh == 3 && h == 3 && l == 3, "%%hhn/%%hn/%%ln stored %d %d %ld", hh, h, l);
    /* wide strings and characters: UTF-8, like glibc in C.UTF-8; a
     * precision counts bytes and never splits a character */
    if (setlocale(LC_ALL, "C.UTF-8")) {
        static const wchar_t ws[] = { 'a', 0xe9, 0x20ac, 0x1f600, 'z', 0 };
        const char *wf[] = { "[%ls]", "[%10ls]", "[%-9ls]", "[%.1ls]", "[%.2ls]", "[%.3ls]", "[%.6ls]", "[%lc]", "[%4lc]" };
        for (size_t i = 0; i < sizeof wf / sizeof wf[0]; i++) {
            int wide_char = strstr(wf[i], "lc") != NULL;
            ra = wide_char ? snprintf(a, sizeof a, wf[i], (wint_t)0x20ac) : snprintf(a, sizeof a, wf[i], ws);
            rb = wide_char ? ml_snprintf(b, sizeof b, wf[i], (wint_t)0x20ac) : ml_snprintf(b, sizeof b, wf[i], ws);
            CHECK(&r, ra == rb && !strcmp(a, b), "%s: glibc %d %s, minlibc %d %s", wf[i], ra, show(a, strlen(a)), rb,
                  show(b, strlen(b)));
        }
        setlocale(LC_ALL, "C");
    } else {
        report_fail(&r, "the host has no C.UTF-8 locale to compare %%ls with");
    }
    /* positional arguments are refused, not misprinted */
    ML_ERRNO = 0;
    rb = ml_snprintf(b, sizeof b, "%1$d", 5);
    CHECK(&r, rb == -1 && ML_ERRNO == EINVAL, "%%1$d returned %d errno %d, expected -1 EINVAL", rb, ML_ERRNO);
    /* long output through asprintf */
    char *p = NULL;
    rb = ml_asprintf(&p, "%0500d|%s", 7, "end");
    CHECK(&r, rb == 504 && p && p[499] == '7' && !strcmp(p + 500, "|end"), "asprintf returned %d", rb);
    ml_free(p);
    return r.failures;
}
