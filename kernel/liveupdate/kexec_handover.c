// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO runtime: preserve and restore memory, the root FDT with one subtree
 * per subsystem, and the map of preserved memory written at kexec time.
 *
 * Preserved blocks (2^order pages, naturally aligned) are tracked per
 * order in an xarray of bitmap pages, one bit per block, so that preserve
 * and unpreserve are O(1) and finalize can emit the map window by window.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "../../mm/internal.h"
#include "kho_internal.h"

#define KHO_BITMAP_BITS		(PAGE_SIZE * BITS_PER_BYTE)

static_assert(KHO_BITMAP_BITS == KHO_MAP_WINDOW_BLOCKS);

/*
 * Statically initialized: memory may be preserved by early initcalls,
 * before kho_init().
 */
struct kho_out kho_out = {
	.lock = __MUTEX_INITIALIZER(kho_out.lock),
	.blocks = {
		[0 ... NR_PAGE_ORDERS - 1] = XARRAY_INIT(kho_out.blocks, 0),
	},
};
struct kho_in kho_in;

/**
 * kho_is_enabled() - is kexec handover enabled on this boot
 *
 * Return: true if memory can be preserved for the next kernel.
 */
bool kho_is_enabled(void)
{
	return kho_enable;
}
EXPORT_SYMBOL_GPL(kho_is_enabled);

/**
 * is_kho_boot() - was this kernel booted with a valid handover
 *
 * Return: true if the previous kernel handed memory over and its map of
 * preserved memory was valid, so that restore functions can succeed.
 */
bool is_kho_boot(void)
{
	return kho_in.valid;
}
EXPORT_SYMBOL_GPL(is_kho_boot);

/* Is any block of @order in [@first, @first + @nr) preserved? */
static bool kho_any_preserved(unsigned int order, unsigned long first,
			      unsigned long nr)
{
	while (nr) {
		unsigned long win = first / KHO_BITMAP_BITS;
		unsigned long bit = first % KHO_BITMAP_BITS;
		unsigned long n = min(nr, KHO_BITMAP_BITS - bit);
		unsigned long *bits = xa_load(&kho_out.blocks[order], win);

		if (bits && find_next_bit(bits, bit + n, bit) < bit + n)
			return true;
		first += n;
		nr -= n;
	}
	return false;
}

/* Does the block overlap a block preserved at any order? */
static bool kho_block_overlaps(unsigned long pfn, unsigned int order)
{
	unsigned int o;

	for (o = 0; o < NR_PAGE_ORDERS; o++) {
		if (o >= order) {
			if (kho_any_preserved(o, pfn >> o, 1))
				return true;
		} else if (kho_any_preserved(o, pfn >> o, 1UL << (order - o))) {
			return true;
		}
	}
	return false;
}

static int kho_preserve_block(unsigned long pfn, unsigned int order)
{
	unsigned long block = pfn >> order;
	unsigned long *bits;
	void *old;

	lockdep_assert_held(&kho_out.lock);
	if (kho_scratch_overlap(PFN_PHYS(pfn), PAGE_SIZE << order)) {
		pr_err("cannot preserve pfn %#lx order %u: inside scratch memory\n",
		       pfn, order);
		return -EINVAL;
	}
	if (kho_block_overlaps(pfn, order)) {
		pr_err("cannot preserve pfn %#lx order %u: already preserved\n",
		       pfn, order);
		return -EEXIST;
	}
	bits = xa_load(&kho_out.blocks[order], block / KHO_BITMAP_BITS);
	if (!bits) {
		bits = (unsigned long *)get_zeroed_page(GFP_KERNEL);
		if (!bits)
			return -ENOMEM;
		old = xa_store(&kho_out.blocks[order], block / KHO_BITMAP_BITS,
			       bits, GFP_KERNEL);
		if (xa_is_err(old)) {
			free_page((unsigned long)bits);
			return xa_err(old);
		}
	}
	__set_bit(block % KHO_BITMAP_BITS, bits);
	kho_out.nr_blocks++;
	return 0;
}

