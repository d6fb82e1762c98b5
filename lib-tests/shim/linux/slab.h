/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SHIM_LINUX_SLAB_H
#define _SHIM_LINUX_SLAB_H

#include <linux/kernel.h>

#define GFP_KERNEL	0u

#ifdef SHIM_FAIL_ALLOC
/* Defined by the test: true to make this allocation fail. */
bool shim_fail_alloc(void);
#else
static inline bool shim_fail_alloc(void)
{
	return false;
}
#endif

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	return shim_fail_alloc() ? NULL : calloc(1, size);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return shim_fail_alloc() ? NULL : calloc(n, size);
}

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	return shim_fail_alloc() ? NULL : malloc(size);
}

static inline void *kvmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kmalloc(n * size, gfp);
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
