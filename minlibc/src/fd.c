/*
 * The descriptor table and the calls every descriptor answers (see fd.h).
 * Any number not open in the table is EBADF. Device-specific behaviour
 * lives with the device: console_fd.c, random.c.
 */
#include "internal.h"
#include "fd.h"
#include <unistd.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>

/* The open files: each descriptor refers to at most one, so there are
 * never more in use than descriptors. The console's three come first.
 * Both tables start all zero (free, closed) and open_console fills in
 * the console's entries: initialized entries would put the whole tables,
 * 14 KB, into .data and so into every image; zero ones live in .bss. */
static struct open_file files[MINLIBC_FD_MAX];

/* The descriptors: the open file each refers to (NULL: closed) and its
 * own FD_CLOEXEC. */
static struct {
    struct open_file *file;
    int fd_flags;
} descriptors[MINLIBC_FD_MAX];

/* Opens descriptors 0, 1 and 2 on the console before anything can use
 * them: rts-xen runs the constructors before main(), and the highest
 * priority (101) puts this one before every other constructor, which may
 * already write to stderr. */
__attribute__((constructor(101))) static void open_console(void)
{
    static const int console_flags[3] = { O_RDONLY, O_WRONLY, O_WRONLY };
    for (int fd = 0; fd < 3; fd++) {
        files[fd] = (struct open_file){ .dev = &__minlibc_console_device, .flags = console_flags[fd], .refs = 1 };
        descriptors[fd].file = &files[fd];
        descriptors[fd].fd_flags = 0;
    }
}

struct open_file *__minlibc_fd(int fd)
{
    if (fd < 0 || fd >= MINLIBC_FD_MAX)
        return NULL;
    return descriptors[fd].file;
}

struct open_file *__minlibc_fd_on(int fd, const struct fd_device *dev, int other_errno)
{
    struct open_file *f = __minlibc_fd(fd);
    if (!f)
        MINLIBC_FAIL(EBADF, NULL);
    if (f->dev != dev)
        MINLIBC_FAIL(other_errno, NULL);
    return f;
}

int __minlibc_fd_is_console(int fd)
{
    struct open_file *f = __minlibc_fd(fd);
    return f && f->dev == &__minlibc_console_device;
}

/* POSIX: a new descriptor is the lowest-numbered free one (not below
 * `from`); -1 when all are taken. */
static int lowest_free(int from)
{
    for (int fd = from; fd < MINLIBC_FD_MAX; fd++)
        if (!descriptors[fd].file)
            return fd;
    return -1;
}

/* Makes `fd` (free) refer to `file`. */
static void attach(int fd, struct open_file *file, int fd_flags)
{
    file->refs++;
    descriptors[fd].file = file;
    descriptors[fd].fd_flags = fd_flags;
}

/* Closes `fd` (open); its open file goes when no descriptor is left. */
static void detach(int fd)
{
    struct open_file *f = descriptors[fd].file;
    descriptors[fd].file = NULL;
    if (--f->refs == 0 && f->dev->file && f->dev->file->release)
        f->dev->file->release(f);
}

/* ------------------------------------------------------- device files */

/* random.c: whether the platform has a generator for the random devices */
int __minlibc_random_generator_present(void);

/* Each device file: its path, its device, and whether a driver stands
 * behind the node right now (opening it fails with ENXIO when none does,
 * like Linux's open of a node whose driver is missing; stat and access
 * still see the node). */
static const struct {
    const char *path;
    const struct fd_device *dev;
    int (*has_driver)(void);
} device_files[] = {
    { "/dev/urandom", &__minlibc_urandom_device, __minlibc_random_generator_present },
    { "/dev/random", &__minlibc_random_device, __minlibc_random_generator_present },
};

static int device_has_driver(const struct fd_device *dev)
{
    for (size_t i = 0; i < sizeof device_files / sizeof *device_files; i++)
        if (device_files[i].dev == dev)
            return device_files[i].has_driver();
    return 1;
}

const struct fd_device *__minlibc_device_file(const char *path)
{
    if (!path)
        return NULL;
    for (size_t i = 0; i < sizeof device_files / sizeof *device_files; i++)
        if (!strcmp(path, device_files[i].path))
            return device_files[i].dev;
    return NULL;
}

