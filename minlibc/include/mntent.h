/* <mntent.h>: the mount table interface of Linux. halvm has no file
 * system and so no mount table: setmntent fails with ENOENT (the table's
 * file does not exist), so no stream is ever a mount table; getmntent and
 * getmntent_r on a stream report no entry (NULL, ENOENT) and addmntent
 * fails (1, EBADF). hasmntopt, a pure string search, works. */
#ifndef _MNTENT_H
#define _MNTENT_H
#include <_minlibc_types.h>
#include <stdio.h>
__MINLIBC_BEGIN
#define MNTTAB "/etc/fstab"
#define MOUNTED "/etc/mtab"

#define MNTTYPE_IGNORE "ignore"
#define MNTTYPE_NFS "nfs"
#define MNTTYPE_SWAP "swap"

#define MNTOPT_DEFAULTS "defaults"
#define MNTOPT_RO "ro"
#define MNTOPT_RW "rw"
#define MNTOPT_SUID "suid"
#define MNTOPT_NOSUID "nosuid"
#define MNTOPT_NOAUTO "noauto"

struct mntent {
    char *mnt_fsname;   /* device or server */
    char *mnt_dir;      /* mount point */
    char *mnt_type;
    char *mnt_opts;     /* comma-separated options */
    int mnt_freq;       /* dump frequency in days */
    int mnt_passno;     /* fsck pass number */
};

FILE *setmntent(const char *, const char *);
struct mntent *getmntent(FILE *);
struct mntent *getmntent_r(FILE *__restrict, struct mntent *__restrict, char *__restrict, int);
int addmntent(FILE *__restrict, const struct mntent *__restrict);
int endmntent(FILE *);
char *hasmntopt(const struct mntent *, const char *);
__MINLIBC_END
#endif
