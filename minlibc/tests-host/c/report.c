#include "suite.h"
#include <string.h>

void report_fail(struct report *r, const char *fmt, ...)
{
    r->failures++;
    if (r->failures > 12 || r->len + 2 >= r->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->buf + r->len, r->cap - r->len - 1, fmt, ap);
    va_end(ap);
    if (n > 0)
        r->len += (size_t)n < r->cap - r->len - 1 ? (size_t)n : r->cap - r->len - 2;
    r->buf[r->len++] = '\n';
    r->buf[r->len] = 0;
}

const char *show(const char *p, size_t n)
{
    static char slots[4][700];
    static int which;
    char *out = slots[which = (which + 1) % 4];
    size_t k = 0;
    out[k++] = '"';
    for (size_t i = 0; i < n && k < sizeof slots[0] - 8; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 32 && c < 127 && c != '"' && c != '\\')
            out[k++] = (char)c;
        else
            k += (size_t)snprintf(out + k, 8, "\\x%02x", c);
    }
    if (n > 0 && k >= sizeof slots[0] - 8)
        k += (size_t)snprintf(out + k, 8, "...");
    out[k++] = '"';
    out[k] = 0;
    return out;
}
