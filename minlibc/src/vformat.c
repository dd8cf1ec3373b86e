/*
 * The printf engine: parses conversion specifications and renders them into
 * a sink. Output matches glibc's for every conversion it supports (the host
 * suite compares the two on generated cases). Positional arguments (%1$d)
 * are not supported: they return -1 with EINVAL.
 */
#include "internal.h"
#include <string.h>
#include <stdint.h>
#include <wchar.h>
#include <limits.h>

#define F_MINUS 1
#define F_PLUS 2
#define F_SPACE 4
#define F_HASH 8
#define F_ZERO 16

enum length { L_NONE, L_HH, L_H, L_L, L_LL, L_LD, L_J, L_Z, L_T };

struct spec {
    int flags;
    int width;      /* -1: none */
    int prec;       /* -1: none */
    enum length len;
    char conv;
};

static void emit(struct fmt_sink *s, const char *p, size_t n)
{
    if (n)
        s->put(s, p, n);
}

static void emit_fill(struct fmt_sink *s, char c, long n)
{
    char block[64];
    if (n <= 0)
        return;
    memset(block, c, sizeof block);
    while (n > 0) {
        size_t k = n > (long)sizeof block ? sizeof block : (size_t)n;
        emit(s, block, k);
        n -= (long)k;
    }
}

/*
 * Starts a field whose content (prefix included) is `total` bytes: the
 * left padding, the prefix, and with `zero_pad` the zeros after it. Returns
 * the right padding the caller owes after the content ('-' flag).
 */
static long field_begin(struct fmt_sink *s, const struct spec *sp, const char *prefix, size_t plen,
                        long total, int zero_pad)
{
    long pad = sp->width > total ? sp->width - total : 0;
    if (!(sp->flags & F_MINUS) && !zero_pad)
        emit_fill(s, ' ', pad);
    emit(s, prefix, plen);
    if (!(sp->flags & F_MINUS) && zero_pad)
        emit_fill(s, '0', pad);
    return (sp->flags & F_MINUS) ? pad : 0;
}

/*
 * Writes prefix (sign, 0x), `zeros` zero digits, then body, padded to the
 * width: spaces on the left, spaces on the right with '-', or zeros between
 * prefix and body when `zero_pad` is set.
 */
static void emit_field(struct fmt_sink *s, const struct spec *sp, const char *prefix, size_t plen,
                       long zeros, const char *body, size_t blen, int zero_pad)
{
    long right = field_begin(s, sp, prefix, plen, (long)plen + zeros + (long)blen, zero_pad);
    emit_fill(s, '0', zeros);
    emit(s, body, blen);
    emit_fill(s, ' ', right);
}

/* The sign character of a signed conversion, if any: '-', or '+'/' ' by flag. */
static size_t sign_prefix(const struct spec *sp, int negative, char *out)
{
    if (negative)
        *out = '-';
    else if (sp->flags & F_PLUS)
        *out = '+';
    else if (sp->flags & F_SPACE)
        *out = ' ';
    else
        return 0;
    return 1;
}

/* ------------------------------------------------------------ integers */

static size_t utoa_base(uintmax_t v, unsigned base, int upper, char *end)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    do {
        *--p = digits[v % base];
        v /= base;
    } while (v);
    return (size_t)(end - p);
}

