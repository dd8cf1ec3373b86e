/*
 * File descriptors 0, 1 and 2: the console. They are the only descriptors
 * that exist; any other number is EBADF, and nothing can open a new one
 * (see unsupported_fs.c). Console input is pulled from the platform into a
 * small buffer so that poll/select can tell whether input is pending
 * without consuming it.
 */
#include "internal.h"
#include "console_fd.h"
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <string.h>
#include <termios.h>

static struct console_fd fds[3] = {
    { 1, O_RDONLY, 0 },
    { 1, O_WRONLY, 0 },
    { 1, O_WRONLY, 0 },
};

static char in_buf[1024];
static size_t in_len;

struct console_fd *__minlibc_console_fd(int fd)
{
    if (fd < 0 || fd > 2 || !fds[fd].open)
        return NULL;
    return &fds[fd];
}

size_t __minlibc_console_pending(void)
{
    if (in_len < sizeof in_buf)
        in_len += halvm_console_read(in_buf + in_len, sizeof in_buf - in_len);
    return in_len;
}

/* Waits until console input is pending or the deadline passes;
 * returns non-zero when input is pending. */
int __minlibc_console_wait(uint64_t deadline_ns)
{
    for (;;) {
        if (__minlibc_console_pending())
            return 1;
        if (deadline_ns != UINT64_MAX && halvm_monotonic_ns() >= deadline_ns)
            return 0;
        halvm_block_until(deadline_ns);
    }
}

ssize_t read(int fd, void *buf, size_t n)
{
    struct console_fd *f = __minlibc_console_fd(fd);
    if (!f || (f->flags & O_ACCMODE) == O_WRONLY)
        MINLIBC_FAIL(EBADF, -1);
    if (n == 0)
        return 0;
    if (!__minlibc_console_pending()) {
        if (f->flags & O_NONBLOCK)
            MINLIBC_FAIL(EAGAIN, -1);
        __minlibc_console_wait(UINT64_MAX);
    }
    size_t k = n < in_len ? n : in_len;
    memcpy(buf, in_buf, k);
    memmove(in_buf, in_buf + k, in_len - k);
    in_len -= k;
    return (ssize_t)k;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    struct console_fd *f = __minlibc_console_fd(fd);
    if (!f || (f->flags & O_ACCMODE) == O_RDONLY)
        MINLIBC_FAIL(EBADF, -1);
    return (ssize_t)halvm_console_write(buf, n);
}

ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
    if (cnt < 0)
        MINLIBC_FAIL(EINVAL, -1);
    ssize_t total = 0;
    for (int i = 0; i < cnt; i++) {
        if (iov[i].iov_len == 0)
            continue;
        ssize_t r = read(fd, iov[i].iov_base, iov[i].iov_len);
        if (r < 0)
            return total ? total : -1;
        total += r;
        if ((size_t)r < iov[i].iov_len || !__minlibc_console_pending())
            break;
    }
    return total;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    if (cnt < 0)
        MINLIBC_FAIL(EINVAL, -1);
    ssize_t total = 0;
    for (int i = 0; i < cnt; i++) {
        ssize_t r = write(fd, iov[i].iov_base, iov[i].iov_len);
        if (r < 0)
            return total ? total : -1;
        total += r;
    }
    return total;
}

int close(int fd)
{
    struct console_fd *f = __minlibc_console_fd(fd);
    if (!f)
        MINLIBC_FAIL(EBADF, -1);
    f->open = 0;
    return 0;
}

int isatty(int fd)
{
    if (!__minlibc_console_fd(fd))
        MINLIBC_FAIL(EBADF, 0);
    return 1;
}

int fstat(int fd, struct stat *st)
{
    if (!__minlibc_console_fd(fd))
        MINLIBC_FAIL(EBADF, -1);
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFCHR | 0620;
    st->st_nlink = 1;
    st->st_blksize = 1024;
    st->st_rdev = (5UL << 8) | 1; /* like /dev/console */
    return 0;
}

/* glibc's large-file name, see stat64 in unsupported.c */
int fstat64(int, struct stat *) __attribute__((alias("fstat")));

off_t lseek(int fd, off_t off, int whence)
{
    (void)off;
    (void)whence;
    if (!__minlibc_console_fd(fd))
        MINLIBC_FAIL(EBADF, -1);
    MINLIBC_FAIL(ESPIPE, -1);
}

int fcntl(int fd, int cmd, ...)
{
    struct console_fd *f = __minlibc_console_fd(fd);
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);
    va_end(ap);
    if (!f)
        MINLIBC_FAIL(EBADF, -1);
    switch (cmd) {
    case F_GETFL:
        return f->flags;
    case F_SETFL:
        f->flags = (f->flags & O_ACCMODE) | ((int)arg & (O_NONBLOCK | O_APPEND));
        return 0;
    case F_GETFD:
        return f->fd_flags;
    case F_SETFD:
        f->fd_flags = (int)arg & FD_CLOEXEC;
        return 0;
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        MINLIBC_FAIL(EMFILE, -1);
    default:
        MINLIBC_FAIL(EINVAL, -1);
    }
}

/* The console has no line discipline: the attributes are recorded per
 * descriptor (so save/restore round trips work) but change nothing. */
static struct termios console_termios[3];
static int console_termios_set[3];

int tcgetattr(int fd, struct termios *t)
{
    if (!__minlibc_console_fd(fd))
        MINLIBC_FAIL(EBADF, -1);
    if (!console_termios_set[fd]) {
        memset(&console_termios[fd], 0, sizeof console_termios[fd]);
        console_termios[fd].c_cflag = CS8 | CREAD;
        console_termios[fd].c_ispeed = console_termios[fd].c_ospeed = B115200;
        console_termios[fd].c_cc[VMIN] = 1;
        console_termios_set[fd] = 1;
    }
    *t = console_termios[fd];
    return 0;
}

int tcsetattr(int fd, int action, const struct termios *t)
{
    if (!__minlibc_console_fd(fd))
        MINLIBC_FAIL(EBADF, -1);
    if (action != TCSANOW && action != TCSADRAIN && action != TCSAFLUSH)
        MINLIBC_FAIL(EINVAL, -1);
    console_termios[fd] = *t;
    console_termios_set[fd] = 1;
    return 0;
}
