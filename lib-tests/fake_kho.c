// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fake KHO for the library tests; see fake_kho.h. Pages are found by
 * physical address in an open-addressing hash table.
 */
#include <linux/errno.h>
#include <linux/slab.h>
#include "fake_kho.h"
#include "kho_test.h"

/* FAKE_FREE: a page of a block given back by free_range. */
enum fake_state { FAKE_FREE, FAKE_ALLOCATED, FAKE_PRESERVED, FAKE_HANDED };

struct fake_page {
	phys_addr_t phys;	/* 0: empty slot */
	void *virt;
	void *block;		/* start of its block, or NULL: own page */
	unsigned long block_pages;	/* size of the block, on its first page */
	enum fake_state state;
};

static struct fake_page *fake_table;
static unsigned long fake_size, fake_used;
static long fake_in_use, fake_errors;
static long fake_fail_left = -1;

static unsigned long fake_hash(phys_addr_t phys)
{
	return (unsigned long)((phys >> PAGE_SHIFT) * 0x9e3779b97f4a7c15ULL);
}

static struct fake_page *fake_find(phys_addr_t phys)
{
	unsigned long i;

	if (!fake_size || !phys)
		return NULL;
	for (i = fake_hash(phys) & (fake_size - 1);; i = (i + 1) & (fake_size - 1)) {
		if (fake_table[i].phys == phys)
			return &fake_table[i];
		if (!fake_table[i].phys)
			return NULL;
	}
}

static int fake_grow(void)
{
	struct fake_page *old = fake_table;
	unsigned long i, old_size = fake_size;

	fake_size = fake_size ? fake_size * 2 : 1024;
	fake_table = kvcalloc(fake_size, sizeof(*fake_table), GFP_KERNEL);
	if (!fake_table) {
		fake_table = old;
		fake_size = old_size;
		return -ENOMEM;
	}
	fake_used = 0;
	for (i = 0; i < old_size; i++) {
		if (old[i].phys) {
			unsigned long j = fake_hash(old[i].phys) & (fake_size - 1);

			while (fake_table[j].phys)
				j = (j + 1) & (fake_size - 1);
			fake_table[j] = old[i];
			fake_used++;
		}
	}
	kvfree(old);
	return 0;
}

static struct fake_page *fake_insert(void *virt, void *block)
{
	phys_addr_t phys = kt_virt_to_phys(virt);
	unsigned long i;

	if ((fake_used + 1) * 2 > fake_size && fake_grow())
		return NULL;
	i = fake_hash(phys) & (fake_size - 1);
	while (fake_table[i].phys)
		i = (i + 1) & (fake_size - 1);
	fake_table[i] = (struct fake_page){
		.phys = phys, .virt = virt, .block = block,
		.state = FAKE_ALLOCATED,
	};
	fake_used++;
	fake_in_use++;
	return &fake_table[i];
}

/* Deleting from linear probing: re-place the entries that follow. */
static void fake_remove(struct fake_page *p)
{
	unsigned long i = p - fake_table, j = i;

	p->phys = 0;
	fake_used--;
	fake_in_use--;
	for (;;) {
		unsigned long k;

		j = (j + 1) & (fake_size - 1);
		if (!fake_table[j].phys)
			return;
		k = fake_hash(fake_table[j].phys) & (fake_size - 1);
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			fake_table[i] = fake_table[j];
			fake_table[j].phys = 0;
			i = j;
		}
	}
}

static bool fake_may_fail(void)
{
	if (fake_fail_left == 0)
		return true;
	if (fake_fail_left > 0)
		fake_fail_left--;
	return false;
}

void fake_kho_fail_after(long n)
{
	fake_fail_left = n;
}

static void *fake_alloc(void)
{
	void *page;

	if (fake_may_fail())
		return NULL;
	page = kt_raw_alloc_page();
	if (page && !fake_insert(page, NULL)) {
		kt_raw_free_page(page);
		page = NULL;
	}
	return page;
}

static void fake_release(struct fake_page *p)
{
	void *virt = p->virt, *block = p->block;

	memset(virt, 0x6b, PAGE_SIZE);
	fake_remove(p);
	if (!block)
		kt_raw_free_page(virt);
}

static void fake_free(void *page)
{
	struct fake_page *p = fake_find(kt_virt_to_phys(page));

	if (!p || p->state != FAKE_ALLOCATED || p->block) {
		fake_errors++;
		return;
	}
	fake_release(p);
}

static int fake_preserve(void *page)
{
	struct fake_page *p = fake_find(kt_virt_to_phys(page));

	if (!p || p->state != FAKE_ALLOCATED) {
		fake_errors++;
		return -EINVAL;
	}
	if (fake_may_fail())
		return -ENOMEM;
	p->state = FAKE_PRESERVED;
	return 0;
}

static void fake_unpreserve(void *page)
{
	struct fake_page *p = fake_find(kt_virt_to_phys(page));

	if (!p || p->state != FAKE_PRESERVED) {
		fake_errors++;
		return;
	}
	p->state = FAKE_ALLOCATED;
}

static phys_addr_t fake_to_phys(void *page)
{
	return kt_virt_to_phys(page);
}

static void *fake_restore(phys_addr_t phys)
{
	struct fake_page *p = fake_find(phys);

	if (!p || p->state != FAKE_HANDED || p->block)
		return NULL;
	p->state = FAKE_ALLOCATED;
	return p->virt;
}

static void *fake_peek(phys_addr_t phys)
{
	struct fake_page *p = fake_find(phys);

	return p && p->state == FAKE_HANDED && !p->block ? p->virt : NULL;
}

