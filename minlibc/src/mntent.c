/*
 * The mount table interface. halvm has no file system, so there is no
 * mount table to open: setmntent fails with ENOENT, and since no stream can
 * therefore be a mount table, reading one finds no entry (NULL, ENOENT) and
 * writing one fails (1, EBADF). hasmntopt only searches a string and works.
 */
#include "internal.h"
#include <mntent.h>
#include <string.h>

FILE *setmntent(const char *file, const char *mode)
{
    (void)file; (void)mode;
    MINLIBC_FAIL(ENOENT, NULL);
}

struct mntent *getmntent_r(FILE *restrict stream, struct mntent *restrict entry, char *restrict buf, int size)
{
    (void)stream; (void)entry; (void)buf; (void)size;
    MINLIBC_FAIL(ENOENT, NULL);
}

struct mntent *getmntent(FILE *stream)
{
    return getmntent_r(stream, &(struct mntent){0}, NULL, 0);
}

int addmntent(FILE *restrict stream, const struct mntent *restrict entry)
{
    (void)stream; (void)entry;
    MINLIBC_FAIL(EBADF, 1);
}

/* Like glibc: closes the stream and always reports success as 1. */
int endmntent(FILE *stream)
{
    if (stream)
        fclose(stream);
    return 1;
}

/* The option `opt` in the comma-separated list, as a whole name: either
 * alone or followed by "=value". Returns where it starts in mnt_opts. An
 * empty `opt` matches an empty item, as in glibc. */
char *hasmntopt(const struct mntent *entry, const char *opt)
{
    size_t len = strlen(opt);
    char *p = entry->mnt_opts;
    if (!p)
        return NULL;
    for (;;) {
        if (!strncmp(p, opt, len) && (p[len] == '\0' || p[len] == ',' || p[len] == '='))
            return p;
        p = strchr(p, ',');
        if (!p)
            return NULL;
        p++;
    }
}
