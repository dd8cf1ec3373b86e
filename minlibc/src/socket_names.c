/*
 * Names and numbers of the socket world: byte order, address text
 * (inet_*), getaddrinfo/getnameinfo, gai_strerror, and the interface
 * names (if_*), which ask the platform about its one interface.
 *
 * getaddrinfo takes numeric hosts as they are, answers "localhost" and
 * the names under it with 127.0.0.1 itself, and asks the platform's DNS
 * resolver (halvm_net_resolve, <halvm/net.h>) for any other name unless
 * AI_NUMERICHOST is set (then EAI_NONAME, like glibc). Results are IPv4
 * only (AF_INET6 asked for: EAI_FAMILY). Service names come from a small
 * built-in table (no /etc/services); getnameinfo answers with numbers
 * only (no reverse lookups: NI_NAMEREQD fails with EAI_NONAME).
 */
#include "internal.h"
#include <halvm/net.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* the header defines these as macros too; these are the functions */
#undef htons
#undef htonl
#undef ntohs
#undef ntohl
uint16_t htons(uint16_t x) { return __builtin_bswap16(x); }
uint16_t ntohs(uint16_t x) { return __builtin_bswap16(x); }
uint32_t htonl(uint32_t x) { return __builtin_bswap32(x); }
uint32_t ntohl(uint32_t x) { return __builtin_bswap32(x); }

/* ------------------------------------------------------------ inet_* */

/* One part of an inet_aton address: decimal, 0x hex or 0 octal. */
static const char *aton_part(const char *s, uint32_t *out)
{
    uint32_t base = 10, v = 0;
    int digits = 0;
    if (*s == '0') {
        base = 8;
        s++;
        digits = 1;
        if (*s == 'x' || *s == 'X') {
            base = 16;
            s++;
            digits = 0;
        }
    }
    for (;; s++) {
        uint32_t d;
        if (*s >= '0' && *s <= '9')
            d = (uint32_t)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (uint32_t)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (uint32_t)(*s - 'A' + 10);
        else
            break;
        if (d >= base)
            return NULL;
        if (v > (UINT32_MAX - d) / base)
            return NULL;
        v = v * base + d;
        digits++;
    }
    if (!digits)
        return NULL;
    *out = v;
    return s;
}

/* inet_aton's forms: a.b.c.d, a.b.c (c 16 bits), a.b (b 24 bits), a
 * (32 bits). `exact`: nothing may follow (getaddrinfo); otherwise, like
 * glibc, whitespace and anything after it may. Host byte order. */
static int parse_aton(const char *s, uint32_t *addr, int exact)
{
    uint32_t parts[4];
    int n = 0;
    for (;;) {
        if (n == 4)
            return 0;
        s = aton_part(s, &parts[n++]);
        if (!s)
            return 0;
        if (*s != '.')
            break;
        s++;
    }
    if (*s && (exact || !(*s == ' ' || (*s >= '\t' && *s <= '\r'))))
        return 0;
    uint32_t v;
    switch (n) {
    case 1: v = parts[0]; break;
    case 2:
        if (parts[0] > 0xff || parts[1] > 0xffffff) return 0;
        v = parts[0] << 24 | parts[1];
        break;
    case 3:
        if (parts[0] > 0xff || parts[1] > 0xff || parts[2] > 0xffff) return 0;
        v = parts[0] << 24 | parts[1] << 16 | parts[2];
        break;
    default:
        for (int i = 0; i < 4; i++)
            if (parts[i] > 0xff) return 0;
        v = parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3];
    }
    *addr = v;
    return 1;
}

int inet_aton(const char *s, struct in_addr *out)
{
    uint32_t v;
    if (!s || !parse_aton(s, &v, 0))
        return 0;
    if (out)
        out->s_addr = htonl(v);
    return 1;
}

in_addr_t inet_addr(const char *s)
{
    struct in_addr a;
    return inet_aton(s, &a) ? a.s_addr : INADDR_NONE;
}

char *inet_ntoa(struct in_addr a)
{
    static char buf[16];
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return buf;
}

/* inet_pton's IPv4 form: exactly four decimal numbers 0-255, no leading
 * zeros (glibc's inet_pton4). */
