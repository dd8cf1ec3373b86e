/*
 * vchan of halvm/xen.h against Xen's own tools: echoes every byte it
 * receives until it has echoed BYTES of them, waits until the peer has
 * read them all, closes and exits 0.
 *   vchan server PEER PATH BYTES   serve PATH (relative: under our own
 *                                  XenStore home) for domain PEER, with
 *                                  8 KiB rings (granted pages)
 *   vchan client PEER PATH BYTES   connect to PEER's vchan at PATH (retried
 *                                  while the server's keys are missing)
 * Waits halt in halvm_block_until until the channel's port fires. Prints
 * "vchan: serving PATH" / "vchan: connecting to PATH" (dom0's trigger),
 * "vchan: connected", "vchan: echoed N bytes in M waits".
 */
#include "testlib.h"
#include <halvm/xen.h>

#define EAGAIN 11
#define ENOENT 2
#define EACCES 13

static uint64_t waits;

/* Halts until `port` fires or 100 ms pass; fails after 60 s in all. */
static void wait_port(int port, uint64_t deadline) {
    if (halvm_evtchn_take((uint32_t)port) == 1) return;
    if (halvm_monotonic_ns() > deadline) fail("timed out waiting for the peer");
    halvm_block_until(halvm_monotonic_ns() + 100000000ull);
    waits++;
}

int main(int argc, char **argv) {
    if (argc != 5) fail("usage: vchan server|client PEER PATH BYTES");
    long peer = parse_decimal(argv[2]), total = parse_decimal(argv[4]);
    if (peer < 0 || total < 0) fail("bad PEER or BYTES");
    const char *path = argv[3];
    uint64_t deadline = halvm_monotonic_ns() + 60000000000ull;
    int h;
    if (str_eq(argv[1], "server")) {
        h = halvm_vchan_server((uint32_t)peer, path, 8192, 8192);
        check(h, "halvm_vchan_server");
        put("vchan: serving "); put(path); put("\n");
        while (halvm_vchan_state(h) == 2) wait_port(halvm_vchan_port(h), deadline);
    } else if (str_eq(argv[1], "client")) {
        put("vchan: connecting to "); put(path); put("\n");
        /* Until the server publishes its keys the store says ENOENT, or
         * EACCES where the nearest existing key is not ours to read (a
         * server in dom0's own area): both mean "not yet". */
        while ((h = halvm_vchan_client((uint32_t)peer, path)) == -ENOENT || h == -EACCES) {
            if (halvm_monotonic_ns() > deadline) fail("the server never appeared");
            sleep_until(halvm_monotonic_ns() + 50000000ull);
        }
        check(h, "halvm_vchan_client");
    } else {
        fail("the first argument must be server or client");
    }
    int port = halvm_vchan_port(h);
    check(port, "halvm_vchan_port");
    put("vchan: connected\n");

    static char buf[4096];
    long echoed = 0;
    while (echoed < total) {
        long n = halvm_vchan_read(h, buf, sizeof buf);
        if (n == -EAGAIN) { wait_port(port, deadline); continue; }
        check(n, "halvm_vchan_read");
        if (n == 0) fail("the peer closed early");
        for (long done = 0; done < n;) {
            long w = halvm_vchan_write(h, buf + done, (size_t)(n - done));
            if (w == -EAGAIN) { wait_port(port, deadline); continue; }
            check(w, "halvm_vchan_write");
            done += w;
        }
        echoed += n;
    }
    /* the peer must read everything before it sees us close */
    long left;
    while ((left = halvm_vchan_unsent(h)) > 0) wait_port(port, deadline);
    check(left, "halvm_vchan_unsent");
    put("vchan: echoed "); put_u64((uint64_t)echoed); put(" bytes in "); put_u64(waits); put(" waits\n");
    check(halvm_vchan_close(h), "halvm_vchan_close");
    return 0;
}
