/*
 * Console output, arguments and exit status: prints a greeting, the
 * platform kind and every argument in brackets, then exits with the status
 * given as the first argument (0 without arguments).
 */
#include "testlib.h"

int main(int argc, char **argv) {
    static const char *const kinds[] = {"qemu", "xen-dom0", "xen-domu"};
    put("hello from halvm\n");
    put("platform: "); put(kinds[halvm_platform()]); put("\n");
    put("cmdline: ["); put(halvm_cmdline()); put("]\n");
    put("argc: "); put_u64((uint64_t)argc); put("\n");
    if (argc != halvm_argc() || argv != halvm_argv() || argv[argc] != 0)
        fail("main's argc/argv differ from halvm_argc()/halvm_argv() or argv is not NULL-terminated");
    for (int i = 0; i < argc; i++) {
        put("argv["); put_u64((uint64_t)i); put("]: ["); put(argv[i]); put("]\n");
    }
    if (argc < 2) return 0;
    long status = parse_decimal(argv[1]);
    if (status < 0 || status > 255) fail("the first argument must be an exit status 0..255");
    return (int)status;
}
