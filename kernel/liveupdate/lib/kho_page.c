// SPDX-License-Identifier: GPL-2.0-only
/*
 * The library's memory through the KHO of this kernel.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
#include "../kho_internal.h"
#include "kho_page.h"

static void *kho_page_alloc(void)
{
	return (void *)get_zeroed_page(GFP_KERNEL);
}

static void kho_page_free(void *page)
{
	free_page((unsigned long)page);
}

static int kho_page_preserve(void *page)
{
	return kho_preserve_folio(virt_to_folio(page));
}

static void kho_page_unpreserve(void *page)
{
	kho_unpreserve_folio(virt_to_folio(page));
}

static phys_addr_t kho_page_to_phys(void *page)
{
	return virt_to_phys(page);
}

/* Claims only an order-0 page: anything else is left untouched. */
static void *kho_page_restore(phys_addr_t phys)
{
	struct page *page = kho_restore_pages(phys, 1);

	return page ? page_address(page) : NULL;
}

/*
 * What kho_page_restore() checks, without the claim: the head of a
 * preserved order-0 block, not restored yet. Such a page is reserved
 * memory of the direct map, readable as it is. KHO has no call for this
 * and this file is the library's only link to KHO, hence kho_internal.h.
 */
static void *kho_page_peek(phys_addr_t phys)
{
	unsigned long pfn = PHYS_PFN(phys);

	if (!PAGE_ALIGNED(phys) || !kho_in.valid || !pfn_valid(pfn) ||
	    page_private(pfn_to_page(pfn)) != KHO_PAGE_PRIVATE(0))
		return NULL;
	return phys_to_virt(phys);
}

static int kho_page_preserve_range(phys_addr_t phys, unsigned long nr_pages)
{
	if (nr_pages > UINT_MAX)
		return -E2BIG;
	return kho_preserve_pages(pfn_to_page(PHYS_PFN(phys)), nr_pages);
}

static void kho_page_unpreserve_range(phys_addr_t phys, unsigned long nr_pages)
{
	kho_unpreserve_pages(pfn_to_page(PHYS_PFN(phys)), nr_pages);
}

static bool kho_page_restore_range(phys_addr_t phys, unsigned long nr_pages)
{
	return nr_pages <= UINT_MAX && kho_restore_pages(phys, nr_pages);
}

static void kho_page_free_range(phys_addr_t phys, unsigned long nr_pages)
{
	struct page *page = pfn_to_page(PHYS_PFN(phys));
	unsigned long i;

	for (i = 0; i < nr_pages; i++)
		__free_page(page + i);
}

static void *kho_page_range_virt(phys_addr_t phys)
{
	return phys_to_virt(phys);
}

const struct kho_page_ops kho_page_ops = {
	.alloc = kho_page_alloc,
	.free = kho_page_free,
	.preserve = kho_page_preserve,
	.unpreserve = kho_page_unpreserve,
	.to_phys = kho_page_to_phys,
	.restore = kho_page_restore,
	.peek = kho_page_peek,
	.preserve_range = kho_page_preserve_range,
	.unpreserve_range = kho_page_unpreserve_range,
	.restore_range = kho_page_restore_range,
	.free_range = kho_page_free_range,
	.range_virt = kho_page_range_virt,
};
