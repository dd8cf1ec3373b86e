/*
 * Anonymous memory mappings on platform pages, and the system parameters
 * that describe memory. Each mapping is recorded so munmap can hand the
 * same page run back; the platform frees whole runs only, so munmap of part
 * of a mapping fails with EINVAL. The platform maps all memory readable,
 * writable and executable and offers no page protection: mprotect accepts
 * requests that keep read and write access and refuses the others with
 * ENOTSUP.
 */
#include "internal.h"
#include "fd.h"
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>

struct mapping { void *addr; size_t npages; };
static struct mapping *maps;
static size_t nmaps, capmaps;

static size_t pages_for(size_t len)
{
    return (len + HALVM_PAGE_SIZE - 1) / HALVM_PAGE_SIZE;
}

static long find_mapping(void *addr)
{
    for (size_t i = 0; i < nmaps; i++)
        if (maps[i].addr == addr)
            return (long)i;
    return -1;
}

static int record(void *addr, size_t npages)
{
    if (nmaps == capmaps) {
        size_t ncap = capmaps ? capmaps * 2 : 64;
        struct mapping *m = realloc(maps, ncap * sizeof *m);
        if (!m)
            return -1;
        maps = m;
        capmaps = ncap;
    }
    maps[nmaps].addr = addr;
    maps[nmaps].npages = npages;
    nmaps++;
    return 0;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    (void)addr; /* a hint only: placement is the platform's */
    (void)prot;
    if (len == 0 || (off & (HALVM_PAGE_SIZE - 1)))
        MINLIBC_FAIL(EINVAL, MAP_FAILED);
    if (!(flags & MAP_ANONYMOUS))
        MINLIBC_FAIL(__minlibc_fd(fd) ? ENODEV : EBADF, MAP_FAILED);
    if ((flags & MAP_SHARED) || (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
        MINLIBC_FAIL(EINVAL, MAP_FAILED);
    if (len > SIZE_MAX - HALVM_PAGE_SIZE)
        MINLIBC_FAIL(ENOMEM, MAP_FAILED);
    size_t npages = pages_for(len);
    void *p = halvm_alloc_pages(npages);
    if (!p)
        MINLIBC_FAIL(ENOMEM, MAP_FAILED);
    if (record(p, npages) < 0) {
        halvm_free_pages(p, npages);
        MINLIBC_FAIL(ENOMEM, MAP_FAILED);
    }
    return p;
}

int munmap(void *addr, size_t len)
{
    if (((uintptr_t)addr & (HALVM_PAGE_SIZE - 1)) || len == 0)
        MINLIBC_FAIL(EINVAL, -1);
    long i = find_mapping(addr);
    if (i < 0 || maps[i].npages != pages_for(len))
        MINLIBC_FAIL(EINVAL, -1);
    halvm_free_pages(addr, maps[i].npages);
    maps[i] = maps[--nmaps];
    return 0;
}

int mprotect(void *addr, size_t len, int prot)
{
    (void)len;
    if ((uintptr_t)addr & (HALVM_PAGE_SIZE - 1))
        MINLIBC_FAIL(EINVAL, -1);
    if ((prot & (PROT_READ | PROT_WRITE)) != (PROT_READ | PROT_WRITE))
        MINLIBC_FAIL(ENOTSUP, -1);
    return 0;
}

int madvise(void *addr, size_t len, int advice)
{
    if ((uintptr_t)addr & (HALVM_PAGE_SIZE - 1))
        MINLIBC_FAIL(EINVAL, -1);
    switch (advice) {
    case MADV_DONTNEED:
        /* Linux semantics for private anonymous memory: reads as zero
         * afterwards. The pages stay allocated. */
        memset(addr, 0, len);
        return 0;
    case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
    case MADV_FREE: case MADV_DONTFORK: case MADV_DOFORK:
        return 0;   /* advice only */
    default:
        MINLIBC_FAIL(EINVAL, -1);
    }
}

int posix_madvise(void *addr, size_t len, int advice)
{
    if (advice == POSIX_MADV_DONTNEED)
        return 0;   /* POSIX: no effect on contents */
    return madvise(addr, len, advice) < 0 ? errno : 0;
}

int mlock(const void *a, size_t l) { (void)a; (void)l; return 0; }     /* nothing is ever paged out */
int munlock(const void *a, size_t l) { (void)a; (void)l; return 0; }
int mlockall(int f) { (void)f; return 0; }
int munlockall(void) { return 0; }

int msync(void *addr, size_t len, int flags)
{
    (void)addr; (void)len; (void)flags;
    return 0;   /* anonymous memory has no backing store to write to */
}

int getpagesize(void) { return HALVM_PAGE_SIZE; }

long sysconf(int name)
{
    switch (name) {
    case _SC_PAGESIZE: return HALVM_PAGE_SIZE;
    case _SC_NPROCESSORS_CONF:
    case _SC_NPROCESSORS_ONLN: return 1;
    case _SC_PHYS_PAGES: return (long)(halvm_memory_total() / HALVM_PAGE_SIZE);
    case _SC_AVPHYS_PAGES: return (long)(halvm_memory_free() / HALVM_PAGE_SIZE);
    case _SC_CLK_TCK: return 100;
    case _SC_OPEN_MAX: return MINLIBC_FD_MAX;
    case _SC_ARG_MAX: return ARG_MAX;
    case _SC_LINE_MAX: return LINE_MAX;
    case _SC_HOST_NAME_MAX: return HOST_NAME_MAX;
    case _SC_LOGIN_NAME_MAX: return LOGIN_NAME_MAX;
    case _SC_TTY_NAME_MAX: return TTY_NAME_MAX;
    case _SC_IOV_MAX: return IOV_MAX;
    case _SC_NGROUPS_MAX: return NGROUPS_MAX;
    case _SC_CHILD_MAX: return 1;
    case _SC_STREAM_MAX: return MINLIBC_FD_MAX;  /* every stream needs a descriptor */
    case _SC_VERSION: return 200809L;
    case _SC_MONOTONIC_CLOCK: return 200809L;
    case _SC_THREAD_KEYS_MAX: return PTHREAD_KEYS_MAX;
    case _SC_THREAD_STACK_MIN: return PTHREAD_STACK_MIN;
    case _SC_GETPW_R_SIZE_MAX:
    case _SC_GETGR_R_SIZE_MAX: return 1024;
    case _SC_THREADS: case _SC_JOB_CONTROL: case _SC_SAVED_IDS: case _SC_TIMERS:
    case _SC_MAPPED_FILES: case _SC_MEMORY_PROTECTION: case _SC_SEMAPHORES:
        return -1;  /* option not supported (errno unchanged, as POSIX says) */
    default:
        MINLIBC_FAIL(EINVAL, -1);
    }
}

int getrlimit(int res, struct rlimit *rl)
{
    switch (res) {
    case RLIMIT_NOFILE:
        rl->rlim_cur = rl->rlim_max = MINLIBC_FD_MAX;
        return 0;
    case RLIMIT_AS: case RLIMIT_DATA: case RLIMIT_RSS:
        rl->rlim_cur = rl->rlim_max = (rlim_t)halvm_memory_total();
        return 0;
    case RLIMIT_NPROC:
        rl->rlim_cur = rl->rlim_max = 1;
        return 0;
    case RLIMIT_CPU: case RLIMIT_FSIZE: case RLIMIT_STACK: case RLIMIT_CORE:
    case RLIMIT_MEMLOCK: case RLIMIT_LOCKS: case RLIMIT_SIGPENDING: case RLIMIT_MSGQUEUE:
    case RLIMIT_NICE: case RLIMIT_RTPRIO:
        rl->rlim_cur = rl->rlim_max = RLIM_INFINITY;
        return 0;
    default:
        MINLIBC_FAIL(EINVAL, -1);
    }
}

int setrlimit(int res, const struct rlimit *rl)
{
    (void)res; (void)rl;
    MINLIBC_FAIL(EPERM, -1);    /* limits are fixed by the platform */
}
