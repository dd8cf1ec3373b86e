/* GHC runtime OS layer for halvm: the non-threaded scheduler's idle loop.
 *
 * awaitEvent() wakes threads sleeping in threadDelay (sleeping_queue,
 * ordered by target time) and threads blocked on a file descriptor
 * (blocked_queue, from threadWaitRead/threadWaitWrite). Descriptor
 * readiness comes from minlibc's poll(), which knows which descriptors
 * exist (the console); waiting is halvm_block_until(), which halts the CPU
 * until the next deadline or any interrupt (tick, console input, a
 * shutdown request). */

#include "PosixSource.h"
#include "Rts.h"

#include "Schedule.h"
#include "Prelude.h"
#include "RaiseAsync.h"
#include "RtsUtils.h"
#include "Capability.h"
#include "AwaitEvent.h"
#include "GetTime.h"
#include "posix/Select.h"
#include "RtsSignals.h"
#include "Idle.h"

#include <halvm/platform.h>
#include <poll.h>
#include <errno.h>

static uint64_t idle_ns = 0;

uint64_t rtsIdleNSec(void)
{
    return idle_ns;
}

#if !defined(THREADED_RTS)

/* On 64-bit targets a LowResTime is a Time: nanoseconds of elapsed time,
 * i.e. of the platform's monotonic clock (see GetTime.c). */
LowResTime getDelayTarget(HsInt us)
{
    Time elapsed = getProcessElapsedTime();

    if (us > TimeToUS(TIME_MAX - elapsed)) {
        return TIME_MAX;
    }
    return elapsed + USToTime(us);
}

static bool wakeUpSleepingThreads(LowResTime now)
{
    bool woke = false;

    while (sleeping_queue != END_TSO_QUEUE
           && sleeping_queue->block_info.target <= now) {
        StgTSO *tso = sleeping_queue;
        sleeping_queue = tso->_link;
        tso->why_blocked = NotBlocked;
        tso->_link = END_TSO_QUEUE;
        pushOnRunQueue(&MainCapability, tso);
        woke = true;
    }
    return woke;
}

/* Polls every blocked descriptor once (no waiting) and moves the threads
 * whose descriptor is ready to the run queue; a thread blocked on a
 * descriptor that does not exist gets the blockedOnBadFD exception, as on
 * POSIX. Returns whether any thread became runnable. */
static bool wakeUpBlockedThreads(void)
{
    StgTSO *tso, *next, *prev = NULL;
    bool woke = false;

    for (tso = blocked_queue_hd; tso != END_TSO_QUEUE; tso = next) {
        struct pollfd pfd;
        int r;

        next = tso->_link;
        pfd.fd = tso->block_info.fd;
        pfd.revents = 0;
        switch (tso->why_blocked) {
        case BlockedOnRead:
            pfd.events = POLLIN;
            break;
        case BlockedOnWrite:
            pfd.events = POLLOUT;
            break;
        default:
            barf("awaitEvent: thread %lu blocked for reason %d",
                 (unsigned long)tso->id, (int)tso->why_blocked);
        }

        r = poll(&pfd, 1, 0);
        if (r < 0 || (pfd.revents & POLLNVAL)) {
            raiseAsync(&MainCapability, tso,
                       (StgClosure *)blockedOnBadFD_closure, false, NULL);
            woke = true;
        } else if (r > 0) {
            tso->why_blocked = NotBlocked;
            tso->_link = END_TSO_QUEUE;
            pushOnRunQueue(&MainCapability, tso);
            woke = true;
        } else {
            if (prev == NULL) {
                blocked_queue_hd = tso;
            } else {
                setTSOLink(&MainCapability, prev, tso);
            }
            prev = tso;
        }
    }

    if (prev == NULL) {
        blocked_queue_hd = blocked_queue_tl = END_TSO_QUEUE;
    } else {
        prev->_link = END_TSO_QUEUE;
        blocked_queue_tl = prev;
    }
    return woke;
}

/* With wait == false: wake whatever is ready now and return.
 * With wait == true: halt until some thread is runnable (or the scheduler
 * is shutting down). Wake-ups from halvm_block_until may be early, so the
 * conditions are re-checked every time round. */
void awaitEvent(bool wait)
{
    do {
        /* A shutdown request (or a raised signal) runs its handler thread
         * at once, as POSIX's select() loop does on EINTR. */
        rtsTakeShutdownRequest();
        if (signals_pending()) {
            startSignalHandlers(&MainCapability);
            return;
        }
        bool woke = wakeUpSleepingThreads(getProcessElapsedTime());
        woke = wakeUpBlockedThreads() || woke;
        if (woke || !wait) {
            return;
        }

        rtsSettleTicker();

        uint64_t deadline = UINT64_MAX;
        if (sleeping_queue != END_TSO_QUEUE) {
            deadline = (uint64_t)sleeping_queue->block_info.target;
        }
        uint64_t before = halvm_monotonic_ns();
        halvm_block_until(deadline);
        idle_ns += halvm_monotonic_ns() - before;
    } while (sched_state == SCHED_RUNNING
             && emptyRunQueue(&MainCapability));
}

#endif /* !THREADED_RTS */
