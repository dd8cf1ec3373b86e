/*
 * Everything halvm has no machinery for: a file system, processes, users,
 * name databases, dynamic loading, regular expressions. Each function keeps its
 * Linux prototype and fails the documented way with the errno a Linux
 * program would get in the closest real situation:
 *   file calls the tree of fs_*.c does not answer (ownership, times,
 *   links, file system statistics): ENOENT or EROFS;
 *   fork/exec and friends: ENOSYS; waiting for children: ECHILD;
 *   reverse host lookups (gethostbyaddr): not found (the socket calls,
 *   name lookups and the service and protocol tables are socket.c,
 *   socket_names.c);
 *   pipes: EMFILE (only open() and the dup family make descriptors);
 *   dlopen: NULL with a dlerror() message; regcomp: REG_ESPACE.
 * The process identity is fixed: pid 1, uid/gid 0.
 */
#include "internal.h"
#include "fd.h"
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/statvfs.h>
#include <sys/statfs.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <dirent.h>
#include <dlfcn.h>
#include <link.h>
#include <regex.h>
#include <pwd.h>
#include <grp.h>
#include <netdb.h>
#include <utime.h>
#include <sys/time.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <pty.h>

/* ------------------------------------------------------- file system */

/* The file tree's calls (open, stat, readdir, /tmp, ...) are in fs_*.c;
 * what is left here has no meaning on it. */


/* fopen, fdopen, freopen: stream_open.c */
FILE *tmpfile(void) { MINLIBC_FAIL(EROFS, NULL); }
FILE *fmemopen(void *restrict b, size_t n, const char *restrict m) { (void)b; (void)n; (void)m; MINLIBC_FAIL(ENOSYS, NULL); }
FILE *popen(const char *cmd, const char *mode) { (void)cmd; (void)mode; MINLIBC_FAIL(ENOSYS, NULL); }
int pclose(FILE *f) { (void)f; MINLIBC_FAIL(ECHILD, -1); }
char *tmpnam(char *s) { (void)s; MINLIBC_FAIL(EROFS, NULL); }
int link(const char *a, const char *b) { (void)a; (void)b; MINLIBC_FAIL(ENOENT, -1); }
int fchmod(int fd, mode_t m) { (void)m; MINLIBC_FAIL(__minlibc_fd(fd) ? EPERM : EBADF, -1); }
int chown(const char *p, uid_t u, gid_t g) { (void)p; (void)u; (void)g; MINLIBC_FAIL(ENOENT, -1); }
int lchown(const char *p, uid_t u, gid_t g) { (void)p; (void)u; (void)g; MINLIBC_FAIL(ENOENT, -1); }
int fchown(int fd, uid_t u, gid_t g) { (void)u; (void)g; MINLIBC_FAIL(__minlibc_fd(fd) ? EPERM : EBADF, -1); }
void sync(void) { }
int mkfifo(const char *p, mode_t m) { (void)p; (void)m; MINLIBC_FAIL(EROFS, -1); }
int mknod(const char *p, mode_t m, dev_t d) { (void)p; (void)m; (void)d; MINLIBC_FAIL(EROFS, -1); }
int utime(const char *p, const struct utimbuf *t) { (void)p; (void)t; MINLIBC_FAIL(ENOENT, -1); }
int utimes(const char *p, const struct timeval t[2]) { (void)p; (void)t; MINLIBC_FAIL(ENOENT, -1); }
int lutimes(const char *p, const struct timeval t[2]) { (void)p; (void)t; MINLIBC_FAIL(ENOENT, -1); }
int futimes(int fd, const struct timeval t[2]) { (void)t; MINLIBC_FAIL(__minlibc_fd(fd) ? EPERM : EBADF, -1); }
int utimensat(int d, const char *p, const struct timespec t[2], int f) { (void)d; (void)p; (void)t; (void)f; MINLIBC_FAIL(ENOENT, -1); }
int futimens(int fd, const struct timespec t[2]) { (void)t; MINLIBC_FAIL(__minlibc_fd(fd) ? EPERM : EBADF, -1); }
int mkstemp(char *t) { (void)t; MINLIBC_FAIL(EROFS, -1); }
int mkstemps(char *t, int s) { (void)t; (void)s; MINLIBC_FAIL(EROFS, -1); }
char *mkdtemp(char *t) { (void)t; MINLIBC_FAIL(EROFS, NULL); }
long pathconf(const char *p, int n) { (void)p; (void)n; MINLIBC_FAIL(ENOENT, -1); }
long fpathconf(int fd, int n) { (void)n; MINLIBC_FAIL(__minlibc_fd(fd) ? EINVAL : EBADF, -1); }
int statvfs(const char *restrict p, struct statvfs *restrict s) { (void)p; (void)s; MINLIBC_FAIL(ENOENT, -1); }
int fstatvfs(int fd, struct statvfs *s) { (void)s; MINLIBC_FAIL(__minlibc_fd(fd) ? ENOSYS : EBADF, -1); }
int statfs(const char *p, struct statfs *s) { (void)p; (void)s; MINLIBC_FAIL(ENOENT, -1); }
int fstatfs(int fd, struct statfs *s) { (void)s; MINLIBC_FAIL(__minlibc_fd(fd) ? ENOSYS : EBADF, -1); }

