/*
 * The POSIX calls on the file tree (fs_tree.c): opening, reading and
 * writing files, metadata, directories as paths, /tmp's writes. Every
 * path outside /tmp is read-only: creating, writing or removing there
 * fails with EROFS (after the checks Linux makes first: a missing parent
 * is ENOENT, an existing name for mkdir EEXIST). Descriptors on files and
 * directories live in fd.c's table beside the console's, so dup, fcntl,
 * close and poll (always ready, like Linux's regular files) treat them
 * alike. The two device files of fd.c come first, at their exact paths.
 */
#include "internal.h"
#include "fd.h"
#include "fs_tree.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

/* ------------------------------------------------- the descriptor device */

static struct fs_node *node_of(struct open_file *f) { return f->node; }

static ssize_t fs_read(struct open_file *f, void *buf, size_t n)
{
    struct fs_node *node = node_of(f);
    if (S_ISDIR(node->mode))
        MINLIBC_FAIL(EISDIR, -1);
    if (f->pos < 0 || (uint64_t)f->pos >= node->size)
        return 0;
    uint64_t left = node->size - (uint64_t)f->pos;
    size_t k = n < left ? n : (size_t)left;
    if (k > MINLIBC_RW_MAX)
        k = MINLIBC_RW_MAX;
    memcpy(buf, node->data + f->pos, k);
    f->pos += (off_t)k;
    return (ssize_t)k;
}

/* Writes at `pos` (a /tmp file): as much as fits, ENOSPC when nothing
 * does, like a full tmpfs. */
static ssize_t write_at(struct fs_node *node, const void *buf, size_t n, off_t pos)
{
    if (n == 0)
        return 0;
    if (n > MINLIBC_RW_MAX)
        n = MINLIBC_RW_MAX;
    uint64_t end = (uint64_t)pos + n;
    if (end > node->size) {
        int e = __minlibc_fs_resize(node, end);
        if (e == ENOSPC) {
            /* the most this file can grow to: what it holds plus what is
             * free in /tmp */
            uint64_t most = node->cap + __minlibc_fs_tmp_free();
            if ((uint64_t)pos >= most)
                MINLIBC_FAIL(ENOSPC, -1);
            n = (size_t)(most - (uint64_t)pos);
            e = __minlibc_fs_resize(node, (uint64_t)pos + n);
        }
        if (e)
            MINLIBC_FAIL(e, -1);
    }
    memcpy(node->buf + pos, buf, n);
    return (ssize_t)n;
}

static ssize_t fs_write(struct open_file *f, const void *buf, size_t n)
{
    struct fs_node *node = node_of(f);
    if (f->flags & O_APPEND)
        f->pos = (off_t)node->size;
    if (n && !buf)
        MINLIBC_FAIL(EFAULT, -1);
    ssize_t r = write_at(node, buf, n, f->pos);
    if (r > 0)
        f->pos += r;
    return r;
}

static off_t fs_seek(struct open_file *f, off_t off, int whence)
{
    struct fs_node *node = node_of(f);
    off_t base;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = f->pos; break;
    case SEEK_END: base = S_ISDIR(node->mode) ? 0 : (off_t)node->size; break;
    default: MINLIBC_FAIL(EINVAL, -1);
    }
    if ((off > 0 && base > INT64_MAX - off))
        MINLIBC_FAIL(EOVERFLOW, -1);
    if (base + off < 0)
        MINLIBC_FAIL(EINVAL, -1);
    f->pos = base + off;
    return f->pos;
}

static void fs_fstat(struct open_file *f, struct stat *st) { __minlibc_fs_stat(node_of(f), st); }
static void fs_release(struct open_file *f) { __minlibc_fs_unpin(node_of(f)); f->node = NULL; }
static int always_ready(void) { return 1; }

static const struct fd_file_ops fs_ops = {
    .write = fs_write,
    .seek = fs_seek,
    .stat = fs_fstat,
    .release = fs_release,
};

