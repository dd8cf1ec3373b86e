/*
 * Streams on any descriptor and descriptor duplication: fopen (through
 * open, its mode strings read like glibc's), fdopen, freopen, fclose, the
 * reading calls on a /dev/urandom stream, writes refused on a read-only
 * stream, dup/dup2/dup3/fcntl(F_DUPFD) sharing the open file, many
 * open/close cycles without a leak, and splitmix 0.1.0.4's seeding
 * sequence. glibc and the host kernel are the reference where they can
 * be (mode strings, fdopen's checks, dup's errors).
 */
#include "suite.h"
#include <fcntl.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>

void *ml_fopen(const char *, const char *);
void *ml_fdopen(int, const char *);
void *ml_freopen(const char *, const char *, void *);
int ml_fclose(void *);
size_t ml_fread(void *, size_t, size_t, void *);
int ml_getc(void *);
int ml_ungetc(int, void *);
int ml_fputc(int, void *);
int ml_feof(void *);
int ml_ferror(void *);
void ml_clearerr(void *);
int ml_fileno(void *);
int ml_open(const char *, int, ...);
int ml_unlink(const char *);
int ml_close(int);
long ml_read(int, void *, size_t);
long ml_write(int, const void *, size_t);
int ml_fstat(int, struct stat *);
int ml_isatty(int);
int ml_dup(int);
int ml_dup2(int, int);
int ml_dup3(int, int, int);
int ml_fcntl(int, int, ...);
int ml_tcgetattr(int, struct termios *);
int ml_tcsetattr(int, int, const struct termios *);
long ml_sysconf(int);
int ml_gettimeofday(struct timeval *, void *);
long ml_clock(void);
int ml_getpid(void);

static int all_bytes_equal(const unsigned char *p, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (p[i] != p[0])
            return 0;
    return 1;
}

/* minlibc's errno after a call that failed; 0 when it did not fail. */
#define ML_FAILED_WITH(expr) ({ ML_ERRNO = 0; (expr) ? 0 : ML_ERRNO; })

/* fopen's errno, 0 when it opened (closing the stream again, so that a
 * wrong success leaves no stream or descriptor behind). */
static int fopen_errno(const char *path, const char *mode)
{
    ML_ERRNO = 0;
    void *f = ml_fopen(path, mode);
    if (!f)
        return ML_ERRNO;
    ml_fclose(f);
    return 0;
}

/* ------------------------------------------------ a /dev/urandom stream */

/* Descriptors 0, 1 and 2 are the console's from the start: fd.c opens
 * them in a constructor (its tables start all zero, in .bss). */
static void check_console_descriptors_open_at_start(struct report *r)
{
    static const int modes[3] = { O_RDONLY, O_WRONLY, O_WRONLY };
    for (int fd = 0; fd < 3; fd++) {
        CHECK(r, ml_fcntl(fd, F_GETFL) == modes[fd], "descriptor %d is not open with mode %d", fd, modes[fd]);
        CHECK(r, ml_isatty(fd) == 1, "descriptor %d is not the console", fd);
    }
}

