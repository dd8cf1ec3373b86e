#ifndef _SYS_SELECT_H
#define _SYS_SELECT_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
#define FD_SETSIZE 1024
typedef long __fd_mask;
typedef long fd_mask;
#define NFDBITS (8 * (int)sizeof(__fd_mask))
typedef struct { __fd_mask fds_bits[FD_SETSIZE / NFDBITS]; } fd_set;
#define FD_ZERO(s) do { unsigned __i; fd_set *__s = (s); for (__i = 0; __i < FD_SETSIZE / NFDBITS; __i++) __s->fds_bits[__i] = 0; } while (0)
#define FD_SET(d, s) ((void)((s)->fds_bits[(d) / NFDBITS] |= (1L << ((d) % NFDBITS))))
#define FD_CLR(d, s) ((void)((s)->fds_bits[(d) / NFDBITS] &= ~(1L << ((d) % NFDBITS))))
#define FD_ISSET(d, s) (((s)->fds_bits[(d) / NFDBITS] & (1L << ((d) % NFDBITS))) != 0)
int select(int, fd_set *__restrict, fd_set *__restrict, fd_set *__restrict, struct timeval *__restrict);
int pselect(int, fd_set *__restrict, fd_set *__restrict, fd_set *__restrict, const struct timespec *__restrict, const sigset_t *__restrict);
__MINLIBC_END
#endif
