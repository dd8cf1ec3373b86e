/*
 * strtof, strtod, strtold: correctly rounded (round-half-even) decimal and
 * hexadecimal parsing.
 *
 * The input is turned into an exact rational num/den (big integers), then
 * divided bit by bit into a significand of exactly the format's precision
 * plus a remainder, which decides the rounding. Inputs longer than the
 * format can need for an exact halfway decision (800 significant digits for
 * float/double, 12000 for long double) are truncated with a sticky non-zero
 * digit, which keeps the rounding exact. No floating-point arithmetic is
 * used, so the result does not depend on the FPU's precision.
 */
#include "internal.h"
#include "bignum.h"
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#define LIMBS 1900
static uint32_t num_l[LIMBS], den_l[LIMBS], tmp_l[LIMBS];

#define LD_DIGIT_CAP 12000
static char digit_buf[LD_DIGIT_CAP + 2];

typedef unsigned __int128 u128;

static void bn_shr1(struct bignum *a)
{
    for (int i = 0; i < a->len; i++) {
        uint32_t hi = i + 1 < a->len ? a->limb[i + 1] : 0;
        a->limb[i] = (a->limb[i] >> 1) | (hi << 31);
    }
    if (a->len && a->limb[a->len - 1] == 0)
        a->len--;
}

static int match_word(const char *p, const char *word)
{
    size_t i = 0;
    for (; word[i]; i++)
        if (tolower((unsigned char)p[i]) != word[i])
            return 0;
    return (int)i;
}

/* num' = num * 2^max(-k,0), den' = den * 2^max(k,0); q = num'/den' with
 * at most `bits` bits; r left in `num`. */
static u128 divide(const struct bignum *num0, const struct bignum *den0, int k, int bits,
                   struct bignum *r, struct bignum *d)
{
    bn_copy(r, num0);
    bn_copy(d, den0);
    if (k < 0)
        bn_shl(r, (unsigned)-k);
    else
        bn_shl(d, (unsigned)k);
    struct bignum t = { tmp_l, 0, LIMBS };
    bn_copy(&t, d);
    bn_shl(&t, (unsigned)bits);
    u128 q = 0;
    for (int i = bits; i >= 0; i--) {
        if (bn_cmp(r, &t) >= 0) {
            bn_sub(r, &t);
            q |= (u128)1 << i;
        }
        bn_shr1(&t);
    }
    return q;
}

int __minlibc_parse_float(const char *s, char **end, const struct float_format *fmt,
                          uint64_t *mant, int *exp2, int *negative, int *kind)
{
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    *negative = 0;
    if (*p == '+' || *p == '-')
        *negative = *p++ == '-';
    int n;
    if ((n = match_word(p, "inf"))) {
        p += n;
        if ((n = match_word(p, "inity")))
            p += n;
        *kind = FLT_KIND_INF;
        if (end) *end = (char *)p;
        return 0;
    }
    if ((n = match_word(p, "nan"))) {
        p += n;
        if (*p == '(') {
            const char *q = p + 1;
            while (isalnum((unsigned char)*q) || *q == '_')
                q++;
            if (*q == ')')
                p = q + 1;
        }
        *kind = FLT_KIND_NAN;
        if (end) *end = (char *)p;
        return 0;
    }
    int hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
              (isxdigit((unsigned char)p[2]) || (p[2] == '.' && isxdigit((unsigned char)p[3])));
    if (hex)
        p += 2;
    int base = hex ? 16 : 10;
    size_t cap = fmt->mant_bits > 53 ? LD_DIGIT_CAP : 800;
    if (hex)
        cap = 40;
    size_t nd = 0;          /* significant digits kept */
    long point = 0;         /* position of the point relative to kept digits */
    int sticky = 0, seen_digit = 0, seen_point = 0;
    for (;; p++) {
        int c = (unsigned char)*p;
        int d;
        if (c == '.' && !seen_point) {
            seen_point = 1;
            continue;
        }
        if (c >= '0' && c <= '9') d = c - '0';
        else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else break;
        seen_digit = 1;
        if (d == 0 && nd == 0) {
            if (seen_point)
                point--;    /* leading zero after the point */
            continue;
        }
        if (nd < cap) {
            digit_buf[nd++] = (char)d;
            if (!seen_point)
                point++;
        } else {
            if (d)
                sticky = 1;
            if (!seen_point)
                point++;
        }
    }
    if (!seen_digit) {
        if (end) *end = (char *)s;
        *negative = 0;          /* no conversion: +0 */
        *kind = FLT_KIND_ZERO;
        return 0;
    }
    long exp = 0;
    char expc = hex ? 'p' : 'e';
    if (tolower((unsigned char)*p) == expc) {
        const char *q = p + 1;
        int eneg = 0;
        if (*q == '+' || *q == '-')
            eneg = *q++ == '-';
        if (isdigit((unsigned char)*q)) {
            while (isdigit((unsigned char)*q)) {
                if (exp < 100000000)
                    exp = exp * 10 + (*q - '0');
                q++;
            }
            if (eneg)
                exp = -exp;
            p = q;
        }
    }
    if (end)
        *end = (char *)p;
    if (nd == 0) {
        *kind = FLT_KIND_ZERO;
        return 0;
    }
    if (sticky)
        digit_buf[nd++] = 1;
    /* value = 0.digits * base^point * (2 or 10)^exp */
    long b10 = 0, b2 = 0;
    if (hex)
        b2 = 4 * (point - (long)nd) + exp;
    else
        b10 = point - (long)nd + exp;
    /* Far out of range: decide without big numbers. */
    long mag10 = hex ? (4 * point + exp) * 30103 / 100000 : point + exp;
    int p_bits = fmt->mant_bits;
    long max10 = (long)fmt->emax * 30103 / 100000 + 2;
    long min10 = (long)(fmt->emin - p_bits) * 30103 / 100000 - 2;
    if (mag10 > max10) {
        *kind = FLT_KIND_INF;
        errno = ERANGE;
        return 0;
    }
    if (mag10 < min10) {
        *kind = FLT_KIND_ZERO;
        errno = ERANGE;
        return 0;
    }
    struct bignum num = { num_l, 0, LIMBS }, den = { den_l, 0, LIMBS };
    bn_set_u64(&num, 0);
    for (size_t i = 0; i < nd; i++) {
        bn_mul_small(&num, (uint32_t)base);
        bn_add_small(&num, (uint32_t)digit_buf[i]);
    }
    bn_set_u64(&den, 1);
    if (b10 >= 0) bn_mul_pow10(&num, (unsigned)b10);
    else bn_mul_pow10(&den, (unsigned)-b10);
    if (b2 >= 0) bn_shl(&num, (unsigned)b2);
    else bn_shl(&den, (unsigned)-b2);

    int emin_k = fmt->emin - (p_bits - 1);   /* exponent of the smallest subnormal */
    int emax_k = fmt->emax - (p_bits - 1);
    int k = bn_bitlen(&num) - bn_bitlen(&den) - p_bits;
    if (k < emin_k)
        k = emin_k;
    static uint32_t r_l[LIMBS], d_l[LIMBS];
    struct bignum r = { r_l, 0, LIMBS }, d = { d_l, 0, LIMBS };
    u128 q = divide(&num, &den, k, p_bits + 1, &r, &d);
    u128 top = (u128)1 << p_bits;
    int up, tie;
    if (q >= top) {
        int guard = (int)(q & 1);
        int rest = !bn_is_zero(&r);
        q >>= 1;
        k++;
        up = guard && rest;
        tie = guard && !rest;
        sticky = guard || rest;     /* inexact, for the underflow check */
    } else {
        bn_shl(&r, 1);
        int c = bn_cmp(&r, &d);
        up = c > 0;
        tie = c == 0;
        sticky = !bn_is_zero(&r);
    }
    if (up || (tie && (q & 1))) {
        q++;
        if (q == top) {
            q >>= 1;
            k++;
        }
    }
    if (k > emax_k) {
        *kind = FLT_KIND_INF;
        errno = ERANGE;
        return 0;
    }
    if (q == 0) {
        *kind = FLT_KIND_ZERO;
        errno = ERANGE;
        return 0;
    }
    if (q < ((u128)1 << (p_bits - 1)) && sticky)
        errno = ERANGE;     /* subnormal and inexact: underflow */
    *mant = (uint64_t)q;
    *exp2 = k;
    *kind = FLT_KIND_FINITE;
    return 0;
}

