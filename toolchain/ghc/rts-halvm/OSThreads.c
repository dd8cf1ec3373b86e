/* GHC runtime OS layer for halvm: OS threads.
 *
 * halvm runs the non-threaded RTS on one CPU: Haskell threads (forkIO) are
 * green threads multiplexed by the scheduler, and there are no OS threads.
 * This file provides the part of the OSThreads API that the non-threaded
 * RTS uses. */

#include "PosixSource.h"
#include "Rts.h"

/* No #error for THREADED_RTS: the RTS's dependency step preprocesses every
 * file with all way flags at once. A threaded way is simply not offered:
 * build.mk sets GhcRTSWays without thr, and createOSThread & co. are
 * missing, so such a link fails. */

/* forkOS needs a bound OS thread; base checks rtsSupportsBoundThreads()
 * first and raises its own error, so this is reached only by direct FFI
 * callers, who get the documented failure. */
int forkOS_createThread(HsStablePtr entry STG_UNUSED)
{
    return -1;
}

void freeThreadingResources(void)
{
}

uint32_t getNumberOfProcessors(void)
{
    return 1;
}

KernelThreadId kernelThreadId(void)
{
    return 0;
}

/* One CPU, one node: affinity and node binding have nothing to choose. */
void setThreadAffinity(uint32_t n STG_UNUSED, uint32_t m STG_UNUSED)
{
}

void setThreadNode(uint32_t node STG_UNUSED)
{
}

void releaseThreadNode(void)
{
}
