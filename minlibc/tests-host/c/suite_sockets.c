/*
 * minlibc's socket names and numbers (socket_names.c) against glibc's:
 * byte order, inet_aton/inet_addr/inet_pton/inet_ntop on random and
 * hand-picked text and addresses, getaddrinfo for numeric hosts and
 * services, getnameinfo with numeric flags, gai_strerror. Then
 * getaddrinfo and gethostbyname of names through the platform's
 * resolver, which the test platform scripts (host_resolve_*). And socket.c's argument checks,
 * which need no network (the test platform has none: every other
 * halvm_net_* call answers -ENETDOWN).
 */
#include "suite.h"
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <net/if.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

uint16_t ml_htons(uint16_t);
uint32_t ml_htonl(uint32_t);
uint16_t ml_ntohs(uint16_t);
uint32_t ml_ntohl(uint32_t);
int ml_inet_aton(const char *, struct in_addr *);
in_addr_t ml_inet_addr(const char *);
char *ml_inet_ntoa(struct in_addr);
int ml_inet_pton(int, const char *, void *);
const char *ml_inet_ntop(int, const void *, char *, socklen_t);
int ml_getaddrinfo(const char *, const char *, const struct addrinfo *, struct addrinfo **);
void ml_freeaddrinfo(struct addrinfo *);
const char *ml_gai_strerror(int);
int ml_getnameinfo(const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int);
struct hostent *ml_gethostbyname(const char *);
struct servent *ml_getservbyname(const char *, const char *);
struct servent *ml_getservbyport(int, const char *);
struct protoent *ml_getprotobyname(const char *);
struct protoent *ml_getprotobynumber(int);
extern int ml_h_errno;
int ml_socket(int, int, int);
int ml_socketpair(int, int, int, int[2]);
int ml_bind(int, const struct sockaddr *, socklen_t);
int ml_listen(int, int);
int ml_getsockopt(int, int, int, void *, socklen_t *);
ssize_t ml_send(int, const void *, size_t, int);
unsigned int ml_if_nametoindex(const char *);
char *ml_if_indextoname(unsigned int, char *);
struct if_nameindex *ml_if_nameindex(void);
void ml_if_freenameindex(struct if_nameindex *);

/* minlibc's errno values equal Linux's, so they compare with glibc's */

static void check_byte_order(struct report *r, uint64_t *s)
{
    for (int i = 0; i < 1000; i++) {
        uint32_t x = (uint32_t)rnd(s);
        CHECK(r, ml_htonl(x) == htonl(x) && ml_ntohl(x) == ntohl(x), "htonl(%#x)", x);
        CHECK(r, ml_htons((uint16_t)x) == htons((uint16_t)x) && ml_ntohs((uint16_t)x) == ntohs((uint16_t)x),
              "htons(%#x)", x & 0xffff);
    }
}

/* Random text from characters addresses are made of. */
static void random_text(uint64_t *s, char *buf, size_t cap, const char *alphabet)
{
    size_t n = rnd_below(s, cap - 1), k = strlen(alphabet);
    for (size_t i = 0; i < n; i++)
        buf[i] = alphabet[rnd_below(s, k)];
    buf[n] = 0;
}

static void compare_text(struct report *r, const char *t)
{
    struct in_addr a = { 0 }, b = { 0 };
    int x = ml_inet_aton(t, &a), y = inet_aton(t, &b);
    CHECK(r, x == y && (!x || a.s_addr == b.s_addr), "inet_aton(\"%s\"): %d %#x, glibc %d %#x", t, x, a.s_addr, y, b.s_addr);
    CHECK(r, ml_inet_addr(t) == inet_addr(t), "inet_addr(\"%s\")", t);
    unsigned char m[16] = { 0 }, g[16] = { 0 };
    x = ml_inet_pton(AF_INET, t, m);
    y = inet_pton(AF_INET, t, g);
    CHECK(r, x == y && (!x || !memcmp(m, g, 4)), "inet_pton(AF_INET, \"%s\"): %d, glibc %d", t, x, y);
    x = ml_inet_pton(AF_INET6, t, m);
    y = inet_pton(AF_INET6, t, g);
    CHECK(r, x == y && (!x || !memcmp(m, g, 16)), "inet_pton(AF_INET6, \"%s\"): %d, glibc %d", t, x, y);
}

