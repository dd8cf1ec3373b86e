#ifndef _MALLOC_H
#define _MALLOC_H
#include <stdlib.h>
__MINLIBC_BEGIN
size_t malloc_usable_size(void *);
__MINLIBC_END
#endif
