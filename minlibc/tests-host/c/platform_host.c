/*
 * A test implementation of the halvm platform API on Linux, so that the
 * host copy of minlibc (whose own symbols carry an ml_ prefix) can run next
 * to glibc in one test process. Compiled against glibc.
 *
 * Console output is captured in memory (tests read it back with
 * host_console_take); console input comes from host_console_feed. Pages
 * come from mmap, with an optional limit so tests can exhaust memory, and
 * every run is checked on free (wrong size or unknown address aborts).
 * Entropy comes from the host's getrandom unless a test takes the
 * generator away or makes it stop delivering.
 * halvm_exit writes the captured console to the real stdout and ends the
 * process with the status, so exit tests run in a child process.
 */
#define _GNU_SOURCE
#include "suite.h"  /* the test hooks' declarations */
#include <halvm/platform.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <errno.h>

static char console_out[1 << 20];
static size_t console_out_len;
static char console_in[4096];
static size_t console_in_len;

size_t halvm_console_write(const char *buf, size_t len)
{
    size_t room = sizeof console_out - console_out_len;
    size_t k = len < room ? len : room;
    memcpy(console_out + console_out_len, buf, k);
    console_out_len += k;
    return len;
}

size_t halvm_console_read(char *buf, size_t len)
{
    size_t k = len < console_in_len ? len : console_in_len;
    memcpy(buf, console_in, k);
    memmove(console_in, console_in + k, console_in_len - k);
    console_in_len -= k;
    return k;
}

/* Test side: copies out and clears what was written to the console. */
size_t host_console_take(char *buf, size_t cap)
{
    size_t k = console_out_len < cap ? console_out_len : cap;
    memcpy(buf, console_out, k);
    console_out_len = 0;
    return k;
}

void host_console_feed(const char *data, size_t len)
{
    if (len > sizeof console_in - console_in_len)
        abort();
    memcpy(console_in + console_in_len, data, len);
    console_in_len += len;
}

