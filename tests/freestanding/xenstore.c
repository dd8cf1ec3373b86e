/*
 * The XenStore API of halvm/xen.h, as an ordinary Xen domain uses it with
 * dom0's tools on the other side: prints the domain's id and name, writes
 * data/halvm/test = "hello" (dom0 reads it with xenstore-read), reads it
 * back, lists data/halvm (first into a buffer too small for the listing),
 * shows the key's permissions, commits a transaction, then watches
 * data/halvm/poke and halts until dom0 writes it; prints the value and
 * exits with 0. Every failure prints "FAIL: ..." and exits with 1.
 */
#include "testlib.h"
#include <halvm/xen.h>

/* Prints a NUL-separated list of `len` bytes as space-separated words. */
static void put_list(const char *list, long len) {
    for (long i = 0; i < len; i++) {
        char c = list[i] ? list[i] : (i + 1 < len ? ' ' : 0);
        if (c) halvm_console_write(&c, 1);
    }
}

int main(void) {
    uint32_t domid;
    check(halvm_xen_domid(&domid), "halvm_xen_domid");
    char name[128];
    long n = halvm_xen_name(name, sizeof name);
    check(n, "halvm_xen_name");
    if (n >= (long)sizeof name) fail("the name does not fit 128 bytes");
    put("xenstore: domid "); put_u64(domid); put("\n");
    put("xenstore: name "); put(name); put("\n");

    check(halvm_xs_write(0, "data/halvm/test", "hello", 5), "write data/halvm/test");
    char value[64];
    n = halvm_xs_read(0, "data/halvm/test", value, sizeof value);
    check(n, "read data/halvm/test");
    put("xenstore: read back "); put(value); put("\n");
    long missing = halvm_xs_read(0, "data/halvm/no-such-key", value, sizeof value);
    put("xenstore: a missing key gives "); put_i64(missing); put("\n");

    char small[2] = { 'x', 'x' };
    long needed = halvm_xs_directory(0, "data/halvm", small, sizeof small);
    check(needed, "list data/halvm (small buffer)");
    if (needed <= 2 || small[0] != 'x') fail("a too-small buffer must be left alone, with the size needed returned");
    char list[256];
    n = halvm_xs_directory(0, "data/halvm", list, sizeof list);
    check(n, "list data/halvm");
    if (n != needed) fail("the listing's length changed");
    put("xenstore: data/halvm lists "); put_list(list, n); put(" (");
    put_u64((uint64_t)needed); put(" bytes)\n");

    char perms[64];
    n = halvm_xs_get_perms(0, "data/halvm/test", perms, sizeof perms);
    check(n, "get permissions of data/halvm/test");
    put("xenstore: permissions "); put_list(perms, n); put("\n");

    uint32_t tx;
    check(halvm_xs_transaction_start(&tx), "transaction start");
    check(halvm_xs_write(tx, "data/halvm/tx", "1", 1), "write in a transaction");
    check(halvm_xs_transaction_end(tx, 1), "transaction commit");
    n = halvm_xs_read(0, "data/halvm/tx", value, sizeof value);
    check(n, "read data/halvm/tx");
    put("xenstore: transaction "); put_u64(tx); put(" committed, data/halvm/tx = "); put(value); put("\n");

    check(halvm_xs_watch("data/halvm/poke", "poke"), "watch data/halvm/poke");
    put("xenstore: waiting for data/halvm/poke\n");
    char path[HALVM_XS_PATH_MAX + 1], token[HALVM_XS_TOKEN_MAX + 1];
    uint64_t events = 0;
    for (;;) {
        int got = halvm_xs_watch_take(path, sizeof path, token, sizeof token);
        check(got, "take a watch event");
        if (got == 0) {
            halvm_block_until(UINT64_MAX);
            continue;
        }
        events++;
        if (!str_eq(token, "poke")) fail("an event with a token we never gave");
        n = halvm_xs_read(0, "data/halvm/poke", value, sizeof value);
        if (n == -2 /* ENOENT: the event of the registration */) continue;
        check(n, "read data/halvm/poke");
        break;
    }
    put("xenstore: "); put(path); put(" = "); put(value);
    put(" (after "); put_u64(events); put(" events)\n");
    check(halvm_xs_unwatch("data/halvm/poke", "poke"), "unwatch");
    return 0;
}
