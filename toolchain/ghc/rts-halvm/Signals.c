/* GHC runtime OS layer for halvm: signals.
 *
 * Signals exist inside the guest: minlibc implements sigaction, raise and
 * kill(getpid(), ...) synchronously, so a Haskell handler installed with
 * System.Posix.Signals runs when the program raises its signal.
 *
 * From outside, the only signal is a shutdown request of the toolstack
 * (xl shutdown, xl reboot), which the platform queues for us
 * (halvm_shutdown_take). It becomes SIGTERM when the program has a Haskell
 * handler for SIGTERM, otherwise SIGINT: base's top handler installs one
 * in every program, throwing UserInterrupt to the main thread, so
 * bracket/finally handlers run as they do for a Linux program stopped by
 * ^C. A request that finds neither handler stays queued; the platform ends
 * the guest when its grace period is over.
 *
 * Delivery works as on POSIX: a handler pushes a siginfo_t onto
 * pending_handler_buf and the scheduler (signals_pending()) starts a
 * Haskell thread running GHC.Conc.Signal.runHandlersPtr for it. Pushes
 * happen in normal context (raise, the idle loop) and in interrupt context
 * (every tick, so that a busy program sees a request too); `buffer_busy`
 * keeps a tick away from the buffer while normal code uses it. */

#include "PosixSource.h"
#include "Rts.h"

#include "Schedule.h"
#include "RtsSignals.h"
#include "RtsUtils.h"
#include "Prelude.h"
#include "ThreadLabels.h"
#include "Idle.h"

#include <halvm/platform.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

/* For the unix package's System.Posix.Process (it sets SA_NOCLDSTOP from
 * it); there are no child processes. */
int nocldstop = 0;

/* STG_SIG_DFL, _IGN, _HAN or _RST for every signal, as the RTS installed
 * it; the scheduler's signal code reads this array. */
static StgInt handler_state[NSIG] = { [0 ... NSIG - 1] = STG_SIG_DFL };
StgInt *signal_handlers = handler_state;

/* Signals whose one-shot (STG_SIG_RST) handler was used by a shutdown
 * request, which bypasses minlibc's SA_RESETHAND; reset after delivery. */
static bool reset_after_delivery[NSIG];

static int n_haskell_handlers = 0;

static bool is_haskell_handler(StgInt state)
{
    return state == STG_SIG_HAN || state == STG_SIG_RST;
}

#if !defined(THREADED_RTS)

#define N_PENDING_HANDLERS 16

siginfo_t pending_handler_buf[N_PENDING_HANDLERS];
siginfo_t *next_pending_handler = pending_handler_buf;

/* Normal code is reading or writing the pending buffer. */
static volatile bool buffer_busy = false;

static bool push_pending(const siginfo_t *info)
{
    if (next_pending_handler == &pending_handler_buf[N_PENDING_HANDLERS]) {
        return false;
    }
    *next_pending_handler = *info;
    next_pending_handler++;
    return true;
}

/* minlibc runs this (through sigaction) when the program raises a signal
 * that has a Haskell handler. Normal context. */
static void generic_handler(int sig STG_UNUSED, siginfo_t *info,
                            void *context STG_UNUSED)
{
    bool was_busy = buffer_busy;
    buffer_busy = true;
    if (!push_pending(info)) {
        errorBelch("too many pending signals");
        stg_exit(EXIT_FAILURE);
    }
    buffer_busy = was_busy;
}

/* The signal a shutdown request becomes, 0 if the program has no handler
 * for it. */
static int shutdown_signal(void)
{
    if (is_haskell_handler(handler_state[SIGTERM])) {
        return SIGTERM;
    }
    if (is_haskell_handler(handler_state[SIGINT])) {
        return SIGINT;
    }
    return 0;
}

void rtsTakeShutdownRequest(void)
{
    if (buffer_busy) {
        return; /* the next tick or idle round takes it */
    }
    int sig = shutdown_signal();
    if (sig == 0 || halvm_shutdown_take() == HALVM_SHUTDOWN_NONE) {
        return;
    }
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = sig;
    info.si_code = SI_KERNEL;
    if (push_pending(&info) && handler_state[sig] == STG_SIG_RST) {
        reset_after_delivery[sig] = true;
    }
}

