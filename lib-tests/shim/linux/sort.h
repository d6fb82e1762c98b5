/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SHIM_LINUX_SORT_H
#define _SHIM_LINUX_SORT_H

#include <linux/kernel.h>

/* No swap function: qsort() moves elements itself. */
static inline void sort(void *base, size_t num, size_t size,
			int (*cmp)(const void *, const void *), void *swap)
{
	qsort(base, num, size, cmp);
}

#endif /* _SHIM_LINUX_SORT_H */
