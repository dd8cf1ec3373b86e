/* <dlfcn.h>: there is no dynamic loading on halvm; dlopen returns NULL and
 * dlerror explains why. */
#ifndef _DLFCN_H
#define _DLFCN_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
#define RTLD_LAZY 1
#define RTLD_NOW 2
#define RTLD_NOLOAD 4
#define RTLD_DEEPBIND 8
#define RTLD_GLOBAL 0x100
#define RTLD_LOCAL 0
#define RTLD_NODELETE 0x1000
#define RTLD_DEFAULT ((void *)0)
#define RTLD_NEXT ((void *)-1L)
/* dlinfo requests (glibc's numbers) */
#define RTLD_DI_LMID 1
#define RTLD_DI_LINKMAP 2
typedef struct { const char *dli_fname; void *dli_fbase; const char *dli_sname; void *dli_saddr; } Dl_info;
void *dlopen(const char *, int);
void *dlsym(void *__restrict, const char *__restrict);
int dlclose(void *);
char *dlerror(void);
int dladdr(const void *, Dl_info *);
int dlinfo(void *__restrict, int, void *__restrict);
__MINLIBC_END
#endif