static void check_urandom_stream(struct report *r)
{
    void *f = ml_fopen("/dev/urandom", "r");
    CHECK(r, f != NULL, "fopen(/dev/urandom, r): errno %d", ML_ERRNO);
    if (!f)
        return;
    int fd = ml_fileno(f);
    CHECK(r, fd > 2 && ml_fcntl(fd, F_GETFL) == O_RDONLY, "the stream's descriptor %d is not open read-only", fd);
    uint64_t a = 0, b = 0;
    CHECK(r, ml_fread(&a, sizeof a, 1, f) == 1 && ml_fread(&b, sizeof b, 1, f) == 1 && a != b,
          "two 8-byte freads: %#llx %#llx", (unsigned long long)a, (unsigned long long)b);
    /* larger than the buffer: read straight into the caller's memory */
    static unsigned char big[20000];
    CHECK(r, ml_fread(big, 1, sizeof big, f) == sizeof big && !all_bytes_equal(big, sizeof big), "a 20000-byte fread");
    CHECK(r, ml_fread(big, 3, 7, f) == 7, "fread of 7 elements of 3 bytes");
    int c = ml_getc(f);
    CHECK(r, c >= 0 && c <= 255, "getc gave %d", c);
    CHECK(r, ml_ungetc(c, f) == c && ml_fgetc(f) == c, "ungetc then fgetc did not give the byte back");
    CHECK(r, ml_ungetc(0x41, f) == 0x41 && ml_fread(big, 1, 4, f) == 4 && big[0] == 0x41, "fread after ungetc");
    char line[16];
    CHECK(r, ml_fgets(line, sizeof line, f) == line && strlen(line) < sizeof line, "fgets");
    CHECK(r, !ml_feof(f) && !ml_ferror(f), "eof or error flag set while reading: %d %d", ml_feof(f), ml_ferror(f));

    /* a read-only stream refuses writes: EBADF and the error flag */
    CHECK(r, ML_FAILED_WITH(ml_fwrite("x", 1, 1, f) == 1) == EBADF && ml_ferror(f), "fwrite to a read-only stream: errno %d",
          ML_ERRNO);
    ml_clearerr(f);
    CHECK(r, !ml_ferror(f), "clearerr left the error flag");
    CHECK(r, ML_FAILED_WITH(ml_fputc('x', f) != EOF) == EBADF && ml_ferror(f), "fputc to a read-only stream");
    CHECK(r, ml_fprintf(f, "%d", 5) < 0, "fprintf to a read-only stream succeeded");
    CHECK(r, ML_FAILED_WITH(ml_fputs("abc", f) != EOF) == EBADF, "fputs to a read-only stream");
    ml_clearerr(f);
    CHECK(r, ml_fread(&a, sizeof a, 1, f) == 1, "fread after clearerr");

    /* the caller's buffer is used: it holds what was read ahead */
    static unsigned char user_buf[64];
    CHECK(r, ml_setvbuf(f, (char *)user_buf, _IOFBF, sizeof user_buf) == 0, "setvbuf with a buffer");
    CHECK(r, ml_fread(&a, sizeof a, 1, f) == 1 && !memcmp(user_buf, &a, sizeof a) && !all_bytes_equal(user_buf, sizeof user_buf),
          "setvbuf's buffer did not receive the 64 bytes read ahead");
    CHECK(r, host_entropy_last_len() == sizeof user_buf, "the buffered read asked the device for %zu bytes, not 64",
          host_entropy_last_len());
    /* unbuffered: nothing read ahead, the device is asked for what the caller asks */
    CHECK(r, ml_setvbuf(f, NULL, _IONBF, 0) == 0 && ml_fread(&b, sizeof b, 1, f) == 1 && host_entropy_last_len() == sizeof b,
          "an unbuffered fread of 8 bytes asked the device for %zu", host_entropy_last_len());
    CHECK(r, ml_getc(f) >= 0 && host_entropy_last_len() == 1, "an unbuffered getc asked the device for %zu", host_entropy_last_len());
    CHECK(r, ml_setvbuf(f, NULL, 7, 0) == -1 && ML_ERRNO == EINVAL, "setvbuf with a bad mode");

    CHECK(r, ml_fclose(f) == 0, "fclose");
    CHECK(r, ML_FAILED_WITH(ml_fcntl(fd, F_GETFL) >= 0) == EBADF, "fclose left descriptor %d open", fd);

    /* without a generator there is no stream: open's ENXIO */
    host_set_entropy(HOST_ENTROPY_NONE);
    int e;
    CHECK(r, (e = fopen_errno("/dev/urandom", "r")) == ENXIO, "fopen(/dev/urandom) without a generator: errno %d", e);
    CHECK(r, (e = fopen_errno("/dev/random", "re")) == ENXIO, "fopen(/dev/random) without a generator: errno %d", e);

    /* a generator that stops delivering after the open: the stream opens
     * and the read fails honestly */
    host_set_entropy(HOST_ENTROPY_EXHAUSTED);
    f = ml_fopen("/dev/urandom", "r");
    CHECK(r, f != NULL, "fopen(/dev/urandom) on an exhausted generator: errno %d", ML_ERRNO);
    if (f) {
        a = 0x1234;
        CHECK(r, ML_FAILED_WITH(ml_fread(&a, sizeof a, 1, f) == 1) == EIO && a == 0x1234,
              "fread from an exhausted generator: errno %d", ML_ERRNO);
        CHECK(r, ml_ferror(f) && !ml_feof(f), "fread from an exhausted generator: error %d, eof %d", ml_ferror(f), ml_feof(f));
        CHECK(r, ml_fgetc(f) == EOF, "fgetc from an exhausted generator");
        ml_fclose(f);
    }
    host_set_entropy(HOST_ENTROPY_WORKS);
}

