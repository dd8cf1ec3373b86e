/*
 * Entropy: getrandom and getentropy against glibc's (flags, limits and
 * errors, on the host kernel), their failure when the platform has no
 * generator (platform_host.c's host_set_entropy), and /dev/urandom and
 * /dev/random as descriptors of the one descriptor table (not openable
 * without a generator), while every other path keeps failing. Streams and
 * dup on them: suite_streams.c.
 */
#include "suite.h"
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

long ml_getrandom(void *, size_t, unsigned);
int ml_getentropy(void *, size_t);
int ml_open(const char *, int, ...);
int ml_openat(int, const char *, int, ...);
int ml_creat(const char *, unsigned);
long ml_read(int, void *, size_t);
long ml_readv(int, const struct iovec *, int);
long ml_write(int, const void *, size_t);
int ml_close(int);
int ml_fstat(int, struct stat *);
int ml_stat(const char *, struct stat *);
int ml_fstatat(int, const char *, struct stat *, int);
int ml_access(const char *, int);
int ml_isatty(int);
long ml_lseek(int, long, int);
int ml_fcntl(int, int, ...);
int ml_poll(struct pollfd *, unsigned long, int);
int ml_ioctl(int, unsigned long, ...);
int ml_tcgetattr(int, void *);
void *ml_mmap(void *, size_t, int, int, int, long);
long ml_sysconf(int);

/* "ret errno" of a call, for comparing minlibc's outcome with glibc's. */
struct outcome { long ret; int err; };
#define OUTCOME(call, errno_expr) ({ (errno_expr) = 0; long r_ = (long)(call); (struct outcome){ r_, r_ < 0 ? (errno_expr) : 0 }; })

static void same_as_glibc(struct report *r, const char *what, struct outcome mine, struct outcome glibc)
{
    CHECK(r, mine.ret == glibc.ret && mine.err == glibc.err, "%s: minlibc %ld (errno %d), glibc %ld (errno %d)", what,
          mine.ret, mine.err, glibc.ret, glibc.err);
}

/* open's errno, 0 when it opened (closing the descriptor again, so that
 * a wrong success leaves the table as it was for the checks that follow). */
static int open_failure(int fd)
{
    if (fd < 0)
        return ML_ERRNO;
    ml_close(fd);
    return 0;
}
#define OPEN_ERRNO(call) ({ ML_ERRNO = 0; open_failure(call); })

static int all_bytes_equal(const unsigned char *p, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (p[i] != p[0])
            return 0;
    return 1;
}

