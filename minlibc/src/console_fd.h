#ifndef MINLIBC_CONSOLE_FD_H
#define MINLIBC_CONSOLE_FD_H
#include <stddef.h>
#include <stdint.h>
struct console_fd {
    int open;
    int flags;     /* O_ACCMODE bits and O_NONBLOCK */
    int fd_flags;  /* FD_CLOEXEC */
};
/* NULL unless fd is an open console descriptor (0, 1 or 2). */
struct console_fd *__minlibc_console_fd(int fd);
/* Bytes of console input buffered (pulls pending input from the platform). */
size_t __minlibc_console_pending(void);
int __minlibc_console_wait(uint64_t deadline_ns);
#endif
