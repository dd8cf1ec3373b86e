/*
 * The file tree (see fs_tree.h): nodes, mounting archives, path
 * resolution and /tmp's quota.
 *
 * Mounting reads an archive into a fresh staging tree first, so that a
 * bad archive leaves the tree untouched and duplicates within one archive
 * are found; the staging tree is then laid over the tree: a later
 * archive's file, link or directory replaces the earlier one's at the same
 * path, directories present in both merge. Symbolic links are checked
 * when mounted (a relative target may not climb above the root) and again
 * when followed (".." at the root stays at the root, like Linux).
 */
#include "internal.h"
#include "fd.h"
#include "fs_tree.h"
#include <halvm/files.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct fs_node *root;
static struct fs_node *cwd;
static struct fs_node *tmp_dir;
static ino_t next_ino = 2;
static size_t tmp_limit = FS_TMP_DEFAULT;
static size_t tmp_used;

/* halvm-ghc --tmp-size links a definition (in the object that holds the
 * embedded archive); without one the default stands. */
extern const uint64_t __halvm_tmp_size __attribute__((weak));

size_t __minlibc_fs_tmp_limit(void) { return tmp_limit; }
size_t __minlibc_fs_tmp_free(void) { return tmp_limit - tmp_used; }

static struct fs_node *new_node(const char *name, size_t len, mode_t mode)
{
    struct fs_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->name = malloc(len + 1);
    if (!n->name) {
        free(n);
        return NULL;
    }
    memcpy(n->name, name, len);
    n->name[len] = 0;
    n->mode = mode;
    n->ino = next_ino++;
    return n;
}

static void free_node(struct fs_node *n)
{
    for (size_t i = 0; i < n->nkids; i++) {
        n->kids[i]->parent = NULL;
        n->kids[i]->removed = 1;
        if (!n->kids[i]->pins)
            free_node(n->kids[i]);
    }
    if (n->buf) {
        tmp_used -= n->cap;
        free(n->buf);
    }
    free(n->kids);
    free(n->link);
    free(n->name);
    free(n);
}