static void check_inet_text(struct report *r, uint64_t *s, unsigned long cases)
{
    static const char *fixed[] = {
        "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3", "1.2", "1", "127.1", "0x7f.1", "0x7f000001",
        "017700000001", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", "1.2.3.4 ", "1.2.3.4 junk", " 1.2.3.4", "",
        "1..2.3", "0xffffffff", "0x100000000", "4294967296", "1.16777215", "1.16777216", "1.2.65535",
        "1.2.65536", "08.1.1.1", "0x.1.1.1", "::", "::1", "1::", "1::2", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::",
        "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", ":::", "1:::2", "1::2::3", "::ffff:1.2.3.4", "::1.2.3.4",
        "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::ffff:1.2.3", "::ffff:01.2.3.4", "12345::",
        "fe80::1%eth0", "FE80::ABCD", ":1::", "1:", "1:2:3:4:5:6:7:8:", "::1.2.3.4:5", "0:0:0:0:0:0:0:0",
    };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        compare_text(r, fixed[i]);
    char t[48];
    for (unsigned long i = 0; i < cases; i++) {
        random_text(s, t, chance(s, 50) ? 17 : 46, chance(s, 50) ? "0123456789." : "0123456789abcdefABx:.");
        compare_text(r, t);
    }
}

static void check_inet_ntop(struct report *r, uint64_t *s, unsigned long cases)
{
    for (unsigned long i = 0; i < cases; i++) {
        unsigned char a[16];
        for (int k = 0; k < 16; k += 2) {
            /* many zero groups, so that runs of all lengths occur */
            uint16_t w = chance(s, 55) ? 0 : (uint16_t)(chance(s, 30) ? rnd_below(s, 16) : rnd(s));
            a[k] = (unsigned char)(w >> 8);
            a[k + 1] = (unsigned char)w;
        }
        if (chance(s, 10)) { memset(a, 0, 10); a[10] = a[11] = 0xff; }
        if (chance(s, 5)) memset(a, 0, 12);
        char m[64], g[64];
        const char *x = ml_inet_ntop(AF_INET6, a, m, sizeof m), *y = inet_ntop(AF_INET6, a, g, sizeof g);
        CHECK(r, x && y && !strcmp(m, g), "inet_ntop(AF_INET6, %s): \"%s\", glibc \"%s\"", show((char *)a, 16), m, g);
        x = ml_inet_ntop(AF_INET, a, m, sizeof m);
        y = inet_ntop(AF_INET, a, g, sizeof g);
        CHECK(r, x && y && !strcmp(m, g), "inet_ntop(AF_INET): \"%s\", glibc \"%s\"", m, g);
        /* too small a buffer: ENOSPC for both */
        socklen_t small = (socklen_t)strlen(g);
        ML_ERRNO = 0;
        errno = 0;
        x = ml_inet_ntop(AF_INET, a, m, small);
        y = inet_ntop(AF_INET, a, g, small);
        CHECK(r, !x && !y && ML_ERRNO == ENOSPC && errno == ENOSPC, "inet_ntop into %u bytes", small);
        struct in_addr in;
        memcpy(&in, a, 4);
        CHECK(r, !strcmp(ml_inet_ntoa(in), inet_ntoa(in)), "inet_ntoa");
    }
    ML_ERRNO = 0;
    CHECK(r, ml_inet_pton(AF_UNIX, "x", NULL) == -1 && ML_ERRNO == EAFNOSUPPORT, "inet_pton(AF_UNIX)");
}

