/*
 * halvm network API: the small socket interface rts-xen's TCP/IP stack
 * (smoltcp, rts-xen/src/net/) offers, on which minlibc builds the BSD
 * socket calls. An extension of the platform API in <halvm/platform.h>,
 * with its own version; not read by GHC's build.
 *
 * Freestanding like platform.h: includes only <stddef.h> and <stdint.h>.
 *
 * One interface, "eth0" (index 1): virtio-net (legacy PCI transport) when
 * the image boots directly under QEMU, netfront as an ordinary Xen domain
 * (none as Xen's initial domain). Its IPv4 configuration comes from the
 * kernel command line or DHCP (the rules are in rts-xen/README.md,
 * "Networking"); the address chosen is printed on the console as
 *     halvm: net: eth0 MAC address A.B.C.D/N gateway G dns D[:PORT] (HOW)
 * The interface comes up at the first call of any function here (images
 * that never call them never touch the network); with DHCP that first
 * call waits, halting, for a lease or the fallback (at most ~3 s).
 *
 * Sockets are small integers (handles, not file descriptors). Every call
 * except halvm_net_resolve is non-blocking: what would have to wait fails with -EAGAIN, and the
 * caller waits with halvm_block_until(), which also processes arriving
 * packets and wakes when one arrives (the device's interrupt) or when the
 * stack's next timer (a retransmission, a delayed ACK) is due. Readiness
 * changes only when the stack has been polled: every call here polls it
 * when something arrived, and so does halvm_block_until().
 *
 * Errors are negative Linux errno values (-EBADF for a handle that is not
 * open, -EFAULT for a NULL pointer that must not be, -ENETDOWN for every
 * call when there is no network device or the network is switched off).
 * Normal context only (never from a tick callback); not reentrant.
 */
#ifndef HALVM_NET_H
#define HALVM_NET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this API; bumped on any change. */
#define HALVM_NET_API_VERSION 2

/* An IPv4 address and port, both in HOST byte order (10.0.2.15 is
 * 0x0a00020f). Address 0 means "any" where a local address is meant. */
struct halvm_net_endpoint {
    uint32_t addr;
    uint16_t port;
    uint16_t reserved; /* 0 */
};

/* Socket kinds. */
#define HALVM_NET_TCP 1
#define HALVM_NET_UDP 2

/* Buffer sizes, fixed: each TCP socket's receive buffer (the window it
 * advertises) and send buffer, each UDP socket's buffer each way, and the
 * largest datagram (IPv4's limit), in bytes. */
#define HALVM_NET_TCP_RCVBUF 65536
#define HALVM_NET_TCP_SNDBUF 65536
#define HALVM_NET_UDP_BUF 65536
#define HALVM_NET_UDP_MAX_PAYLOAD 65507

/* A new socket of `kind`: its handle (>= 0), or -EPROTONOSUPPORT for an
 * unknown kind, -EMFILE when 256 handles are open, -ENOBUFS when no memory
 * is left for a UDP socket's buffers. A TCP socket's buffers are allocated
 * when it connects or listens. */
int halvm_net_socket(int kind);

/* HALVM_NET_TCP or HALVM_NET_UDP, or -EBADF. */
int halvm_net_kind(int s);

/*
 * Binds to `local`: address 0 or the interface's own address
 * (-EADDRNOTAVAIL otherwise), port 0 for a free ephemeral port (49152 and
 * up). -EINVAL if already bound (or listening, connected); -EADDRINUSE if
 * another open socket of the same kind has the port. A closed connection
 * that still delivers its last data never blocks a bind (as with Linux's
 * SO_REUSEADDR, which is therefore always in effect).
 */
int halvm_net_bind(int s, const struct halvm_net_endpoint *local);

/*
 * Listens (TCP): up to min(backlog, 32), at least 1, connections complete
 * their handshake without being accepted; further connection attempts
 * are refused (RST) until accept makes room. An unbound socket gets an
 * ephemeral port. Calling it again changes the backlog. -EOPNOTSUPP for
 * UDP, -EINVAL for a connected socket, -ENOBUFS without memory.
 */
