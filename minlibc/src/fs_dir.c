/*
 * Directory streams over the file tree: a DIR holds a descriptor on the
 * directory (like glibc's, so dirfd() answers and the descriptor counts
 * against the table) and its position: "." and ".." first, then the
 * entries in name order.
 */
#include "internal.h"
#include "fd.h"
#include "fs_tree.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct __minlibc_dir {
    int fd;
    long index;            /* the next entry: 0 ".", 1 "..", 2.. children */
    struct dirent ent;
};

static struct fs_node *dir_node(DIR *d) { return __minlibc_fd(d->fd)->node; }

DIR *fdopendir(int fd)
{
    struct open_file *f = __minlibc_fd_on(fd, &__minlibc_fs_device, ENOTDIR);
    if (!f)
        return NULL;
    if (!S_ISDIR(((struct fs_node *)f->node)->mode))
        MINLIBC_FAIL(ENOTDIR, NULL);
    if ((f->flags & O_ACCMODE) == O_WRONLY)
        MINLIBC_FAIL(EBADF, NULL);
    DIR *d = calloc(1, sizeof *d);
    if (!d)
        MINLIBC_FAIL(ENOMEM, NULL);
    d->fd = fd;
    return d;
}

DIR *opendir(const char *p)
{
    int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    DIR *d = fdopendir(fd);
    if (!d) {
        int saved = errno;
        close(fd);
        errno = saved;
    }
    return d;
}

int closedir(DIR *d)
{
    if (!d)
        MINLIBC_FAIL(EBADF, -1);
    int r = close(d->fd);
    free(d);
    return r;
}

struct dirent *readdir(DIR *d)
{
    if (!d)
        MINLIBC_FAIL(EBADF, NULL);
    struct fs_node *dir = dir_node(d), *n;
    const char *name;
    if (d->index == 0) {
        n = dir;
        name = ".";
    } else if (d->index == 1) {
        n = dir->parent ? dir->parent : dir;
        name = "..";
    } else if ((size_t)(d->index - 2) < dir->nkids) {
        n = dir->kids[d->index - 2];
        name = n->name;
    } else {
        return NULL;  /* the end: errno unchanged */
    }
    d->index++;
    memset(&d->ent, 0, sizeof d->ent);
    d->ent.d_ino = n->ino;
    d->ent.d_off = d->index;
    d->ent.d_reclen = sizeof d->ent;
    d->ent.d_type = S_ISDIR(n->mode) ? DT_DIR : S_ISLNK(n->mode) ? DT_LNK : DT_REG;
    strncpy(d->ent.d_name, name, sizeof d->ent.d_name - 1);
    return &d->ent;
}

int readdir_r(DIR *restrict d, struct dirent *restrict e, struct dirent **restrict r)
{
    int saved = errno;
    struct dirent *got = readdir(d);
    if (!got) {
        *r = NULL;
        int err = d ? 0 : EBADF;
        errno = saved;
        return err;
    }
    *e = *got;
    *r = e;
    return 0;
}

void rewinddir(DIR *d)
{
    if (d)
        d->index = 0;
}

void seekdir(DIR *d, long pos)
{
    if (d && pos >= 0)
        d->index = pos;
}

long telldir(DIR *d)
{
    if (!d)
        MINLIBC_FAIL(EBADF, -1);
    return d->index;
}

int dirfd(DIR *d)
{
    if (!d)
        MINLIBC_FAIL(EINVAL, -1);
    return d->fd;
}