/* One getaddrinfo call of each, compared: the error, or the entries. */
static void compare_gai(struct report *r, const char *node, const char *service, int family, int socktype,
                        int protocol, int flags)
{
    struct addrinfo hints = { .ai_flags = flags, .ai_family = family, .ai_socktype = socktype, .ai_protocol = protocol };
    struct addrinfo *m = NULL, *g = NULL;
    int x = ml_getaddrinfo(node, service, &hints, &m), y = getaddrinfo(node, service, &hints, &g);
    char what[160];
    snprintf(what, sizeof what, "getaddrinfo(%s, %s, family %d socktype %d protocol %d flags %#x)",
             node ? node : "NULL", service ? service : "NULL", family, socktype, protocol, flags);
    CHECK(r, x == y, "%s: %d (%s), glibc %d (%s)", what, x, ml_gai_strerror(x), y, gai_strerror(y));
    if (x == 0 && y == 0) {
        /* glibc also answers with IPv6 entries for AF_UNSPEC; minlibc has
         * IPv4 only: compare the IPv4 ones */
        struct addrinfo *a = m, *b = g;
        int i = 0;
        for (;;) {
            while (b && b->ai_family != AF_INET)
                b = b->ai_next;
            if (!a || !b)
                break;
            CHECK(r, a->ai_family == b->ai_family && a->ai_socktype == b->ai_socktype &&
                  a->ai_protocol == b->ai_protocol && a->ai_addrlen == b->ai_addrlen &&
                  !memcmp(a->ai_addr, b->ai_addr, b->ai_addrlen),
                  "%s: entry %d: family %d socktype %d protocol %d, glibc %d %d %d", what, i,
                  a->ai_family, a->ai_socktype, a->ai_protocol, b->ai_family, b->ai_socktype, b->ai_protocol);
            CHECK(r, !a->ai_canonname == !b->ai_canonname &&
                  (!a->ai_canonname || !strcmp(a->ai_canonname, b->ai_canonname)), "%s: entry %d canonname", what, i);
            a = a->ai_next;
            b = b->ai_next;
            i++;
        }
        CHECK(r, !a && !b, "%s: %s entries than glibc", what, a ? "more" : "fewer");
    }
    if (x == 0)
        ml_freeaddrinfo(m);
    if (y == 0)
        freeaddrinfo(g);
}

static void check_getaddrinfo(struct report *r)
{
    static const char *nodes[] = { NULL, "127.0.0.1", "10.0.2.15", "0.0.0.0", "255.255.255.255", "127.1",
                                   "0x7f000001", "1.2.3.4.5", "256.0.0.1", "1.2.3.4 " };
    /* no names: glibc's come from the host's /etc/services */
    static const char *services[] = { NULL, "0", "7", "80", "65535", "65536", "-1", "08", "", " 9", "9x" };
    static const int socktypes[] = { 0, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, 77 };
    static const int flagsets[] = { 0, AI_PASSIVE, AI_NUMERICHOST, AI_NUMERICSERV, AI_CANONNAME,
                                    AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV, AI_ADDRCONFIG & 0, 0x10000 };
    for (size_t n = 0; n < sizeof nodes / sizeof *nodes; n++)
        for (size_t v = 0; v < sizeof services / sizeof *services; v++)
            for (size_t t = 0; t < sizeof socktypes / sizeof *socktypes; t++)
                for (size_t f = 0; f < sizeof flagsets / sizeof *flagsets; f++) {
                    const char *svc = services[v];
                    /* a node that is no number is a name for glibc's
                     * resolver: compared only with AI_NUMERICHOST */
                    struct addrinfo num = { .ai_flags = AI_NUMERICHOST }, *res;
                    if (nodes[n] && !(flagsets[f] & AI_NUMERICHOST)) {
                        if (getaddrinfo(nodes[n], NULL, &num, &res))
                            continue;
                        freeaddrinfo(res);
                    }
                    compare_gai(r, nodes[n], svc, n % 2 ? AF_INET : AF_UNSPEC, socktypes[t], 0, flagsets[f]);
                }
    compare_gai(r, "127.0.0.1", "80", AF_INET, SOCK_STREAM, IPPROTO_TCP, 0);
    compare_gai(r, "127.0.0.1", "80", AF_INET, 0, IPPROTO_UDP, 0);
    compare_gai(r, "127.0.0.1", "80", AF_INET, SOCK_STREAM, IPPROTO_UDP, 0);
    compare_gai(r, "127.0.0.1", NULL, AF_INET, 0, IPPROTO_TCP, 0);
    compare_gai(r, "127.0.0.1", "80", 99, 0, 0, 0);
    compare_gai(r, "localhost", "80", AF_INET, SOCK_STREAM, 0, 0);
    compare_gai(r, "no-such-name.invalid", "80", AF_INET, 0, 0, AI_NUMERICHOST);
    /* what differs by design: names (see check_names), IPv6 */
    struct addrinfo *res;
    CHECK(r, ml_getaddrinfo("example.org", "80", NULL, &res) == EAI_FAIL, "a name without a network: EAI_FAIL");
    struct addrinfo tcp = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
    CHECK(r, ml_getaddrinfo("127.0.0.1", "https", &tcp, &res) == 0 && res && !res->ai_next &&
          ((struct sockaddr_in *)res->ai_addr)->sin_port == htons(443), "the built-in service table: https is 443");
    if (res)
        ml_freeaddrinfo(res);
    res = NULL;
    CHECK(r, ml_getaddrinfo("127.0.0.1", "no-such-service", &tcp, &res) == EAI_SERVICE, "an unknown service: EAI_SERVICE");
    CHECK(r, ml_getaddrinfo("::1", "80", NULL, &res) == EAI_FAMILY, "an IPv6 address: EAI_FAMILY");
    struct addrinfo v6 = { .ai_family = AF_INET6 };
    CHECK(r, ml_getaddrinfo("127.0.0.1", "80", &v6, &res) == EAI_FAMILY, "AF_INET6 hints: EAI_FAMILY");
    for (int e = -13; e <= 1; e++)
        CHECK(r, !strcmp(ml_gai_strerror(e), gai_strerror(e)), "gai_strerror(%d): \"%s\", glibc \"%s\"", e,
              ml_gai_strerror(e), gai_strerror(e));
}