/* The index of `name` in dir's sorted children, or where it would go. */
static size_t slot(const struct fs_node *dir, const char *name, size_t len, int *found)
{
    size_t lo = 0, hi = dir->nkids;
    *found = 0;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *k = dir->kids[mid]->name;
        int c = strncmp(k, name, len);
        if (c == 0)
            c = k[len] ? 1 : 0;
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct fs_node *__minlibc_fs_child(struct fs_node *dir, const char *name, size_t len)
{
    int found;
    size_t i = slot(dir, name, len, &found);
    return found ? dir->kids[i] : NULL;
}

static int insert(struct fs_node *dir, struct fs_node *n)
{
    int found;
    size_t i = slot(dir, n->name, strlen(n->name), &found);
    if (dir->nkids == dir->kcap) {
        size_t cap = dir->kcap ? dir->kcap * 2 : 8;
        struct fs_node **k = realloc(dir->kids, cap * sizeof *k);
        if (!k)
            return ENOMEM;
        dir->kids = k;
        dir->kcap = cap;
    }
    memmove(dir->kids + i + 1, dir->kids + i, (dir->nkids - i) * sizeof *dir->kids);
    dir->kids[i] = n;
    dir->nkids++;
    n->parent = dir;
    n->removed = 0;
    return 0;
}

static void take_out(struct fs_node *n)
{
    struct fs_node *dir = n->parent;
    if (!dir)
        return;
    int found;
    size_t i = slot(dir, n->name, strlen(n->name), &found);
    if (found) {
        memmove(dir->kids + i, dir->kids + i + 1, (dir->nkids - i - 1) * sizeof *dir->kids);
        dir->nkids--;
    }
    n->parent = NULL;
}

static int64_t now_seconds(void) { return (int64_t)time(NULL); }

struct fs_node *__minlibc_fs_add(struct fs_node *dir, const char *name, size_t len, mode_t mode)
{
    struct fs_node *n = new_node(name, len, mode);
    if (!n)
        MINLIBC_FAIL(ENOMEM, NULL);
    n->writable = dir->writable;
    n->mtime = dir->writable ? now_seconds() : dir->mtime;
    if (insert(dir, n)) {
        free_node(n);
        MINLIBC_FAIL(ENOMEM, NULL);
    }
    if (dir->writable)
        dir->mtime = n->mtime;
    return n;
}

void __minlibc_fs_remove(struct fs_node *n)
{
    struct fs_node *dir = n->parent;
    take_out(n);
    n->removed = 1;
    if (dir && dir->writable)
        dir->mtime = now_seconds();
    if (!n->pins)
        free_node(n);
}

int __minlibc_fs_move(struct fs_node *n, struct fs_node *dir, const char *name)
{
    char *copy = strdup(name);
    if (!copy)
        return ENOMEM;
    take_out(n);
    free(n->name);
    n->name = copy;
    if (insert(dir, n))
        return ENOMEM;
    dir->mtime = now_seconds();
    return 0;
}

void __minlibc_fs_pin(struct fs_node *n) { n->pins++; }

void __minlibc_fs_unpin(struct fs_node *n)
{
    if (--n->pins == 0 && n->removed)
        free_node(n);
}

/* ------------------------------------------------------------- mounting */

static int mounted;

static struct fs_node *new_root(void)
{
    struct fs_node *r = new_node("", 0, S_IFDIR | 0755);
    return r;
}

void __minlibc_fs_reset(size_t limit)
{
    /* tests only: the old tree is dropped (descriptors on it must be
     * closed first) */
    if (root) {
        if (cwd)
            cwd->pins--;
        free_node(root);
    }
    root = new_root();
    tmp_dir = __minlibc_fs_add(root, "tmp", 3, S_IFDIR | 01777);
    tmp_dir->writable = 1;
    tmp_dir->mtime = now_seconds();
    cwd = root;
    cwd->pins++;
    tmp_limit = limit;
    mounted = 1;
}

void __minlibc_fs_unmount(void)
{
    __minlibc_fs_reset(FS_TMP_DEFAULT);
    mounted = 0;
}

struct fs_node *__minlibc_fs_root(void)
{
    if (!mounted)
        __minlibc_fs_mount_all();
    return root;
}

struct fs_node *__minlibc_fs_cwd(void)
{
    __minlibc_fs_root();
    return cwd;
}

void __minlibc_fs_set_cwd(struct fs_node *n)
{
    n->pins++;
    __minlibc_fs_unpin(cwd);
    cwd = n;
}

static int why_of(char *why, size_t cap, const char *path, const char *what)
{
    if (cap)
        snprintf(why, cap, "entry \"%.200s\": %s", path, what);
    return -1;
}

const char *__minlibc_path_component(const char *p, const char **name, size_t *len)
{
    const char *s = p;
    while (*p && *p != '/')
        p++;
    *name = s;
    *len = (size_t)(p - s);
    return *p ? p + 1 : p;
}

/* Whether a relative symbolic link target, from a link `depth` directories
 * below the root, climbs above the root. */
static int link_escapes(const char *target, size_t depth)
{
    if (target[0] == '/')
        return 0;  /* absolute targets resolve inside the tree */
    long d = (long)depth;
    const char *p = target;
    while (*p) {
        const char *s;
        size_t n;
        p = __minlibc_path_component(p, &s, &n);
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (--d < 0)
                return 1;
        } else if (n && !(n == 1 && s[0] == '.')) {
            d++;
        }
    }
    return 0;
}

