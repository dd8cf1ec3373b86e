#ifndef _SYS_UIO_H
#define _SYS_UIO_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
struct iovec { void *iov_base; size_t iov_len; };
#define UIO_MAXIOV 1024
ssize_t readv(int, const struct iovec *, int);
ssize_t writev(int, const struct iovec *, int);
__MINLIBC_END
#endif