/* --------------------------------------------- fopen is open, plus a mode */

/* The open(2) flags glibc's fopen uses for each mode (its manual). */
static const struct { const char *mode; int flags; } mode_flags[] = {
    { "r", O_RDONLY },
    { "rb", O_RDONLY },
    { "re", O_RDONLY | O_CLOEXEC },
    { "r+", O_RDWR },
    { "w", O_WRONLY | O_CREAT | O_TRUNC },
    { "w+", O_RDWR | O_CREAT | O_TRUNC },
    { "wx", O_WRONLY | O_CREAT | O_TRUNC | O_EXCL },
    { "a", O_WRONLY | O_CREAT | O_APPEND },
    { "a+", O_RDWR | O_CREAT | O_APPEND },
};

static void check_fopen_follows_open(struct report *r)
{
    static const char *const paths[] = { "/dev/urandom", "/dev/random", "/etc/passwd", "/dev/null", "/tmp/x", "dev/urandom", "" };
    for (size_t p = 0; p < sizeof paths / sizeof *paths; p++) {
        for (size_t m = 0; m < sizeof mode_flags / sizeof *mode_flags; m++) {
            const char *path = paths[p], *mode = mode_flags[m].mode;
            ML_ERRNO = 0;
            int fd = ml_open(path, mode_flags[m].flags, 0666);
            int open_errno = ML_ERRNO, fl = -1, fdfl = -1;
            if (fd >= 0) {
                fl = ml_fcntl(fd, F_GETFL);
                fdfl = ml_fcntl(fd, F_GETFD);
                ml_close(fd);
            }
            ML_ERRNO = 0;
            void *f = ml_fopen(path, mode);
            if (fd < 0) {
                CHECK(r, !f && ML_ERRNO == open_errno, "fopen(\"%s\", \"%s\"): errno %d, open's %d", path, mode, ML_ERRNO, open_errno);
            } else {
                CHECK(r, f && ml_fcntl(ml_fileno(f), F_GETFL) == fl && ml_fcntl(ml_fileno(f), F_GETFD) == fdfl,
                      "fopen(\"%s\", \"%s\") failed (errno %d) or differs from open where open succeeded", path, mode, ML_ERRNO);
            }
            if (f)
                ml_fclose(f);
        }
    }
    /* the cases that matter, spelled out */
    CHECK(r, ML_FAILED_WITH(ml_fopen("/dev/urandom", "w")) == EACCES, "fopen(/dev/urandom, w): errno %d", ML_ERRNO);
    CHECK(r, ML_FAILED_WITH(ml_fopen("/etc/passwd", "r")) == ENOENT, "fopen(/etc/passwd, r): errno %d", ML_ERRNO);
    /* outside /tmp the file tree is read-only */
    CHECK(r, ML_FAILED_WITH(ml_fopen("/x", "w")) == EROFS, "fopen(/x, w): errno %d", ML_ERRNO);
    ml_unlink("/tmp/x");
}

/* Each mode string on the host's /dev/urandom with glibc, and on minlibc's:
 * the same refusals (EINVAL, EEXIST), the same flags where glibc opens
 * for reading; where glibc opens for writing (Linux's device takes
 * input), minlibc's read-only device refuses with EACCES. */