const struct fd_device __minlibc_fs_device = {
    .read = fs_read,
    .write = NULL,
    .readable = always_ready,
    .seek = NULL,
    .mode = S_IFREG,
    .rdev = 0,
    .blksize = 4096,
    .tty = 0,
    .file = &fs_ops,
};

/* The node behind a file-system descriptor, NULL (errno set) otherwise. */
static struct fs_node *fd_node(int fd, int not_fs_errno)
{
    struct open_file *f = __minlibc_fd_on(fd, &__minlibc_fs_device, not_fs_errno);
    return f ? f->node : NULL;
}

/* Where a *at() call's relative path starts: 0 with *start (NULL: the
 * cwd), or -1 with errno (EBADF, ENOTDIR), as every *at() call fails. */
static int start_of(int dirfd, const char *path, struct fs_node **start)
{
    *start = NULL;
    if (!path || path[0] == '/' || dirfd == AT_FDCWD)
        return 0;
    struct open_file *f = __minlibc_fd_on(dirfd, &__minlibc_fs_device, ENOTDIR);
    if (!f)
        return -1;
    if (!S_ISDIR(((struct fs_node *)f->node)->mode))
        MINLIBC_FAIL(ENOTDIR, -1);
    *start = f->node;
    return 0;
}

static mode_t current_umask(void)
{
    mode_t m = umask(0);
    umask(m);
    return m;
}

/* Creates the missing entry `l` names, for open(O_CREAT) and mkdir: both
 * refuse a read-only directory (EROFS) and one already removed (ENOENT,
 * as Linux does for a deleted cwd), and both filter the permission bits
 * through the umask. NULL with errno on failure. */
static struct fs_node *create_entry(const struct fs_last *l, mode_t type, mode_t perm)
{
    if (!l->dir->writable)
        MINLIBC_FAIL(EROFS, NULL);
    if (l->dir->removed)
        MINLIBC_FAIL(ENOENT, NULL);
    return __minlibc_fs_add(l->dir, l->name, l->len, type | (perm & 07777 & ~current_umask()));
}

/* ---------------------------------------------------------------- open */

static int open_from(struct fs_node *start, const char *path, int flags, mode_t mode)
{
    if (!path)
        MINLIBC_FAIL(EFAULT, -1);
    const struct fd_device *dev = __minlibc_device_file(path);
    if (dev)
        return __minlibc_open_device(dev, flags);
    int acc = flags & O_ACCMODE;
    if (acc == O_ACCMODE)
        MINLIBC_FAIL(EINVAL, -1);
    struct fs_node *n = NULL;
    int e;
    if (flags & O_CREAT) {
        struct fs_last l;
        e = __minlibc_fs_resolve_last(start, path, &l);
        if (e)
            MINLIBC_FAIL(e, -1);
        n = l.node;
        if (n && (flags & O_EXCL))
            MINLIBC_FAIL(EEXIST, -1);
        if (n && S_ISLNK(n->mode)) {
            if (flags & O_NOFOLLOW)
                MINLIBC_FAIL(ELOOP, -1);
            e = __minlibc_fs_resolve(l.dir, l.name, 1, &n);
            if (e)
                MINLIBC_FAIL(e, -1);  /* a dangling link is not created through */
        }
        if (!n) {
            if (l.trailing || l.dot)
                MINLIBC_FAIL(EISDIR, -1);
            n = create_entry(&l, S_IFREG, mode);
            if (!n)
                return -1;
        } else if (S_ISDIR(n->mode)) {
            MINLIBC_FAIL(EISDIR, -1);
        }
    } else {
        e = __minlibc_fs_resolve(start, path, !(flags & O_NOFOLLOW), &n);
        if (e)
            MINLIBC_FAIL(e, -1);
        if (S_ISLNK(n->mode))
            MINLIBC_FAIL(ELOOP, -1);
    }
    if ((flags & O_DIRECTORY) && !S_ISDIR(n->mode))
        MINLIBC_FAIL(ENOTDIR, -1);
    if (S_ISDIR(n->mode) && acc != O_RDONLY)
        MINLIBC_FAIL(EISDIR, -1);
    if ((acc != O_RDONLY || (flags & O_TRUNC)) && !n->writable)
        MINLIBC_FAIL(EROFS, -1);
    /* the descriptor first: a full table must not truncate the file */
    int fd = __minlibc_open_node(&__minlibc_fs_device, flags, n);
    if (fd < 0)
        return -1;
    __minlibc_fs_pin(n);
    if ((flags & O_TRUNC) && S_ISREG(n->mode) && n->size)
        __minlibc_fs_resize(n, 0);  /* shrinking cannot fail */
    return fd;
}

