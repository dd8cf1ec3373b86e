/*
 * halvm_entropy on the machine. The program reads CPUID itself
 * (independently of rts-xen) and prints what the CPU advertises, then
 * what halvm_entropy did: two 32-byte reads, a 13-byte read into a
 * 16-byte buffer (the 3 bytes after it must stay as they were) and an
 * empty call. The boot check (tests/boot, `entropy`) holds the results
 * against the CPU's answer: with RDRAND or RDSEED every call returns 0
 * and the two reads differ; without either every call returns -1.
 */
#include "testlib.h"

static void cpuid(uint32_t leaf, uint32_t r[4]) {
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static const char *yes_no(int b) { return b ? "yes" : "no"; }

/* Equal bytes, compared without libc. */
static int same_bytes(const volatile uint8_t *a, const volatile uint8_t *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

int main(void) {
    uint32_t r[4];
    cpuid(0, r);
    uint32_t max_leaf = r[0];
    cpuid(1, r);
    int rdrand = (r[2] >> 30) & 1;
    int rdseed = 0;
    if (max_leaf >= 7) {
        cpuid(7, r);
        rdseed = (r[1] >> 18) & 1;
    }
    put("entropy: cpuid rdrand: "); put(yes_no(rdrand)); put("\n");
    put("entropy: cpuid rdseed: "); put(yes_no(rdseed)); put("\n");

    /* volatile: every byte is really read back from memory */
    static volatile uint8_t a[32], b[32], c[16];
    int ra = halvm_entropy((void *)a, sizeof a);
    int rb = halvm_entropy((void *)b, sizeof b);
    put("entropy: 32-byte reads returned "); put_i64(ra); put(" "); put_i64(rb); put("\n");
    if (ra == 0 && rb == 0) {
        put("entropy: the two reads differ: "); put(yes_no(!same_bytes(a, b, sizeof a))); put("\n");
    }

    for (size_t i = 0; i < sizeof c; i++) c[i] = 0xa5;
    static const uint8_t marks[3] = { 0xa5, 0xa5, 0xa5 };
    int rc = halvm_entropy((void *)c, 13);
    put("entropy: 13-byte read returned "); put_i64(rc);
    put(", the bytes after it untouched: "); put(yes_no(same_bytes(c + 13, marks, 3))); put("\n");

    put("entropy: empty read returned "); put_i64(halvm_entropy((void *)c, 0)); put("\n");
    return 0;
}