/* Adds one normalised entry to the staging tree. */
static int stage(struct fs_node *st, const char *path, const struct tar_entry *e, char *why, size_t cap)
{
    if (!path[0]) {
        if (e->type != '5')
            return why_of(why, cap, e->path, "the root must be a directory");
        st->mode = S_IFDIR | (e->perm & 07777);
        st->mtime = e->mtime;
        return 0;
    }
    if ((!strncmp(path, "tmp", 3) && (path[3] == 0 || path[3] == '/')))
        return why_of(why, cap, e->path, "/tmp is the in-memory directory; archives cannot fill it");
    struct fs_node *dir = st;
    size_t depth = 0;
    const char *p = path;
    for (;;) {
        const char *s = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - s);
        struct fs_node *k = __minlibc_fs_child(dir, s, n);
        if (!*p) {
            /* the entry itself */
            if (k && !(k->implicit && e->type == '5'))
                return why_of(why, cap, e->path, "duplicate name in the archive");
            if (k && e->type == '5') {
                k->implicit = 0;
                k->mode = S_IFDIR | (e->perm & 07777);
                k->mtime = e->mtime;
                return 0;
            }
            mode_t type = e->type == '5' ? S_IFDIR : e->type == '2' ? S_IFLNK : S_IFREG;
            mode_t perm = e->type == '2' ? 0777 : (e->perm & 07777);
            if (e->type == '2' && link_escapes(e->link, depth))
                return why_of(why, cap, e->path, "symbolic link pointing above the root");
            k = __minlibc_fs_add(dir, s, n, type | perm);
            if (!k)
                return why_of(why, cap, e->path, "out of memory");
            k->mtime = e->mtime;
            if (e->type == '0') {
                k->data = e->data;
                k->size = e->size;
            } else if (e->type == '2') {
                k->link = strdup(e->link);
                if (!k->link)
                    return why_of(why, cap, e->path, "out of memory");
            }
            return 0;
        }
        if (!k) {
            k = __minlibc_fs_add(dir, s, n, S_IFDIR | 0755);
            if (!k)
                return why_of(why, cap, e->path, "out of memory");
            k->implicit = 1;
            k->mtime = e->mtime;
        } else if (!S_ISDIR(k->mode)) {
            return why_of(why, cap, e->path, "a parent of it is not a directory in the archive");
        }
        dir = k;
        depth++;
        p++;
    }
}

/* Lays the staging directory `from` over `to`: moves or merges every
 * child; frees what is left of `from`. */
static void overlay(struct fs_node *to, struct fs_node *from)
{
    while (from->nkids) {
        struct fs_node *k = from->kids[from->nkids - 1];
        from->nkids--;
        k->parent = NULL;
        struct fs_node *old = __minlibc_fs_child(to, k->name, strlen(k->name));
        if (old && S_ISDIR(old->mode) && S_ISDIR(k->mode)) {
            if (!k->implicit) {
                old->mode = k->mode;
                old->mtime = k->mtime;
                old->implicit = 0;
            }
            overlay(old, k);
            continue;
        }
        if (old)
            __minlibc_fs_remove(old);
        if (insert(to, k))
            free_node(k);  /* out of memory: the entry is lost; nothing else can be done at boot */
    }
    free_node(from);
}

int __minlibc_fs_mount(const void *archive, size_t len, char *why, size_t cap)
{
    static struct tar_entry e;  /* 8 KiB: not on the stack */
    static char path[FS_PATH_MAX];
    if (!mounted)
        __minlibc_fs_mount_all();
    struct fs_node *st = new_root();
    if (!st)
        return why_of(why, cap, "", "out of memory");
    struct tar_reader r = { archive, len, 0 };
    int got;
    while ((got = __minlibc_tar_next(&r, &e, why, cap)) > 0) {
        if (__minlibc_tar_normalise(e.path, path, sizeof path, why, cap) < 0 || stage(st, path, &e, why, cap) < 0) {
            free_node(st);
            return -1;
        }
    }
    if (got < 0) {
        free_node(st);
        return -1;
    }
    if (st->mode != (S_IFDIR | 0755) || st->mtime) {
        root->mode = st->mode;
        root->mtime = st->mtime;
    }
    overlay(root, st);
    return 0;
}

/* Mounts what the platform provides, in order: the embedded archive,
 * then boot modules 0, 1, ...: a later archive wins per path. */
