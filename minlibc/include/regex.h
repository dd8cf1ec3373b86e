/* <regex.h>: glibc's regex_t size (64 bytes); regcomp fails with REG_ESPACE
 * (minlibc has no regular expression engine; only GHC's runtime linker,
 * which halvm does not use, calls it). */
#ifndef _REGEX_H
#define _REGEX_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
typedef long regoff_t;
typedef struct { void *__buffer; size_t __allocated, __used; unsigned long __syntax; char *__fastmap;
                 unsigned char *__translate; size_t re_nsub; unsigned int __flags; } regex_t;
typedef struct { regoff_t rm_so, rm_eo; } regmatch_t;
#define REG_EXTENDED 1
#define REG_ICASE 2
#define REG_NEWLINE 4
#define REG_NOSUB 8
#define REG_NOTBOL 1
#define REG_NOTEOL 2
#define REG_NOMATCH 1
#define REG_BADPAT 2
#define REG_ESPACE 12
int regcomp(regex_t *__restrict, const char *__restrict, int);
int regexec(const regex_t *__restrict, const char *__restrict, size_t, regmatch_t *__restrict, int);
size_t regerror(int, const regex_t *__restrict, char *__restrict, size_t);
void regfree(regex_t *);
__MINLIBC_END
#endif