static void fmt_integer(struct fmt_sink *s, const struct spec *sp, uintmax_t mag, int negative)
{
    char buf[72];
    char prefix[3];
    size_t plen = 0;
    unsigned base = 10;
    int upper = 0;
    switch (sp->conv) {
    case 'o': base = 8; break;
    case 'x': base = 16; break;
    case 'X': base = 16; upper = 1; break;
    case 'p': base = 16; break;
    default: break;
    }
    size_t blen = 0;
    char *end = buf + sizeof buf;
    if (!(mag == 0 && sp->prec == 0))
        blen = utoa_base(mag, base, upper, end);
    const char *body = end - blen;
    if (sp->conv == 'd' || sp->conv == 'i')
        plen = sign_prefix(sp, negative, prefix);
    long zeros = sp->prec > (long)blen ? sp->prec - (long)blen : 0;
    if ((sp->flags & F_HASH) && base == 8 && zeros == 0 && (blen == 0 || body[0] != '0'))
        zeros = 1;
    if (((sp->flags & F_HASH) || sp->conv == 'p') && base == 16 && mag != 0) {
        prefix[plen++] = '0';
        prefix[plen++] = upper ? 'X' : 'x';
    }
    if (sp->conv == 'p') {
        plen += sign_prefix(sp, 0, prefix + plen);
        /* glibc puts the sign before 0x for %p */
        if (plen == 3) {
            char c = prefix[2];
            prefix[2] = prefix[1];
            prefix[1] = prefix[0];
            prefix[0] = c;
        }
    }
    int zero_pad = (sp->flags & F_ZERO) && !(sp->flags & F_MINUS) && sp->prec < 0;
    emit_field(s, sp, prefix, plen, zeros, body, blen, zero_pad);
}

/* --------------------------------------------------------- floating point */

static char float_digit_buf[MINLIBC_FLOAT_DIGITS_MAX + 2];

struct decimal {
    char *d;      /* significant digits, d[0] != '0' unless n == 0 */
    long n;       /* digit count */
    long exp;     /* value = 0.d[0..n) * 10^exp */
};

/*
 * Rounds the exact decimal to `keep` significant digits with
 * round-half-even (glibc's behaviour in the default rounding mode: the
 * digits are exact, so a tie is a true tie). keep may be <= 0.
 */
static void round_decimal(struct decimal *x, long keep)
{
    if (keep >= x->n)
        return;
    int up;
    if (keep < 0) {
        up = 0;
    } else {
        char first = x->d[keep];
        if (first > '5') {
            up = 1;
        } else if (first < '5') {
            up = 0;
        } else {
            up = 0;
            for (long i = keep + 1; i < x->n; i++)
                if (x->d[i] != '0') {
                    up = 1;
                    break;
                }
            if (!up) /* exact tie: round to even */
                up = keep > 0 ? ((x->d[keep - 1] - '0') & 1) : 0;
        }
    }
    if (keep <= 0) {
        if (up) {
            /* rounds up to one unit in the first kept place */
            x->d[0] = '1';
            x->n = 1;
            x->exp = x->exp - keep + 1;
        } else {
            x->n = 0;
        }
        return;
    }
    x->n = keep;
    if (up) {
        long i = keep - 1;
        while (i >= 0 && x->d[i] == '9') {
            x->d[i] = '0';
            i--;
        }
        if (i >= 0) {
            x->d[i]++;
        } else {
            x->d[0] = '1';
            for (long k = 1; k < keep; k++)
                x->d[k] = '0';
            x->exp++;
        }
    }
    while (x->n > 0 && x->d[x->n - 1] == '0')
        x->n--;
}

static long decimal_digit(const struct decimal *x, long i)
{
    return (i >= 0 && i < x->n) ? x->d[i] : '0';
}

/* Decomposes a finite non-zero long double into m * 2^e. */
static void split_long_double(long double v, uint64_t *m, int *e)
{
    union { long double f; struct { uint64_t mant; uint16_t se; } b; } u;
    u.f = v;
    int be = u.b.se & 0x7fff;
    *m = u.b.mant;
    *e = (be == 0 ? 1 : be) - 16383 - 63;
}

static void split_double(double v, uint64_t *m, int *e)
{
    union { double f; uint64_t b; } u;
    u.f = v;
    int be = (int)((u.b >> 52) & 0x7ff);
    uint64_t frac = u.b & ((1ULL << 52) - 1);
    if (be == 0) {
        *m = frac;
        *e = -1074;
    } else {
        *m = frac | (1ULL << 52);
        *e = be - 1075;
    }
}

/* Writes the digits of a fixed-notation number: the integer part ("0" if
 * the value is below one), then `prec` fraction digits. Buffers in blocks
 * to keep sink calls few. */
