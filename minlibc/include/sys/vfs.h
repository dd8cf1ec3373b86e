/* <sys/vfs.h>: the older name of <sys/statfs.h>, as on Linux. */
#ifndef _SYS_VFS_H
#define _SYS_VFS_H
#include <sys/statfs.h>
#endif
