/*
 * BSD sockets (AF_INET, TCP and UDP) on rts-xen's network stack, through
 * <halvm/net.h>. A socket is a descriptor of fd.c's table whose open file
 * holds the platform's socket handle, so read, write, readv, writev,
 * close, dup, fcntl(O_NONBLOCK), fstat, poll and select work on it like
 * on any descriptor.
 *
 * The platform's calls never block; a blocking socket (no O_NONBLOCK, no
 * MSG_DONTWAIT) retries after halvm_block_until(), which processes
 * arriving packets and wakes when one arrives or the stack's timers are
 * due, until the call succeeds, fails otherwise, or SO_RCVTIMEO /
 * SO_SNDTIMEO pass (EAGAIN). No signal is ever raised: writing to a
 * closed connection fails with EPIPE, MSG_NOSIGNAL or not.
 *
 * What is not supported fails with Linux's errno for the case: other
 * address families (AF_INET6, AF_UNIX: EAFNOSUPPORT), other socket types
 * (ESOCKTNOSUPPORT), socketpair (EOPNOTSUPP), out-of-band data (MSG_OOB:
 * EOPNOTSUPP), unknown options (ENOPROTOOPT).
 */
#include "internal.h"
#include "fd.h"
#include <halvm/net.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Linux's defaults: keep-alive idle time 2 h. */
#define KEEPIDLE_DEFAULT 7200
/* The platform API's structs have these sizes on x86_64 (rts-xen
 * asserts the same on its side). */
_Static_assert(sizeof(struct halvm_net_endpoint) == 8, "struct halvm_net_endpoint");
_Static_assert(sizeof(struct halvm_net_interface) == 44, "struct halvm_net_interface");

/* Handles the platform can hand out (its MAX_HANDLES). */
#define SOCK_HANDLES 256

/* What minlibc records per socket handle: the type, and options the
 * platform does not keep (getsockopt returns what was set). */
static struct sock_state {
    unsigned char type;          /* SOCK_STREAM or SOCK_DGRAM */
    unsigned char reuseaddr, reuseport, keepalive, nodelay, broadcast, oobinline;
    struct linger linger;
    int rcvbuf, sndbuf;          /* as set (0: the platform's size) */
    int keepidle, keepintvl, keepcnt;
    uint64_t rcvtimeo_ns, sndtimeo_ns; /* 0: wait forever */
} socks[SOCK_HANDLES];

static struct sock_state *state_of(int h)
{
    return (h >= 0 && h < SOCK_HANDLES) ? &socks[h] : NULL;
}

/* ---------------------------------------------------------- the device */

static ssize_t sock_read(struct open_file *f, void *buf, size_t n);
static ssize_t sock_write(struct open_file *f, const void *buf, size_t n);
static ssize_t sock_readv(struct open_file *f, const struct iovec *iov, int cnt);
static ssize_t sock_writev(struct open_file *f, const struct iovec *iov, int cnt);
static int sock_revents(struct open_file *f, int events);

static off_t sock_seek(struct open_file *f, off_t off, int whence)
{
    (void)f; (void)off; (void)whence;
    MINLIBC_FAIL(ESPIPE, -1);
}

static void sock_stat(struct open_file *f, struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFSOCK | 0777;
    st->st_nlink = 1;
    st->st_ino = (ino_t)f->sock + 1;
    st->st_blksize = 4096;
}

/* FIONREAD: the bytes waiting (TCP) or the next datagram's length (UDP). */
static int sock_ioctl(struct open_file *f, unsigned long req, void *arg)
{
    if (req != FIONREAD)
        MINLIBC_FAIL(ENOTTY, -1);
    if (!arg)
        MINLIBC_FAIL(EFAULT, -1);
    int n = halvm_net_pending(f->sock);
    if (n < 0)
        MINLIBC_FAIL(-n, -1);
    *(int *)arg = n;
    return 0;
}

static void sock_release(struct open_file *f)
{
    if (f->sock >= 0)
        halvm_net_close(f->sock);
}

/* readv's check between chunks (fd.c): sockets are handled apart. */
static int sock_readable(void) { return 0; }

static const struct fd_file_ops socket_ops = {
    .write = sock_write,
    .seek = sock_seek,
    .stat = sock_stat,
    .release = sock_release,
    .readv = sock_readv,
    .writev = sock_writev,
    .revents = sock_revents,
    .ioctl = sock_ioctl,
};

