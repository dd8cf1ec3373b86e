/*
 * Exact decimal expansion of a binary floating-point value, the basis of
 * printf's correctly rounded %e/%f/%g output.
 *
 * m * 2^e is an integer when e >= 0; when e < 0 it equals m * 5^-e / 10^-e,
 * so the decimal digits of the integer m * 5^-e, with the decimal point -e
 * places from the right, are the exact value. Either way one big integer
 * is built and converted to decimal by repeated division by 10^9.
 */
#include "internal.h"
#include "bignum.h"

/* x87 long double: up to m < 2^64 times 5^16445 (about 38300 bits). */
#define DIGITS_LIMBS 1240

static uint32_t digits_limbs[DIGITS_LIMBS];

size_t __minlibc_float_digits(uint64_t m, int e, char *out, int *dexp10)
{
    struct bignum n = { digits_limbs, 0, DIGITS_LIMBS };
    bn_set_u64(&n, m);
    /* Strip factors of two first: they shorten the 5^-e product. */
    while (e < 0 && !(m & 1)) {
        m >>= 1;
        e++;
    }
    bn_set_u64(&n, m);
    if (e >= 0) {
        bn_shl(&n, (unsigned)e);
        *dexp10 = 0;
    } else {
        bn_mul_pow5(&n, (unsigned)-e);
        *dexp10 = e;
    }
    /* Produce 9-digit groups from the least significant end, backwards
     * into the end of `out`, then move them to the front. */
    char *end = out + MINLIBC_FLOAT_DIGITS_MAX;
    char *p = end;
    while (!bn_is_zero(&n)) {
        uint32_t group = bn_divmod_small(&n, 1000000000u);
        for (int i = 0; i < 9; i++) {
            *--p = (char)('0' + group % 10);
            group /= 10;
        }
    }
    while (p < end && *p == '0')
        p++;
    size_t len = (size_t)(end - p);
    for (size_t i = 0; i < len; i++)
        out[i] = p[i];
    return len;
}