static bool kho_block_preserved(unsigned long pfn, unsigned int order)
{
	return kho_any_preserved(order, pfn >> order, 1);
}

/**
 * kho_page_preserved() - is a page inside a block preserved at any order
 * @pfn: the page
 *
 * Called with kho_out.lock held.
 *
 * Return: true if the block of some order that holds @pfn is preserved.
 */
bool kho_page_preserved(unsigned long pfn)
{
	unsigned int order;

	for (order = 0; order < NR_PAGE_ORDERS; order++)
		if (kho_block_preserved(pfn, order))
			return true;
	return false;
}

static void kho_unpreserve_block(unsigned long pfn, unsigned int order)
{
	unsigned long block = pfn >> order;
	unsigned long *bits = xa_load(&kho_out.blocks[order],
				      block / KHO_BITMAP_BITS);

	__clear_bit(block % KHO_BITMAP_BITS, bits);
	if (bitmap_empty(bits, KHO_BITMAP_BITS)) {
		xa_erase(&kho_out.blocks[order], block / KHO_BITMAP_BITS);
		free_page((unsigned long)bits);
	}
	kho_out.nr_blocks--;
}

/* The largest naturally aligned block at @pfn within @end. */
static unsigned int kho_block_order(unsigned long pfn, unsigned long end)
{
	unsigned int order = pfn ? __ffs(pfn) : MAX_PAGE_ORDER;

	order = min_t(unsigned int, order, MAX_PAGE_ORDER);
	while (pfn + (1UL << order) > end)
		order--;
	return order;
}

static int kho_check_enabled(void)
{
	return kho_enable ? 0 : -EOPNOTSUPP;
}

/*
 * Once the map is written, what it describes must not change until
 * kho_abort(): the next kernel would get memory that was freed, or miss
 * memory that was preserved late.
 */
static int kho_check_open(const char *what)
{
	lockdep_assert_held(&kho_out.lock);
	if (!kho_out.finalized)
		return 0;
	pr_err("cannot %s: the handover is finalized\n", what);
	return -EBUSY;
}

/* Subtrees and finalize need the root FDT, made at fs_initcall. */
static int kho_check_fdt(void)
{
	return kho_enable && kho_out.fdt ? 0 : -EOPNOTSUPP;
}

/**
 * kho_preserve_folio() - preserve a folio for the next kernel
 * @folio: the folio; it must not be freed while preserved
 *
 * The next kernel gets it back with kho_restore_folio(), same order.
 *
 * Return: 0; -EINVAL if it lies in scratch memory; -EEXIST if any of its
 * pages is already preserved; -ENOMEM; -EBUSY if the handover is
 * finalized; -EOPNOTSUPP if KHO is disabled.
 */
int kho_preserve_folio(struct folio *folio)
{
	int err = kho_check_enabled();

	if (err)
		return err;
	guard(mutex)(&kho_out.lock);
	return kho_check_open("preserve") ?:
	       kho_preserve_block(folio_pfn(folio), folio_order(folio));
}
EXPORT_SYMBOL_GPL(kho_preserve_folio);

/**
 * kho_unpreserve_folio() - undo kho_preserve_folio()
 * @folio: a folio preserved with kho_preserve_folio()
 *
 * Return: 0, -ENOENT if the folio was not preserved as a whole, or -EBUSY
 * if the handover is finalized.
 */
int kho_unpreserve_folio(struct folio *folio)
{
	unsigned long pfn = folio_pfn(folio);
	unsigned int order = folio_order(folio);
	int err;

	guard(mutex)(&kho_out.lock);
	err = kho_check_open("unpreserve");
	if (err)
		return err;
	if (!kho_block_preserved(pfn, order)) {
		pr_err("cannot unpreserve pfn %#lx order %u: not preserved\n",
		       pfn, order);
		return -ENOENT;
	}
	kho_unpreserve_block(pfn, order);
	return 0;
}
EXPORT_SYMBOL_GPL(kho_unpreserve_folio);

