/* <setjmp.h>: glibc's x86_64 jmp_buf layout (8 saved registers, a
 * mask-saved flag and a sigset). minlibc saves rbx, rbp, r12-r15, rsp and
 * the return address; the signal mask is never saved (no signals). */
#ifndef _SETJMP_H
#define _SETJMP_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
struct __jmp_buf_tag { long __jmpbuf[8]; int __mask_was_saved; sigset_t __saved_mask; };
typedef struct __jmp_buf_tag jmp_buf[1];
typedef struct __jmp_buf_tag sigjmp_buf[1];
int setjmp(jmp_buf) __attribute__((__returns_twice__));
int _setjmp(jmp_buf) __attribute__((__returns_twice__));
int sigsetjmp(sigjmp_buf, int) __attribute__((__returns_twice__));
_Noreturn void longjmp(jmp_buf, int);
_Noreturn void _longjmp(jmp_buf, int);
_Noreturn void siglongjmp(sigjmp_buf, int);
__MINLIBC_END
#endif
