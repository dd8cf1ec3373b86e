/*
 * Deliberate CPU faults, chosen by the first argument:
 *   null   read through a NULL pointer (page 0 is unmapped): #PF, CR2 0
 *   stack  unbounded recursion into the guard page below the stack: #PF
 *   ud     an invalid instruction: #UD
 * Each must end in rts-xen's fault report, never return here.
 */
#include "testlib.h"

static volatile uint64_t sink;
/* Far beyond any stack; volatile so the compiler cannot see the recursion
 * as infinite. */
static volatile uint64_t recursion_limit = UINT64_MAX;

/* Recurses until the stack overflows; the volatile array keeps every frame
 * alive and big. */
static uint64_t recurse(uint64_t depth) {
    volatile uint64_t frame[64];
    if (depth == recursion_limit) return 0;
    frame[depth % 64] = depth;
    sink = frame[depth % 64];
    return recurse(depth + 1) + frame[(depth + 1) % 64];
}

int main(int argc, char **argv) {
    if (argc < 2) fail("say which fault: null, stack or ud");
    put("causing fault: "); put(argv[1]); put("\n");
    if (str_eq(argv[1], "null")) {
        /* Hide the value from the optimiser, which would otherwise turn a
         * known NULL dereference into a trap instruction. */
        uintptr_t addr = 0;
        __asm__("" : "+r"(addr));
        sink = *(volatile uint64_t *)addr;
    } else if (str_eq(argv[1], "stack")) {
        sink = recurse(0);
    } else if (str_eq(argv[1], "ud")) {
        __asm__ volatile("ud2");
    } else {
        fail("unknown fault kind");
    }
    fail("the fault did not stop the program");
}