void __minlibc_fs_mount_all(void)
{
    static char why[512];
    if (mounted)
        return;
    __minlibc_fs_reset(&__halvm_tmp_size && __halvm_tmp_size ? (size_t)__halvm_tmp_size : FS_TMP_DEFAULT);
    size_t size = 0;
    const void *embedded = halvm_embedded_files(&size);
    if (embedded && size && __minlibc_fs_mount(embedded, size, why, sizeof why) < 0) {
        char line[700];
        int n = snprintf(line, sizeof line, "halvm: the image's embedded file archive is not usable: %s\n", why);
        halvm_console_write(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
        halvm_exit(HALVM_EXIT_BAD_FILES);
    }
    for (size_t i = 0; i < halvm_boot_module_count(); i++) {
        struct halvm_boot_module m;
        if (halvm_boot_module(i, &m) < 0 || !m.size)
            continue;
        if (__minlibc_fs_mount(m.data, m.size, why, sizeof why) < 0) {
            char line[700];
            int n = snprintf(line, sizeof line, "halvm: boot module %zu is not a usable file archive: %s\n", i, why);
            halvm_console_write(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
            halvm_exit(HALVM_EXIT_BAD_FILES);
        }
    }
}

/* ------------------------------------------------------ path resolution */

static int walk(struct fs_node *dir, const char *path, int follow, int *links, struct fs_node **out);

/* Follows the symbolic link `n` found in `dir`. */
static int follow_link(struct fs_node *dir, struct fs_node *n, int *links, struct fs_node **out)
{
    if (++*links > FS_SYMLINK_MAX)
        return ELOOP;
    return walk(n->link[0] == '/' ? root : dir, n->link, 1, links, out);
}

static int walk(struct fs_node *dir, const char *path, int follow, int *links, struct fs_node **out)
{
    if (path[0] == '/')
        dir = root;
    const char *p = path;
    struct fs_node *cur = dir;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        if (!S_ISDIR(cur->mode))
            return ENOTDIR;
        const char *s = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - s);
        if (n > FS_NAME_MAX)
            return ENAMETOOLONG;
        int last = 1;
        for (const char *q = p; *q; q++)
            if (*q != '/') {
                last = 0;
                break;
            }
        if (n == 1 && s[0] == '.')
            continue;
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (cur->parent)
                cur = cur->parent;
            else if (cur->removed)
                return ENOENT;
            continue;
        }
        struct fs_node *k = __minlibc_fs_child(cur, s, n);
        if (!k)
            return ENOENT;
        /* a trailing slash asks for a directory: links are followed */
        if (S_ISLNK(k->mode) && (!last || follow || *p == '/')) {
            int e = follow_link(cur, k, links, &k);
            if (e)
                return e;
        }
        cur = k;
    }
    /* "file/" is not a directory */
    size_t l = strlen(path);
    if (l && path[l - 1] == '/' && !S_ISDIR(cur->mode))
        return ENOTDIR;
    *out = cur;
    return 0;
}

int __minlibc_fs_resolve(struct fs_node *start, const char *path, int follow, struct fs_node **out)
{
    if (!path || !*path)
        return ENOENT;
    if (strnlen(path, FS_PATH_MAX) >= FS_PATH_MAX)
        return ENAMETOOLONG;
    __minlibc_fs_root();
    int links = 0;
    return walk(start ? start : cwd, path, follow, &links, out);
}

