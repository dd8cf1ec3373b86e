/*
 * The console device behind descriptors 0, 1 and 2 (the descriptor table
 * and the generic calls are in fd.c). Console input is pulled from the
 * platform into a small buffer so that poll/select can tell whether input
 * is pending without consuming it.
 */
#include "internal.h"
#include "console_fd.h"
#include "fd.h"
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <termios.h>

static char in_buf[1024];
static size_t in_len;

size_t __minlibc_console_pending(void)
{
    if (in_len < sizeof in_buf)
        in_len += halvm_console_read(in_buf + in_len, sizeof in_buf - in_len);
    return in_len;
}

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

static ssize_t console_read(struct open_file *f, void *buf, size_t n)
{
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

static ssize_t console_write(const void *buf, size_t n)
{
    return (ssize_t)halvm_console_write(buf, n);
}

static int console_readable(void) { return __minlibc_console_pending() > 0; }

const struct fd_device __minlibc_console_device = {
    .read = console_read,
    .write = console_write,
    .readable = console_readable,
    .seek = NULL,
    .mode = S_IFCHR | 0620,
    .rdev = (5UL << 8) | 1, /* like /dev/console */
    .blksize = 1024,
    .tty = 1,
};

/* The console has no line discipline: its attributes are recorded (so
 * save/restore round trips work) but change nothing. Like a terminal's on
 * Linux they belong to the device, the same through every descriptor on
 * it (0, 1, 2 and their duplicates). */
static struct termios console_termios;
static int console_termios_set;

/* 0 for a console descriptor, else the errno for a terminal call on it. */
static int terminal_errno(int fd)
{
    if (!__minlibc_fd(fd))
        return EBADF;
    return __minlibc_fd_is_console(fd) ? 0 : ENOTTY;
}

int tcgetattr(int fd, struct termios *t)
{
    int e = terminal_errno(fd);
    if (e)
        MINLIBC_FAIL(e, -1);
    if (!console_termios_set) {
        memset(&console_termios, 0, sizeof console_termios);
        console_termios.c_cflag = CS8 | CREAD;
        console_termios.c_ispeed = console_termios.c_ospeed = B115200;
        console_termios.c_cc[VMIN] = 1;
        console_termios_set = 1;
    }
    *t = console_termios;
    return 0;
}

int tcsetattr(int fd, int action, const struct termios *t)
{
    int e = terminal_errno(fd);
    if (e)
        MINLIBC_FAIL(e, -1);
    if (action != TCSANOW && action != TCSADRAIN && action != TCSAFLUSH)
        MINLIBC_FAIL(EINVAL, -1);
    console_termios = *t;
    console_termios_set = 1;
    return 0;
}