const struct fd_device __minlibc_socket_device = {
    .read = sock_read,
    .write = NULL,
    .readable = sock_readable,
    .seek = NULL,
    .mode = S_IFSOCK | 0777,
    .rdev = 0,
    .blksize = 4096,
    .tty = 0,
    .file = &socket_ops,
};

/* The socket handle of descriptor `fd` (its open file in *out), or -1
 * with EBADF / ENOTSOCK. */
static int sock_of(int fd, struct open_file **out)
{
    struct open_file *f = __minlibc_fd_on(fd, &__minlibc_socket_device, ENOTSOCK);
    if (!f)
        return -1;
    if (out)
        *out = f;
    return f->sock;
}

/* A platform call's status as a libc one: its negative errno becomes -1
 * with errno set; every call that only reports success or failure ends
 * this way. */
static int platform_status(int r)
{
    if (r < 0)
        MINLIBC_FAIL(-r, -1);
    return 0;
}

/* poll() events: the platform's readiness, an error or hang-up always. */
static int sock_revents(struct open_file *f, int events)
{
    int m = halvm_net_ready(f->sock);
    if (m < 0)
        return POLLERR;
    int r = 0;
    if (m & HALVM_NET_READABLE)
        r |= events & (POLLIN | POLLRDNORM);
    if (m & HALVM_NET_WRITABLE)
        r |= events & (POLLOUT | POLLWRNORM);
    if (m & HALVM_NET_ERROR)
        r |= POLLERR;
    if (m & HALVM_NET_HANGUP)
        r |= POLLHUP;
    return r;
}

/* ----------------------------------------------------------- waiting */

static uint64_t deadline_after(uint64_t ns)
{
    return ns ? halvm_monotonic_ns() + ns : UINT64_MAX;
}

/* Whether a blocked call may wait again (1), or its time is up (0). */
static int wait_more(uint64_t deadline)
{
    if (deadline != UINT64_MAX && halvm_monotonic_ns() >= deadline)
        return 0;
    halvm_block_until(deadline);
    return 1;
}

static int nonblocking(struct open_file *f, int msg_flags)
{
    return (f->flags & O_NONBLOCK) || (msg_flags & MSG_DONTWAIT);
}

/* Whether a call the platform answered with `r` waits and tries again:
 * only for EAGAIN, only on a blocking socket, only before its deadline
 * (waiting processes the packets that may let it succeed). */
static int retry_after_wait(intptr_t r, struct open_file *f, int msg_flags, uint64_t deadline)
{
    return r == -EAGAIN && !nonblocking(f, msg_flags) && wait_more(deadline);
}

/* When a blocking call on handle `h` gives up: SO_RCVTIMEO bounds
 * receiving and accepting, SO_SNDTIMEO sending and connecting (Linux). */
static uint64_t receive_deadline(int h)
{
    struct sock_state *st = state_of(h);
    return deadline_after(st ? st->rcvtimeo_ns : 0);
}

static uint64_t send_deadline(int h)
{
    struct sock_state *st = state_of(h);
    return deadline_after(st ? st->sndtimeo_ns : 0);
}

/* -------------------------------------------------------- addresses */

/* A sockaddr_in argument as an endpoint; -1 with errno when it is none. */
static int endpoint_in(const struct sockaddr *sa, socklen_t len, struct halvm_net_endpoint *ep)
{
    if (!sa)
        MINLIBC_FAIL(EFAULT, -1);
    if (len < (socklen_t)sizeof(sa_family_t))
        MINLIBC_FAIL(EINVAL, -1);
    if (sa->sa_family != AF_INET)
        MINLIBC_FAIL(EAFNOSUPPORT, -1);
    if (len < (socklen_t)sizeof(struct sockaddr_in))
        MINLIBC_FAIL(EINVAL, -1);
    struct sockaddr_in in;
    memcpy(&in, sa, sizeof in);
    ep->addr = __builtin_bswap32(in.sin_addr.s_addr);
    ep->port = __builtin_bswap16(in.sin_port);
    ep->reserved = 0;
    return 0;
}

/* Stores an endpoint as a sockaddr_in, truncated to *len (POSIX), and
 * sets *len to the full size. Nothing when `sa` is NULL. */
