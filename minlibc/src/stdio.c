/*
 * Streams: buffered reading and writing over descriptors. stdin, stdout
 * and stderr are static, on the console descriptors 0, 1 and 2: stdout
 * line-buffered, stderr unbuffered, stdin buffered. fopen and fdopen
 * (stream_open.c) add streams on any descriptor, allocated with malloc.
 * Every stream is on one list, which exit() flushes.
 */
#include "internal.h"
#include "fd.h"
#include "stream.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>

static char out_buf[BUFSIZ], in_buf[BUFSIZ];

static struct __minlibc_file files[3] = {
    { .fd = 0, .can_read = 1, .mode = _IOFBF, .ungot = EOF, .buf = in_buf, .size = sizeof in_buf,
      .own_buf = in_buf, .next = &files[1] },
    { .fd = 1, .can_write = 1, .mode = _IOLBF, .ungot = EOF, .buf = out_buf, .size = sizeof out_buf,
      .own_buf = out_buf, .next = &files[2] },
    { .fd = 2, .can_write = 1, .mode = _IONBF, .ungot = EOF },
};

FILE *stdin = &files[0];
FILE *stdout = &files[1];
FILE *stderr = &files[2];

/* Every stream: those of fopen/fdopen, newest first, then the console's
 * three. */
static FILE *streams = &files[0];

FILE *__minlibc_stream_new(int fd, int can_read, int can_write)
{
    FILE *f = calloc(1, sizeof *f);
    if (!f)
        MINLIBC_FAIL(ENOMEM, NULL);
    struct open_file *file = __minlibc_fd(fd);
    f->fd = fd;
    f->can_read = can_read;
    f->can_write = can_write;
    f->mode = file && file->dev->tty ? _IOLBF : _IOFBF;
    f->ungot = EOF;
    f->next = streams;
    streams = f;
    return f;
}

static int is_console_stream(FILE *f) { return f >= files && f < files + 3; }

void __minlibc_stream_free(FILE *f)
{
    if (is_console_stream(f))
        return;
    for (FILE **p = &streams; *p; p = &(*p)->next) {
        if (*p == f) {
            *p = f->next;
            break;
        }
    }
    free(f->own_buf);
    free(f);
}

void __minlibc_stream_reset(FILE *f)
{
    f->eof = f->err = 0;
    f->ungot = EOF;
    f->pos = f->end = 0;
    f->reading = 0;
}

/* Gives the stream its buffer at first use: its own BUFSIZ bytes, or one
 * byte when it is unbuffered. Without memory for a buffer the stream
 * becomes unbuffered rather than failing (glibc does the same). */
static void choose_buffer(FILE *f)
{
    if (f->buf)
        return;
    if (f->mode != _IONBF && !f->own_buf)
        f->own_buf = malloc(BUFSIZ);
    if (f->mode == _IONBF || !f->own_buf) {
        f->mode = _IONBF;
        f->buf = &f->one_byte;
        f->size = 1;
    } else {
        f->buf = f->own_buf;
        f->size = BUFSIZ;
    }
}

