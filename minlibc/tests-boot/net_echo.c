/*
 * minlibc's sockets on the machine (qemu lane, check `net_echo`): a TCP
 * echo server and a UDP echo server on port 7, served with poll() from
 * one loop, as a small C server would be written for Linux.
 *
 * Before serving it checks what needs no peer: the interface names,
 * getaddrinfo, socket options, non-blocking accept, and (when a port is
 * given as the first argument) a client connection to the host through
 * QEMU's gateway 10.0.2.2: once to a port nobody listens on (refused,
 * seen through EINPROGRESS, poll and SO_ERROR), once to the test's own
 * listener, which gets a greeting and answers it.
 *
 * Every TCP connection is echoed until its peer closes it; a connection
 * whose data starts with "quit" ends the program with status 0 after
 * printing what it served. Console lines start with "net_echo: ".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_CLIENTS 32

static int failures;

static void check(int ok, const char *what)
{
    printf("net_echo: %s %s\n", ok ? "ok" : "FAILED", what);
    if (!ok)
        failures++;
}

static void die(const char *what)
{
    printf("net_echo: FAILED %s: %s\n", what, strerror(errno));
    exit(1);
}

static struct sockaddr_in addr(const char *ip, int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static void checks_without_peer(void)
{
    char name[IF_NAMESIZE];
    check(if_nametoindex("eth0") == 1, "if_nametoindex(eth0) is 1");
    check(if_nametoindex("lo") == 0 && errno == ENODEV, "if_nametoindex(lo) fails with ENODEV");
    check(if_indextoname(1, name) && !strcmp(name, "eth0"), "if_indextoname(1) is eth0");

    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *res;
    int r = getaddrinfo(NULL, "7", &hints, &res);
    check(r == 0 && res && !res->ai_next && ((struct sockaddr_in *)res->ai_addr)->sin_port == htons(7) &&
          ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr == 0, "getaddrinfo(NULL, 7, passive)");
    if (r == 0)
        freeaddrinfo(res);
    /* (names through DNS: dns_lookup.c; none here, so that no query leaves) */
    struct addrinfo numeric = { .ai_flags = AI_NUMERICHOST };
    check(getaddrinfo("example.org", "80", &numeric, &res) == EAI_NONAME, "getaddrinfo of a name with AI_NUMERICHOST");
    r = getaddrinfo("localhost", "7", &hints, &res);
    check(r == 0 && ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "getaddrinfo(localhost) without DNS");
    if (r == 0)
        freeaddrinfo(res);

    check(socket(AF_INET6, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT, "AF_INET6 is EAFNOSUPPORT");
    int sv[2];
    check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 && errno == EAFNOSUPPORT, "socketpair(AF_UNIX) is EAFNOSUPPORT");

    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0)
        die("socket");
    check((fcntl(s, F_GETFL) & O_NONBLOCK) && (fcntl(s, F_GETFD) & FD_CLOEXEC), "SOCK_NONBLOCK and SOCK_CLOEXEC");
    struct stat st;
    check(fstat(s, &st) == 0 && S_ISSOCK(st.st_mode), "fstat says socket");
    int one = 1, v = 0;
    socklen_t len = sizeof v;
    check(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
          getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &len) == 0 && v == 1, "SO_REUSEADDR");
    len = sizeof v;
    check(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM, "SO_TYPE");
    check(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0, "TCP_NODELAY");
    check(setsockopt(s, IPPROTO_IPV6, 26 /* IPV6_V6ONLY */, &one, sizeof one) < 0 && errno == ENOPROTOOPT,
          "IPV6_V6ONLY on AF_INET is ENOPROTOOPT");
    struct sockaddr_in a = addr("0.0.0.0", 0);
    check(bind(s, (struct sockaddr *)&a, sizeof a) == 0 && listen(s, 4) == 0, "bind to port 0 and listen");
    len = sizeof a;
    check(getsockname(s, (struct sockaddr *)&a, &len) == 0 && ntohs(a.sin_port) >= 49152, "an ephemeral port");
    check(accept(s, NULL, NULL) < 0 && errno == EAGAIN, "non-blocking accept: EAGAIN");
    int zero = 0;
    check(ioctl(s, FIONBIO, &zero) == 0 && !(fcntl(s, F_GETFL) & O_NONBLOCK) && ioctl(s, FIONBIO, &one) == 0 &&
          (fcntl(s, F_GETFL) & O_NONBLOCK), "ioctl FIONBIO clears and sets O_NONBLOCK");
    struct winsize ws;
    check(ioctl(s, TIOCGWINSZ, &ws) < 0 && errno == ENOTTY, "a terminal ioctl on a socket: ENOTTY");
    check(close(s) == 0 && close(s) < 0 && errno == EBADF, "close");

    /* a datagram to itself over loopback: FIONREAD is its length */
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in self = addr("127.0.0.1", 0);
    len = sizeof self;
    check(bind(u, (struct sockaddr *)&self, sizeof self) == 0 && getsockname(u, (struct sockaddr *)&self, &len) == 0 &&
          sendto(u, "12345", 5, 0, (struct sockaddr *)&self, sizeof self) == 5, "a datagram sent to itself");
    struct pollfd p = { u, POLLIN, 0 };
    int pending = -1;
    check(poll(&p, 1, 2000) == 1 && ioctl(u, FIONREAD, &pending) == 0 && pending == 5,
          "ioctl FIONREAD: the waiting datagram's length");
    close(u);
}