static void check_mode_strings_like_glibc(struct report *r)
{
    static const char *const modes[] = { "r", "rb", "rt", "re", "rbe", "reb", "rm", "rc", "rz", "r+", "rb+", "r+b", "r+e",
                                         "rbbbbbe", "rbbbbbbe", "r,ccs=UTF-8", "r,e", "w", "wb", "w+", "wx", "wxe", "a",
                                         "ab", "a+", "ax", "x", "", "R", "+r", "b", " r" };
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        errno = 0;
        FILE *h = fopen("/dev/urandom", modes[i]);
        int host_errno = errno, host_fl = 0, host_fdfl = 0;
        if (h) {
            host_fl = fcntl(fileno(h), F_GETFL) & (O_ACCMODE | O_APPEND);
            host_fdfl = fcntl(fileno(h), F_GETFD);
            fclose(h);
        }
        ML_ERRNO = 0;
        void *f = ml_fopen("/dev/urandom", modes[i]);
        if (!h) {
            CHECK(r, !f && ML_ERRNO == host_errno, "fopen mode \"%s\": minlibc errno %d, glibc errno %d", modes[i], ML_ERRNO,
                  host_errno);
        } else if ((host_fl & O_ACCMODE) == O_RDONLY) {
            int fl = f ? ml_fcntl(ml_fileno(f), F_GETFL) & (O_ACCMODE | O_APPEND) : -1;
            int fdfl = f ? ml_fcntl(ml_fileno(f), F_GETFD) : -1;
            CHECK(r, f && fl == host_fl && fdfl == host_fdfl, "fopen mode \"%s\": minlibc flags %#x/%d, glibc %#x/%d (errno %d)",
                  modes[i], fl, fdfl, host_fl, host_fdfl, ML_ERRNO);
        } else {
            CHECK(r, !f && ML_ERRNO == EACCES, "fopen mode \"%s\" (writing): errno %d, not EACCES", modes[i], ML_ERRNO);
        }
        if (f)
            ml_fclose(f);
    }
}

/* ------------------------------------------------------------ fdopen */

static void check_fdopen(struct report *r)
{
    int fd = ml_open("/dev/urandom", O_RDONLY);
    void *f = ml_fdopen(fd, "r");
    CHECK(r, fd > 2 && f && ml_fileno(f) == fd, "fdopen(%d, r): errno %d", fd, ML_ERRNO);
    if (f) {
        uint64_t a = 0, b = 0;
        CHECK(r, ml_fread(&a, sizeof a, 1, f) == 1 && ml_fread(&b, sizeof b, 1, f) == 1 && a != b, "freads of an fdopen stream");
        CHECK(r, ml_fclose(f) == 0 && ML_FAILED_WITH(ml_fcntl(fd, F_GETFL) >= 0) == EBADF, "fclose left descriptor %d open", fd);
    }

    /* modes against the descriptor's access mode: the same answers as
     * glibc's fdopen on the host's read-only /dev/urandom descriptor */
    static const char *const modes[] = { "r", "rb", "re", "rx", "r+", "w", "wb", "a", "a+", "", "x", "R" };
    int host_fd = open("/dev/urandom", O_RDONLY);
    for (size_t i = 0; host_fd >= 0 && i < sizeof modes / sizeof *modes; i++) {
        int host_copy = dup(host_fd);
        errno = 0;
        FILE *h = fdopen(host_copy, modes[i]);
        int host_errno = errno;
        if (h)
            fclose(h);
        else
            close(host_copy);
        fd = ml_open("/dev/urandom", O_RDONLY);
        ML_ERRNO = 0;
        f = ml_fdopen(fd, modes[i]);
        CHECK(r, (f != NULL) == (h != NULL) && (f || ML_ERRNO == host_errno), "fdopen(read-only, \"%s\"): minlibc %s (errno %d), glibc %s (errno %d)",
              modes[i], f ? "a stream" : "NULL", ML_ERRNO, h ? "a stream" : "NULL", host_errno);
        if (f)
            ml_fclose(f);
        else
            ml_close(fd);
    }
    if (host_fd >= 0)
        close(host_fd);
    CHECK(r, ML_FAILED_WITH(ml_fdopen(-1, "r")) == EBADF && ML_FAILED_WITH(ml_fdopen(12, "r")) == EBADF,
          "fdopen of a closed descriptor: errno %d", ML_ERRNO);

    /* on a copy of the console's descriptor 1: line-buffered (a terminal),
     * "a" sets O_APPEND on the open file it shares with descriptor 1, and
     * fclose closes the copy only */
    char out[64];
    size_t n;
    ml_fflush(ml_stdout);
    host_console_take(out, sizeof out);
    int copy = ml_dup(1);
    f = ml_fdopen(copy, "a");
    CHECK(r, f != NULL, "fdopen(dup(1), a): errno %d", ML_ERRNO);
    if (!f)
        return;
    CHECK(r, (ml_fcntl(1, F_GETFL) & O_APPEND) != 0, "fdopen(.., a) did not set O_APPEND on the shared open file");
    ml_fputs("part", f);
    n = host_console_take(out, sizeof out);
    CHECK(r, n == 0, "a line-buffered stream wrote %s before the newline", show(out, n));
    ml_fputs(" line\n", f);
    n = host_console_take(out, sizeof out);
    CHECK(r, n == 10 && !memcmp(out, "part line\n", 10), "the console stream wrote %s", show(out, n));
    ml_fputs("tail", f);
    CHECK(r, ml_fclose(f) == 0, "fclose of the console stream");
    n = host_console_take(out, sizeof out);
    CHECK(r, n == 4 && !memcmp(out, "tail", 4), "fclose did not flush: %s", show(out, n));
    CHECK(r, ML_FAILED_WITH(ml_fcntl(copy, F_GETFL) >= 0) == EBADF && ml_write(1, "1", 1) == 1, "fclose of the copy closed the wrong descriptor");
    host_console_take(out, sizeof out);
    ml_fcntl(1, F_SETFL, ml_fcntl(1, F_GETFL) & ~O_APPEND);
}

