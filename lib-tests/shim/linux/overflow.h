/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for the kernel's <linux/overflow.h>. */
#ifndef _SHIM_LINUX_OVERFLOW_H
#define _SHIM_LINUX_OVERFLOW_H

/* True if @a * @b overflows the type of *@d; *@d gets the wrapped product. */
#define check_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)

#endif /* _SHIM_LINUX_OVERFLOW_H */
