/*
 * Time, ticks and interrupts:
 *   - the monotonic clock never goes back over many reads;
 *   - the wall clock (printed; the harness compares it with the host's);
 *   - a 200 ms sleep with halvm_block_until (start/end lines, which the
 *     harness also times from outside);
 *   - 100 Hz ticks counted over one second, none after halvm_tick_stop;
 *   - the red zone below the stack pointer survives interrupts (they run
 *     on IST stacks).
 */
#include "testlib.h"

#define MS 1000000ull

static volatile uint64_t ticks;
static void on_tick(void) { ticks++; }

static void check_monotonic(void) {
    uint64_t prev = halvm_monotonic_ns(), reads = 0;
    uint64_t end = prev + 100 * MS;
    for (uint64_t now = prev; now < end; prev = now) {
        now = halvm_monotonic_ns();
        reads++;
        if (now < prev) {
            put("monotonic went back from "); put_u64(prev); put(" to "); put_u64(now); put("\n");
            fail("monotonic clock went backwards");
        }
    }
    put("monotonic: never went back in "); put_u64(reads); put(" reads\n");
}

static void check_sleep(void) {
    put("sleep: start\n");
    uint64_t start = halvm_monotonic_ns();
    sleep_until(start + 200 * MS);
    uint64_t elapsed = halvm_monotonic_ns() - start;
    put("sleep: end, elapsed-ns "); put_u64(elapsed); put("\n");
}

static void check_ticks(void) {
    if (halvm_tick_start(0, on_tick) != -1 || halvm_tick_start(10 * MS, 0) != -1)
        fail("halvm_tick_start accepted a zero interval or a NULL callback");
    uint64_t start = halvm_monotonic_ns();
    ticks = 0;
    if (halvm_tick_start(10 * MS, on_tick) != 0) fail("halvm_tick_start failed");
    sleep_until(start + 1000 * MS);
    halvm_tick_stop();
    uint64_t counted = ticks;
    put("ticks: "); put_u64(counted); put(" in 1 s at 100 Hz\n");
    sleep_until(halvm_monotonic_ns() + 50 * MS);
    if (ticks != counted) fail("ticks arrived after halvm_tick_stop");
}

/* Fills the 128-byte red zone below %rsp, spins (not calling anything, so
 * the zone stays live) until three more ticks have run, then counts the
 * 8-byte slots that changed. An interrupt taken on the current stack
 * would overwrite the top of the zone. */
static void check_red_zone(void) {
    uint64_t target, damaged;
    ticks = 0;
    if (halvm_tick_start(2 * MS, on_tick) != 0) fail("halvm_tick_start failed");
    target = 3;
    __asm__ volatile(
        "lea -128(%%rsp), %%rdi\n\t"
        "mov $16, %%ecx\n\t"
        "movabs $0x5a5a5a5a00000000, %%rax\n"
        "1:\n\t"
        "mov %%rax, (%%rdi)\n\t"
        "add $8, %%rdi\n\t"
        "inc %%rax\n\t"
        "dec %%ecx\n\t"
        "jnz 1b\n"
        "2:\n\t"
        "pause\n\t"
        "cmp %[target], %[ticks]\n\t"
        "jb 2b\n\t"
        "lea -128(%%rsp), %%rdi\n\t"
        "mov $16, %%ecx\n\t"
        "movabs $0x5a5a5a5a00000000, %%rax\n\t"
        "xor %[damaged], %[damaged]\n"
        "3:\n\t"
        "cmp %%rax, (%%rdi)\n\t"
        "je 4f\n\t"
        "inc %[damaged]\n"
        "4:\n\t"
        "add $8, %%rdi\n\t"
        "inc %%rax\n\t"
        "dec %%ecx\n\t"
        "jnz 3b\n\t"
        : [damaged] "=&r"(damaged)
        : [ticks] "m"(ticks), [target] "r"(target)
        : "rax", "rcx", "rdi", "cc", "memory");
    halvm_tick_stop();
    put("red zone: "); put_u64(damaged); put(" of 16 slots damaged while ");
    put_u64(ticks); put(" ticks ran\n");
    if (damaged) fail("an interrupt overwrote the red zone");
}

int main(void) {
    check_monotonic();
    put("wallclock-s: "); put_i64(halvm_wallclock_ns() / 1000000000); put("\n");
    check_sleep();
    check_ticks();
    check_red_zone();
    put("time: all checks passed\n");
    return 0;
}
