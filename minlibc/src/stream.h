/*
 * What a stream (FILE) is, shared by stdio.c (buffered reading and
 * writing, the list of streams) and stream_open.c (fopen, fdopen,
 * freopen, fclose). <stdio.h> keeps the type opaque.
 */
#ifndef MINLIBC_STREAM_H
#define MINLIBC_STREAM_H
#include <stddef.h>
#include <stdio.h>

struct __minlibc_file {
    int fd;
    int can_read, can_write;    /* what the mode it was opened with allows */
    int mode;                   /* _IOFBF, _IOLBF, _IONBF */
    int eof, err;
    int ungot;                  /* pushed-back character or EOF */
    char *buf;                  /* the buffer in use; NULL: chosen at first use */
    size_t size;                /* its capacity */
    size_t pos;                 /* write: bytes buffered; read: next byte */
    size_t end;                 /* read: bytes valid */
    int reading;                /* the buffer holds input */
    char *own_buf;              /* BUFSIZ bytes of the stream's own: static
                                 * for stdin and stdout, else malloc'd at
                                 * first use and freed by fclose */
    char one_byte;              /* the buffer of an unbuffered stream */
    struct __minlibc_file *next;  /* the list of streams exit() flushes */
};

/* A new stream on descriptor `fd` (open), on the list: fully buffered, or
 * line-buffered on a terminal (like glibc). NULL with ENOMEM. */
FILE *__minlibc_stream_new(int fd, int can_read, int can_write);
/* Takes a stream from fopen/fdopen off the list and frees it; stdin,
 * stdout and stderr are static and stay. */
void __minlibc_stream_free(FILE *);
/* Forgets buffered data and the eof/error state (fflush first). */
void __minlibc_stream_reset(FILE *);

#endif
