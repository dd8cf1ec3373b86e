/*
 * POSIX threads for a guest with exactly one thread. What is meaningful
 * with one thread is real: mutexes (with the right answer for relocking:
 * EDEADLK for error-checking and normal mutexes, since waiting would never
 * end; counting for recursive ones), keys, once, attributes, self/equal.
 * Creating a thread fails with EAGAIN; waiting on a condition variable
 * fails with EDEADLK because no other thread could ever signal it (a timed
 * wait sleeps until its deadline and returns ETIMEDOUT).
 */
#include "internal.h"
#include <pthread.h>
#include <string.h>
#include <limits.h>
#include <time.h>
#include <stdlib.h>
#include <signal.h>

#define SELF 1UL

pthread_t pthread_self(void) { return SELF; }
int pthread_equal(pthread_t a, pthread_t b) { return a == b; }

int pthread_create(pthread_t *restrict t, const pthread_attr_t *restrict a, void *(*fn)(void *), void *restrict arg)
{
    (void)t; (void)a; (void)fn; (void)arg;
    return EAGAIN;
}

int pthread_join(pthread_t t, void **ret) { (void)ret; return t == SELF ? EDEADLK : ESRCH; }
int pthread_detach(pthread_t t) { return t == SELF ? 0 : ESRCH; }
int pthread_cancel(pthread_t t) { return t == SELF ? ENOTSUP : ESRCH; }
int pthread_kill(pthread_t t, int sig) { return t == SELF ? (raise(sig) < 0 ? errno : 0) : ESRCH; }

_Noreturn void pthread_exit(void *ret)
{
    (void)ret;
    /* the last thread exiting ends the process with status 0 */
    exit(0);
}

int pthread_setcancelstate(int s, int *old) { if (old) *old = PTHREAD_CANCEL_ENABLE; return s == PTHREAD_CANCEL_ENABLE || s == PTHREAD_CANCEL_DISABLE ? 0 : EINVAL; }
int pthread_setcanceltype(int t, int *old) { if (old) *old = PTHREAD_CANCEL_DEFERRED; return t == PTHREAD_CANCEL_DEFERRED || t == PTHREAD_CANCEL_ASYNCHRONOUS ? 0 : EINVAL; }
void pthread_testcancel(void) { }
int pthread_yield(void) { return 0; }
int sched_yield(void) { return 0; }

static char thread_name[16] = "halvm";
int pthread_setname_np(pthread_t t, const char *name)
{
    if (t != SELF)
        return ESRCH;
    if (strlen(name) >= sizeof thread_name)
        return ERANGE;
    strcpy(thread_name, name);
    return 0;
}

int pthread_getname_np(pthread_t t, char *buf, size_t n)
{
    if (t != SELF)
        return ESRCH;
    if (strlen(thread_name) >= n)
        return ERANGE;
    strcpy(buf, thread_name);
    return 0;
}

int pthread_once(pthread_once_t *once, void (*fn)(void))
{
    if (*once == PTHREAD_ONCE_INIT) {
        *once = 1;
        fn();
    }
    return 0;
}

/* ------------------------------------------------------------ attributes */

struct attr { size_t stacksize; int detach; int scope; };

int pthread_attr_init(pthread_attr_t *a)
{
    memset(a, 0, sizeof *a);
    struct attr *x = (struct attr *)(void *)a;
    x->stacksize = 8u << 20;
    return 0;
}

int pthread_attr_destroy(pthread_attr_t *a) { (void)a; return 0; }

int pthread_attr_setdetachstate(pthread_attr_t *a, int d)
{
    if (d != PTHREAD_CREATE_JOINABLE && d != PTHREAD_CREATE_DETACHED)
        return EINVAL;
    ((struct attr *)(void *)a)->detach = d;
    return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *a, int *d) { *d = ((const struct attr *)(const void *)a)->detach; return 0; }

int pthread_attr_setstacksize(pthread_attr_t *a, size_t s)
{
    if (s < PTHREAD_STACK_MIN)
        return EINVAL;
    ((struct attr *)(void *)a)->stacksize = s;
    return 0;
}

int pthread_attr_getstacksize(const pthread_attr_t *restrict a, size_t *restrict s) { *s = ((const struct attr *)(const void *)a)->stacksize; return 0; }

int pthread_attr_setscope(pthread_attr_t *a, int s)
{
    if (s == PTHREAD_SCOPE_PROCESS)
        return ENOTSUP;
    if (s != PTHREAD_SCOPE_SYSTEM)
        return EINVAL;
    ((struct attr *)(void *)a)->scope = s;
    return 0;
}

/* --------------------------------------------------------------- mutexes */

int pthread_mutexattr_init(pthread_mutexattr_t *a) { memset(a, 0, sizeof *a); return 0; }
int pthread_mutexattr_destroy(pthread_mutexattr_t *a) { (void)a; return 0; }

int pthread_mutexattr_settype(pthread_mutexattr_t *a, int t)
{
    if (t < PTHREAD_MUTEX_NORMAL || t > PTHREAD_MUTEX_ERRORCHECK)
        return EINVAL;
    a->__align = t;
    return 0;
}

