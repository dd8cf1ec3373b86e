/*
 * Thread-local storage and the thread control block: initialised and
 * zeroed __thread variables (one over-aligned), their addresses below the
 * thread pointer, the TCB's self pointer at %fs:0 and a non-zero
 * stack-protector canary at %fs:0x28.
 */
#include "testlib.h"

/* volatile: the compiler must really go through the TLS block. */
static __thread volatile uint64_t initialised = 0x1122334455667788ull;
static __thread volatile char zeroed[300];
__thread volatile uint64_t over_aligned __attribute__((aligned(128))) = 7;

int main(void) {
    uint64_t self, canary;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(self));
    __asm__ volatile("mov %%fs:0x28, %0" : "=r"(canary));
    put("tls: thread pointer "); put_hex(self); put("\n");
    if (initialised != 0x1122334455667788ull) fail(".tdata was not copied");
    for (unsigned i = 0; i < sizeof zeroed; i++)
        if (zeroed[i]) fail(".tbss was not zeroed");
    if (over_aligned != 7) fail("the over-aligned variable lost its value");
    uintptr_t aligned_at = (uintptr_t)&over_aligned;
    __asm__("" : "+r"(aligned_at)); /* the compiler assumes the alignment */
    if (aligned_at % 128) fail("the over-aligned variable is misaligned");
    if (!self || (uintptr_t)&initialised >= self || (uintptr_t)&zeroed[299] >= self)
        fail("thread-local variables do not lie below the thread pointer");
    if (!canary) fail("no stack-protector canary at %fs:0x28");
    initialised++;
    zeroed[7] = 1;
    if (initialised != 0x1122334455667789ull || zeroed[7] != 1) fail("thread-local writes did not stick");
    put("tls: all checks passed\n");
    return 0;
}
