/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SHIM_LINUX_BITOPS_H
#define _SHIM_LINUX_BITOPS_H

#include <linux/kernel.h>

#define BIT_ULL(n)	(1ULL << (n))

/* Index of the lowest set bit; @word must not be 0. */
static inline unsigned int __ffs64(u64 word)
{
	return __builtin_ctzll(word);
}

static inline unsigned int hweight64(u64 w)
{
	return __builtin_popcountll(w);
}

#endif /* _SHIM_LINUX_BITOPS_H */
