/* <link.h>: dl_iterate_phdr for a static image visits nothing and
 * returns 0 (there are no loaded objects besides the image, whose program
 * headers are not mapped). */
#ifndef _LINK_H
#define _LINK_H
#include <_minlibc_types.h>
#include <stdint.h>
__MINLIBC_BEGIN
typedef struct { uint32_t p_type, p_flags; uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align; } ElfW_Phdr_minlibc;
struct dl_phdr_info { uint64_t dlpi_addr; const char *dlpi_name; const ElfW_Phdr_minlibc *dlpi_phdr; uint16_t dlpi_phnum; };
int dl_iterate_phdr(int (*)(struct dl_phdr_info *, size_t, void *), void *);
__MINLIBC_END
#endif
