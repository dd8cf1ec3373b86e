/* <semaphore.h>: glibc's 32-byte sem_t. Unnamed semaphores work (one
 * thread: sem_wait on zero would wait forever and fails with EDEADLK);
 * named ones need a shared namespace halvm does not have (ENOSYS). */
#ifndef _SEMAPHORE_H
#define _SEMAPHORE_H
#include <_minlibc_types.h>
#include <time.h>
__MINLIBC_BEGIN
typedef union { char __size[32]; long __align; } sem_t;
#define SEM_FAILED ((sem_t *)0)
int sem_init(sem_t *, int, unsigned int);
int sem_destroy(sem_t *);
sem_t *sem_open(const char *, int, ...);
int sem_close(sem_t *);
int sem_unlink(const char *);
int sem_wait(sem_t *);
int sem_trywait(sem_t *);
int sem_timedwait(sem_t *__restrict, const struct timespec *__restrict);
int sem_post(sem_t *);
int sem_getvalue(sem_t *__restrict, int *__restrict);
__MINLIBC_END
#endif