static int pton4(const char *s, unsigned char out[4])
{
    int n = 0;
    while (n < 4) {
        if (*s < '0' || *s > '9')
            return 0;
        unsigned v = 0;
        const char *start = s;
        while (*s >= '0' && *s <= '9') {
            if (s > start && *start == '0')
                return 0;
            v = v * 10 + (unsigned)(*s++ - '0');
            if (v > 255)
                return 0;
        }
        out[n++] = (unsigned char)v;
        if (n < 4 && *s++ != '.')
            return 0;
    }
    return *s == 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* RFC 4291 text: up to eight groups of 1-4 hex digits, one "::", an IPv4
 * address in the last 32 bits. */
static int pton6(const char *s, unsigned char out[16])
{
    unsigned char tmp[16] = { 0 };
    int at = 0, gap = -1;
    if (s[0] == ':' && s[1] != ':')
        return 0;
    if (s[0] == ':') {
        s += 2;
        gap = 0;
        if (!*s) {
            memset(out, 0, 16);
            return 1;
        }
    }
    for (;;) {
        const char *start = s;
        unsigned v = 0;
        int digits = 0;
        while (hexval(*s) >= 0) {
            if (++digits > 4)
                return 0;
            v = v << 4 | (unsigned)hexval(*s++);
        }
        if (*s == '.' && at <= 12 && digits) {
            if (!pton4(start, tmp + at))
                return 0;
            at += 4;
            break;
        }
        if (!digits || at > 14)
            return 0;
        tmp[at++] = (unsigned char)(v >> 8);
        tmp[at++] = (unsigned char)v;
        if (!*s)
            break;
        if (*s++ != ':')
            return 0;
        if (*s == ':') {
            if (gap >= 0)
                return 0;
            gap = at;
            s++;
            if (!*s)
                break;
        } else if (!*s) {
            return 0;
        }
    }
    if (gap >= 0) {
        if (at == 16)
            return 0;
        int tail = at - gap;
        memmove(tmp + 16 - tail, tmp + gap, (size_t)tail);
        memset(tmp + gap, 0, (size_t)(16 - tail - gap));
    } else if (at != 16) {
        return 0;
    }
    memcpy(out, tmp, 16);
    return 1;
}

int inet_pton(int af, const char *restrict s, void *restrict out)
{
    if (af == AF_INET)
        return pton4(s, out);
    if (af == AF_INET6)
        return pton6(s, out);
    MINLIBC_FAIL(EAFNOSUPPORT, -1);
}

static const char *ntop_done(const char *text, char *restrict dst, socklen_t size)
{
    size_t n = strlen(text);
    if (n >= size)
        MINLIBC_FAIL(ENOSPC, NULL);
    memcpy(dst, text, n + 1);
    return dst;
}

const char *inet_ntop(int af, const void *restrict src, char *restrict dst, socklen_t size)
{
    char buf[64];
    const unsigned char *b = src;
    if (af == AF_INET) {
        snprintf(buf, sizeof buf, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
        return ntop_done(buf, dst, size);
    }
    if (af != AF_INET6)
        MINLIBC_FAIL(EAFNOSUPPORT, NULL);
    unsigned w[8];
    for (int i = 0; i < 8; i++)
        w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
    /* the longest run of two or more zero groups (the first of equals) */
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && w[j] == 0)
            j++;
        if (j - i > best_len && j - i >= 2) {
            best = i;
            best_len = j - i;
        }
        i = j > i ? j : i + 1;
    }
    char *p = buf;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            *p++ = ':';
            if (i + best_len == 8)
                *p++ = ':';
            i += best_len - 1;
            continue;
        }
        if (i)
            *p++ = ':';
        /* an IPv4-compatible or -mapped address ends in dotted form */
        if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
            p += snprintf(p, 16, "%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
            break;
        }
        p += snprintf(p, 8, "%x", w[i]);
    }
    *p = 0;
    return ntop_done(buf, dst, size);
}

/* ------------------------------------------------------ getaddrinfo */

/* Services without /etc/services: the common ones (same ports for TCP and
 * UDP, as IANA assigns them). */