/**
 * kho_preserve_pages() - preserve a physically contiguous range of pages
 * @page: first page
 * @nr_pages: number of pages
 *
 * The range is recorded as the fewest naturally aligned blocks, so a large
 * aligned range costs little. The next kernel gets the pages back with
 * kho_restore_pages() on the same range, each an independent order-0 page.
 *
 * Return: 0, or the errors of kho_preserve_folio(); on error nothing of
 * the range stays preserved.
 */
int kho_preserve_pages(struct page *page, unsigned int nr_pages)
{
	unsigned long start = page_to_pfn(page), end = start + nr_pages;
	unsigned long pfn = start;
	unsigned int order;
	int err = kho_check_enabled();

	if (err)
		return err;
	mutex_lock(&kho_out.lock);
	err = kho_check_open("preserve");
	if (err) {
		mutex_unlock(&kho_out.lock);
		return err;
	}
	while (pfn < end) {
		order = kho_block_order(pfn, end);
		err = kho_preserve_block(pfn, order);
		if (err)
			goto unpreserve_done;
		pfn += 1UL << order;
	}
	mutex_unlock(&kho_out.lock);
	return 0;

unpreserve_done:
	end = pfn;
	for (pfn = start; pfn < end; pfn += 1UL << order) {
		order = kho_block_order(pfn, end);
		kho_unpreserve_block(pfn, order);
	}
	mutex_unlock(&kho_out.lock);
	return err;
}
EXPORT_SYMBOL_GPL(kho_preserve_pages);

/**
 * kho_unpreserve_pages() - undo kho_preserve_pages()
 * @page: first page, as passed to kho_preserve_pages()
 * @nr_pages: number of pages, as passed to kho_preserve_pages()
 *
 * Return: 0, -ENOENT (nothing changed) if the range was not preserved
 * by kho_preserve_pages() exactly, or -EBUSY if the handover is finalized.
 */
int kho_unpreserve_pages(struct page *page, unsigned int nr_pages)
{
	unsigned long start = page_to_pfn(page), end = start + nr_pages;
	unsigned long pfn;
	unsigned int order;
	int err;

	mutex_lock(&kho_out.lock);
	err = kho_check_open("unpreserve");
	if (err) {
		mutex_unlock(&kho_out.lock);
		return err;
	}
	for (pfn = start; pfn < end; pfn += 1UL << order) {
		order = kho_block_order(pfn, end);
		if (!kho_block_preserved(pfn, order)) {
			mutex_unlock(&kho_out.lock);
			pr_err("cannot unpreserve pfns %#lx-%#lx: not preserved\n",
			       start, end - 1);
			return -ENOENT;
		}
	}
	for (pfn = start; pfn < end; pfn += 1UL << order) {
		order = kho_block_order(pfn, end);
		kho_unpreserve_block(pfn, order);
	}
	mutex_unlock(&kho_out.lock);
	return 0;
}
EXPORT_SYMBOL_GPL(kho_unpreserve_pages);

/*
 * Take the mark of a preserved block atomically: of concurrent restores
 * of one block, exactly one wins.
 */
static bool kho_claim_block(unsigned long pfn, unsigned int order)
{
	if (!pfn_valid(pfn))
		return false;
	return cmpxchg(&pfn_to_page(pfn)->private, KHO_PAGE_PRIVATE(order),
		       0) == KHO_PAGE_PRIVATE(order);
}

/* Give back the mark of a block claimed by a restore that failed. */
static void kho_unclaim_block(unsigned long pfn, unsigned int order)
{
	set_page_private(pfn_to_page(pfn), KHO_PAGE_PRIVATE(order));
}

/* Make the pages of a claimed block usable. */
static struct page *kho_restore_block(unsigned long pfn, unsigned int order)
{
	struct page *page = pfn_to_page(pfn);
	unsigned long i;

	for (i = 0; i < (1UL << order); i++)
		__ClearPageReserved(page + i);
	adjust_managed_page_count(page, 1UL << order);
	return page;
}

