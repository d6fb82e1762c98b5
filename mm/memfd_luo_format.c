// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memfd handover formats read back; see memfd_luo_format.h. Only what
 * the previous kernel wrote is checked and claimed here: making the file
 * is memfd_luo.c's.
 */
#define pr_fmt(fmt) "memfd_luo: " fmt

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/memfd.h>
#include <linux/kho_array.h>
#include <linux/kho_vmalloc.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include "memfd_luo_format.h"

/* The incoming state a version restore fills; checks size and position. */
static struct memfd_luo_in *memfd_luo_in_get(u64 size, u64 pos)
{
	struct memfd_luo_in *in;

	if (size > MAX_LFS_FILESIZE || pos > MAX_LFS_FILESIZE)
		return ERR_PTR(-EINVAL);
	in = memfd_luo_in_alloc();
	if (!in)
		return ERR_PTR(-ENOMEM);
	/* Version 1 stores no seals: a new shmem file's F_SEAL_SEAL. */
	*in = (struct memfd_luo_in){ .size = size, .pos = pos,
				     .seals = F_SEAL_SEAL, .mode = -1 };
	INIT_LIST_HEAD(&in->folios);
	return in;
}

void memfd_luo_in_put(struct memfd_luo_in *in)
{
	struct folio *folio, *next;

	list_for_each_entry_safe(folio, next, &in->folios, lru) {
		list_del(&folio->lru);
		folio_put(folio);
	}
	memfd_luo_in_free(in);
}

/* Highest page index of a shmem file. */
#define MEMFD_LUO_MAX_INDEX	((pgoff_t)(MAX_LFS_FILESIZE >> PAGE_SHIFT))

/* Add a claimed folio of the previous kernel at @index; consumes it. */
static int memfd_luo_in_add(struct memfd_luo_in *in, struct folio *folio,
			    pgoff_t index, u64 flags)
{
	unsigned long nr = folio_nr_pages(folio);

	/*
	 * Folios may lie past the end of the file (fallocate() with
	 * FALLOC_FL_KEEP_SIZE, a large folio straddling it), not past what
	 * shmem can index.
	 */
	if (!IS_ALIGNED(index, nr) || index > MEMFD_LUO_MAX_INDEX + 1 - nr) {
		folio_put(folio);
		return -EINVAL;
	}
	folio->index = index;
	if (flags & MEMFD_LUO_FOLIO_UPTODATE)
		folio_mark_uptodate(folio);
	list_add_tail(&folio->lru, &in->folios);
	in->nr++;
	in->pages += nr;
	return 0;
}

/* Version 1: dense array of folio descriptors in a kho_vmalloc buffer. */

/* Claim the version 1 header and its array; NULL array for no folios. */
static struct memfd_luo_v1 *memfd_v1_open(u64 handle,
					  struct memfd_luo_folio_ser **arr)
{
	struct folio *folio = kho_restore_folio(handle);
	struct memfd_luo_v1 *ser;

	if (!folio)
		return NULL;
	ser = folio_address(folio);
	*arr = NULL;
	if (le64_to_cpu(ser->nr_folios)) {
		*arr = kho_restore_vmalloc(&ser->folios);
		if (!*arr ||
		    le64_to_cpu(ser->nr_folios) >
		    ((u64)le32_to_cpu(ser->folios.nr_pages) << PAGE_SHIFT) /
		    sizeof(**arr)) {
			vfree(*arr);
			folio_put(folio);
			return NULL;
		}
	}
	return ser;
}

/* Free every folio of the array not claimed yet, from @first on. */
static void memfd_v1_release(struct memfd_luo_folio_ser *arr, u64 first,
			     u64 nr)
{
	struct folio *folio;

	for (; first < nr; first++) {
		folio = kho_restore_folio(le64_to_cpu(arr[first].pfn_flags) >> 12
					  << PAGE_SHIFT);
		if (folio)
			folio_put(folio);
	}
}