static void emit_fixed_digits(struct fmt_sink *s, const struct decimal *x, long prec, int point)
{
    char block[128];
    size_t k = 0;
    /* integer part */
    if (x->exp <= 0) {
        block[k++] = '0';
    } else {
        for (long i = 0; i < x->exp; i++) {
            block[k++] = (char)decimal_digit(x, i);
            if (k == sizeof block) { emit(s, block, k); k = 0; }
        }
    }
    if (point) {
        block[k++] = '.';
        if (k == sizeof block) { emit(s, block, k); k = 0; }
    }
    for (long j = 0; j < prec; j++) {
        block[k++] = (char)decimal_digit(x, x->exp + j);
        if (k == sizeof block) { emit(s, block, k); k = 0; }
    }
    emit(s, block, k);
}

static long fixed_length(const struct decimal *x, long prec, int point)
{
    return (x->exp > 0 ? x->exp : 1) + (point ? 1 : 0) + prec;
}

static void fmt_special(struct fmt_sink *s, const struct spec *sp, const char *prefix, size_t plen,
                        int isnan_, int upper)
{
    const char *body = isnan_ ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
    emit_field(s, sp, prefix, plen, 0, body, 3, 0);
}

static void fmt_hexfloat(struct fmt_sink *s, const struct spec *sp, uint64_t m, int e, int is_ld,
                         const char *prefix0, size_t plen0)
{
    int upper = sp->conv == 'A';
    char prefix[4];
    size_t plen = 0;
    for (size_t i = 0; i < plen0; i++)
        prefix[plen++] = prefix0[i];
    prefix[plen++] = '0';
    prefix[plen++] = upper ? 'X' : 'x';
    /* Leading digit and fraction bits: glibc shows double as 1.xxx (0.xxx
     * for subnormals) with 52 fraction bits, and long double with the top
     * four significand bits as the leading digit and 60 fraction bits. */
    unsigned lead;
    uint64_t frac;
    int fbits;
    long exp2;
    if (m == 0) {
        lead = 0; frac = 0; fbits = is_ld ? 60 : 52; exp2 = 0;
    } else if (is_ld) {
        lead = (unsigned)(m >> 60);
        frac = m & ((1ULL << 60) - 1);
        fbits = 60;
        exp2 = e + 60;
    } else {
        lead = (unsigned)(m >> 52);
        frac = m & ((1ULL << 52) - 1);
        fbits = 52;
        exp2 = lead ? e + 52 : -1022;
    }
    int ndig = fbits / 4;
    if (sp->prec >= 0 && sp->prec < ndig) {
        int drop = (ndig - sp->prec) * 4;
        uint64_t rem = frac & ((1ULL << drop) - 1);
        uint64_t half = 1ULL << (drop - 1);
        frac >>= drop;
        if (rem > half || (rem == half && ((sp->prec == 0 ? lead : frac) & 1))) {
            frac++;
            if (frac >> (sp->prec * 4)) {
                frac = 0;
                lead++;
                if (is_ld && lead == 16) {
                    lead = 1;
                    exp2 += 4;
                }
            }
        }
        ndig = sp->prec;
    } else {
        int shown = ndig;
        if (sp->prec < 0)
            while (shown > 0 && !(frac & 0xf)) {
                frac >>= 4;
                shown--;
            }
        else
            shown = ndig;
        ndig = shown;
    }
    char body[40];
    size_t b = 0;
    const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    body[b++] = hex[lead];
    long extra = sp->prec > ndig ? sp->prec - ndig : 0;
    if (ndig > 0 || extra > 0 || (sp->flags & F_HASH))
        body[b++] = '.';
    for (int i = ndig - 1; i >= 0; i--)
        body[b++] = hex[(frac >> (4 * i)) & 0xf];
    char ebuf[24];
    char *eend = ebuf + sizeof ebuf;
    size_t elen = utoa_base((uintmax_t)(exp2 < 0 ? -exp2 : exp2), 10, 0, eend);
    char *ep = eend - elen;
    *--ep = exp2 < 0 ? '-' : '+';
    *--ep = upper ? 'P' : 'p';
    elen += 2;
    int zero_pad = (sp->flags & F_ZERO) && !(sp->flags & F_MINUS);
    long right = field_begin(s, sp, prefix, plen, (long)plen + (long)b + extra + (long)elen, zero_pad);
    emit(s, body, b);
    emit_fill(s, '0', extra);
    emit(s, ep, elen);
    emit_fill(s, ' ', right);
}

