/*
 * Locales: "C" (alias "POSIX") and "C.UTF-8" (alias "C.utf8"). Both use
 * UTF-8 as the multibyte encoding, so nl_langinfo(CODESET) is "UTF-8" and
 * MB_CUR_MAX is 4 in either; they differ only in the name setlocale
 * reports. Any other name fails (setlocale returns NULL, newlocale ENOENT).
 */
#include "internal.h"
#include <locale.h>
#include <langinfo.h>
#include <limits.h>
#include <string.h>
#include <stdlib.h>

struct __minlibc_locale { const char *name; };

static struct __minlibc_locale loc_c = { "C" };
static struct __minlibc_locale loc_c_utf8 = { "C.UTF-8" };

static const char *current[LC_IDENTIFICATION + 1] = {
    "C", "C", "C", "C", "C", "C", "C", "C", "C", "C", "C", "C", "C",
};
static locale_t thread_locale = LC_GLOBAL_LOCALE;

static struct __minlibc_locale *lookup(const char *name)
{
    if (!strcmp(name, "C") || !strcmp(name, "POSIX"))
        return &loc_c;
    if (!strcmp(name, "C.UTF-8") || !strcmp(name, "C.utf8"))
        return &loc_c_utf8;
    return NULL;
}

/* setlocale(cat, ""): the environment decides, as POSIX describes. */
static const char *from_environment(int cat)
{
    static const char *const cat_vars[] = {
        "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY", "LC_MESSAGES", NULL,
        "LC_PAPER", "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION",
    };
    const char *v = getenv("LC_ALL");
    if ((!v || !*v) && cat != LC_ALL)
        v = getenv(cat_vars[cat]);
    if (!v || !*v)
        v = getenv("LANG");
    return v && *v ? v : "C";
}

char *setlocale(int cat, const char *name)
{
    if (cat < 0 || cat > LC_IDENTIFICATION)
        MINLIBC_FAIL(EINVAL, NULL);
    if (!name) {
        if (cat != LC_ALL)
            return (char *)current[cat];
        /* All categories are equal unless set separately; report LC_CTYPE
         * then (a composite string would be unusable by callers here). */
        return (char *)current[LC_CTYPE];
    }
    if (!*name)
        name = from_environment(cat);
    struct __minlibc_locale *l = lookup(name);
    if (!l)
        return NULL;
    if (cat == LC_ALL) {
        for (int i = 0; i <= LC_IDENTIFICATION; i++)
            current[i] = l->name;
    } else {
        current[cat] = l->name;
        current[LC_ALL] = l->name;
    }
    return (char *)l->name;
}

static struct lconv c_lconv = {
    ".", "", "", "", "", "", "", "", "", "",
    CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX,
    CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX, CHAR_MAX,
};

struct lconv *localeconv(void) { return &c_lconv; }

locale_t newlocale(int mask, const char *name, locale_t base)
{
    (void)base;
    if (mask & ~LC_ALL_MASK)
        MINLIBC_FAIL(EINVAL, NULL);
    if (!name)
        MINLIBC_FAIL(EINVAL, NULL);
    struct __minlibc_locale *l = lookup(*name ? name : from_environment(LC_ALL));
    if (!l)
        MINLIBC_FAIL(ENOENT, NULL);
    return l;
}

/* The two locale objects are static: duplicating or freeing is trivial. */
locale_t duplocale(locale_t l) { return l == LC_GLOBAL_LOCALE ? lookup(current[LC_CTYPE]) : l; }
void freelocale(locale_t l) { (void)l; }

locale_t uselocale(locale_t l)
{
    locale_t prev = thread_locale;
    if (l)
        thread_locale = l;
    return prev;
}

size_t __minlibc_mb_cur_max(void) { return 4; }

char *nl_langinfo(nl_item item)
{
    switch (item) {
    case CODESET: return "UTF-8";
    case RADIXCHAR: return ".";
    case THOUSEP: return "";
    case D_T_FMT: return "%a %b %e %H:%M:%S %Y";
    case D_FMT: return "%m/%d/%y";
    case T_FMT: return "%H:%M:%S";
    case T_FMT_AMPM: return "%I:%M:%S %p";
    case AM_STR: return "AM";
    case PM_STR: return "PM";
    case YESEXPR: return "^[yY]";
    case NOEXPR: return "^[nN]";
    default: return "";
    }
}

char *nl_langinfo_l(nl_item item, locale_t l) { (void)l; return nl_langinfo(item); }
