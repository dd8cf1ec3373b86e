/*
 * strtod/strtof/strtold: strings glibc parses correctly rounded (its own
 * printf output of random values, exact decimal midpoints between adjacent
 * doubles and their neighbours one digit away, random long digit strings,
 * hexadecimal floats, overflow and underflow boundaries) must give the
 * same bits, end pointer and errno from minlibc.
 */
#include "suite.h"
#include <stdlib.h>
#include <string.h>
#include <math.h>

static void compare_one(struct report *r, const char *str)
{
    char *ea, *eb;
    errno = 0;
    double a = strtod(str, &ea);
    int erra = errno;
    ML_ERRNO = 0;
    double b = ml_strtod(str, &eb);
    int errb = ML_ERRNO;
    uint64_t ba, bb;
    memcpy(&ba, &a, 8);
    memcpy(&bb, &b, 8);
    /* NaNs match whatever their payload, but only with the same sign:
     * "-nan" must give a negative NaN */
    if (isnan(a) && isnan(b) && !signbit(a) == !signbit(b))
        ba = bb;
    if (ba != bb || ea - str != eb - str || erra != errb)
        report_fail(r, "strtod(%s): glibc %a end %td errno %d, minlibc %a end %td errno %d", show(str, strlen(str)),
                    a, ea - str, erra, b, eb - str, errb);

    errno = 0;
    float fa = strtof(str, &ea);
    erra = errno;
    ML_ERRNO = 0;
    float fb = ml_strtof(str, &eb);
    errb = ML_ERRNO;
    uint32_t fba, fbb;
    memcpy(&fba, &fa, 4);
    memcpy(&fbb, &fb, 4);
    if (isnan(fa) && isnan(fb) && !signbit(fa) == !signbit(fb))
        fba = fbb;
    if (fba != fbb || ea - str != eb - str || erra != errb)
        report_fail(r, "strtof(%s): glibc %a end %td errno %d, minlibc %a end %td errno %d", show(str, strlen(str)),
                    (double)fa, ea - str, erra, (double)fb, eb - str, errb);

    errno = 0;
    long double la = strtold(str, &ea);
    erra = errno;
    ML_ERRNO = 0;
    long double lb = ml_strtold(str, &eb);
    errb = ML_ERRNO;
    int same = memcmp(&la, &lb, 10) == 0 || (isnan(la) && isnan(lb) && !signbit(la) == !signbit(lb));
    if (!same || ea - str != eb - str || erra != errb)
        report_fail(r, "strtold(%s): glibc %La end %td errno %d, minlibc %La end %td errno %d",
                    show(str, strlen(str)), la, ea - str, erra, lb, eb - str, errb);
}

static double random_bits_double(uint64_t *s)
{
    union { double d; uint64_t b; } u;
    do u.b = rnd(s); while (isnan(u.d) || isinf(u.d));
    return u.d;
}