static void fmt_float(struct fmt_sink *s, struct spec *sp, long double ldv, double dv, int is_ld)
{
    int negative, isnan_, isinf_;
    uint64_t m = 0;
    int e = 0;
    if (is_ld) {
        negative = __builtin_signbit(ldv) != 0;
        isnan_ = __builtin_isnan(ldv);
        isinf_ = __builtin_isinf(ldv);
        if (!isnan_ && !isinf_ && ldv != 0)
            split_long_double(ldv, &m, &e);
    } else {
        negative = __builtin_signbit(dv) != 0;
        isnan_ = __builtin_isnan(dv);
        isinf_ = __builtin_isinf(dv);
        if (!isnan_ && !isinf_ && dv != 0)
            split_double(dv, &m, &e);
    }
    char prefix[2];
    size_t plen = sign_prefix(sp, negative, prefix);
    char c = sp->conv;
    int upper = c == 'E' || c == 'F' || c == 'G' || c == 'A';
    if (isnan_ || isinf_) {
        fmt_special(s, sp, prefix, plen, isnan_, upper);
        return;
    }
    if (c == 'a' || c == 'A') {
        fmt_hexfloat(s, sp, m, e, is_ld, prefix, plen);
        return;
    }
    long prec = sp->prec < 0 ? 6 : sp->prec;
    struct decimal x;
    x.d = float_digit_buf;
    if (m == 0) {
        x.n = 0;
        x.exp = 1;
    } else {
        int dexp;
        x.n = (long)__minlibc_float_digits(m, e, float_digit_buf, &dexp);
        x.exp = x.n + dexp;
    }
    int style = c; /* 'e', 'f' (either case) */
    int strip = 0;
    if (c == 'g' || c == 'G') {
        if (prec == 0)
            prec = 1;
        long X;
        if (x.n == 0) {
            X = 0;
        } else {
            struct decimal t = x;
            round_decimal(&t, prec);
            x = t;
            X = x.exp - 1;
        }
        if (X < prec && X >= -4) {
            style = upper ? 'F' : 'f';
            prec = prec - 1 - X;
        } else {
            style = upper ? 'E' : 'e';
            prec = prec - 1;
        }
        strip = !(sp->flags & F_HASH);
    }
    int zero_pad = (sp->flags & F_ZERO) && !(sp->flags & F_MINUS);
    if (style == 'f' || style == 'F') {
        if (x.n > 0)
            round_decimal(&x, x.exp + prec);
        if (x.n == 0)
            x.exp = 1;
        if (strip) {
            /* drop trailing zeros of the fraction */
            long last = x.n - x.exp; /* fraction digits that are significant */
            if (last < 0)
                last = 0;
            if (last < prec)
                prec = last;
        }
        int point = prec > 0 || (sp->flags & F_HASH);
        long right = field_begin(s, sp, prefix, plen, (long)plen + fixed_length(&x, prec, point), zero_pad);
        emit_fixed_digits(s, &x, prec, point);
        emit_fill(s, ' ', right);
        return;
    }
    /* exponential */
    long X = 0;
    if (x.n > 0) {
        round_decimal(&x, prec + 1);
        X = x.exp - 1;
    }
    if (strip) {
        long sig = x.n > 0 ? x.n - 1 : 0;
        if (sig < prec)
            prec = sig;
    }
    int point = prec > 0 || (sp->flags & F_HASH);
    char ebuf[24];
    char *eend = ebuf + sizeof ebuf;
    size_t elen = utoa_base((uintmax_t)(X < 0 ? -X : X), 10, 0, eend);
    if (elen < 2) {
        *(eend - elen - 1) = '0';
        elen++;
    }
    char *ep = eend - elen;
    *--ep = X < 0 ? '-' : '+';
    *--ep = upper ? 'E' : 'e';
    elen += 2;
    long right = field_begin(s, sp, prefix, plen, (long)plen + 1 + (point ? 1 : 0) + prec + (long)elen, zero_pad);
    char first = (char)decimal_digit(&x, 0);
    emit(s, &first, 1);
    if (point)
        emit(s, ".", 1);
    char block[128];
    size_t k = 0;
    for (long j = 0; j < prec; j++) {
        block[k++] = (char)decimal_digit(&x, j + 1);
        if (k == sizeof block) { emit(s, block, k); k = 0; }
    }
    emit(s, block, k);
    emit(s, ep, elen);
    emit_fill(s, ' ', right);
}

