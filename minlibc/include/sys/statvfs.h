#ifndef _SYS_STATVFS_H
#define _SYS_STATVFS_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
struct statvfs { unsigned long f_bsize, f_frsize; fsblkcnt_t f_blocks, f_bfree, f_bavail;
                 fsfilcnt_t f_files, f_ffree, f_favail; unsigned long f_fsid, f_flag, f_namemax; int __spare[6]; };
int statvfs(const char *__restrict, struct statvfs *__restrict);
int fstatvfs(int, struct statvfs *);
__MINLIBC_END
#endif