static const struct float_format fmt_float = { 24, -126, 127 };
static const struct float_format fmt_double = { 53, -1022, 1023 };
static const struct float_format fmt_ldouble = { 64, -16382, 16383 };

double strtod(const char *restrict s, char **restrict end)
{
    uint64_t m;
    int e, neg, kind;
    __minlibc_parse_float(s, end, &fmt_double, &m, &e, &neg, &kind);
    union { double f; uint64_t b; } u;
    switch (kind) {
    case FLT_KIND_ZERO: u.b = 0; break;
    case FLT_KIND_INF: u.b = 0x7ffULL << 52; break;
    case FLT_KIND_NAN: u.b = 0x7ff8ULL << 48; break;
    default:
        if (m < (1ULL << 52))
            u.b = m;    /* subnormal: e is the minimum */
        else
            u.b = ((uint64_t)(e + 1075) << 52) | (m & ((1ULL << 52) - 1));
    }
    if (neg)
        u.b |= 1ULL << 63;
    return u.f;
}

float strtof(const char *restrict s, char **restrict end)
{
    uint64_t m;
    int e, neg, kind;
    __minlibc_parse_float(s, end, &fmt_float, &m, &e, &neg, &kind);
    union { float f; uint32_t b; } u;
    switch (kind) {
    case FLT_KIND_ZERO: u.b = 0; break;
    case FLT_KIND_INF: u.b = 0xffu << 23; break;
    case FLT_KIND_NAN: u.b = 0x7fc00000u; break;
    default:
        if (m < (1u << 23))
            u.b = (uint32_t)m;
        else
            u.b = ((uint32_t)(e + 150) << 23) | ((uint32_t)m & ((1u << 23) - 1));
    }
    if (neg)
        u.b |= 1u << 31;
    return u.f;
}

long double strtold(const char *restrict s, char **restrict end)
{
    uint64_t m;
    int e, neg, kind;
    __minlibc_parse_float(s, end, &fmt_ldouble, &m, &e, &neg, &kind);
    union { long double f; struct { uint64_t mant; uint16_t se; } b; } u;
    memset(&u, 0, sizeof u);
    switch (kind) {
    case FLT_KIND_ZERO: break;
    case FLT_KIND_INF: u.b.mant = 1ULL << 63; u.b.se = 0x7fff; break;
    case FLT_KIND_NAN: u.b.mant = 3ULL << 62; u.b.se = 0x7fff; break;
    default:
        u.b.mant = m;
        u.b.se = (m >> 63) ? (uint16_t)(e + 63 + 16383) : 0;
    }
    if (neg)
        u.b.se |= 0x8000;
    return u.f;
}

double atof(const char *s) { return strtod(s, NULL); }