static const struct { const char *name; int port; } services[] = {
    { "echo", 7 }, { "discard", 9 }, { "daytime", 13 }, { "ftp-data", 20 }, { "ftp", 21 },
    { "ssh", 22 }, { "telnet", 23 }, { "smtp", 25 }, { "time", 37 }, { "domain", 53 },
    { "tftp", 69 }, { "gopher", 70 }, { "finger", 79 }, { "http", 80 }, { "www", 80 },
    { "pop3", 110 }, { "sunrpc", 111 }, { "ntp", 123 }, { "imap", 143 }, { "imap2", 143 },
    { "snmp", 161 }, { "ldap", 389 }, { "https", 443 }, { "submission", 587 },
    { "ldaps", 636 }, { "imaps", 993 }, { "pop3s", 995 }, { "http-alt", 8080 },
};

/* Where `name` is in the service table, or -1. */
static int service_index(const char *name)
{
    for (size_t i = 0; name && i < sizeof services / sizeof *services; i++)
        if (!strcmp(services[i].name, name))
            return (int)i;
    return -1;
}

/* The service databases without /etc/services: the table above, the
 * same entry for "tcp" and "udp" (or any, for a NULL protocol: "tcp"),
 * in a static servent the next call overwrites. */
static struct servent *service_entry(size_t i, const char *proto)
{
    static char *no_aliases[1];
    static struct servent entry;
    if (proto && strcmp(proto, "tcp") && strcmp(proto, "udp"))
        return NULL;
    entry = (struct servent){ .s_name = (char *)services[i].name, .s_aliases = no_aliases,
                              .s_port = htons((uint16_t)services[i].port), .s_proto = (char *)(proto ? proto : "tcp") };
    return &entry;
}

struct servent *getservbyname(const char *name, const char *proto)
{
    int i = service_index(name);
    return i < 0 ? NULL : service_entry((size_t)i, proto);
}

/* `port` in network byte order, as the call has it. */
struct servent *getservbyport(int port, const char *proto)
{
    for (size_t i = 0; i < sizeof services / sizeof *services; i++)
        if (htons((uint16_t)services[i].port) == (uint16_t)port)
            return service_entry(i, proto);
    return NULL;
}

/* The protocol database without /etc/protocols: Debian's names and
 * aliases for the protocols of the socket calls' world. */
static const struct { const char *name, *alias; int number; } protocols[] = {
    { "ip", "IP", 0 }, { "icmp", "ICMP", 1 }, { "tcp", "TCP", 6 }, { "udp", "UDP", 17 },
    { "ipv6", "IPv6", 41 }, { "ipv6-icmp", "IPv6-ICMP", 58 }, { "raw", "RAW", 255 },
};

static struct protoent *protocol_entry(size_t i)
{
    static char *aliases[2];
    static struct protoent entry;
    aliases[0] = (char *)protocols[i].alias;
    aliases[1] = NULL;
    entry = (struct protoent){ .p_name = (char *)protocols[i].name, .p_aliases = aliases, .p_proto = protocols[i].number };
    return &entry;
}

/* By name or alias, as glibc matches /etc/protocols (exact case). */
struct protoent *getprotobyname(const char *name)
{
    for (size_t i = 0; name && i < sizeof protocols / sizeof *protocols; i++)
        if (!strcmp(protocols[i].name, name) || !strcmp(protocols[i].alias, name))
            return protocol_entry(i);
    return NULL;
}

struct protoent *getprotobynumber(int number)
{
    for (size_t i = 0; i < sizeof protocols / sizeof *protocols; i++)
        if (protocols[i].number == number)
            return protocol_entry(i);
    return NULL;
}

/* The port (host order) of `service`, or -1 (unknown: EAI_SERVICE, or
 * EAI_NONAME with AI_NUMERICSERV). */
static int service_port(const char *service, int numeric_only, int *err)
{
    /* glibc's rule: anything strtoul reads whole is a number, kept in an
     * int: negative is EAI_SERVICE, otherwise the port is its low 16 bits
     * ("" is 0, 65536 is 0, "-1" fails) */
    char *end;
    int v = (int)strtoul(service, &end, 10);
    if (!*end) {
        if (v < 0) {
            *err = EAI_SERVICE;
            return -1;
        }
        return v & 0xffff;
    }
    if (numeric_only) {
        *err = EAI_NONAME;
        return -1;
    }
    int i = service_index(service);
    if (i < 0)
        *err = EAI_SERVICE;
    return i < 0 ? -1 : services[i].port;
}

/* One result: the addrinfo with its sockaddr_in (and canonical name)
 * behind it in the same block, which freeaddrinfo frees. */
