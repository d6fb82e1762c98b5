// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs of physically contiguous pages, preserved with KHO and recorded in
 * a chain of preserved chunk pages (kho-vmalloc-v1); see
 * kho_vmalloc_runs.h. The reader takes the chain from the previous kernel
 * as untrusted input: every chunk is checked where it lies before it is
 * claimed (a bad pointer must not cost another owner its page), every
 * chunk and run before any run is restored, and a chunk can be claimed
 * only once, so a chain cannot loop.
 */
#define pr_fmt(fmt) "kho_vmalloc: " fmt

#include <linux/errno.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/mm.h>
#include <linux/string.h>
#include "kho_page.h"
#include "kho_vmalloc_runs.h"

#define KHO_VMALLOC_PAGE_OFFSET(phys)	((phys) & (PAGE_SIZE - 1))

/* Next chunk page in a chain this kernel owns (written or restored). */
static struct kho_vmalloc_chunk *
kho_vmalloc_next(const struct kho_page_ops *ops,
		 const struct kho_vmalloc_chunk *chunk)
{
	phys_addr_t next = le64_to_cpu(chunk->next);

	return next ? ops->range_virt(next) : NULL;
}

/* Unpreserve the runs of @nr_chunks chunks from @chunk, free the chunks. */
static void kho_vmalloc_undo(const struct kho_page_ops *ops,
			     struct kho_vmalloc_chunk *chunk,
			     unsigned int nr_chunks)
{
	unsigned int c;
	u32 i;

	for (c = 0; c < nr_chunks && chunk; c++) {
		struct kho_vmalloc_chunk *next = kho_vmalloc_next(ops, chunk);
		u32 count = le32_to_cpu(chunk->count);

		for (i = 0; i < count; i++)
			ops->unpreserve_range(le64_to_cpu(chunk->runs[i].phys),
					      le32_to_cpu(chunk->runs[i].nr_pages));
		ops->unpreserve(chunk);
		ops->free(chunk);
		chunk = next;
	}
}

/**
 * kho_vmalloc_writer_init() - start a preservation
 * @w: the writer
 * @ops: KHO to preserve with
 */
void kho_vmalloc_writer_init(struct kho_vmalloc_writer *w,
			     const struct kho_page_ops *ops)
{
	memset(w, 0, sizeof(*w));
	w->ops = ops;
}

/* Room for one more run: the current chunk, or a new preserved one. */
static int kho_vmalloc_writer_room(struct kho_vmalloc_writer *w)
{
	const struct kho_page_ops *ops = w->ops;
	struct kho_vmalloc_chunk *chunk;
	int err;

	if (w->cur && le32_to_cpu(w->cur->count) < KHO_VMALLOC_CHUNK_RUNS)
		return 0;
	chunk = ops->alloc();
	if (!chunk)
		return -ENOMEM;
	err = ops->preserve(chunk);
	if (err) {
		ops->free(chunk);
		return err;
	}
	chunk->magic = cpu_to_le32(KHO_VMALLOC_MAGIC);
	if (w->cur)
		w->cur->next = cpu_to_le64(ops->to_phys(chunk));
	else
		w->first = chunk;
	w->cur = chunk;
	w->nr_chunks++;
	return 0;
}

/* Preserve the pending run and record it. */
static int kho_vmalloc_writer_flush(struct kho_vmalloc_writer *w)
{
	struct kho_vmalloc_run *run;
	u32 count;
	int err;

	if (!w->run_pages)
		return 0;
	err = kho_vmalloc_writer_room(w);
	if (err)
		return err;
	err = w->ops->preserve_range(w->run_phys, w->run_pages);
	if (err)
		return err;
	count = le32_to_cpu(w->cur->count);
	run = &w->cur->runs[count];
	run->phys = cpu_to_le64(w->run_phys);
	run->nr_pages = cpu_to_le32(w->run_pages);
	w->cur->count = cpu_to_le32(count + 1);
	w->nr_pages += w->run_pages;
	w->run_pages = 0;
	return 0;
}

/**
 * kho_vmalloc_writer_add() - append pages to the area being preserved
 * @w: the writer
 * @phys: physical address of the first page, page aligned
 * @nr_pages: number of physically contiguous pages, at least 1
 *
 * Pages are recorded in the order they are added. Pages that continue the
 * previous ones physically join their run; a run is preserved when the
 * next one starts (or at kho_vmalloc_writer_finish()), as one range.
 *
 * Return: 0; -EINVAL for bad arguments, -E2BIG beyond U32_MAX pages in
 * all, or the error of an allocation or preservation. On error everything
 * the writer did is undone, as by kho_vmalloc_writer_abort().
 */