int __minlibc_fs_resolve_last(struct fs_node *start, const char *path, struct fs_last *out)
{
    static char head[FS_PATH_MAX];
    if (!path || !*path)
        return ENOENT;
    size_t l = strnlen(path, FS_PATH_MAX);
    if (l >= FS_PATH_MAX)
        return ENAMETOOLONG;
    __minlibc_fs_root();
    memset(out, 0, sizeof *out);
    while (l > 1 && path[l - 1] == '/') {
        l--;
        out->trailing = 1;
    }
    size_t s = l;
    while (s > 0 && path[s - 1] != '/')
        s--;
    size_t n = l - s;
    if (n > FS_NAME_MAX)
        return ENAMETOOLONG;
    /* the directory part: "" is the start directory, "/" the root */
    memcpy(head, path, s);
    head[s] = 0;
    struct fs_node *dir = start ? start : cwd;
    if (s) {
        int links = 0;
        int e = walk(dir, head, 1, &links, &dir);
        if (e)
            return e;
    }
    if (!S_ISDIR(dir->mode))
        return ENOTDIR;
    out->dir = dir;
    if (n == 0 || (n == 1 && path[s] == '.') || (n == 2 && path[s] == '.' && path[s + 1] == '.')) {
        out->dot = n != 0;
        out->name[0] = 0;
        out->len = 0;
        out->node = n == 0 ? root : (n == 1 ? dir : (dir->parent ? dir->parent : dir));
        return 0;
    }
    memcpy(out->name, path + s, n);
    out->name[n] = 0;
    out->len = n;
    out->node = __minlibc_fs_child(dir, out->name, n);
    return 0;
}

/* ----------------------------------------------------------- the quota */

int __minlibc_fs_resize(struct fs_node *f, uint64_t size)
{
    if (size > (uint64_t)INT64_MAX)
        return EFBIG;
    if (size > f->cap) {
        /* grow geometrically, but never past the quota */
        size_t room = tmp_limit - tmp_used;
        if (size - f->cap > room)
            return ENOSPC;
        size_t want = f->cap * 2 > size ? f->cap * 2 : (size_t)size;
        if (want - f->cap > room)
            want = f->cap + room;
        if (want < 64)
            want = size > 64 ? (size_t)size : 64;
        if (want - f->cap > room)
            want = (size_t)size;
        unsigned char *b = realloc(f->buf, want);
        if (!b)
            return ENOMEM;
        tmp_used += want - f->cap;
        f->buf = b;
        f->cap = want;
        f->data = b;
    }
    if (size > f->size)
        memset(f->buf + f->size, 0, (size_t)(size - f->size));
    f->size = size;
    f->mtime = now_seconds();
    return 0;
}

/* ----------------------------------------------------------------- stat */

void __minlibc_fs_stat(const struct fs_node *n, struct stat *st)
{
    memset(st, 0, sizeof *st);
    /* two file systems, as Linux would show them: the tree and /tmp */
    st->st_dev = n->writable ? 0x2e : 0x2d;
    st->st_ino = n->ino;
    st->st_mode = n->mode;
    if (S_ISDIR(n->mode)) {
        nlink_t links = 2;
        for (size_t i = 0; i < n->nkids; i++)
            links += S_ISDIR(n->kids[i]->mode);
        st->st_nlink = n->removed ? 0 : links;
        st->st_size = 4096;
    } else {
        st->st_nlink = n->removed ? 0 : 1;
        st->st_size = S_ISLNK(n->mode) ? (off_t)strlen(n->link) : (off_t)n->size;
    }
    st->st_blksize = 4096;
    st->st_blocks = (blkcnt_t)((st->st_size + 511) / 512);
    st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = (time_t)n->mtime;
}

int __minlibc_fs_path_of(const struct fs_node *n, char *buf, size_t cap)
{
    if (n->removed)
        return ENOENT;
    /* the components from n up, written from the end of a scratch buffer */
    static char scratch[FS_PATH_MAX];
    size_t at = sizeof scratch - 1;
    scratch[at] = 0;
    const struct fs_node *k = n;
    for (; k->parent; k = k->parent) {
        size_t l = strlen(k->name);
        if (l + 1 > at)
            return ERANGE;
        at -= l;
        memcpy(scratch + at, k->name, l);
        scratch[--at] = '/';
    }
    if (k != root)
        return ENOENT;  /* inside a directory that was removed */
    if (at == sizeof scratch - 1)
        scratch[--at] = '/';
    size_t len = sizeof scratch - 1 - at;
    if (len + 1 > cap)
        return ERANGE;
    memcpy(buf, scratch + at, len + 1);
    return 0;
}