/* ----------------------------------------------------------- freopen */

static void check_freopen(struct report *r)
{
    /* the stream on 4 while 3 is free: a reopen that closed first would
     * land on 3 */
    int placeholder = ml_open("/dev/urandom", O_RDONLY);
    void *f = ml_fopen("/dev/urandom", "r");
    ml_close(placeholder);
    if (!f) {
        report_fail(r, "fopen for freopen: errno %d", ML_ERRNO);
        return;
    }
    int fd = ml_fileno(f);
    struct stat st;
    CHECK(r, ml_freopen("/dev/random", "r", f) == f && ml_fileno(f) == fd, "freopen moved the stream from descriptor %d to %d", fd,
          ml_fileno(f));
    CHECK(r, ml_fstat(fd, &st) == 0 && minor(st.st_rdev) == 8, "after freopen(/dev/random) descriptor %d is not /dev/random", fd);
    CHECK(r, ML_FAILED_WITH(ml_fcntl(placeholder, F_GETFL) >= 0) == EBADF, "freopen left its temporary descriptor %d open",
          placeholder);
    uint64_t a = 0;
    CHECK(r, ml_fread(&a, sizeof a, 1, f) == 1, "fread after freopen");
    /* a failed reopen closes the old descriptor; fclose then fails with EBADF */
    CHECK(r, ML_FAILED_WITH(ml_freopen("/etc/passwd", "r", f)) == ENOENT, "freopen of a missing path: errno %d", ML_ERRNO);
    CHECK(r, ML_FAILED_WITH(ml_fcntl(fd, F_GETFL) >= 0) == EBADF, "a failed freopen left descriptor %d open", fd);
    CHECK(r, ML_FAILED_WITH(ml_fclose(f) == 0) == EBADF, "fclose after a failed freopen: errno %d", ML_ERRNO);
    /* no path: glibc reopens through /proc/self/fd, which no image has */
    f = ml_fopen("/dev/urandom", "r");
    CHECK(r, f && ML_FAILED_WITH(ml_freopen(NULL, "r", f)) == ENOENT, "freopen(NULL, ..): errno %d", ML_ERRNO);
    if (f)
        ml_fclose(f);
    /* freopen(.., stdin) keeps descriptor 0 (restored afterwards) */
    int saved = ml_dup(0);
    CHECK(r, ml_freopen("/dev/urandom", "r", ml_stdin) == ml_stdin && ml_fileno(ml_stdin) == 0 &&
                 ml_fread(&a, sizeof a, 1, ml_stdin) == 1 && !ml_isatty(0),
          "freopen(/dev/urandom, r, stdin) does not read the device on descriptor 0");
    ml_fflush(ml_stdin);
    CHECK(r, ml_dup2(saved, 0) == 0 && ml_close(saved) == 0 && ml_isatty(0), "restoring descriptor 0");
}

/* ------------------------------------------------------- duplication */