static void check_getrandom_and_getentropy(struct report *r)
{
    unsigned char a[64], b[64];
    /* bytes arrive, exactly as many as asked, and differ between calls */
    memset(a, 0xaa, sizeof a);
    memset(b, 0xaa, sizeof b);
    CHECK(r, ml_getrandom(a, 33, 0) == 33, "getrandom(33) did not return 33");
    CHECK(r, ml_getrandom(b, 33, 0) == 33, "getrandom(33) did not return 33");
    CHECK(r, memcmp(a, b, 33) != 0, "two 33-byte getrandom reads were equal");
    CHECK(r, all_bytes_equal(a + 33, sizeof a - 33), "getrandom wrote past the length asked for");
    static unsigned char big[4096];
    CHECK(r, ml_getrandom(big, sizeof big, 0) == (long)sizeof big && !all_bytes_equal(big, sizeof big),
          "4096 bytes from getrandom were all equal");

    /* flags, NULL buffers and empty requests: the same answers as glibc
     * with the host kernel */
    static const unsigned flag_cases[] = { 0, GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE, GRND_NONBLOCK | GRND_RANDOM,
                                           GRND_NONBLOCK | GRND_INSECURE, GRND_RANDOM | GRND_INSECURE, 0x08, 0x80000000u };
    for (size_t i = 0; i < sizeof flag_cases / sizeof *flag_cases; i++) {
        char what[64];
        snprintf(what, sizeof what, "getrandom(buf, 16, %#x)", flag_cases[i]);
        same_as_glibc(r, what, OUTCOME(ml_getrandom(a, 16, flag_cases[i]), ML_ERRNO),
                      OUTCOME(getrandom(a, 16, flag_cases[i]), errno));
    }
    same_as_glibc(r, "getrandom(NULL, 16, 0)", OUTCOME(ml_getrandom(NULL, 16, 0), ML_ERRNO), OUTCOME(getrandom(NULL, 16, 0), errno));
    same_as_glibc(r, "getrandom(NULL, 0, 0)", OUTCOME(ml_getrandom(NULL, 0, 0), ML_ERRNO), OUTCOME(getrandom(NULL, 0, 0), errno));
    same_as_glibc(r, "getrandom(NULL, 16, 0x08)", OUTCOME(ml_getrandom(NULL, 16, 0x08), ML_ERRNO), OUTCOME(getrandom(NULL, 16, 0x08), errno));

    static unsigned char e[300];
    size_t lengths[] = { 0, 1, 255, 256, 257, 300 };
    for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++) {
        char what[64];
        snprintf(what, sizeof what, "getentropy(buf, %zu)", lengths[i]);
        same_as_glibc(r, what, OUTCOME(ml_getentropy(e, lengths[i]), ML_ERRNO), OUTCOME(getentropy(e, lengths[i]), errno));
    }
    same_as_glibc(r, "getentropy(NULL, 16)", OUTCOME(ml_getentropy(NULL, 16), ML_ERRNO), OUTCOME(getentropy(NULL, 16), errno));
    memset(e, 0, sizeof e);
    CHECK(r, ml_getentropy(e, 256) == 0 && !all_bytes_equal(e, 256), "getentropy(256) gave 256 equal bytes");

    /* a request too large for ssize_t is cut to Linux's MAX_RW_COUNT
     * (seen on a failing platform, which writes nothing) */
    host_set_entropy(HOST_ENTROPY_NONE);
    ml_getrandom(a, (size_t)-1, 0);
    CHECK(r, host_entropy_last_len() == 0x7ffff000, "getrandom(SIZE_MAX) asked the platform for %zu bytes", host_entropy_last_len());
    host_set_entropy(HOST_ENTROPY_WORKS);
}

/* Without a generator: ENOSYS (Linux's answer for a missing getrandom),
 * also for empty requests, and never bytes; the device files exist but
 * do not open: ENXIO, Linux's errno for a node without a working driver. */
