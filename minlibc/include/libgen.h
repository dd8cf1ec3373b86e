#ifndef _LIBGEN_H
#define _LIBGEN_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
char *basename(char *);
char *dirname(char *);
__MINLIBC_END
#endif
