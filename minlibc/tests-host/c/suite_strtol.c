/* strtol family: random strings, bases (including invalid ones) and edge
 * values; result, end pointer and errno must equal glibc's. */
#include "suite.h"
#include <stdlib.h>
#include <string.h>

#define COMPARE(fn, mlfn, fmtv, str, base) do { \
        char *ea = (char *)str, *eb = (char *)str; errno = 0; __typeof__(fn(str, &ea, base)) a = fn(str, &ea, base); int erra = errno; \
        ML_ERRNO = 0; __typeof__(a) b = mlfn(str, &eb, base); int errb = ML_ERRNO; \
        /* glibc leaves the end pointer unset for an invalid base */ \
        if (a != b || (erra != EINVAL && ea != eb) || erra != errb) \
            report_fail(&r, #fn "(%s, %d): glibc " fmtv " end %td errno %d, minlibc " fmtv " end %td errno %d", \
                        show(str, strlen(str)), base, a, ea - str, erra, b, eb - str, errb); \
    } while (0)

unsigned long suite_strtol(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    struct report r = { buf, cap, 0, 0 };
    uint64_t s = seed;
    static const char *const edges[] = {
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "-18446744073709551615", "-18446744073709551616",
        "0x7fffffffffffffff", "0x8000000000000000", "-0x8000000000000000", "0xffffffffffffffff",
        "0x10000000000000000", "0777", "08", "0x", "0xg", "-0x", "  -0", "+", "-", "", " ", "z", "Z",
        "1z", "zzzzzzzzzzzzzz", "99999999999999999999999999999", "0b101", "00000000000000000000000001" };
    char str[80];
    for (unsigned long n = 0; n < cases; n++) {
        if (rnd_below(&s, 3) == 0) {
            snprintf(str, sizeof str, "%s", edges[rnd_below(&s, sizeof edges / sizeof edges[0])]);
        } else {
            static const char alphabet[] = "0123456789abcdefxyzXZ+- \t";
            size_t len = rnd_below(&s, 30);
            for (size_t i = 0; i < len; i++)
                str[i] = alphabet[rnd_below(&s, sizeof alphabet - 1)];
            str[len] = 0;
        }
        static const int bases[] = { 0, 2, 8, 10, 16, 36, 3, 7, 1, 37, -1 };
        int base = rnd_below(&s, 4) ? bases[rnd_below(&s, 6)] : bases[rnd_below(&s, sizeof bases / sizeof bases[0])];
        COMPARE(strtol, ml_strtol, "%ld", str, base);
        COMPARE(strtoul, ml_strtoul, "%lu", str, base);
        COMPARE(strtoll, ml_strtoll, "%lld", str, base);
        COMPARE(strtoull, ml_strtoull, "%llu", str, base);
        if (base == 10) {
            CHECK(&r, atoi(str) == ml_atoi(str), "atoi(%s): glibc %d, minlibc %d", show(str, strlen(str)), atoi(str), ml_atoi(str));
            CHECK(&r, atol(str) == ml_atol(str), "atol(%s): glibc %ld, minlibc %ld", show(str, strlen(str)), atol(str), ml_atol(str));
        }
    }
    return r.failures;
}
