/* <assert.h>: intentionally without include guard (C standard). */
#include <_minlibc_types.h>
#undef assert
#ifdef NDEBUG
#define assert(e) ((void)0)
#else
__MINLIBC_BEGIN
_Noreturn void __assert_fail(const char *, const char *, unsigned int, const char *);
__MINLIBC_END
#define assert(e) ((e) ? (void)0 : __assert_fail(#e, __FILE__, __LINE__, __func__))
#endif
#if !defined(__cplusplus) && !defined(static_assert)
#define static_assert _Static_assert
#endif