static int write_all(FILE *f, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(f->fd, p, n);
        if (w < 0) {
            f->err = 1;
            return EOF;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes out the buffered output. */
static int flush_output(FILE *f)
{
    size_t n = f->pos;
    f->pos = 0;
    return n ? write_all(f, f->buf, n) : 0;
}

int fflush(FILE *f)
{
    if (!f)
        return __minlibc_stdio_flush_all();
    if (f->reading) {
        /* discard read-ahead: no device here can seek back */
        f->pos = f->end = 0;
        f->ungot = EOF;
        f->reading = 0;
        return 0;
    }
    return flush_output(f);
}

/* The output of every stream (input read ahead stays). */
int __minlibc_stdio_flush_all(void)
{
    int r = 0;
    for (FILE *f = streams; f; f = f->next)
        if (!f->reading && flush_output(f) == EOF)
            r = EOF;
    return r;
}

/* size * nmemb, or 0 (with the stream's error set on overflow). */
static size_t total_bytes(FILE *f, size_t size, size_t nmemb)
{
    if (size == 0 || nmemb == 0)
        return 0;
    if (nmemb > SIZE_MAX / size) {
        f->err = 1;
        errno = EOVERFLOW;
        return 0;
    }
    return size * nmemb;
}

size_t fwrite(const void *ptr, size_t size, size_t nmemb, FILE *f)
{
    size_t n = total_bytes(f, size, nmemb);
    if (n == 0)
        return 0;
    const char *p = ptr;
    if (!f->can_write) {
        f->err = 1;
        errno = EBADF;
        return 0;
    }
    if (f->reading)
        fflush(f);  /* an update stream turning from reading to writing */
    choose_buffer(f);
    if (f->mode == _IONBF)
        return write_all(f, p, n) == 0 ? nmemb : 0;
    size_t done = 0;
    while (done < n) {
        size_t room = f->size - f->pos;
        size_t k = n - done < room ? n - done : room;
        memcpy(f->buf + f->pos, p + done, k);
        f->pos += k;
        done += k;
        if (f->pos == f->size && flush_output(f) == EOF)
            return done / size;
    }
    if (f->mode == _IOLBF && memchr(p, '\n', n) && flush_output(f) == EOF)
        return 0;
    return nmemb;
}

int fputc(int c, FILE *f)
{
    unsigned char ch = (unsigned char)c;
    return fwrite(&ch, 1, 1, f) == 1 ? ch : EOF;
}

int putc(int c, FILE *f) { return fputc(c, f); }
int putchar(int c) { return fputc(c, stdout); }
int putc_unlocked(int c, FILE *f) { return fputc(c, f); }
int putchar_unlocked(int c) { return fputc(c, stdout); }

int fputs(const char *s, FILE *f)
{
    size_t n = strlen(s);
    return fwrite(s, 1, n, f) == n || n == 0 ? 1 : EOF;
}

int puts(const char *s)
{
    if (fputs(s, stdout) == EOF || fputc('\n', stdout) == EOF)
        return EOF;
    return 1;
}

/* ------------------------------------------------------------- input */

/* Gets the stream ready to read: 0, or EOF (error flag set, EBADF) when
 * its mode does not allow reading. */
static int start_reading(FILE *f)
{
    if (!f->can_read) {
        f->err = 1;
        errno = EBADF;
        return EOF;
    }
    if (!f->reading) {
        /* an update stream turning from writing to reading */
        if (flush_output(f) == EOF)
            return EOF;
        f->reading = 1;
        f->pos = f->end = 0;
    }
    choose_buffer(f);
    /* prompts appear before the program waits for console input */
    if (__minlibc_fd_is_console(f->fd))
        fflush(stdout);
    return 0;
}

/* One read(2) into `p`: its count, or 0 at end of file or on an error
 * (the stream's flag set). */
static size_t read_some(FILE *f, char *p, size_t n)
{
    ssize_t r = read(f->fd, p, n);
    if (r < 0)
        f->err = 1;
    else if (r == 0)
        f->eof = 1;
    return r > 0 ? (size_t)r : 0;
}

/* Refills the empty buffer: 0, or EOF at end of file or on an error. */
static int fill(FILE *f)
{
    if (start_reading(f) == EOF)
        return EOF;
    f->pos = 0;
    f->end = read_some(f, f->buf, f->size);
    return f->end ? 0 : EOF;
}

int fgetc(FILE *f)
{
    if (f->ungot != EOF) {
        int c = f->ungot;
        f->ungot = EOF;
        return c;
    }
    if (!(f->reading && f->pos < f->end) && fill(f) == EOF)
        return EOF;
    return (unsigned char)f->buf[f->pos++];
}

int getc(FILE *f) { return fgetc(f); }
int getchar(void) { return fgetc(stdin); }
int getc_unlocked(FILE *f) { return fgetc(f); }
int getchar_unlocked(void) { return fgetc(stdin); }

int ungetc(int c, FILE *f)
{
    if (c == EOF || f->ungot != EOF)
        return EOF;
    f->ungot = (unsigned char)c;
    f->eof = 0;
    return (unsigned char)c;
}

char *fgets(char *s, int n, FILE *f)
{
    if (n <= 0)
        return NULL;
    int i = 0;
    while (i < n - 1) {
        int c = fgetc(f);
        if (c == EOF) {
            if (i == 0)
                return NULL;
            break;
        }
        s[i++] = (char)c;
        if (c == '\n')
            break;
    }
    s[i] = 0;
    return s;
}

size_t fread(void *ptr, size_t size, size_t nmemb, FILE *f)
{
    size_t n = total_bytes(f, size, nmemb), got = 0;
    char *p = ptr;
    if (n && f->ungot != EOF) {
        p[got++] = (char)f->ungot;
        f->ungot = EOF;
    }
    while (got < n) {
        if (f->reading && f->pos < f->end) {
            size_t k = f->end - f->pos < n - got ? f->end - f->pos : n - got;
            memcpy(p + got, f->buf + f->pos, k);
            f->pos += k;
            got += k;
            continue;
        }
        if (start_reading(f) == EOF)
            break;
        size_t k;
        if (n - got >= f->size) {
            /* as much as the buffer holds or more: straight into the
             * caller's memory (an unbuffered stream always) */
            k = read_some(f, p + got, n - got);
            got += k;
        } else {
            k = f->end = read_some(f, f->buf, f->size);
            f->pos = 0;
        }
        if (k == 0)
            break;
    }
    return got / size;
}

ssize_t getdelim(char **line, size_t *cap, int delim, FILE *f)
{
    if (!line || !cap)
        MINLIBC_FAIL(EINVAL, -1);
    size_t len = 0;
    for (;;) {
        int c = fgetc(f);
        if (c == EOF)
            break;
        if (len + 2 > *cap || !*line) {
            size_t ncap = *cap < 64 ? 128 : *cap * 2;
            char *nl = realloc(*line, ncap);
            if (!nl)
                return -1;
            *line = nl;
            *cap = ncap;
        }
        (*line)[len++] = (char)c;
        if (c == delim)
            break;
    }
    if (len == 0)
        return -1;
    (*line)[len] = 0;
    return (ssize_t)len;
}

ssize_t getline(char **line, size_t *cap, FILE *f)
{
    return getdelim(line, cap, '\n', f);
}

/* ------------------------------------------------------- state and modes */

int setvbuf(FILE *f, char *buf, int mode, size_t size)
{
    if (mode != _IOFBF && mode != _IOLBF && mode != _IONBF)
        MINLIBC_FAIL(EINVAL, -1);
    fflush(f);
    f->mode = mode;
    if (mode != _IONBF && buf && size) {
        f->buf = buf;
        f->size = size;
    } else {
        f->buf = NULL;  /* choose_buffer decides at the next use */
    }
    return 0;
}

void setbuf(FILE *f, char *buf) { setvbuf(f, buf, buf ? _IOFBF : _IONBF, BUFSIZ); }
void setlinebuf(FILE *f) { setvbuf(f, NULL, _IOLBF, 0); }
int feof(FILE *f) { return f->eof; }
int ferror(FILE *f) { return f->err; }
void clearerr(FILE *f) { f->eof = f->err = 0; }
int fileno(FILE *f) { return f->fd; }
void flockfile(FILE *f) { (void)f; }
void funlockfile(FILE *f) { (void)f; }
int ftrylockfile(FILE *f) { (void)f; return 0; }

/* Positioning goes through the descriptor's lseek: streams on files
 * (fs_calls.c) seek, the console and the devices answer ESPIPE or stay
 * at 0, as lseek does for them. Buffered output is written first;
 * buffered input and a pushed-back character are dropped (fseek) or
 * subtracted (ftell). */
int fseeko(FILE *f, off_t off, int whence)
{
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
        MINLIBC_FAIL(EINVAL, -1);
    if (whence == SEEK_CUR) {
        off_t here = ftello(f);
        if (here < 0)
            return -1;
        off += here;
        whence = SEEK_SET;
    }
    if (fflush(f) == EOF)
        return -1;
    if (lseek(f->fd, off, whence) < 0)
        return -1;
    __minlibc_stream_reset(f);
    return 0;
}

int fseek(FILE *f, long off, int whence) { return fseeko(f, off, whence); }

off_t ftello(FILE *f)
{
    off_t at = lseek(f->fd, 0, SEEK_CUR);
    if (at < 0)
        return -1;
    if (f->reading)
        at -= (off_t)(f->end - f->pos) + (f->ungot != EOF);
    else
        at += (off_t)f->pos;
    return at < 0 ? 0 : at;
}

long ftell(FILE *f) { return (long)ftello(f); }
void rewind(FILE *f) { fseek(f, 0, SEEK_SET); clearerr(f); }
int fgetpos(FILE *f, fpos_t *p)
{
    off_t at = ftello(f);
    if (at < 0)
        return -1;
    p->__pos = at;
    return 0;
}
int fsetpos(FILE *f, const fpos_t *p) { return fseek(f, p->__pos, SEEK_SET); }

void perror(const char *msg)
{
    const char *e = strerror(errno);
    if (msg && *msg) {
        fputs(msg, stderr);
        fputs(": ", stderr);
    }
    fputs(e, stderr);
    fputc('\n', stderr);
}
