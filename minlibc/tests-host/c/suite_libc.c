/*
 * The rest of minlibc against glibc or against fixed expectations:
 * string functions, ctype (including the __ctype_b_loc table GHC's
 * platform objects read), strerror, time conversion, the environment,
 * stdio buffering on the console, setjmp/longjmp, locale and misc.
 */
#include "suite.h"
#include <ctype.h>
#include <wctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <mntent.h>
#include <sys/auxv.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
/* for HALVM_PLATFORM_API_VERSION, which uname reports */
#include "../../../rts-xen/include/halvm/platform.h"

size_t ml_strlen(const char *);
int ml_strcmp(const char *, const char *);
int ml_strncmp(const char *, const char *, size_t);
int ml_memcmp(const void *, const void *, size_t);
void *ml_memchr(const void *, int, size_t);
void *ml_memrchr(const void *, int, size_t);
void *ml_memcpy(void *, const void *, size_t);
void *ml_memmove(void *, const void *, size_t);
void *ml_memset(void *, int, size_t);
char *ml_strchr(const char *, int);
char *ml_strrchr(const char *, int);
char *ml_strstr(const char *, const char *);
size_t ml_strspn(const char *, const char *);
size_t ml_strcspn(const char *, const char *);
char *ml_strpbrk(const char *, const char *);
int ml_strcasecmp(const char *, const char *);
int ml_strncasecmp(const char *, const char *, size_t);
char *ml_strdup(const char *);
char *ml_stpcpy(char *, const char *);
char *ml_strncpy(char *, const char *, size_t);
size_t ml_strnlen(const char *, size_t);
char *ml_strtok_r(char *, const char *, char **);
char *ml_strerror(int);
char *ml_strsignal(int);
const unsigned short **ml___ctype_b_loc(void);
const int **ml___ctype_tolower_loc(void);
const int **ml___ctype_toupper_loc(void);
int ml_isalpha(int), ml_isdigit(int), ml_isspace(int), ml_isupper(int), ml_islower(int), ml_isxdigit(int),
    ml_isalnum(int), ml_ispunct(int), ml_isprint(int), ml_isgraph(int), ml_iscntrl(int), ml_isblank(int),
    ml_tolower(int), ml_toupper(int);
unsigned long ml_wctype(const char *);
int ml_iswctype(wint_t, unsigned long), ml_iswblank(wint_t), ml_iswgraph(wint_t), ml_iswalpha(wint_t);
const int *ml_wctrans(const char *);
wint_t ml_towctrans(wint_t, const int *);
struct tm *ml_gmtime_r(const time_t *, struct tm *);
struct tm *ml_localtime_r(const time_t *, struct tm *);
time_t ml_timegm(struct tm *);
time_t ml_mktime(struct tm *);
char *ml_asctime_r(const struct tm *, char *);
char *ml_ctime_r(const time_t *, char *);
size_t ml_strftime(char *, size_t, const char *, const struct tm *);
int ml_clock_gettime(int, struct timespec *);
int ml_gettimeofday(void *, void *);
time_t ml_time(time_t *);
int ml_nanosleep(const struct timespec *, struct timespec *);
char *ml_getenv(const char *);
int ml_setenv(const char *, const char *, int);
int ml_unsetenv(const char *);
int ml_putenv(char *);
int ml_clearenv(void);
extern char **ml_environ;
int ml_setjmp(jmp_buf);
void ml_longjmp(jmp_buf, int) __attribute__((noreturn));
char *ml_setlocale(int, const char *);
char *ml_nl_langinfo(int);
void *ml_newlocale(int, const char *, void *);
void *ml_uselocale(void *);
long ml_sysconf(int);
void *ml_mmap(void *, size_t, int, int, int, long);
int ml_munmap(void *, size_t);
int ml_mprotect(void *, size_t, int);
int ml_madvise(void *, size_t, int);
long ml_read(int, void *, size_t);
long ml_write(int, const void *, size_t);
int ml_open(const char *, int, ...);
void *ml_fopen(const char *, const char *);
int ml_fork(void);
int ml_uname(struct utsname *);
int ml_waitpid(int, int *, int);
int ml_socket(int, int, int);
void *ml_dlopen(const char *, int);
char *ml_dlerror(void);
int ml_pthread_create(void *, const void *, void *(*)(void *), void *);
int ml_pthread_mutex_lock(void *);
int ml_pthread_mutex_unlock(void *);
int ml_pthread_key_create(unsigned *, void (*)(void *));
int ml_pthread_setspecific(unsigned, const void *);
void *ml_pthread_getspecific(unsigned);
int ml_sigaction(int, const void *, void *);
int ml_raise(int);
int ml_sigprocmask(int, const void *, void *);
int ml_sigemptyset(void *);
int ml_sigaddset(void *, int);
int ml_poll(void *, unsigned long, int);
int ml_getrusage(int, void *);
int ml_mbrtowc(wchar_t *, const char *, size_t, void *);
int ml_sem_init(void *, int, unsigned), ml_sem_wait(void *), ml_sem_trywait(void *), ml_sem_post(void *),
    ml_sem_getvalue(void *, int *);
