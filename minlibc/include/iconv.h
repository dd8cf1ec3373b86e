/* <iconv.h>: conversions between UTF-8, ASCII and ISO-8859-1 (Latin-1),
 * plus the UTF-32/UCS-4 forms GHC's base library uses for its text codecs. */
#ifndef _ICONV_H
#define _ICONV_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
typedef void *iconv_t;
iconv_t iconv_open(const char *, const char *);
size_t iconv(iconv_t, char **__restrict, size_t *__restrict, char **__restrict, size_t *__restrict);
int iconv_close(iconv_t);
__MINLIBC_END
#endif
