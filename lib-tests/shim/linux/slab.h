/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SHIM_LINUX_SLAB_H
#define _SHIM_LINUX_SLAB_H

#include <linux/kernel.h>

#define GFP_KERNEL	0u

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	return calloc(1, size);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return calloc(n, size);
}

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	return malloc(size);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

#define kvcalloc kcalloc
#define kvmalloc kmalloc
#define kvfree kfree
#define kvzalloc kzalloc

#endif /* _SHIM_LINUX_SLAB_H */