int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    return open_from(NULL, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    struct fs_node *start;
    if (start_of(dirfd, path, &start) < 0)
        return -1;
    return open_from(start, path, flags, mode);
}

int creat(const char *path, mode_t m) { return open(path, O_CREAT | O_WRONLY | O_TRUNC, m); }

/* ------------------------------------------------------ positioned I/O */

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    struct open_file *f = __minlibc_fd(fd);
    if (!f || (f->flags & O_ACCMODE) == O_WRONLY)
        MINLIBC_FAIL(EBADF, -1);
    if (f->dev != &__minlibc_fs_device)
        MINLIBC_FAIL(ESPIPE, -1);
    if (S_ISDIR(node_of(f)->mode))
        MINLIBC_FAIL(EISDIR, -1);
    if (off < 0)
        MINLIBC_FAIL(EINVAL, -1);
    if (n && !buf)
        MINLIBC_FAIL(EFAULT, -1);
    off_t saved = f->pos;
    f->pos = off;
    ssize_t r = n ? fs_read(f, buf, n) : 0;
    f->pos = saved;
    return r;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    struct open_file *f = __minlibc_fd(fd);
    if (!f || (f->flags & O_ACCMODE) == O_RDONLY)
        MINLIBC_FAIL(EBADF, -1);
    if (f->dev != &__minlibc_fs_device)
        MINLIBC_FAIL(ESPIPE, -1);
    if (off < 0)
        MINLIBC_FAIL(EINVAL, -1);
    if (n && !buf)
        MINLIBC_FAIL(EFAULT, -1);
    return write_at(node_of(f), buf, n, off);
}

int ftruncate(int fd, off_t len)
{
    struct open_file *f = __minlibc_fd(fd);
    if (!f)
        MINLIBC_FAIL(EBADF, -1);
    if (f->dev != &__minlibc_fs_device || !S_ISREG(node_of(f)->mode) || (f->flags & O_ACCMODE) == O_RDONLY ||
        len < 0)
        MINLIBC_FAIL(EINVAL, -1);
    int e = __minlibc_fs_resize(node_of(f), (uint64_t)len);
    if (e)
        MINLIBC_FAIL(e, -1);
    return 0;
}

int truncate(const char *path, off_t len)
{
    struct fs_node *n;
    int e = __minlibc_fs_resolve(NULL, path, 1, &n);
    if (e)
        MINLIBC_FAIL(e, -1);
    if (S_ISDIR(n->mode))
        MINLIBC_FAIL(EISDIR, -1);
    if (len < 0)
        MINLIBC_FAIL(EINVAL, -1);
    if (!n->writable)
        MINLIBC_FAIL(EROFS, -1);
    e = __minlibc_fs_resize(n, (uint64_t)len);
    if (e)
        MINLIBC_FAIL(e, -1);
    return 0;
}

/* Everything is in memory: nothing to make durable. */
int fsync(int fd)
{
    return __minlibc_fd_on(fd, &__minlibc_fs_device, EINVAL) ? 0 : -1;
}

int fdatasync(int fd) { return fsync(fd); }

/* ------------------------------------------------------------ metadata */

static int stat_from(struct fs_node *start, const char *p, struct stat *st, int follow)
{
    if (!p)
        MINLIBC_FAIL(EFAULT, -1);
    const struct fd_device *dev = __minlibc_device_file(p);
    if (dev) {
        __minlibc_device_stat(dev, st);
        return 0;
    }
    struct fs_node *n;
    int e = __minlibc_fs_resolve(start, p, follow, &n);
    if (e)
        MINLIBC_FAIL(e, -1);
    __minlibc_fs_stat(n, st);
    return 0;
}

