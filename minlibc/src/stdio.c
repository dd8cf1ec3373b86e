/*
 * Streams: stdin, stdout and stderr over the console descriptors.
 * stdout is line-buffered, stderr unbuffered, stdin buffered; exit()
 * flushes everything. No other stream can be opened (fopen fails, see
 * unsupported_fs.c), so the stream table is fixed.
 */
#include "internal.h"
#include "console_fd.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>

struct __minlibc_file {
    int fd;
    int mode;           /* _IOFBF, _IOLBF, _IONBF */
    int eof, err;
    int ungot;          /* pushed-back character or EOF */
    char *buf;
    size_t size;        /* buffer capacity */
    size_t pos;         /* write: bytes buffered; read: next byte */
    size_t end;         /* read: bytes valid */
    int reading;        /* buffer holds input */
};

static char out_buf[BUFSIZ], in_buf[BUFSIZ];
static char err_byte[1];

static struct __minlibc_file files[3] = {
    { 0, _IOFBF, 0, 0, EOF, in_buf, sizeof in_buf, 0, 0, 1 },
    { 1, _IOLBF, 0, 0, EOF, out_buf, sizeof out_buf, 0, 0, 0 },
    { 2, _IONBF, 0, 0, EOF, err_byte, 0, 0, 0, 0 },
};

FILE *stdin = &files[0];
FILE *stdout = &files[1];
FILE *stderr = &files[2];

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

int fflush(FILE *f)
{
    if (!f)
        return __minlibc_stdio_flush_all();
    if (f->reading) {
        /* discard read-ahead: the console cannot seek back */
        f->pos = f->end = 0;
        f->ungot = EOF;
        return 0;
    }
    size_t n = f->pos;
    f->pos = 0;
    return n ? write_all(f, f->buf, n) : 0;
}

int __minlibc_stdio_flush_all(void)
{
    int r = 0;
    for (int i = 1; i < 3; i++)
        if (fflush(&files[i]) == EOF)
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
    if (f->reading || f->fd == 0) {
        f->err = 1;
        errno = EBADF;
        return 0;
    }
    if (f->mode == _IONBF || f->size == 0) {
        return write_all(f, p, n) == 0 ? nmemb : 0;
    }
    size_t done = 0;
    while (done < n) {
        size_t room = f->size - f->pos;
        size_t k = n - done < room ? n - done : room;
        memcpy(f->buf + f->pos, p + done, k);
        f->pos += k;
        done += k;
        if (f->pos == f->size && fflush(f) == EOF)
            return done / size;
    }
    if (f->mode == _IOLBF && memchr(p, '\n', n) && fflush(f) == EOF)
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

static int fill(FILE *f)
{
    if (f->fd != 0) {
        f->err = 1;
        errno = EBADF;
        return EOF;
    }
    f->reading = 1;
    /* Flush stdout first so prompts appear before we wait for input. */
    fflush(stdout);
    ssize_t r = read(f->fd, f->buf, f->size);
    if (r < 0) {
        f->err = 1;
        return EOF;
    }
    if (r == 0) {
        f->eof = 1;
        return EOF;
    }
    f->pos = 0;
    f->end = (size_t)r;
    return 0;
}

int fgetc(FILE *f)
{
    if (f->ungot != EOF) {
        int c = f->ungot;
        f->ungot = EOF;
        return c;
    }
    if (f->pos >= f->end && fill(f) == EOF)
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
    while (got < n) {
        int c = fgetc(f);
        if (c == EOF)
            break;
        p[got++] = (char)c;
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
    if (mode == _IONBF && f->fd != 0) {
        f->size = 0;
    } else if (buf && size) {
        f->buf = buf;
        f->size = size;
    } else if (f->size == 0) {
        f->buf = f->fd == 0 ? in_buf : out_buf;
        f->size = BUFSIZ;
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

int fclose(FILE *f)
{
    int r = fflush(f);
    if (close(f->fd) < 0)
        r = EOF;
    return r;
}

int fseek(FILE *f, long off, int whence)
{
    (void)f; (void)off; (void)whence;
    MINLIBC_FAIL(ESPIPE, -1);
}

int fseeko(FILE *f, off_t off, int whence) { return fseek(f, off, whence); }
long ftell(FILE *f) { (void)f; MINLIBC_FAIL(ESPIPE, -1); }
off_t ftello(FILE *f) { return ftell(f); }
void rewind(FILE *f) { fseek(f, 0, SEEK_SET); clearerr(f); }
int fgetpos(FILE *f, fpos_t *p) { (void)p; return (int)ftell(f); }
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