static struct addrinfo *new_result(uint32_t addr, int port, int socktype, int protocol, const char *canon)
{
    size_t canon_len = canon ? strlen(canon) + 1 : 0;
    struct addrinfo *ai = calloc(1, sizeof *ai + sizeof(struct sockaddr_in) + canon_len);
    if (!ai)
        return NULL;
    struct sockaddr_in *sin = (struct sockaddr_in *)(ai + 1);
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    sin->sin_addr.s_addr = htonl(addr);
    ai->ai_family = AF_INET;
    ai->ai_socktype = socktype;
    ai->ai_protocol = protocol;
    ai->ai_addrlen = sizeof *sin;
    ai->ai_addr = (struct sockaddr *)sin;
    if (canon) {
        ai->ai_canonname = (char *)(sin + 1);
        memcpy(ai->ai_canonname, canon, canon_len);
    }
    return ai;
}

/* "localhost" and the names under it ("x.localhost"), any case, a final
 * dot allowed: the loopback address without asking DNS, as Debian's
 * /etc/hosts has it for "localhost" and RFC 6761 (6.3) asks for all. */
static int is_localhost(const char *name)
{
    size_t n = strlen(name);
    if (n && name[n - 1] == '.')
        n--;
    if (n < 9 || strncasecmp(name + n - 9, "localhost", 9))
        return 0;
    return n == 9 || (n > 10 && name[n - 10] == '.');
}

/* The EAI_ code of a halvm_net_resolve error (net.h lists them). As in
 * glibc: a name that does not exist is EAI_NONAME, one without an IPv4
 * address EAI_NODATA, no answer or a failing server EAI_AGAIN. */
static int resolve_error(int r)
{
    switch (-r) {
    case ENOENT:
    case EINVAL:
        return EAI_NONAME;
    case ENODATA:
        return EAI_NODATA;
    case ETIMEDOUT:
    case EAGAIN:
    case ENETUNREACH:
        return EAI_AGAIN;
    case ENOBUFS:
        return EAI_MEMORY;
    case EMFILE:
        errno = EMFILE;
        return EAI_SYSTEM;
    default:
        /* no DNS server (EDESTADDRREQ), no network (ENETDOWN), a server
         * that refuses or answers unusably (EPROTO, EBADMSG, EMSGSIZE) */
        return EAI_FAIL;
    }
}

/* Most addresses taken from one DNS answer. */
#define MAX_ADDRS 32

#define AI_KNOWN (AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_V4MAPPED | AI_ALL | AI_ADDRCONFIG | AI_NUMERICSERV)

int getaddrinfo(const char *restrict node, const char *restrict service, const struct addrinfo *restrict hints,
                struct addrinfo **restrict res)
{
    static const struct addrinfo no_hints = { .ai_family = AF_UNSPEC };
    if (!res)
        return EAI_SYSTEM;
    *res = NULL;
    if (!hints)
        hints = &no_hints;
    if (!node && !service)
        return EAI_NONAME;
    if (hints->ai_flags & ~AI_KNOWN)
        return EAI_BADFLAGS;
    if ((hints->ai_flags & AI_CANONNAME) && !node)
        return EAI_BADFLAGS;
    if (hints->ai_family != AF_UNSPEC && hints->ai_family != AF_INET)
        return EAI_FAMILY;
    int st = hints->ai_socktype, pr = hints->ai_protocol;
    /* glibc's order: a name where only numbers may be, the socket type,
     * then the service itself */
    int port = 0, err = 0;
    if (service && (hints->ai_flags & AI_NUMERICSERV)) {
        char *end;
        strtoul(service, &end, 10);
        if (*end)
            return EAI_NONAME;
    }
    if (st != 0 && st != SOCK_STREAM && st != SOCK_DGRAM && st != SOCK_RAW)
        return EAI_SOCKTYPE;
    if (service) {
        port = service_port(service, hints->ai_flags & AI_NUMERICSERV, &err);
        if (port < 0)
            return err;
    }
    if ((st == SOCK_STREAM && pr && pr != IPPROTO_TCP) || (st == SOCK_DGRAM && pr && pr != IPPROTO_UDP))
        return EAI_SOCKTYPE;
    if (st == SOCK_RAW && service && *service)
        return EAI_SERVICE; /* raw sockets have no ports (glibc: "" passes) */

