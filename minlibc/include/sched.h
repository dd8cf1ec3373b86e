#ifndef _SCHED_H
#define _SCHED_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
#define SCHED_OTHER 0
#define SCHED_FIFO 1
#define SCHED_RR 2
struct sched_param { int sched_priority; };
typedef struct { unsigned long __bits[1024 / (8 * sizeof(unsigned long))]; } cpu_set_t;
#define CPU_SETSIZE 1024
#define CPU_ZERO(s) __builtin_memset((s), 0, sizeof(cpu_set_t))
#define CPU_SET(c, s) ((s)->__bits[(c) / 64] |= (1UL << ((c) % 64)))
#define CPU_CLR(c, s) ((s)->__bits[(c) / 64] &= ~(1UL << ((c) % 64)))
#define CPU_ISSET(c, s) (((s)->__bits[(c) / 64] & (1UL << ((c) % 64))) != 0)
#define CPU_COUNT(s) __minlibc_cpu_count(sizeof(cpu_set_t), (s))
int __minlibc_cpu_count(size_t, const cpu_set_t *);
int sched_yield(void);
int sched_getaffinity(pid_t, size_t, cpu_set_t *);
int sched_setaffinity(pid_t, size_t, const cpu_set_t *);
int sched_getcpu(void);
__MINLIBC_END
#endif