void *ml_sem_open(const char *, int, ...);
int ml_getpriority(int, unsigned), ml_setpriority(int, unsigned, int), ml_posix_openpt(int);
char *ml_ptsname(int);
int ml_statfs(const char *, struct statfs *), ml_fstatfs(int, struct statfs *);
unsigned long ml_getauxval(unsigned long);
unsigned int ml_alarm(unsigned int);
FILE *ml_setmntent(const char *, const char *);
struct mntent *ml_getmntent(void *);
struct mntent *ml_getmntent_r(void *, struct mntent *, char *, int);
int ml_addmntent(void *, const struct mntent *);
int ml_endmntent(void *);
char *ml_hasmntopt(const struct mntent *, const char *);

static int sign(int v) { return (v > 0) - (v < 0); }

/* No file system, mount table or auxiliary vector: the failures GHC's
 * libffi and runtime meet (statfs, setmntent, getauxval); hasmntopt, a
 * string search, against glibc's. */
static void check_mounts_statfs_auxv(struct report *r)
{
    struct statfs sfs;
    ML_ERRNO = 0;
    CHECK(r, ml_statfs("/selinux", &sfs) == -1 && ML_ERRNO == ENOENT, "statfs of a path: errno %d", ML_ERRNO);
    CHECK(r, ml_fstatfs(1, &sfs) == -1 && ML_ERRNO == ENOSYS, "fstatfs of the console: errno %d", ML_ERRNO);
    CHECK(r, ml_fstatfs(7, &sfs) == -1 && ML_ERRNO == EBADF, "fstatfs of a closed descriptor: errno %d", ML_ERRNO);
    ML_ERRNO = 0;
    CHECK(r, ml_getauxval(AT_PAGESZ) == 0 && ML_ERRNO == ENOENT, "getauxval(AT_PAGESZ): errno %d", ML_ERRNO);
    ML_ERRNO = 0;
    CHECK(r, ml_alarm(5) == 0 && ML_ERRNO == ENOSYS, "alarm: errno %d", ML_ERRNO);
    ML_ERRNO = 0;
    CHECK(r, ml_setmntent("/proc/mounts", "r") == NULL && ML_ERRNO == ENOENT, "setmntent: errno %d", ML_ERRNO);
    ML_ERRNO = 0;
    char line[256];
    struct mntent entry;
    CHECK(r, ml_getmntent(ml_stdin) == NULL && ML_ERRNO == ENOENT, "getmntent: errno %d", ML_ERRNO);
    ML_ERRNO = 0;
    CHECK(r, ml_getmntent_r(ml_stdin, &entry, line, sizeof line) == NULL && ML_ERRNO == ENOENT, "getmntent_r: errno %d", ML_ERRNO);
    ML_ERRNO = 0;
    entry = (struct mntent){ "none", "/", "tmpfs", "rw", 0, 0 };
    CHECK(r, ml_addmntent(ml_stdout, &entry) == 1 && ML_ERRNO == EBADF, "addmntent: errno %d", ML_ERRNO);
    CHECK(r, ml_endmntent(NULL) == 1, "endmntent(NULL)");
    static const char *const opts[] = { "", "rw", "ro,noatime", "rw,nosuid,nodev,relatime,size=8k", "norw,rwx,rw=1", "rw,", "xrw,rw",
                                        "uid=0,gid=5,mode=620", "defaults,noauto", ",rw,", "noauto,auto" };
    static const char *const wanted[] = { "rw", "ro", "auto", "noauto", "nosuid", "size", "mode", "gid", "relatime", "" };
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++)
        for (size_t j = 0; j < sizeof wanted / sizeof *wanted; j++) {
            char copy[64];
            snprintf(copy, sizeof copy, "%s", opts[i]);
            entry.mnt_opts = copy;
            char *mine = ml_hasmntopt(&entry, wanted[j]), *theirs = hasmntopt(&entry, wanted[j]);
            CHECK(r, mine == theirs, "hasmntopt(\"%s\", \"%s\"): offset %td, glibc %td", opts[i], wanted[j],
                  mine ? mine - copy : -1, theirs ? theirs - copy : -1);
        }
}