/* A new open file on `dev` (status flags from `flags`, `node` at offset
 * 0) behind the free descriptor `fd`; returns `fd`. */
static int open_at(int fd, const struct fd_device *dev, int flags, void *node)
{
    /* a free open file exists: fewer are in use than descriptors */
    struct open_file *file = files;
    while (file->refs)
        file++;
    file->dev = dev;
    file->flags = flags & (O_ACCMODE | O_NONBLOCK | O_APPEND);
    file->node = node;
    file->pos = 0;
    attach(fd, file, (flags & O_CLOEXEC) ? FD_CLOEXEC : 0);
    return fd;
}

int __minlibc_open_device(const struct fd_device *dev, int flags)
{
    if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
        MINLIBC_FAIL(EEXIST, -1);
    if (flags & O_DIRECTORY)
        MINLIBC_FAIL(ENOTDIR, -1);
    if ((flags & O_ACCMODE) != O_RDONLY && !dev->write)
        MINLIBC_FAIL(EACCES, -1);
    int fd = lowest_free(0);
    if (fd < 0)
        MINLIBC_FAIL(EMFILE, -1);
    /* Linux asks the driver last (chrdev_open): after the checks above
     * and after reserving a descriptor, so a full table is EMFILE */
    if (!device_has_driver(dev))
        MINLIBC_FAIL(ENXIO, -1);
    return open_at(fd, dev, flags, NULL);
}

int __minlibc_open_node(const struct fd_device *dev, int flags, void *node)
{
    int fd = lowest_free(0);
    if (fd < 0)
        MINLIBC_FAIL(EMFILE, -1);
    return open_at(fd, dev, flags, node);
}

void __minlibc_device_stat(const struct fd_device *dev, struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_mode = dev->mode;
    st->st_nlink = 1;
    st->st_rdev = dev->rdev;
    st->st_blksize = dev->blksize;
}

int __minlibc_device_access(const struct fd_device *dev, int mode)
{
    if (mode & ~(R_OK | W_OK | X_OK))
        MINLIBC_FAIL(EINVAL, -1);
    if (((mode & R_OK) && !(dev->mode & S_IRUSR)) || ((mode & W_OK) && !(dev->mode & S_IWUSR)) ||
        ((mode & X_OK) && !(dev->mode & S_IXUSR)))
        MINLIBC_FAIL(EACCES, -1);
    return 0;
}

/* -------------------------------------------------- descriptor calls */

ssize_t read(int fd, void *buf, size_t n)
{
    struct open_file *f = __minlibc_fd(fd);
    if (!f || (f->flags & O_ACCMODE) == O_WRONLY)
        MINLIBC_FAIL(EBADF, -1);
    if (n == 0)
        return 0;
    if (!buf)
        MINLIBC_FAIL(EFAULT, -1);
    return f->dev->read(f, buf, n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    struct open_file *f = __minlibc_fd(fd);
    if (!f || (f->flags & O_ACCMODE) == O_RDONLY || !(f->dev->write || f->dev->file))
        MINLIBC_FAIL(EBADF, -1);
    if (f->dev->file)
        return f->dev->file->write(f, buf, n);
    return f->dev->write(buf, n);
}

ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
    if (cnt < 0)
        MINLIBC_FAIL(EINVAL, -1);
    struct open_file *f = __minlibc_fd(fd);
    if (f && f->dev->file && f->dev->file->readv)
        return f->dev->file->readv(f, iov, cnt);
    ssize_t total = 0;
    for (int i = 0; i < cnt; i++) {
        if (iov[i].iov_len == 0)
            continue;
        ssize_t r = read(fd, iov[i].iov_base, iov[i].iov_len);
        if (r < 0)
            return total ? total : -1;
        total += r;
        /* go on only while reading cannot wait */
        if ((size_t)r < iov[i].iov_len || !__minlibc_fd(fd)->dev->readable())
            break;
    }
    return total;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    if (cnt < 0)
        MINLIBC_FAIL(EINVAL, -1);
    struct open_file *f = __minlibc_fd(fd);
    if (f && f->dev->file && f->dev->file->writev)
        return f->dev->file->writev(f, iov, cnt);
    ssize_t total = 0;
    for (int i = 0; i < cnt; i++) {
        ssize_t r = write(fd, iov[i].iov_base, iov[i].iov_len);
        if (r < 0)
            return total ? total : -1;
        total += r;
    }
    return total;
}