/* The entries of a getaddrinfo result, as "a.b.c.d/socktype/port" words. */
static void entries(const struct addrinfo *ai, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = 0;
    for (; ai && at < cap; ai = ai->ai_next) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ai->ai_addr;
        char a[16];
        inet_ntop(AF_INET, &sin->sin_addr, a, sizeof a);
        at += (size_t)snprintf(out + at, cap - at, "%s%s/%d/%u", at ? " " : "", a, ai->ai_socktype, ntohs(sin->sin_port));
    }
}

/* getaddrinfo of names: which reach the resolver, how its answers become
 * entries and its errors EAI_ codes. */
static void check_names(struct report *r)
{
    struct addrinfo *res = NULL;
    char got[2048];
    struct addrinfo stream = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
    int calls = host_resolve_calls;

    /* localhost and the names under it: 127.0.0.1 without the resolver */
    static const char *local[] = { "localhost", "LocalHost.", "db.localhost", "a.b.LOCALHOST." };
    for (size_t i = 0; i < sizeof local / sizeof *local; i++) {
        res = NULL;
        int e = ml_getaddrinfo(local[i], "80", &stream, &res);
        if (e == 0)
            entries(res, got, sizeof got);
        CHECK(r, e == 0 && !strcmp(got, "127.0.0.1/1/80"), "getaddrinfo(%s): %d [%s]", local[i], e, e ? "" : got);
        if (e == 0)
            ml_freeaddrinfo(res);
    }
    CHECK(r, host_resolve_calls == calls, "localhost names never reach the resolver");
    /* nor do numeric hosts, IPv6 literals, AI_NUMERICHOST, AF_INET6 hints */
    struct addrinfo numeric = { .ai_flags = AI_NUMERICHOST }, v6 = { .ai_family = AF_INET6 };
    CHECK(r, ml_getaddrinfo("10.0.2.2", "53", NULL, &res) == 0, "a numeric host");
    ml_freeaddrinfo(res);
    CHECK(r, ml_getaddrinfo("fe80::1", "53", NULL, &res) == EAI_FAMILY, "an IPv6 literal");
    CHECK(r, ml_getaddrinfo("example.org", "53", &numeric, &res) == EAI_NONAME, "a name with AI_NUMERICHOST");
    CHECK(r, ml_getaddrinfo("example.org", "53", &v6, &res) == EAI_FAMILY, "a name with AF_INET6 hints");
    CHECK(r, host_resolve_calls == calls, "no lookup for numbers, AI_NUMERICHOST or AF_INET6");
    /* but names that merely look like localhost do */
    static const char *not_local[] = { "notlocalhost", "localhost.example", "localhost..", "x.localhostx" };
    for (size_t i = 0; i < sizeof not_local / sizeof *not_local; i++) {
        CHECK(r, ml_getaddrinfo(not_local[i], "80", &stream, &res) == EAI_FAIL &&
              !strcmp(host_resolve_last, not_local[i]), "%s goes to the resolver", not_local[i]);
    }

    /* two addresses: each with every socket kind, in the answer's order;
     * the canonical name (the CNAME chain's end) on the first entry */
    host_resolve_addrs[0] = 0xc0000207; /* 192.0.2.7 */
    host_resolve_addrs[1] = 0xc0000201;
    host_resolve_result = 2;
    host_resolve_canonical = "service.halvm.test";
    struct addrinfo canon = { .ai_flags = AI_CANONNAME };
    int e = ml_getaddrinfo("alias.halvm.test", "80", &canon, &res);
    CHECK(r, e == 0 && !strcmp(host_resolve_last, "alias.halvm.test"), "a name through the resolver: %d", e);
    if (e == 0) {
        entries(res, got, sizeof got);
        CHECK(r, !strcmp(got, "192.0.2.7/1/80 192.0.2.7/2/80 192.0.2.7/3/80 192.0.2.1/1/80 192.0.2.1/2/80 192.0.2.1/3/80"),
              "two addresses: [%s]", got);
        CHECK(r, res->ai_canonname && !strcmp(res->ai_canonname, "service.halvm.test") &&
              !res->ai_next->ai_canonname, "AI_CANONNAME: the resolver's canonical name, on the first entry");
        ml_freeaddrinfo(res);
    }
    /* no canonical name from the resolver: the name asked for */
    host_resolve_canonical = NULL;
    e = ml_getaddrinfo("alias.halvm.test", NULL, &canon, &res);
    CHECK(r, e == 0 && res->ai_canonname && !strcmp(res->ai_canonname, "alias.halvm.test"), "AI_CANONNAME without DNS's");
    if (e == 0)
        ml_freeaddrinfo(res);
    e = ml_getaddrinfo("alias.halvm.test", "80", &stream, &res);
    CHECK(r, e == 0 && !res->ai_canonname && res->ai_next && !res->ai_next->ai_next, "SOCK_STREAM: one entry an address");
    if (e == 0)
        ml_freeaddrinfo(res);
    /* at most 32 addresses are asked for */
    for (int i = 0; i < 64; i++)
        host_resolve_addrs[i] = 0xc6336400u + (uint32_t)i;
    host_resolve_result = 64;
    e = ml_getaddrinfo("many.halvm.test", "80", &stream, &res);
    int n = 0;
    for (struct addrinfo *a = e ? NULL : res; a; a = a->ai_next)
        n++;
    CHECK(r, e == 0 && n == 32, "64 addresses offered: %d entries", n);
    if (e == 0)
        ml_freeaddrinfo(res);

    /* the resolver's errors */
    static const struct { int err, eai; } errors[] = {
        { ENOENT, EAI_NONAME }, { EINVAL, EAI_NONAME }, { ENODATA, EAI_NODATA }, { ETIMEDOUT, EAI_AGAIN },
        { EAGAIN, EAI_AGAIN }, { ENETUNREACH, EAI_AGAIN }, { EDESTADDRREQ, EAI_FAIL }, { ENETDOWN, EAI_FAIL },
        { EPROTO, EAI_FAIL }, { EBADMSG, EAI_FAIL }, { EMSGSIZE, EAI_FAIL }, { ENOBUFS, EAI_MEMORY },
        { EMFILE, EAI_SYSTEM },
    };
    for (size_t i = 0; i < sizeof errors / sizeof *errors; i++) {
        host_resolve_result = -errors[i].err;
        ML_ERRNO = 0;
        res = NULL;
        e = ml_getaddrinfo("x.halvm.test", "80", NULL, &res);
        CHECK(r, e == errors[i].eai && !res, "resolver error %d: %d (%s), expected %d", errors[i].err, e,
              ml_gai_strerror(e), errors[i].eai);
    }
    CHECK(r, ML_ERRNO == EMFILE, "EAI_SYSTEM leaves the cause in errno");
    host_resolve_result = -ENETDOWN;
}