unsigned long suite_strings(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    struct report r = { buf, cap, 0, 0 };
    uint64_t s = seed;
    char a[300], b[300], c[300], d[300];
    for (unsigned long n = 0; n < cases; n++) {
        size_t la = rnd_below(&s, 40), lb = rnd_below(&s, 40);
        for (size_t i = 0; i < la; i++) a[i] = (char)("abcAB\x80\xff-"[rnd_below(&s, 9)]);
        for (size_t i = 0; i < lb; i++) b[i] = (char)("abcAB\x80\xff-"[rnd_below(&s, 9)]);
        a[la] = b[lb] = 0;
        if (rnd_below(&s, 3) == 0)
            memcpy(b, a, la + 1), lb = la;
        size_t k = rnd_below(&s, 45);
        int ch = "abc\x80-"[rnd_below(&s, 5)];
        CHECK(&r, ml_strlen(a) == strlen(a), "strlen");
        CHECK(&r, sign(ml_strcmp(a, b)) == sign(strcmp(a, b)), "strcmp(%s, %s)", show(a, la), show(b, lb));
        CHECK(&r, sign(ml_strncmp(a, b, k)) == sign(strncmp(a, b, k)), "strncmp(%s, %s, %zu)", show(a, la), show(b, lb), k);
        CHECK(&r, sign(ml_memcmp(a, b, la < lb ? la : lb)) == sign(memcmp(a, b, la < lb ? la : lb)), "memcmp");
        CHECK(&r, sign(ml_strcasecmp(a, b)) == sign(strcasecmp(a, b)), "strcasecmp(%s, %s)", show(a, la), show(b, lb));
        CHECK(&r, sign(ml_strncasecmp(a, b, k)) == sign(strncasecmp(a, b, k)), "strncasecmp");
        CHECK(&r, ml_strchr(a, ch) == strchr(a, ch), "strchr(%s, %d)", show(a, la), ch);
        CHECK(&r, ml_strchr(a, 0) == strchr(a, 0), "strchr(s, 0)");
        CHECK(&r, ml_strrchr(a, ch) == strrchr(a, ch), "strrchr(%s, %d)", show(a, la), ch);
        CHECK(&r, ml_memchr(a, ch, la) == memchr(a, ch, la), "memchr");
        CHECK(&r, ml_memrchr(a, ch, la) == memrchr(a, ch, la), "memrchr");
        char needle[4] = { a[la ? rnd_below(&s, la) : 0], 0, 0, 0 };
        if (la > 2 && rnd_below(&s, 2)) memcpy(needle, a + 1, 2);
        CHECK(&r, ml_strstr(a, needle) == strstr(a, needle), "strstr(%s, %s)", show(a, la), show(needle, strlen(needle)));
        CHECK(&r, ml_strstr(a, b) == strstr(a, b), "strstr(%s, %s)", show(a, la), show(b, lb));
        CHECK(&r, ml_strspn(a, "ab") == strspn(a, "ab") && ml_strcspn(a, "c-") == strcspn(a, "c-"), "strspn/strcspn");
        CHECK(&r, ml_strpbrk(a, "B\x80") == strpbrk(a, "B\x80"), "strpbrk");
        CHECK(&r, ml_strnlen(a, k) == strnlen(a, k), "strnlen");
        memset(c, 'x', sizeof c); memset(d, 'x', sizeof d);
        CHECK(&r, ml_strncpy(c, a, k) == c && (strncpy(d, a, k), !memcmp(c, d, sizeof c)), "strncpy");
        CHECK(&r, ml_stpcpy(c, a) == c + strlen(a) && !strcmp(c, a), "stpcpy");
        /* memmove in both directions, memcpy, memset at odd alignments */
        size_t off = rnd_below(&s, 16), len = rnd_below(&s, 200), shift = rnd_below(&s, 40);
        for (size_t i = 0; i < sizeof c; i++) c[i] = d[i] = (char)rnd(&s);
        ml_memmove(c + off + shift, c + off, len); memmove(d + off + shift, d + off, len);
        CHECK(&r, !memcmp(c, d, sizeof c), "memmove forward off %zu len %zu shift %zu", off, len, shift);
        ml_memmove(c + off, c + off + shift, len); memmove(d + off, d + off + shift, len);
        CHECK(&r, !memcmp(c, d, sizeof c), "memmove backward");
        ml_memcpy(c + off, a, la); memcpy(d + off, a, la);
        ml_memset(c + shift, ch, len); memset(d + shift, ch, len);
        CHECK(&r, !memcmp(c, d, sizeof c), "memcpy/memset");
        char *dup = ml_strdup(a);
        CHECK(&r, dup && !strcmp(dup, a), "strdup");
        ml_free(dup);
    }
    char t[] = "  a,b;;c  ", *save;
    char *x1 = ml_strtok_r(t, " ,;", &save), *x2 = ml_strtok_r(NULL, " ,;", &save), *x3 = ml_strtok_r(NULL, " ,;", &save);
    CHECK(&r, x1 && x2 && x3 && !strcmp(x1, "a") && !strcmp(x2, "b") && !strcmp(x3, "c") && !ml_strtok_r(NULL, " ,;", &save), "strtok_r");
    for (int e = -2; e < 140; e++)
        CHECK(&r, !strcmp(ml_strerror(e), strerror(e)), "strerror(%d): glibc %s, minlibc %s", e, strerror(e), ml_strerror(e));
    for (int sig = 1; sig < 32; sig++)
        CHECK(&r, !strcmp(ml_strsignal(sig), strsignal(sig)), "strsignal(%d): glibc %s, minlibc %s", sig, strsignal(sig), ml_strsignal(sig));
    return r.failures;
}

