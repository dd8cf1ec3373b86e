/*
 * iconv between UTF-8, ASCII, ISO-8859-1 (Latin-1), UTF-16LE/BE and
 * UTF-32LE/BE (with the aliases UCS-4*, WCHAR_T). Names are matched
 * case-insensitively ignoring '-' and '_'. The "//TRANSLIT" suffix turns
 * characters the target cannot represent into '?', "//IGNORE" drops them;
 * both count as irreversible conversions. Anything else: EINVAL.
 */
#include "internal.h"
#include "utf8.h"
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#define ENC_TOO_BIG ((size_t)-3)
#define ENC_UNREPRESENTABLE ((size_t)-4)

struct codec {
    const char *names;      /* NUL-separated normalised aliases, "" ends */
    size_t (*decode)(const unsigned char *, size_t, uint32_t *);
    size_t (*encode)(uint32_t, unsigned char *, size_t);
};

static size_t dec_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
    return __minlibc_utf8_decode(s, n, cp);
}

static size_t enc_utf8(uint32_t cp, unsigned char *out, size_t room)
{
    unsigned char tmp[4];
    size_t k = __minlibc_utf8_encode(cp, tmp);
    if (k == UTF8_INVALID)
        return ENC_UNREPRESENTABLE;
    if (k > room)
        return ENC_TOO_BIG;
    memcpy(out, tmp, k);
    return k;
}

static size_t dec_ascii(const unsigned char *s, size_t n, uint32_t *cp)
{
    (void)n;
    if (s[0] >= 0x80)
        return UTF8_INVALID;
    *cp = s[0];
    return 1;
}

static size_t enc_single(uint32_t cp, unsigned char *out, size_t room, uint32_t limit)
{
    if (cp >= limit)
        return ENC_UNREPRESENTABLE;
    if (room < 1)
        return ENC_TOO_BIG;
    out[0] = (unsigned char)cp;
    return 1;
}

static size_t enc_ascii(uint32_t cp, unsigned char *out, size_t room) { return enc_single(cp, out, room, 0x80); }
static size_t enc_latin1(uint32_t cp, unsigned char *out, size_t room) { return enc_single(cp, out, room, 0x100); }

static size_t dec_latin1(const unsigned char *s, size_t n, uint32_t *cp)
{
    (void)n;
    *cp = s[0];
    return 1;
}

static int valid_scalar(uint32_t cp) { return cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff); }

static size_t dec_utf32(const unsigned char *s, size_t n, uint32_t *cp, int big)
{
    if (n < 4)
        return UTF8_INCOMPLETE;
    uint32_t v = big ? ((uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3])
                     : ((uint32_t)s[3] << 24 | (uint32_t)s[2] << 16 | (uint32_t)s[1] << 8 | s[0]);
    if (!valid_scalar(v))
        return UTF8_INVALID;
    *cp = v;
    return 4;
}

static size_t enc_utf32(uint32_t cp, unsigned char *out, size_t room, int big)
{
    if (!valid_scalar(cp))
        return ENC_UNREPRESENTABLE;
    if (room < 4)
        return ENC_TOO_BIG;
    for (int i = 0; i < 4; i++)
        out[big ? i : 3 - i] = (unsigned char)(cp >> (24 - 8 * i));
    return 4;
}

static size_t dec_utf32le(const unsigned char *s, size_t n, uint32_t *cp) { return dec_utf32(s, n, cp, 0); }
static size_t dec_utf32be(const unsigned char *s, size_t n, uint32_t *cp) { return dec_utf32(s, n, cp, 1); }
static size_t enc_utf32le(uint32_t cp, unsigned char *o, size_t r) { return enc_utf32(cp, o, r, 0); }
static size_t enc_utf32be(uint32_t cp, unsigned char *o, size_t r) { return enc_utf32(cp, o, r, 1); }

static uint32_t unit16(const unsigned char *s, int big)
{
    return big ? (uint32_t)(s[0] << 8 | s[1]) : (uint32_t)(s[1] << 8 | s[0]);
}

static size_t dec_utf16(const unsigned char *s, size_t n, uint32_t *cp, int big)
{
    if (n < 2)
        return UTF8_INCOMPLETE;
    uint32_t u = unit16(s, big);
    if (u >= 0xdc00 && u <= 0xdfff)
        return UTF8_INVALID;
    if (u < 0xd800 || u > 0xdbff) {
        *cp = u;
        return 2;
    }
    if (n < 4)
        return UTF8_INCOMPLETE;
    uint32_t lo = unit16(s + 2, big);
    if (lo < 0xdc00 || lo > 0xdfff)
        return UTF8_INVALID;
    *cp = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
    return 4;
}

static void put16(unsigned char *o, uint32_t u, int big)
{
    o[big ? 0 : 1] = (unsigned char)(u >> 8);
    o[big ? 1 : 0] = (unsigned char)u;
}

static size_t enc_utf16(uint32_t cp, unsigned char *out, size_t room, int big)
{
    if (!valid_scalar(cp))
        return ENC_UNREPRESENTABLE;
    if (cp < 0x10000) {
        if (room < 2)
            return ENC_TOO_BIG;
        put16(out, cp, big);
        return 2;
    }
    if (room < 4)
        return ENC_TOO_BIG;
    cp -= 0x10000;
    put16(out, 0xd800 + (cp >> 10), big);
    put16(out + 2, 0xdc00 + (cp & 0x3ff), big);
    return 4;
}