/**
 * kho_restore_folio() - get back a folio preserved by the previous kernel
 * @phys: its physical address
 *
 * Return: the folio, with its order and a reference count of 1, freed
 * with folio_put() like any other; NULL if nothing was preserved there
 * (or it was already restored).
 */
struct folio *kho_restore_folio(phys_addr_t phys)
{
	unsigned long pfn = PHYS_PFN(phys);
	struct page *page;
	unsigned int order;

	if (!PAGE_ALIGNED(phys) || !pfn_valid(pfn))
		return NULL;
	order = page_private(pfn_to_page(pfn)) & 0xff;
	if (!kho_in.valid || order > MAX_PAGE_ORDER ||
	    !kho_claim_block(pfn, order))
		return NULL;
	page = kho_restore_block(pfn, order);
	if (order) {
		unsigned long i;

		for (i = 1; i < (1UL << order); i++)
			set_page_count(page + i, 0);
		prep_compound_page(page, order);
	}
	return page_folio(page);
}
EXPORT_SYMBOL_GPL(kho_restore_folio);

/**
 * kho_restore_pages() - get back pages preserved by kho_preserve_pages()
 * @phys: physical address of the first page
 * @nr_pages: number of pages, as preserved
 *
 * Return: the first page; every page of the range is an independent
 * order-0 page with a reference count of 1. NULL if the range was not
 * preserved exactly so; then nothing is restored.
 */
struct page *kho_restore_pages(phys_addr_t phys, unsigned int nr_pages)
{
	unsigned long start = PHYS_PFN(phys), end = start + nr_pages;
	unsigned long pfn;
	unsigned int order;

	if (!PAGE_ALIGNED(phys) || !nr_pages || !kho_in.valid)
		return NULL;
	for (pfn = start; pfn < end; pfn += 1UL << order) {
		order = kho_block_order(pfn, end);
		if (!kho_claim_block(pfn, order))
			goto unclaim;
	}
	for (pfn = start; pfn < end; pfn += 1UL << order) {
		order = kho_block_order(pfn, end);
		kho_restore_block(pfn, order);
	}
	return pfn_to_page(start);

unclaim:
	end = pfn;
	for (pfn = start; pfn < end; pfn += 1UL << order) {
		order = kho_block_order(pfn, end);
		kho_unclaim_block(pfn, order);
	}
	return NULL;
}
EXPORT_SYMBOL_GPL(kho_restore_pages);

/**
 * kho_alloc_preserve() - allocate zeroed memory preserved for the next kernel
 * @size: bytes; rounded up to a power-of-two number of pages
 *
 * Return: the memory, or ERR_PTR(-E2BIG) if @size exceeds the largest
 * folio, -ENOMEM, or the errors of kho_preserve_folio() (-EBUSY once the
 * handover is finalized).
 */
void *kho_alloc_preserve(size_t size)
{
	unsigned int order = get_order(size);
	struct folio *folio;
	int err;

	if (order > MAX_PAGE_ORDER)
		return ERR_PTR(-E2BIG);
	folio = folio_alloc(GFP_KERNEL | __GFP_ZERO, order);
	if (!folio)
		return ERR_PTR(-ENOMEM);
	err = kho_preserve_folio(folio);
	if (err) {
		folio_put(folio);
		return ERR_PTR(err);
	}
	return folio_address(folio);
}
EXPORT_SYMBOL_GPL(kho_alloc_preserve);

/**
 * kho_alloc_fdt() - allocate an empty one-page FDT preserved for the next
 * kernel
 * @compatible: value of its root "compatible" property
 *
 * The usual start of a subtree: fill it, hand it over with
 * kho_add_subtree(), free it with kho_unpreserve_free().
 *
 * Return: the FDT, an error of kho_alloc_preserve(), or ERR_PTR(-EINVAL)
 * if @compatible does not fit.
 */