static mode_t current_umask = 022;
mode_t umask(mode_t m)
{
    mode_t old = current_umask;
    current_umask = m & 0777;
    return old;
}


/* ------------------------------------------------------ descriptors */

/* dup, dup2, dup3 are in fd.c. */
int pipe(int fds[2]) { (void)fds; MINLIBC_FAIL(EMFILE, -1); }
int pipe2(int fds[2], int flags) { (void)fds; (void)flags; MINLIBC_FAIL(EMFILE, -1); }
int flock(int fd, int op) { (void)op; MINLIBC_FAIL(__minlibc_fd(fd) ? EINVAL : EBADF, -1); }
int lockf(int fd, int cmd, off_t len) { (void)cmd; (void)len; MINLIBC_FAIL(__minlibc_fd(fd) ? EINVAL : EBADF, -1); }
int posix_fadvise(int fd, off_t o, off_t l, int a) { (void)o; (void)l; (void)a; return __minlibc_fd(fd) ? ESPIPE : EBADF; }
int posix_fallocate(int fd, off_t o, off_t l) { (void)o; (void)l; return __minlibc_fd(fd) ? ENODEV : EBADF; }

/* Terminal calls: `on_console` is the answer for the console; another
 * open descriptor is no terminal (ENOTTY), a closed one EBADF. */
static int terminal_errno(int fd, int on_console)
{
    return __minlibc_fd_is_console(fd) ? on_console : __minlibc_fd(fd) ? ENOTTY : EBADF;
}

char *ttyname(int fd) { MINLIBC_FAIL(terminal_errno(fd, ENOENT), NULL); }
int ttyname_r(int fd, char *b, size_t n) { (void)b; (void)n; return terminal_errno(fd, ENOENT); }
pid_t tcgetpgrp(int fd) { MINLIBC_FAIL(terminal_errno(fd, ENOTTY), -1); }
int tcsetpgrp(int fd, pid_t p) { (void)p; MINLIBC_FAIL(terminal_errno(fd, ENOTTY), -1); }
/* console writes are synchronous: nothing to drain */
int tcdrain(int fd) { int e = terminal_errno(fd, 0); if (e) MINLIBC_FAIL(e, -1); return 0; }
int tcflush(int fd, int q) { (void)q; MINLIBC_FAIL(terminal_errno(fd, ENOTSUP), -1); }
int tcflow(int fd, int a) { (void)a; MINLIBC_FAIL(terminal_errno(fd, ENOTSUP), -1); }
int tcsendbreak(int fd, int d) { (void)d; MINLIBC_FAIL(terminal_errno(fd, ENOTSUP), -1); }
speed_t cfgetispeed(const struct termios *t) { return t->c_ispeed; }
speed_t cfgetospeed(const struct termios *t) { return t->c_ospeed; }
int cfsetispeed(struct termios *t, speed_t s) { t->c_ispeed = s; return 0; }
int cfsetospeed(struct termios *t, speed_t s) { t->c_ospeed = s; return 0; }

void cfmakeraw(struct termios *t)
{
    t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t->c_oflag &= ~(tcflag_t)OPOST;
    t->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t->c_cflag |= CS8;
    t->c_cc[VMIN] = 1;
    t->c_cc[VTIME] = 0;
}

/* epoll, eventfd and timerfd back the threaded RTS's I/O manager, which
 * halvm does not build. */