static void check_failures_without_a_generator(struct report *r)
{
    unsigned char a[32];
    int next_fd = ml_open("/dev/urandom", O_RDONLY);
    ml_close(next_fd);
    host_set_entropy(HOST_ENTROPY_NONE);
    ML_ERRNO = 0;
    CHECK(r, ml_getrandom(a, sizeof a, 0) == -1 && ML_ERRNO == ENOSYS, "getrandom without a generator: errno %d", ML_ERRNO);
    ML_ERRNO = 0;
    CHECK(r, ml_getrandom(a, 0, GRND_NONBLOCK) == -1 && ML_ERRNO == ENOSYS, "getrandom(0) without a generator: errno %d", ML_ERRNO);
    ML_ERRNO = 0;
    CHECK(r, ml_getentropy(a, sizeof a) == -1 && ML_ERRNO == ENOSYS, "getentropy without a generator: errno %d", ML_ERRNO);
    ML_ERRNO = 0;
    CHECK(r, ml_getentropy(a, 257) == -1 && ML_ERRNO == EIO, "getentropy(257) without a generator: errno %d", ML_ERRNO);
    static const char *const devices[] = { "/dev/urandom", "/dev/random" };
    for (size_t i = 0; i < sizeof devices / sizeof *devices; i++) {
        const char *path = devices[i];
        int e;
        CHECK(r, (e = OPEN_ERRNO(ml_open(path, O_RDONLY))) == ENXIO, "open(%s) without a generator: errno %d", path, e);
        CHECK(r, (e = OPEN_ERRNO(ml_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC))) == ENXIO,
              "openat(%s) without a generator: errno %d", path, e);
        /* the node's own checks come before the driver's, as in Linux */
        CHECK(r, (e = OPEN_ERRNO(ml_open(path, O_WRONLY))) == EACCES, "open(%s, O_WRONLY) without a generator: errno %d", path, e);
        CHECK(r, (e = OPEN_ERRNO(ml_open(path, O_RDONLY | O_DIRECTORY))) == ENOTDIR,
              "open(%s, O_DIRECTORY) without a generator: errno %d", path, e);
        /* the node is still there */
        struct stat st;
        CHECK(r, ml_stat(path, &st) == 0 && S_ISCHR(st.st_mode) && ml_access(path, R_OK) == 0,
              "stat/access(%s) without a generator: errno %d", path, ML_ERRNO);
    }
    host_set_entropy(HOST_ENTROPY_WORKS);
    int fd = ml_open("/dev/urandom", O_RDONLY);
    CHECK(r, fd == next_fd, "the failed opens took descriptors: the next is %d, was %d", fd, next_fd);

    /* a generator that stops delivering after the open (retries
     * exhausted): the read fails with EIO, an empty read still works */
    host_set_entropy(HOST_ENTROPY_EXHAUSTED);
    ML_ERRNO = 0;
    CHECK(r, ml_read(fd, a, sizeof a) == -1 && ML_ERRNO == EIO, "read of /dev/urandom from an exhausted generator: errno %d",
          ML_ERRNO);
    CHECK(r, ml_read(fd, a, 0) == 0, "an empty read of /dev/urandom failed");
    ml_close(fd);
    fd = ml_open("/dev/random", O_RDONLY);
    ML_ERRNO = 0;
    CHECK(r, fd >= 0 && ml_read(fd, a, 1) == -1 && ML_ERRNO == EIO,
          "/dev/random on an exhausted generator: open gave %d, read errno %d (expected: opens, read fails with EIO)", fd, ML_ERRNO);
    ml_close(fd);
    host_set_entropy(HOST_ENTROPY_WORKS);
}

