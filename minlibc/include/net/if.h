/* <net/if.h>: interface name/index mapping, declarations as in glibc; the
 * implementation is minlibc's socket layer (see minlibc/README.md). */
#ifndef _NET_IF_H
#define _NET_IF_H
#include <_minlibc_types.h>
#include <sys/socket.h>
__MINLIBC_BEGIN
#define IF_NAMESIZE 16
#define IFNAMSIZ IF_NAMESIZE

/* Interface flags (SIOCGIFFLAGS), Linux values. */
#define IFF_UP 0x1
#define IFF_BROADCAST 0x2
#define IFF_DEBUG 0x4
#define IFF_LOOPBACK 0x8
#define IFF_POINTOPOINT 0x10
#define IFF_NOTRAILERS 0x20
#define IFF_RUNNING 0x40
#define IFF_NOARP 0x80
#define IFF_PROMISC 0x100
#define IFF_ALLMULTI 0x200
#define IFF_MASTER 0x400
#define IFF_SLAVE 0x800
#define IFF_MULTICAST 0x1000
#define IFF_PORTSEL 0x2000
#define IFF_AUTOMEDIA 0x4000
#define IFF_DYNAMIC 0x8000

/* One entry of the array if_nameindex() returns; the array ends with an
 * entry whose if_index is 0 and if_name is null. */
struct if_nameindex { unsigned int if_index; char *if_name; };

unsigned int if_nametoindex(const char *);
char *if_indextoname(unsigned int, char [IF_NAMESIZE]);
struct if_nameindex *if_nameindex(void);
void if_freenameindex(struct if_nameindex *);
__MINLIBC_END
#endif