void *kho_alloc_fdt(const char *compatible)
{
	void *fdt = kho_alloc_preserve(PAGE_SIZE);

	if (IS_ERR(fdt))
		return fdt;
	if (fdt_create_empty_tree(fdt, PAGE_SIZE) ||
	    fdt_setprop_string(fdt, 0, "compatible", compatible)) {
		kho_unpreserve_free(fdt);
		return ERR_PTR(-EINVAL);
	}
	return fdt;
}
EXPORT_SYMBOL_GPL(kho_alloc_fdt);

/**
 * kho_unpreserve_free() - unpreserve and free kho_alloc_preserve() memory
 * @mem: the memory, or NULL
 *
 * Memory that cannot be unpreserved is not freed: the handover may still
 * point to it.
 *
 * Return: 0, or the error of kho_unpreserve_folio() (-EBUSY once the
 * handover is finalized).
 */
int kho_unpreserve_free(void *mem)
{
	struct folio *folio;
	int err;

	if (!mem)
		return 0;
	folio = virt_to_folio(mem);
	err = kho_unpreserve_folio(folio);
	if (!err)
		folio_put(folio);
	return err;
}
EXPORT_SYMBOL_GPL(kho_unpreserve_free);

/**
 * kho_restore_free() - free memory the previous kernel got from
 * kho_alloc_preserve()
 * @mem: its address in this kernel (phys_to_virt() of what was handed over)
 */
void kho_restore_free(void *mem)
{
	struct folio *folio;

	if (!mem)
		return;
	folio = kho_restore_folio(virt_to_phys(mem));
	if (folio)
		folio_put(folio);
}
EXPORT_SYMBOL_GPL(kho_restore_free);

/**
 * kho_add_subtree() - hand a subsystem's FDT over to the next kernel
 * @name: node name, unique among subtrees
 * @fdt: the subsystem's FDT, in memory the caller preserves
 *
 * Return: 0; -EEXIST if @name is taken; -ENOSPC if the root FDT is full;
 * -EINVAL for a bad name; -EBUSY if the handover is finalized;
 * -EOPNOTSUPP if KHO is disabled.
 */
int kho_add_subtree(const char *name, void *fdt)
{
	int off, err = kho_check_fdt();

	if (err)
		return err;
	mutex_lock(&kho_out.lock);
	err = kho_check_open("add a subtree");
	if (err)
		goto unlock;
	off = fdt_add_subnode(kho_out.fdt, 0, name);
	if (off < 0) {
		err = off == -FDT_ERR_EXISTS ? -EEXIST :
		      off == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
		goto unlock;
	}
	err = fdt_setprop_u64(kho_out.fdt, off, KHO_FDT_SUBTREE,
			      virt_to_phys(fdt));
	if (err) {
		fdt_del_node(kho_out.fdt, off);
		err = -ENOSPC;
		goto unlock;
	}
	kho_debugfs_add_subtree(name, fdt);
unlock:
	mutex_unlock(&kho_out.lock);
	return err;
}
EXPORT_SYMBOL_GPL(kho_add_subtree);

/**
 * kho_remove_subtree() - undo kho_add_subtree()
 * @fdt: the FDT passed to kho_add_subtree()
 *
 * Return: 0 (also if @fdt was not added), -EBUSY if the handover is
 * finalized, -EOPNOTSUPP if KHO is disabled.
 */
int kho_remove_subtree(void *fdt)
{
	u64 phys = virt_to_phys(fdt);
	int off, err = kho_check_fdt();

	if (err)
		return err;
	guard(mutex)(&kho_out.lock);
	err = kho_check_open("remove a subtree");
	if (err)
		return err;
	fdt_for_each_subnode(off, kho_out.fdt, 0) {
		const fdt64_t *p = fdt_getprop(kho_out.fdt, off, KHO_FDT_SUBTREE,
					       NULL);

		if (p && fdt64_to_cpu(*p) == phys) {
			fdt_del_node(kho_out.fdt, off);
			kho_debugfs_remove_subtree(fdt);
			break;
		}
	}
	return 0;
}
EXPORT_SYMBOL_GPL(kho_remove_subtree);

