/*
 * getaddrinfo of host names through rts-xen's DNS resolver (qemu lane,
 * check `dns_lookup`). The test boots it with halvm.dns=10.0.2.2:PORT,
 * where its responder (tests/boot/src/dns.rs) listens on the host's
 * 127.0.0.1:PORT (QEMU's user networking takes 10.0.2.2 to the host).
 * What the responder answers:
 *
 *   service.halvm.test   A 192.0.2.7
 *   alias.halvm.test     CNAME middle.halvm.test, which is a CNAME of
 *                        service.halvm.test (A 192.0.2.7)
 *   many.halvm.test      A 192.0.2.1, 192.0.2.2, 192.0.2.3
 *   empty.halvm.test     no records (NOERROR)
 *   broken.halvm.test    SERVFAIL
 *   retry.halvm.test     A 192.0.2.9, but only to the second query
 *   silent.halvm.test    nothing, ever
 *   any other name       NXDOMAIN
 *
 * gethostbyname is asked some of the same names. The host side checks
 * which queries arrived (none for localhost, a numeric address, a
 * numeric-only lookup or an invalid name) and the times printed here.
 * Console lines start with "dns_lookup: "; the status is the number of
 * failed checks (0: all passed).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static int failures;

static void check(int ok, const char *what)
{
    printf("dns_lookup: %s %s\n", ok ? "ok" : "FAILED", what);
    if (!ok)
        failures++;
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* getaddrinfo of `name`, printed as one line: its entries
 * ("a.b.c.d/socktype/port ...", then the canonical name if any), or its
 * error; returns the error and, in `got`, the entries. */
static int lookup(const char *name, const char *service, int flags, int socktype, char *got, size_t cap)
{
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = socktype, .ai_flags = flags }, *res;
    long t0 = now_ms();
    int e = getaddrinfo(name, service, &hints, &res);
    long took = now_ms() - t0;
    size_t at = 0;
    got[0] = 0;
    if (e == 0) {
        for (struct addrinfo *a = res; a && at < cap; a = a->ai_next) {
            char ip[16];
            struct sockaddr_in *sin = (struct sockaddr_in *)a->ai_addr;
            inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip);
            at += (size_t)snprintf(got + at, cap - at, "%s%s/%d/%u", at ? " " : "", ip, a->ai_socktype,
                                   ntohs(sin->sin_port));
        }
        if (res->ai_canonname && at < cap)
            snprintf(got + at, cap - at, " canonical %s", res->ai_canonname);
        freeaddrinfo(res);
        printf("dns_lookup: %s: [%s] after %ld ms\n", name, got, took);
    } else {
        printf("dns_lookup: %s: error %d (%s) after %ld ms\n", name, e, gai_strerror(e), took);
    }
    return e;
}

/* gethostbyname of `name` as one line in `got` ("h_name aliases: ...
 * addresses: ..."), or its h_errno ("h_errno N"); printed too. */
