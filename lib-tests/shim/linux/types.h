/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SHIM_LINUX_TYPES_H
#define _SHIM_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef u64 phys_addr_t;
typedef unsigned int gfp_t;

/* The kernel gets these from <linux/compiler_types.h> via types.h. */
#define __packed	__attribute__((__packed__))
#define __always_unused	__attribute__((__unused__))
#define __maybe_unused	__attribute__((__unused__))
#define __alias(sym)	__attribute__((__alias__(#sym)))
#define __aligned(x)	__attribute__((__aligned__(x)))

#endif /* _SHIM_LINUX_TYPES_H */
