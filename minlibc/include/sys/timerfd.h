#ifndef _SYS_TIMERFD_H
#define _SYS_TIMERFD_H
#include <time.h>
__MINLIBC_BEGIN
#define TFD_TIMER_ABSTIME 1
#define TFD_CLOEXEC 02000000
#define TFD_NONBLOCK 04000
int timerfd_create(int, int);
int timerfd_settime(int, int, const struct itimerspec *, struct itimerspec *);
int timerfd_gettime(int, struct itimerspec *);
__MINLIBC_END
#endif
