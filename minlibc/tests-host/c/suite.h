/*
 * Shared by the comparison suites: the ml_-prefixed host copy of minlibc
 * (declared here by hand, since its headers cannot be mixed with glibc's),
 * failure reports for the Rust test driver, and a seeded random generator.
 */
#ifndef SUITE_H
#define SUITE_H
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>
#include <setjmp.h>
#include <wchar.h>

/* ---- minlibc, renamed (layouts of the structs involved equal glibc's) */
int ml_snprintf(char *, size_t, const char *, ...);
int ml_vsnprintf(char *, size_t, const char *, va_list);
int ml_sprintf(char *, const char *, ...);
int ml_printf(const char *, ...);
int ml_fprintf(void *, const char *, ...);
int ml_asprintf(char **, const char *, ...);
extern void *ml_stdout, *ml_stderr, *ml_stdin;
int ml_fputs(const char *, void *);
int ml_puts(const char *);
int ml_putchar(int);
int ml_fflush(void *);
size_t ml_fwrite(const void *, size_t, size_t, void *);
int ml_fgetc(void *);
char *ml_fgets(char *, int, void *);
int ml_setvbuf(void *, char *, int, size_t);

double ml_strtod(const char *, char **);
float ml_strtof(const char *, char **);
long double ml_strtold(const char *, char **);
long ml_strtol(const char *, char **, int);
unsigned long ml_strtoul(const char *, char **, int);
long long ml_strtoll(const char *, char **, int);
unsigned long long ml_strtoull(const char *, char **, int);
int ml_atoi(const char *);
long ml_atol(const char *);
int *ml___errno_location(void);
#define ML_ERRNO (*ml___errno_location())

void *ml_malloc(size_t);
void *ml_calloc(size_t, size_t);
void *ml_realloc(void *, size_t);
void ml_free(void *);
int ml_posix_memalign(void **, size_t, size_t);
void *ml_aligned_alloc(size_t, size_t);
size_t ml_malloc_usable_size(void *);

void ml_qsort(void *, size_t, size_t, int (*)(const void *, const void *));
void *ml_bsearch(const void *, const void *, size_t, size_t, int (*)(const void *, const void *));

void *ml_iconv_open(const char *, const char *);
size_t ml_iconv(void *, char **, size_t *, char **, size_t *);
int ml_iconv_close(void *);

/* ---- host platform test hooks (platform_host.c) */
size_t host_console_take(char *, size_t);
void host_console_feed(const char *, size_t);
size_t host_pages_live(void);
void host_set_page_limit(size_t);
/* the platform's generator (halvm_entropy) as the tests set it */
enum host_entropy {
    HOST_ENTROPY_WORKS,        /* bytes from the host kernel */
    HOST_ENTROPY_NONE,         /* no generator: every call fails */
    HOST_ENTROPY_EXHAUSTED,    /* a generator that stopped delivering: requests for bytes fail */
};
void host_set_entropy(enum host_entropy);
size_t host_entropy_last_len(void);
/* the platform's resolver (halvm_net_resolve): its answer (an error,
 * or how many of the addresses), the calls made and the last name */
extern int host_resolve_result;
extern uint32_t host_resolve_addrs[64];
extern const char *host_resolve_canonical;
extern int host_resolve_calls;
extern char host_resolve_last[300];

/* ---- reports: failures are counted; the first few are described */
struct report {
    char *buf;
    size_t cap, len;
    unsigned long failures;
};
void report_fail(struct report *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define CHECK(r, cond, ...) do { if (!(cond)) report_fail((r), __VA_ARGS__); } while (0)

/* ---- splitmix64 */
static inline uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static inline uint64_t rnd_below(uint64_t *s, uint64_t n) { return n ? rnd(s) % n : 0; }
static inline int chance(uint64_t *s, int percent) { return (int)rnd_below(s, 100) < percent; }

/* Escapes a buffer for a failure message (static storage, 4 slots). */
const char *show(const char *p, size_t n);
#endif