int epoll_create(int n) { (void)n; MINLIBC_FAIL(ENOSYS, -1); }
int epoll_create1(int f) { (void)f; MINLIBC_FAIL(ENOSYS, -1); }
int epoll_ctl(int e, int op, int fd, struct epoll_event *ev) { (void)e; (void)op; (void)fd; (void)ev; MINLIBC_FAIL(EBADF, -1); }
int epoll_wait(int e, struct epoll_event *ev, int n, int t) { (void)e; (void)ev; (void)n; (void)t; MINLIBC_FAIL(EBADF, -1); }
int epoll_pwait(int e, struct epoll_event *ev, int n, int t, const sigset_t *m) { (void)m; return epoll_wait(e, ev, n, t); }
int eventfd(unsigned int v, int f) { (void)v; (void)f; MINLIBC_FAIL(ENOSYS, -1); }
int eventfd_read(int fd, eventfd_t *v) { (void)fd; (void)v; MINLIBC_FAIL(EBADF, -1); }
int eventfd_write(int fd, eventfd_t v) { (void)fd; (void)v; MINLIBC_FAIL(EBADF, -1); }
int timerfd_create(int c, int f) { (void)c; (void)f; MINLIBC_FAIL(ENOSYS, -1); }
int timerfd_settime(int fd, int f, const struct itimerspec *n, struct itimerspec *o) { (void)fd; (void)f; (void)n; (void)o; MINLIBC_FAIL(EBADF, -1); }
int timerfd_gettime(int fd, struct itimerspec *v) { (void)fd; (void)v; MINLIBC_FAIL(EBADF, -1); }

/* ------------------------------------------------------------ processes */

pid_t fork(void) { MINLIBC_FAIL(ENOSYS, -1); }
pid_t vfork(void) { MINLIBC_FAIL(ENOSYS, -1); }
int execve(const char *p, char *const a[], char *const e[]) { (void)p; (void)a; (void)e; MINLIBC_FAIL(ENOSYS, -1); }
int execv(const char *p, char *const a[]) { (void)p; (void)a; MINLIBC_FAIL(ENOSYS, -1); }
int execvp(const char *p, char *const a[]) { (void)p; (void)a; MINLIBC_FAIL(ENOSYS, -1); }
int execvpe(const char *p, char *const a[], char *const e[]) { (void)p; (void)a; (void)e; MINLIBC_FAIL(ENOSYS, -1); }
int execl(const char *p, const char *a, ...) { (void)p; (void)a; MINLIBC_FAIL(ENOSYS, -1); }
int execlp(const char *p, const char *a, ...) { (void)p; (void)a; MINLIBC_FAIL(ENOSYS, -1); }
int execle(const char *p, const char *a, ...) { (void)p; (void)a; MINLIBC_FAIL(ENOSYS, -1); }
int fexecve(int fd, char *const a[], char *const e[]) { (void)fd; (void)a; (void)e; MINLIBC_FAIL(ENOSYS, -1); }
pid_t wait(int *s) { (void)s; MINLIBC_FAIL(ECHILD, -1); }
pid_t waitpid(pid_t p, int *s, int o) { (void)p; (void)s; (void)o; MINLIBC_FAIL(ECHILD, -1); }
int waitid(idtype_t t, id_t i, siginfo_t *s, int o) { (void)t; (void)i; (void)s; (void)o; MINLIBC_FAIL(ECHILD, -1); }

/* system(NULL) asks whether a shell exists: none does. */
int system(const char *cmd) { if (!cmd) return 0; MINLIBC_FAIL(ENOSYS, -1); }

pid_t getpid(void) { return 1; }
pid_t getppid(void) { return 0; }
pid_t getpgrp(void) { return 1; }
pid_t getpgid(pid_t p) { if (p != 0 && p != 1) MINLIBC_FAIL(ESRCH, -1); return 1; }
int setpgid(pid_t p, pid_t g) { (void)p; (void)g; MINLIBC_FAIL(EPERM, -1); }
pid_t setsid(void) { MINLIBC_FAIL(EPERM, -1); }   /* already a session and group leader */
pid_t getsid(pid_t p) { if (p != 0 && p != 1) MINLIBC_FAIL(ESRCH, -1); return 1; }
uid_t getuid(void) { return 0; }
uid_t geteuid(void) { return 0; }
gid_t getgid(void) { return 0; }
gid_t getegid(void) { return 0; }
static int set_id(unsigned v) { if (v != 0) MINLIBC_FAIL(EPERM, -1); return 0; }
int setuid(uid_t u) { return set_id(u); }
int seteuid(uid_t u) { return set_id(u); }
int setgid(gid_t g) { return set_id(g); }
int setegid(gid_t g) { return set_id(g); }
int setreuid(uid_t r, uid_t e) { return set_id((r == (uid_t)-1 ? 0 : r) | (e == (uid_t)-1 ? 0 : e)); }
int setregid(gid_t r, gid_t e) { return set_id((r == (gid_t)-1 ? 0 : r) | (e == (gid_t)-1 ? 0 : e)); }
int getgroups(int n, gid_t g[]) { (void)n; (void)g; return 0; }
int setgroups(size_t n, const gid_t *g) { (void)g; return set_id(n != 0); }
int nice(int inc) { (void)inc; MINLIBC_FAIL(EPERM, -1); }
int initgroups(const char *user, gid_t g) { (void)user; (void)g; MINLIBC_FAIL(EPERM, -1); }

