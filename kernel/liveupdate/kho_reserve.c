// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO at boot, next kernel: keep the memory preserved by the previous
 * kernel out of the page allocator.
 *
 * The incoming map can describe a million isolated pages. Reserving each
 * run in memblock costs a linear search and a linear insertion per run
 * (quadratic in runs) and grows memblock's reserved array, allocated from
 * scratch, to one entry per run. Instead the map is decoded into a bitmap
 * with one bit per page between the lowest and the highest preserved page
 * (at most 1/32768 of the memory it covers, whatever the map holds), and
 * memblock_free_all() asks kho_preserved_range() which pages to skip. The
 * early allocator stays in scratch-only mode until then, so nothing can
 * be allocated from preserved memory meanwhile.
 *
 * The map is untrusted: it is walked three times, first to check every
 * run and find the span, then to fill the bitmap (which finds runs that
 * overlap each other), then, once the bitmap has also been checked
 * against memblock's reservations, to mark the struct pages. Nothing is
 * marked unless the whole map is valid.
 *
 * With deferred struct page init, most struct pages are not initialised
 * yet when the map is taken: the marking pass initialises those of
 * preserved pages first, and the deferred init threads skip every
 * preserved page (neither initialised again, which would wipe the marks,
 * nor freed), asking kho_preserved_range() like memblock_free_all().
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitmap.h>
#include <linux/init.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/sizes.h>
#include <linux/timex.h>
#include "kho_internal.h"

/**
 * struct kho_busy - the preserved pages, until memblock_free_all()
 * @bits: bit i set if pfn @first + i is preserved; NULL: none
 * @first: first pfn the bitmap covers
 * @end: pfn after the last one it covers
 * @runs: runs in the map
 * @pages: pages preserved
 * @fdt_ok: the root FDT is a preserved order-0 block
 */
struct kho_busy {
	unsigned long *bits;
	unsigned long first;
	unsigned long end;
	unsigned long runs;
	unsigned long pages;
	bool fdt_ok;
};

static struct kho_busy kho_busy __initdata;

static void * __init kho_map_phys_in(void *arg, phys_addr_t phys)
{
	if (!PAGE_ALIGNED(phys) || !kho_area_ok(phys, PAGE_SIZE) ||
	    kho_overlaps(kho_in.scratch, kho_in.nr_scratch, phys, PAGE_SIZE))
		return NULL;
	return phys_to_virt(phys);
}

static const struct kho_map_ops kho_map_in_ops __initconst = {
	.map_phys = kho_map_phys_in,
};

static int __init kho_walk_in(kho_map_fn fn)
{
	return kho_map_walk(kho_in.map_phys, kho_in.map_pages, &kho_map_in_ops,
			    MAX_PAGE_ORDER, fn, &kho_busy);
}

/* Pass 1: each run is memory outside scratch; find the span. */
static int __init kho_scan_run(void *arg, unsigned long pfn,
			       unsigned int order, unsigned long nr)
{
	struct kho_busy *b = arg;
	phys_addr_t addr = PFN_PHYS(pfn);
	phys_addr_t size = PFN_PHYS(nr << order);

	if (addr < SZ_1M || !kho_area_ok(addr, size) ||
	    kho_overlaps(kho_in.scratch, kho_in.nr_scratch, addr, size))
		return -EINVAL;
	b->first = b->runs++ ? min(b->first, pfn) : pfn;
	b->end = max(b->end, pfn + (nr << order));
	b->pages += nr << order;
	return 0;
}

/* Pass 2: fill the bitmap; a run that meets a set bit overlaps another. */
static int __init kho_mark_run(void *arg, unsigned long pfn,
			       unsigned int order, unsigned long nr)
{
	struct kho_busy *b = arg;
	unsigned long start = pfn - b->first, n = nr << order;
	unsigned long fdt = PHYS_PFN(kho_in.fdt_phys);

	if (find_next_bit(b->bits, start + n, start) < start + n)
		return -EINVAL;
	bitmap_set(b->bits, start, n);
	if (!order && fdt >= pfn && fdt < pfn + nr)
		b->fdt_ok = true;
	return 0;
}

