/* GHC runtime OS layer for halvm: signals.
 *
 * A unikernel has no signals: nothing can deliver one (no kill, no
 * terminal, no child processes), and the ticker is a platform callback, not
 * SIGVTALRM. So no handler is ever pending, installing a Haskell handler
 * fails with ENOSYS (the unix package turns that into an IOError), and the
 * RTS's default handlers (SIGINT, SIGPIPE, ...) have nothing to install. */

#include "PosixSource.h"
#include "Rts.h"

#include "RtsSignals.h"
#include "RtsUtils.h"

#include <errno.h>
#include <signal.h>

/* For the unix package's System.Posix.Process (it sets SA_NOCLDSTOP from
 * it); there are no child processes. */
int nocldstop = 0;

/* No Haskell signal handlers exist. */
StgInt *signal_handlers = NULL;

#if !defined(THREADED_RTS)
/* The scheduler checks signals_pending(), i.e. whether next_pending_handler
 * has moved past the start of this buffer; it never does. */
siginfo_t pending_handler_buf[1];
siginfo_t *next_pending_handler = pending_handler_buf;

void startSignalHandlers(Capability *cap STG_UNUSED)
{
}
#endif

void initUserSignals(void)
{
}

void initDefaultHandlers(void)
{
}

void resetDefaultHandlers(void)
{
}

void freeSignalHandlers(void)
{
}

void blockUserSignals(void)
{
}

void unblockUserSignals(void)
{
}

bool anyUserHandlers(void)
{
    return false;
}

/* Only called when anyUserHandlers() holds, which it never does here;
 * waiting for a signal would wait forever. */
void GNUC3_ATTRIBUTE(__noreturn__) awaitUserSignals(void)
{
    barf("halvm: awaitUserSignals called, but a unikernel receives no signals");
}

int stg_sig_install(int sig STG_UNUSED, int spi STG_UNUSED,
                    void *mask STG_UNUSED)
{
    errno = ENOSYS;
    return STG_SIG_ERR;
}

/* The threaded RTS's IO manager uses these; the non-threaded RTS has no IO
 * manager thread to wake, and base only calls them when it runs one. */
void setIOManagerWakeupFd(int fd STG_UNUSED)
{
}

void setTimerManagerControlFd(int fd STG_UNUSED)
{
}

void ioManagerWakeup(void)
{
}
