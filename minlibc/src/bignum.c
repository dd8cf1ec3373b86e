#include "bignum.h"
#include <stdlib.h>

/* Capacity overflow means a caller sized its storage wrongly: a bug, not a
 * runtime condition, so it stops the program rather than corrupting memory. */
static void bn_grow_check(struct bignum *a, int len)
{
    if (len > a->cap)
        abort();
}

static void bn_trim(struct bignum *a)
{
    while (a->len > 0 && a->limb[a->len - 1] == 0)
        a->len--;
}

void bn_set_u64(struct bignum *a, uint64_t v)
{
    bn_grow_check(a, 2);
    a->limb[0] = (uint32_t)v;
    a->limb[1] = (uint32_t)(v >> 32);
    a->len = 2;
    bn_trim(a);
}

void bn_mul_small(struct bignum *a, uint32_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < a->len; i++) {
        uint64_t t = (uint64_t)a->limb[i] * m + carry;
        a->limb[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) {
        bn_grow_check(a, a->len + 1);
        a->limb[a->len++] = (uint32_t)carry;
    }
}

void bn_add_small(struct bignum *a, uint32_t v)
{
    uint64_t carry = v;
    for (int i = 0; carry && i < a->len; i++) {
        uint64_t t = (uint64_t)a->limb[i] + carry;
        a->limb[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) {
        bn_grow_check(a, a->len + 1);
        a->limb[a->len++] = (uint32_t)carry;
    }
}

void bn_mul_pow5(struct bignum *a, unsigned k)
{
    /* 5^13 is the largest power of five below 2^32. */
    while (k >= 13) {
        bn_mul_small(a, 1220703125u);
        k -= 13;
    }
    uint32_t p = 1;
    while (k--)
        p *= 5;
    if (p != 1)
        bn_mul_small(a, p);
}

void bn_mul_pow10(struct bignum *a, unsigned k)
{
    bn_mul_pow5(a, k);
    bn_shl(a, k);
}

void bn_shl(struct bignum *a, unsigned bits)
{
    if (a->len == 0 || bits == 0)
        return;
    int words = (int)(bits / 32), sh = (int)(bits % 32);
    int newlen = a->len + words + 1;
    bn_grow_check(a, newlen);
    a->limb[newlen - 1] = 0;
    for (int i = a->len - 1; i >= 0; i--) {
        uint32_t v = a->limb[i];
        if (sh) {
            a->limb[i + words + 1] |= v >> (32 - sh);
            a->limb[i + words] = v << sh;
        } else {
            a->limb[i + words] = v;
        }
    }
    for (int i = 0; i < words; i++)
        a->limb[i] = 0;
    a->len = newlen;
    bn_trim(a);
}

uint32_t bn_divmod_small(struct bignum *a, uint32_t d)
{
    uint64_t rem = 0;
    for (int i = a->len - 1; i >= 0; i--) {
        uint64_t cur = (rem << 32) | a->limb[i];
        a->limb[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    bn_trim(a);
    return (uint32_t)rem;
}

int bn_cmp(const struct bignum *a, const struct bignum *b)
{
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    for (int i = a->len - 1; i >= 0; i--)
        if (a->limb[i] != b->limb[i])
            return a->limb[i] < b->limb[i] ? -1 : 1;
    return 0;
}

void bn_sub(struct bignum *a, const struct bignum *b)
{
    int64_t borrow = 0;
    for (int i = 0; i < a->len; i++) {
        int64_t t = (int64_t)a->limb[i] - (i < b->len ? b->limb[i] : 0) - borrow;
        borrow = t < 0;
        a->limb[i] = (uint32_t)(t + (borrow ? ((int64_t)1 << 32) : 0));
    }
    bn_trim(a);
}

void bn_copy(struct bignum *dst, const struct bignum *src)
{
    bn_grow_check(dst, src->len);
    for (int i = 0; i < src->len; i++)
        dst->limb[i] = src->limb[i];
    dst->len = src->len;
}

int bn_bitlen(const struct bignum *a)
{
    if (a->len == 0)
        return 0;
    return (a->len - 1) * 32 + (32 - __builtin_clz(a->limb[a->len - 1]));
}

int bn_is_zero(const struct bignum *a)
{
    return a->len == 0;
}