/* Nothing can deliver SIGALRM: alarm() cannot schedule one. alarm has no
 * failure return, so it reports "no earlier alarm" (0) and sets ENOSYS for
 * callers that look. (unix's System.Posix.Signals.scheduleAlarm needs it.) */
unsigned int alarm(unsigned int seconds) { (void)seconds; MINLIBC_FAIL(ENOSYS, 0); }

/* The only process runs at the default priority, which cannot change. */
int getpriority(int which, id_t who)
{
    if (which != PRIO_PROCESS && which != PRIO_PGRP && which != PRIO_USER)
        MINLIBC_FAIL(EINVAL, -1);
    if (who != 0 && who != 1)
        MINLIBC_FAIL(ESRCH, -1);
    return 0;
}

int setpriority(int which, id_t who, int prio) { (void)which; (void)who; (void)prio; MINLIBC_FAIL(EACCES, -1); }

/* Terminals: the console is the only one and has no pty side. */
char *ctermid(char *s) { if (s) *s = 0; return s ? s : ""; }  /* POSIX: "" when unknown */
int posix_openpt(int flags) { (void)flags; MINLIBC_FAIL(ENOENT, -1); }
int grantpt(int fd) { MINLIBC_FAIL(__minlibc_fd(fd) ? EINVAL : EBADF, -1); }
int unlockpt(int fd) { MINLIBC_FAIL(__minlibc_fd(fd) ? EINVAL : EBADF, -1); }
char *ptsname(int fd) { MINLIBC_FAIL(__minlibc_fd(fd) ? ENOTTY : EBADF, NULL); }
int openpty(int *m, int *sl, char *name, const struct termios *t, const struct winsize *w) { (void)m; (void)sl; (void)name; (void)t; (void)w; MINLIBC_FAIL(ENOENT, -1); }

/* Shared memory objects need a namespace shared between processes. */
int shm_open(const char *name, int flags, mode_t mode) { (void)name; (void)flags; (void)mode; MINLIBC_FAIL(ENOSYS, -1); }
int shm_unlink(const char *name) { (void)name; MINLIBC_FAIL(ENOENT, -1); }
char *getlogin(void) { MINLIBC_FAIL(ENXIO, NULL); }
int getlogin_r(char *b, size_t n) { (void)b; (void)n; return ENXIO; }

int gethostname(char *buf, size_t n)
{
    if (n < sizeof "halvm")
        MINLIBC_FAIL(ENAMETOOLONG, -1);
    memcpy(buf, "halvm", sizeof "halvm");
    return 0;
}

int sethostname(const char *n, size_t l) { (void)n; (void)l; MINLIBC_FAIL(EPERM, -1); }

/* The platform API version, as text, from <halvm/platform.h>. */
#define STRINGIFY(x) #x
#define VALUE_TEXT(macro) STRINGIFY(macro)

int uname(struct utsname *u)
{
    memset(u, 0, sizeof *u);
    strcpy(u->sysname, "HaLVM");
    strcpy(u->nodename, "halvm");
    strcpy(u->release, "1");
    strcpy(u->version, "halvm platform API " VALUE_TEXT(HALVM_PLATFORM_API_VERSION));
    strcpy(u->machine, "x86_64");
    return 0;
}

int sched_getaffinity(pid_t p, size_t n, cpu_set_t *s)
{
    if (p != 0 && p != 1)
        MINLIBC_FAIL(ESRCH, -1);
    if (n < sizeof(unsigned long))
        MINLIBC_FAIL(EINVAL, -1);
    memset(s, 0, n);
    s->__bits[0] = 1;
    return 0;
}

int sched_setaffinity(pid_t p, size_t n, const cpu_set_t *s)
{
    (void)n;
    if (p != 0 && p != 1)
        MINLIBC_FAIL(ESRCH, -1);
    if (!(s->__bits[0] & 1))
        MINLIBC_FAIL(EINVAL, -1);
    return 0;
}