    uint32_t addrs[MAX_ADDRS];
    int naddrs = 1;
    /* the canonical name: the node as given, or DNS's */
    char dns_canon[256];
    const char *canon_name = node;
    if (!node) {
        addrs[0] = (hints->ai_flags & AI_PASSIVE) ? INADDR_ANY : INADDR_LOOPBACK;
    } else if (parse_aton(node, &addrs[0], 1)) {
        /* numeric */
    } else if (hints->ai_flags & AI_NUMERICHOST) {
        return EAI_NONAME;
    } else if (is_localhost(node)) {
        addrs[0] = INADDR_LOOPBACK;
    } else {
        unsigned char v6[16];
        if (pton6(node, v6))
            return EAI_FAMILY; /* an IPv6 address: no IPv6 here */
        naddrs = halvm_net_resolve(node, addrs, MAX_ADDRS, dns_canon, sizeof dns_canon);
        if (naddrs < 0)
            return resolve_error(naddrs);
        if (dns_canon[0])
            canon_name = dns_canon;
    }

    /* glibc's order: stream, datagram, raw */
    static const struct { int socktype, protocol; } kinds[] = {
        { SOCK_STREAM, IPPROTO_TCP }, { SOCK_DGRAM, IPPROTO_UDP }, { SOCK_RAW, 0 },
    };
    /* (glibc's order too: each address with every kind; the canonical
     * name on the first entry only) */
    struct addrinfo *head = NULL, **tail = &head;
    const char *canon = (hints->ai_flags & AI_CANONNAME) ? canon_name : NULL;
    for (int a = 0; a < naddrs; a++)
        for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
            if (st && st != kinds[i].socktype)
                continue;
            if (pr && kinds[i].protocol && pr != kinds[i].protocol)
                continue;
            if (kinds[i].socktype == SOCK_RAW && !st && pr)
                continue;
            struct addrinfo *ai = new_result(addrs[a], port, kinds[i].socktype,
                                             kinds[i].socktype == SOCK_RAW ? pr : kinds[i].protocol, canon);
            if (!ai) {
                freeaddrinfo(head);
                return EAI_MEMORY;
            }
            canon = NULL;
            *tail = ai;
            tail = &ai->ai_next;
        }
    if (!head)
        return EAI_SERVICE;
    *res = head;
    return 0;
}

/* ----------------------------------------------------- gethostbyname */

int h_errno;

/* The h_errno of a getaddrinfo error, as glibc's gethostbyname sets it. */
static int host_error(int eai)
{
    switch (eai) {
    case EAI_NONAME: return HOST_NOT_FOUND;
    case EAI_NODATA: return NO_DATA;
    case EAI_AGAIN: return TRY_AGAIN;
    default: return NO_RECOVERY;
    }
}

/* The old lookup, for C code that still uses it: getaddrinfo's IPv4
 * addresses of `name` in one static hostent, overwritten by the next call
 * (as in every libc). h_name is the canonical name; h_aliases holds the
 * name asked for when DNS's canonical name differs (a CNAME). */
struct hostent *gethostbyname(const char *name)
{
    static char canonical[256], alias[256];
    static char *aliases[2];
    static struct in_addr addrs[MAX_ADDRS];
    static char *addr_list[MAX_ADDRS + 1];
    static struct hostent host;
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM, .ai_flags = AI_CANONNAME }, *res;
    int e = getaddrinfo(name, NULL, &hints, &res);
    if (e) {
        h_errno = host_error(e);
        return NULL;
    }
    snprintf(canonical, sizeof canonical, "%s", res->ai_canonname ? res->ai_canonname : name);
    int n = 0;
    for (struct addrinfo *a = res; a && n < MAX_ADDRS; a = a->ai_next, n++) {
        addrs[n] = ((struct sockaddr_in *)a->ai_addr)->sin_addr;
        addr_list[n] = (char *)&addrs[n];
    }
    addr_list[n] = NULL;
    freeaddrinfo(res);
    aliases[0] = aliases[1] = NULL;
    if (strcasecmp(canonical, name)) {
        snprintf(alias, sizeof alias, "%s", name);
        aliases[0] = alias;
    }
    host = (struct hostent){ .h_name = canonical, .h_aliases = aliases, .h_addrtype = AF_INET,
                             .h_length = sizeof(struct in_addr), .h_addr_list = addr_list };
    return &host;
}