unsigned long suite_ctype(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    (void)seed; (void)cases;
    struct report r = { buf, cap, 0, 0 };
    const unsigned short *gt = *__ctype_b_loc(), *mt = *ml___ctype_b_loc();
    const int *gl = *__ctype_tolower_loc(), *ml = *ml___ctype_tolower_loc();
    const int *gu = *__ctype_toupper_loc(), *mu = *ml___ctype_toupper_loc();
    for (int c = -128; c < 256; c++) {
        CHECK(&r, gt[c] == mt[c], "__ctype_b_loc()[%d]: glibc %#x, minlibc %#x", c, gt[c], mt[c]);
        CHECK(&r, gl[c] == ml[c] && gu[c] == mu[c], "tolower/toupper table at %d", c);
        if (c < -1)
            continue;
#define SAME(f) CHECK(&r, !!f(c) == !!ml_##f(c), #f "(%d): glibc %d, minlibc %d", c, !!f(c), !!ml_##f(c))
        SAME(isalpha); SAME(isdigit); SAME(isspace); SAME(isupper); SAME(islower); SAME(isxdigit);
        SAME(isalnum); SAME(ispunct); SAME(isprint); SAME(isgraph); SAME(iscntrl); SAME(isblank);
        CHECK(&r, tolower(c) == ml_tolower(c) && toupper(c) == ml_toupper(c), "tolower/toupper(%d)", c);
    }
    /* The wide classes by name and the two mappings, over ASCII (minlibc
     * has no Unicode tables; glibc's C locale agrees there). */
    static const char *const classes[] = { "alnum", "alpha", "blank", "cntrl", "digit", "graph",
                                           "lower", "print", "punct", "space", "upper", "xdigit" };
    for (size_t k = 0; k < sizeof classes / sizeof classes[0]; k++) {
        wctype_t g = wctype(classes[k]);
        unsigned long m = ml_wctype(classes[k]);
        CHECK(&r, g != 0 && m != 0, "wctype(\"%s\"): glibc %lu, minlibc %lu", classes[k], (unsigned long)g, m);
        for (wint_t c = 0; c < 128; c++)
            CHECK(&r, !!iswctype(c, g) == !!ml_iswctype(c, m), "iswctype(%u, \"%s\")", (unsigned)c, classes[k]);
    }
    CHECK(&r, wctype("nonsense") == 0 && ml_wctype("nonsense") == 0, "wctype of an unknown class is 0");
    CHECK(&r, ml_iswctype('a', 0) == 0, "iswctype with class 0 is false");
    for (wint_t c = 0; c < 128; c++) {
        CHECK(&r, !!iswblank(c) == !!ml_iswblank(c) && !!iswgraph(c) == !!ml_iswgraph(c), "iswblank/iswgraph(%u)", (unsigned)c);
        CHECK(&r, towctrans(c, wctrans("toupper")) == ml_towctrans(c, ml_wctrans("toupper")), "towctrans(%u, toupper)", (unsigned)c);
        CHECK(&r, towctrans(c, wctrans("tolower")) == ml_towctrans(c, ml_wctrans("tolower")), "towctrans(%u, tolower)", (unsigned)c);
    }
    CHECK(&r, ml_wctrans("sideways") == NULL && wctrans("sideways") == 0, "wctrans of an unknown mapping is null");
    CHECK(&r, ml_iswalpha(0xe9) == 0, "minlibc classifies no code point above ASCII");
    return r.failures;
}

