/*
 * poll and select over the descriptors of fd.c: the console's 0 is
 * readable when console input is pending, 1 and 2 are always writable; a
 * random device descriptor is always readable. Waiting halts the CPU
 * until input or the timeout (the GHC runtime's awaitEvent and threadDelay
 * land here in the non-threaded RTS).
 */
#include "internal.h"
#include "console_fd.h"
#include "fd.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/ioctl.h>
#include <string.h>
#include <time.h>

/* The open file's own poll() events (sockets), or NULL. */
static int (*own_revents(struct open_file *f))(struct open_file *, int)
{
    return (f && f->dev->file) ? f->dev->file->revents : NULL;
}

static int readable(int fd)
{
    struct open_file *f = __minlibc_fd(fd);
    /* select: a socket with an error or hung up is readable (Linux) */
    if (own_revents(f))
        return own_revents(f)(f, POLLIN) != 0;
    return f && (f->flags & O_ACCMODE) != O_WRONLY && f->dev->readable();
}

static int writable(int fd)
{
    struct open_file *f = __minlibc_fd(fd);
    if (own_revents(f))
        return (own_revents(f)(f, POLLOUT) & (POLLOUT | POLLERR)) != 0;
    return f && (f->flags & O_ACCMODE) != O_RDONLY;
}

static int poll_once(struct pollfd *fds, nfds_t n)
{
    int ready = 0;
    for (nfds_t i = 0; i < n; i++) {
        struct pollfd *p = &fds[i];
        p->revents = 0;
        if (p->fd < 0)
            continue;
        struct open_file *f = __minlibc_fd(p->fd);
        if (!f) {
            p->revents = POLLNVAL;
        } else if (own_revents(f)) {
            p->revents = (short)own_revents(f)(f, p->events);
        } else {
            if ((p->events & (POLLIN | POLLRDNORM)) && readable(p->fd))
                p->revents |= p->events & (POLLIN | POLLRDNORM);
            if ((p->events & (POLLOUT | POLLWRNORM)) && writable(p->fd))
                p->revents |= p->events & (POLLOUT | POLLWRNORM);
        }
        if (p->revents)
            ready++;
    }
    return ready;
}

static uint64_t deadline_after_ms(int ms)
{
    if (ms < 0)
        return UINT64_MAX;
    return halvm_monotonic_ns() + (uint64_t)ms * 1000000u;
}

/* Waits until check() reports readiness or the deadline passes. */
static int wait_loop(int (*check)(void *), void *arg, uint64_t deadline)
{
    for (;;) {
        int r = check(arg);
        if (r != 0)
            return r;
        if (deadline != UINT64_MAX && halvm_monotonic_ns() >= deadline)
            return 0;
        halvm_block_until(deadline);
    }
}

struct poll_args { struct pollfd *fds; nfds_t n; };
static int poll_check(void *a) { struct poll_args *p = a; return poll_once(p->fds, p->n); }

int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    if (n > 1024)
        MINLIBC_FAIL(EINVAL, -1);
    struct poll_args a = { fds, n };
    return wait_loop(poll_check, &a, deadline_after_ms(timeout_ms));
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
    (void)mask; /* no signal can arrive while waiting */
    if (n > 1024)
        MINLIBC_FAIL(EINVAL, -1);
    uint64_t deadline = UINT64_MAX;
    if (ts)
        deadline = halvm_monotonic_ns() + (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
    struct poll_args a = { fds, n };
    return wait_loop(poll_check, &a, deadline);
}

struct select_args { int n; fd_set *r, *w, *e; fd_set in_r, in_w; };

static int select_check(void *arg)
{
    struct select_args *a = arg;
    int ready = 0;
    fd_set out_r, out_w;
    FD_ZERO(&out_r);
    FD_ZERO(&out_w);
    for (int fd = 0; fd < a->n; fd++) {
        if (a->r && FD_ISSET(fd, &a->in_r) && readable(fd)) { FD_SET(fd, &out_r); ready++; }
        if (a->w && FD_ISSET(fd, &a->in_w) && writable(fd)) { FD_SET(fd, &out_w); ready++; }
    }
    if (ready) {
        if (a->r) *a->r = out_r;
        if (a->w) *a->w = out_w;
        if (a->e) FD_ZERO(a->e);
    }
    return ready;
}

static int select_common(int n, fd_set *r, fd_set *w, fd_set *e, uint64_t deadline)
{
    if (n < 0 || n > FD_SETSIZE)
        MINLIBC_FAIL(EINVAL, -1);
    struct select_args a = { n, r, w, e, { { 0 } }, { { 0 } } };
    for (int fd = 0; fd < n; fd++) {
        int asked = (r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (e && FD_ISSET(fd, e));
        if (asked && !__minlibc_fd(fd))
            MINLIBC_FAIL(EBADF, -1);
    }
    if (r) a.in_r = *r;
    if (w) a.in_w = *w;
    int ready = wait_loop(select_check, &a, deadline);
    if (ready == 0) {
        if (r) FD_ZERO(r);
        if (w) FD_ZERO(w);
        if (e) FD_ZERO(e);
    }
    return ready;
}

int select(int n, fd_set *restrict r, fd_set *restrict w, fd_set *restrict e, struct timeval *restrict tv)
{
    uint64_t deadline = UINT64_MAX;
    if (tv) {
        if (tv->tv_sec < 0 || tv->tv_usec < 0)
            MINLIBC_FAIL(EINVAL, -1);
        deadline = halvm_monotonic_ns() + (uint64_t)tv->tv_sec * 1000000000u + (uint64_t)tv->tv_usec * 1000u;
    }
    int ready = select_common(n, r, w, e, deadline);
    if (tv && ready >= 0) {
        /* like Linux: the timeout is updated to the time not slept */
        uint64_t now = halvm_monotonic_ns();
        uint64_t left = deadline > now ? deadline - now : 0;
        tv->tv_sec = (time_t)(left / 1000000000u);
        tv->tv_usec = (suseconds_t)(left % 1000000000u / 1000u);
    }
    return ready;
}

int pselect(int n, fd_set *restrict r, fd_set *restrict w, fd_set *restrict e,
            const struct timespec *restrict ts, const sigset_t *restrict mask)
{
    (void)mask;
    uint64_t deadline = UINT64_MAX;
    if (ts)
        deadline = halvm_monotonic_ns() + (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
    return select_common(n, r, w, e, deadline);
}

int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    struct open_file *f = __minlibc_fd(fd);
    if (!f)
        MINLIBC_FAIL(EBADF, -1);
    /* any descriptor: FIONBIO sets or clears O_NONBLOCK, as fcntl (Linux) */
    if (req == FIONBIO) {
        if (!arg)
            MINLIBC_FAIL(EFAULT, -1);
        f->flags = *(int *)arg ? (f->flags | O_NONBLOCK) : (f->flags & ~O_NONBLOCK);
        return 0;
    }
    /* console input: the bytes pending (stdin) */
    if (req == FIONREAD && __minlibc_fd_is_console(fd) && (f->flags & O_ACCMODE) != O_WRONLY) {
        *(int *)arg = (int)__minlibc_console_pending();
        return 0;
    }
    if (f->dev->file && f->dev->file->ioctl)
        return f->dev->file->ioctl(f, req, arg);
    MINLIBC_FAIL(ENOTTY, -1);
}