int kho_vmalloc_writer_add(struct kho_vmalloc_writer *w, phys_addr_t phys,
			   unsigned long nr_pages)
{
	int err;

	if (!nr_pages || KHO_VMALLOC_PAGE_OFFSET(phys)) {
		err = -EINVAL;
		goto abort;
	}
	if (nr_pages > UINT_MAX - w->nr_pages - w->run_pages) {
		err = -E2BIG;
		goto abort;
	}
	if (w->run_pages &&
	    phys == w->run_phys + ((phys_addr_t)w->run_pages << PAGE_SHIFT)) {
		w->run_pages += nr_pages;
		return 0;
	}
	err = kho_vmalloc_writer_flush(w);
	if (err)
		goto abort;
	w->run_phys = phys;
	w->run_pages = nr_pages;
	return 0;

abort:
	kho_vmalloc_writer_abort(w);
	return err;
}

/**
 * kho_vmalloc_writer_finish() - complete a preservation
 * @w: the writer
 * @desc: set to the handle for the next kernel
 *
 * The preservation then belongs to @desc (undo it with
 * kho_vmalloc_runs_unpreserve()) and the writer is empty.
 *
 * Return: 0; -EINVAL if no page was added, or the error of an allocation
 * or preservation. On error everything the writer did is undone.
 */
int kho_vmalloc_writer_finish(struct kho_vmalloc_writer *w,
			      struct kho_vmalloc *desc)
{
	int err;

	err = kho_vmalloc_writer_flush(w);
	if (err)
		goto abort;
	if (!w->nr_pages) {
		err = -EINVAL;
		goto abort;
	}
	desc->first = cpu_to_le64(w->ops->to_phys(w->first));
	desc->nr_pages = cpu_to_le32(w->nr_pages);
	desc->nr_chunks = cpu_to_le32(w->nr_chunks);
	kho_vmalloc_writer_init(w, w->ops);
	return 0;

abort:
	kho_vmalloc_writer_abort(w);
	return err;
}

/**
 * kho_vmalloc_writer_abort() - undo everything a writer did
 * @w: the writer; empty afterwards, ready for reuse
 */
void kho_vmalloc_writer_abort(struct kho_vmalloc_writer *w)
{
	kho_vmalloc_undo(w->ops, w->first, w->nr_chunks);
	kho_vmalloc_writer_init(w, w->ops);
}

/**
 * kho_vmalloc_runs_unpreserve() - undo a completed preservation
 * @ops: KHO the preservation was made with
 * @desc: its handle; zeroed afterwards, and an all-zero handle is ignored
 *
 * Unpreserves every run and frees the chunk pages, in the kernel that
 * made the preservation.
 */
void kho_vmalloc_runs_unpreserve(const struct kho_page_ops *ops,
				 struct kho_vmalloc *desc)
{
	u32 nr_chunks = le32_to_cpu(desc->nr_chunks);
	phys_addr_t first = le64_to_cpu(desc->first);

	if (nr_chunks && first)
		kho_vmalloc_undo(ops, ops->range_virt(first), nr_chunks);
	memset(desc, 0, sizeof(*desc));
}

/* Check one chunk; @pages_left: pages the runs may still add up to. */
static bool kho_vmalloc_chunk_valid(const struct kho_vmalloc_chunk *chunk,
				    bool last, unsigned long *pages_left)
{
	u32 i, count = le32_to_cpu(chunk->count);
	u64 next = le64_to_cpu(chunk->next);

	if (le32_to_cpu(chunk->magic) != KHO_VMALLOC_MAGIC || !count ||
	    count > KHO_VMALLOC_CHUNK_RUNS || last != !next ||
	    KHO_VMALLOC_PAGE_OFFSET(next))
		return false;
	for (i = 0; i < count; i++) {
		const struct kho_vmalloc_run *run = &chunk->runs[i];
		u64 phys = le64_to_cpu(run->phys);
		u32 nr = le32_to_cpu(run->nr_pages);

		if (!nr || run->reserved || nr > *pages_left ||
		    KHO_VMALLOC_PAGE_OFFSET(phys) ||
		    (phys >> PAGE_SHIFT) + nr > (~0ULL >> PAGE_SHIFT))
			return false;
		*pages_left -= nr;
	}
	return true;
}