unsigned long suite_time(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    struct report r = { buf, cap, 0, 0 };
    uint64_t s = seed;
    for (unsigned long n = 0; n < cases; n++) {
        time_t t;
        switch (rnd_below(&s, 3)) {
        case 0: t = (time_t)rnd_below(&s, 4102444800ULL); break;               /* 1970..2100 */
        case 1: t = (time_t)(rnd_below(&s, 1ULL << 40)) - (time_t)(1ULL << 39); break;
        default: t = (time_t)rnd_below(&s, 200) * 86400 - 100 * 86400 + (time_t)rnd_below(&s, 86400); break;
        }
        struct tm a, b;
        gmtime_r(&t, &a);
        ml_gmtime_r(&t, &b);
        if (a.tm_year != b.tm_year || a.tm_mon != b.tm_mon || a.tm_mday != b.tm_mday || a.tm_hour != b.tm_hour ||
            a.tm_min != b.tm_min || a.tm_sec != b.tm_sec || a.tm_wday != b.tm_wday || a.tm_yday != b.tm_yday) {
            report_fail(&r, "gmtime_r(%ld): glibc %d-%d-%d %d:%d:%d wday %d yday %d, minlibc %d-%d-%d %d:%d:%d wday %d yday %d",
                        (long)t, a.tm_year, a.tm_mon, a.tm_mday, a.tm_hour, a.tm_min, a.tm_sec, a.tm_wday, a.tm_yday,
                        b.tm_year, b.tm_mon, b.tm_mday, b.tm_hour, b.tm_min, b.tm_sec, b.tm_wday, b.tm_yday);
            continue;
        }
        /* timegm inverts, also from denormalised fields */
        struct tm c = b;
        c.tm_mon += 13;
        c.tm_mday -= 40;
        c.tm_sec += 100000;
        struct tm g = c;
        CHECK(&r, ml_timegm(&c) == timegm(&g), "timegm of denormalised %ld", (long)t);
        CHECK(&r, ml_timegm(&b) == t, "timegm(gmtime(%ld)) = %ld", (long)t, (long)ml_timegm(&b));
        if (t > 0 && t < 253402300799L) {
            char ga[64], gb[64];
            CHECK(&r, ml_asctime_r(&a, gb) && !strcmp(asctime_r(&a, ga), gb), "asctime_r: glibc %s minlibc %s", ga, gb);
            size_t na = strftime(ga, sizeof ga, "%Y-%m-%d %H:%M:%S %j %a %b %e %F %T %%", &a);
            size_t nb = ml_strftime(gb, sizeof gb, "%Y-%m-%d %H:%M:%S %j %a %b %e %F %T %%", &a);
            CHECK(&r, na == nb && !strcmp(ga, gb), "strftime: glibc %s, minlibc %s", ga, gb);
        }
    }
    struct timespec ga, mb;
    clock_gettime(CLOCK_REALTIME, &ga);
    ml_clock_gettime(CLOCK_REALTIME, &mb);
    CHECK(&r, mb.tv_sec - ga.tv_sec < 2 && mb.tv_sec >= ga.tv_sec, "CLOCK_REALTIME %ld vs %ld", (long)mb.tv_sec, (long)ga.tv_sec);
    time_t mine = ml_time(NULL), theirs = time(NULL);
    CHECK(&r, theirs - mine >= 0 && theirs - mine < 2, "time(): glibc %ld, minlibc %ld", (long)theirs, (long)mine);
    struct timespec m1, m2, nap = { 0, 30000000 };
    ml_clock_gettime(CLOCK_MONOTONIC, &m1);
    CHECK(&r, ml_nanosleep(&nap, NULL) == 0, "nanosleep failed");
    ml_clock_gettime(CLOCK_MONOTONIC, &m2);
    long slept = (m2.tv_sec - m1.tv_sec) * 1000000000L + (m2.tv_nsec - m1.tv_nsec);
    CHECK(&r, slept >= 30000000, "nanosleep(30 ms) returned after %ld ns", slept);
    struct timespec bad = { 0, 1000000000 };
    ML_ERRNO = 0;
    CHECK(&r, ml_nanosleep(&bad, NULL) == -1 && ML_ERRNO == EINVAL, "nanosleep with tv_nsec 1e9 accepted");
    CHECK(&r, ml_clock_gettime(12345, &m1) == -1 && ML_ERRNO == EINVAL, "unknown clock accepted");
    return r.failures;
}

