#ifndef _ALLOCA_H
#define _ALLOCA_H
#include <_minlibc_types.h>
#define alloca(n) __builtin_alloca(n)
#endif
