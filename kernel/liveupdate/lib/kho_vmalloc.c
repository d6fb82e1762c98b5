// SPDX-License-Identifier: GPL-2.0-only
/*
 * Preserve a vmalloc area across kexec. The old kernel groups the pages
 * backing the area into runs of physically contiguous pages (high-order
 * backing pages make long runs) and preserves them through
 * kho_vmalloc_runs.c; the next kernel restores the runs and maps their
 * pages, in the same order, at a new address.
 */
#define pr_fmt(fmt) "kho_vmalloc: " fmt

#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "kho_page.h"
#include "kho_vmalloc_runs.h"

/**
 * kho_preserve_vmalloc() - preserve a vmalloc area for the next kernel
 * @ptr: start of an area from vmalloc() (any variant, including huge
 *       mappings) or from kho_restore_vmalloc()
 * @preservation: set to the handle the next kernel needs
 *
 * The contents stay where they are; keep the area allocated until the
 * kexec, or undo with kho_unpreserve_vmalloc().
 *
 * Return: 0; -EINVAL if @ptr is not the start of such an area, or the
 * errors of KHO. On error nothing stays preserved.
 */
int kho_preserve_vmalloc(void *ptr, struct kho_vmalloc *preservation)
{
	struct kho_vmalloc_writer w;
	struct vm_struct *vm;
	unsigned int i;
	int err;

	vm = find_vm_area(ptr);
	if (!vm || vm->addr != ptr || !vm->pages || !vm->nr_pages ||
	    !(vm->flags & (VM_ALLOC | VM_MAP_PUT_PAGES)) ||
	    (vm->flags & VM_UNINITIALIZED))
		return -EINVAL;

	kho_vmalloc_writer_init(&w, &kho_page_ops);
	for (i = 0; i < vm->nr_pages; i++) {
		err = kho_vmalloc_writer_add(&w, page_to_phys(vm->pages[i]), 1);
		if (err)
			return err;
	}
	return kho_vmalloc_writer_finish(&w, preservation);
}
EXPORT_SYMBOL_GPL(kho_preserve_vmalloc);

/**
 * kho_unpreserve_vmalloc() - undo kho_preserve_vmalloc()
 * @preservation: the handle it set; zeroed afterwards
 *
 * Call before the kexec, in the kernel that preserved the area. An
 * all-zero handle is ignored.
 */
void kho_unpreserve_vmalloc(struct kho_vmalloc *preservation)
{
	kho_vmalloc_runs_unpreserve(&kho_page_ops, preservation);
}
EXPORT_SYMBOL_GPL(kho_unpreserve_vmalloc);

struct kho_vmalloc_pages {
	struct page **pages;
	unsigned long nr;
	unsigned long max;
};

static int kho_vmalloc_collect(void *arg, phys_addr_t phys,
			       unsigned long nr_pages)
{
	struct kho_vmalloc_pages *vp = arg;
	struct page *page = pfn_to_page(PHYS_PFN(phys));
	unsigned long i;

	/* The reader checked that the runs add up to vp->max: no overflow. */
	if (nr_pages > vp->max - vp->nr) {
		kho_page_ops.free_range(phys, nr_pages);
		return -EINVAL;
	}
	for (i = 0; i < nr_pages; i++)
		vp->pages[vp->nr++] = page + i;
	return 0;
}

/**
 * kho_restore_vmalloc() - map a vmalloc area preserved by the previous kernel
 * @preservation: the handle kho_preserve_vmalloc() set
 *
 * Everything the handle leads to is checked first. The area is mapped at
 * a new address with the same contents; free it with vfree().
 *
 * Return: the area, or NULL if the handle or what it points to is not
 * valid (or was already restored), or memory is short. Then everything
 * claimed is freed: with a valid chain, every run that is exactly a
 * preserved range (the area is dropped); with a bad one, the chunk pages
 * that passed their checks (the runs are not touched).
 */
void *kho_restore_vmalloc(const struct kho_vmalloc *preservation)
{
	struct kho_vmalloc_pages vp = {};
	struct kho_vmalloc_reader r;
	unsigned long i;
	void *ptr;
	int err;

	err = kho_vmalloc_reader_init(&r, &kho_page_ops, preservation);
	if (err)
		goto fail;
	/*
	 * More pages than the machine has: no array for that. (Preserved
	 * pages are not in totalram_pages() until they are restored.)
	 */
	if (r.nr_pages > get_num_physpages()) {
		err = -E2BIG;
	} else {
		vp.max = r.nr_pages;
		vp.pages = kvmalloc_array(vp.max, sizeof(*vp.pages),
					  GFP_KERNEL | __GFP_NOWARN);
		err = vp.pages ? 0 : -ENOMEM;
	}
	/* Not restored: drop the area rather than leave it reserved. */
	if (err)
		kho_vmalloc_reader_restore(&r, NULL, NULL);
	else
		err = kho_vmalloc_reader_restore(&r, kho_vmalloc_collect, &vp);
	kho_vmalloc_reader_release(&r);
	if (err)
		goto free_pages;

	/* vfree() of the area frees the pages and the array. */
	ptr = vmap(vp.pages, vp.nr, VM_MAP | VM_MAP_PUT_PAGES, PAGE_KERNEL);
	if (!ptr) {
		err = -ENOMEM;
		goto free_pages;
	}
	return ptr;

free_pages:
	for (i = 0; i < vp.nr; i++)
		__free_page(vp.pages[i]);
	kvfree(vp.pages);
fail:
	pr_err("cannot restore area of %u pages at %#llx: %d\n",
	       le32_to_cpu(preservation->nr_pages),
	       (unsigned long long)le64_to_cpu(preservation->first), err);
	return NULL;
}
EXPORT_SYMBOL_GPL(kho_restore_vmalloc);
