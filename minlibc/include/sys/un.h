/* <sys/un.h>: AF_UNIX socket addresses, layout as in glibc. */
#ifndef _SYS_UN_H
#define _SYS_UN_H
#include <_minlibc_types.h>
struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; };
/* Length of the used part of *ptr (family plus the path up to its NUL). */
#define SUN_LEN(ptr) (__builtin_offsetof(struct sockaddr_un, sun_path) + __builtin_strlen((ptr)->sun_path))
#endif
