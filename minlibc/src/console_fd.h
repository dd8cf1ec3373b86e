#ifndef MINLIBC_CONSOLE_FD_H
#define MINLIBC_CONSOLE_FD_H
#include <stddef.h>
#include <stdint.h>
/* The console device (descriptors 0, 1, 2; the table is in fd.h). */
/* Bytes of console input buffered (pulls pending input from the platform). */
size_t __minlibc_console_pending(void);
/* Waits until console input is pending or the deadline passes;
 * returns non-zero when input is pending. */
int __minlibc_console_wait(uint64_t deadline_ns);
#endif