/**
 * kho_retrieve_subtree() - find a subsystem's FDT from the previous kernel
 * @name: the name it was added under
 * @phys: set to the physical address of that FDT
 *
 * Return: 0; -ENOENT if this is not a KHO boot or there is no such
 * subtree; -EINVAL if @phys is NULL or the node is malformed.
 */
int kho_retrieve_subtree(const char *name, phys_addr_t *phys)
{
	const void *fdt;
	const fdt64_t *p;
	int off, len;

	if (!phys)
		return -EINVAL;
	if (!kho_in.valid)
		return -ENOENT;
	fdt = phys_to_virt(kho_in.fdt_phys);
	off = fdt_subnode_offset(fdt, 0, name);
	if (off < 0)
		return -ENOENT;
	p = fdt_getprop(fdt, off, KHO_FDT_SUBTREE, &len);
	if (!p || len != sizeof(*p))
		return -EINVAL;
	*phys = fdt64_to_cpu(*p);
	return 0;
}
EXPORT_SYMBOL_GPL(kho_retrieve_subtree);

static void *kho_map_alloc(void *arg, phys_addr_t *phys)
{
	void *page = (void *)get_zeroed_page(GFP_KERNEL);

	if (page)
		*phys = virt_to_phys(page);
	return page;
}

static void kho_map_free_page(void *arg, void *page)
{
	free_page((unsigned long)page);
}

static void *kho_map_virt(void *arg, phys_addr_t phys)
{
	return phys_to_virt(phys);
}

static const struct kho_map_ops kho_map_out_ops = {
	.alloc_map_page = kho_map_alloc,
	.free_map_page = kho_map_free_page,
	.map_phys = kho_map_virt,
};

/* Free the written map and point the root FDT at none. */
static void kho_drop_map(void)
{
	lockdep_assert_held(&kho_out.lock);
	kho_map_free(&kho_out.map);
	fdt_setprop_u64(kho_out.fdt, 0, KHO_FDT_MAP, 0);
	fdt_setprop_u32(kho_out.fdt, 0, KHO_FDT_MAP_PAGES, 0);
}

/**
 * kho_finalize() - write the map of preserved memory for the next kernel
 *
 * Runs on the kexec reboot path; may run earlier (debugfs). From then on
 * until kho_abort(), nothing can be preserved, unpreserved, added or
 * removed (-EBUSY), so the map stays exact; finalizing again is a no-op.
 * The map pages are ordinary memory: the next kernel reads them before
 * it reuses them.
 *
 * Return: 0, -ENOMEM or -ENOSPC (nothing is finalized), or -EOPNOTSUPP if
 * KHO is disabled.
 */
int kho_finalize(void)
{
	unsigned long *bits;
	unsigned long win;
	unsigned int order;
	int err = kho_check_fdt();

	if (err)
		return err;
	mutex_lock(&kho_out.lock);
	if (kho_out.finalized) {
		mutex_unlock(&kho_out.lock);
		return 0;
	}
	/* Not finalized: no map pages (a failure or kho_abort() freed them). */
	kho_map_writer_init(&kho_out.map, &kho_map_out_ops);
	err = kho_check_scratch_room();
	if (err)
		goto free_map;
	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		xa_for_each(&kho_out.blocks[order], win, bits) {
			err = kho_map_add_window(&kho_out.map, order, win, bits);
			if (err)
				goto free_map;
		}
	}
	err = fdt_setprop_u64(kho_out.fdt, 0, KHO_FDT_MAP, kho_out.map.first);
	if (!err)
		err = fdt_setprop_u32(kho_out.fdt, 0, KHO_FDT_MAP_PAGES,
				      kho_out.map.nr_pages);
	if (err) {
		err = -ENOSPC;
		goto free_map;
	}
	kho_out.finalized = true;
	kho_debug_corrupt();
	pr_info("map of preserved memory: %u pages + %u bitmap pages\n",
		kho_out.map.nr_pages, kho_out.map.nr_bitmaps);
	mutex_unlock(&kho_out.lock);
	return 0;

