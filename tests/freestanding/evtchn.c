/*
 * Event channels and grant tables of halvm/xen.h in an ordinary Xen
 * domain, with the domain as its own peer:
 *   - ports the program does not own (the platform's timer, console and
 *     XenStore ports among them) are refused: take/notify/close -EBADF;
 *     VIRQ_TIMER cannot be bound (-EPERM);
 *   - a loopback pair: an unbound port for ourselves, bound with
 *     bind_interdomain; a notify on either end fires the other, seen by
 *     halvm_evtchn_pending/take after halting in halvm_block_until;
 *   - VIRQ_DEBUG binds; what Xen says to a global VIRQ (VIRQ_DOM_EXC) is
 *     printed;
 *   - grants: a page granted (to ourselves) gets a reference >= 8, which
 *     ends once (then -EBADF) and is reused; mapping our own grant is
 *     refused (Xen would take the frame away from its original address;
 *     foreign grants are mapped by the vchan client case); the toolstack's
 *     reserved references cannot be ended.
 * Also runs as Xen's initial domain (domain 0, no XenStore).
 * Prints "evtchn: all checks passed" and exits 0; "FAIL: ..." and 1 else.
 */
#include "testlib.h"
#include <halvm/xen.h>

#define EBADF 9
#define EPERM 1
#define EBUSY 16
#define VIRQ_DEBUG 1
#define VIRQ_DOM_EXC 3

static void expect(long got, long want, const char *what) {
    if (got != want) {
        put("FAIL: "); put(what); put(": got "); put_i64(got); put(", expected "); put_i64(want); put("\n");
        exit(1);
    }
}

/* Halts until `port` fired (at most 2 s); returns the halts it took. */
static uint64_t wait_port(int port) {
    uint64_t deadline = halvm_monotonic_ns() + 2000000000ull, halts = 0;
    for (;;) {
        int r = halvm_evtchn_take((uint32_t)port);
        check(r, "halvm_evtchn_take");
        if (r == 1) return halts;
        if (halvm_monotonic_ns() > deadline) fail("the event never arrived");
        halvm_block_until(deadline);
        halts++;
    }
}

int main(void) {
    uint32_t me;
    int id = halvm_xen_domid(&me);
    /* Xen's initial domain has no store connection: it is domain 0 */
    if (id == -19 /* ENODEV */ && halvm_platform() == HALVM_PLATFORM_XEN_DOM0) me = 0;
    else check(id, "halvm_xen_domid");
    put("evtchn: domid "); put_u64(me); put("\n");

    /* the first ports are the platform's (console, XenStore, VIRQ_TIMER) */
    for (uint32_t p = 1; p <= 4; p++) {
        expect(halvm_evtchn_take(p), -EBADF, "take on a port not ours");
        expect(halvm_evtchn_notify(p), -EBADF, "notify on a port not ours");
        expect(halvm_evtchn_close(p), -EBADF, "close of a port not ours");
    }
    expect(halvm_evtchn_bind_virq(0), -EPERM, "binding VIRQ_TIMER");
    put("evtchn: platform ports refused\n");

    int a = halvm_evtchn_alloc_unbound(me);
    check(a, "alloc_unbound");
    int b = halvm_evtchn_bind_interdomain(me, (uint32_t)a);
    check(b, "bind_interdomain");
    put("evtchn: loopback ports "); put_u64((uint64_t)a); put(" and "); put_u64((uint64_t)b); put("\n");
    expect(halvm_evtchn_pending(), 0, "pending before any notify");
    check(halvm_evtchn_notify((uint32_t)b), "notify b");
    uint64_t halts = wait_port(a);
    expect(halvm_evtchn_take((uint32_t)a), 0, "a second take of one event");
    check(halvm_evtchn_notify((uint32_t)a), "notify a");
    halts += wait_port(b);
    expect(halvm_evtchn_pending(), 0, "pending after the takes");
    /* two notifies, then take_fired lists the port once */
    check(halvm_evtchn_notify((uint32_t)b), "notify b again");
    check(halvm_evtchn_notify((uint32_t)b), "notify b twice");
    while (!halvm_evtchn_pending()) halvm_block_until(halvm_monotonic_ns() + 10000000);
    uint32_t fired[4];
    expect(halvm_evtchn_take_fired(fired, 4), 1, "ports listed by take_fired");
    expect(fired[0], (long)a, "the fired port");
    put("evtchn: events crossed both ways ("); put_u64(halts); put(" halts)\n");

    int dbg = halvm_evtchn_bind_virq(VIRQ_DEBUG);
    check(dbg, "bind VIRQ_DEBUG");
    put("evtchn: VIRQ_DEBUG bound to port "); put_u64((uint64_t)dbg); put("\n");
    check(halvm_evtchn_close((uint32_t)dbg), "close VIRQ_DEBUG");
    int exc = halvm_evtchn_bind_virq(VIRQ_DOM_EXC);
    put("evtchn: VIRQ_DOM_EXC gives "); put_i64(exc); put("\n");
    if (exc > 0) halvm_evtchn_close((uint32_t)exc);

    check(halvm_evtchn_close((uint32_t)b), "close b");
    check(halvm_evtchn_close((uint32_t)a), "close a");
    expect(halvm_evtchn_take((uint32_t)a), -EBADF, "take after close");

    /* grants */
    volatile uint32_t *page = halvm_alloc_pages(1);
    if (!page) fail("no page");
    page[0] = 0xfeedf00d;
    expect(halvm_gnttab_grant(me, (const void *)((uintptr_t)page + 8), 0), -22, "granting an unaligned address");
    int ref = halvm_gnttab_grant(me, (const void *)page, 0);
    check(ref, "grant");
    put("gnttab: granted page as reference "); put_u64((uint64_t)ref); put("\n");
    void *mapped = 0;
    /* Xen would move the frame away from its owner: refused */
    expect(halvm_gnttab_map(me, (uint32_t)ref, 0, &mapped), -22, "mapping our own grant");
    expect(halvm_gnttab_map(0x7ff0, (uint32_t)ref, 0, &mapped), -22, "mapping through DOMID_SELF");
    expect(halvm_gnttab_unmap((void *)page), -22, "unmapping a page that is not a mapping");
    expect(page[0], 0xfeedf00d, "the granted page");
    check(halvm_gnttab_end((uint32_t)ref), "end");
    expect(halvm_gnttab_end((uint32_t)ref), -EBADF, "a second end");
    expect(halvm_gnttab_end(1), -EBADF, "ending the toolstack's XenStore grant");
    int ro = halvm_gnttab_grant(me, (const void *)page, 1);
    check(ro, "read-only grant");
    expect(ro, ref, "the freed reference, reused");
    check(halvm_gnttab_end((uint32_t)ro), "end read-only");
    halvm_free_pages((void *)page, 1);
    put("gnttab: grant, map, end checks passed\n");
    put("evtchn: all checks passed\n");
    return 0;
}
