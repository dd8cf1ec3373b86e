/* String and memory functions. Written plainly: the compiler is told
 * -ffreestanding, so these loops are not turned back into calls to
 * themselves. */
#include "internal.h"
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <ctype.h>

void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    /* word copies when both are aligned alike */
    if ((((uintptr_t)dp ^ (uintptr_t)sp) & 7) == 0) {
        while (n && ((uintptr_t)dp & 7)) {
            *dp++ = *sp++;
            n--;
        }
        while (n >= 8) {
            *(uint64_t *)(void *)dp = *(const uint64_t *)(const void *)sp;
            dp += 8;
            sp += 8;
            n -= 8;
        }
    }
    while (n--)
        *dp++ = *sp++;
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    if (dp == sp || n == 0)
        return d;
    if (dp < sp || dp >= sp + n)
        return memcpy(d, s, n);
    while (n--)
        dp[n] = sp[n];
    return d;
}

void *memset(void *d, int c, size_t n)
{
    unsigned char *dp = d;
    unsigned char b = (unsigned char)c;
    while (n && ((uintptr_t)dp & 7)) {
        *dp++ = b;
        n--;
    }
    uint64_t w = 0x0101010101010101ULL * b;
    while (n >= 8) {
        *(uint64_t *)(void *)dp = w;
        dp += 8;
        n -= 8;
    }
    while (n--)
        *dp++ = b;
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

int bcmp(const void *a, const void *b, size_t n) { return memcmp(a, b, n); }
void bcopy(const void *s, void *d, size_t n) { memmove(d, s, n); }
void bzero(void *d, size_t n) { memset(d, 0, n); }

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < n; i++)
        if (p[i] == (unsigned char)c)
            return (void *)(p + i);
    return NULL;
}

void *memrchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    while (n--)
        if (p[n] == (unsigned char)c)
            return (void *)(p + n);
    return NULL;
}

void *memmem(const void *h, size_t hl, const void *n, size_t nl)
{
    const unsigned char *hp = h;
    if (nl == 0)
        return (void *)h;
    for (size_t i = 0; i + nl <= hl; i++)
        if (hp[i] == *(const unsigned char *)n && memcmp(hp + i, n, nl) == 0)
            return (void *)(hp + i);
    return NULL;
}

void *mempcpy(void *restrict d, const void *restrict s, size_t n)
{
    return (char *)memcpy(d, s, n) + n;
}

void *memccpy(void *restrict d, const void *restrict s, int c, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    for (size_t i = 0; i < n; i++) {
        dp[i] = sp[i];
        if (sp[i] == (unsigned char)c)
            return dp + i + 1;
    }
    return NULL;
}

size_t strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

char *strcpy(char *restrict d, const char *restrict s)
{
    char *r = d;
    while ((*d++ = *s++))
        ;
    return r;
}

char *stpcpy(char *restrict d, const char *restrict s)
{
    while ((*d = *s++))
        d++;
    return d;
}

char *strncpy(char *restrict d, const char *restrict s, size_t n)
{
    size_t i = 0;
    for (; i < n && s[i]; i++)
        d[i] = s[i];
    for (; i < n; i++)
        d[i] = 0;
    return d;
}

char *stpncpy(char *restrict d, const char *restrict s, size_t n)
{
    size_t i = 0;
    for (; i < n && s[i]; i++)
        d[i] = s[i];
    char *end = d + i;
    for (; i < n; i++)
        d[i] = 0;
    return end;
}

char *strcat(char *restrict d, const char *restrict s)
{
    strcpy(d + strlen(d), s);
    return d;
}

char *strncat(char *restrict d, const char *restrict s, size_t n)
{
    char *p = d + strlen(d);
    size_t i = 0;
    for (; i < n && s[i]; i++)
        p[i] = s[i];
    p[i] = 0;
    return d;
}

size_t strlcpy(char *restrict d, const char *restrict s, size_t n)
{
    size_t len = strlen(s);
    if (n) {
        size_t k = len < n - 1 ? len : n - 1;
        memcpy(d, s, k);
        d[k] = 0;
    }
    return len;
}

size_t strlcat(char *restrict d, const char *restrict s, size_t n)
{
    size_t dl = strnlen(d, n);
    if (dl == n)
        return n + strlen(s);
    return dl + strlcpy(d + dl, s, n - dl);
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b || !*a)
            return (unsigned char)*a - (unsigned char)*b;
    }
    return 0;
}

/* The C locale collates by byte value. */
int strcoll(const char *a, const char *b) { return strcmp(a, b); }

size_t strxfrm(char *restrict d, const char *restrict s, size_t n)
{
    size_t len = strlen(s);
    if (len < n)
        memcpy(d, s, len + 1);
    return len;
}

int strcasecmp(const char *a, const char *b)
{
    int d;
    while ((d = tolower((unsigned char)*a) - tolower((unsigned char)*b)) == 0 && *a) {
        a++;
        b++;
    }
    return d;
}

int strncasecmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        int d = tolower((unsigned char)*a) - tolower((unsigned char)*b);
        if (d || !*a)
            return d;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

char *strchrnul(const char *s, int c)
{
    while (*s && *s != (char)c)
        s++;
    return (char *)s;
}

char *strrchr(const char *s, int c)
{
    const char *r = NULL;
    for (;; s++) {
        if (*s == (char)c)
            r = s;
        if (!*s)
            return (char *)r;
    }
}

char *index(const char *s, int c) { return strchr(s, c); }
char *rindex(const char *s, int c) { return strrchr(s, c); }

size_t strspn(const char *s, const char *accept)
{
    size_t n = 0;
    while (s[n] && strchr(accept, s[n]))
        n++;
    return n;
}

size_t strcspn(const char *s, const char *reject)
{
    size_t n = 0;
    while (s[n] && !strchr(reject, s[n]))
        n++;
    return n;
}

char *strpbrk(const char *s, const char *accept)
{
    s += strcspn(s, accept);
    return *s ? (char *)s : NULL;
}

char *strstr(const char *h, const char *n)
{
    return memmem(h, strlen(h), n, strlen(n));
}

char *strtok_r(char *restrict s, const char *restrict delim, char **restrict save)
{
    if (!s)
        s = *save;
    s += strspn(s, delim);
    if (!*s) {
        *save = s;
        return NULL;
    }
    char *end = s + strcspn(s, delim);
    if (*end)
        *end++ = 0;
    *save = end;
    return s;
}

char *strtok(char *restrict s, const char *restrict delim)
{
    static char *save;
    return strtok_r(s, delim, &save);
}

char *strsep(char **restrict sp, const char *restrict delim)
{
    char *s = *sp;
    if (!s)
        return NULL;
    char *end = s + strcspn(s, delim);
    if (*end)
        *end++ = 0, *sp = end;
    else
        *sp = NULL;
    return s;
}

char *strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

char *strndup(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

int ffs(int v) { return v ? __builtin_ctz((unsigned)v) + 1 : 0; }
int ffsl(long v) { return v ? __builtin_ctzl((unsigned long)v) + 1 : 0; }
int ffsll(long long v) { return v ? __builtin_ctzll((unsigned long long)v) + 1 : 0; }

char *basename(char *path)
{
    if (!path || !*path)
        return ".";
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        path[--n] = 0;
    char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

char *dirname(char *path)
{
    if (!path || !*path)
        return ".";
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    while (n > 0 && path[n - 1] != '/')
        n--;
    if (n == 0)
        return ".";
    while (n > 1 && path[n - 1] == '/')
        n--;
    path[n] = 0;
    return path;
}
