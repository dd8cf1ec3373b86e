#ifndef _SYS_UTSNAME_H
#define _SYS_UTSNAME_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
#define _UTSNAME_LENGTH 65
struct utsname { char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65]; };
int uname(struct utsname *);
__MINLIBC_END
#endif
