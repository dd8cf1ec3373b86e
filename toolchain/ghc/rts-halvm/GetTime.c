/* GHC runtime OS layer for halvm: clocks.
 *
 * Elapsed time is the platform's monotonic clock (nanoseconds since boot).
 * The guest is the only process on its one CPU, so its CPU time is the
 * elapsed time minus the time the idle loop spent halted (see
 * AwaitEvent.c, which accounts for it). */

#include "PosixSource.h"
#include "Rts.h"

#include "GetTime.h"
#include "Idle.h"

#include <halvm/platform.h>

void initializeTimer(void)
{
}

StgWord64 getMonotonicNSec(void)
{
    return halvm_monotonic_ns();
}

Time getProcessElapsedTime(void)
{
    return NSToTime(halvm_monotonic_ns());
}

Time getProcessCPUTime(void)
{
    return NSToTime(halvm_monotonic_ns() - rtsIdleNSec());
}

/* One thread of execution: the thread's CPU time is the process's. */
Time getCurrentThreadCPUTime(void)
{
    return getProcessCPUTime();
}

void getProcessTimes(Time *user, Time *elapsed)
{
    *user = getProcessCPUTime();
    *elapsed = getProcessElapsedTime();
}

void getUnixEpochTime(StgWord64 *sec, StgWord32 *nsec)
{
    int64_t ns = halvm_wallclock_ns();
    *sec = (StgWord64)(ns / 1000000000);
    *nsec = (StgWord32)(ns % 1000000000);
}

/* No demand paging: every page is backed when it is handed out. */
W_ getPageFaults(void)
{
    return 0;
}