static int fake_preserve_range(phys_addr_t phys, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		struct fake_page *p = fake_find(phys + i * PAGE_SIZE);

		if (!p || p->state != FAKE_ALLOCATED) {
			fake_errors++;
			return -EINVAL;
		}
	}
	if (fake_may_fail())
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		fake_find(phys + i * PAGE_SIZE)->state = FAKE_PRESERVED;
	return 0;
}

static void fake_unpreserve_range(phys_addr_t phys, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		struct fake_page *p = fake_find(phys + i * PAGE_SIZE);

		if (!p || p->state != FAKE_PRESERVED)
			fake_errors++;
		else
			p->state = FAKE_ALLOCATED;
	}
}

static bool fake_restore_range(phys_addr_t phys, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		struct fake_page *p = fake_find(phys + i * PAGE_SIZE);

		if (!p || p->state != FAKE_HANDED)
			return false;
	}
	for (i = 0; i < nr; i++)
		fake_find(phys + i * PAGE_SIZE)->state = FAKE_ALLOCATED;
	return true;
}

static void fake_free_range(phys_addr_t phys, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		struct fake_page *p = fake_find(phys + i * PAGE_SIZE);

		if (!p || p->state != FAKE_ALLOCATED) {
			fake_errors++;
		} else if (p->block) {
			/* Its block goes with fake_kho_free_block(). */
			memset(p->virt, 0x6b, PAGE_SIZE);
			p->state = FAKE_FREE;
			fake_in_use--;
		} else {
			fake_release(p);
		}
	}
}

static void *fake_range_virt(phys_addr_t phys)
{
	struct fake_page *p = fake_find(phys);

	return p ? p->virt : NULL;
}

const struct kho_page_ops fake_kho_ops = {
	.alloc = fake_alloc,
	.free = fake_free,
	.preserve = fake_preserve,
	.unpreserve = fake_unpreserve,
	.to_phys = fake_to_phys,
	.restore = fake_restore,
	.peek = fake_peek,
	.preserve_range = fake_preserve_range,
	.unpreserve_range = fake_unpreserve_range,
	.restore_range = fake_restore_range,
	.free_range = fake_free_range,
	.range_virt = fake_range_virt,
};

#ifndef __KERNEL__
/* In userspace the library's default page source is the fake. */
extern const struct kho_page_ops kho_page_ops __alias(fake_kho_ops);
#endif

/*
 * A block is one allocation of @nr_pages; each page is tracked, the
 * memory is released when its first page is freed by fake_kho_free_block().
 */
void *fake_kho_alloc_block(unsigned long nr_pages)
{
	unsigned long i;
	u8 *virt;

	if (fake_may_fail())
		return NULL;
	virt = kt_raw_alloc_block(nr_pages);
	if (!virt)
		return NULL;
	for (i = 0; i < nr_pages; i++) {
		if (!fake_insert(virt + i * PAGE_SIZE, virt))
			goto remove_inserted;
	}
	fake_find(kt_virt_to_phys(virt))->block_pages = nr_pages;
	return virt;

remove_inserted:
	for (; i > 0; i--)
		fake_remove(fake_find(kt_virt_to_phys(virt + (i - 1) * PAGE_SIZE)));
	kt_raw_free_block(virt, nr_pages);
	return NULL;
}

/*
 * Free a block whose pages are all allocated (restored or never
 * preserved) or given back by free_range.
 */
void fake_kho_free_block(void *virt, unsigned long nr_pages)
{
	unsigned long i;

	for (i = 0; i < nr_pages; i++) {
		struct fake_page *p = fake_find(kt_virt_to_phys((u8 *)virt + i * PAGE_SIZE));

		if (!p || (p->state != FAKE_ALLOCATED && p->state != FAKE_FREE)) {
			fake_errors++;
			return;
		}
	}
	for (i = 0; i < nr_pages; i++) {
		struct fake_page *p = fake_find(kt_virt_to_phys((u8 *)virt + i * PAGE_SIZE));

		if (p->state == FAKE_FREE)
			fake_in_use++;	/* fake_remove() counts it out again */
		fake_remove(p);
	}
	kt_raw_free_block(virt, nr_pages);
}

void fake_kho_kexec(void)
{
	unsigned long i = 0;

	while (i < fake_size) {
		struct fake_page *p = &fake_table[i];

		if (p->phys && p->state == FAKE_ALLOCATED && !p->block) {
			/* Removal may move another entry into this slot. */
			fake_release(p);
			continue;
		}
		if (p->phys && p->state == FAKE_PRESERVED)
			p->state = FAKE_HANDED;
		else if (p->phys && p->state != FAKE_HANDED)
			memset(p->virt, 0x6b, PAGE_SIZE);	/* block: poison */
		i++;
	}
}

long fake_kho_pages(void)
{
	return fake_in_use;
}

long fake_kho_handed(void)
{
	unsigned long i;
	long n = 0;

	for (i = 0; i < fake_size; i++)
		n += fake_table[i].phys && fake_table[i].state == FAKE_HANDED;
	return n;
}

long fake_kho_misuse(void)
{
	return fake_errors;
}

long fake_kho_reset(void)
{
	long leaked = fake_in_use;
	unsigned long i;

	for (i = 0; i < fake_size; i++) {
		struct fake_page *p = &fake_table[i];

		/* A block goes with its first page. */
		if (p->phys && !p->block)
			kt_raw_free_page(p->virt);
		else if (p->phys && p->block == p->virt)
			kt_raw_free_block(p->virt, p->block_pages);
	}
	kvfree(fake_table);
	fake_table = NULL;
	fake_size = fake_used = 0;
	fake_in_use = fake_errors = 0;
	fake_fail_left = -1;
	return leaked;
}