void startSignalHandlers(Capability *cap)
{
    buffer_busy = true;
    while (next_pending_handler != pending_handler_buf) {
        next_pending_handler--;
        int sig = next_pending_handler->si_signo;
        if (handler_state[sig] == STG_SIG_DFL) {
            continue; /* the handler was removed meanwhile */
        }
        /* freed by runHandlersPtr (a finalizer on its pointer) */
        siginfo_t *info = stgMallocBytes(sizeof(siginfo_t), "startSignalHandlers");
        *info = *next_pending_handler;
        StgTSO *t = createIOThread(
            cap, RtsFlags.GcFlags.initialStkSize,
            rts_apply(cap,
                      rts_apply(cap, &base_GHCziConcziSignal_runHandlersPtr_closure,
                                rts_mkPtr(cap, info)),
                      rts_mkInt(cap, info->si_signo)));
        scheduleThread(cap, t);
        labelThread(cap, t, "signal handler thread");
    }
    buffer_busy = false;

    for (int sig = 1; sig < NSIG; sig++) {
        if (reset_after_delivery[sig]) {
            reset_after_delivery[sig] = false;
            stg_sig_install(sig, STG_SIG_DFL, NULL);
        }
    }
}

/* The scheduler calls this only when no thread can run and some signal has
 * a Haskell handler: wait for a signal (or the RTS shutting down). */
void awaitUserSignals(void)
{
    while (!signals_pending() && sched_state == SCHED_RUNNING) {
        rtsTakeShutdownRequest();
        if (signals_pending()) {
            break;
        }
        rtsSettleTicker();
        halvm_block_until(UINT64_MAX);
    }
}

#else /* THREADED_RTS */

void rtsTakeShutdownRequest(void)
{
}

#endif /* THREADED_RTS */

int stg_sig_install(int sig, int spi, void *mask)
{
    struct sigaction action;

    if (sig <= 0 || sig >= NSIG) {
        errno = EINVAL;
        return STG_SIG_ERR;
    }
    memset(&action, 0, sizeof action);
    switch (spi) {
    case STG_SIG_IGN:
        action.sa_handler = SIG_IGN;
        break;
    case STG_SIG_DFL:
        action.sa_handler = SIG_DFL;
        break;
    case STG_SIG_RST:
        action.sa_flags |= SA_RESETHAND;
        /* fall through */
    case STG_SIG_HAN:
#if defined(THREADED_RTS)
        errno = ENOSYS; /* no IO manager thread to deliver to */
        return STG_SIG_ERR;
#else
        action.sa_sigaction = generic_handler;
        action.sa_flags |= SA_SIGINFO;
        break;
#endif
    default:
        barf("stg_sig_install: bad spi %d", spi);
    }
    if (mask != NULL) {
        action.sa_mask = *(sigset_t *)mask;
    } else {
        sigemptyset(&action.sa_mask);
    }
    /* minlibc refuses SIGKILL and SIGSTOP with EINVAL, like Linux. */
    if (sigaction(sig, &action, NULL) != 0) {
        return STG_SIG_ERR;
    }

    StgInt previous = handler_state[sig];
    handler_state[sig] = spi;
    if (is_haskell_handler(spi) && !is_haskell_handler(previous)) {
        n_haskell_handlers++;
    } else if (!is_haskell_handler(spi) && is_haskell_handler(previous)) {
        n_haskell_handlers--;
    }
    return previous;
}

bool anyUserHandlers(void)
{
    return n_haskell_handlers != 0;
}

void initUserSignals(void)
{
}

/* The POSIX RTS installs its own SIGINT handler here (interrupt the RTS);
 * nothing in the guest sends SIGINT but a shutdown request, and that only
 * when a Haskell handler exists, so there is nothing to install. */
void initDefaultHandlers(void)
{
}

void resetDefaultHandlers(void)
{
}

void freeSignalHandlers(void)
{
}

/* Signals arrive only synchronously (raise) or through the buffer guard
 * above, so there is nothing to block. */
void blockUserSignals(void)
{
}

void unblockUserSignals(void)
{
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
