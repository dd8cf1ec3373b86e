/* <pty.h>: there are no pseudo-terminals; openpty fails with ENOENT. */
#ifndef _PTY_H
#define _PTY_H
#include <termios.h>
#include <sys/ioctl.h>
__MINLIBC_BEGIN
int openpty(int *, int *, char *, const struct termios *, const struct winsize *);
__MINLIBC_END
#endif
