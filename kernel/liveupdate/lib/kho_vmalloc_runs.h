/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The part of kho_vmalloc that knows nothing of vmalloc: a list of runs of
 * physically contiguous pages, preserved and written to a chain of chunk
 * pages (kho-vmalloc-v1, include/linux/kho/abi/kexec_handover.h), and read
 * back and restored in the next kernel. Memory is reached only through
 * struct kho_page_ops, so the same code runs against a fake KHO in tests
 * and fuzzers. kho_vmalloc.c maps vmalloc areas onto it.
 */
#ifndef _KERNEL_LIVEUPDATE_LIB_KHO_VMALLOC_RUNS_H
#define _KERNEL_LIVEUPDATE_LIB_KHO_VMALLOC_RUNS_H

#include <linux/types.h>
#include <linux/kho/abi/kexec_handover.h>

struct kho_page_ops;

/**
 * struct kho_vmalloc_writer - state of a preservation being built
 * @ops: KHO, real or fake
 * @first: first chunk page, NULL while none
 * @cur: chunk page being filled
 * @nr_chunks: chunk pages allocated and preserved
 * @nr_pages: pages in the runs written so far
 * @run_phys: start of the pending run, not preserved yet
 * @run_pages: pages of the pending run, 0 if none
 */
struct kho_vmalloc_writer {
	const struct kho_page_ops *ops;
	struct kho_vmalloc_chunk *first;
	struct kho_vmalloc_chunk *cur;
	unsigned int nr_chunks;
	unsigned long nr_pages;
	phys_addr_t run_phys;
	unsigned long run_pages;
};

void kho_vmalloc_writer_init(struct kho_vmalloc_writer *w,
			     const struct kho_page_ops *ops);
int kho_vmalloc_writer_add(struct kho_vmalloc_writer *w, phys_addr_t phys,
			   unsigned long nr_pages);
int kho_vmalloc_writer_finish(struct kho_vmalloc_writer *w,
			      struct kho_vmalloc *desc);
void kho_vmalloc_writer_abort(struct kho_vmalloc_writer *w);

void kho_vmalloc_runs_unpreserve(const struct kho_page_ops *ops,
				 struct kho_vmalloc *desc);

/**
 * struct kho_vmalloc_reader - a preservation being restored
 * @ops: KHO, real or fake
 * @first: first chunk page (restored)
 * @nr_chunks: chunk pages restored
 * @nr_pages: pages of the area, once the chunks are validated
 */
struct kho_vmalloc_reader {
	const struct kho_page_ops *ops;
	struct kho_vmalloc_chunk *first;
	unsigned int nr_chunks;
	unsigned long nr_pages;
};

/* Called with each restored run; owns the run from then on. */
typedef int (*kho_vmalloc_run_fn)(void *arg, phys_addr_t phys,
				  unsigned long nr_pages);

int kho_vmalloc_reader_init(struct kho_vmalloc_reader *r,
			    const struct kho_page_ops *ops,
			    const struct kho_vmalloc *desc);
int kho_vmalloc_reader_restore(struct kho_vmalloc_reader *r,
			       kho_vmalloc_run_fn fn, void *arg);
void kho_vmalloc_reader_release(struct kho_vmalloc_reader *r);

#endif /* _KERNEL_LIVEUPDATE_LIB_KHO_VMALLOC_RUNS_H */
