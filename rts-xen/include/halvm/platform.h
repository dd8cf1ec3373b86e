/*
 * halvm platform API: the only interface between the layers above
 * (minlibc, the GHC runtime's OS layer, Haskell libraries) and rts-xen,
 * the x86_64 Xen PVH platform layer underneath.
 *
 * This header is freestanding: it includes nothing but the compiler's own
 * <stddef.h> and <stdint.h>, so it can be used with -nostdinc -ffreestanding.
 *
 * Threading model: one CPU, no preemptive threads. Functions here may be
 * called from normal context. Only those marked "interrupt-safe" may be
 * called from a tick callback (which runs in interrupt context, with
 * interrupts disabled, on a 32 KiB interrupt stack).
 *
 * Images are linked with toolchain/linker/halvm.ld; rts-xen provides the
 * PVH entry point. They boot under Xen as PVH domains and directly under
 * QEMU (-kernel IMAGE -append "ARGS").
 *
 * Start-up contract: rts-xen boots the machine, brings up the console,
 * memory, time and interrupts, splits the kernel command line into
 * arguments, sets up thread-local storage for the one thread (FS points
 * at a TCB: self pointer at %fs:0, stack-protector canary at %fs:0x28;
 * __thread variables below it, x86_64 TLS variant II), runs the C
 * constructors (.init_array, in order), then calls the C symbol
 *
 *     int main(int argc, char **argv);
 *
 * and, if it returns, calls the C symbol `void exit(int status)`, exactly
 * like a hosted crt0. minlibc's exit() runs atexit handlers, flushes stdio
 * and then calls halvm_exit(). A freestanding program without minlibc
 * defines exit() itself, normally as a call to halvm_exit().
 */
#ifndef HALVM_PLATFORM_H
#define HALVM_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this API; bumped on any change (2: halvm_entropy;
 * 3: shutdown requests). */
#define HALVM_PLATFORM_API_VERSION 3

/* ---------------------------------------------------------------- console */

/*
 * Writes all `len` bytes to the console: the PV console ring for an
 * ordinary Xen domain, console_io for the initial domain, COM1 on bare
 * QEMU. Blocks (halting, not spinning) while a console ring is full;
 * called in interrupt context it can only poll. Output written before the
 * console is ready is buffered and emitted once it is. Returns `len`.
 * Interrupt-safe.
 */
size_t halvm_console_write(const char *buf, size_t len);

/*
 * Copies up to `len` bytes of pending console input into `buf` without
 * blocking. Returns the number of bytes copied, 0 when none are pending.
 * Use halvm_block_until() to wait for input: arriving input ends the halt
 * (COM1's interrupt on QEMU, VIRQ_CONSOLE for Xen's initial domain, the
 * console ring's event channel for other domains).
 */
size_t halvm_console_read(char *buf, size_t len);

/* ------------------------------------------------------------------- time */

/* Nanoseconds since an arbitrary point at boot; never goes backwards.
 * Interrupt-safe. */
uint64_t halvm_monotonic_ns(void);

/* Wall-clock time as nanoseconds since 1970-01-01T00:00:00Z (UTC).
 * Interrupt-safe. */
int64_t halvm_wallclock_ns(void);

/* ----------------------------------------------------------------- memory */

#define HALVM_PAGE_SIZE      4096u
#define HALVM_MEGABLOCK_SIZE (1024u * 1024u)

/*
 * Allocates `npages` contiguous, zeroed, page-aligned pages.
 * Returns NULL when memory is exhausted (never faults, never aborts); the
 * console then also gets a line "halvm: out of memory: ..." saying how
 * much was asked for and how much is free. NULL for npages == 0.
 */
void *halvm_alloc_pages(size_t npages);

/* Returns pages obtained from halvm_alloc_pages(); `npages` must match.
 * Freeing pages that are not allocated prints a warning and does nothing. */
void halvm_free_pages(void *addr, size_t npages);

/*
 * Allocates `n` contiguous megablocks: n MiB, aligned to 1 MiB, zeroed.
 * This is what the GHC runtime's osGetMBlocks() asks for.
 * Returns NULL (with the same console line) when memory is exhausted.
 */
void *halvm_alloc_megablocks(size_t n);

/* Returns megablocks obtained from halvm_alloc_megablocks(). */
void halvm_free_megablocks(void *addr, size_t n);

/* Bytes of usable RAM the platform manages in all, and free right now. */
uint64_t halvm_memory_total(void);
uint64_t halvm_memory_free(void);

/* --------------------------------------------------- ticks and blocking */

/* Called from interrupt context on every tick. */
typedef void (*halvm_tick_fn)(void);

/*
 * Starts calling `fn` every `interval_ns` nanoseconds (the GHC scheduler's
 * ticker). A second call replaces the interval and callback. Returns 0, or
 * -1 if the interval is 0 or `fn` is NULL.
 */
int halvm_tick_start(uint64_t interval_ns, halvm_tick_fn fn);

/* Stops the ticker; no callback runs after this returns. */
void halvm_tick_stop(void);