static uint64_t ns_of(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t halvm_monotonic_ns(void) { return ns_of(CLOCK_MONOTONIC); }
int64_t halvm_wallclock_ns(void) { return (int64_t)ns_of(CLOCK_REALTIME); }

/* ------------------------------------------------------------- pages */

#define MAX_RUNS 65536
static struct { void *addr; size_t npages; } runs[MAX_RUNS];
static size_t pages_live, page_limit = (size_t)1 << 22; /* 16 GiB of address space by default */
uint64_t host_block_calls;

size_t host_pages_live(void) { return pages_live; }
void host_set_page_limit(size_t pages) { page_limit = pages; }

static void *map_aligned(size_t bytes, size_t align)
{
    size_t span = bytes + align;
    char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    char *a = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
    if (a > p)
        munmap(p, (size_t)(a - p));
    size_t tail = (size_t)((p + span) - (a + bytes));
    if (tail)
        munmap(a + bytes, tail);
    return a;
}

static void *alloc_run(size_t npages, size_t align)
{
    if (npages == 0 || npages > page_limit - pages_live)
        return NULL;
    void *p = map_aligned(npages * HALVM_PAGE_SIZE, align);
    if (!p)
        return NULL;
    for (size_t i = 0; i < MAX_RUNS; i++)
        if (!runs[i].addr) {
            runs[i].addr = p;
            runs[i].npages = npages;
            pages_live += npages;
            return p;
        }
    abort(); /* run table full: enlarge MAX_RUNS */
}

static void free_run(void *addr, size_t npages)
{
    for (size_t i = 0; i < MAX_RUNS; i++)
        if (runs[i].addr == addr) {
            if (runs[i].npages != npages) {
                fprintf(stderr, "platform_host: free of %p with %zu pages, allocated with %zu\n",
                        addr, npages, runs[i].npages);
                abort();
            }
            munmap(addr, npages * HALVM_PAGE_SIZE);
            runs[i].addr = NULL;
            pages_live -= npages;
            return;
        }
    fprintf(stderr, "platform_host: free of unknown page run %p\n", addr);
    abort();
}

void *halvm_alloc_pages(size_t npages) { return alloc_run(npages, HALVM_PAGE_SIZE); }
void halvm_free_pages(void *addr, size_t npages) { free_run(addr, npages); }

void *halvm_alloc_megablocks(size_t n)
{
    return alloc_run(n * (HALVM_MEGABLOCK_SIZE / HALVM_PAGE_SIZE), HALVM_MEGABLOCK_SIZE);
}

void halvm_free_megablocks(void *addr, size_t n)
{
    free_run(addr, n * (HALVM_MEGABLOCK_SIZE / HALVM_PAGE_SIZE));
}

uint64_t halvm_memory_total(void) { return (uint64_t)page_limit * HALVM_PAGE_SIZE; }
uint64_t halvm_memory_free(void) { return (uint64_t)(page_limit - pages_live) * HALVM_PAGE_SIZE; }

/* ------------------------------------------------------ ticks, blocking */

int halvm_tick_start(uint64_t interval_ns, halvm_tick_fn fn) { return interval_ns && fn ? 0 : -1; }
void halvm_tick_stop(void) { }

/* Sleeps until the deadline, but at most 20 ms: wake-ups may be early. */
void halvm_block_until(uint64_t deadline_ns)
{
    host_block_calls++;
    uint64_t now = halvm_monotonic_ns();
    if (deadline_ns <= now)
        return;
    uint64_t wait = deadline_ns - now;
    if (wait > 20000000u)
        wait = 20000000u;
    struct timespec ts = { (time_t)(wait / 1000000000u), (long)(wait % 1000000000u) };
    nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------- entropy */

/* Bytes from the host kernel's getrandom, unless a test has set another
 * generator (host_set_entropy): none at all, where every call fails (empty
 * requests too, as in rts-xen), or one that exists but stops delivering
 * (retries exhausted), where only requests for bytes fail. The last
 * length asked for is kept so tests can see what minlibc passed down. */
static enum host_entropy entropy_state = HOST_ENTROPY_WORKS;
static size_t entropy_last_len;

void host_set_entropy(enum host_entropy state) { entropy_state = state; }
size_t host_entropy_last_len(void) { return entropy_last_len; }

int halvm_entropy(void *buf, size_t len)
{
    entropy_last_len = len;
    if (entropy_state == HOST_ENTROPY_NONE || (entropy_state == HOST_ENTROPY_EXHAUSTED && len) || (!buf && len))
        return -1;
    unsigned char *p = buf;
    while (len) {
        ssize_t r = getrandom(p, len, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

/* ------------------------------------------------------------- exit */

_Noreturn void halvm_exit(int status)
{
    fwrite(console_out, 1, console_out_len, stdout);
    printf("halvm: exit status %d\n", status);
    fflush(stdout);
    _exit(status);
}

static char *host_argv[] = { "halvm", NULL };
int halvm_argc(void) { return 1; }
char **halvm_argv(void) { return host_argv; }
const char *halvm_cmdline(void) { return ""; }
enum halvm_platform_kind halvm_platform(void) { return HALVM_PLATFORM_QEMU; }

/* ------------------------------------------------------------- files */

#include <halvm/files.h>

/* The test host has no embedded archive and no boot modules unless a
 * test sets them (host_set_files) before the file tree mounts. */
static const void *embedded_files;
static size_t embedded_size;
static struct halvm_boot_module modules[HALVM_MAX_BOOT_MODULES];
static size_t module_count;

void host_set_files(const void *embedded, size_t size, const void *module0, size_t module0_size)
{
    embedded_files = embedded;
    embedded_size = size;
    module_count = module0 ? 1 : 0;
    modules[0] = (struct halvm_boot_module){ module0, module0_size, "" };
}

size_t halvm_boot_module_count(void) { return module_count; }

int halvm_boot_module(size_t index, struct halvm_boot_module *out)
{
    if (index >= module_count)
        return -1;
    *out = modules[index];
    return 0;
}

const void *halvm_embedded_files(size_t *size)
{
    *size = embedded_size;
    return embedded_files;
}

/* ---------------------------------------------------------------- network
 * The test platform has no network: every call of <halvm/net.h> answers
 * -ENETDOWN, as rts-xen does without a network device. */
#include <halvm/net.h>

int halvm_net_socket(int kind) { (void)kind; return -ENETDOWN; }
int halvm_net_kind(int s) { (void)s; return -ENETDOWN; }
int halvm_net_bind(int s, const struct halvm_net_endpoint *e) { (void)s; (void)e; return -ENETDOWN; }
int halvm_net_listen(int s, int b) { (void)s; (void)b; return -ENETDOWN; }
int halvm_net_accept(int s, struct halvm_net_endpoint *e) { (void)s; (void)e; return -ENETDOWN; }
int halvm_net_connect(int s, const struct halvm_net_endpoint *e) { (void)s; (void)e; return -ENETDOWN; }
int halvm_net_take_error(int s) { (void)s; return -ENETDOWN; }
intptr_t halvm_net_send(int s, const void *b, size_t n, const struct halvm_net_endpoint *e)
{ (void)s; (void)b; (void)n; (void)e; return -ENETDOWN; }
intptr_t halvm_net_recv(int s, void *b, size_t n, int f, struct halvm_net_endpoint *e, size_t *l)
{ (void)s; (void)b; (void)n; (void)f; (void)e; (void)l; return -ENETDOWN; }
int halvm_net_shutdown(int s, int h) { (void)s; (void)h; return -ENETDOWN; }
int halvm_net_close(int s) { (void)s; return -ENETDOWN; }
int halvm_net_local(int s, struct halvm_net_endpoint *e) { (void)s; (void)e; return -ENETDOWN; }
int halvm_net_peer(int s, struct halvm_net_endpoint *e) { (void)s; (void)e; return -ENETDOWN; }
int halvm_net_setopt(int s, int o, int v) { (void)s; (void)o; (void)v; return -ENETDOWN; }
int halvm_net_listening(int s) { (void)s; return -ENETDOWN; }
int halvm_net_ready(int s) { (void)s; return -ENETDOWN; }
int halvm_net_pending(int s) { (void)s; return -ENETDOWN; }
int halvm_net_poll(void) { return -ENETDOWN; }
int halvm_net_interface(uint32_t i, struct halvm_net_interface *o) { (void)i; (void)o; return -ENETDOWN; }

/* The resolver answers what the sockets suite scripts: -ENETDOWN (no
 * network) unless it sets host_resolve_result to an error or a number of
 * addresses from host_resolve_addrs; it counts the calls and keeps the
 * last name asked, so the suite sees which lookups reach the platform. */
int host_resolve_result = -ENETDOWN;
uint32_t host_resolve_addrs[64];
const char *host_resolve_canonical;
int host_resolve_calls;
char host_resolve_last[300];

int halvm_net_resolve(const char *name, uint32_t *addrs, int max, char *canonical, size_t canonical_len)
{
    host_resolve_calls++;
    snprintf(host_resolve_last, sizeof host_resolve_last, "%s", name);
    if (host_resolve_result < 0)
        return host_resolve_result;
    int n = host_resolve_result < max ? host_resolve_result : max;
    memcpy(addrs, host_resolve_addrs, (size_t)n * sizeof *addrs);
    if (canonical && canonical_len) {
        const char *c = host_resolve_canonical ? host_resolve_canonical : "";
        snprintf(canonical, canonical_len, "%s", strlen(c) < canonical_len ? c : "");
    }
    return n;
}