/* A client through QEMU's gateway: refused on port 1, then a greeting
 * exchanged with the test's listener on `port`. */
static void client_checks(int port)
{
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = addr("10.0.2.2", 1);
    int r = connect(c, (struct sockaddr *)&a, sizeof a);
    check(r < 0 && errno == EINPROGRESS, "non-blocking connect: EINPROGRESS");
    struct pollfd p = { c, POLLOUT, 0 };
    r = poll(&p, 1, 5000);
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
    check(r == 1 && (p.revents & POLLOUT) && err == ECONNREFUSED, "a refused connection: poll, then SO_ERROR ECONNREFUSED");
    close(c);

    c = socket(AF_INET, SOCK_STREAM, 0);
    a = addr("10.0.2.2", port);
    check(connect(c, (struct sockaddr *)&a, sizeof a) == 0, "blocking connect to the host");
    const char *hello = "hello from halvm\n";
    check(write(c, hello, strlen(hello)) == (ssize_t)strlen(hello), "write to the host");
    char buf[64];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buf - 1 && (n = read(c, buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = 0;
    printf("net_echo: the host answered [%s]\n", strtok(buf, "\n"));
    close(c);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    checks_without_peer();
    /* the platform's words (halvm.ip= and the like) are not the program's */
    for (int i = 1; i < argc; i++)
        check(strncmp(argv[i], "halvm.", 6) != 0, "no halvm. setting in argv");
    if (argc > 1)
        client_checks(atoi(argv[1]));

    int one = 1;
    int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = addr("0.0.0.0", 7);
    if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 8) < 0)
        die("tcp listener");
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    if (u < 0 || bind(u, (struct sockaddr *)&a, sizeof a) < 0)
        die("udp socket");
    printf("net_echo: %d check(s) failed\n", failures);
    printf("net_echo: serving tcp 7 and udp 7\n");

    struct pollfd fds[2 + MAX_CLIENTS];
    int nclients = 0;
    long tcp_bytes = 0, udp_datagrams = 0, connections = 0;
    for (;;) {
        fds[0] = (struct pollfd){ l, POLLIN, 0 };
        fds[1] = (struct pollfd){ u, POLLIN, 0 };
        if (poll(fds, (nfds_t)(2 + nclients), -1) < 0)
            die("poll");
        if (fds[1].revents & POLLIN) {
            char buf[2048];
            struct sockaddr_in from;
            socklen_t flen = sizeof from;
            ssize_t n = recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
            if (n >= 0) {
                sendto(u, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
                udp_datagrams++;
                char ip[INET_ADDRSTRLEN];
                printf("net_echo: udp echoed %zd bytes to %s\n", n, inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip));
            }
        }
        if ((fds[0].revents & POLLIN) && nclients < MAX_CLIENTS) {
            struct sockaddr_in peer;
            socklen_t plen = sizeof peer;
            int c = accept4(l, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK);
            if (c >= 0) {
                char ip[INET_ADDRSTRLEN];
                printf("net_echo: accepted a connection from %s\n", inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip));
                connections++;
                fds[2 + nclients++] = (struct pollfd){ c, POLLIN, 0 };
            }
        }
        for (int i = 0; i < nclients; i++) {
            struct pollfd *p = &fds[2 + i];
            if (!(p->revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[4096];
            ssize_t n = recv(p->fd, buf, sizeof buf, 0);
            if (n > 0 && n >= 4 && !memcmp(buf, "quit", 4)) {
                printf("net_echo: quit after %ld connection(s), %ld bytes echoed over tcp, %ld udp datagram(s)\n",
                       connections, tcp_bytes, udp_datagrams);
                /* a lingering close: the reply and the FIN must reach the
                 * peer before the guest (and QEMU) ends, so wait (at most
                 * 5 s) until the peer has read them and closed */
                fcntl(p->fd, F_SETFL, 0);
                struct timeval tv = { 5, 0 };
                setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
                send(p->fd, "bye\n", 4, 0);
                shutdown(p->fd, SHUT_WR);
                while (recv(p->fd, buf, sizeof buf, 0) > 0)
                    ;
                close(p->fd);
                return failures ? 1 : 0;
            }
            if (n > 0) {
                /* echo it all back: a blocking write on a copy that is
                 * blocking (dup shares the status flags, so clear them) */
                struct iovec iov[2] = { { buf, (size_t)n / 2 }, { buf + n / 2, (size_t)n - (size_t)n / 2 } };
                fcntl(p->fd, F_SETFL, 0);
                ssize_t w = writev(p->fd, iov, 2);
                fcntl(p->fd, F_SETFL, O_NONBLOCK);
                if (w == n)
                    tcp_bytes += n;
                continue;
            }
            if (n < 0 && errno == EAGAIN)
                continue;
            close(p->fd);
            fds[2 + i] = fds[2 + --nclients];
            i--;
        }
    }
}
