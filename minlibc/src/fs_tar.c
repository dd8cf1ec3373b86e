/*
 * Reading tar archives (POSIX ustar, pax extended headers, GNU long-name
 * records: what the Rust `tar` crate writes, and GNU and bsdtar too) for
 * the file tree (fs_tree.c). The archive may be hostile: every offset is
 * checked against its length before use, every header's checksum is
 * checked, sizes that reach beyond the archive, unknown or special entry
 * types (hard links, devices, FIFOs, sparse files) and over-long names are
 * refused with a message naming the entry. Nothing is copied: entries
 * point into the archive.
 */
#include "internal.h"
#include "fs_tree.h"
#include <string.h>

#define BLOCK 512

/* Writes a message into why (cut to cap). */
static int fail(char *why, size_t cap, const char *entry, const char *what)
{
    if (cap)
        snprintf(why, cap, "entry \"%.200s\": %s", entry && *entry ? entry : "(unnamed)", what);
    return -1;
}

/* A numeric header field: octal digits between optional spaces and a
 * terminating space or NUL, or GNU's base-256 (first byte 0x80). -1 for
 * anything else, including values beyond 2^63. */
static int64_t number(const unsigned char *f, size_t n)
{
    uint64_t v = 0;
    if (f[0] & 0x80) {
        if (f[0] != 0x80)
            return -1;  /* negative (0xff) or malformed */
        for (size_t i = 1; i < n; i++) {
            if (v >> 55)
                return -1;
            v = v << 8 | f[i];
        }
        return v > INT64_MAX ? -1 : (int64_t)v;
    }
    size_t i = 0;
    while (i < n && f[i] == ' ')
        i++;
    size_t digits = 0;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
        if (v >> 60)
            return -1;
        v = v << 3 | (uint64_t)(f[i] - '0');
    }
    if (i < n && f[i] != ' ' && f[i] != 0)
        return -1;
    for (; i < n; i++)
        if (f[i] != ' ' && f[i] != 0)
            return -1;
    if (!digits)
        return 0;  /* an empty field counts as 0, as GNU tar reads it */
    return (int64_t)v;
}

/* The header's checksum: the sum of its bytes with the checksum field
 * taken as spaces. */
