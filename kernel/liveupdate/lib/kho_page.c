// SPDX-License-Identifier: GPL-2.0-only
/*
 * The library's memory through the KHO of this kernel.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
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
	.preserve_range = kho_page_preserve_range,
	.unpreserve_range = kho_page_unpreserve_range,
	.restore_range = kho_page_restore_range,
	.range_virt = kho_page_range_virt,
};