int stat(const char *restrict p, struct stat *restrict st) { return stat_from(NULL, p, st, 1); }
int lstat(const char *restrict p, struct stat *restrict st) { return stat_from(NULL, p, st, 0); }
/* glibc's large-file names, for objects compiled against glibc's headers
 * (the platform GHC's libraries): struct stat64 is struct stat on x86_64.
 * minlibc's headers do not declare them. */
int stat64(const char *restrict, struct stat *restrict) __attribute__((alias("stat")));
int lstat64(const char *restrict, struct stat *restrict) __attribute__((alias("lstat")));

int fstatat(int dirfd, const char *restrict p, struct stat *restrict st, int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        MINLIBC_FAIL(EINVAL, -1);
    if ((flags & AT_EMPTY_PATH) && p && !*p)
        return dirfd == AT_FDCWD ? stat(".", st) : fstat(dirfd, st);
    struct fs_node *start;
    if (start_of(dirfd, p, &start) < 0)
        return -1;
    return stat_from(start, p, st, !(flags & AT_SYMLINK_NOFOLLOW));
}

static int access_from(struct fs_node *start, const char *p, int mode)
{
    if (mode & ~(R_OK | W_OK | X_OK))
        MINLIBC_FAIL(EINVAL, -1);
    if (!p)
        MINLIBC_FAIL(EFAULT, -1);
    const struct fd_device *dev = __minlibc_device_file(p);
    if (dev)
        return __minlibc_device_access(dev, mode);
    struct fs_node *n;
    int e = __minlibc_fs_resolve(start, p, 1, &n);
    if (e)
        MINLIBC_FAIL(e, -1);
    /* the process is root: reading and writing are always allowed by the
     * permission bits, executing a file needs one x bit */
    if ((mode & W_OK) && !n->writable)
        MINLIBC_FAIL(EROFS, -1);
    if ((mode & X_OK) && !S_ISDIR(n->mode) && !(n->mode & 0111))
        MINLIBC_FAIL(EACCES, -1);
    return 0;
}

int access(const char *p, int mode) { return access_from(NULL, p, mode); }

int faccessat(int dirfd, const char *p, int mode, int flags)
{
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW))
        MINLIBC_FAIL(EINVAL, -1);
    struct fs_node *start;
    if (start_of(dirfd, p, &start) < 0)
        return -1;
    return access_from(start, p, mode);
}

int chmod(const char *p, mode_t m)
{
    struct fs_node *n;
    int e = __minlibc_fs_resolve(NULL, p, 1, &n);
    if (e)
        MINLIBC_FAIL(e, -1);
    if (!n->writable)
        MINLIBC_FAIL(EROFS, -1);
    n->mode = (n->mode & S_IFMT) | (m & 07777);
    return 0;
}

ssize_t readlink(const char *restrict p, char *restrict buf, size_t n)
{
    struct fs_node *node;
    int e = __minlibc_fs_resolve(NULL, p, 0, &node);
    if (e)
        MINLIBC_FAIL(e, -1);
    if (!S_ISLNK(node->mode) || n == 0)
        MINLIBC_FAIL(EINVAL, -1);
    size_t len = strlen(node->link);
    size_t k = len < n ? len : n;
    memcpy(buf, node->link, k);
    return (ssize_t)k;
}

char *realpath(const char *restrict p, char *restrict resolved)
{
    if (!p)
        MINLIBC_FAIL(EINVAL, NULL);
    struct fs_node *n;
    int e = __minlibc_fs_resolve(NULL, p, 1, &n);
    if (e)
        MINLIBC_FAIL(e, NULL);
    char *out = resolved ? resolved : malloc(FS_PATH_MAX);
    if (!out)
        MINLIBC_FAIL(ENOMEM, NULL);
    e = __minlibc_fs_path_of(n, out, FS_PATH_MAX);
    if (e) {
        if (!resolved)
            free(out);
        MINLIBC_FAIL(e == ERANGE ? ENAMETOOLONG : e, NULL);
    }
    return out;
}

