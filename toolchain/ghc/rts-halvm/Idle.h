/* halvm: shared between the OS-layer files (idle time, ticker, shutdown
 * requests). */
#pragma once

#include <stdint.h>

#include "BeginPrivate.h"

/* Nanoseconds the scheduler has spent halted in awaitEvent since boot. */
uint64_t rtsIdleNSec(void);

/* Stops the platform ticker if the RTS asked for that from inside a tick
 * (which may not call the platform's stop). Normal context only. */
void rtsSettleTicker(void);

/* Turns a pending shutdown request of the toolstack into a pending signal
 * (Signals.c), if the program has a handler for it. Called from every tick
 * and from the idle loop; safe in interrupt context. */
void rtsTakeShutdownRequest(void);

#include "EndPrivate.h"
