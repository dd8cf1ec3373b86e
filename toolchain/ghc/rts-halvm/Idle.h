/* halvm: idle-time accounting shared by AwaitEvent.c and GetTime.c. */
#pragma once

#include <stdint.h>

/* Nanoseconds the scheduler has spent halted in awaitEvent since boot. */
uint64_t halvm_idle_ns(void);

/* Stops the platform ticker if the RTS asked for that from inside a tick
 * (which may not call the platform's stop). Normal context only. */
void halvm_ticker_settle(void);