/* Pass 3: mark each block for kho_restore_*(); keep its pages reserved. */
static int __init kho_claim_run(void *arg, unsigned long pfn,
				unsigned int order, unsigned long nr)
{
	unsigned long i, end = pfn + (nr << order);

	memmap_init_kho_pages(pfn, end);
	for (i = pfn; i < end; i++)
		__SetPageReserved(pfn_to_page(i));
	for (i = pfn; i < end; i += 1UL << order)
		set_page_private(pfn_to_page(i), KHO_PAGE_PRIVATE(order));
	return 0;
}

/* Does a memblock reservation (firmware, initrd, ...) cover preserved memory? */
static bool __init kho_busy_reserved(void)
{
	struct memblock_region *r;
	unsigned long s, e;

	for_each_reserved_mem_region(r) {
		s = max(PFN_DOWN(r->base), kho_busy.first);
		e = min(PFN_UP(r->base + r->size), kho_busy.end);
		if (s < e && find_next_bit(kho_busy.bits, e - kho_busy.first,
					   s - kho_busy.first) < e - kho_busy.first)
			return true;
	}
	return false;
}

/**
 * kho_reserve_preserved() - take the incoming map of preserved memory
 * @why: set to what is wrong on error, for the caller's one log line
 *
 * Called from kho_memory_init(), in scratch-only mode. On success every
 * preserved block is marked for kho_restore_*() and memblock_free_all()
 * leaves its pages alone; on error nothing is marked and nothing of the
 * previous kernel is restored.
 *
 * Return: 0, -EINVAL if the map is malformed, -ENOMEM if the bitmap does
 * not fit in scratch.
 */
int __init kho_reserve_preserved(const char **why)
{
	/* Early in boot only the cycle counter is sure to run. */
	cycles_t c0 = get_cycles();
	size_t size;
	int err;

	*why = "malformed, or a run outside memory or in scratch";
	err = kho_walk_in(kho_scan_run);
	if (!err && !kho_busy.runs)
		err = -EINVAL;
	if (err)
		goto fail;
	size = BITS_TO_LONGS(kho_busy.end - kho_busy.first) * sizeof(long);
	kho_busy.bits = memblock_alloc(size, SMP_CACHE_BYTES);
	if (!kho_busy.bits) {
		*why = "no room in scratch for the bitmap of preserved pages";
		err = -ENOMEM;
		goto fail;
	}
	*why = "preserved runs overlap";
	err = kho_walk_in(kho_mark_run);
	if (!err && !kho_busy.fdt_ok) {
		*why = "the root FDT is not a preserved page";
		err = -EINVAL;
	}
	if (!err && kho_busy_reserved()) {
		*why = "preserved memory overlaps a boot-time reservation";
		err = -EINVAL;
	}
	if (err)
		goto free_bits;
	kho_walk_in(kho_claim_run);
	/*
	 * The root FDT is read for as long as this kernel runs: nobody may
	 * restore it and free it.
	 */
	set_page_private(pfn_to_page(PHYS_PFN(kho_in.fdt_phys)), 0);
	pr_info("%lu preserved runs, %lu pages, taken in %llu k cycles\n",
		kho_busy.runs, kho_busy.pages,
		(unsigned long long)(get_cycles() - c0) / 1000);
	return 0;

free_bits:
	memblock_free(kho_busy.bits, size);
fail:
	kho_busy = (struct kho_busy){};
	return err;
}

/**
 * kho_preserved_range() - find preserved pages that memblock_free_all()
 * and deferred struct page init must not free
 * @start: first pfn of a free range
 * @end: pfn after it
 * @busy_end: set to the end of the preserved pages found
 *
 * Return: the first preserved pfn in [@start, @end), whose run ends at
 * @busy_end; @end (and @busy_end = @end) if there is none.
 */
unsigned long __init kho_preserved_range(unsigned long start,
					 unsigned long end,
					 unsigned long *busy_end)
{
	unsigned long s, e, b;

	*busy_end = end;
	if (!kho_busy.bits || end <= kho_busy.first || start >= kho_busy.end)
		return end;
	s = max(start, kho_busy.first) - kho_busy.first;
	e = min(end, kho_busy.end) - kho_busy.first;
	b = find_next_bit(kho_busy.bits, e, s);
	if (b >= e)
		return end;
	*busy_end = kho_busy.first + find_next_zero_bit(kho_busy.bits, e, b);
	return kho_busy.first + b;
}