static int endpoint_out(const struct halvm_net_endpoint *ep, struct sockaddr *sa, socklen_t *len)
{
    if (!sa)
        return 0;
    if (!len)
        MINLIBC_FAIL(EFAULT, -1);
    if ((int)*len < 0)
        MINLIBC_FAIL(EINVAL, -1);
    struct sockaddr_in in;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_port = __builtin_bswap16(ep->port);
    in.sin_addr.s_addr = __builtin_bswap32(ep->addr);
    memcpy(sa, &in, *len < sizeof in ? *len : sizeof in);
    *len = sizeof in;
    return 0;
}

/* ------------------------------------------------------- the calls */

/* A new socket descriptor, its handle not set yet; socket() and accept4()
 * take the same SOCK_NONBLOCK / SOCK_CLOEXEC flags. -1 with errno
 * (EMFILE) when the table is full. */
static int open_socket_descriptor(int flags)
{
    return __minlibc_open_node(&__minlibc_socket_device,
                               O_RDWR | ((flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0) |
                               ((flags & SOCK_CLOEXEC) ? O_CLOEXEC : 0), NULL);
}

/* A descriptor on handle `h` (the handle is closed when there is none). */
static int new_descriptor(int h, int flags)
{
    int fd = open_socket_descriptor(flags);
    if (fd < 0) {
        halvm_net_close(h);
        return -1;
    }
    __minlibc_fd(fd)->sock = h;
    return fd;
}

int socket(int domain, int type, int protocol)
{
    int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
    type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (domain != AF_INET)
        MINLIBC_FAIL(EAFNOSUPPORT, -1);
    int kind;
    if (type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP))
        kind = HALVM_NET_TCP;
    else if (type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP))
        kind = HALVM_NET_UDP;
    else if (type == SOCK_STREAM || type == SOCK_DGRAM)
        MINLIBC_FAIL(EPROTONOSUPPORT, -1);
    else if (type >= SOCK_STREAM && type <= SOCK_PACKET)
        MINLIBC_FAIL(ESOCKTNOSUPPORT, -1);
    else
        MINLIBC_FAIL(EINVAL, -1);
    int h = halvm_net_socket(kind);
    if (h < 0)
        MINLIBC_FAIL(-h, -1);
    struct sock_state *st = state_of(h);
    if (!st) {
        halvm_net_close(h);
        MINLIBC_FAIL(EMFILE, -1);
    }
    memset(st, 0, sizeof *st);
    st->type = (unsigned char)type;
    return new_descriptor(h, flags);
}

int socketpair(int domain, int type, int protocol, int sv[2])
{
    (void)type; (void)protocol; (void)sv;
    /* Linux: socketpair exists for AF_UNIX only (EOPNOTSUPP for AF_INET);
     * halvm has no AF_UNIX sockets */
    MINLIBC_FAIL(domain == AF_INET ? EOPNOTSUPP : EAFNOSUPPORT, -1);
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    int h = sock_of(fd, NULL);
    if (h < 0)
        return -1;
    struct halvm_net_endpoint ep;
    if (endpoint_in(addr, len, &ep) < 0)
        return -1;
    return platform_status(halvm_net_bind(h, &ep));
}

int listen(int fd, int backlog)
{
    int h = sock_of(fd, NULL);
    if (h < 0)
        return -1;
    return platform_status(halvm_net_listen(h, backlog));
}

int accept4(int fd, struct sockaddr *restrict addr, socklen_t *restrict len, int flags)
{
    struct open_file *f;
    int h = sock_of(fd, &f);
    if (h < 0)
        return -1;
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        MINLIBC_FAIL(EINVAL, -1);
    if (addr && !len)
        MINLIBC_FAIL(EFAULT, -1);
    struct sock_state *lst = state_of(h);
    uint64_t deadline = receive_deadline(h);
    /* the descriptor first: with a full table the connection stays
     * pending (EMFILE), as on Linux, instead of being taken and lost */
    int nfd = open_socket_descriptor(flags);
    if (nfd < 0)
        return -1;
    struct open_file *nf = __minlibc_fd(nfd);
    nf->sock = -1; /* nothing to release until the accept succeeds */
    struct halvm_net_endpoint peer;
    int n;
    for (;;) {
        n = halvm_net_accept(h, &peer);
        if (!retry_after_wait(n, f, 0, deadline))
            break;
    }
    if (n < 0) {
        close(nfd);
        MINLIBC_FAIL(-n, -1);
    }
    nf->sock = n;
    struct sock_state *st = state_of(n);
    if (st && lst) {
        /* Linux: an accepted socket inherits the listener's options */
        *st = *lst;
    }
    endpoint_out(&peer, addr, len);
    return nfd;
}

