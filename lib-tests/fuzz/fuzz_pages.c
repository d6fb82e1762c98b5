// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pages of a fuzz input behind struct kho_page_ops; see fuzz_pages.h.
 */
#include <linux/kernel.h>
#include "fuzz_pages.h"

enum fuzz_state {
	FUZZ_HANDED,		/* not restored yet */
	FUZZ_SPARE,		/* a spare page, free */
	FUZZ_RESTORED,		/* by restore: to be freed with free */
	FUZZ_RANGE,		/* by restore_range: to be released by its owner */
	FUZZ_FREED,
};

#define FUZZ_MAX_PAGES	256

static u8 *fuzz_mem;
static unsigned long fuzz_nr;
/* Input pages, then spare pages from FUZZ_MAX_PAGES on. */
static u8 fuzz_state[FUZZ_MAX_PAGES + FUZZ_MAX_SPARE];
/* Each its own allocation while allocated: ASan sees any access past one. */
static u8 *fuzz_spare[FUZZ_MAX_SPARE];
static unsigned long fuzz_nr_spare;

void fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz_pages: %s\n", what);
	abort();
}

void fuzz_pages_init(const u8 *data, size_t size)
{
	fuzz_pages_init_spare(data, size, 0);
}

void fuzz_pages_init_spare(const u8 *data, size_t size, unsigned long spare)
{
	unsigned long k;

	fuzz_nr = min(size / PAGE_SIZE, FUZZ_MAX_PAGES);
	fuzz_mem = NULL;
	if (fuzz_nr) {
		/* Exactly the input: reading past it is an ASan error. */
		fuzz_mem = aligned_alloc(PAGE_SIZE, fuzz_nr * PAGE_SIZE);
		if (!fuzz_mem)
			fuzz_fail("out of memory");
		memcpy(fuzz_mem, data, fuzz_nr * PAGE_SIZE);
	}
	memset(fuzz_state, FUZZ_HANDED, sizeof(fuzz_state));
	fuzz_nr_spare = min(spare, FUZZ_MAX_SPARE);
	for (k = 0; k < fuzz_nr_spare; k++) {
		fuzz_spare[k] = NULL;
		fuzz_state[FUZZ_MAX_PAGES + k] = FUZZ_SPARE;
	}
}

void fuzz_pages_done(void)
{
	unsigned long k;

	for (k = 0; k < fuzz_nr; k++) {
		if (fuzz_state[k] == FUZZ_RESTORED)
			fuzz_fail("leak: a restored page was not freed");
		if (fuzz_state[k] == FUZZ_RANGE)
			fuzz_fail("leak: a restored range was not released");
	}
	for (k = 0; k < fuzz_nr_spare; k++)
		if (fuzz_state[FUZZ_MAX_PAGES + k] != FUZZ_SPARE)
			fuzz_fail("leak: an allocated page was not freed");
	free(fuzz_mem);
	fuzz_mem = NULL;
	fuzz_nr = 0;
	fuzz_nr_spare = 0;
}

unsigned long fuzz_pages_nr(void)
{
	return fuzz_nr;
}

/* Index of the input page at @phys, or fuzz_nr if there is none. */
static unsigned long fuzz_index(phys_addr_t phys)
{
	if (phys % PAGE_SIZE || phys < PAGE_SIZE || phys / PAGE_SIZE > fuzz_nr)
		return fuzz_nr;
	return phys / PAGE_SIZE - 1;
}

/* Index in fuzz_state of the page at @virt, input or spare; or -1. */
static long fuzz_virt_index(const void *virt)
{
	const u8 *p = virt;
	unsigned long k;

	if (fuzz_mem && p >= fuzz_mem && p < fuzz_mem + fuzz_nr * PAGE_SIZE)
		return (p - fuzz_mem) % PAGE_SIZE ? -1 : (p - fuzz_mem) / PAGE_SIZE;
	for (k = 0; k < fuzz_nr_spare; k++)
		if (p && p == fuzz_spare[k])
			return FUZZ_MAX_PAGES + k;
	return -1;
}

void *fuzz_pages_virt(phys_addr_t phys)
{
	unsigned long k = fuzz_index(phys);

	if (k < fuzz_nr)
		return fuzz_mem + k * PAGE_SIZE;
	/* Spare page k at (FUZZ_MAX_PAGES + k + 1) * PAGE_SIZE. */
	k = phys / PAGE_SIZE - 1 - FUZZ_MAX_PAGES;
	if (phys % PAGE_SIZE || phys / PAGE_SIZE < FUZZ_MAX_PAGES + 1 ||
	    k >= fuzz_nr_spare || fuzz_state[FUZZ_MAX_PAGES + k] == FUZZ_SPARE)
		return NULL;
	return fuzz_spare[k];
}

