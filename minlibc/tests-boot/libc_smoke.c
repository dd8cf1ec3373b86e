/*
 * minlibc booted: a program built against minlibc's headers and linked
 * with libminlibc.a, libm.a and rts-xen, run under QEMU by the qemu lane
 * (tests/boot, check `libc_smoke`). It prints results the boot test
 * compares with values known independently of minlibc, then returns 3
 * from main: rts-xen calls minlibc's exit(3), which must run the atexit
 * handler and flush stdout (the last line has no newline) before
 * halvm_exit. The entropy lines depend on the CPU: the program reads
 * CPUID itself and prints whether it has RDRAND or RDSEED first.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

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

/* Whether the CPU advertises RDRAND (CPUID.01H:ECX[30]) or RDSEED
 * (CPUID.07H:EBX[18]), read here independently of rts-xen. */
static int cpu_has_generator(void)
{
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    unsigned max_leaf = a;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    int rdrand = (c >> 30) & 1;
    int rdseed = 0;
    if (max_leaf >= 7) {
        __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
        rdseed = (b >> 18) & 1;
    }
    return rdrand || rdseed;
}

static const char *errno_name(int e)
{
    return e == 0 ? "none" : e == ENOSYS ? "ENOSYS" : e == EIO ? "EIO" : e == ENXIO ? "ENXIO" : "another errno";
}

/* getrandom, getentropy and /dev/urandom: bytes with a generator, the
 * honest errors without one (ENOSYS; the device file exists but does not
 * open: ENXIO). */
static void check_entropy(void)
{
    printf("libc: cpu generator: %s\n", cpu_has_generator() ? "yes" : "no");
    unsigned char a[32], b[32];
    errno = 0;
    ssize_t ra = getrandom(a, sizeof a, 0);
    int ea = errno;
    ssize_t rb = getrandom(b, sizeof b, GRND_NONBLOCK);
    if (ra == 32 && rb == 32)
        printf("libc: getrandom: 32 bytes twice, %s\n", memcmp(a, b, sizeof a) ? "different" : "THE SAME");
    else
        printf("libc: getrandom: %zd (%s)\n", ra, errno_name(ra < 0 ? ea : 0));
    errno = 0;
    int re = getentropy(a, sizeof a);
    printf("libc: getentropy: %d (%s)\n", re, errno_name(re < 0 ? errno : 0));
    struct stat st;
    errno = 0;
    if (stat("/dev/urandom", &st) != 0 || !S_ISCHR(st.st_mode)) {
        printf("libc: /dev/urandom: stat failed or not a character device (%s)\n", errno_name(errno));
        return;
    }
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0) {
        printf("libc: /dev/urandom: a character device, open failed (%s)\n", errno_name(errno));
        return;
    }
    errno = 0;
    ssize_t rr = read(fd, b, sizeof b);
    printf("libc: /dev/urandom: a character device, read %zd (%s)\n", rr, errno_name(rr < 0 ? errno : 0));
    close(fd);
}

/* /dev/urandom as a stream, the way splitmix seeds itself: two 8-byte
 * freads with a generator; without one fopen fails (open's ENXIO), so
 * splitmix falls back to the clock rather than its constant seed. A read
 * that fails (a generator that stops delivering) prints its errno and the
 * stream's error flag. */
static void check_urandom_stream(void)
{
    FILE *stream = fopen("/dev/urandom", "r");
    if (!stream) {
        printf("libc: fopen(/dev/urandom): NULL (%s)\n", errno_name(errno));
        return;
    }
    uint64_t x = 0, y = 0;
    errno = 0;
    size_t got = fread(&x, sizeof x, 1, stream);
    int read_errno = errno;
    size_t got2 = fread(&y, sizeof y, 1, stream);
    int error_flag = ferror(stream) != 0;
    int closed = fclose(stream);
    if (got == 1 && got2 == 1)
        printf("libc: fopen(/dev/urandom): fread 1 twice, %s, fclose %d\n", x != y ? "different" : "THE SAME", closed);
    else
        printf("libc: fopen(/dev/urandom): fread %zu (%s), ferror %d, fclose %d\n", got, errno_name(got ? 0 : read_errno),
               error_flag, closed);
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
    check_entropy();
    check_urandom_stream();
    printf("libc: unflushed last line");
    return 3;
}
