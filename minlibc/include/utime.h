#ifndef _UTIME_H
#define _UTIME_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
struct utimbuf { time_t actime; time_t modtime; };
int utime(const char *, const struct utimbuf *);
__MINLIBC_END
#endif
