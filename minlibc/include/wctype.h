/* <wctype.h>: classification of the ASCII range; other code points belong
 * to no class (minlibc has no Unicode tables). */
#ifndef _WCTYPE_H
#define _WCTYPE_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
#ifndef WEOF
#define WEOF 0xffffffffu
#endif
typedef unsigned long wctype_t;
typedef const int *wctrans_t; /* glibc: const __int32_t * */
int iswalpha(wint_t);
int iswdigit(wint_t);
int iswspace(wint_t);
int iswupper(wint_t);
int iswlower(wint_t);
int iswalnum(wint_t);
int iswprint(wint_t);
int iswpunct(wint_t);
int iswcntrl(wint_t);
int iswxdigit(wint_t);
int iswblank(wint_t);
int iswgraph(wint_t);
wctype_t wctype(const char *);
int iswctype(wint_t, wctype_t);
wint_t towupper(wint_t);
wint_t towlower(wint_t);
wctrans_t wctrans(const char *);
wint_t towctrans(wint_t, wctrans_t);
__MINLIBC_END
#endif
