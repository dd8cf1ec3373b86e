/* Integer parsing: strtol and relatives, atoi, atol. */
#include "internal.h"
#include <stdlib.h>
#include <ctype.h>
#include <limits.h>
#include <inttypes.h>

static int digit_value(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

/*
 * Parses the magnitude into *mag, saturating at `limit` (ERANGE). Returns
 * 0 when no digits were found (then *end = s, like glibc).
 */
static int parse_unsigned(const char *s, char **end, int base, uintmax_t limit,
                          uintmax_t *mag, int *negative, int *overflow)
{
    const char *p = s;
    *negative = 0;
    *overflow = 0;
    *mag = 0;
    if (base < 0 || base == 1 || base > 36) {
        if (end)
            *end = (char *)s;
        errno = EINVAL;
        return 0;
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '+' || *p == '-')
        *negative = *p++ == '-';
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
        digit_value((unsigned char)p[2]) < 16) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }
    const char *digits = p;
    uintmax_t v = 0;
    for (;; p++) {
        int d = digit_value((unsigned char)*p);
        if (d >= base)
            break;
        if (v > (limit - (uintmax_t)d) / (uintmax_t)base)
            *overflow = 1;
        else
            v = v * (uintmax_t)base + (uintmax_t)d;
    }
    if (p == digits) {
        if (end)
            *end = (char *)s;
        return 0;
    }
    if (end)
        *end = (char *)p;
    *mag = v;
    return 1;
}

static intmax_t parse_signed(const char *s, char **end, int base, intmax_t min, intmax_t max)
{
    uintmax_t mag;
    int neg, ovf;
    /* Parse against the larger of the two magnitudes, then clamp by sign. */
    if (!parse_unsigned(s, end, base, (uintmax_t)max + 1, &mag, &neg, &ovf))
        return 0;
    if (neg) {
        if (ovf || mag > (uintmax_t)max + 1) {
            errno = ERANGE;
            return min;
        }
        return mag == (uintmax_t)max + 1 ? min : -(intmax_t)mag;
    }
    if (ovf || mag > (uintmax_t)max) {
        errno = ERANGE;
        return max;
    }
    return (intmax_t)mag;
}

static uintmax_t parse_unsigned_value(const char *s, char **end, int base, uintmax_t max)
{
    uintmax_t mag;
    int neg, ovf;
    if (!parse_unsigned(s, end, base, max, &mag, &neg, &ovf))
        return 0;
    if (ovf) {
        errno = ERANGE;
        return max;
    }
    /* C: a leading minus negates in the unsigned type. */
    return neg ? (uintmax_t)0 - mag : mag;
}

long strtol(const char *s, char **end, int base) { return (long)parse_signed(s, end, base, LONG_MIN, LONG_MAX); }
long long strtoll(const char *s, char **end, int base) { return parse_signed(s, end, base, LLONG_MIN, LLONG_MAX); }
intmax_t strtoimax(const char *s, char **end, int base) { return parse_signed(s, end, base, INTMAX_MIN, INTMAX_MAX); }
unsigned long strtoul(const char *s, char **end, int base) { return parse_unsigned_value(s, end, base, ULONG_MAX); }
unsigned long long strtoull(const char *s, char **end, int base) { return parse_unsigned_value(s, end, base, ULLONG_MAX); }
uintmax_t strtoumax(const char *s, char **end, int base) { return parse_unsigned_value(s, end, base, UINTMAX_MAX); }
int atoi(const char *s) { return (int)strtol(s, NULL, 10); }
long atol(const char *s) { return strtol(s, NULL, 10); }
long long atoll(const char *s) { return strtoll(s, NULL, 10); }