struct memfd_luo_in *memfd_luo_v1_read(u64 handle)
{
	struct memfd_luo_folio_ser *arr;
	struct memfd_luo_v1 *ser = memfd_v1_open(handle, &arr);
	struct memfd_luo_in *in;
	u64 i = 0, nr, last = 0;
	int err = 0;

	if (!ser)
		return ERR_PTR(-EINVAL);
	nr = le64_to_cpu(ser->nr_folios);
	in = memfd_luo_in_get(le64_to_cpu(ser->size), le64_to_cpu(ser->pos));
	if (IS_ERR(in)) {
		err = PTR_ERR(in);
		goto release;
	}
	for (; i < nr && !err; i++) {
		u64 pf = le64_to_cpu(arr[i].pfn_flags);
		u64 index = le64_to_cpu(arr[i].index);
		struct folio *folio = NULL;

		if ((!i || index >= last) && index <= ULONG_MAX)
			folio = kho_restore_folio((pf >> 12) << PAGE_SHIFT);
		if (!folio) {
			err = -EINVAL;
			break;
		}
		last = index + folio_nr_pages(folio);
		err = memfd_luo_in_add(in, folio, index, pf & 0xfff);
	}
	if (err)
		memfd_luo_in_put(in);
release:
	if (err) {
		memfd_v1_release(arr, i, nr);
		pr_err("version 1: cannot restore the file (%d)\n", err);
	}
	vfree(arr);
	kho_restore_free(ser);
	return err ? ERR_PTR(err) : in;
}

void memfd_luo_v1_discard(u64 handle)
{
	struct memfd_luo_folio_ser *arr;
	struct memfd_luo_v1 *ser = memfd_v1_open(handle, &arr);

	if (!ser)
		return;
	memfd_v1_release(arr, 0, le64_to_cpu(ser->nr_folios));
	vfree(arr);
	kho_restore_free(ser);
}

/*
 * Version 2: run-encoded kho_array of every page, plus the seals. A kernel
 * built without it reads version 1 only (CONFIG_LIVEUPDATE_MEMFD_V2).
 */
#ifdef CONFIG_LIVEUPDATE_MEMFD_V2

/*
 * Does the restored header agree with its array? Every entry is a
 * distinct page of this machine, so there are at most max_pfn: what the
 * walks of restore and release may cost is bounded by memory, not by
 * what the previous kernel claims (one record can claim 2^62 entries).
 */
bool memfd_v2_valid(const struct memfd_luo_v2 *ser,
			   const struct kho_array *pages)
{
	return !(le32_to_cpu(ser->mode) & ~0777) &&
	       le64_to_cpu(ser->nr_pages) <= max_pfn &&
	       pages->nr_entries == le64_to_cpu(ser->nr_pages);
}

static struct memfd_luo_v2 *memfd_v2_open(u64 handle, struct kho_array *pages)
{
	struct folio *folio = kho_restore_folio(handle);
	struct memfd_luo_v2 *ser;

	if (!folio)
		return NULL;
	ser = folio_address(folio);
	kho_array_init(pages);
	if (kho_array_restore(pages, le64_to_cpu(ser->pages)) ||
	    !memfd_v2_valid(ser, pages)) {
		kho_array_destroy(pages);
		folio_put(folio);
		return NULL;
	}
	return ser;
}

/*
 * Free every folio of @pages not claimed yet: in each run, the pages at
 * indices aligned to the order the run's value gives. memfd_v2_open()
 * bounded the entries by the pages of this machine.
 */
static void memfd_v2_release(struct kho_array *pages)
{
	unsigned long first, nr, i, size;
	struct kho_array_iter it;
	struct folio *folio;
	u64 v, step;

	kho_array_for_each_run(pages, &it, first, nr, v, step) {
		if (MEMFD_LUO_V2_ORDER(v) > MAX_PAGE_ORDER)
			continue;
		size = 1UL << MEMFD_LUO_V2_ORDER(v);
		for (i = round_up(first, size) - first; i < nr; i += size) {
			folio = kho_restore_folio(MEMFD_LUO_V2_PHYS(v + i * step));
			if (folio)
				folio_put(folio);
		}
	}
}

