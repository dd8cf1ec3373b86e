/*
 * minlibc booted: a program built against minlibc's headers and linked
 * with libminlibc.a, libm.a and rts-xen, run under QEMU by the qemu lane
 * (tests/boot, check `libc_smoke`). It prints results the boot test
 * compares with values known independently of minlibc, then returns 3
 * from main: rts-xen calls minlibc's exit(3), which must run the atexit
 * handler and flush stdout (the last line has no newline) before
 * halvm_exit.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void at_exit_handler(void)
{
    printf("libc: atexit handler ran\n");
}

static int check_malloc(void)
{
    enum { N = 3000 };
    static unsigned char *blocks[N];
    static size_t sizes[N];
    uint64_t seed = 12345;
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < N; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            sizes[i] = 1 + (size_t)(seed >> 33) % (i % 10 == 0 ? 20000 : 300);
            blocks[i] = malloc(sizes[i]);
            if (!blocks[i])
                return 0;
            memset(blocks[i], (int)(i & 0xff), sizes[i]);
        }
        for (int i = 0; i < N; i++) {
            for (size_t k = 0; k < sizes[i]; k++)
                if (blocks[i][k] != (unsigned char)(i & 0xff))
                    return 0;
            free(blocks[i]);
        }
    }
    /* one large block, touched end to end, and the ENOMEM path */
    size_t big = 8u << 20;
    unsigned char *p = malloc(big);
    if (!p)
        return 0;
    memset(p, 0x5a, big);
    if (p[0] != 0x5a || p[big - 1] != 0x5a)
        return 0;
    free(p);
    errno = 0;
    if (malloc((size_t)1 << 40) != NULL || errno != ENOMEM)
        return 0;
    return 1;
}

int main(void)
{
    atexit(at_exit_handler);
    printf("libc: printf [%d] [%5s] [%-4x] [%.3f] [%e] [%g] [%a]\n", -42, "ab", 255, 3.14159, 1e-300, 0.0001, 1.0);
    char buf[8];
    int n = snprintf(buf, sizeof buf, "%s", "truncated text");
    printf("libc: snprintf %d [%s]\n", n, buf);
    printf("libc: strtod %a %a %a\n", strtod("0.1", NULL), strtod("4.9406564584124654e-324", NULL),
           strtod("1.7976931348623157e308", NULL));
    /* every value printed with %.17g reads back bit-identical */
    uint64_t seed = 99, bad = 0;
    for (int i = 0; i < 2000; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        union { double d; uint64_t b; } u = { .b = seed };
        if (isnan(u.d))
            continue;
        char s[40];
        snprintf(s, sizeof s, "%.17g", u.d);
        union { double d; uint64_t b; } back = { .d = strtod(s, NULL) };
        bad += back.b != u.b;
    }
    printf("libc: strtod round trips failed: %lu\n", (unsigned long)bad);
    printf("libc: malloc %s\n", check_malloc() ? "ok" : "FAILED");
    printf("libc: libm %.17g %.17g\n", sin(1.0), pow(2.0, 0.5));
    printf("libc: year after 2020: %s\n", time(NULL) > 1577836800 ? "yes" : "no");
    printf("libc: unflushed last line");
    return 3;
}
