/*
 * Arbitrary-precision unsigned integers, just enough for exact binary <->
 * decimal conversion (printf's floating-point output and strtod). Numbers
 * are little-endian arrays of 32-bit limbs in caller-provided storage; the
 * capacity is fixed by the largest case (x87 long double), so none of this
 * allocates.
 */
#ifndef MINLIBC_BIGNUM_H
#define MINLIBC_BIGNUM_H
#include <stdint.h>
#include <stddef.h>

/* The functions are internal to minlibc: keep them out of the C namespace. */
#define bn_set_u64 __minlibc_bn_set_u64
#define bn_mul_small __minlibc_bn_mul_small
#define bn_add_small __minlibc_bn_add_small
#define bn_mul_pow5 __minlibc_bn_mul_pow5
#define bn_mul_pow10 __minlibc_bn_mul_pow10
#define bn_shl __minlibc_bn_shl
#define bn_divmod_small __minlibc_bn_divmod_small
#define bn_cmp __minlibc_bn_cmp
#define bn_sub __minlibc_bn_sub
#define bn_copy __minlibc_bn_copy
#define bn_bitlen __minlibc_bn_bitlen
#define bn_is_zero __minlibc_bn_is_zero

struct bignum {
    uint32_t *limb;
    int len;   /* limbs in use; limb[len-1] != 0 unless len == 0 */
    int cap;
};

void bn_set_u64(struct bignum *, uint64_t);
void bn_mul_small(struct bignum *, uint32_t);
void bn_add_small(struct bignum *, uint32_t);
void bn_mul_pow5(struct bignum *, unsigned);
void bn_mul_pow10(struct bignum *, unsigned);
void bn_shl(struct bignum *, unsigned);
uint32_t bn_divmod_small(struct bignum *, uint32_t);   /* in place; returns remainder */
int bn_cmp(const struct bignum *, const struct bignum *);
void bn_sub(struct bignum *, const struct bignum *);    /* a -= b, requires a >= b */
void bn_copy(struct bignum *, const struct bignum *);
int bn_bitlen(const struct bignum *);
int bn_is_zero(const struct bignum *);

#endif