unsigned long suite_env(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    (void)seed; (void)cases;
    struct report r = { buf, cap, 0, 0 };
    CHECK(&r, ml_environ && ml_environ[0] == NULL, "the environment does not start empty");
    CHECK(&r, ml_getenv("HOME") == NULL, "HOME is set");
    CHECK(&r, ml_setenv("A", "1", 0) == 0 && !strcmp(ml_getenv("A"), "1"), "setenv A");
    CHECK(&r, ml_setenv("A", "2", 0) == 0 && !strcmp(ml_getenv("A"), "1"), "setenv without overwrite replaced");
    CHECK(&r, ml_setenv("A", "3", 1) == 0 && !strcmp(ml_getenv("A"), "3"), "setenv with overwrite");
    CHECK(&r, ml_setenv("AB", "x=y", 1) == 0 && !strcmp(ml_getenv("AB"), "x=y") && !strcmp(ml_getenv("A"), "3"), "prefix names");
    static char put[] = "P=q";
    CHECK(&r, ml_putenv(put) == 0 && ml_getenv("P") == put + 2, "putenv keeps the caller's string");
    ML_ERRNO = 0;
    CHECK(&r, ml_setenv("B=C", "1", 1) == -1 && ML_ERRNO == EINVAL, "setenv name with '='");
    CHECK(&r, ml_setenv("", "1", 1) == -1 && ML_ERRNO == EINVAL, "setenv empty name");
    for (int i = 0; i < 300; i++) {
        char name[16];
        snprintf(name, sizeof name, "V%d", i);
        ml_setenv(name, name, 1);
    }
    CHECK(&r, !strcmp(ml_getenv("V299"), "V299") && !strcmp(ml_getenv("V0"), "V0"), "300 variables");
    CHECK(&r, ml_unsetenv("A") == 0 && ml_getenv("A") == NULL && !strcmp(ml_getenv("AB"), "x=y"), "unsetenv");
    int count = 0;
    for (char **e = ml_environ; *e; e++) count++;
    CHECK(&r, count == 302, "environ holds %d entries, expected 302", count);
    ml_clearenv();
    CHECK(&r, ml_environ[0] == NULL && ml_getenv("AB") == NULL, "clearenv");
    return r.failures;
}

unsigned long suite_stdio(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    (void)seed; (void)cases;
    struct report r = { buf, cap, 0, 0 };
    char out[256];
    size_t n;
    host_console_take(out, sizeof out);
    ml_printf("no newline yet %d", 1);
    n = host_console_take(out, sizeof out);
    CHECK(&r, n == 0, "stdout is not line-buffered: %s appeared early", show(out, n));
    ml_printf(" and now\n");
    n = host_console_take(out, sizeof out);
    CHECK(&r, n == 25 && !memcmp(out, "no newline yet 1 and now\n", 25), "line flush gave %s", show(out, n));
    ml_fputs("err", ml_stderr);
    n = host_console_take(out, sizeof out);
    CHECK(&r, n == 3 && !memcmp(out, "err", 3), "stderr is not unbuffered: %s", show(out, n));
    ml_putchar('x');
    ml_fflush(ml_stdout);
    n = host_console_take(out, sizeof out);
    CHECK(&r, n == 1 && out[0] == 'x', "fflush(stdout) gave %s", show(out, n));
    ml_puts("line");
    n = host_console_take(out, sizeof out);
    CHECK(&r, n == 5 && !memcmp(out, "line\n", 5), "puts gave %s", show(out, n));
    /* a long write larger than the buffer arrives complete and in order */
    static char big[20000];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (char)('a' + i % 26);
    ml_fwrite(big, 1, sizeof big, ml_stdout);
    ml_fflush(ml_stdout);
    static char got[30000];
    n = host_console_take(got, sizeof got);
    CHECK(&r, n == sizeof big && !memcmp(got, big, n), "a 20000-byte fwrite arrived as %zu bytes", n);
    /* stdin reads console input */
    host_console_feed("first line\nsecond\n", 18);
    char line[64];
    CHECK(&r, ml_fgets(line, sizeof line, ml_stdin) && !strcmp(line, "first line\n"), "fgets gave %s", show(line, strlen(line)));
    CHECK(&r, ml_fgetc(ml_stdin) == 's', "fgetc after fgets");
    /* write(1) goes to the console, write to other descriptors fails */
    CHECK(&r, ml_write(1, "w", 1) == 1, "write(1)");
    n = host_console_take(out, sizeof out);
    CHECK(&r, n == 1 && out[0] == 'w', "write(1) gave %s", show(out, n));
    ML_ERRNO = 0;
    CHECK(&r, ml_write(7, "w", 1) == -1 && ML_ERRNO == EBADF, "write(7) did not fail with EBADF");
    /* poll on stdin: ready with input pending, times out without */
    struct { int fd; short events, revents; } p = { 0, 1 /* POLLIN */, 0 };
    ml_fgets(line, sizeof line, ml_stdin);   /* drain "econd\n" */
    CHECK(&r, ml_poll(&p, 1, 30) == 0, "poll on empty stdin reported ready");
    host_console_feed("z", 1);
    CHECK(&r, ml_poll(&p, 1, 1000) == 1 && (p.revents & 1), "poll with input pending");
    return r.failures;
}