int pthread_mutexattr_gettype(const pthread_mutexattr_t *restrict a, int *restrict t) { *t = a->__align; return 0; }

int pthread_mutex_init(pthread_mutex_t *restrict m, const pthread_mutexattr_t *restrict a)
{
    memset(m, 0, sizeof *m);
    m->__data.__kind = a ? a->__align : PTHREAD_MUTEX_NORMAL;
    return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m) { return m->__data.__lock ? EBUSY : 0; }

int pthread_mutex_trylock(pthread_mutex_t *m)
{
    if (m->__data.__lock) {
        if (m->__data.__kind == PTHREAD_MUTEX_RECURSIVE) {
            if (m->__data.__count == UINT_MAX)
                return EAGAIN;
            m->__data.__count++;
            return 0;
        }
        return EBUSY;
    }
    m->__data.__lock = 1;
    m->__data.__count = 1;
    m->__data.__owner = (int)SELF;
    return 0;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
    int r = pthread_mutex_trylock(m);
    /* Held by ourselves, the only thread: waiting would never end. */
    return r == EBUSY ? EDEADLK : r;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
    if (!m->__data.__lock)
        return m->__data.__kind == PTHREAD_MUTEX_NORMAL ? 0 : EPERM;
    if (--m->__data.__count == 0) {
        m->__data.__lock = 0;
        m->__data.__owner = 0;
    }
    return 0;
}

/* ----------------------------------------------------------- conditions */

int pthread_condattr_init(pthread_condattr_t *a) { memset(a, 0, sizeof *a); return 0; }
int pthread_condattr_destroy(pthread_condattr_t *a) { (void)a; return 0; }

int pthread_condattr_setclock(pthread_condattr_t *a, clockid_t c)
{
    if (c != CLOCK_REALTIME && c != CLOCK_MONOTONIC)
        return EINVAL;
    a->__align = c;
    return 0;
}

int pthread_cond_init(pthread_cond_t *restrict c, const pthread_condattr_t *restrict a)
{
    memset(c, 0, sizeof *c);
    c->__size[0] = (char)(a ? a->__align : CLOCK_REALTIME);
    return 0;
}

int pthread_cond_destroy(pthread_cond_t *c) { (void)c; return 0; }
int pthread_cond_signal(pthread_cond_t *c) { (void)c; return 0; }      /* no waiters can exist */
int pthread_cond_broadcast(pthread_cond_t *c) { (void)c; return 0; }

int pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
    (void)c; (void)m;
    return EDEADLK;
}

int pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m, const struct timespec *restrict abst)
{
    (void)m;
    if (abst->tv_nsec < 0 || abst->tv_nsec >= 1000000000)
        return EINVAL;
    clockid_t clk = (clockid_t)c->__size[0];
    return clock_nanosleep(clk, TIMER_ABSTIME, abst, NULL) ? EINVAL : ETIMEDOUT;
}

/* ------------------------------------------------------------- rwlocks */

/* The lock word holds a struct rw (reader count, writer flag). */
int pthread_rwlock_init(pthread_rwlock_t *restrict l, const pthread_rwlockattr_t *restrict a) { (void)a; memset(l, 0, sizeof *l); return 0; }
int pthread_rwlock_destroy(pthread_rwlock_t *l) { (void)l; return 0; }

struct rw { long readers; int writer; };

int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
    struct rw *r = (struct rw *)(void *)l;
    if (r->writer)
        return EDEADLK;
    r->readers++;
    return 0;
}

int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
    struct rw *r = (struct rw *)(void *)l;
    if (r->writer || r->readers)
        return EDEADLK;
    r->writer = 1;
    return 0;
}

int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
    struct rw *r = (struct rw *)(void *)l;
    if (r->writer)
        r->writer = 0;
    else if (r->readers)
        r->readers--;
    else
        return EPERM;
    return 0;
}

/* ----------------------------------------------------------------- keys */

static struct { int used; const void *value; void (*dtor)(void *); } keys[PTHREAD_KEYS_MAX];

int pthread_key_create(pthread_key_t *k, void (*dtor)(void *))
{
    for (unsigned i = 0; i < PTHREAD_KEYS_MAX; i++)
        if (!keys[i].used) {
            keys[i].used = 1;
            keys[i].value = NULL;
            keys[i].dtor = dtor;
            *k = i;
            return 0;
        }
    return EAGAIN;
}

int pthread_key_delete(pthread_key_t k)
{
    if (k >= PTHREAD_KEYS_MAX || !keys[k].used)
        return EINVAL;
    keys[k].used = 0;
    return 0;
}

void *pthread_getspecific(pthread_key_t k)
{
    return k < PTHREAD_KEYS_MAX && keys[k].used ? (void *)keys[k].value : NULL;
}

int pthread_setspecific(pthread_key_t k, const void *v)
{
    if (k >= PTHREAD_KEYS_MAX || !keys[k].used)
        return EINVAL;
    keys[k].value = v;
    return 0;
}
