/*
 * halvm platform API, files part: where an image's read-only file tree
 * comes from. Not a GHC input (only platform.h is); minlibc builds its
 * file system (minlibc/src/fs_*.c) from what this header hands out.
 *
 * Two sources, both POSIX tar archives (ustar, with pax and GNU long-name
 * records as the Rust `tar` crate writes them):
 *
 *  - the embedded archive: the bytes the linker placed in the image's
 *    `.halvm_files` section (halvm-ghc --files DIR links an object holding
 *    the packed tree there; toolchain/linker/halvm.ld brackets the section
 *    with __halvm_files_start/__halvm_files_end). Empty without --files.
 *
 *  - boot modules: what the loader lists in hvm_start_info's module list.
 *    QEMU `-kernel IMAGE -initrd files.tar` passes the initrd as module 0;
 *    `xl create` with `ramdisk = "files.tar"` does the same for a PVH domU;
 *    Xen booting the image as its initial domain (multiboot modules
 *    "IMAGE ARGS,files.tar") passes the module after the kernel as
 *    module 0 (the kernel itself is not in the list). rts-xen copies the
 *    list at boot and keeps the modules' pages out of the page allocator
 *    for the whole run, so the bytes stay valid and may be used in place.
 *
 * Both stay readable (never written) for the whole run.
 */
#ifndef HALVM_FILES_H
#define HALVM_FILES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this header's API. */
#define HALVM_FILES_API_VERSION 1

/* Exit status of an image whose file archive (embedded or boot module)
 * is malformed or hostile: minlibc prints a console line naming the
 * archive and the entry, then exits with it before main() runs. Below
 * 128 and apart from platform.h's 121..125. */
#define HALVM_EXIT_BAD_FILES 120

/* The most boot modules rts-xen keeps; further ones are reported on the
 * console at boot and ignored. */
#define HALVM_MAX_BOOT_MODULES 8

struct halvm_boot_module {
    const void *data;        /* first byte (identity-mapped guest memory) */
    size_t size;             /* bytes */
    const char *cmdline;     /* the module's string from the loader, "" if
                                none (QEMU passes none; Xen may) */
};

/* Number of boot modules the loader passed (0..HALVM_MAX_BOOT_MODULES). */
size_t halvm_boot_module_count(void);

/* Fills *out with module `index` (0-based). Returns 0, or -1 when there is
 * no such module. */
int halvm_boot_module(size_t index, struct halvm_boot_module *out);

/* The embedded archive: its first byte, with its size in *size; NULL and
 * *size = 0 when the image has none. */
const void *halvm_embedded_files(size_t *size);

#ifdef __cplusplus
}
#endif

#endif /* HALVM_FILES_H */
