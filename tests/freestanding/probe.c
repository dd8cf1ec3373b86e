/*
 * The KVM probe: the least an image can do. The qemu lane boots it under
 * KVM to learn whether this machine's KVM can run halvm images at all
 * (tests/bootkit/src/host.rs), so it uses nothing the other test images
 * test: one console line, then exit status 0.
 */
#include "testlib.h"

int main(void) {
    /* tests/bootkit/src/host.rs (PROBE_LINE) looks for this line. */
    static const char line[] = "halvm probe: booted\n";
    halvm_console_write(line, sizeof line - 1);
    halvm_exit(0);
}
