#ifndef _SYS_TIMES_H
#define _SYS_TIMES_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
struct tms { clock_t tms_utime, tms_stime, tms_cutime, tms_cstime; };
clock_t times(struct tms *);
__MINLIBC_END
#endif