static void check_dup(struct report *r)
{
    unsigned char a[16], b[16];
    int fd = ml_open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    int copy = ml_dup(fd);
    CHECK(r, fd > 2 && copy == fd + 1, "dup(%d) gave %d, not the lowest free descriptor", fd, copy);
    CHECK(r, ml_fcntl(copy, F_GETFD) == 0 && ml_fcntl(fd, F_GETFD) == FD_CLOEXEC, "FD_CLOEXEC is not per descriptor");
    /* status flags belong to the shared open file */
    ml_fcntl(fd, F_SETFL, O_NONBLOCK);
    CHECK(r, ml_fcntl(copy, F_GETFL) == (O_RDONLY | O_NONBLOCK), "F_SETFL through one copy is not seen through the other");
    CHECK(r, ml_close(fd) == 0 && ml_read(copy, a, sizeof a) == (long)sizeof a && ml_read(copy, b, sizeof b) == (long)sizeof b &&
                 memcmp(a, b, sizeof a),
          "the copy does not read after the original was closed");
    CHECK(r, ML_FAILED_WITH(ml_read(fd, a, 1) >= 0) == EBADF, "the closed original still reads");
    ml_close(copy);
    CHECK(r, ML_FAILED_WITH(ml_read(copy, a, 1) >= 0) == EBADF, "the closed copy still reads");

    /* dup2 onto an open descriptor closes it silently; onto itself: nothing */
    int x = ml_open("/dev/urandom", O_RDONLY), y = ml_open("/dev/random", O_RDONLY);
    struct stat st;
    CHECK(r, ml_dup2(x, y) == y && ml_fstat(y, &st) == 0 && minor(st.st_rdev) == 9, "dup2 onto an open descriptor");
    CHECK(r, ml_dup2(x, x) == x && ml_close(x) == 0 && ml_read(y, a, sizeof a) == (long)sizeof a, "dup2 copy after closing x");
    /* a console copy writes to the console and is a terminal */
    char out[16];
    host_console_take(out, sizeof out);
    CHECK(r, ml_dup2(1, y) == y && ml_write(y, "dup", 3) == 3 && ml_isatty(y) == 1, "dup2(1, %d) does not write to the console", y);
    size_t n = host_console_take(out, sizeof out);
    CHECK(r, n == 3 && !memcmp(out, "dup", 3), "the console copy wrote %s", show(out, n));
    ml_close(y);
    /* dup3 and F_DUPFD(_CLOEXEC) */
    x = ml_open("/dev/urandom", O_RDONLY);
    CHECK(r, ml_dup3(x, 9, O_CLOEXEC) == 9 && ml_fcntl(9, F_GETFD) == FD_CLOEXEC, "dup3(.., O_CLOEXEC)");
    CHECK(r, ml_fcntl(x, F_DUPFD, 9) == 10 && ml_fcntl(10, F_GETFD) == 0, "F_DUPFD from 9 did not give 10");
    CHECK(r, ml_fcntl(x, F_DUPFD_CLOEXEC, 0) == x + 1 && ml_fcntl(x + 1, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC from 0");
    ml_close(9);
    ml_close(10);
    ml_close(x + 1);

    /* the console's attributes are the device's, the same through a copy */
    struct termios t0, t1, t2;
    int copy0 = ml_dup(0);
    ml_tcgetattr(0, &t0);
    t1 = t0;
    t1.c_lflag ^= ECHO;
    CHECK(r, ml_tcsetattr(0, TCSANOW, &t1) == 0 && ml_tcgetattr(copy0, &t2) == 0 && t2.c_lflag == t1.c_lflag,
          "tcsetattr on 0 is not seen through dup(0)");
    ml_tcsetattr(0, TCSANOW, &t0);
    ml_close(copy0);

    /* a full table: EMFILE; dup2 onto an open number still works */
    int fds[300], k = 0;
    while (k < 300 && (fds[k] = ml_open("/dev/urandom", O_RDONLY)) >= 0)
        k++;
    CHECK(r, ML_FAILED_WITH(ml_dup(x) >= 0) == EMFILE && ML_FAILED_WITH(ml_fcntl(x, F_DUPFD, 0) >= 0) == EMFILE,
          "dup with the table full: errno %d", ML_ERRNO);
    CHECK(r, ml_dup2(1, fds[k - 1]) == fds[k - 1] && ml_isatty(fds[k - 1]), "dup2 with the table full");
    for (int i = 0; i < k; i++)
        ml_close(fds[i]);

    /* errors: the host kernel's answers, with its own limit standing in for ours */
    struct rlimit lim;
    getrlimit(RLIMIT_NOFILE, &lim);
    int host_limit = (int)lim.rlim_cur, ml_limit = (int)ml_sysconf(_SC_OPEN_MAX);
    int hx = open("/dev/urandom", O_RDONLY);
    static const char *const what[] = { "dup3(x, x, 0)", "dup3(x, y, bad flag)", "dup2(x, -1)", "dup2(x, limit)", "dup3(-1, y, 0)",
                                        "dup2(-1, -1)", "dup(-1)", "F_DUPFD -1", "F_DUPFD limit" };
    for (int i = 0; i < 9; i++) {
        int host_err, ml_err;
        errno = 0;
        ML_ERRNO = 0;
        switch (i) {
        case 0: dup3(hx, hx, 0), ml_dup3(x, x, 0); break;
        case 1: dup3(hx, 200, 1), ml_dup3(x, 12, 1); break;
        case 2: dup2(hx, -1), ml_dup2(x, -1); break;
        case 3: dup2(hx, host_limit), ml_dup2(x, ml_limit); break;
        case 4: dup3(-1, 200, 0), ml_dup3(-1, 12, 0); break;
        case 5: dup2(-1, -1), ml_dup2(-1, -1); break;
        case 6: dup(-1), ml_dup(-1); break;
        case 7: fcntl(hx, F_DUPFD, -1), ml_fcntl(x, F_DUPFD, -1); break;
        case 8: fcntl(hx, F_DUPFD, host_limit), ml_fcntl(x, F_DUPFD, ml_limit); break;
        }
        host_err = errno;
        ml_err = ML_ERRNO;
        CHECK(r, host_err != 0 && ml_err == host_err, "%s: minlibc errno %d, Linux %d", what[i], ml_err, host_err);
    }
    close(hx);
    ml_close(x);
}

/* ------------------------------------------------- no leak, no small pool */

static void check_many_cycles(struct report *r)
{
    /* as many streams at once as descriptors are free */
    void *open_streams[300];
    int k = 0;
    while (k < 300 && (open_streams[k] = ml_fopen("/dev/urandom", "r")) != NULL)
        k++;
    CHECK(r, ML_ERRNO == EMFILE && k == ml_sysconf(_SC_OPEN_MAX) - 3 && ml_sysconf(_SC_STREAM_MAX) >= k + 3,
          "%d streams opened besides the console's (errno %d), _SC_STREAM_MAX %ld", k, ML_ERRNO, ml_sysconf(_SC_STREAM_MAX));
    for (int i = 0; i < k; i++) {
        uint64_t v;
        CHECK(r, ml_fread(&v, sizeof v, 1, open_streams[i]) == 1, "stream %d of %d does not read", i, k);
        ml_fclose(open_streams[i]);
    }

    /* 1000 cycles: every one gets the same descriptor, memory comes back */
    void *f = ml_fopen("/dev/urandom", "r");
    int fd = f ? ml_fileno(f) : -1;
    uint64_t v;
    if (f) {
        ml_fread(&v, sizeof v, 1, f);
        ml_fclose(f);
    }
    size_t pages = host_pages_live();
    for (int i = 0; i < 1000; i++) {
        f = ml_fopen("/dev/urandom", "r");
        if (!f || ml_fileno(f) != fd || ml_fread(&v, sizeof v, 1, f) != 1 || ml_fclose(f) != 0) {
            report_fail(r, "fopen/fread/fclose cycle %d failed (errno %d)", i, ML_ERRNO);
            break;
        }
        int d = ml_open("/dev/random", O_RDONLY);
        f = ml_fdopen(d, "rb");
        if (!f || ml_getc(f) < 0 || ml_fclose(f) != 0) {
            report_fail(r, "open/fdopen/getc/fclose cycle %d failed (errno %d)", i, ML_ERRNO);
            break;
        }
    }
    CHECK(r, host_pages_live() == pages, "1000 stream cycles kept %zd pages", (ssize_t)(host_pages_live() - pages));
    int next = ml_open("/dev/urandom", O_RDONLY);
    CHECK(r, next == fd, "after the cycles the lowest free descriptor is %d, not %d", next, fd);
    ml_close(next);
}

/* ------------------------------------------------------------ splitmix */

/* splitmix 0.1.0.4's splitmix_init (cbits-unix/init.c), call for call on
 * minlibc: read 8 bytes from a /dev/urandom stream, or the constant
 * 0xfeed1000 when that read fails, or mix the time and pid when fopen
 * fails. `source` tells which way it went. */
enum seed_source { SEED_URANDOM, SEED_CONSTANT, SEED_TIME };

static uint64_t splitmix_init_on_minlibc(enum seed_source *source)
{
    void *urandom = ml_fopen("/dev/urandom", "r");
    if (urandom) {
        uint64_t result = 0;
        size_t got = ml_fread(&result, sizeof(uint64_t), 1, urandom);
        ml_fclose(urandom);
        *source = got == 1 ? SEED_URANDOM : SEED_CONSTANT;
        return got == 1 ? result : 0xfeed1000;
    }
    struct timeval tp = { 0, 0 };
    ml_gettimeofday(&tp, NULL);
    *source = SEED_TIME;
    return (uint64_t)tp.tv_sec ^ (uint64_t)tp.tv_usec ^ ((uint64_t)ml_clock() << 16) ^ ((uint64_t)ml_getpid() << 32);
}

static void check_splitmix_seed(struct report *r)
{
    int before = ml_open("/dev/urandom", O_RDONLY);
    ml_close(before);
    enum { N = 200 };
    static uint64_t seeds[N];
    for (int i = 0; i < N; i++) {
        enum seed_source source;
        seeds[i] = splitmix_init_on_minlibc(&source);
        if (source != SEED_URANDOM) {
            report_fail(r, "splitmix_init call %d seeded from %s, not /dev/urandom (errno %d)", i,
                        source == SEED_TIME ? "the time (fopen failed)" : "its constant (fread failed)", ML_ERRNO);
            return;
        }
        for (int j = 0; j < i; j++)
            CHECK(r, seeds[j] != seeds[i], "splitmix_init calls %d and %d gave the same seed %#llx", j, i, (unsigned long long)seeds[i]);
    }
    int after = ml_open("/dev/urandom", O_RDONLY);
    CHECK(r, after == before, "splitmix_init leaked a descriptor: next is %d, was %d", after, before);
    ml_close(after);

    /* Without a generator fopen fails, so splitmix mixes the clock and
     * the pid instead of taking its constant. Only a generator that fails
     * after the open (retries exhausted) still leads it to the constant. */
    static const struct { enum host_entropy state; enum seed_source expected; const char *what; } failing[] = {
        { HOST_ENTROPY_NONE, SEED_TIME, "without a generator" },
        { HOST_ENTROPY_EXHAUSTED, SEED_CONSTANT, "on an exhausted generator" },
    };
    static const char *const source_names[] = { "/dev/urandom", "its constant", "the time" };
    for (size_t i = 0; i < sizeof failing / sizeof *failing; i++) {
        enum seed_source source;
        host_set_entropy(failing[i].state);
        splitmix_init_on_minlibc(&source);
        host_set_entropy(HOST_ENTROPY_WORKS);
        CHECK(r, source == failing[i].expected, "splitmix_init %s seeded from %s, not %s", failing[i].what, source_names[source],
              source_names[failing[i].expected]);
    }
    after = ml_open("/dev/urandom", O_RDONLY);
    CHECK(r, after == before, "splitmix_init with a failing generator leaked a descriptor: next is %d, was %d", after, before);
    ml_close(after);
}

unsigned long suite_streams(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    (void)seed; (void)cases;
    struct report r = { buf, cap, 0, 0 };
    check_console_descriptors_open_at_start(&r);
    check_urandom_stream(&r);
    check_fopen_follows_open(&r);
    check_mode_strings_like_glibc(&r);
    check_fdopen(&r);
    check_freopen(&r);
    check_dup(&r);
    check_many_cycles(&r);
    check_splitmix_seed(&r);
    return r.failures;
}
