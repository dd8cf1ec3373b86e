/*
 * Random bytes from the CPU's generator (halvm_entropy: RDSEED or RDRAND):
 * getrandom, getentropy, and the random device behind /dev/urandom and
 * /dev/random (opened through fd.c), the way splitmix, random, hashable
 * and C code seed themselves.
 *
 * Without a generator every call fails: getrandom and getentropy with
 * ENOSYS, which is what Linux gives for a missing system call and what
 * those callers' fallbacks look for; opening the device with ENXIO, Linux's
 * answer for a device node without a working driver (the node itself
 * stays: stat and access still see it). Failing at open rather than at
 * the first read matters: callers such as splitmix 0.1.0.4 fall back to
 * the clock when fopen fails, but to a constant seed when a read fails.
 * A generator that fails after the open (retries exhausted) fails the
 * read with EIO. Nothing here ever hands out a weaker seed.
 */
#include "internal.h"
#include "fd.h"
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
    if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
        MINLIBC_FAIL(EINVAL, -1);
    /* Linux: asking for the blocking pool and for insecure bytes at once */
    if ((flags & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE))
        MINLIBC_FAIL(EINVAL, -1);
    if (!buf && len)
        MINLIBC_FAIL(EFAULT, -1);
    if (len > MINLIBC_RW_MAX)
        len = MINLIBC_RW_MAX;
    /* The flags change nothing else: the CPU's generator never blocks,
     * and both pools are the same generator. */
    if (halvm_entropy(buf, len) != 0)
        MINLIBC_FAIL(ENOSYS, -1);
    return (ssize_t)len;
}

int getentropy(void *buf, size_t len)
{
    /* glibc's limit and errno (OpenBSD's interface allows 256 bytes) */
    if (len > 256)
        MINLIBC_FAIL(EIO, -1);
    return getrandom(buf, len, 0) < 0 ? -1 : 0;
}

/* --------------------------------------------------- the random device */

/* Whether a generator stands behind the random devices (fd.c's open asks).
 * An empty request fails exactly when the platform has no usable
 * generator (rts-xen answers every call that way) and draws no value. */
int __minlibc_random_generator_present(void)
{
    unsigned char unused;
    return halvm_entropy(&unused, 0) == 0;
}

static ssize_t random_read(struct open_file *f, void *buf, size_t n)
{
    (void)f;
    if (n > MINLIBC_RW_MAX)
        n = MINLIBC_RW_MAX;
    if (halvm_entropy(buf, n) != 0)
        MINLIBC_FAIL(EIO, -1);
    return (ssize_t)n;
}

/* Always readable: a read never waits. */
static int random_readable(void) { return 1; }

/* Like Linux's: a position that stays 0. */
static off_t random_seek(off_t off, int whence)
{
    (void)off;
    (void)whence;
    return 0;
}

/* Read-only (mode 0444, no write): the CPU's generator takes no input,
 * where Linux mixes written bytes into its pool. Device numbers are
 * Linux's (1, 9) and (1, 8). */
#define RANDOM_DEVICE(minor) {          \
        .read = random_read,           \
        .write = NULL,                 \
        .readable = random_readable,   \
        .seek = random_seek,           \
        .mode = S_IFCHR | 0444,        \
        .rdev = (1UL << 8) | (minor),  \
        .blksize = 4096,               \
        .tty = 0,                      \
    }
const struct fd_device __minlibc_urandom_device = RANDOM_DEVICE(9);
const struct fd_device __minlibc_random_device = RANDOM_DEVICE(8);
