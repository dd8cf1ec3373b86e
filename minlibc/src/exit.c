/*
 * Process end. rts-xen calls main() and then exit(status) (see
 * <halvm/platform.h>); exit runs the atexit handlers, flushes stdio and
 * hands the status to the platform.
 */
#include "internal.h"
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>

#define ATEXIT_MAX 64
static void (*handlers[ATEXIT_MAX])(void);
static int nhandlers;

int atexit(void (*fn)(void))
{
    if (nhandlers == ATEXIT_MAX)
        MINLIBC_FAIL(ENOMEM, -1);
    handlers[nhandlers++] = fn;
    return 0;
}

int at_quick_exit(void (*fn)(void)) { return atexit(fn); }

void __minlibc_run_atexit(void)
{
    /* A handler may register more handlers or call exit again: take them
     * one at a time from the top. */
    while (nhandlers > 0) {
        void (*fn)(void) = handlers[--nhandlers];
        fn();
    }
}

_Noreturn void exit(int status)
{
    __minlibc_run_atexit();
    __minlibc_stdio_flush_all();
    halvm_exit(status & 0xff);
}

_Noreturn void _Exit(int status)
{
    halvm_exit(status & 0xff);
}

_Noreturn void _exit(int status) { _Exit(status); }
_Noreturn void quick_exit(int status) { exit(status); }

/* abort: SIGABRT cannot be caught here (no signal delivery), so it ends
 * the guest like a process killed by SIGABRT: status 128 + 6. stdio is
 * flushed so the reason printed just before is not lost. */
_Noreturn void abort(void)
{
    __minlibc_stdio_flush_all();
    halvm_exit(128 + SIGABRT);
}

_Noreturn void __assert_fail(const char *expr, const char *file, unsigned int line, const char *func)
{
    fprintf(stderr, "%s:%u: %s: Assertion `%s' failed.\n", file, line, func, expr);
    abort();
}