int accept(int fd, struct sockaddr *restrict addr, socklen_t *restrict len)
{
    return accept4(fd, addr, len, 0);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    struct open_file *f;
    int h = sock_of(fd, &f);
    if (h < 0)
        return -1;
    struct halvm_net_endpoint ep = { 0, 0, 0 };
    if (addr && len >= (socklen_t)sizeof(sa_family_t) && addr->sa_family == AF_UNSPEC &&
        halvm_net_kind(h) == HALVM_NET_UDP) {
        /* dissolves a datagram socket's association (Linux) */
    } else if (endpoint_in(addr, len, &ep) < 0) {
        return -1;
    }
    int r = halvm_net_connect(h, &ep);
    if (r == -EINPROGRESS && !nonblocking(f, 0)) {
        uint64_t deadline = send_deadline(h);
        for (;;) {
            int m = halvm_net_ready(h);
            if (m < 0)
                MINLIBC_FAIL(-m, -1);
            if (m & (HALVM_NET_WRITABLE | HALVM_NET_ERROR))
                break;
            if (!wait_more(deadline))
                MINLIBC_FAIL(EINPROGRESS, -1);
        }
        r = -halvm_net_take_error(h);
    }
    return platform_status(r);
}

int shutdown(int fd, int how)
{
    int h = sock_of(fd, NULL);
    if (h < 0)
        return -1;
    return platform_status(halvm_net_shutdown(h, how));
}

/* getsockname and getpeername differ only in which end the platform
 * reports (halvm_net_local or halvm_net_peer). */
static int report_endpoint(int fd, int (*which_end)(int, struct halvm_net_endpoint *),
                           struct sockaddr *addr, socklen_t *len)
{
    int h = sock_of(fd, NULL);
    if (h < 0)
        return -1;
    if (!addr || !len)
        MINLIBC_FAIL(EFAULT, -1);
    struct halvm_net_endpoint ep;
    if (platform_status(which_end(h, &ep)) < 0)
        return -1;
    return endpoint_out(&ep, addr, len);
}

int getsockname(int fd, struct sockaddr *restrict addr, socklen_t *restrict len)
{
    return report_endpoint(fd, halvm_net_local, addr, len);
}

int getpeername(int fd, struct sockaddr *restrict addr, socklen_t *restrict len)
{
    return report_endpoint(fd, halvm_net_peer, addr, len);
}

int sockatmark(int fd)
{
    /* no out-of-band data is ever received */
    return sock_of(fd, NULL) < 0 ? -1 : 0;
}

/* ------------------------------------------------------ sending */

/* What sending and receiving check of the caller's buffer alike: EFAULT
 * when there is none for a non-zero length, and at most MINLIBC_RW_MAX
 * bytes moved by one call (Linux's cap), which *n is cut to. */
static int checked_io_length(const void *buf, size_t *n)
{
    if (!buf && *n)
        MINLIBC_FAIL(EFAULT, -1);
    if (*n > MINLIBC_RW_MAX)
        *n = MINLIBC_RW_MAX;
    return 0;
}

static const int SEND_FLAGS = MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_EOR | MSG_CONFIRM | MSG_DONTROUTE;

/* One send: a stream socket in blocking mode sends everything (or fails
 * having sent nothing); otherwise as much as fits. */
static ssize_t send_common(struct open_file *f, const void *buf, size_t n, int flags,
                           const struct halvm_net_endpoint *to)
{
    if (flags & MSG_OOB)
        MINLIBC_FAIL(EOPNOTSUPP, -1);
    if (flags & ~SEND_FLAGS)
        MINLIBC_FAIL(EINVAL, -1);
    if (checked_io_length(buf, &n) < 0)
        return -1;
    int h = f->sock;
    int stream = halvm_net_kind(h) == HALVM_NET_TCP;
    uint64_t deadline = send_deadline(h);
    size_t done = 0;
    for (;;) {
        intptr_t r = halvm_net_send(h, (const char *)buf + done, n - done, stream ? NULL : to);
        if (r >= 0) {
            done += (size_t)r;
            if (!stream || done == n || nonblocking(f, flags))
                return (ssize_t)done;
            continue;
        }
        if (!retry_after_wait(r, f, flags, deadline)) {
            if (done)
                return (ssize_t)done;
            MINLIBC_FAIL((int)-r, -1);
        }
    }
}