/* gethostbyname: getaddrinfo's lookup in a hostent; errors in h_errno */
static void check_gethostbyname(struct report *r)
{
    int calls = host_resolve_calls;
    struct hostent *h = ml_gethostbyname("10.1.2.3");
    CHECK(r, h && !strcmp(h->h_name, "10.1.2.3") && h->h_addrtype == AF_INET && h->h_length == 4 &&
          !h->h_aliases[0] && h->h_addr_list[0] && !h->h_addr_list[1] &&
          ((struct in_addr *)h->h_addr_list[0])->s_addr == htonl(0x0a010203), "gethostbyname of a number");
    CHECK(r, host_resolve_calls == calls, "gethostbyname of a number asks no resolver");

    for (int i = 0; i < 64; i++)
        host_resolve_addrs[i] = 0xc6336400u + (uint32_t)i;
    host_resolve_result = 64;
    host_resolve_canonical = "service.halvm.test";
    h = ml_gethostbyname("alias.halvm.test");
    int n = 0;
    for (char **a = h ? h->h_addr_list : NULL; a && *a; a++)
        n++;
    CHECK(r, h && n == 32 && ((struct in_addr *)h->h_addr_list[31])->s_addr == htonl(0xc633641f),
          "gethostbyname: 32 of 64 addresses, in order (%d)", n);
    CHECK(r, h && !strcmp(h->h_name, "service.halvm.test") && h->h_aliases[0] &&
          !strcmp(h->h_aliases[0], "alias.halvm.test") && !h->h_aliases[1], "gethostbyname: a CNAME's name an alias");
    host_resolve_canonical = "Service.halvm.test";
    h = ml_gethostbyname("service.halvm.test");
    CHECK(r, h && !strcmp(h->h_name, "Service.halvm.test") && !h->h_aliases[0], "gethostbyname: no alias for its own name");

    static const struct { int err, h_errno_value; } errors[] = {
        { ENOENT, HOST_NOT_FOUND }, { EINVAL, HOST_NOT_FOUND }, { ENODATA, NO_DATA }, { ETIMEDOUT, TRY_AGAIN },
        { ENETUNREACH, TRY_AGAIN }, { EDESTADDRREQ, NO_RECOVERY }, { ENETDOWN, NO_RECOVERY }, { ENOBUFS, NO_RECOVERY },
    };
    for (size_t i = 0; i < sizeof errors / sizeof *errors; i++) {
        host_resolve_result = -errors[i].err;
        ml_h_errno = 0;
        h = ml_gethostbyname("x.halvm.test");
        CHECK(r, !h && ml_h_errno == errors[i].h_errno_value, "gethostbyname, resolver error %d: h_errno %d, expected %d",
              errors[i].err, ml_h_errno, errors[i].h_errno_value);
    }
    host_resolve_canonical = NULL;
    host_resolve_result = -ENETDOWN;
}

