/* <sys/statfs.h>: Linux's statfs with the x86_64 layout of struct statfs
 * (120 bytes, the kernel's and glibc's). halvm has no file system: statfs
 * of any path fails with ENOENT, fstatfs of a console descriptor with
 * ENOSYS (the console belongs to no file system that could be described),
 * of any other number with EBADF -- the same answers as statvfs/fstatvfs. */
#ifndef _SYS_STATFS_H
#define _SYS_STATFS_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
struct statfs {
    long f_type;              /* file system magic number */
    long f_bsize;
    fsblkcnt_t f_blocks, f_bfree, f_bavail;
    fsfilcnt_t f_files, f_ffree;
    fsid_t f_fsid;
    long f_namelen;
    long f_frsize;
    long f_flags;             /* ST_* mount flags */
    long f_spare[4];
};
int statfs(const char *, struct statfs *);
int fstatfs(int, struct statfs *);
__MINLIBC_END
#endif