int halvm_net_listen(int s, int backlog);

/* A connection that completed its handshake, as a new socket handle; its
 * peer in `*peer` (may be NULL). -EAGAIN if none has; -EINVAL if `s` is
 * not listening. */
int halvm_net_accept(int s, struct halvm_net_endpoint *peer);

/*
 * TCP: starts connecting and returns -EINPROGRESS; completion (success or
 * failure) makes the socket writable, and halvm_net_take_error() then
 * tells which. -EALREADY while connecting, -EISCONN once connected,
 * -ECONNREFUSED at once for address or port 0, -ENETUNREACH while the
 * interface has no address and for 127.0.0.0/8 (no loopback interface
 * yet). A connection not established within 75 s
 * fails with ETIMEDOUT.
 * UDP: sets the default destination and the only source datagrams are
 * accepted from (address 0 and port 0 remove it); returns 0.
 */
int halvm_net_connect(int s, const struct halvm_net_endpoint *remote);

/* SO_ERROR: the pending error of `s` as a positive errno (ECONNREFUSED,
 * ECONNRESET, ETIMEDOUT), 0 if none; reading it clears it. */
int halvm_net_take_error(int s);

/*
 * Queues `len` bytes (TCP: part of them when the send buffer fills, at
 * most 32 KiB are buffered; UDP: one datagram to `to`, or to the connected
 * peer when `to` is NULL). Returns the bytes queued, or -EAGAIN (buffer
 * full; also while connecting), -EPIPE (shut down for writing, or the
 * connection is gone), -ENOTCONN (TCP, not connected), the connection's
 * pending error (-ECONNRESET, once), -EDESTADDRREQ (UDP without a
 * destination), -EMSGSIZE (UDP over 65507 bytes), -ENETUNREACH (UDP to
 * 127.0.0.0/8).
 */
intptr_t halvm_net_send(int s, const void *buf, size_t len, const struct halvm_net_endpoint *to);

/* recv flag: copy without consuming. */
#define HALVM_NET_PEEK 1

/*
 * Copies received bytes into `buf` (TCP: up to `len` of the stream; UDP:
 * the next datagram, whose length goes to `*full_len` if not NULL --
 * larger than the result when the datagram was truncated, the rest being
 * discarded -- and whose sender goes to `*from` if not NULL). Returns the
 * bytes copied; 0 at the end of a TCP stream (the peer closed, or the
 * socket was shut down for reading); -EAGAIN when nothing is there;
 * -ENOTCONN (TCP, not connected); the connection's pending error, once
 * (then 0). -EINVAL for unknown flags.
 */
intptr_t halvm_net_recv(int s, void *buf, size_t len, int flags,
                        struct halvm_net_endpoint *from, size_t *full_len);

/* how: 0 reading, 1 writing (TCP: sends FIN once the queued data is
 * out), 2 both. -EINVAL for another `how`, -ENOTCONN when not connected. */
int halvm_net_shutdown(int s, int how);

/*
 * Frees the handle. An open TCP connection is closed in the background:
 * queued data is still delivered and the FIN sent (for at most 60 s),
 * unless HALVM_NET_OPT_ABORT_ON_CLOSE is set, which resets it at once.
 * A listening socket resets its pending connections.
 */
int halvm_net_close(int s);

/* The local and the peer endpoint (peer: -ENOTCONN unless connected). A
 * socket that is not bound has local address 0 and port 0. */
int halvm_net_local(int s, struct halvm_net_endpoint *out);
int halvm_net_peer(int s, struct halvm_net_endpoint *out);

/* Options (TCP only; -ENOPROTOOPT for UDP, -EINVAL for unknown ones). */
#define HALVM_NET_OPT_NODELAY 1        /* value != 0: Nagle off */
#define HALVM_NET_OPT_KEEPALIVE_MS 2   /* keep-alive every value ms, 0 off */
#define HALVM_NET_OPT_ABORT_ON_CLOSE 3 /* value != 0: close() resets */
int halvm_net_setopt(int s, int opt, int value);

