/*
 * Console input: prints "echo: ready", then reads one line, halting in
 * halvm_block_until(UINT64_MAX) whenever no input is pending. No ticker
 * runs, so only the console input's own interrupt or event can end those
 * halts. Prints the line back and how many halts it took.
 */
#include "testlib.h"

int main(void) {
    char line[128];
    size_t len = 0;
    uint64_t halts = 0;
    put("echo: ready\n");
    while (len < sizeof line - 1) {
        size_t n = halvm_console_read(&line[len], 1);
        if (n == 0) {
            halvm_block_until(UINT64_MAX);
            halts++;
            continue;
        }
        if (line[len] == '\n' || line[len] == '\r') break;
        len++;
    }
    line[len] = 0;
    put("echo: ["); put(line); put("] after "); put_u64(halts); put(" halts\n");
    return 0;
}