void freeaddrinfo(struct addrinfo *ai)
{
    while (ai) {
        struct addrinfo *next = ai->ai_next;
        free(ai);
        ai = next;
    }
}

const char *gai_strerror(int e)
{
    switch (e) {
    case EAI_BADFLAGS: return "Bad value for ai_flags";
    case EAI_NONAME: return "Name or service not known";
    case EAI_AGAIN: return "Temporary failure in name resolution";
    case EAI_FAIL: return "Non-recoverable failure in name resolution";
    case EAI_NODATA: return "No address associated with hostname";
    case EAI_FAMILY: return "ai_family not supported";
    case EAI_SOCKTYPE: return "ai_socktype not supported";
    case EAI_SERVICE: return "Servname not supported for ai_socktype";
    case EAI_ADDRFAMILY: return "Address family for hostname not supported";
    case EAI_MEMORY: return "Memory allocation failure";
    case EAI_SYSTEM: return "System error";
    /* glibc 2.36 has no text for EAI_OVERFLOW either */
    default: return "Unknown error";
    }
}

#define NI_KNOWN (NI_NUMERICHOST | NI_NUMERICSERV | NI_NOFQDN | NI_NAMEREQD | NI_DGRAM)

int getnameinfo(const struct sockaddr *restrict sa, socklen_t salen, char *restrict host, socklen_t hostlen,
                char *restrict serv, socklen_t servlen, int flags)
{
    if (flags & ~NI_KNOWN)
        return EAI_BADFLAGS;
    if (!sa || salen < (socklen_t)sizeof(sa_family_t))
        return EAI_FAMILY;
    if (sa->sa_family != AF_INET || salen < (socklen_t)sizeof(struct sockaddr_in))
        return EAI_FAMILY;
    struct sockaddr_in in;
    memcpy(&in, sa, sizeof in);
    if (host && hostlen) {
        if (flags & NI_NAMEREQD)
            return EAI_NONAME; /* no reverse lookups */
        char buf[16];
        inet_ntop(AF_INET, &in.sin_addr, buf, sizeof buf);
        if (strlen(buf) >= hostlen)
            return EAI_OVERFLOW;
        strcpy(host, buf);
    }
    if (serv && servlen) {
        char buf[8];
        snprintf(buf, sizeof buf, "%u", (unsigned)ntohs(in.sin_port));
        if (strlen(buf) >= servlen)
            return EAI_OVERFLOW;
        strcpy(serv, buf);
    }
    return 0;
}

/* ----------------------------------------------------------- if_* */

/* The platform's interface `index`, or 0 with errno (ENODEV / ENXIO). */
static int interface(unsigned index, struct halvm_net_interface *info, int missing_errno)
{
    int r = halvm_net_interface(index, info);
    if (r < 0)
        MINLIBC_FAIL(r == -ENODEV ? missing_errno : -r, 0);
    return 1;
}

unsigned int if_nametoindex(const char *name)
{
    struct halvm_net_interface info;
    if (!name)
        MINLIBC_FAIL(EFAULT, 0);
    if (!interface(1, &info, ENODEV))
        return 0;
    if (strncmp(name, info.name, sizeof info.name))
        MINLIBC_FAIL(ENODEV, 0);
    return info.index;
}

char *if_indextoname(unsigned int index, char name[IF_NAMESIZE])
{
    struct halvm_net_interface info;
    if (!interface(index, &info, ENXIO))
        return NULL;
    memcpy(name, info.name, IF_NAMESIZE);
    name[IF_NAMESIZE - 1] = 0;
    return name;
}

struct if_nameindex *if_nameindex(void)
{
    struct halvm_net_interface info;
    int have = halvm_net_interface(1, &info) == 0;
    /* the entries and the name in one block */
    struct if_nameindex *list = calloc(1, 2 * sizeof *list + IF_NAMESIZE);
    if (!list)
        MINLIBC_FAIL(ENOBUFS, NULL);
    if (have) {
        char *name = (char *)(list + 2);
        memcpy(name, info.name, IF_NAMESIZE);
        name[IF_NAMESIZE - 1] = 0;
        list[0].if_index = info.index;
        list[0].if_name = name;
    }
    return list;
}

void if_freenameindex(struct if_nameindex *list)
{
    free(list);
}