void fuzz_pages_release_range(phys_addr_t phys, unsigned long nr_pages)
{
	unsigned long k = fuzz_index(phys), i;

	if (k >= fuzz_nr || nr_pages > fuzz_nr - k)
		fuzz_fail("release of a range outside the input");
	for (i = k; i < k + nr_pages; i++) {
		if (fuzz_state[i] != FUZZ_RANGE)
			fuzz_fail("release of a range not restored");
		fuzz_state[i] = FUZZ_FREED;
	}
}

/*
 * A spare page if any is left (restoring, there are none), allocated now
 * and freed with free: ASan sees a use after free.
 */
static void *fuzz_alloc(void)
{
	unsigned long k;

	for (k = 0; k < fuzz_nr_spare; k++) {
		if (fuzz_state[FUZZ_MAX_PAGES + k] == FUZZ_SPARE) {
			fuzz_spare[k] = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
			if (!fuzz_spare[k])
				fuzz_fail("out of memory");
			memset(fuzz_spare[k], 0, PAGE_SIZE);
			fuzz_state[FUZZ_MAX_PAGES + k] = FUZZ_RESTORED;
			return fuzz_spare[k];
		}
	}
	return NULL;
}

static void fuzz_free(void *page)
{
	long k = fuzz_virt_index(page);

	if (k < 0)
		fuzz_fail("free of something that is not a page of the input");
	if (fuzz_state[k] != FUZZ_RESTORED)
		fuzz_fail("free of a page not restored, or freed twice");
	if (k < FUZZ_MAX_PAGES) {
		fuzz_state[k] = FUZZ_FREED;
		return;
	}
	fuzz_state[k] = FUZZ_SPARE;
	free(fuzz_spare[k - FUZZ_MAX_PAGES]);
	fuzz_spare[k - FUZZ_MAX_PAGES] = NULL;
}

static int fuzz_preserve(void *page)
{
	fuzz_fail("preserve called while restoring");
	return -EINVAL;
}

static void fuzz_unpreserve(void *page)
{
	fuzz_fail("unpreserve called while restoring");
}

static phys_addr_t fuzz_to_phys(void *page)
{
	long k = fuzz_virt_index(page);

	if (k < 0)
		fuzz_fail("to_phys of something that is not a page of the input");
	return (phys_addr_t)(k + 1) * PAGE_SIZE;
}

static void *fuzz_restore(phys_addr_t phys)
{
	unsigned long k = fuzz_index(phys);

	if (k >= fuzz_nr || fuzz_state[k] != FUZZ_HANDED)
		return NULL;
	fuzz_state[k] = FUZZ_RESTORED;
	return fuzz_mem + k * PAGE_SIZE;
}

static void *fuzz_peek(phys_addr_t phys)
{
	unsigned long k = fuzz_index(phys);

	return k < fuzz_nr && fuzz_state[k] == FUZZ_HANDED ?
	       fuzz_mem + k * PAGE_SIZE : NULL;
}

static int fuzz_preserve_range(phys_addr_t phys, unsigned long nr_pages)
{
	fuzz_fail("preserve_range called while restoring");
	return -EINVAL;
}

static void fuzz_unpreserve_range(phys_addr_t phys, unsigned long nr_pages)
{
	fuzz_fail("unpreserve_range called while restoring");
}

static bool fuzz_restore_range(phys_addr_t phys, unsigned long nr_pages)
{
	unsigned long k = fuzz_index(phys), i;

	if (k >= fuzz_nr || !nr_pages || nr_pages > fuzz_nr - k)
		return false;
	for (i = k; i < k + nr_pages; i++)
		if (fuzz_state[i] != FUZZ_HANDED)
			return false;
	for (i = k; i < k + nr_pages; i++)
		fuzz_state[i] = FUZZ_RANGE;
	return true;
}

const struct kho_page_ops fuzz_page_ops = {
	.alloc = fuzz_alloc,
	.free = fuzz_free,
	.preserve = fuzz_preserve,
	.unpreserve = fuzz_unpreserve,
	.to_phys = fuzz_to_phys,
	.restore = fuzz_restore,
	.peek = fuzz_peek,
	.preserve_range = fuzz_preserve_range,
	.unpreserve_range = fuzz_unpreserve_range,
	.restore_range = fuzz_restore_range,
	.free_range = fuzz_pages_release_range,
	.range_virt = fuzz_pages_virt,
};

#ifndef __KERNEL__
/* The library's default pages (kho_array_init()) are these too. */
extern const struct kho_page_ops kho_page_ops __alias(fuzz_page_ops);
#endif