static void check_device_descriptor(struct report *r, const char *path)
{
    unsigned char a[32], b[32];
    int fd = ml_open(path, O_RDONLY | O_NOCTTY);
    CHECK(r, fd > 2, "open(%s) gave %d (errno %d), not a new descriptor", path, fd, ML_ERRNO);
    if (fd < 0)
        return;
    CHECK(r, ml_read(fd, a, sizeof a) == (long)sizeof a && ml_read(fd, b, sizeof b) == (long)sizeof b && memcmp(a, b, sizeof a),
          "two 32-byte reads of %s were short or equal", path);
    /* the device numbers and type of the host's own device file */
    struct stat mine, host;
    CHECK(r, ml_fstat(fd, &mine) == 0 && stat(path, &host) == 0, "fstat of %s", path);
    CHECK(r, S_ISCHR(mine.st_mode) && mine.st_rdev == host.st_rdev, "fstat of %s: mode %o rdev %d,%d; the host's: rdev %d,%d", path,
          mine.st_mode, major(mine.st_rdev), minor(mine.st_rdev), major(host.st_rdev), minor(host.st_rdev));
    struct stat by_path;
    CHECK(r, ml_stat(path, &by_path) == 0 && by_path.st_mode == mine.st_mode && by_path.st_rdev == mine.st_rdev,
          "stat(%s) differs from fstat", path);
    ML_ERRNO = 0;
    CHECK(r, ml_write(fd, "x", 1) == -1 && ML_ERRNO == EBADF, "write to %s: errno %d", path, ML_ERRNO);
    ML_ERRNO = 0;
    CHECK(r, ml_isatty(fd) == 0 && ML_ERRNO == ENOTTY, "isatty(%s): errno %d", path, ML_ERRNO);
    CHECK(r, ml_lseek(fd, 100, SEEK_SET) == 0, "lseek on %s (Linux: stays at 0)", path);
    CHECK(r, ml_fcntl(fd, F_GETFL) == O_RDONLY && ml_fcntl(fd, F_GETFD) == 0, "fcntl flags of %s", path);
    struct pollfd p[2] = { { fd, POLLIN, 0 }, { fd, POLLOUT, 0 } };
    CHECK(r, ml_poll(p, 2, 0) == 1 && p[0].revents == POLLIN && p[1].revents == 0, "poll on %s: revents %#x %#x", path,
          p[0].revents, p[1].revents);
    unsigned char v1[5], v2[40];
    struct iovec iov[2] = { { v1, sizeof v1 }, { v2, sizeof v2 } };
    CHECK(r, ml_readv(fd, iov, 2) == (long)(sizeof v1 + sizeof v2), "readv of %s did not fill both buffers", path);
    ML_ERRNO = 0;
    CHECK(r, ml_mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == (void *)-1 && ML_ERRNO == ENODEV, "mmap of %s: errno %d", path, ML_ERRNO);
    char termios[64];
    ML_ERRNO = 0;
    CHECK(r, ml_tcgetattr(fd, termios) == -1 && ML_ERRNO == ENOTTY, "tcgetattr(%s): errno %d", path, ML_ERRNO);
    int n;
    ML_ERRNO = 0;
    CHECK(r, ml_ioctl(fd, FIONREAD, &n) == -1 && ML_ERRNO == ENOTTY, "ioctl(%s, FIONREAD): errno %d", path, ML_ERRNO);
    /* FIONBIO is every descriptor's, as on Linux */
    int on = 1, off = 0;
    CHECK(r, ml_ioctl(fd, FIONBIO, &on) == 0 && ml_fcntl(fd, F_GETFL) == (O_RDONLY | O_NONBLOCK) &&
          ml_ioctl(fd, FIONBIO, &off) == 0 && ml_fcntl(fd, F_GETFL) == O_RDONLY, "ioctl(%s, FIONBIO) sets and clears O_NONBLOCK", path);
    CHECK(r, ml_close(fd) == 0, "close(%s)", path);
    ML_ERRNO = 0;
    CHECK(r, ml_read(fd, a, 1) == -1 && ML_ERRNO == EBADF, "read after close(%s): errno %d", path, ML_ERRNO);
    ML_ERRNO = 0;
    CHECK(r, ml_close(fd) == -1 && ML_ERRNO == EBADF, "second close(%s): errno %d", path, ML_ERRNO);
}

