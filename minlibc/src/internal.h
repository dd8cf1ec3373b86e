/*
 * minlibc internals shared between source files. Nothing here is part of
 * the public headers. Every function that reaches the machine goes through
 * the platform API in <halvm/platform.h>.
 */
#ifndef MINLIBC_INTERNAL_H
#define MINLIBC_INTERNAL_H

#include <halvm/platform.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>

/* Sets errno and returns `ret`: the shape of every honest failure. */
#define MINLIBC_FAIL(err, ret) do { errno = (err); return (ret); } while (0)

/* An output sink for the printf engine: a FILE, or a bounded buffer. */
struct fmt_sink {
    void (*put)(struct fmt_sink *, const char *, size_t);
    void *ctx;          /* FILE * for streams */
    char *buf;          /* snprintf: destination */
    size_t cap;         /* snprintf: capacity including the NUL */
    size_t len;         /* bytes produced so far (all of them, even beyond cap) */
    int error;          /* set by the sink on a write error */
};

/* The printf engine. Returns the number of bytes produced or -1 (errno set). */
int __minlibc_vformat(struct fmt_sink *, const char *, va_list);

/* Exact decimal digits of a binary floating-point value m * 2^e
 * (m != 0). Writes the digits of the integer N (no leading zeros) to `out`
 * and returns their count; the value equals N * 10^*dexp10. */
size_t __minlibc_float_digits(uint64_t m, int e, char *out, int *dexp10);

/* Scratch storage size for __minlibc_float_digits (long double worst case). */
#define MINLIBC_FLOAT_DIGITS_MAX 16600

/* Floating-point parsing shared by strtof/strtod/strtold: returns the
 * correctly rounded value as sign, significand and binary exponent. */
struct float_format { int mant_bits; int emin; int emax; };
int __minlibc_parse_float(const char *s, char **end, const struct float_format *fmt,
                          uint64_t *mant, int *exp2, int *negative, int *kind);
enum { FLT_KIND_FINITE, FLT_KIND_ZERO, FLT_KIND_INF, FLT_KIND_NAN };

/* stdio internals */
int __minlibc_stdio_flush_all(void);

/* Runs atexit handlers (in reverse order of registration). */
void __minlibc_run_atexit(void);

#endif
