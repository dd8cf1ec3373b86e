#ifndef _WCHAR_H
#define _WCHAR_H
#include <_minlibc_types.h>
#include <stdarg.h>
__MINLIBC_BEGIN
#define WEOF 0xffffffffu
#ifndef WCHAR_MIN
#define WCHAR_MIN (-2147483647-1)
#define WCHAR_MAX 2147483647
#endif
size_t wcslen(const wchar_t *);
wchar_t *wcscpy(wchar_t *__restrict, const wchar_t *__restrict);
int wcscmp(const wchar_t *, const wchar_t *);
wchar_t *wmemcpy(wchar_t *__restrict, const wchar_t *__restrict, size_t);
wchar_t *wmemset(wchar_t *, wchar_t, size_t);
size_t mbrtowc(wchar_t *__restrict, const char *__restrict, size_t, mbstate_t *__restrict);
size_t wcrtomb(char *__restrict, wchar_t, mbstate_t *__restrict);
size_t mbrlen(const char *__restrict, size_t, mbstate_t *__restrict);
int mbsinit(const mbstate_t *);
size_t mbsrtowcs(wchar_t *__restrict, const char **__restrict, size_t, mbstate_t *__restrict);
size_t wcsrtombs(char *__restrict, const wchar_t **__restrict, size_t, mbstate_t *__restrict);
wint_t btowc(int);
int wctob(wint_t);
int wcwidth(wchar_t);
int wcswidth(const wchar_t *, size_t);
__MINLIBC_END
#endif