static int checksum_ok(const unsigned char *h)
{
    int64_t want = number(h + 148, 8);
    uint64_t sum = 0;
    for (size_t i = 0; i < BLOCK; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    return want >= 0 && (uint64_t)want == sum;
}

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* Copies a NUL-or-length-terminated field into out (cap >= n + 1). */
static void field(char *out, const unsigned char *f, size_t n)
{
    size_t k = 0;
    while (k < n && f[k])
        k++;
    memcpy(out, f, k);
    out[k] = 0;
}

/* The pax records of an extended header that halvm uses: path, linkpath,
 * size, mtime. Records are "LEN KEY=VALUE\n" with LEN counting the whole
 * record. */
struct pax_values {
    int has_path, has_link, has_size, has_mtime;
    uint64_t size;
    int64_t mtime;
};

static int parse_decimal(const unsigned char *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (!n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    *out = v;
    return 0;
}

static int pax_records(const unsigned char *p, size_t n, struct tar_entry *e, struct pax_values *pv,
                       const char *entry, char *why, size_t cap)
{
    size_t at = 0;
    while (at < n) {
        size_t sp = at;
        while (sp < n && p[sp] != ' ')
            sp++;
        uint64_t len;
        if (sp == n || parse_decimal(p + at, sp - at, &len) < 0 || len > n - at || len < sp - at + 3 ||
            p[at + len - 1] != '\n')
            return fail(why, cap, entry, "malformed pax extended header record");
        const unsigned char *kv = p + sp + 1, *end = p + at + len - 1;
        const unsigned char *eq = memchr(kv, '=', (size_t)(end - kv));
        if (!eq)
            return fail(why, cap, entry, "pax record without '='");
        size_t klen = (size_t)(eq - kv), vlen = (size_t)(end - eq - 1);
        const unsigned char *val = eq + 1;
        if (klen == 4 && !memcmp(kv, "path", 4)) {
            if (vlen >= FS_PATH_MAX || memchr(val, 0, vlen))
                return fail(why, cap, entry, "pax path too long or with a NUL byte");
            memcpy(e->path, val, vlen);
            e->path[vlen] = 0;
            pv->has_path = 1;
        } else if (klen == 8 && !memcmp(kv, "linkpath", 8)) {
            if (vlen >= FS_PATH_MAX || memchr(val, 0, vlen))
                return fail(why, cap, entry, "pax linkpath too long or with a NUL byte");
            memcpy(e->link, val, vlen);
            e->link[vlen] = 0;
            pv->has_link = 1;
        } else if (klen == 4 && !memcmp(kv, "size", 4)) {
            if (parse_decimal(val, vlen, &pv->size) < 0)
                return fail(why, cap, entry, "malformed pax size");
            pv->has_size = 1;
        } else if (klen == 5 && !memcmp(kv, "mtime", 5)) {
            /* seconds, maybe with a fraction: the integer part counts */
            size_t dot = 0;
            while (dot < vlen && val[dot] != '.')
                dot++;
            uint64_t s;
            if (parse_decimal(val, dot, &s) == 0 && s <= INT64_MAX) {
                pv->mtime = (int64_t)s;
                pv->has_mtime = 1;
            }
        }
        at += len;
    }
    return 0;
}

int __minlibc_tar_next(struct tar_reader *r, struct tar_entry *e, char *why, size_t cap)
{
    struct pax_values pv = { 0 };
    int gnu_name = 0, gnu_link = 0;
    const char *last = "";  /* for messages: the entry being read */
    for (;;) {
        if (r->at > r->len)
            return fail(why, cap, last, "archive ends inside an entry");
        size_t left = r->len - r->at;
        if (left == 0) {
            if (pv.has_path || pv.has_link || pv.has_size || gnu_name || gnu_link)
                return fail(why, cap, last, "archive ends after an extended header");
            return 0;  /* no end-of-archive blocks: accepted, as GNU tar does */
        }
        const unsigned char *h = r->base + r->at;
        if (left < BLOCK)
            return all_zero(h, left) ? 0 : fail(why, cap, last, "archive is truncated (a partial header block)");
        if (all_zero(h, BLOCK)) {
            if (pv.has_path || pv.has_link || pv.has_size || gnu_name || gnu_link)
                return fail(why, cap, last, "archive ends after an extended header");
            return 0;  /* the end-of-archive marker; what follows is padding */
        }
        char name[257];
        field(name, h, 100);
        if (!pv.has_path && !gnu_name) {
            /* POSIX ustar: a prefix before the name */
            if (!memcmp(h + 257, "ustar\0", 6) && h[345]) {
                char prefix[156];
                field(prefix, h + 345, 155);
                snprintf(e->path, FS_PATH_MAX, "%s/%s", prefix, name);
            } else {
                strcpy(e->path, name);
            }
        }
        last = e->path;
        if (!checksum_ok(h))
            return fail(why, cap, name, "header checksum mismatch (not a tar archive, or damaged)");
        if (memcmp(h + 257, "ustar", 5))
            return fail(why, cap, name, "not a ustar header (old-style tar archives are not accepted)");
        int64_t size = number(h + 124, 12);
        int64_t mode = number(h + 100, 8);
        int64_t mtime = number(h + 136, 12);
        if (size < 0 || mode < 0 || mtime < 0)
            return fail(why, cap, e->path, "malformed numeric field in the header");
        uint64_t usize = pv.has_size ? pv.size : (uint64_t)size;
        char type = (char)h[156];
        /* the data follows the header, padded to whole blocks */
        uint64_t data_at = r->at + BLOCK;
        if (usize > r->len - data_at)
            return fail(why, cap, e->path, "its size reaches beyond the end of the archive");
        uint64_t padded = (usize + BLOCK - 1) / BLOCK * BLOCK;
        const unsigned char *data = r->base + data_at;
        r->at = (size_t)data_at + (padded <= r->len - data_at ? (size_t)padded : (size_t)(r->len - data_at));
        switch (type) {
        case 'x':
            if (pax_records(data, (size_t)usize, e, &pv, e->path, why, cap) < 0)
                return -1;
            continue;
        case 'g':
            continue;  /* global pax header: nothing halvm uses */
        case 'L':
        case 'K': {
            char *dst = type == 'L' ? e->path : e->link;
            size_t n = (size_t)usize;
            while (n && data[n - 1] == 0)
                n--;
            if (n >= FS_PATH_MAX || memchr(data, 0, n))
                return fail(why, cap, name, "GNU long name too long or with a NUL byte");
            memcpy(dst, data, n);
            dst[n] = 0;
            if (type == 'L')
                gnu_name = 1;
            else
                gnu_link = 1;
            continue;
        }
        case '0':
        case '\0':
        case '7':
            e->type = '0';
            break;
        case '5':
            e->type = '5';
            break;
        case '2':
            e->type = '2';
            break;
        case '1':
            return fail(why, cap, e->path, "hard links are not accepted (pack the file itself)");
        case '3':
        case '4':
        case '6':
            return fail(why, cap, e->path, "device files and FIFOs are not accepted");
        default:
            return fail(why, cap, e->path, "entry type not accepted (only files, directories, symbolic links)");
        }
        if (e->type == '2' && !pv.has_link && !gnu_link)
            field(e->link, h + 157, 100);
        if (e->type == '2' && !e->link[0])
            return fail(why, cap, e->path, "symbolic link with an empty target");
        if (e->type != '0' && usize != 0)
            return fail(why, cap, e->path, "a directory or link with data");
        e->perm = (mode_t)(mode & 07777);
        e->mtime = pv.has_mtime ? pv.mtime : mtime;
        e->data = data;
        e->size = usize;
        return 1;
    }
}

int __minlibc_tar_normalise(const char *in, char *out, size_t cap, char *why, size_t why_cap)
{
    if (in[0] == '/')
        return fail(why, why_cap, in, "absolute path (archive paths must be relative)");
    size_t o = 0;
    const char *p = in;
    while (*p) {
        const char *s;
        size_t n;
        p = __minlibc_path_component(p, &s, &n);
        if (n == 0 || (n == 1 && s[0] == '.'))
            continue;
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return fail(why, why_cap, in, "path with a \"..\" component");
        if (n > FS_NAME_MAX)
            return fail(why, why_cap, in, "path component longer than 255 bytes");
        if (o + (o ? 1 : 0) + n + 1 > cap)
            return fail(why, why_cap, in, "path too long");
        if (o)
            out[o++] = '/';
        memcpy(out + o, s, n);
        o += n;
    }
    out[o] = 0;
    return 0;
}