/* 1 if `s` is listening, else 0 (SO_ACCEPTCONN). */
int halvm_net_listening(int s);

/*
 * Readiness, a mask of the bits below, as poll() reports it: readable
 * (data, end of stream, a pending error, or a connection to accept),
 * writable (room to send; also a completed or failed connect), error (a
 * pending error), hang-up (the connection is closed both ways, failed, or
 * the TCP socket was never connected). Polls the stack if something
 * arrived.
 */
#define HALVM_NET_READABLE 1
#define HALVM_NET_WRITABLE 2
#define HALVM_NET_ERROR    4
#define HALVM_NET_HANGUP   8
int halvm_net_ready(int s);

/* Bytes waiting to be read (TCP), or the next datagram's length (UDP). */
int halvm_net_pending(int s);

/* Processes arrived packets and due timers now; 1 if socket states may
 * have changed, 0 if not. */
int halvm_net_poll(void);

/* The interface with `index` (only 1 exists): -ENODEV for others. */
struct halvm_net_interface {
    char name[16];       /* "eth0" */
    uint32_t index;      /* 1 */
    uint8_t mac[6];
    uint8_t prefix_len;  /* of addr; 0 when there is no address */
    uint8_t up;          /* 1 */
    uint32_t addr;       /* host byte order; 0: none yet */
    uint32_t gateway;    /* 0: none */
    uint32_t dns;        /* 0: none */
    uint32_t source;     /* how addr was set: */
};
#define HALVM_NET_SOURCE_NONE 0
#define HALVM_NET_SOURCE_DHCP 1
#define HALVM_NET_SOURCE_STATIC 2
#define HALVM_NET_SOURCE_FALLBACK 3 /* no DHCP lease in time: QEMU's plan */
int halvm_net_interface(uint32_t index, struct halvm_net_interface *info);

/*
 * Looks up the IPv4 addresses of host `name` (text such as
 * "www.example.org", a final dot allowed; no search domains) with a DNS
 * query for its A records to the configured server: `halvm.dns=A.B.C.D`
 * or `A.B.C.D:PORT` on the command line, else the one DHCP or the static
 * plan gives (rts-xen/README.md, "Networking"). CNAME chains are
 * followed. Waits, halting and keeping the stack polled, for the answer:
 * the query is sent again after 1 s and 2 more s, and given up after 5 s.
 *
 * Stores at most `max` (> 0) addresses (host byte order) in `addrs`, in
 * the order of the answer, and returns how many (>= 1). If `canonical`
 * is not NULL, it gets the canonical name (the end of the CNAME chain,
 * or `name` without a final dot), NUL-terminated; "" if it does not fit
 * `canonical_len` bytes (254 always suffice).
 *
 * Errors (negative errno values):
 *   -ENOENT       the name does not exist (NXDOMAIN)
 *   -ENODATA      it exists but has no IPv4 address
 *   -EINVAL       `name` cannot be a host name (empty or over-long
 *                 labels, over 253 characters, spaces, control or 8-bit
 *                 bytes); nothing is sent; also for max <= 0
 *   -ETIMEDOUT    no answer within 5 s
 *   -EAGAIN       the server failed (SERVFAIL)
 *   -EPROTO       the server refused or cannot answer (REFUSED, NOTIMP,
 *                 FORMERR, ...)
 *   -EBADMSG      the answer is malformed (or its CNAMEs loop)
 *   -EMSGSIZE     the answer was truncated before any address (no TCP
 *                 fallback)
 *   -EDESTADDRREQ no DNS server is configured
 *   -ENETUNREACH  the interface has no address yet
 *   -ENETDOWN     no network (no device, or halvm.net=off)
 *   -EFAULT       `name` or `addrs` is NULL
 *   -EMFILE, -ENOBUFS  no socket for the query
 */
int halvm_net_resolve(const char *name, uint32_t *addrs, int max, char *canonical, size_t canonical_len);

#ifdef __cplusplus
}
#endif

#endif /* HALVM_NET_H */
