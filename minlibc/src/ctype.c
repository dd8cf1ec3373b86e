/*
 * Character classification for the C locale. The table has glibc's layout
 * (indexable from -128 to 255, bits as in glibc's <ctype.h>) because objects
 * compiled against glibc headers call __ctype_b_loc() and test the bits
 * themselves. Non-ASCII bytes belong to no class.
 */
#include <ctype.h>
#include <string.h>
#include <wctype.h>

/* glibc's bit assignments (little-endian form of _ISbit). */
#define B_UPPER  (1 << 8)
#define B_LOWER  (1 << 9)
#define B_ALPHA  (1 << 10)
#define B_DIGIT  (1 << 11)
#define B_XDIGIT (1 << 12)
#define B_SPACE  (1 << 13)
#define B_PRINT  (1 << 14)
#define B_GRAPH  (1 << 15)
#define B_BLANK  (1 << 0)
#define B_CNTRL  (1 << 1)
#define B_PUNCT  (1 << 2)
#define B_ALNUM  (1 << 3)

static unsigned short class_table[384];
static int lower_table[384], upper_table[384];
static const unsigned short *class_ptr;
static const int *lower_ptr, *upper_ptr;

static unsigned short classify(int c)
{
    unsigned short b = 0;
    if (c < 0 || c > 127)
        return 0;
    if (c >= 'A' && c <= 'Z') b |= B_UPPER | B_ALPHA | B_ALNUM;
    if (c >= 'a' && c <= 'z') b |= B_LOWER | B_ALPHA | B_ALNUM;
    if (c >= '0' && c <= '9') b |= B_DIGIT | B_ALNUM | B_XDIGIT;
    if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) b |= B_XDIGIT;
    if (c == ' ' || (c >= '\t' && c <= '\r')) b |= B_SPACE;
    if (c == ' ' || c == '\t') b |= B_BLANK;
    if (c < 32 || c == 127) b |= B_CNTRL;
    if (c >= 32 && c < 127) b |= B_PRINT;
    if (c > 32 && c < 127) b |= B_GRAPH;
    if ((b & B_GRAPH) && !(b & B_ALNUM)) b |= B_PUNCT;
    return b;
}

/* Built on first use: a static initializer of 384 entries would be an
 * unreviewable wall of numbers. */
static void init_tables(void)
{
    for (int i = 0; i < 384; i++) {
        int c = i - 128;
        /* glibc treats index -1 (EOF) as no class; bytes 128..255 arrive
         * both as -128..-1 (signed char) and 128..255. */
        class_table[i] = classify(c);
        /* like glibc: a negative (signed char) byte maps to its unsigned
         * value, EOF to itself */
        int byte = (c < -1) ? c + 256 : c;
        lower_table[i] = (c >= 'A' && c <= 'Z') ? c + 32 : byte;
        upper_table[i] = (c >= 'a' && c <= 'z') ? c - 32 : byte;
    }
    class_ptr = class_table + 128;
    lower_ptr = lower_table + 128;
    upper_ptr = upper_table + 128;
}

const unsigned short **__ctype_b_loc(void)
{
    if (!class_ptr)
        init_tables();
    return &class_ptr;
}

const int **__ctype_tolower_loc(void)
{
    if (!lower_ptr)
        init_tables();
    return &lower_ptr;
}

const int **__ctype_toupper_loc(void)
{
    if (!upper_ptr)
        init_tables();
    return &upper_ptr;
}

static int has(int c, unsigned short bit)
{
    if (c < -128 || c > 255)
        return 0;
    return ((*__ctype_b_loc())[c] & bit) != 0;
}

int isalnum(int c) { return has(c, B_ALNUM); }
int isalpha(int c) { return has(c, B_ALPHA); }
int isblank(int c) { return has(c, B_BLANK); }
int iscntrl(int c) { return has(c, B_CNTRL); }
int isdigit(int c) { return has(c, B_DIGIT); }
int isgraph(int c) { return has(c, B_GRAPH); }
int islower(int c) { return has(c, B_LOWER); }
int isprint(int c) { return has(c, B_PRINT); }
int ispunct(int c) { return has(c, B_PUNCT); }
int isspace(int c) { return has(c, B_SPACE); }
int isupper(int c) { return has(c, B_UPPER); }
int isxdigit(int c) { return has(c, B_XDIGIT); }
int isascii(int c) { return (c & ~0x7f) == 0; }
int toascii(int c) { return c & 0x7f; }
int tolower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
int toupper(int c) { return (c >= 'a' && c <= 'z') ? c - 32 : c; }

/* Wide classification: ASCII only (no Unicode tables). */
static int wide_ascii(wint_t c) { return c < 128; }
int iswalpha(wint_t c) { return wide_ascii(c) && isalpha((int)c); }
int iswdigit(wint_t c) { return wide_ascii(c) && isdigit((int)c); }
int iswspace(wint_t c) { return wide_ascii(c) && isspace((int)c); }
int iswupper(wint_t c) { return wide_ascii(c) && isupper((int)c); }
int iswlower(wint_t c) { return wide_ascii(c) && islower((int)c); }
int iswalnum(wint_t c) { return wide_ascii(c) && isalnum((int)c); }
int iswprint(wint_t c) { return wide_ascii(c) && isprint((int)c); }
int iswpunct(wint_t c) { return wide_ascii(c) && ispunct((int)c); }
int iswcntrl(wint_t c) { return wide_ascii(c) && iscntrl((int)c); }
int iswxdigit(wint_t c) { return wide_ascii(c) && isxdigit((int)c); }
wint_t towupper(wint_t c) { return wide_ascii(c) ? (wint_t)toupper((int)c) : c; }
wint_t towlower(wint_t c) { return wide_ascii(c) ? (wint_t)tolower((int)c) : c; }
int iswblank(wint_t c) { return wide_ascii(c) && isblank((int)c); }
int iswgraph(wint_t c) { return wide_ascii(c) && isgraph((int)c); }

/* wctype()/wctrans() name a class or mapping by its POSIX name; the handle
 * is the classifier itself (1-based index, 0 = no such class), so
 * iswctype() needs no table of its own. */
static int (*const wide_classes[])(wint_t) = {
    iswalnum, iswalpha, iswblank, iswcntrl, iswdigit, iswgraph,
    iswlower, iswprint, iswpunct, iswspace, iswupper, iswxdigit,
};
static const char *const wide_class_names[] = {
    "alnum", "alpha", "blank", "cntrl", "digit", "graph",
    "lower", "print", "punct", "space", "upper", "xdigit",
};

wctype_t wctype(const char *name)
{
    for (size_t i = 0; i < sizeof wide_class_names / sizeof wide_class_names[0]; i++)
        if (strcmp(name, wide_class_names[i]) == 0)
            return i + 1;
    return 0;
}

int iswctype(wint_t c, wctype_t class)
{
    if (class == 0 || class > sizeof wide_classes / sizeof wide_classes[0])
        return 0;
    return wide_classes[class - 1](c) != 0;
}

/* The two mappings; a wctrans_t points at one of these markers. */
static const int map_toupper = 1, map_tolower = 2;

wctrans_t wctrans(const char *name)
{
    if (strcmp(name, "toupper") == 0)
        return &map_toupper;
    if (strcmp(name, "tolower") == 0)
        return &map_tolower;
    return NULL;
}

wint_t towctrans(wint_t c, wctrans_t map)
{
    if (map == &map_toupper)
        return towupper(c);
    if (map == &map_tolower)
        return towlower(c);
    return c;
}
