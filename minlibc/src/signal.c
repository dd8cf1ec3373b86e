/*
 * Signals within the one process: handlers, masks and sets are real, and
 * raise()/kill(getpid(), ...) deliver synchronously (a blocked signal stays
 * pending until unblocked). Nothing outside the guest can send a signal and
 * no timer raises one, so nothing arrives asynchronously; timer_create
 * fails with ENOTSUP (rts-xen's ticker uses halvm_tick_start instead).
 */
#include "internal.h"
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <stdlib.h>

static struct sigaction actions[NSIG];
static sigset_t blocked, pending;

#define WORD(s) ((unsigned)((s) - 1) / (8 * sizeof(unsigned long)))
#define BIT(s) (1UL << ((unsigned)((s) - 1) % (8 * sizeof(unsigned long))))

static int valid(int sig) { return sig > 0 && sig < NSIG; }

int sigemptyset(sigset_t *s) { memset(s, 0, sizeof *s); return 0; }
int sigfillset(sigset_t *s) { memset(s, 0xff, sizeof *s); return 0; }

int sigaddset(sigset_t *s, int sig)
{
    if (!valid(sig))
        MINLIBC_FAIL(EINVAL, -1);
    s->__val[WORD(sig)] |= BIT(sig);
    return 0;
}

int sigdelset(sigset_t *s, int sig)
{
    if (!valid(sig))
        MINLIBC_FAIL(EINVAL, -1);
    s->__val[WORD(sig)] &= ~BIT(sig);
    return 0;
}

int sigismember(const sigset_t *s, int sig)
{
    if (!valid(sig))
        MINLIBC_FAIL(EINVAL, -1);
    return (s->__val[WORD(sig)] & BIT(sig)) != 0;
}

static int default_ignores(int sig)
{
    return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

static void deliver(int sig)
{
    struct sigaction *a = &actions[sig];
    if (a->sa_handler == SIG_IGN)
        return;
    if (a->sa_handler == SIG_DFL) {
        if (default_ignores(sig))
            return;
        /* default action: terminate, reported like a shell does (128+N) */
        fflush(NULL);
        halvm_exit(128 + sig);
    }
    sigset_t saved = blocked;
    for (size_t i = 0; i < sizeof blocked.__val / sizeof blocked.__val[0]; i++)
        blocked.__val[i] |= a->sa_mask.__val[i];
    if (!(a->sa_flags & SA_NODEFER))
        sigaddset(&blocked, sig);
    if (a->sa_flags & SA_SIGINFO) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        info.si_signo = sig;
        info.si_code = SI_USER;
        info.si_pid = getpid();
        void (*fn)(int, siginfo_t *, void *) = a->sa_sigaction;
        if (a->sa_flags & SA_RESETHAND)
            a->sa_handler = SIG_DFL;
        fn(sig, &info, NULL);
    } else {
        void (*fn)(int) = a->sa_handler;
        if (a->sa_flags & SA_RESETHAND)
            a->sa_handler = SIG_DFL;
        fn(sig);
    }
    blocked = saved;
}

static void deliver_pending(void)
{
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(&pending, sig) == 1 && sigismember(&blocked, sig) == 0) {
            sigdelset(&pending, sig);
            deliver(sig);
        }
}

int raise(int sig)
{
    if (!valid(sig))
        MINLIBC_FAIL(EINVAL, -1);
    if (sigismember(&blocked, sig) == 1 && sig != SIGKILL && sig != SIGSTOP) {
        sigaddset(&pending, sig);
        return 0;
    }
    deliver(sig);
    return 0;
}

int kill(pid_t pid, int sig)
{
    if (pid != 0 && pid != -1 && pid != getpid())
        MINLIBC_FAIL(ESRCH, -1);
    if (sig == 0)
        return 0;
    return raise(sig);
}

int killpg(pid_t pg, int sig) { return kill(pg == getpgrp() ? 0 : pg, sig); }

int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old)
{
    if (!valid(sig) || (act && (sig == SIGKILL || sig == SIGSTOP)))
        MINLIBC_FAIL(EINVAL, -1);
    if (old)
        *old = actions[sig];
    if (act) {
        actions[sig] = *act;
        if (act->sa_handler == SIG_IGN)
            sigdelset(&pending, sig);
    }
    return 0;
}

__sighandler_t signal(int sig, __sighandler_t handler)
{
    struct sigaction a, old;
    memset(&a, 0, sizeof a);
    a.sa_handler = handler;
    a.sa_flags = SA_RESTART;
    if (sigaction(sig, &a, &old) < 0)
        return SIG_ERR;
    return old.sa_handler;
}

int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
    if (old)
        *old = blocked;
    if (!set)
        return 0;
    size_t words = sizeof blocked.__val / sizeof blocked.__val[0];
    for (size_t i = 0; i < words; i++) {
        switch (how) {
        case SIG_BLOCK: blocked.__val[i] |= set->__val[i]; break;
        case SIG_UNBLOCK: blocked.__val[i] &= ~set->__val[i]; break;
        case SIG_SETMASK: blocked.__val[i] = set->__val[i]; break;
        default: MINLIBC_FAIL(EINVAL, -1);
        }
    }
    sigdelset(&blocked, SIGKILL);
    sigdelset(&blocked, SIGSTOP);
    deliver_pending();
    return 0;
}

int pthread_sigmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
    return sigprocmask(how, set, old) < 0 ? errno : 0;
}

int sigpending(sigset_t *s) { *s = pending; return 0; }

/* Nothing can deliver a signal while we wait: pause and sigsuspend would
 * wait forever, which is what they do; the CPU halts meanwhile. */
int pause(void)
{
    for (;;)
        halvm_block_until(UINT64_MAX);
}

int sigsuspend(const sigset_t *mask)
{
    sigset_t saved = blocked;
    blocked = *mask;
    deliver_pending();
    blocked = saved;
    return pause();
}

int sigaltstack(const stack_t *restrict ss, stack_t *restrict old)
{
    static stack_t current = { NULL, SS_DISABLE, 0 };
    if (old)
        *old = current;
    if (ss) {
        if (!(ss->ss_flags & SS_DISABLE) && ss->ss_size < MINSIGSTKSZ)
            MINLIBC_FAIL(ENOMEM, -1);
        current = *ss;
    }
    return 0;
}

int siginterrupt(int sig, int flag)
{
    struct sigaction a;
    if (sigaction(sig, NULL, &a) < 0)
        return -1;
    if (flag)
        a.sa_flags &= ~SA_RESTART;
    else
        a.sa_flags |= SA_RESTART;
    return sigaction(sig, &a, NULL);
}

int __libc_current_sigrtmin(void) { return SIGRTMIN; }
int __libc_current_sigrtmax(void) { return SIGRTMAX; }

int timer_create(clockid_t id, struct sigevent *restrict ev, timer_t *restrict t)
{
    (void)id; (void)ev; (void)t;
    MINLIBC_FAIL(ENOTSUP, -1);
}

int timer_settime(timer_t t, int flags, const struct itimerspec *restrict v, struct itimerspec *restrict old)
{
    (void)t; (void)flags; (void)v; (void)old;
    MINLIBC_FAIL(EINVAL, -1);   /* no timer can exist */
}

int timer_gettime(timer_t t, struct itimerspec *v) { (void)t; (void)v; MINLIBC_FAIL(EINVAL, -1); }
int timer_delete(timer_t t) { (void)t; MINLIBC_FAIL(EINVAL, -1); }
int timer_getoverrun(timer_t t) { (void)t; MINLIBC_FAIL(EINVAL, -1); }
