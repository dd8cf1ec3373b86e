/* <grp.h>: there is no group database; lookups find nothing. */
#ifndef _GRP_H
#define _GRP_H
#include <_minlibc_types.h>
__MINLIBC_BEGIN
struct group { char *gr_name, *gr_passwd; gid_t gr_gid; char **gr_mem; };
struct group *getgrnam(const char *);
struct group *getgrgid(gid_t);
int getgrnam_r(const char *, struct group *, char *, size_t, struct group **);
int getgrgid_r(gid_t, struct group *, char *, size_t, struct group **);
struct group *getgrent(void);
void setgrent(void);
void endgrent(void);
/* Fails with EPERM: the only process cannot change its groups. */
int initgroups(const char *, gid_t);
__MINLIBC_END
#endif
