/* The printf family over the engine in vformat.c. */
#include "internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

static void put_stream(struct fmt_sink *s, const char *p, size_t n)
{
    if (fwrite(p, 1, n, s->ctx) != n)
        s->error = errno ? errno : EIO;
    s->len += n;
}

static void put_buffer(struct fmt_sink *s, const char *p, size_t n)
{
    if (s->len < s->cap) {
        size_t room = s->cap - 1 - s->len;
        memcpy(s->buf + s->len, p, n < room ? n : room);
    }
    s->len += n;
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
    struct fmt_sink s = { put_stream, f, NULL, 0, 0, 0 };
    return __minlibc_vformat(&s, fmt, ap);
}

int vprintf(const char *fmt, va_list ap) { return vfprintf(stdout, fmt, ap); }

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
    struct fmt_sink s = { put_buffer, NULL, buf, cap, 0, 0 };
    int r = __minlibc_vformat(&s, fmt, ap);
    if (cap)
        buf[s.len < cap ? s.len : cap - 1] = 0;
    return r;
}

int vsprintf(char *buf, const char *fmt, va_list ap) { return vsnprintf(buf, INT_MAX, fmt, ap); }

int vasprintf(char **out, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return -1;
    char *p = malloc((size_t)n + 1);
    if (!p)
        return -1;
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    *out = p;
    return n;
}

int vdprintf(int fd, const char *fmt, va_list ap)
{
    char *p;
    int n = vasprintf(&p, fmt, ap);
    if (n < 0)
        return -1;
    ssize_t w = write(fd, p, (size_t)n);
    free(p);
    return w < 0 ? -1 : n;
}

#define VARIADIC(call) \
    va_list ap; \
    va_start(ap, fmt); \
    int r = call; \
    va_end(ap); \
    return r

int printf(const char *fmt, ...) { VARIADIC(vfprintf(stdout, fmt, ap)); }
int fprintf(FILE *f, const char *fmt, ...) { VARIADIC(vfprintf(f, fmt, ap)); }
int sprintf(char *buf, const char *fmt, ...) { VARIADIC(vsprintf(buf, fmt, ap)); }
int snprintf(char *buf, size_t cap, const char *fmt, ...) { VARIADIC(vsnprintf(buf, cap, fmt, ap)); }
int asprintf(char **out, const char *fmt, ...) { VARIADIC(vasprintf(out, fmt, ap)); }
int dprintf(int fd, const char *fmt, ...) { VARIADIC(vdprintf(fd, fmt, ap)); }