/* ------------------------------------------------------- the directory */

int chdir(const char *p)
{
    struct fs_node *n;
    int e = __minlibc_fs_resolve(NULL, p, 1, &n);
    if (e)
        MINLIBC_FAIL(e, -1);
    if (!S_ISDIR(n->mode))
        MINLIBC_FAIL(ENOTDIR, -1);
    __minlibc_fs_set_cwd(n);
    return 0;
}

int fchdir(int fd)
{
    struct fs_node *n = fd_node(fd, ENOTDIR);
    if (!n)
        return -1;
    if (!S_ISDIR(n->mode))
        MINLIBC_FAIL(ENOTDIR, -1);
    __minlibc_fs_set_cwd(n);
    return 0;
}

/* glibc's extension: a NULL buffer is allocated (`n` bytes, or as many as
 * needed when `n` is 0). */
char *getcwd(char *buf, size_t n)
{
    static char path[FS_PATH_MAX];
    if (buf && n == 0)
        MINLIBC_FAIL(EINVAL, NULL);
    int e = __minlibc_fs_path_of(__minlibc_fs_cwd(), path, sizeof path);
    if (e)
        MINLIBC_FAIL(e, NULL);
    size_t len = strlen(path) + 1;
    if (!buf) {
        buf = malloc(n > len ? n : len);
        if (!buf)
            MINLIBC_FAIL(ENOMEM, NULL);
        if (n == 0)
            n = len;
    }
    if (len > n)
        MINLIBC_FAIL(ERANGE, NULL);
    memcpy(buf, path, len);
    return buf;
}

/* -------------------------------------------- creating and removing */

static int mkdir_from(struct fs_node *start, const char *p, mode_t m)
{
    struct fs_last l;
    int e = __minlibc_fs_resolve_last(start, p, &l);
    if (e)
        MINLIBC_FAIL(e, -1);
    if (l.node)
        MINLIBC_FAIL(EEXIST, -1);
    if (!create_entry(&l, S_IFDIR, m))
        return -1;
    return 0;
}

int mkdir(const char *p, mode_t m) { return mkdir_from(NULL, p, m); }

int mkdirat(int dirfd, const char *p, mode_t m)
{
    struct fs_node *start;
    if (start_of(dirfd, p, &start) < 0)
        return -1;
    return mkdir_from(start, p, m);
}

static int rmdir_from(struct fs_node *start, const char *p)
{
    struct fs_last l;
    int e = __minlibc_fs_resolve_last(start, p, &l);
    if (e)
        MINLIBC_FAIL(e, -1);
    if (!l.name[0])
        MINLIBC_FAIL(l.dot ? (l.node == l.dir ? EINVAL : ENOTEMPTY) : EBUSY, -1);
    if (!l.node)
        MINLIBC_FAIL(ENOENT, -1);
    if (!S_ISDIR(l.node->mode))
        MINLIBC_FAIL(ENOTDIR, -1);
    if (!l.dir->writable)
        MINLIBC_FAIL(EROFS, -1);
    if (l.node->nkids)
        MINLIBC_FAIL(ENOTEMPTY, -1);
    if (l.node == __minlibc_fs_cwd())
        MINLIBC_FAIL(EBUSY, -1);  /* Linux allows it; here the cwd must stay reachable */
    __minlibc_fs_remove(l.node);
    return 0;
}

int rmdir(const char *p) { return rmdir_from(NULL, p); }

static int unlink_from(struct fs_node *start, const char *p)
{
    struct fs_last l;
    int e = __minlibc_fs_resolve_last(start, p, &l);
    if (e)
        MINLIBC_FAIL(e, -1);
    if (!l.name[0])
        MINLIBC_FAIL(EISDIR, -1);
    if (!l.node)
        MINLIBC_FAIL(ENOENT, -1);
    if (S_ISDIR(l.node->mode))
        MINLIBC_FAIL(EISDIR, -1);
    if (l.trailing)
        MINLIBC_FAIL(ENOTDIR, -1);
    if (!l.dir->writable)
        MINLIBC_FAIL(EROFS, -1);
    __minlibc_fs_remove(l.node);
    return 0;
}

