/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How the KHO library gets, preserves and restores memory. Structures of
 * the library reach KHO only through these ops, so that their tests can
 * run them against a fake KHO (lib-tests/fake_kho.c) in the kernel and in
 * userspace, including a simulated kexec.
 */
#ifndef _KERNEL_LIVEUPDATE_LIB_KHO_PAGE_H
#define _KERNEL_LIVEUPDATE_LIB_KHO_PAGE_H

#include <linux/types.h>

/**
 * struct kho_page_ops - memory of the library's structures
 * @alloc: a zeroed page, not preserved; NULL on failure
 * @free: free a page from @alloc or @restore (not preserved)
 * @preserve: preserve a page from @alloc for the next kernel
 * @unpreserve: undo @preserve
 * @to_phys: physical address of a page, what the next kernel gets
 * @restore: in the next kernel, claim a page preserved by @preserve;
 *           NULL if @phys is not such a page (or was already claimed)
 * @peek: in the next kernel, the address of a page @restore would claim,
 *        to read without claiming it; NULL where @restore would fail
 * @preserve_range: preserve @nr_pages of caller memory from @phys
 * @unpreserve_range: undo @preserve_range
 * @restore_range: claim a range preserved by @preserve_range; its pages
 *                 are then independent order-0 pages; false if it is not
 *                 exactly such a range
 * @free_range: free the pages of a range claimed by @restore_range
 * @range_virt: address of restored or allocated memory at @phys
 */
struct kho_page_ops {
	void *(*alloc)(void);
	void (*free)(void *page);
	int (*preserve)(void *page);
	void (*unpreserve)(void *page);
	phys_addr_t (*to_phys)(void *page);
	void *(*restore)(phys_addr_t phys);
	void *(*peek)(phys_addr_t phys);
	int (*preserve_range)(phys_addr_t phys, unsigned long nr_pages);
	void (*unpreserve_range)(phys_addr_t phys, unsigned long nr_pages);
	bool (*restore_range)(phys_addr_t phys, unsigned long nr_pages);
	void (*free_range)(phys_addr_t phys, unsigned long nr_pages);
	void *(*range_virt)(phys_addr_t phys);
};

/* The real thing: KHO of this kernel. */
extern const struct kho_page_ops kho_page_ops;

#endif /* _KERNEL_LIVEUPDATE_LIB_KHO_PAGE_H */