/* ------------------------------------------------------------- strings */

static void fmt_string(struct fmt_sink *s, const struct spec *sp, const char *str)
{
    if (!str)
        str = (sp->prec < 0 || sp->prec >= 6) ? "(null)" : "";
    size_t n = sp->prec >= 0 ? strnlen(str, (size_t)sp->prec) : strlen(str);
    emit_field(s, sp, "", 0, 0, str, n, 0);
}

static void fmt_wstring(struct fmt_sink *s, const struct spec *sp, const wchar_t *ws)
{
    if (!ws) {
        fmt_string(s, sp, NULL);
        return;
    }
    /* Count the bytes first (precision limits bytes, whole characters only). */
    size_t bytes = 0;
    char tmp[8];
    mbstate_t st;
    for (const wchar_t *p = ws; *p; p++) {
        memset(&st, 0, sizeof st);
        size_t k = wcrtomb(tmp, *p, &st);
        if (k == (size_t)-1) {
            s->error = EILSEQ;
            return;
        }
        if (sp->prec >= 0 && bytes + k > (size_t)sp->prec)
            break;
        bytes += k;
    }
    long right = field_begin(s, sp, "", 0, (long)bytes, 0);
    size_t done = 0;
    for (const wchar_t *p = ws; *p && done < bytes; p++) {
        memset(&st, 0, sizeof st);
        size_t k = wcrtomb(tmp, *p, &st);
        emit(s, tmp, k);
        done += k;
    }
    emit_fill(s, ' ', right);
}

/* ---------------------------------------------------------------- driver */

static int parse_int(const char **fmt)
{
    long v = 0;
    while (**fmt >= '0' && **fmt <= '9') {
        v = v * 10 + (**fmt - '0');
        if (v > INT_MAX)
            v = INT_MAX;
        (*fmt)++;
    }
    return (int)v;
}

