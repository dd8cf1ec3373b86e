/* <link.h>: dl_iterate_phdr and the dynamic linker's object list, in the
 * x86_64 layout of glibc's. A halvm image is one static executable whose
 * program headers are not mapped at run time: dl_iterate_phdr visits
 * nothing and returns 0, and dlinfo never yields a link_map (dlopen never
 * succeeds). */
#ifndef _LINK_H
#define _LINK_H
#include <_minlibc_types.h>
#include <elf.h>
__MINLIBC_BEGIN
/* ElfW(Phdr) is Elf64_Phdr: the ELF class of the target */
#define __ELF_NATIVE_CLASS 64
#define ElfW(type) Elf64_##type

struct link_map {
    ElfW(Addr) l_addr;          /* load bias */
    char *l_name;
    ElfW(Dyn) *l_ld;            /* the object's dynamic section */
    struct link_map *l_next, *l_prev;
};

struct dl_phdr_info {
    ElfW(Addr) dlpi_addr;
    const char *dlpi_name;
    const ElfW(Phdr) *dlpi_phdr;
    ElfW(Half) dlpi_phnum;
};
int dl_iterate_phdr(int (*)(struct dl_phdr_info *, size_t, void *), void *);
__MINLIBC_END
#endif