/**
 * kho_vmalloc_reader_init() - claim and check the chunks of a preservation
 * @r: the reader
 * @ops: KHO of this kernel
 * @desc: the handle from the previous kernel
 *
 * Checks each of the @desc->nr_chunks chunk pages in place, then claims
 * it, and checks the whole chain (magic, counts, chain length, runs adding
 * up to @desc->nr_pages) before any run is restored. @r->nr_pages is then
 * the size of the area. Release the reader with
 * kho_vmalloc_reader_release() once it has succeeded.
 *
 * Return: 0, or -EINVAL if anything is wrong; then the chunk pages
 * claimed so far (each a valid chunk) are freed, and nothing else was
 * touched: the page that failed a check and the runs stay handed over.
 */
int kho_vmalloc_reader_init(struct kho_vmalloc_reader *r,
			    const struct kho_page_ops *ops,
			    const struct kho_vmalloc *desc)
{
	u32 nr_chunks = le32_to_cpu(desc->nr_chunks);
	u32 nr_pages = le32_to_cpu(desc->nr_pages);
	phys_addr_t phys = le64_to_cpu(desc->first);
	unsigned long pages_left = nr_pages;
	unsigned int c;

	memset(r, 0, sizeof(*r));
	r->ops = ops;
	/* Each chunk holds at least one run of at least one page. */
	if (!nr_chunks || !nr_pages || nr_chunks > nr_pages)
		return -EINVAL;
	for (c = 0; c < nr_chunks; c++) {
		struct kho_vmalloc_chunk *chunk;

		chunk = phys && !KHO_VMALLOC_PAGE_OFFSET(phys) ?
			ops->peek(phys) : NULL;
		if (!chunk ||
		    !kho_vmalloc_chunk_valid(chunk, c == nr_chunks - 1,
					     &pages_left) ||
		    ops->restore(phys) != chunk)
			goto invalid;
		if (!r->first)
			r->first = chunk;
		r->nr_chunks++;
		phys = le64_to_cpu(chunk->next);
	}
	if (pages_left)
		goto invalid;
	r->nr_pages = nr_pages;
	return 0;

invalid:
	kho_vmalloc_reader_release(r);
	return -EINVAL;
}

/**
 * kho_vmalloc_reader_restore() - restore each run, in order
 * @r: a reader set up by kho_vmalloc_reader_init()
 * @fn: called with each run once it is restored; owns the run from then
 *      on, whatever it returns. NULL drops the area: every run is freed
 * @arg: passed to @fn
 *
 * After the first error (a run that is not exactly a preserved range, or
 * @fn failing) @fn is not called again, but the walk goes on: every later
 * run that is a preserved range is claimed and freed, so that a failed
 * restore leaves reserved only what it could not claim. Call at most once
 * per reader.
 *
 * Return: 0, -EINVAL if a run is not exactly a preserved range (nothing
 * of it is touched), or the error of @fn; the first error.
 */
int kho_vmalloc_reader_restore(struct kho_vmalloc_reader *r,
			       kho_vmalloc_run_fn fn, void *arg)
{
	struct kho_vmalloc_chunk *chunk = r->first;
	unsigned int c;
	int err = 0;
	u32 i;

	for (c = 0; c < r->nr_chunks && chunk; c++) {
		u32 count = le32_to_cpu(chunk->count);

		for (i = 0; i < count; i++) {
			phys_addr_t phys = le64_to_cpu(chunk->runs[i].phys);
			u32 nr = le32_to_cpu(chunk->runs[i].nr_pages);

			if (!r->ops->restore_range(phys, nr))
				err = err ?: -EINVAL;
			else if (err || !fn)
				r->ops->free_range(phys, nr);
			else
				err = fn(arg, phys, nr);
		}
		chunk = kho_vmalloc_next(r->ops, chunk);
	}
	return err;
}

/**
 * kho_vmalloc_reader_release() - free the chunk pages of a reader
 * @r: the reader; empty afterwards
 */
void kho_vmalloc_reader_release(struct kho_vmalloc_reader *r)
{
	struct kho_vmalloc_chunk *chunk = r->first;
	unsigned int c;

	for (c = 0; c < r->nr_chunks && chunk; c++) {
		/* The last chunk restored may be garbage: don't follow it. */
		struct kho_vmalloc_chunk *next = c + 1 < r->nr_chunks ?
			kho_vmalloc_next(r->ops, chunk) : NULL;

		r->ops->free(chunk);
		chunk = next;
	}
	r->first = NULL;
	r->nr_chunks = 0;
	r->nr_pages = 0;
}