free_map:
	kho_drop_map();
	mutex_unlock(&kho_out.lock);
	return err;
}

/**
 * kho_abort() - undo kho_finalize(): the kexec will not happen
 *
 * Drops the written map; preserved memory stays preserved, can be changed
 * again, and the next kho_finalize() writes the map again.
 */
void kho_abort(void)
{
	if (kho_check_fdt())
		return;
	mutex_lock(&kho_out.lock);
	kho_drop_map();
	kho_debug_repair();
	kho_out.finalized = false;
	mutex_unlock(&kho_out.lock);
}

/* Is anything handed over besides KHO's own root FDT and scratch array? */
static bool kho_handover_pending(void)
{
	guard(mutex)(&kho_out.lock);
	return kho_out.nr_blocks > kho_out.nr_own_blocks ||
	       fdt_first_subnode(kho_out.fdt, 0) >= 0;
}

/**
 * kho_check_kexec() - can this kexec carry the handover
 * @image: the image about to be booted
 *
 * Only a kexec_file_load() image gets the handover (setup_data) and has
 * its segments placed in scratch memory. A kexec_load() image would boot
 * without the handover, its segments possibly over preserved memory, and
 * a kexec jump returns to this kernel: with anything to hand over, both
 * are refused, before anything is frozen.
 *
 * Return: 0, or -EOPNOTSUPP if the kexec must not happen.
 */
int kho_check_kexec(struct kimage *image)
{
	bool jump = image->preserve_context;

	if (!kho_enable || !kho_out.fdt || image->type == KEXEC_TYPE_CRASH ||
	    (image->file_mode && !jump) || !kho_handover_pending())
		return 0;
	pr_err("a %s cannot carry the handover of preserved memory: kexec refused\n",
	       jump ? "kexec jump" : "kexec_load() image");
	return -EOPNOTSUPP;
}

static int __init kho_create_fdt(void)
{
	void *fdt = kho_alloc_fdt(KHO_FDT_COMPATIBLE);
	int err;

	if (IS_ERR(fdt))
		return PTR_ERR(fdt);
	err = fdt_setprop_u64(fdt, 0, KHO_FDT_MAP, 0);
	err = err ?: fdt_setprop_u32(fdt, 0, KHO_FDT_MAP_PAGES, 0);
	if (err) {
		kho_unpreserve_free(fdt);
		return -EINVAL;
	}
	kho_out.fdt = fdt;
	return 0;
}

static int __init kho_init(void)
{
	unsigned long nr_blocks = kho_out.nr_blocks;
	struct kho_scratch *sa;
	unsigned int i;
	int err;

	if (!kho_enable)
		return 0;

	sa = kho_alloc_preserve(kho_out.nr_scratch * sizeof(*sa));
	if (IS_ERR(sa)) {
		err = PTR_ERR(sa);
		goto disable;
	}
	for (i = 0; i < kho_out.nr_scratch; i++) {
		sa[i].addr = cpu_to_le64(kho_out.scratch[i].addr);
		sa[i].size = cpu_to_le64(kho_out.scratch[i].size);
	}
	err = kho_create_fdt();
	if (err) {
		kho_unpreserve_free(sa);
		goto disable;
	}
	kho_out.scratch_array = sa;
	kho_out.nr_own_blocks = kho_out.nr_blocks - nr_blocks;

	/* The incoming scratch array was copied at boot; give it back. */
	if (kho_in.valid)
		kho_restore_free(phys_to_virt(kho_in.scratch_phys));
	kho_debugfs_init();
	for (i = 0; i < kho_out.nr_scratch; i++)
		pr_info("scratch %pa + %pa\n", &kho_out.scratch[i].addr,
			&kho_out.scratch[i].size);
	return 0;

disable:
	kho_enable = false;
	pr_err("cannot set up the handover (%d), kexec handover disabled\n", err);
	return 0;
}
fs_initcall(kho_init);
