/* GHC runtime OS layer for halvm: the scheduler's ticker.
 *
 * rts-xen calls a function periodically from interrupt context; the RTS's
 * tick handler is written to run in signal-handler context, which is the
 * same kind of restriction.
 *
 * The tick handler itself calls stopTimer() -> stopTicker() once the
 * program has been idle for a while. The platform only promises that its
 * interrupt-safe functions may be called from a tick, so a stop requested
 * from inside a tick only silences the callback; the platform ticker is then
 * stopped from normal context by the idle loop (rtsSettleTicker). */

#include "PosixSource.h"
#include "Rts.h"

#include "Ticker.h"
#include "Idle.h"

#include <halvm/platform.h>
#include <signal.h>

static TickProc tick_proc = NULL;
static Time tick_interval = 0;

/* Written from normal context, read in interrupt context. */
static volatile bool ticker_enabled = false;
static volatile bool in_tick = false;
/* The platform ticker is running (only touched from normal context, or from
 * a tick while it is known to be running). */
static volatile bool platform_ticking = false;

static void on_tick(void)
{
    if (!ticker_enabled) {
        return;
    }
    in_tick = true;
    tick_proc(0);
    in_tick = false;
    /* A busy program never reaches the idle loop; the next return to the
     * scheduler starts the handler. */
    rtsTakeShutdownRequest();
}

void initTicker(Time interval, TickProc handle_tick)
{
    tick_interval = interval;
    tick_proc = handle_tick;
}

void startTicker(void)
{
    ticker_enabled = true;
    if (!platform_ticking) {
        if (halvm_tick_start((uint64_t)TimeToNS(tick_interval), on_tick) != 0) {
            barf("halvm: cannot start the scheduler ticker (interval %"
                 FMT_Word64 " ns)", (StgWord64)TimeToNS(tick_interval));
        }
        platform_ticking = true;
    }
}

void stopTicker(void)
{
    ticker_enabled = false;
    if (!in_tick && platform_ticking) {
        halvm_tick_stop();
        platform_ticking = false;
    }
}

void rtsSettleTicker(void)
{
    if (!ticker_enabled && platform_ticking) {
        halvm_tick_stop();
        platform_ticking = false;
    }
}

void exitTicker(bool wait STG_UNUSED)
{
    ticker_enabled = false;
    if (platform_ticking) {
        halvm_tick_stop();
        platform_ticking = false;
    }
}

/* No signal drives the ticker. The unix package builds its
 * reservedSignals set from this number, so it must be a valid signal;
 * SIGVTALRM is what the POSIX layer reports and nothing delivers it here. */
int rtsTimerSignal(void)
{
    return SIGVTALRM;
}