/*
 * Halts the CPU until the monotonic clock reaches `deadline_ns` or any
 * interrupt or event arrives (tick, console input, event channel, shutdown
 * request), whichever
 * comes first. Returns at once if the deadline has passed. Callers re-check
 * their own condition afterwards: wake-ups may be early.
 * Pass UINT64_MAX to wait for an event with no deadline.
 * Normal context only (never from a tick callback).
 */
void halvm_block_until(uint64_t deadline_ns);

/* ---------------------------------------------------------------- entropy */

/*
 * Fills `buf` with `len` random bytes from the CPU's hardware generator:
 * RDSEED where CPUID advertises it, else RDRAND. Returns 0, or -1 (with
 * nothing promised about `buf`) when the CPU has neither instruction or
 * it keeps reporting that no value is ready; callers report that as an
 * error and must never substitute a weaker seed. With `len` 0 (`buf` may
 * then be NULL) it only answers whether the CPU has a generator: 0 if it
 * has. Normal context only.
 */
int halvm_entropy(void *buf, size_t len);

/* ------------------------------------------------------ shutdown requests */

/*
 * What the toolstack asked this guest to do: under Xen, the value `xl
 * shutdown` ("poweroff") or `xl reboot` ("reboot") writes to the guest's
 * control/shutdown key, which the platform watches. Other values there
 * (suspend, halt, ...) are acknowledged and reported on the console as not
 * supported. Without Xen no request ever arrives.
 */
enum halvm_shutdown_reason {
    HALVM_SHUTDOWN_NONE = 0,
    HALVM_SHUTDOWN_POWEROFF = 1,
    HALVM_SHUTDOWN_REBOOT = 2
};

/*
 * Returns the request that arrived since the previous call, or
 * HALVM_SHUTDOWN_NONE; each request is returned once. A request wakes
 * halvm_block_until. Interrupt-safe.
 *
 * A request also starts the platform's grace period (its length is in
 * rts-xen/README.md): a guest that has not called halvm_exit when it is
 * over is ended as if by halvm_exit(HALVM_EXIT_SHUTDOWN_TIMEOUT), with a
 * console line saying so. Once a request has arrived, halvm_exit shuts the
 * domain down with the requested reason (poweroff or reboot) whatever the
 * status, so that the toolstack sees the shutdown it asked for; the status
 * itself still goes to the console and to XenStore as always.
 */
enum halvm_shutdown_reason halvm_shutdown_take(void);

/* ------------------------------------------------------------------- exit */

/*
 * Ends the guest with `status` (only its low 8 bits count). Prints the
 * final line
 *     halvm: exit status N
 * on the console, then: under Xen, SCHEDOP_shutdown (poweroff for 0, crash
 * otherwise); on bare QEMU, isa-debug-exit, so QEMU's own exit status is
 * (status << 1) | 1 -- which fits a process exit status unambiguously only
 * for statuses below 128. Xen's initial domain writes the status to the
 * isa-debug-exit port before the shutdown too, so that QEMU running Xen
 * (the tests) exits with the same status; without the device the write
 * goes nowhere.
 */
_Noreturn void halvm_exit(int status);

/* Exit statuses rts-xen itself uses (all below 128, see above). */
#define HALVM_EXIT_PLATFORM_ERROR 121 /* internal error, unusable boot info  */
#define HALVM_EXIT_BAD_CMDLINE    122 /* command line malformed or too long */
#define HALVM_EXIT_CPU_FAULT      123 /* CPU exception; report on console  */
#define HALVM_EXIT_BAD_BOOT_MAGIC 124 /* not started through PVH: a message
                                         on COM1, then isa-debug-exit      */
#define HALVM_EXIT_SHUTDOWN_TIMEOUT 125 /* a shutdown request was not
                                           honoured within the grace period */

/* ---------------------------------------------------- arguments and info */

/*
 * Arguments parsed from the kernel command line with shell-like quoting
 * ('single', "double" with \" \\ escapes, backslash outside quotes;
 * quoted and unquoted parts join into one word).
 * argv[0] is "halvm"; argv[argc] is NULL. Same values main() receives.
 * Words of the form halvm.NAME=VALUE, wherever they stand, are the
 * platform's own settings (network address, DNS server, ...): they are
 * read by the platform and are not in argv.
 * A line longer than 4096 bytes, with more than 255 arguments, or with an
 * unterminated quote or a trailing backslash ends the guest with a message
 * and HALVM_EXIT_BAD_CMDLINE before main() runs.
 */
int halvm_argc(void);
char **halvm_argv(void);

/* The raw kernel command line, NUL-terminated ("" if none). */
const char *halvm_cmdline(void);

/* Which platform the image found itself on. */
enum halvm_platform_kind {
    HALVM_PLATFORM_QEMU = 0,     /* no Xen CPUID leaves: bare PVH boot */
    HALVM_PLATFORM_XEN_DOM0 = 1, /* Xen, initial domain */
    HALVM_PLATFORM_XEN_DOMU = 2  /* Xen, ordinary domain */
};
enum halvm_platform_kind halvm_platform(void);

#ifdef __cplusplus
}
#endif

#endif /* HALVM_PLATFORM_H */
