/* Freestanding <stddef.h> built on the compiler's predefined macros. */
#ifndef _STDDEF_H
#define _STDDEF_H
#include <_minlibc_types.h>
typedef __PTRDIFF_TYPE__ ptrdiff_t;
typedef struct { long long __ll __attribute__((__aligned__(__alignof__(long long))));
                 long double __ld __attribute__((__aligned__(__alignof__(long double)))); } max_align_t;
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif
