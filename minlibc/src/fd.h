/*
 * The descriptor table (fd.c): the one place that knows which descriptors
 * exist. 0, 1 and 2 start open on the console; open() adds descriptors on
 * the random device, /dev/urandom and /dev/random being the only files an
 * image has. Each descriptor refers to an open file (Linux's "open file
 * description": the device and the status flags), which dup, dup2, dup3
 * and fcntl(F_DUPFD) share between descriptors; FD_CLOEXEC belongs to the
 * descriptor. The descriptor calls (read, write, fstat, poll, ...) check
 * the table and dispatch to the device.
 */
#ifndef MINLIBC_FD_H
#define MINLIBC_FD_H
#include <stddef.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/uio.h>

/* Descriptors that can be open at once (sysconf(_SC_OPEN_MAX),
 * RLIMIT_NOFILE): room for a server's connections (rts-xen's stack has
 * 256 socket handles). */
#define MINLIBC_FD_MAX 256

/* The most one read transfers, Linux's MAX_RW_COUNT: larger requests
 * return a short count, so that the count fits ssize_t. */
#define MINLIBC_RW_MAX ((size_t)0x7ffff000)

struct open_file;
struct fd_file_ops;

/* What a kind of descriptor does. */
struct fd_device {
    /* read(2) for n > 0 on a descriptor open for reading */
    ssize_t (*read)(struct open_file *, void *, size_t n);
    /* write(2) on a descriptor open for writing; NULL: the device is
     * read-only (opening it for writing fails with EACCES) */
    ssize_t (*write)(const void *, size_t);
    /* poll/select: whether a read would return without waiting */
    int (*readable)(void);
    /* lseek(2); NULL: the device is a stream (ESPIPE) */
    off_t (*seek)(off_t, int);
    /* what fstat/stat report */
    mode_t mode;
    dev_t rdev;
    blksize_t blksize;
    /* a terminal: isatty, termios */
    int tty;
    /* files and directories (fs_calls.c): the calls that need the open
     * file; NULL for the other devices */
    const struct fd_file_ops *file;
};

/* What a file-system descriptor does beyond read (fs_calls.c). */
struct fd_file_ops {
    ssize_t (*write)(struct open_file *, const void *, size_t);
    off_t (*seek)(struct open_file *, off_t, int);
    void (*stat)(struct open_file *, struct stat *);
    /* the last descriptor on the open file was closed */
    void (*release)(struct open_file *);
    /* readv/writev as one call (a datagram socket gathers or scatters one
     * datagram, as on Linux); NULL: one read or write per buffer */
    ssize_t (*readv)(struct open_file *, const struct iovec *, int);
    ssize_t (*writev)(struct open_file *, const struct iovec *, int);
    /* poll() events of the open file; NULL: readable() and the access
     * mode decide */
    int (*revents)(struct open_file *, int events);
    /* ioctl(2) requests of this kind of file (FIONBIO is every
     * descriptor's, io_wait.c): 0, or -1 with errno (ENOTTY for a request
     * it does not know); NULL: none */
    int (*ioctl)(struct open_file *, unsigned long req, void *arg);
};

extern const struct fd_device __minlibc_console_device;      /* console_fd.c */
extern const struct fd_device __minlibc_urandom_device;      /* random.c */
extern const struct fd_device __minlibc_random_device;       /* random.c */
extern const struct fd_device __minlibc_socket_device;       /* socket.c */

/* What open() creates; duplicated descriptors share it, so a status flag
 * set through one (F_SETFL) is seen through all. */
struct open_file {
    const struct fd_device *dev;
    int flags;                    /* O_ACCMODE bits, O_NONBLOCK, O_APPEND */
    int refs;                     /* descriptors referring to it; 0: unused */
    void *node;                   /* files and directories: the fs_node */
    off_t pos;                    /* files and directories: the offset */
    int sock;                     /* sockets (socket.c): the halvm/net.h handle */
};

/* The open file `fd` refers to; NULL unless `fd` is open. */
struct open_file *__minlibc_fd(int fd);
/* The open file `fd` refers to if it is open on `dev`; otherwise NULL with
 * errno EBADF (not open) or `other_errno` (open on another kind of file:
 * ENOTSOCK, ENOTDIR, ...), the order in which Linux checks. */
struct open_file *__minlibc_fd_on(int fd, const struct fd_device *dev, int other_errno);
/* Non-zero when `fd` is open on the console. */
int __minlibc_fd_is_console(int fd);

/* The device file at `path` (an absolute path, compared exactly), or NULL:
 * no other file exists. */
const struct fd_device *__minlibc_device_file(const char *path);
/* open(2) of a device file: the lowest free descriptor, or -1 with errno. */
int __minlibc_open_device(const struct fd_device *, int flags);
/* Opens `node` on `dev` (a file-system descriptor): the lowest free
 * descriptor at offset 0, or -1 with EMFILE. */
int __minlibc_open_node(const struct fd_device *dev, int flags, void *node);
/* stat(2) of a device file. */
void __minlibc_device_stat(const struct fd_device *, struct stat *);
/* access(2) of a device file. */
int __minlibc_device_access(const struct fd_device *, int mode);

#endif