/* The built-in service and protocol tables: explicit values, and glibc's
 * answers from the host's /etc/services and /etc/protocols where it has
 * the entry. */
static void check_service_tables(struct report *r)
{
    struct servent *e = ml_getservbyname("http", "tcp");
    CHECK(r, e && !strcmp(e->s_name, "http") && e->s_port == htons(80) && !strcmp(e->s_proto, "tcp") && !e->s_aliases[0],
          "getservbyname(http, tcp)");
    e = ml_getservbyname("domain", NULL);
    CHECK(r, e && e->s_port == htons(53) && !strcmp(e->s_proto, "tcp"), "getservbyname(domain, NULL): tcp");
    e = ml_getservbyname("domain", "udp");
    CHECK(r, e && e->s_port == htons(53) && !strcmp(e->s_proto, "udp"), "getservbyname(domain, udp)");
    CHECK(r, !ml_getservbyname("http", "sctp") && !ml_getservbyname("no-such-service", "tcp") && !ml_getservbyname(NULL, NULL),
          "getservbyname of an unknown service or protocol: NULL");
    e = ml_getservbyport(htons(443), "tcp");
    CHECK(r, e && !strcmp(e->s_name, "https"), "getservbyport(443, tcp)");
    CHECK(r, !ml_getservbyport(htons(4), "tcp"), "getservbyport of an unknown port: NULL");
    static const char *const names[] = { "echo", "ftp", "ssh", "smtp", "domain", "http", "ntp", "imaps", "https" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        struct servent *g = getservbyname(names[i], "tcp");
        if (!g)
            continue; /* the host has no /etc/services entry */
        e = ml_getservbyname(names[i], "tcp");
        CHECK(r, e && e->s_port == g->s_port, "getservbyname(%s, tcp) as glibc's", names[i]);
    }

    struct protoent *p = ml_getprotobyname("tcp");
    CHECK(r, p && p->p_proto == 6 && !strcmp(p->p_name, "tcp") && p->p_aliases[0] && !strcmp(p->p_aliases[0], "TCP") &&
          !p->p_aliases[1], "getprotobyname(tcp)");
    p = ml_getprotobyname("UDP");
    CHECK(r, p && p->p_proto == 17 && !strcmp(p->p_name, "udp"), "getprotobyname of an alias");
    p = ml_getprotobynumber(1);
    CHECK(r, p && !strcmp(p->p_name, "icmp"), "getprotobynumber(1)");
    CHECK(r, !ml_getprotobyname("Tcp") && !ml_getprotobyname("sctp") && !ml_getprotobynumber(132) && !ml_getprotobyname(NULL),
          "unknown protocols: NULL");
    static const char *const protos[] = { "ip", "icmp", "tcp", "udp", "ipv6", "ipv6-icmp", "raw" };
    for (size_t i = 0; i < sizeof protos / sizeof *protos; i++) {
        struct protoent *g = getprotobyname(protos[i]);
        if (!g)
            continue; /* the host has no /etc/protocols entry */
        p = ml_getprotobyname(protos[i]);
        CHECK(r, p && p->p_proto == g->p_proto && !strcmp(p->p_name, g->p_name), "getprotobyname(%s) as glibc's", protos[i]);
    }
}