int close(int fd)
{
    if (!__minlibc_fd(fd))
        MINLIBC_FAIL(EBADF, -1);
    detach(fd);
    return 0;
}

int isatty(int fd)
{
    struct open_file *f = __minlibc_fd(fd);
    if (!f)
        MINLIBC_FAIL(EBADF, 0);
    if (!f->dev->tty)
        MINLIBC_FAIL(ENOTTY, 0);
    return 1;
}

int fstat(int fd, struct stat *st)
{
    struct open_file *f = __minlibc_fd(fd);
    if (!f)
        MINLIBC_FAIL(EBADF, -1);
    if (f->dev->file)
        f->dev->file->stat(f, st);
    else
        __minlibc_device_stat(f->dev, st);
    return 0;
}

/* glibc's large-file name, see stat64 in unsupported.c */
int fstat64(int, struct stat *) __attribute__((alias("fstat")));

off_t lseek(int fd, off_t off, int whence)
{
    struct open_file *f = __minlibc_fd(fd);
    if (!f)
        MINLIBC_FAIL(EBADF, -1);
    if (f->dev->file)
        return f->dev->file->seek(f, off, whence);
    if (!f->dev->seek)
        MINLIBC_FAIL(ESPIPE, -1);
    return f->dev->seek(off, whence);
}

int fcntl(int fd, int cmd, ...)
{
    struct open_file *f = __minlibc_fd(fd);
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);
    va_end(ap);
    if (!f)
        MINLIBC_FAIL(EBADF, -1);
    switch (cmd) {
    case F_GETFL:
        return f->flags;
    case F_SETFL:
        f->flags = (f->flags & O_ACCMODE) | ((int)arg & (O_NONBLOCK | O_APPEND));
        return 0;
    case F_GETFD:
        return descriptors[fd].fd_flags;
    case F_SETFD:
        descriptors[fd].fd_flags = (int)arg & FD_CLOEXEC;
        return 0;
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        /* Linux: the lowest free descriptor from `arg` (an int) on;
         * EINVAL when it is negative or at the limit */
        int from = (int)arg;
        if (from < 0 || from >= MINLIBC_FD_MAX)
            MINLIBC_FAIL(EINVAL, -1);
        int to = lowest_free(from);
        if (to < 0)
            MINLIBC_FAIL(EMFILE, -1);
        attach(to, f, cmd == F_DUPFD_CLOEXEC ? FD_CLOEXEC : 0);
        return to;
    }
    default:
        MINLIBC_FAIL(EINVAL, -1);
    }
}

/* ------------------------------------------------------- duplication */

/* The copy shares the open file (device, status flags); FD_CLOEXEC is
 * the copy's own, clear unless asked for. Closing either leaves the other
 * open. */

int dup(int fd)
{
    struct open_file *f = __minlibc_fd(fd);
    if (!f)
        MINLIBC_FAIL(EBADF, -1);
    int to = lowest_free(0);
    if (to < 0)
        MINLIBC_FAIL(EMFILE, -1);
    attach(to, f, 0);
    return to;
}

/* Linux's order of checks: flags, same number, `to` beyond the limit,
 * `from` not open. An open `to` is closed first, silently. */
int dup3(int from, int to, int flags)
{
    if (flags & ~O_CLOEXEC)
        MINLIBC_FAIL(EINVAL, -1);
    if (from == to)
        MINLIBC_FAIL(EINVAL, -1);
    if (to < 0 || to >= MINLIBC_FD_MAX)
        MINLIBC_FAIL(EBADF, -1);
    struct open_file *f = __minlibc_fd(from);
    if (!f)
        MINLIBC_FAIL(EBADF, -1);
    /* `from` keeps `f` in use even when `to` shared it */
    if (descriptors[to].file)
        detach(to);
    attach(to, f, (flags & O_CLOEXEC) ? FD_CLOEXEC : 0);
    return to;
}

int dup2(int from, int to)
{
    /* the same number: nothing to do once `from` is known open */
    if (from == to) {
        if (!__minlibc_fd(from))
            MINLIBC_FAIL(EBADF, -1);
        return to;
    }
    return dup3(from, to, 0);
}
