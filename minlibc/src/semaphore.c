/*
 * Semaphores for the one thread there is: the count is real; waiting on a
 * zero count could never end, so sem_wait fails with EDEADLK and
 * sem_timedwait sleeps to its deadline (ETIMEDOUT). Named semaphores need a
 * namespace shared between processes, which halvm does not have.
 */
#include "internal.h"
#include <semaphore.h>
#include <limits.h>

struct sem { unsigned int value; int magic; };
#define SEM_MAGIC 0x53454d31

static struct sem *as_sem(sem_t *s)
{
    struct sem *x = (struct sem *)(void *)s;
    return x && x->magic == SEM_MAGIC ? x : NULL;
}

int sem_init(sem_t *s, int pshared, unsigned int value)
{
    (void)pshared;  /* with one process, shared and private are the same */
    if (value > (unsigned)INT_MAX)
        MINLIBC_FAIL(EINVAL, -1);
    struct sem *x = (struct sem *)(void *)s;
    x->value = value;
    x->magic = SEM_MAGIC;
    return 0;
}

int sem_destroy(sem_t *s)
{
    struct sem *x = as_sem(s);
    if (!x)
        MINLIBC_FAIL(EINVAL, -1);
    x->magic = 0;
    return 0;
}

int sem_post(sem_t *s)
{
    struct sem *x = as_sem(s);
    if (!x)
        MINLIBC_FAIL(EINVAL, -1);
    if (x->value == (unsigned)INT_MAX)
        MINLIBC_FAIL(EOVERFLOW, -1);
    x->value++;
    return 0;
}

int sem_trywait(sem_t *s)
{
    struct sem *x = as_sem(s);
    if (!x)
        MINLIBC_FAIL(EINVAL, -1);
    if (x->value == 0)
        MINLIBC_FAIL(EAGAIN, -1);
    x->value--;
    return 0;
}

int sem_wait(sem_t *s)
{
    if (sem_trywait(s) == 0)
        return 0;
    if (errno == EAGAIN)
        errno = EDEADLK;
    return -1;
}

int sem_timedwait(sem_t *restrict s, const struct timespec *restrict abst)
{
    if (sem_trywait(s) == 0)
        return 0;
    if (errno != EAGAIN)
        return -1;
    if (abst->tv_nsec < 0 || abst->tv_nsec >= 1000000000)
        MINLIBC_FAIL(EINVAL, -1);
    clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, abst, NULL);
    MINLIBC_FAIL(ETIMEDOUT, -1);
}

int sem_getvalue(sem_t *restrict s, int *restrict v)
{
    struct sem *x = as_sem(s);
    if (!x)
        MINLIBC_FAIL(EINVAL, -1);
    *v = (int)x->value;
    return 0;
}

sem_t *sem_open(const char *name, int flags, ...) { (void)name; (void)flags; MINLIBC_FAIL(ENOSYS, SEM_FAILED); }
int sem_close(sem_t *s) { (void)s; MINLIBC_FAIL(EINVAL, -1); }   /* sem_open never succeeds */
int sem_unlink(const char *name) { (void)name; MINLIBC_FAIL(ENOENT, -1); }