static size_t dec_utf16le(const unsigned char *s, size_t n, uint32_t *cp) { return dec_utf16(s, n, cp, 0); }
static size_t dec_utf16be(const unsigned char *s, size_t n, uint32_t *cp) { return dec_utf16(s, n, cp, 1); }
static size_t enc_utf16le(uint32_t cp, unsigned char *o, size_t r) { return enc_utf16(cp, o, r, 0); }
static size_t enc_utf16be(uint32_t cp, unsigned char *o, size_t r) { return enc_utf16(cp, o, r, 1); }

static const struct codec codecs[] = {
    { "UTF8\0", dec_utf8, enc_utf8 },
    { "ASCII\0USASCII\0ANSIX3.41968\0646\0", dec_ascii, enc_ascii },
    { "ISO88591\0LATIN1\0L1\0ISO885911987\0", dec_latin1, enc_latin1 },
    { "UTF32LE\0UCS4LE\0WCHART\0", dec_utf32le, enc_utf32le },
    { "UTF32BE\0UCS4BE\0UCS4\0", dec_utf32be, enc_utf32be },
    { "UTF16LE\0", dec_utf16le, enc_utf16le },
    { "UTF16BE\0", dec_utf16be, enc_utf16be },
};

#define F_TRANSLIT 1
#define F_IGNORE 2

struct conv {
    const struct codec *from, *to;
    int flags;
};

/* Normalises a name into out (upper case, no '-'/'_'), splitting off the
 * "//SUFFIX" part into flags. Returns 0 on an unknown suffix. */
static int normalise(const char *name, char *out, size_t cap, int *flags)
{
    size_t k = 0;
    *flags = 0;
    const char *suffix = strstr(name, "//");
    const char *end = suffix ? suffix : name + strlen(name);
    for (const char *p = name; p < end; p++) {
        if (*p == '-' || *p == '_')
            continue;
        if (k + 1 >= cap)
            return 0;
        out[k++] = (char)toupper((unsigned char)*p);
    }
    out[k] = 0;
    /* suffix tokens are separated by "//" or ',' */
    for (const char *p = suffix; p && *p;) {
        while (*p == '/' || *p == ',')
            p++;
        size_t len = strcspn(p, "/,");
        if (len == 8 && !strncasecmp(p, "TRANSLIT", 8))
            *flags |= F_TRANSLIT;
        else if (len == 6 && !strncasecmp(p, "IGNORE", 6))
            *flags |= F_IGNORE;
        else if (len != 0)
            return 0;
        p += len;
    }
    return 1;
}

static const struct codec *find_codec(const char *norm)
{
    for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
        for (const char *a = codecs[i].names; *a; a += strlen(a) + 1)
            if (!strcmp(a, norm))
                return &codecs[i];
    return NULL;
}

iconv_t iconv_open(const char *to, const char *from)
{
    char nto[32], nfrom[32];
    int fto, ffrom;
    if (!normalise(to, nto, sizeof nto, &fto) || !normalise(from, nfrom, sizeof nfrom, &ffrom))
        MINLIBC_FAIL(EINVAL, (iconv_t)-1);
    /* "" means the locale's codeset: UTF-8 */
    const struct codec *t = find_codec(*nto ? nto : "UTF8");
    const struct codec *f = find_codec(*nfrom ? nfrom : "UTF8");
    if (!t || !f)
        MINLIBC_FAIL(EINVAL, (iconv_t)-1);
    struct conv *c = malloc(sizeof *c);
    if (!c)
        return (iconv_t)-1;
    c->from = f;
    c->to = t;
    c->flags = fto;
    return c;
}

int iconv_close(iconv_t cd)
{
    if (cd == (iconv_t)-1 || !cd)
        MINLIBC_FAIL(EBADF, -1);
    free(cd);
    return 0;
}

size_t iconv(iconv_t cd, char **restrict in, size_t *restrict inleft, char **restrict out,
             size_t *restrict outleft)
{
    struct conv *c = cd;
    if (cd == (iconv_t)-1 || !cd)
        MINLIBC_FAIL(EBADF, (size_t)-1);
    if (!in || !*in)
        return 0;   /* no shift state in any supported encoding */
    size_t irreversible = 0;
    while (*inleft > 0) {
        uint32_t cp;
        /* a full output buffer is reported before anything about the input */
        if (*outleft == 0)
            MINLIBC_FAIL(E2BIG, (size_t)-1);
        size_t used = c->from->decode((const unsigned char *)*in, *inleft, &cp);
        if (used == UTF8_INVALID)
            MINLIBC_FAIL(EILSEQ, (size_t)-1);
        if (used == UTF8_INCOMPLETE)
            MINLIBC_FAIL(EINVAL, (size_t)-1);
        size_t made = c->to->encode(cp, (unsigned char *)*out, *outleft);
        if (made == ENC_UNREPRESENTABLE) {
            if (c->flags & F_TRANSLIT) {
                made = c->to->encode('?', (unsigned char *)*out, *outleft);
                if (made == ENC_TOO_BIG)
                    MINLIBC_FAIL(E2BIG, (size_t)-1);
            } else if (c->flags & F_IGNORE) {
                made = 0;
            } else {
                MINLIBC_FAIL(EILSEQ, (size_t)-1);
            }
            irreversible++;
        } else if (made == ENC_TOO_BIG) {
            MINLIBC_FAIL(E2BIG, (size_t)-1);
        }
        *in += used;
        *inleft -= used;
        *out += made;
        *outleft -= made;
    }
    return irreversible;
}
