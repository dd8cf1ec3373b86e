#ifndef _SYS_FILE_H
#define _SYS_FILE_H
#include <fcntl.h>
__MINLIBC_BEGIN
#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8
int flock(int, int);
__MINLIBC_END
#endif