int sched_getcpu(void) { return 0; }

int __minlibc_cpu_count(size_t n, const cpu_set_t *s)
{
    int c = 0;
    for (size_t i = 0; i < n / sizeof(unsigned long); i++)
        c += __builtin_popcountl(s->__bits[i]);
    return c;
}

/* ----------------------------------------------------------- users */

struct passwd *getpwnam(const char *n) { (void)n; return NULL; }
struct passwd *getpwuid(uid_t u) { (void)u; return NULL; }
int getpwnam_r(const char *n, struct passwd *p, char *b, size_t l, struct passwd **r) { (void)n; (void)p; (void)b; (void)l; *r = NULL; return 0; }
int getpwuid_r(uid_t u, struct passwd *p, char *b, size_t l, struct passwd **r) { (void)u; (void)p; (void)b; (void)l; *r = NULL; return 0; }
struct passwd *getpwent(void) { return NULL; }
void setpwent(void) { }
void endpwent(void) { }
struct group *getgrnam(const char *n) { (void)n; return NULL; }
struct group *getgrgid(gid_t g) { (void)g; return NULL; }
int getgrnam_r(const char *n, struct group *g, char *b, size_t l, struct group **r) { (void)n; (void)g; (void)b; (void)l; *r = NULL; return 0; }
int getgrgid_r(gid_t i, struct group *g, char *b, size_t l, struct group **r) { (void)i; (void)g; (void)b; (void)l; *r = NULL; return 0; }
struct group *getgrent(void) { return NULL; }
void setgrent(void) { }
void endgrent(void) { }

/* ---------------------------------------------------------- networking */

struct hostent *gethostbyaddr(const void *a, socklen_t l, int t) { (void)a; (void)l; (void)t; h_errno = NO_RECOVERY; return NULL; }

/* ------------------------------------------------- dynamic loading, regex */

static const char *dl_message;

void *dlopen(const char *file, int mode)
{
    (void)file; (void)mode;
    dl_message = "dlopen: dynamic loading is not supported on halvm (static images only)";
    return NULL;
}

void *dlsym(void *restrict h, const char *restrict name)
{
    (void)h; (void)name;
    dl_message = "dlsym: no dynamic symbol table on halvm (static images only)";
    return NULL;
}

int dlclose(void *h)
{
    (void)h;
    dl_message = "dlclose: invalid handle (dlopen never succeeds on halvm)";
    return -1;
}

char *dlerror(void)
{
    const char *m = dl_message;
    dl_message = NULL;
    return (char *)m;
}

int dladdr(const void *a, Dl_info *i) { (void)a; (void)i; return 0; }

int dlinfo(void *restrict h, int request, void *restrict info)
{
    (void)h; (void)request; (void)info;
    dl_message = "dlinfo: invalid handle (dlopen never succeeds on halvm)";
    return -1;
}

/* The image's program headers are not mapped at run time and no shared
 * objects exist: there is nothing to visit. */
int dl_iterate_phdr(int (*cb)(struct dl_phdr_info *, size_t, void *), void *data)
{
    (void)cb; (void)data;
    return 0;
}

/* The kernel's auxiliary vector: an image starts without one, so every
 * type is missing, which glibc reports as 0 with ENOENT. */
unsigned long getauxval(unsigned long type)
{
    (void)type;
    MINLIBC_FAIL(ENOENT, 0);
}

/* Raw system calls: there is no kernel to call. */
long syscall(long number, ...)
{
    (void)number;
    MINLIBC_FAIL(ENOSYS, -1);
}

int regcomp(regex_t *restrict r, const char *restrict p, int f) { (void)p; (void)f; memset(r, 0, sizeof *r); return REG_ESPACE; }
int regexec(const regex_t *restrict r, const char *restrict s, size_t n, regmatch_t *restrict m, int f) { (void)r; (void)s; (void)n; (void)m; (void)f; return REG_NOMATCH; }
void regfree(regex_t *r) { (void)r; }

size_t regerror(int e, const regex_t *restrict r, char *restrict buf, size_t n)
{
    (void)r;
    const char *m = e == REG_ESPACE ? "regular expressions are not supported on halvm" : "No match";
    size_t len = strlen(m) + 1;
    if (n) {
        size_t k = len < n ? len : n;
        memcpy(buf, m, k - 1);
        buf[k - 1] = 0;
    }
    return len;
}