static void check_open_flags_and_table(struct report *r)
{
    /* flags recorded */
    int fd = ml_open("/dev/urandom", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    CHECK(r, fd >= 0 && ml_fcntl(fd, F_GETFL) == (O_RDONLY | O_NONBLOCK) && ml_fcntl(fd, F_GETFD) == FD_CLOEXEC,
          "O_NONBLOCK/O_CLOEXEC not recorded");
    ml_close(fd);
    /* the device is read-only, exists, and is no directory */
    static const struct { int flags; int err; const char *what; } refused[] = {
        { O_WRONLY, EACCES, "O_WRONLY" },
        { O_RDWR, EACCES, "O_RDWR" },
        { O_RDONLY | O_CREAT | O_EXCL, EEXIST, "O_CREAT|O_EXCL" },
        { O_RDONLY | O_DIRECTORY, ENOTDIR, "O_DIRECTORY" },
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        ML_ERRNO = 0;
        CHECK(r, ml_open("/dev/urandom", refused[i].flags) == -1 && ML_ERRNO == refused[i].err, "open(/dev/urandom, %s): errno %d",
              refused[i].what, ML_ERRNO);
    }
    fd = ml_open("/dev/urandom", O_RDONLY | O_CREAT, 0600);
    CHECK(r, fd >= 0, "open(/dev/urandom, O_CREAT) of the existing device failed");
    ml_close(fd);
    ML_ERRNO = 0;
    CHECK(r, ml_creat("/dev/urandom", 0600) == -1 && ML_ERRNO == EACCES, "creat(/dev/urandom): errno %d", ML_ERRNO);
    fd = ml_openat(AT_FDCWD, "/dev/random", O_RDONLY);
    CHECK(r, fd >= 0, "openat(AT_FDCWD, /dev/random) failed");
    ml_close(fd);
    /* access and fstatat follow the device's mode */
    struct stat st;
    CHECK(r, ml_access("/dev/urandom", R_OK) == 0 && ml_access("/dev/random", F_OK) == 0, "access(R_OK/F_OK)");
    ML_ERRNO = 0;
    CHECK(r, ml_access("/dev/urandom", W_OK) == -1 && ML_ERRNO == EACCES, "access(W_OK): errno %d", ML_ERRNO);
    CHECK(r, ml_fstatat(AT_FDCWD, "/dev/random", &st, 0) == 0 && S_ISCHR(st.st_mode), "fstatat(/dev/random)");

    /* the lowest free descriptor, up to the limit sysconf reports */
    long open_max = ml_sysconf(_SC_OPEN_MAX);
    int fds[300], n = 0;
    while (n < 300 && (fds[n] = ml_open("/dev/urandom", O_RDONLY)) >= 0)
        n++;
    CHECK(r, n < 300 && ML_ERRNO == EMFILE, "opening without end: errno %d after %d", ML_ERRNO, n);
    CHECK(r, n + 3 == open_max, "%d descriptors opened besides the console's 3, sysconf(_SC_OPEN_MAX) says %ld", n, open_max);
    /* a full table is found before the missing generator, as in Linux */
    host_set_entropy(HOST_ENTROPY_NONE);
    ML_ERRNO = 0;
    CHECK(r, ml_open("/dev/urandom", O_RDONLY) == -1 && ML_ERRNO == EMFILE, "open with a full table and no generator: errno %d",
          ML_ERRNO);
    host_set_entropy(HOST_ENTROPY_WORKS);
    for (int i = 0; i < n; i++)
        CHECK(r, fds[i] == 3 + i, "descriptor %d numbered %d, not the lowest free", i, fds[i]);
    if (n > 5) {
        ml_close(fds[2]);
        ml_close(fds[4]);
        CHECK(r, ml_open("/dev/random", O_RDONLY) == fds[2], "the lowest free descriptor was not reused");
    }
    for (int i = 0; i < n; i++)
        ml_close(fds[i]);
}

/* Every other path still fails, as before there was a device. */
static void check_other_paths(struct report *r)
{
    static const char *const paths[] = { "/dev/null", "/dev/zero", "/dev/urandom2", "/dev/urando", "/dev/", "/dev",
                                         "dev/urandom", "urandom", "/DEV/URANDOM", "" };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        struct stat st;
        ML_ERRNO = 0;
        CHECK(r, ml_open(paths[i], O_RDONLY) == -1 && ML_ERRNO == ENOENT, "open(\"%s\"): errno %d", paths[i], ML_ERRNO);
        ML_ERRNO = 0;
        CHECK(r, ml_stat(paths[i], &st) == -1 && ML_ERRNO == ENOENT, "stat(\"%s\"): errno %d", paths[i], ML_ERRNO);
        ML_ERRNO = 0;
        CHECK(r, ml_access(paths[i], F_OK) == -1 && ML_ERRNO == ENOENT, "access(\"%s\"): errno %d", paths[i], ML_ERRNO);
    }
    ML_ERRNO = 0;
    /* the file tree has no /dev directory: creating in it finds no parent */
    CHECK(r, ml_open("/dev/null", O_WRONLY | O_CREAT) == -1 && ML_ERRNO == ENOENT, "open(/dev/null, O_CREAT): errno %d", ML_ERRNO);
}

unsigned long suite_entropy(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    (void)seed; (void)cases;
    struct report r = { buf, cap, 0, 0 };
    check_getrandom_and_getentropy(&r);
    check_failures_without_a_generator(&r);
    check_device_descriptor(&r, "/dev/urandom");
    check_device_descriptor(&r, "/dev/random");
    check_open_flags_and_table(&r);
    check_other_paths(&r);
    return r.failures;
}
