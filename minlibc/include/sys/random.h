#ifndef _SYS_RANDOM_H
#define _SYS_RANDOM_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
/* getrandom() flags (Linux values). Bytes come from the CPU's RDSEED or
 * RDRAND; without either, the calls fail with ENOSYS. */
#define GRND_NONBLOCK 0x01
#define GRND_RANDOM 0x02
#define GRND_INSECURE 0x04
ssize_t getrandom(void *, size_t, unsigned int);
int getentropy(void *, size_t);
__MINLIBC_END
#endif