/*
 * Claim the folios of one run into @in: @nr pages from index @first,
 * values @v + i * @step (any step: small folios the page allocator gave
 * out in descending order make runs of step -4096). The pages of a large
 * folio follow its head in steps of 4096, also when a run starts inside
 * the folio the previous one began (@head, @head_v, @next).
 */
static int memfd_v2_claim_run(struct memfd_luo_in *in, unsigned long first,
			      unsigned long nr, u64 v, u64 step,
			      unsigned long *head, u64 *head_v,
			      unsigned long *next)
{
	unsigned long i = 0, n, size;
	struct folio *folio;
	u64 pv;
	int err;

	while (i < nr) {
		pv = v + i * step;
		if (first + i < *next) {
			/* Pages of the current folio (the head just claimed). */
			n = min(nr - i, *next - (first + i));
			if (pv != *head_v + (first + i - *head) * PAGE_SIZE ||
			    (n > 1 && step != PAGE_SIZE))
				return -EINVAL;
			i += n;
			continue;
		}
		if (MEMFD_LUO_V2_ORDER(pv) > MAX_PAGE_ORDER)
			return -EINVAL;
		size = 1UL << MEMFD_LUO_V2_ORDER(pv);
		folio = IS_ALIGNED(first + i, size) ?
			kho_restore_folio(MEMFD_LUO_V2_PHYS(pv)) : NULL;
		if (!folio || folio_nr_pages(folio) != size) {
			if (folio)
				folio_put(folio);
			return -EINVAL;
		}
		*head = first + i;
		*head_v = pv;
		*next = first + i + size;
		err = memfd_luo_in_add(in, folio, first + i,
				       pv & MEMFD_LUO_V2_FLAGS);
		if (err)
			return err;
	}
	return 0;
}

struct memfd_luo_in *memfd_luo_v2_read(u64 handle)
{
	unsigned long first, nr, head = 0, next = 0;
	struct kho_array pages;
	struct memfd_luo_v2 *ser = memfd_v2_open(handle, &pages);
	struct memfd_luo_in *in;
	struct kho_array_iter it;
	u64 v, step, head_v = 0;
	int err = 0;

	if (!ser)
		return ERR_PTR(-EINVAL);
	in = memfd_luo_in_get(le64_to_cpu(ser->size), le64_to_cpu(ser->pos));
	if (IS_ERR(in)) {
		err = PTR_ERR(in);
		goto release;
	}
	kho_array_for_each_run(&pages, &it, first, nr, v, step) {
		err = memfd_v2_claim_run(in, first, nr, v, step, &head,
					 &head_v, &next);
		if (err)
			break;
	}
	if (!err && le32_to_cpu(ser->seals) & ~MEMFD_LUO_SEALS)
		err = -EINVAL;
	if (!err) {
		in->seals = le32_to_cpu(ser->seals);
		in->mode = le32_to_cpu(ser->mode);
		goto free_meta;
	}
	memfd_luo_in_put(in);
release:
	memfd_v2_release(&pages);
	pr_err("version 2: cannot restore the file (%d)\n", err);
	in = ERR_PTR(err);
free_meta:
	kho_array_destroy(&pages);
	kho_restore_free(ser);
	return in;
}

void memfd_luo_v2_discard(u64 handle)
{
	struct kho_array pages;
	struct memfd_luo_v2 *ser = memfd_v2_open(handle, &pages);

	if (!ser)
		return;
	memfd_v2_release(&pages);
	kho_array_destroy(&pages);
	kho_restore_free(ser);
}
#endif /* CONFIG_LIVEUPDATE_MEMFD_V2 */