unsigned long suite_strtod(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    struct report r = { buf, cap, 0, 0 };
    uint64_t s = seed;
    static char str[2400];
    for (unsigned long n = 0; n < cases; n++) {
        switch (rnd_below(&s, 7)) {
        case 0: /* shortest round trip and longer forms of any double */
            snprintf(str, sizeof str, rnd_below(&s, 2) ? "%.17g" : "%.*e", (int)rnd_below(&s, 30), random_bits_double(&s));
            break;
        case 1: { /* the exact midpoint between two adjacent doubles */
            double d = fabs(random_bits_double(&s));
            double e = nextafter(d, INFINITY);
            if (isinf(e))
                e = d;
            long double mid = ((long double)d + (long double)e) / 2;
            snprintf(str, sizeof str, "%.800Le", mid);
            /* strip trailing zeros so the last digit is significant */
            char *x = strchr(str, 'e');
            char expo[16];
            strcpy(expo, x);
            char *z = x;
            while (z[-1] == '0')
                z--;
            /* nudge the last digit: just below / exactly / just above */
            int how = (int)rnd_below(&s, 3);
            if (how == 0 && z[-1] > '1' && z[-1] != '.')
                z[-1]--;
            else if (how == 2)
                *z++ = '1';
            strcpy(z, expo);
            break;
        }
        case 2: { /* long random digit strings with random exponents */
            size_t k = 0;
            if (rnd_below(&s, 2))
                str[k++] = '-';
            int digits = 1 + (int)rnd_below(&s, rnd_below(&s, 4) == 0 ? 900 : 40);
            int point = (int)rnd_below(&s, (uint64_t)digits + 1);
            for (int i = 0; i < digits; i++) {
                if (i == point)
                    str[k++] = '.';
                str[k++] = (char)('0' + rnd_below(&s, 10));
            }
            snprintf(str + k, 32, "e%d", (int)rnd_below(&s, 700) - 350);
            break;
        }
        case 3: /* hexadecimal */
            snprintf(str, sizeof str, "%a", random_bits_double(&s));
            if (rnd_below(&s, 2)) {
                /* more hex digits than a double holds */
                char *p = strchr(str, 'p');
                if (p) {
                    char expo[16];
                    strcpy(expo, p);
                    snprintf(p, 64, "%llx%s", (unsigned long long)rnd(&s), expo);
                }
            }
            break;
        case 4: { /* subnormal and boundary territory */
            static const char *const edge[] = {
                "2.4703282292062327e-324", "2.4703282292062328e-324", "4.9406564584124654e-324",
                "2.2250738585072011e-308", "2.2250738585072014e-308", "1.7976931348623157e308",
                "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "1e-400", "1e400",
                "0x1p-1075", "0x1.0000000000001p-1075", "0x1p1024", "0x1.fffffffffffffp1023",
                "3.4028235e38", "3.4028236e38", "1.4e-45", "7e-46", "1.17549435e-38",
                "1e-4951", "1e4933", "3.6e-4951", "1.18973149535723176502e+4932", "0e999999999",
                "1e-999999999", "1e999999999", "123456789012345678901234567890e-50" };
            snprintf(str, sizeof str, "%s", edge[rnd_below(&s, sizeof edge / sizeof edge[0])]);
            break;
        }
        case 5: { /* syntax: signs, spaces, junk, special names, partial forms */
            static const char *const forms[] = {
                "  +1.5xyz", "-.5e", "1e+", "1e-x", ".", "-", "+", "", "0x", "0x.", "0x.8", "0X1P-2",
                "inf", "-INF", "infinity", "infinit", "nan", "NaN(123abc)", "nan(", "nan()", "-nan(x_y)",
                "1.e5", ".e5", "00000.000001", "1_000", "\t\n 42", "0x1.8p", "0xg", "1e0001", "5.",
                "0.000000000000000000000000000000000000000000001e+45" };
            snprintf(str, sizeof str, "%s", forms[rnd_below(&s, sizeof forms / sizeof forms[0])]);
            break;
        }
        default: /* short decimals, the common case */
            snprintf(str, sizeof str, "%d.%0*de%d", (int)rnd_below(&s, 100000), (int)rnd_below(&s, 6) + 1,
                     (int)rnd_below(&s, 100000), (int)rnd_below(&s, 80) - 40);
            break;
        }
        compare_one(&r, str);
    }
    return r.failures;
}

unsigned long suite_strtod_fixed(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    (void)seed; (void)cases;
    struct report r = { buf, cap, 0, 0 };
    /* every double's %.17g round-trips through minlibc's printf and strtod */
    uint64_t s = 7;
    char str[64];
    for (int i = 0; i < 20000; i++) {
        union { double d; uint64_t b; } u;
        do u.b = rnd(&s); while (isnan(u.d));
        ml_snprintf(str, sizeof str, "%.17g", u.d);
        double back = ml_strtod(str, NULL);
        CHECK(&r, memcmp(&back, &u.d, 8) == 0, "round trip of %a via %s gave %a", u.d, str, back);
    }
    return r.failures;
}
