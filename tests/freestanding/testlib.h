/*
 * Helpers shared by the freestanding test programs: they call only
 * rts-xen's platform API. They are linked the way every image is (with
 * minlibc and libm in the link, see xtask/src/test_images.rs), so exit()
 * -- called when main returns -- is minlibc's, which ends in halvm_exit().
 * Each program is one translation unit that includes this file once.
 */
#ifndef HALVM_TESTLIB_H
#define HALVM_TESTLIB_H

#include <halvm/platform.h>

_Noreturn void exit(int status);

static inline size_t str_len(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

static inline int str_eq(const char *a, const char *b) {
    while (*a && *a == *b) a++, b++;
    return *a == *b;
}

static inline void put(const char *s) { halvm_console_write(s, str_len(s)); }

static inline void put_u64(uint64_t v) {
    char buf[24];
    int i = sizeof buf;
    buf[--i] = 0;
    do buf[--i] = (char)('0' + v % 10); while ((v /= 10) && i > 0);
    put(&buf[i]);
}

static inline void put_i64(int64_t v) {
    if (v < 0) { put("-"); put_u64((uint64_t)0 - (uint64_t)v); }
    else put_u64((uint64_t)v);
}

static inline void put_hex(uint64_t v) {
    char buf[19] = "0x";
    for (int i = 0; i < 16; i++) buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
    buf[18] = 0;
    put(buf);
}

/* Parses a decimal number; -1 when `s` is not one. */
static inline long parse_decimal(const char *s) {
    long v = 0;
    if (!*s) return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000000) return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

/* Prints "FAIL: what" and ends the test with status 1. */
static inline _Noreturn void fail(const char *what) {
    put("FAIL: "); put(what); put("\n");
    exit(1);
}

/* Fails the test (as fail() does, with the error) when a platform call
 * returned a negative errno. */
static inline void check(long r, const char *what) {
    if (r < 0) {
        put("FAIL: "); put(what); put(": error "); put_i64(r); put("\n");
        exit(1);
    }
}

/* Blocks until the monotonic clock reaches `deadline`, re-checking after
 * every wake-up (block_until may return early). */
static inline void sleep_until(uint64_t deadline) {
    while (halvm_monotonic_ns() < deadline) halvm_block_until(deadline);
}

#endif
