/* Multibyte and wide characters: UTF-8 in every locale (see locale.c). */
#include "internal.h"
#include "utf8.h"
#include <wchar.h>
#include <stdlib.h>
#include <string.h>

/*
 * mbstate_t keeps the bytes of an incomplete character between calls:
 * __count holds how many, __value.__wchb the bytes.
 */
size_t mbrtowc(wchar_t *restrict pwc, const char *restrict s, size_t n, mbstate_t *restrict st)
{
    static mbstate_t internal;
    if (!st)
        st = &internal;
    if (!s) {
        if (st->__count)
            MINLIBC_FAIL(EILSEQ, (size_t)-1);
        return 0;
    }
    if (n == 0)
        return (size_t)-2;
    unsigned char buf[4];
    size_t have = st->__count;
    memcpy(buf, st->__value.__wchb, have);
    size_t take = n < 4 - have ? n : 4 - have;
    memcpy(buf + have, s, take);
    uint32_t cp;
    size_t r = __minlibc_utf8_decode(buf, have + take, &cp);
    if (r == UTF8_INVALID) {
        st->__count = 0;
        MINLIBC_FAIL(EILSEQ, (size_t)-1);
    }
    if (r == UTF8_INCOMPLETE) {
        memcpy(st->__value.__wchb, buf, have + take);
        st->__count = (unsigned)(have + take);
        return (size_t)-2;
    }
    st->__count = 0;
    if (pwc)
        *pwc = (wchar_t)cp;
    return cp ? r - have : 0;
}

size_t mbrlen(const char *restrict s, size_t n, mbstate_t *restrict st)
{
    static mbstate_t internal;
    return mbrtowc(NULL, s, n, st ? st : &internal);
}

int mbsinit(const mbstate_t *st) { return !st || st->__count == 0; }

size_t wcrtomb(char *restrict s, wchar_t wc, mbstate_t *restrict st)
{
    (void)st;
    unsigned char tmp[4];
    if (!s)
        return 1;
    size_t k = __minlibc_utf8_encode((uint32_t)wc, tmp);
    if (k == UTF8_INVALID)
        MINLIBC_FAIL(EILSEQ, (size_t)-1);
    memcpy(s, tmp, k);
    return k;
}

int mbtowc(wchar_t *restrict pwc, const char *restrict s, size_t n)
{
    if (!s)
        return 0;   /* UTF-8 has no shift states */
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t r = mbrtowc(pwc, s, n, &st);
    if (r == (size_t)-2)
        MINLIBC_FAIL(EILSEQ, -1);
    return (int)r;
}

int mblen(const char *s, size_t n) { return mbtowc(NULL, s, n); }

int wctomb(char *s, wchar_t wc)
{
    if (!s)
        return 0;
    return (int)wcrtomb(s, wc, NULL);
}

size_t mbsrtowcs(wchar_t *restrict dst, const char **restrict src, size_t n, mbstate_t *restrict st)
{
    const char *s = *src;
    size_t count = 0;
    mbstate_t local;
    memset(&local, 0, sizeof local);
    if (!st)
        st = &local;
    while (!dst || count < n) {
        wchar_t wc;
        size_t r = mbrtowc(&wc, s, 4, st);
        if (r == (size_t)-1 || r == (size_t)-2) {
            if (dst)
                *src = s;
            MINLIBC_FAIL(EILSEQ, (size_t)-1);
        }
        if (dst)
            dst[count] = wc;
        if (r == 0) {
            if (dst)
                *src = NULL;
            return count;
        }
        s += r;
        count++;
    }
    *src = s;
    return count;
}

size_t mbstowcs(wchar_t *restrict dst, const char *restrict src, size_t n)
{
    const char *s = src;
    return mbsrtowcs(dst, &s, n, NULL);
}

size_t wcsrtombs(char *restrict dst, const wchar_t **restrict src, size_t n, mbstate_t *restrict st)
{
    (void)st;
    const wchar_t *ws = *src;
    size_t count = 0;
    for (;; ws++) {
        unsigned char tmp[4];
        size_t k = *ws ? __minlibc_utf8_encode((uint32_t)*ws, tmp) : 1;
        if (k == UTF8_INVALID) {
            if (dst)
                *src = ws;
            MINLIBC_FAIL(EILSEQ, (size_t)-1);
        }
        if (!*ws)
            tmp[0] = 0;
        if (dst) {
            if (count + k > n) {
                *src = ws;
                return count;
            }
            memcpy(dst + count, tmp, k);
        }
        if (!*ws) {
            if (dst)
                *src = NULL;
            return count;
        }
        count += k;
    }
}

size_t wcstombs(char *restrict dst, const wchar_t *restrict src, size_t n)
{
    const wchar_t *s = src;
    return wcsrtombs(dst, &s, n, NULL);
}

wint_t btowc(int c) { return c >= 0 && c < 0x80 ? (wint_t)c : WEOF; }
int wctob(wint_t c) { return c < 0x80 ? (int)c : -1; }

size_t wcslen(const wchar_t *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

wchar_t *wcscpy(wchar_t *restrict d, const wchar_t *restrict s)
{
    wchar_t *r = d;
    while ((*d++ = *s++))
        ;
    return r;
}

int wcscmp(const wchar_t *a, const wchar_t *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a < *b ? -1 : *a > *b;
}

wchar_t *wmemcpy(wchar_t *restrict d, const wchar_t *restrict s, size_t n)
{
    return memcpy(d, s, n * sizeof *d);
}

wchar_t *wmemset(wchar_t *d, wchar_t c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = c;
    return d;
}

/* Column widths without Unicode tables: controls -1, everything else 1. */
int wcwidth(wchar_t c)
{
    if (c == 0)
        return 0;
    if (c < 32 || (c >= 0x7f && c < 0xa0))
        return -1;
    return 1;
}

int wcswidth(const wchar_t *s, size_t n)
{
    int w = 0;
    for (size_t i = 0; i < n && s[i]; i++) {
        int k = wcwidth(s[i]);
        if (k < 0)
            return -1;
        w += k;
    }
    return w;
}