static ssize_t sock_write(struct open_file *f, const void *buf, size_t n)
{
    return send_common(f, buf, n, 0, NULL);
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    struct open_file *f;
    if (sock_of(fd, &f) < 0)
        return -1;
    return send_common(f, buf, n, flags, NULL);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr, socklen_t len)
{
    struct open_file *f;
    if (sock_of(fd, &f) < 0)
        return -1;
    struct halvm_net_endpoint ep;
    /* a stream socket ignores the address (Linux) */
    if (!addr || halvm_net_kind(f->sock) == HALVM_NET_TCP)
        return send_common(f, buf, n, flags, NULL);
    if (endpoint_in(addr, len, &ep) < 0)
        return -1;
    return send_common(f, buf, n, flags, &ep);
}

/* The total length of an iovec array, or -1 with EINVAL. */
static ssize_t iov_total(const struct iovec *iov, size_t cnt)
{
    if (cnt > 1024 || (cnt && !iov))
        MINLIBC_FAIL(cnt ? EINVAL : EFAULT, -1);
    size_t total = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (iov[i].iov_len > MINLIBC_RW_MAX - total)
            MINLIBC_FAIL(EINVAL, -1);
        total += iov[i].iov_len;
    }
    return (ssize_t)total;
}

/* Gathers the iovecs: a datagram goes as one (copied into one buffer);
 * a stream sends piece by piece, stopping at a short send. */
static ssize_t sendv(struct open_file *f, const struct iovec *iov, size_t cnt, int flags,
                     const struct halvm_net_endpoint *to)
{
    ssize_t total = iov_total(iov, cnt);
    if (total < 0)
        return -1;
    if (halvm_net_kind(f->sock) == HALVM_NET_UDP) {
        if (total > HALVM_NET_UDP_MAX_PAYLOAD)
            MINLIBC_FAIL(EMSGSIZE, -1);
        char *tmp = malloc(total ? (size_t)total : 1);
        if (!tmp)
            MINLIBC_FAIL(ENOBUFS, -1);
        size_t at = 0;
        for (size_t i = 0; i < cnt; i++) {
            memcpy(tmp + at, iov[i].iov_base, iov[i].iov_len);
            at += iov[i].iov_len;
        }
        ssize_t r = send_common(f, tmp, (size_t)total, flags, to);
        free(tmp);
        return r;
    }
    ssize_t done = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (!iov[i].iov_len)
            continue;
        ssize_t r = send_common(f, iov[i].iov_base, iov[i].iov_len, flags, NULL);
        if (r < 0)
            return done ? done : -1;
        done += r;
        if ((size_t)r < iov[i].iov_len)
            break;
    }
    return done;
}

static ssize_t sock_writev(struct open_file *f, const struct iovec *iov, int cnt)
{
    return sendv(f, iov, (size_t)cnt, 0, NULL);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    struct open_file *f;
    if (sock_of(fd, &f) < 0)
        return -1;
    if (!msg)
        MINLIBC_FAIL(EFAULT, -1);
    if (msg->msg_controllen)
        MINLIBC_FAIL(EOPNOTSUPP, -1); /* no ancillary data is supported */
    struct halvm_net_endpoint ep, *to = NULL;
    if (msg->msg_name && halvm_net_kind(f->sock) == HALVM_NET_UDP) {
        if (endpoint_in(msg->msg_name, msg->msg_namelen, &ep) < 0)
            return -1;
        to = &ep;
    }
    return sendv(f, msg->msg_iov, msg->msg_iovlen, flags, to);
}

/* ---------------------------------------------------- receiving */

static const int RECV_FLAGS = MSG_PEEK | MSG_DONTWAIT | MSG_WAITALL | MSG_TRUNC | MSG_CMSG_CLOEXEC;

/* One receive. Returns the bytes copied (for MSG_TRUNC on a datagram
 * socket: the datagram's length); *truncated tells whether a datagram
 * was cut. */
