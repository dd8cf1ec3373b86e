/* <ctype.h>: "C" locale classification. __ctype_b_loc/__ctype_tolower_loc/
 * __ctype_toupper_loc exist with glibc's table layout because objects built
 * against glibc headers (GHC's platform libraries) call them directly. */
#ifndef _CTYPE_H
#define _CTYPE_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
int isalnum(int);
int isalpha(int);
int isblank(int);
int iscntrl(int);
int isdigit(int);
int isgraph(int);
int islower(int);
int isprint(int);
int ispunct(int);
int isspace(int);
int isupper(int);
int isxdigit(int);
int isascii(int);
int toascii(int);
int tolower(int);
int toupper(int);
const unsigned short **__ctype_b_loc(void);
const int **__ctype_tolower_loc(void);
const int **__ctype_toupper_loc(void);
__MINLIBC_END
#endif