int __minlibc_vformat(struct fmt_sink *s, const char *fmt, va_list ap_in)
{
    va_list ap;
    va_copy(ap, ap_in);
    int saved_errno = errno;
    while (*fmt) {
        if (*fmt != '%') {
            const char *start = fmt;
            while (*fmt && *fmt != '%')
                fmt++;
            emit(s, start, (size_t)(fmt - start));
            continue;
        }
        const char *spec_start = fmt;
        fmt++;
        struct spec sp = { 0, -1, -1, L_NONE, 0 };
        for (;; fmt++) {
            if (*fmt == '-') sp.flags |= F_MINUS;
            else if (*fmt == '+') sp.flags |= F_PLUS;
            else if (*fmt == ' ') sp.flags |= F_SPACE;
            else if (*fmt == '#') sp.flags |= F_HASH;
            else if (*fmt == '0') sp.flags |= F_ZERO;
            else if (*fmt == '\'') ; /* grouping: the C locale has none */
            else break;
        }
        if (*fmt == '*') {
            int w = va_arg(ap, int);
            if (w < 0) {
                sp.flags |= F_MINUS;
                w = w == INT_MIN ? INT_MAX : -w;
            }
            sp.width = w;
            fmt++;
        } else if (*fmt >= '1' && *fmt <= '9') {
            const char *save = fmt;
            sp.width = parse_int(&fmt);
            if (*fmt == '$') {
                (void)save;
                va_end(ap);
                errno = EINVAL;
                return -1;
            }
        }
        if (*fmt == '.') {
            fmt++;
            if (*fmt == '*') {
                int p = va_arg(ap, int);
                sp.prec = p < 0 ? -1 : p;
                fmt++;
            } else {
                sp.prec = parse_int(&fmt);
            }
        }
        switch (*fmt) {
        case 'h':
            if (fmt[1] == 'h') { sp.len = L_HH; fmt += 2; } else { sp.len = L_H; fmt++; }
            break;
        case 'l':
            if (fmt[1] == 'l') { sp.len = L_LL; fmt += 2; } else { sp.len = L_L; fmt++; }
            break;
        case 'q': sp.len = L_LL; fmt++; break;
        case 'L': sp.len = L_LD; fmt++; break;
        case 'j': sp.len = L_J; fmt++; break;
        case 'z': case 'Z': sp.len = L_Z; fmt++; break;
        case 't': sp.len = L_T; fmt++; break;
        default: break;
        }
        sp.conv = *fmt;
        if (*fmt)
            fmt++;
        switch (sp.conv) {
        case 'd':
        case 'i': {
            intmax_t v;
            switch (sp.len) {
            case L_HH: v = (signed char)va_arg(ap, int); break;
            case L_H: v = (short)va_arg(ap, int); break;
            case L_L: case L_LL: case L_LD: case L_J: case L_T: case L_Z: v = va_arg(ap, long); break;
            default: v = va_arg(ap, int); break;
            }
            uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
            fmt_integer(s, &sp, mag, v < 0);
            break;
        }
        case 'u': case 'o': case 'x': case 'X': {
            uintmax_t v;
            switch (sp.len) {
            case L_HH: v = (unsigned char)va_arg(ap, unsigned); break;
            case L_H: v = (unsigned short)va_arg(ap, unsigned); break;
            case L_L: case L_LL: case L_LD: case L_J: case L_T: case L_Z: v = va_arg(ap, unsigned long); break;
            default: v = va_arg(ap, unsigned); break;
            }
            sp.flags &= ~(F_PLUS | F_SPACE);
            fmt_integer(s, &sp, v, 0);
            break;
        }
        case 'p': {
            void *v = va_arg(ap, void *);
            if (!v) {
                sp.prec = -1;
                fmt_string(s, &sp, "(nil)");
            } else {
                sp.len = L_L;
                fmt_integer(s, &sp, (uintptr_t)v, 0);
            }
            break;
        }
        case 'c':
            if (sp.len == L_L) {
                wchar_t wc[2] = { (wchar_t)va_arg(ap, wint_t), 0 };
                sp.prec = -1;
                fmt_wstring(s, &sp, wc);
            } else {
                char ch = (char)va_arg(ap, int);
                emit_field(s, &sp, "", 0, 0, &ch, 1, 0);
            }
            break;
        case 's':
            if (sp.len == L_L)
                fmt_wstring(s, &sp, va_arg(ap, const wchar_t *));
            else
                fmt_string(s, &sp, va_arg(ap, const char *));
            break;
        case 'm':
            sp.prec = -1;
            fmt_string(s, &sp, strerror(saved_errno));
            break;
        case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
            if (sp.len == L_LD)
                fmt_float(s, &sp, va_arg(ap, long double), 0, 1);
            else
                fmt_float(s, &sp, 0, va_arg(ap, double), 0);
            break;
        case 'n': {
            size_t count = s->len;
            switch (sp.len) {
            case L_HH: *va_arg(ap, signed char *) = (signed char)count; break;
            case L_H: *va_arg(ap, short *) = (short)count; break;
            case L_L: case L_LL: case L_J: case L_Z: case L_T: *va_arg(ap, long *) = (long)count; break;
            default: *va_arg(ap, int *) = (int)count; break;
            }
            break;
        }
        case '%':
            emit(s, "%", 1);
            break;
        default:
            /* Unknown conversion: glibc prints the specification verbatim. */
            emit(s, spec_start, (size_t)(fmt - spec_start));
            break;
        }
        if (s->error)
            break;
    }
    va_end(ap);
    if (s->error) {
        errno = s->error;
        return -1;
    }
    if (s->len > INT_MAX) {
        errno = EOVERFLOW;
        return -1;
    }
    return (int)s->len;
}