static ssize_t recv_common(struct open_file *f, void *buf, size_t n, int flags,
                           struct halvm_net_endpoint *from, int *truncated)
{
    if (flags & MSG_OOB)
        MINLIBC_FAIL(EINVAL, -1); /* Linux: no urgent data is pending */
    if (flags & ~RECV_FLAGS)
        MINLIBC_FAIL(EINVAL, -1);
    if (checked_io_length(buf, &n) < 0)
        return -1;
    int h = f->sock;
    int stream = halvm_net_kind(h) == HALVM_NET_TCP;
    uint64_t deadline = receive_deadline(h);
    int peek = (flags & MSG_PEEK) ? HALVM_NET_PEEK : 0;
    size_t done = 0;
    if (truncated)
        *truncated = 0;
    for (;;) {
        size_t full = 0;
        intptr_t r = halvm_net_recv(h, (char *)buf + done, n - done, peek, from, &full);
        if (r >= 0) {
            if (!stream) {
                if (truncated)
                    *truncated = full > (size_t)r;
                return (flags & MSG_TRUNC) ? (ssize_t)full : (ssize_t)r;
            }
            done += (size_t)r;
            /* MSG_WAITALL: go on until full or the stream ends */
            if (r == 0 || done == n || !(flags & MSG_WAITALL) || peek)
                return (ssize_t)done;
            continue;
        }
        if (!retry_after_wait(r, f, flags, deadline)) {
            if (done)
                return (ssize_t)done;
            MINLIBC_FAIL((int)-r, -1);
        }
    }
}

static ssize_t sock_read(struct open_file *f, void *buf, size_t n)
{
    return recv_common(f, buf, n, 0, NULL, NULL);
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    struct open_file *f;
    if (sock_of(fd, &f) < 0)
        return -1;
    return recv_common(f, buf, n, flags, NULL, NULL);
}

ssize_t recvfrom(int fd, void *restrict buf, size_t n, int flags, struct sockaddr *restrict addr,
                 socklen_t *restrict len)
{
    struct open_file *f;
    if (sock_of(fd, &f) < 0)
        return -1;
    if (addr && !len)
        MINLIBC_FAIL(EFAULT, -1);
    struct halvm_net_endpoint ep;
    int stream = halvm_net_kind(f->sock) == HALVM_NET_TCP;
    ssize_t r = recv_common(f, buf, n, flags, &ep, NULL);
    if (r < 0)
        return -1;
    if (addr) {
        if (stream) {
            /* Linux leaves a stream socket's address alone but reports
             * the length 0 */
            *len = 0;
        } else {
            endpoint_out(&ep, addr, len);
        }
    }
    return r;
}

/* Scatters one receive over the iovecs. */
static ssize_t recvv(struct open_file *f, const struct iovec *iov, size_t cnt, int flags,
                     struct halvm_net_endpoint *from, int *truncated)
{
    ssize_t total = iov_total(iov, cnt);
    if (total < 0)
        return -1;
    if (halvm_net_kind(f->sock) == HALVM_NET_UDP || cnt > 1) {
        char *tmp = malloc(total ? (size_t)total : 1);
        if (!tmp)
            MINLIBC_FAIL(ENOBUFS, -1);
        ssize_t r = recv_common(f, tmp, (size_t)total, flags & ~MSG_TRUNC, from, truncated);
        if (r > 0) {
            size_t at = 0;
            for (size_t i = 0; i < cnt && at < (size_t)r; i++) {
                size_t k = iov[i].iov_len < (size_t)r - at ? iov[i].iov_len : (size_t)r - at;
                memcpy(iov[i].iov_base, tmp + at, k);
                at += k;
            }
        }
        free(tmp);
        return r;
    }
    if (truncated)
        *truncated = 0;
    return recv_common(f, cnt ? iov[0].iov_base : NULL, cnt ? iov[0].iov_len : 0, flags, from, NULL);
}

static ssize_t sock_readv(struct open_file *f, const struct iovec *iov, int cnt)
{
    return recvv(f, iov, (size_t)cnt, 0, NULL, NULL);
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    struct open_file *f;
    if (sock_of(fd, &f) < 0)
        return -1;
    if (!msg)
        MINLIBC_FAIL(EFAULT, -1);
    struct halvm_net_endpoint ep;
    int truncated = 0;
    ssize_t r = recvv(f, msg->msg_iov, msg->msg_iovlen, flags, &ep, &truncated);
    if (r < 0)
        return -1;
    msg->msg_flags = truncated ? MSG_TRUNC : 0;
    msg->msg_controllen = 0;
    if (msg->msg_name) {
        if (halvm_net_kind(f->sock) == HALVM_NET_UDP)
            endpoint_out(&ep, msg->msg_name, &msg->msg_namelen);
        else
            msg->msg_namelen = 0;
    }
    return r;
}

