#ifndef _FENV_H
#define _FENV_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
#define FE_INVALID 0x01
#define FE_DIVBYZERO 0x04
#define FE_OVERFLOW 0x08
#define FE_UNDERFLOW 0x10
#define FE_INEXACT 0x20
#define FE_ALL_EXCEPT 0x3d
#define FE_TONEAREST 0
#define FE_DOWNWARD 0x400
#define FE_UPWARD 0x800
#define FE_TOWARDZERO 0xc00
typedef unsigned short fexcept_t;
typedef struct { unsigned short __control_word, __glibc_reserved1, __status_word, __glibc_reserved2, __tags,
                 __glibc_reserved3; unsigned int __eip; unsigned short __cs_selector; unsigned int __opcode:11,
                 __glibc_reserved4:5; unsigned int __data_offset; unsigned short __data_selector,
                 __glibc_reserved5; unsigned int __mxcsr; } fenv_t;
#define FE_DFL_ENV ((const fenv_t *)-1)
int fegetround(void);
int fesetround(int);
int feclearexcept(int);
int fetestexcept(int);
int feraiseexcept(int);
__MINLIBC_END
#endif
