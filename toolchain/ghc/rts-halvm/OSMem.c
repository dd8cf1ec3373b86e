/* GHC runtime OS layer for halvm: memory.
 *
 * The runtime is configured with --disable-large-address-space, so it asks
 * for megablocks one request at a time (osGetMBlocks) instead of reserving
 * address space up front. rts-xen hands out 1 MiB-aligned, zeroed megablocks
 * straight from its page allocator; there is no virtual memory to reserve,
 * commit or protect. */

#include "PosixSource.h"
#include "Rts.h"

#include "RtsUtils.h"
#include "sm/OSMem.h"

#include <halvm/platform.h>

/* The runtime's MBLOCK_SIZE and the platform's megablock must agree, or
 * every allocation would be misaligned. */
#if MBLOCK_SIZE != (1024 * 1024)
#error "halvm: MBLOCK_SIZE differs from HALVM_MEGABLOCK_SIZE"
#endif

void osMemInit(void)
{
    /* rts-xen has set up the page allocator before main() runs. */
}

void *osGetMBlocks(uint32_t n)
{
    void *ret = halvm_alloc_megablocks(n);
    if (ret == NULL) {
        /* Same message and exit code as the POSIX layer when mmap fails,
         * so the user sees GHC's usual out-of-memory report. */
        errorBelch("out of memory (requested %" FMT_Word " bytes)",
                   (W_)n * MBLOCK_SIZE);
        stg_exit(EXIT_HEAPOVERFLOW);
    }
    return ret;
}

/* The block allocator may coalesce megablocks from separate requests before
 * returning them, so the platform accepts any run of allocated megablocks. */
void osFreeMBlocks(void *addr, uint32_t n)
{
    halvm_free_megablocks(addr, n);
}

void osReleaseFreeMemory(void)
{
    /* Freed megablocks go back to rts-xen at once; nothing is cached here. */
}

void osFreeAllMBlocks(void)
{
    void *state;
    void *mblock;

    for (mblock = getFirstMBlock(&state);
         mblock != NULL;
         mblock = getNextMBlock(&state, mblock)) {
        halvm_free_megablocks(mblock, 1);
    }
}

size_t getPageSize(void)
{
    return HALVM_PAGE_SIZE;
}

StgWord64 getPhysicalMemorySize(void)
{
    return halvm_memory_total();
}

/* rts-xen maps all RAM readable, writable and executable (there is no
 * protection API), so memory is already in the state asked for. */
void setExecutable(void *p STG_UNUSED, W_ len STG_UNUSED, bool exec STG_UNUSED)
{
}

/* One node, no NUMA. */
bool osBuiltWithNumaSupport(void)
{
    return false;
}

bool osNumaAvailable(void)
{
    return false;
}

uint32_t osNumaNodes(void)
{
    return 1;
}

uint64_t osNumaMask(void)
{
    return 1;
}

void osBindMBlocksToNode(void *addr STG_UNUSED, StgWord size STG_UNUSED,
                         uint32_t node STG_UNUSED)
{
}