int unlink(const char *p) { return unlink_from(NULL, p); }

int unlinkat(int dirfd, const char *p, int flags)
{
    if (flags & ~AT_REMOVEDIR)
        MINLIBC_FAIL(EINVAL, -1);
    struct fs_node *start;
    if (start_of(dirfd, p, &start) < 0)
        return -1;
    return (flags & AT_REMOVEDIR) ? rmdir_from(start, p) : unlink_from(start, p);
}

int remove(const char *p)
{
    int saved = errno;
    if (unlink(p) == 0)
        return 0;
    if (errno != EISDIR)
        return -1;
    errno = saved;
    return rmdir(p);
}

int symlink(const char *target, const char *p)
{
    if (!target || !p)
        MINLIBC_FAIL(EFAULT, -1);
    if (!*target)
        MINLIBC_FAIL(ENOENT, -1);
    struct fs_last l;
    int e = __minlibc_fs_resolve_last(NULL, p, &l);
    if (e)
        MINLIBC_FAIL(e, -1);
    if (l.node)
        MINLIBC_FAIL(EEXIST, -1);
    if (!l.dir->writable)
        MINLIBC_FAIL(EROFS, -1);
    char *copy = strdup(target);
    if (!copy)
        MINLIBC_FAIL(ENOMEM, -1);
    struct fs_node *n = __minlibc_fs_add(l.dir, l.name, l.len, S_IFLNK | 0777);
    if (!n) {
        free(copy);
        return -1;
    }
    n->link = copy;
    return 0;
}

/* Linux's order: both paths resolved, then the mounts compared (EXDEV
 * between the tree and /tmp), then the read-only tree refused (EROFS),
 * then the types. */
int rename(const char *from, const char *to)
{
    struct fs_last a, b;
    int e = __minlibc_fs_resolve_last(NULL, from, &a);
    if (e)
        MINLIBC_FAIL(e, -1);
    static struct fs_last b_storage;
    e = __minlibc_fs_resolve_last(NULL, to, &b_storage);
    if (e)
        MINLIBC_FAIL(e, -1);
    b = b_storage;
    if (!a.name[0] || !b.name[0])
        MINLIBC_FAIL(a.dot || b.dot ? EINVAL : EBUSY, -1);
    if (!a.node)
        MINLIBC_FAIL(ENOENT, -1);
    if (a.dir->writable != b.dir->writable)
        MINLIBC_FAIL(EXDEV, -1);
    if (!a.dir->writable)
        MINLIBC_FAIL(EROFS, -1);
    if (a.node == b.node)
        return 0;
    int is_dir = S_ISDIR(a.node->mode);
    if ((a.trailing || b.trailing) && !is_dir)
        MINLIBC_FAIL(ENOTDIR, -1);
    /* a directory cannot move into itself */
    for (struct fs_node *d = b.dir; d; d = d->parent)
        if (d == a.node)
            MINLIBC_FAIL(EINVAL, -1);
    if (b.node) {
        if (is_dir && !S_ISDIR(b.node->mode))
            MINLIBC_FAIL(ENOTDIR, -1);
        if (!is_dir && S_ISDIR(b.node->mode))
            MINLIBC_FAIL(EISDIR, -1);
        if (S_ISDIR(b.node->mode) && b.node->nkids)
            MINLIBC_FAIL(ENOTEMPTY, -1);
        if (b.node == __minlibc_fs_cwd())
            MINLIBC_FAIL(EBUSY, -1);
        __minlibc_fs_remove(b.node);
    }
    e = __minlibc_fs_move(a.node, b.dir, b.name);
    if (e)
        MINLIBC_FAIL(e, -1);
    return 0;
}

/* Mounting before main(), run by rts-xen as a C constructor: a malformed
 * or hostile archive stops the program with a console line and
 * HALVM_EXIT_BAD_FILES before it runs, not at its first file access. In
 * this file so that every program that can open a file mounts early. */
__attribute__((constructor)) static void mount_before_main(void)
{
    __minlibc_fs_mount_all();
}