static void host_lookup(const char *name, char *got, size_t cap)
{
    struct hostent *h = gethostbyname(name);
    if (!h) {
        snprintf(got, cap, "h_errno %d", h_errno);
    } else {
        size_t at = (size_t)snprintf(got, cap, "%s type %d length %d aliases:", h->h_name, h->h_addrtype, h->h_length);
        for (char **a = h->h_aliases; *a && at < cap; a++)
            at += (size_t)snprintf(got + at, cap - at, " %s", *a);
        at += (size_t)snprintf(got + at, cap - at, " addresses:");
        for (char **a = h->h_addr_list; *a && at < cap; a++) {
            char ip[16];
            inet_ntop(AF_INET, *a, ip, sizeof ip);
            at += (size_t)snprintf(got + at, cap - at, " %s", ip);
        }
    }
    printf("dns_lookup: gethostbyname %s: %s\n", name, got);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    char got[512];

    int e = lookup("service.halvm.test", "http", 0, SOCK_STREAM, got, sizeof got);
    check(e == 0 && !strcmp(got, "192.0.2.7/1/80"), "a name's address, with a service name");
    e = lookup("Service.HALVM.test.", "7", 0, SOCK_DGRAM, got, sizeof got);
    check(e == 0 && !strcmp(got, "192.0.2.7/2/7"), "any case, a final dot");
    e = lookup("alias.halvm.test", "80", AI_CANONNAME, SOCK_STREAM, got, sizeof got);
    check(e == 0 && !strcmp(got, "192.0.2.7/1/80 canonical service.halvm.test"),
          "a CNAME chain followed, its end the canonical name");
    e = lookup("many.halvm.test", NULL, 0, 0, got, sizeof got);
    check(e == 0 && !strcmp(got, "192.0.2.1/1/0 192.0.2.1/2/0 192.0.2.1/3/0 192.0.2.2/1/0 192.0.2.2/2/0 "
                                 "192.0.2.2/3/0 192.0.2.3/1/0 192.0.2.3/2/0 192.0.2.3/3/0"),
          "three addresses in the answer's order, each with every socket type");

    check(lookup("missing.halvm.test", "80", 0, 0, got, sizeof got) == EAI_NONAME, "NXDOMAIN: EAI_NONAME");
    check(lookup("empty.halvm.test", "80", 0, 0, got, sizeof got) == EAI_NODATA, "no A record: EAI_NODATA");
    check(lookup("broken.halvm.test", "80", 0, 0, got, sizeof got) == EAI_AGAIN, "SERVFAIL: EAI_AGAIN");

    /* none of these may reach the DNS server */
    e = lookup("localhost", "80", AI_CANONNAME, SOCK_STREAM, got, sizeof got);
    check(e == 0 && !strcmp(got, "127.0.0.1/1/80 canonical localhost"), "localhost without DNS");
    e = lookup("db.localhost", "80", 0, SOCK_STREAM, got, sizeof got);
    check(e == 0 && !strcmp(got, "127.0.0.1/1/80"), "a name under localhost without DNS");
    check(lookup("numeric.halvm.test", "80", AI_NUMERICHOST, 0, got, sizeof got) == EAI_NONAME,
          "AI_NUMERICHOST: EAI_NONAME");
    check(lookup("bad..name.halvm.test", "80", 0, 0, got, sizeof got) == EAI_NONAME, "an invalid name: EAI_NONAME");

    /* the old interface: the same lookups */
    host_lookup("many.halvm.test", got, sizeof got);
    check(!strcmp(got, "many.halvm.test type 2 length 4 aliases: addresses: 192.0.2.1 192.0.2.2 192.0.2.3"),
          "gethostbyname: every address");
    host_lookup("alias.halvm.test", got, sizeof got);
    check(!strcmp(got, "service.halvm.test type 2 length 4 aliases: alias.halvm.test addresses: 192.0.2.7"),
          "gethostbyname: the canonical name, the name asked among the aliases");
    host_lookup("10.1.2.3", got, sizeof got);
    check(!strcmp(got, "10.1.2.3 type 2 length 4 aliases: addresses: 10.1.2.3"), "gethostbyname: a number");
    host_lookup("localhost", got, sizeof got);
    check(!strcmp(got, "localhost type 2 length 4 aliases: addresses: 127.0.0.1"), "gethostbyname: localhost");
    host_lookup("missing.halvm.test", got, sizeof got);
    check(!strcmp(got, "h_errno 1"), "gethostbyname: NXDOMAIN is HOST_NOT_FOUND");
    host_lookup("empty.halvm.test", got, sizeof got);
    check(!strcmp(got, "h_errno 4"), "gethostbyname: no A record is NO_DATA");
    host_lookup("broken.halvm.test", got, sizeof got);
    check(!strcmp(got, "h_errno 2"), "gethostbyname: SERVFAIL is TRY_AGAIN");

    /* no reverse lookups */
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(80) };
    inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
    char host[64];
    check(getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, NULL, 0, 0) == 0 &&
          !strcmp(host, "192.0.2.7"), "getnameinfo gives the number");
    check(getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, NULL, 0, NI_NAMEREQD) == EAI_NONAME,
          "getnameinfo with NI_NAMEREQD: EAI_NONAME");

    /* the waits (the host checks the times printed) */
    e = lookup("retry.halvm.test", "80", 0, SOCK_STREAM, got, sizeof got);
    check(e == 0 && !strcmp(got, "192.0.2.9/1/80"), "a lost query sent again");
    check(lookup("silent.halvm.test", "80", 0, 0, got, sizeof got) == EAI_AGAIN, "no answer at all: EAI_AGAIN");

    printf("dns_lookup: %d check(s) failed\n", failures);
    return failures;
}
