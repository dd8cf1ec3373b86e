#ifndef _SYS_TYPES_H
#define _SYS_TYPES_H
#include <_minlibc_types.h>
#include <stdint.h>
#include <endian.h>
typedef uint8_t u_int8_t;
typedef uint16_t u_int16_t;
typedef uint32_t u_int32_t;
typedef uint64_t u_int64_t;
typedef long long quad_t;
typedef unsigned long long u_quad_t;
typedef long register_t;
#include <sys/select.h>
#include <sys/sysmacros.h>
#endif
