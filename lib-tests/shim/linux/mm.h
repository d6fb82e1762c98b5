/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim: a folio is what a test's kho_restore_folio() returns;
 * the test defines folio_put() and folio_address().
 */
#ifndef _SHIM_LINUX_MM_H
#define _SHIM_LINUX_MM_H

#include <linux/kernel.h>
#include <linux/list.h>

typedef unsigned long pgoff_t;

struct folio {
	struct list_head lru;
	pgoff_t index;
	/* The shim's: what the test needs to know of it. */
	phys_addr_t phys;
	unsigned int order;
	bool uptodate;
};

void folio_put(struct folio *folio);
void *folio_address(const struct folio *folio);

static inline unsigned long folio_nr_pages(const struct folio *folio)
{
	return 1UL << folio->order;
}

static inline void folio_mark_uptodate(struct folio *folio)
{
	folio->uptodate = true;
}

#endif /* _SHIM_LINUX_MM_H */
