/*
 * Internal: the basic type definitions shared by several public headers.
 * Every type matches the x86_64 Linux (glibc) ABI, so code that assumes the
 * Linux layout compiles and behaves the same against minlibc.
 * Each definition is guarded so headers can pull in just what they need.
 */
#ifndef _MINLIBC_TYPES_H
#define _MINLIBC_TYPES_H

#define __MINLIBC__ 1

#ifdef __cplusplus
#define __MINLIBC_BEGIN extern "C" {
#define __MINLIBC_END }
#else
#define __MINLIBC_BEGIN
#define __MINLIBC_END
#endif

#ifndef NULL
#ifdef __cplusplus
#define NULL 0
#else
#define NULL ((void *)0)
#endif
#endif

typedef __SIZE_TYPE__ size_t;
typedef long ssize_t;
typedef long off_t;
typedef long off64_t;
typedef long loff_t;
typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
typedef unsigned int mode_t;
typedef unsigned long dev_t;
typedef unsigned long ino_t;
typedef unsigned long ino64_t;
typedef unsigned long nlink_t;
typedef long blksize_t;
typedef long blkcnt_t;
typedef long blkcnt64_t;
typedef unsigned long fsblkcnt_t;
typedef unsigned long fsfilcnt_t;
typedef struct { int __val[2]; } fsid_t;
typedef long time_t;
typedef long suseconds_t;
typedef unsigned int useconds_t;
typedef long clock_t;
typedef int clockid_t;
typedef void *timer_t;
typedef unsigned int id_t;
typedef int key_t;
typedef unsigned int socklen_t;
typedef unsigned short sa_family_t;
typedef char *caddr_t;
typedef unsigned long u_long;
typedef unsigned int u_int;
typedef unsigned short u_short;
typedef unsigned char u_char;
typedef unsigned long ulong;
typedef unsigned int uint;
typedef unsigned short ushort;

#ifndef __cplusplus
typedef __WCHAR_TYPE__ wchar_t;
#endif
typedef unsigned int wint_t;
typedef struct { unsigned int __count; union { unsigned int __wch; char __wchb[4]; } __value; } mbstate_t;

struct timespec { time_t tv_sec; long tv_nsec; };
struct timeval { time_t tv_sec; suseconds_t tv_usec; };

/* glibc's sigset_t: 1024 bits. */
typedef struct { unsigned long __val[1024 / (8 * sizeof(unsigned long))]; } __sigset_t;
typedef __sigset_t sigset_t;

/* pthread types: sizes and alignment of glibc on x86_64. */
typedef unsigned long pthread_t;
typedef unsigned int pthread_key_t;
typedef int pthread_once_t;
typedef union { char __size[56]; long __align; } pthread_attr_t;
typedef union {
    struct { int __lock; unsigned int __count; int __owner; unsigned int __nusers;
             int __kind; short __spins; short __elision; void *__prev, *__next; } __data;
    char __size[40]; long __align;
} pthread_mutex_t;
typedef union { char __size[4]; int __align; } pthread_mutexattr_t;
typedef union { char __size[48]; long long __align; } pthread_cond_t;
typedef union { char __size[4]; int __align; } pthread_condattr_t;
typedef union { char __size[56]; long __align; } pthread_rwlock_t;
typedef union { char __size[8]; long __align; } pthread_rwlockattr_t;
typedef volatile int pthread_spinlock_t;
typedef union { char __size[32]; long __align; } pthread_barrier_t;
typedef union { char __size[4]; int __align; } pthread_barrierattr_t;

#endif
