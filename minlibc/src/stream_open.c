/*
 * Opening and closing streams. fopen goes through open(), so a stream
 * exists exactly where a descriptor can: on /dev/urandom and /dev/random
 * for reading, nowhere else, and a refused path fails with open's errno.
 * fdopen puts a stream on any open descriptor. The mode strings are read
 * the way glibc reads them.
 */
#include "internal.h"
#include "stream.h"
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

struct stream_mode {
    int open_flags;             /* for open(2) */
    int can_read, can_write;
};

/* glibc's reading of a mode: 'r', 'w' or 'a' first (else EINVAL), then
 * at most six more characters, up to a NUL: '+' reads and writes, 'x'
 * adds O_EXCL, 'e' O_CLOEXEC; 'b' means nothing on POSIX, and glibc
 * ignores every other character too (a ",ccs=" suffix names a character
 * set for wide streams, which minlibc does not have: ignored). */
static int parse_mode(const char *mode, struct stream_mode *m)
{
    switch (mode[0]) {
    case 'r':
        *m = (struct stream_mode){ O_RDONLY, 1, 0 };
        break;
    case 'w':
        *m = (struct stream_mode){ O_WRONLY | O_CREAT | O_TRUNC, 0, 1 };
        break;
    case 'a':
        *m = (struct stream_mode){ O_WRONLY | O_CREAT | O_APPEND, 0, 1 };
        break;
    default:
        MINLIBC_FAIL(EINVAL, -1);
    }
    for (int i = 1; i < 7 && mode[i]; i++) {
        if (mode[i] == '+') {
            m->open_flags = (m->open_flags & ~O_ACCMODE) | O_RDWR;
            m->can_read = m->can_write = 1;
        } else if (mode[i] == 'x') {
            m->open_flags |= O_EXCL;
        } else if (mode[i] == 'e') {
            m->open_flags |= O_CLOEXEC;
        }
    }
    return 0;
}

FILE *fopen(const char *restrict path, const char *restrict mode)
{
    struct stream_mode m;
    if (parse_mode(mode, &m) < 0)
        return NULL;
    int fd = open(path, m.open_flags, 0666);
    if (fd < 0)
        return NULL;
    FILE *f = __minlibc_stream_new(fd, m.can_read, m.can_write);
    if (!f)
        close(fd);  /* errno stays ENOMEM: close of an open descriptor succeeds */
    return f;
}

/* Like glibc: the mode must fit the descriptor's access mode (EINVAL);
 * "a" sets O_APPEND on it; 'x' and 'e' change nothing. */
FILE *fdopen(int fd, const char *mode)
{
    struct stream_mode m;
    if (parse_mode(mode, &m) < 0)
        return NULL;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0)
        return NULL;
    if ((m.can_read && (flags & O_ACCMODE) == O_WRONLY) || (m.can_write && (flags & O_ACCMODE) == O_RDONLY))
        MINLIBC_FAIL(EINVAL, NULL);
    if ((m.open_flags & O_APPEND) && !(flags & O_APPEND) && fcntl(fd, F_SETFL, flags | O_APPEND) < 0)
        return NULL;
    return __minlibc_stream_new(fd, m.can_read, m.can_write);
}

/* POSIX: the descriptor is closed for every stream, stdin, stdout and
 * stderr included; their static FILE objects stay, the others are
 * freed. */
int fclose(FILE *f)
{
    int r = fflush(f);
    if (close(f->fd) < 0)
        r = EOF;
    __minlibc_stream_free(f);
    return r;
}

/* Like glibc 2.36: the new file is opened first, then moved to the
 * stream's old descriptor number (dup3, which closes the old file), so
 * freopen(.., stdout) keeps writing to descriptor 1. When the new open
 * fails, the old descriptor is closed all the same (POSIX) and the stream
 * stays allocated but closed: fclose on it fails with EBADF and frees it.
 * Without a path glibc reopens the file through /proc/self/fd, which no
 * image has: ENOENT. */
FILE *freopen(const char *restrict path, const char *restrict mode, FILE *restrict f)
{
    struct stream_mode m;
    int old = f->fd, fd = -1;
    fflush(f);  /* a failure here is ignored (POSIX) */
    __minlibc_stream_reset(f);
    if (parse_mode(mode, &m) == 0) {
        if (path)
            fd = open(path, m.open_flags, 0666);
        else
            errno = ENOENT;
    }
    if (fd >= 0 && old >= 0 && fd != old) {
        int moved = dup3(fd, old, m.open_flags & O_CLOEXEC);
        int saved = errno;
        close(fd);
        errno = saved;
        fd = moved;
    }
    if (fd < 0) {
        int saved = errno;
        close(old);  /* EBADF when it was closed already: nothing to do */
        errno = saved;
        f->fd = -1;
        return NULL;
    }
    f->fd = fd;
    f->can_read = m.can_read;
    f->can_write = m.can_write;
    return f;
}