static void check_getnameinfo(struct report *r, uint64_t *s, unsigned long cases)
{
    for (unsigned long i = 0; i < cases; i++) {
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = (in_port_t)rnd(s), .sin_addr.s_addr = (in_addr_t)rnd(s) };
        socklen_t hl = (socklen_t)rnd_below(s, 20), sl = (socklen_t)rnd_below(s, 8);
        int flags = NI_NUMERICHOST | NI_NUMERICSERV | (chance(s, 20) ? NI_DGRAM : 0);
        char mh[32] = "", gh[32] = "", ms[16] = "", gs[16] = "";
        int x = ml_getnameinfo((struct sockaddr *)&sin, sizeof sin, mh, hl, ms, sl, flags);
        int y = getnameinfo((struct sockaddr *)&sin, sizeof sin, gh, hl, gs, sl, flags);
        CHECK(r, x == y && (x || (!strcmp(mh, gh) && !strcmp(ms, gs))),
              "getnameinfo(hostlen %u servlen %u): %d [%s] [%s], glibc %d [%s] [%s]", hl, sl, x, mh, ms, y, gh, gs);
    }
    struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
    char h[64];
    CHECK(r, ml_getnameinfo((struct sockaddr *)&v6, sizeof v6, h, sizeof h, NULL, 0, NI_NUMERICHOST) == EAI_FAMILY,
          "getnameinfo of an IPv6 address: EAI_FAMILY");
    /* no reverse lookups: the number, or EAI_NONAME when a name is required */
    int calls = host_resolve_calls;
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = htonl(0xc0000207) };
    CHECK(r, ml_getnameinfo((struct sockaddr *)&in, sizeof in, h, sizeof h, NULL, 0, 0) == 0 && !strcmp(h, "192.0.2.7"),
          "getnameinfo without NI_NUMERICHOST: the number");
    CHECK(r, ml_getnameinfo((struct sockaddr *)&in, sizeof in, h, sizeof h, NULL, 0, NI_NAMEREQD) == EAI_NONAME,
          "getnameinfo with NI_NAMEREQD: EAI_NONAME");
    CHECK(r, host_resolve_calls == calls, "getnameinfo asks no resolver");
}

