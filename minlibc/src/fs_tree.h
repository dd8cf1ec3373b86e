/*
 * minlibc's file system (fs_*.c): a read-only tree built at boot from tar
 * archives (the image's embedded archive, then every boot module, a later
 * archive replacing an earlier one's file at the same path; see
 * <halvm/files.h>), with a writable in-memory /tmp of bounded size.
 *
 *   fs_tar.c    reading one ustar/pax/GNU tar archive, bounds-checked
 *   fs_tree.c   the nodes, mounting archives, path resolution, /tmp quota
 *   fs_calls.c  the POSIX calls on paths and on file descriptors
 *   fs_dir.c    directory streams (opendir/readdir)
 */
#ifndef MINLIBC_FS_TREE_H
#define MINLIBC_FS_TREE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/stat.h>

#define FS_PATH_MAX 4096       /* PATH_MAX, with the NUL */
#define FS_NAME_MAX 255        /* NAME_MAX */
#define FS_SYMLINK_MAX 40      /* Linux's MAXSYMLINKS: more is ELOOP */
#define FS_TMP_DEFAULT ((size_t)16 << 20)   /* /tmp's size without --tmp-size */

/* ------------------------------------------------------------ archives */

/* One entry of an archive, as fs_tar.c reads it: paths are the archive's
 * own (not yet normalised), data points into the archive. */
struct tar_entry {
    char path[FS_PATH_MAX];
    char link[FS_PATH_MAX];
    char type;                  /* '0' regular, '5' directory, '2' symlink */
    mode_t perm;                /* the permission bits (07777) */
    int64_t mtime;
    const unsigned char *data;  /* regular files: size bytes in the archive */
    uint64_t size;
};

struct tar_reader {
    const unsigned char *base;
    size_t len;
    size_t at;                  /* offset of the next header */
};

/* Reads the next entry into *e: 1, 0 at the archive's end, -1 when the
 * archive is malformed or holds a type minlibc does not accept; `why`
 * then says which entry and why (NUL-terminated, cut to `cap`). */
int __minlibc_tar_next(struct tar_reader *, struct tar_entry *e, char *why, size_t cap);

/* Normalises an archive path to "a/b/c" (no leading "./", no empty or "."
 * components, no trailing '/'); "" is the root. -1 for absolute paths,
 * ".." components, components longer than FS_NAME_MAX; `why` says which. */
int __minlibc_tar_normalise(const char *in, char *out, size_t cap, char *why, size_t why_cap);

/* Splits off the path component that starts at `p`: *name and *len
 * describe it (up to the next '/' or the end; len 0 between two
 * slashes). Returns where the next component starts, past that slash:
 * at the terminating NUL once the path is used up. */
const char *__minlibc_path_component(const char *p, const char **name, size_t *len);

/* --------------------------------------------------------------- nodes */

struct fs_node {
    char *name;                 /* "" for the root */
    struct fs_node *parent;     /* NULL for the root and removed nodes */
    mode_t mode;                /* S_IFREG/S_IFDIR/S_IFLNK | permissions */
    ino_t ino;
    int64_t mtime;              /* seconds since the epoch */
    int writable;               /* in /tmp */
    int implicit;               /* a directory no archive entry named (yet) */
    int pins;                   /* open descriptors, the cwd */
    int removed;                /* unlinked: freed when the last pin goes */
    /* regular files */
    const unsigned char *data;  /* contents: in an archive, or == buf */
    unsigned char *buf;         /* /tmp files: owned, `cap` bytes */
    size_t cap;
    uint64_t size;
    /* symbolic links */
    char *link;
    /* directories: children sorted by name */
    struct fs_node **kids;
    size_t nkids, kcap;
};

/* The tree, mounted on first use (fs_boot.c mounts it before main()). */
struct fs_node *__minlibc_fs_root(void);
/* The current directory (pinned). */
struct fs_node *__minlibc_fs_cwd(void);
void __minlibc_fs_set_cwd(struct fs_node *);

/* Mounts one archive over the tree: 0, or -1 with `why` naming the entry
 * (nothing of the archive is then mounted). */
int __minlibc_fs_mount(const void *archive, size_t len, char *why, size_t cap);
/* Mounts the embedded archive and the boot modules once; a bad archive
 * ends the program with a console line and HALVM_EXIT_BAD_FILES. */
void __minlibc_fs_mount_all(void);
/* Tests: forgets the tree (and the mounted flag) and starts again with an
 * empty root, an empty /tmp of `tmp_limit` bytes. */
void __minlibc_fs_reset(size_t tmp_limit);
/* Tests: forgets the tree; the next use mounts from the platform again. */
void __minlibc_fs_unmount(void);

/* Children. */
struct fs_node *__minlibc_fs_child(struct fs_node *dir, const char *name, size_t len);
/* A new node in `dir` (writable or not as `dir`): NULL with ENOMEM. */
struct fs_node *__minlibc_fs_add(struct fs_node *dir, const char *name, size_t len, mode_t mode);
/* Takes `n` out of its directory; frees it unless pinned. */
void __minlibc_fs_remove(struct fs_node *n);
/* Moves `n` into `dir` under `name` (replacing nothing: the caller
 * removed any node of that name). 0 or ENOMEM. */
int __minlibc_fs_move(struct fs_node *n, struct fs_node *dir, const char *name);
void __minlibc_fs_pin(struct fs_node *);
void __minlibc_fs_unpin(struct fs_node *);

/* Path resolution from `start` (NULL: the cwd; absolute paths from the
 * root). 0 with *out, or an errno: ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG.
 * `follow`: whether a symbolic link as the last component is followed. */
int __minlibc_fs_resolve(struct fs_node *start, const char *path, int follow, struct fs_node **out);

/* The parent directory of `path`'s last component and that component
 * (followed symbolic links before it, not in it): for creating and
 * removing. 0, or an errno. *name is "" for "/" (and for paths whose last
 * component is "." or "..", with *dot set). *trailing: the path ended in
 * '/'. */
struct fs_last {
    struct fs_node *dir;
    char name[FS_NAME_MAX + 1];
    size_t len;
    int dot;                    /* the last component is "." or ".." */
    int trailing;
    struct fs_node *node;       /* the existing node of that name, or NULL */
};
int __minlibc_fs_resolve_last(struct fs_node *start, const char *path, struct fs_last *out);

/* /tmp's quota: bytes of file contents held. */
int __minlibc_fs_resize(struct fs_node *f, uint64_t size);   /* 0 or ENOSPC/EFBIG/ENOMEM */
size_t __minlibc_fs_tmp_limit(void);
size_t __minlibc_fs_tmp_free(void);

/* stat(2) of a node. */
void __minlibc_fs_stat(const struct fs_node *, struct stat *);

/* The path of `n` from the root into buf: 0, ERANGE, ENOENT (removed). */
int __minlibc_fs_path_of(const struct fs_node *n, char *buf, size_t cap);

/* The descriptor device of files and directories (fs_calls.c). */
extern const struct fd_device __minlibc_fs_device;

#endif
