/* <sys/auxv.h>: getauxval. halvm images start without the auxiliary
 * vector Linux puts above a process's environment, so every lookup misses:
 * 0 with errno ENOENT, which is what glibc answers for a type the vector
 * lacks. The AT_* numbers are in <elf.h>. */
#ifndef _SYS_AUXV_H
#define _SYS_AUXV_H
#include <_minlibc_types.h>
#include <elf.h>
__MINLIBC_BEGIN
unsigned long getauxval(unsigned long);
__MINLIBC_END
#endif
