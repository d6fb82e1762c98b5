/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SHIM_LINUX_COMPILER_H
#define _SHIM_LINUX_COMPILER_H

#include <linux/types.h>

#define __used		__attribute__((__used__))
#define __section(s)	__attribute__((__section__(s)))
#define __printf(a, b)	__attribute__((__format__(__printf__, a, b)))

#endif /* _SHIM_LINUX_COMPILER_H */
