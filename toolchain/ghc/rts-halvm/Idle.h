/* halvm: shared between the OS-layer files (idle time, ticker). */
#pragma once

#include <stdint.h>

#include "BeginPrivate.h"

/* Nanoseconds the scheduler has spent halted in awaitEvent since boot. */
uint64_t rtsIdleNSec(void);

/* Stops the platform ticker if the RTS asked for that from inside a tick
 * (which may not call the platform's stop). Normal context only. */
void rtsSettleTicker(void);

#include "EndPrivate.h"
