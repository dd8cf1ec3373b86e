/*
 * Shutdown requests of the toolstack (xl shutdown, xl reboot), in two
 * modes chosen by the first argument:
 *   honour  prints "shutdown: waiting", halts in halvm_block_until until
 *           halvm_shutdown_take() returns a request, prints "shutdown:
 *           request poweroff" (or reboot) and exits with 0: the domain
 *           then shuts down with the requested reason;
 *   ignore  prints "shutdown: waiting", then computes for ever without
 *           ever waiting or looking at requests: the platform's grace
 *           period must end it, with status 125 (HALVM_EXIT_SHUTDOWN_TIMEOUT).
 */
#include "testlib.h"

int main(int argc, char **argv) {
    if (argc != 2 || !(str_eq(argv[1], "honour") || str_eq(argv[1], "ignore"))) fail("usage: shutdown honour|ignore");
    put("shutdown: waiting\n");
    if (str_eq(argv[1], "ignore")) {
        /* Busy, never halting: the request reaches the platform through
         * the store's event-channel upcall alone. */
        volatile uint64_t spins = 0;
        for (;;) spins++;
    }
    enum halvm_shutdown_reason r;
    uint64_t halts = 0;
    while ((r = halvm_shutdown_take()) == HALVM_SHUTDOWN_NONE) {
        halvm_block_until(UINT64_MAX);
        halts++;
    }
    put("shutdown: request ");
    put(r == HALVM_SHUTDOWN_POWEROFF ? "poweroff" : r == HALVM_SHUTDOWN_REBOOT ? "reboot" : "unknown");
    put(" after "); put_u64(halts); put(" halts\n");
    if (halvm_shutdown_take() != HALVM_SHUTDOWN_NONE) fail("a request was returned twice");
    return 0;
}