/* ------------------------------------------------------- options */

/* Copies setsockopt's argument of `size` bytes into *out: EFAULT without
 * one, EINVAL when shorter (Linux; a longer one is read in part). */
static int option_arg(const void *v, socklen_t n, void *out, size_t size)
{
    if (!v)
        MINLIBC_FAIL(EFAULT, -1);
    if (n < (socklen_t)size)
        MINLIBC_FAIL(EINVAL, -1);
    memcpy(out, v, size);
    return 0;
}

static int int_arg(const void *v, socklen_t n, int *out)
{
    return option_arg(v, n, out, sizeof *out);
}

static int timeout_arg(const void *v, socklen_t n, uint64_t *ns)
{
    struct timeval tv;
    if (option_arg(v, n, &tv, sizeof tv) < 0)
        return -1;
    if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
        MINLIBC_FAIL(EDOM, -1); /* Linux's errno for a bad timeval */
    *ns = (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
    return 0;
}

static int keepalive_ms(const struct sock_state *st)
{
    if (!st->keepalive)
        return 0;
    int idle = st->keepidle ? st->keepidle : KEEPIDLE_DEFAULT;
    return idle > 2000000 ? 2000000000 : idle * 1000;
}

int setsockopt(int fd, int level, int opt, const void *v, socklen_t n)
{
    int h = sock_of(fd, NULL);
    if (h < 0)
        return -1;
    struct sock_state *st = state_of(h);
    int stream = halvm_net_kind(h) == HALVM_NET_TCP;
    int x;
    if (level == SOL_SOCKET) {
        switch (opt) {
        case SO_REUSEADDR: case SO_REUSEPORT: case SO_KEEPALIVE: case SO_BROADCAST:
        case SO_OOBINLINE: case SO_RCVBUF: case SO_SNDBUF:
            if (int_arg(v, n, &x) < 0)
                return -1;
            break;
        }
        switch (opt) {
        case SO_REUSEADDR: st->reuseaddr = !!x; return 0; /* always in effect, see halvm/net.h */
        case SO_REUSEPORT: st->reuseport = !!x; return 0;
        case SO_BROADCAST: st->broadcast = !!x; return 0;
        case SO_OOBINLINE: st->oobinline = !!x; return 0;
        case SO_RCVBUF: st->rcvbuf = x; return 0;   /* recorded; the size is fixed */
        case SO_SNDBUF: st->sndbuf = x; return 0;
        case SO_KEEPALIVE:
            st->keepalive = !!x;
            return stream ? platform_status(halvm_net_setopt(h, HALVM_NET_OPT_KEEPALIVE_MS, keepalive_ms(st))) : 0;
        case SO_LINGER: {
            struct linger l;
            if (option_arg(v, n, &l, sizeof l) < 0)
                return -1;
            st->linger = l;
            /* only "reset on close" changes what close does; a lingering
             * close always finishes in the background */
            return stream ? platform_status(halvm_net_setopt(h, HALVM_NET_OPT_ABORT_ON_CLOSE,
                                                      l.l_onoff && l.l_linger == 0)) : 0;
        }
        case SO_RCVTIMEO:
            return timeout_arg(v, n, &st->rcvtimeo_ns);
        case SO_SNDTIMEO:
            return timeout_arg(v, n, &st->sndtimeo_ns);
        default:
            MINLIBC_FAIL(ENOPROTOOPT, -1);
        }
    }
    if (level == IPPROTO_TCP) {
        if (!stream)
            MINLIBC_FAIL(EOPNOTSUPP, -1); /* Linux, for TCP options on UDP */
        if (int_arg(v, n, &x) < 0)
            return -1;
        switch (opt) {
        case TCP_NODELAY:
            st->nodelay = !!x;
            return platform_status(halvm_net_setopt(h, HALVM_NET_OPT_NODELAY, !!x));
        case TCP_KEEPIDLE:
        case TCP_KEEPINTVL:
        case TCP_KEEPCNT:
            if (x < 1 || x > 32767)
                MINLIBC_FAIL(EINVAL, -1);
            if (opt == TCP_KEEPIDLE)
                st->keepidle = x;
            else if (opt == TCP_KEEPINTVL)
                st->keepintvl = x;
            else
                st->keepcnt = x;
            return st->keepalive ? platform_status(halvm_net_setopt(h, HALVM_NET_OPT_KEEPALIVE_MS, keepalive_ms(st))) : 0;
        default:
            MINLIBC_FAIL(ENOPROTOOPT, -1);
        }
    }
    /* IPPROTO_IP options, IPv6 options (this is an AF_INET socket), ... */
    MINLIBC_FAIL(ENOPROTOOPT, -1);
}

/* Copies getsockopt's result of `size` bytes, truncated to *n (Linux),
 * and sets *n to what was copied. */
static int put_option(void *v, socklen_t *n, const void *src, size_t size)
{
    if (!v || !n)
        MINLIBC_FAIL(EFAULT, -1);
    socklen_t k = *n < size ? *n : (socklen_t)size;
    memcpy(v, src, k);
    *n = k;
    return 0;
}

/* An int result; a negative length is refused, as Linux does for them. */
static int put_int(void *v, socklen_t *n, int x)
{
    if (v && n && (int)*n < 0)
        MINLIBC_FAIL(EINVAL, -1);
    return put_option(v, n, &x, sizeof x);
}

/* An int the platform reports, or its negative errno as the failure. */
static int put_platform_int(void *v, socklen_t *n, int r)
{
    if (r < 0)
        MINLIBC_FAIL(-r, -1);
    return put_int(v, n, r);
}

int getsockopt(int fd, int level, int opt, void *restrict v, socklen_t *restrict n)
{
    int h = sock_of(fd, NULL);
    if (h < 0)
        return -1;
    struct sock_state *st = state_of(h);
    int stream = halvm_net_kind(h) == HALVM_NET_TCP;
    if (level == SOL_SOCKET) {
        switch (opt) {
        case SO_TYPE: return put_int(v, n, stream ? SOCK_STREAM : SOCK_DGRAM);
        case SO_DOMAIN: return put_int(v, n, AF_INET);
        case SO_PROTOCOL: return put_int(v, n, stream ? IPPROTO_TCP : IPPROTO_UDP);
        case SO_ERROR: return put_platform_int(v, n, halvm_net_take_error(h));
        case SO_ACCEPTCONN: return put_platform_int(v, n, halvm_net_listening(h));
        case SO_REUSEADDR: return put_int(v, n, st->reuseaddr);
        case SO_REUSEPORT: return put_int(v, n, st->reuseport);
        case SO_KEEPALIVE: return put_int(v, n, st->keepalive);
        case SO_BROADCAST: return put_int(v, n, st->broadcast);
        case SO_OOBINLINE: return put_int(v, n, st->oobinline);
        case SO_RCVBUF: return put_int(v, n, stream ? HALVM_NET_TCP_RCVBUF : HALVM_NET_UDP_BUF);
        case SO_SNDBUF: return put_int(v, n, stream ? HALVM_NET_TCP_SNDBUF : HALVM_NET_UDP_BUF);
        case SO_LINGER: return put_option(v, n, &st->linger, sizeof st->linger);
        case SO_RCVTIMEO:
        case SO_SNDTIMEO: {
            uint64_t ns = opt == SO_RCVTIMEO ? st->rcvtimeo_ns : st->sndtimeo_ns;
            struct timeval tv = { (time_t)(ns / 1000000000u), (suseconds_t)(ns % 1000000000u / 1000u) };
            return put_option(v, n, &tv, sizeof tv);
        }
        default:
            MINLIBC_FAIL(ENOPROTOOPT, -1);
        }
    }
    if (level == IPPROTO_TCP) {
        if (!stream)
            MINLIBC_FAIL(EOPNOTSUPP, -1);
        switch (opt) {
        case TCP_NODELAY: return put_int(v, n, st->nodelay);
        case TCP_MAXSEG: return put_int(v, n, 1460);
        case TCP_KEEPIDLE: return put_int(v, n, st->keepidle ? st->keepidle : KEEPIDLE_DEFAULT);
        case TCP_KEEPINTVL: return put_int(v, n, st->keepintvl ? st->keepintvl : 75);
        case TCP_KEEPCNT: return put_int(v, n, st->keepcnt ? st->keepcnt : 9);
        default:
            MINLIBC_FAIL(ENOPROTOOPT, -1);
        }
    }
    MINLIBC_FAIL(ENOPROTOOPT, -1);
}