static jmp_buf jb;
static int jumps;
static int jump_back(int depth)
{
    if (depth > 0)
        return jump_back(depth - 1) + 1;   /* not a tail call: real frames */
    ml_longjmp(jb, 0);
}
static int handled;
static void on_usr1(int sig) { handled = sig; }

unsigned long suite_misc(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    (void)seed; (void)cases;
    struct report r = { buf, cap, 0, 0 };
    /* setjmp/longjmp through nested frames; longjmp(.., 0) returns 1 */
    volatile int local = 5;
    int v = ml_setjmp(jb);
    if (v == 0) {
        local = 6;
        jump_back(10);
    }
    jumps++;
    CHECK(&r, v == 1 && local == 6 && jumps == 1, "setjmp returned %d after longjmp (local %d, jumps %d)", v, local, jumps);
    /* locale */
    CHECK(&r, !strcmp(ml_setlocale(6 /* LC_ALL */, NULL), "C"), "initial locale");
    CHECK(&r, ml_setlocale(6, "C.UTF-8") && !strcmp(ml_setlocale(0, NULL), "C.UTF-8"), "setlocale C.UTF-8");
    CHECK(&r, ml_setlocale(6, "de_DE.UTF-8") == NULL, "setlocale de_DE accepted");
    CHECK(&r, !strcmp(ml_nl_langinfo(14 /* CODESET */), "UTF-8"), "CODESET is %s", ml_nl_langinfo(14));
    CHECK(&r, ml_newlocale(1 << 0, "C", NULL) != NULL && ml_newlocale(1 << 0, "xx_YY", NULL) == NULL, "newlocale");
    wchar_t wc = 0;
    char mbs[8] = { 0 };
    CHECK(&r, ml_mbrtowc(&wc, "\xe2\x82\xac", 3, mbs) == 3 && wc == 0x20ac, "mbrtowc of U+20AC gave %#x", (unsigned)wc);
    /* memory and system parameters */
    CHECK(&r, ml_sysconf(30 /* _SC_PAGESIZE */) == 4096 && ml_sysconf(84 /* NPROCESSORS_ONLN */) == 1, "sysconf");
    char *m = ml_mmap(NULL, 10000, 3, 0x22 /* PRIVATE|ANONYMOUS */, -1, 0);
    CHECK(&r, m != (void *)-1 && ((uintptr_t)m & 4095) == 0, "anonymous mmap failed");
    if (m != (void *)-1) {
        CHECK(&r, m[0] == 0 && m[9999] == 0, "mmap memory not zeroed");
        m[5] = 1;
        CHECK(&r, ml_madvise(m, 8192, 4 /* DONTNEED */) == 0 && m[5] == 0, "MADV_DONTNEED did not zero");
        CHECK(&r, ml_mprotect(m, 4096, 7) == 0, "mprotect RWX refused");
        ML_ERRNO = 0;
        CHECK(&r, ml_mprotect(m, 4096, 1) == -1 && ML_ERRNO == 95 /* ENOTSUP */, "read-only mprotect pretended to work");
        CHECK(&r, ml_munmap(m, 4096) == -1 && ML_ERRNO == EINVAL, "partial munmap pretended to work");
        CHECK(&r, ml_munmap(m, 10000) == 0, "munmap");
    }
    ML_ERRNO = 0;
    CHECK(&r, ml_mmap(NULL, 4096, 3, 0x01, 3, 0) == (void *)-1 && ML_ERRNO == EBADF, "file mmap");
    /* honest failures */
    ML_ERRNO = 0;
    CHECK(&r, ml_open("/etc/passwd", 0) == -1 && ML_ERRNO == ENOENT, "open");
    CHECK(&r, ml_open("/x", 0100 /* O_CREAT */) == -1 && ML_ERRNO == EROFS, "open O_CREAT outside /tmp");
    CHECK(&r, ml_fopen("/etc/passwd", "r") == NULL && ML_ERRNO == ENOENT, "fopen");
    CHECK(&r, ml_fork() == -1 && ML_ERRNO == ENOSYS, "fork");
    CHECK(&r, ml_waitpid(-1, NULL, 0) == -1 && ML_ERRNO == ECHILD, "waitpid");
    /* the test platform has no network (suite_sockets.c checks more) */
    CHECK(&r, ml_socket(2, 1, 0) == -1 && ML_ERRNO == ENETDOWN, "socket without a network");
    CHECK(&r, ml_dlopen("libfoo.so", 2) == NULL && ml_dlerror() != NULL && ml_dlerror() == NULL, "dlopen/dlerror");
    unsigned long th;
    CHECK(&r, ml_pthread_create(&th, NULL, NULL, NULL) == EAGAIN, "pthread_create");
    static long mutex[5];
    CHECK(&r, ml_pthread_mutex_lock(mutex) == 0 && ml_pthread_mutex_lock(mutex) == EDEADLK &&
              ml_pthread_mutex_unlock(mutex) == 0, "mutex relock");
    unsigned key;
    CHECK(&r, ml_pthread_key_create(&key, NULL) == 0 && ml_pthread_setspecific(key, &r) == 0 &&
              ml_pthread_getspecific(key) == &r, "pthread keys");
    /* signals: raise runs the handler; a blocked one waits for unblocking */
    struct { void (*h)(int); unsigned long mask[16]; int flags; void (*restorer)(void); } sa;
    memset(&sa, 0, sizeof sa);
    sa.h = on_usr1;
    CHECK(&r, ml_sigaction(10, &sa, NULL) == 0 && ml_raise(10) == 0 && handled == 10, "raise(SIGUSR1)");
    unsigned long set[16];
    ml_sigemptyset(set);
    ml_sigaddset(set, 10);
    handled = 0;
    ml_sigprocmask(0 /* BLOCK */, set, NULL);
    ml_raise(10);
    CHECK(&r, handled == 0, "blocked signal delivered");
    ml_sigprocmask(1 /* UNBLOCK */, set, NULL);
    CHECK(&r, handled == 10, "pending signal not delivered on unblock");
    long ru[18];
    CHECK(&r, ml_getrusage(0, ru) == 0, "getrusage");
    /* semaphores: a real count; waiting at zero cannot end */
    long sem[4];
    int value = -1;
    CHECK(&r, ml_sem_init(sem, 0, 1) == 0 && ml_sem_wait(sem) == 0, "sem_wait with count 1");
    ML_ERRNO = 0;
    CHECK(&r, ml_sem_trywait(sem) == -1 && ML_ERRNO == EAGAIN, "sem_trywait at zero");
    CHECK(&r, ml_sem_wait(sem) == -1 && ML_ERRNO == EDEADLK, "sem_wait at zero did not fail with EDEADLK");
    CHECK(&r, ml_sem_post(sem) == 0 && ml_sem_getvalue(sem, &value) == 0 && value == 1, "sem_post/getvalue gave %d", value);
    CHECK(&r, ml_sem_open("/x", 0) == NULL && ML_ERRNO == ENOSYS, "sem_open");
    CHECK(&r, ml_getpriority(0, 0) == 0 && ml_setpriority(0, 0, 5) == -1 && ML_ERRNO == EACCES, "priorities");
    CHECK(&r, ml_posix_openpt(2) == -1 && ML_ERRNO == ENOENT && ml_ptsname(0) == NULL && ML_ERRNO == ENOTTY, "ptys");
    check_mounts_statfs_auxv(&r);
    /* uname: the platform API version of the header it was built with */
    struct utsname u;
    char version[sizeof u.version];
    snprintf(version, sizeof version, "halvm platform API %d", HALVM_PLATFORM_API_VERSION);
    CHECK(&r, ml_uname(&u) == 0 && !strcmp(u.sysname, "HaLVM") && !strcmp(u.version, version) && !strcmp(u.machine, "x86_64"),
          "uname: sysname %s, version %s (expected %s), machine %s", u.sysname, u.version, version, u.machine);
    return r.failures;
}

int ml_atexit(void (*)(void));
void ml_exit(int) __attribute__((noreturn));
void ml_abort(void) __attribute__((noreturn));
static void first_registered(void) { ml_printf("[first]"); }
static void second_registered(void) { ml_printf("[second]"); }

/* Runs in a child process (see tests/compare.rs): exit must run the
 * handlers in reverse order, flush stdout (no newline written), and end
 * with the status through halvm_exit. */
void exit_child(int how)
{
    ml_atexit(first_registered);
    ml_atexit(second_registered);
    ml_printf("unflushed");
    if (how == 1)
        ml_abort();
    ml_exit(3);
}
