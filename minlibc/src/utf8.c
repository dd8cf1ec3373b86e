#include "utf8.h"

size_t __minlibc_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return UTF8_INCOMPLETE;
    unsigned char b = s[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (b >= 0xc2 && b <= 0xdf) { len = 2; v = b & 0x1f; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { len = 3; v = b & 0x0f; min = 0x800; }
    else if (b >= 0xf0 && b <= 0xf4) { len = 4; v = b & 0x07; min = 0x10000; }
    else return UTF8_INVALID;
    for (size_t i = 1; i < len; i++) {
        if (i >= n)
            return UTF8_INCOMPLETE;
        if ((s[i] & 0xc0) != 0x80)
            return UTF8_INVALID;
        v = (v << 6) | (s[i] & 0x3f);
        /* reject overlong/surrogate/out-of-range as early as the second byte */
        if (i == 1) {
            if (len == 3 && b == 0xe0 && s[1] < 0xa0) return UTF8_INVALID;
            if (len == 3 && b == 0xed && s[1] >= 0xa0) return UTF8_INVALID;
            if (len == 4 && b == 0xf0 && s[1] < 0x90) return UTF8_INVALID;
            if (len == 4 && b == 0xf4 && s[1] >= 0x90) return UTF8_INVALID;
        }
    }
    if (v < min)
        return UTF8_INVALID;
    *cp = v;
    return len;
}

size_t __minlibc_utf8_encode(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xc0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp >= 0xd800 && cp <= 0xdfff)
        return UTF8_INVALID;
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xe0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    if (cp > 0x10ffff)
        return UTF8_INVALID;
    out[0] = (unsigned char)(0xf0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}