static void check_socket_arguments(struct report *r)
{
    int sv[2];
    ML_ERRNO = 0;
    CHECK(r, ml_socket(AF_INET6, SOCK_STREAM, 0) == -1 && ML_ERRNO == EAFNOSUPPORT, "socket(AF_INET6): EAFNOSUPPORT");
    ML_ERRNO = 0;
    CHECK(r, ml_socket(AF_UNIX, SOCK_STREAM, 0) == -1 && ML_ERRNO == EAFNOSUPPORT, "socket(AF_UNIX): EAFNOSUPPORT");
    ML_ERRNO = 0;
    CHECK(r, ml_socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) == -1 && ML_ERRNO == EPROTONOSUPPORT,
          "socket(SOCK_STREAM, IPPROTO_UDP): EPROTONOSUPPORT");
    ML_ERRNO = 0;
    CHECK(r, ml_socket(AF_INET, SOCK_SEQPACKET, 0) == -1 && ML_ERRNO == ESOCKTNOSUPPORT,
          "socket(SOCK_SEQPACKET): ESOCKTNOSUPPORT");
    ML_ERRNO = 0;
    CHECK(r, ml_socket(AF_INET, 99, 0) == -1 && ML_ERRNO == EINVAL, "socket(type 99): EINVAL");
    ML_ERRNO = 0;
    CHECK(r, ml_socket(AF_INET, SOCK_STREAM, 0) == -1 && ML_ERRNO == ENETDOWN, "socket without a network: ENETDOWN");
    ML_ERRNO = 0;
    CHECK(r, ml_socketpair(AF_INET, SOCK_STREAM, 0, sv) == -1 && ML_ERRNO == EOPNOTSUPP, "socketpair(AF_INET): EOPNOTSUPP");
    ML_ERRNO = 0;
    CHECK(r, ml_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 && ML_ERRNO == EAFNOSUPPORT, "socketpair(AF_UNIX)");
    struct sockaddr_in a = { .sin_family = AF_INET };
    ML_ERRNO = 0;
    CHECK(r, ml_bind(1, (struct sockaddr *)&a, sizeof a) == -1 && ML_ERRNO == ENOTSOCK, "bind on the console: ENOTSOCK");
    ML_ERRNO = 0;
    CHECK(r, ml_listen(200, 1) == -1 && ML_ERRNO == EBADF, "listen on a closed descriptor: EBADF");
    ML_ERRNO = 0;
    CHECK(r, ml_send(-1, "x", 1, 0) == -1 && ML_ERRNO == EBADF, "send on -1: EBADF");
    int v;
    socklen_t len = sizeof v;
    ML_ERRNO = 0;
    CHECK(r, ml_getsockopt(2, SOL_SOCKET, SO_TYPE, &v, &len) == -1 && ML_ERRNO == ENOTSOCK, "getsockopt on stderr");
    char name[IF_NAMESIZE];
    ML_ERRNO = 0;
    CHECK(r, ml_if_nametoindex("eth0") == 0 && ML_ERRNO == ENETDOWN, "if_nametoindex without a network");
    ML_ERRNO = 0;
    CHECK(r, !ml_if_indextoname(1, name) && ML_ERRNO == ENETDOWN, "if_indextoname without a network");
    struct if_nameindex *list = ml_if_nameindex();
    CHECK(r, list && list[0].if_index == 0 && !list[0].if_name, "if_nameindex without a network: empty");
    ml_if_freenameindex(list);
}

unsigned long suite_sockets(uint64_t seed, unsigned long cases, char *buf, size_t cap)
{
    struct report r = { buf, cap, 0, 0 };
    uint64_t s = seed;
    check_byte_order(&r, &s);
    check_inet_text(&r, &s, cases);
    check_inet_ntop(&r, &s, cases);
    check_getaddrinfo(&r);
    check_names(&r);
    check_gethostbyname(&r);
    check_service_tables(&r);
    check_getnameinfo(&r, &s, cases);
    check_socket_arguments(&r);
    return r.failures;
}
