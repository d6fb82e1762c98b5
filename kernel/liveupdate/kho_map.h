/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Encoder and decoder of the map of preserved memory (kho-map-v1, see
 * include/linux/kho/abi/kexec_handover.h). Pure logic: pages come from
 * and go to the caller through struct kho_map_ops, so the same code runs
 * in the kernel and in the userspace test harness.
 */
#ifndef _KERNEL_LIVEUPDATE_KHO_MAP_H
#define _KERNEL_LIVEUPDATE_KHO_MAP_H

#include <linux/types.h>

/**
 * struct kho_map_ops - where the map pages live
 * @alloc_map_page: return a zeroed page and its physical address, or NULL
 * @free_map_page: free a page returned by @alloc_map_page
 * @map_phys: map the physical address of a map page for reading, or
 *                return NULL if that address cannot hold a map page
 * @arg: passed to each op
 */
struct kho_map_ops {
	void *(*alloc_map_page)(void *arg, phys_addr_t *phys);
	void (*free_map_page)(void *arg, void *page);
	void *(*map_phys)(void *arg, phys_addr_t phys);
	void *arg;
};

/**
 * struct kho_map_writer - state of a map being written
 * @ops: page source
 * @first: physical address of the first page, 0 while empty
 * @nr_pages: pages in the chain
 * @nr_bitmaps: bitmap pages the chain points to
 * @cur: page being filled
 * @last: last record written
 * @last_order: order of the last window written
 * @last_window: last window written
 */
struct kho_map_writer {
	const struct kho_map_ops *ops;
	phys_addr_t first;
	unsigned int nr_pages;
	unsigned int nr_bitmaps;
	struct kho_map_page *cur;
	struct kho_map_window *last;
	unsigned int last_order;
	u64 last_window;
};

/* Called for each run of @nr consecutive preserved blocks of @order. */
typedef int (*kho_map_fn)(void *arg, unsigned long pfn, unsigned int order,
			  unsigned long nr);

void kho_map_writer_init(struct kho_map_writer *w,
			 const struct kho_map_ops *ops);
int kho_map_add_window(struct kho_map_writer *w, unsigned int order,
		       u64 window, const unsigned long *bitmap);
void kho_map_free(struct kho_map_writer *w);
bool kho_map_owns(const struct kho_map_writer *w, phys_addr_t phys);
int kho_map_walk(phys_addr_t first, unsigned int nr_pages,
		 const struct kho_map_ops *ops, unsigned int max_order,
		 kho_map_fn fn, void *arg);

#endif /* _KERNEL_LIVEUPDATE_KHO_MAP_H */
