// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the decoder of the map of preserved memory
 * (kho_map_walk()) over arbitrary bytes. An 8-byte header gives the
 * number of chain pages (le32) and the largest order accepted (byte 4,
 * modulo MAX_PAGE_ORDER + 1); the rest are pages (fuzz_pages.h), the
 * chain starting at page 0. Every run the decoder reports must be sane.
 */
#include <linux/kho/abi/kexec_handover.h>
#include "fuzz_pages.h"
#include "kho_map.h"

#define FUZZ_MAP_HEADER	8

struct fuzz_map {
	unsigned int max_order;
	unsigned long runs;
};

static void *fuzz_map_alloc(void *arg, phys_addr_t *phys)
{
	return NULL;
}

static void fuzz_map_free(void *arg, void *page)
{
	fuzz_fail("map page freed while decoding");
}

static void *fuzz_map_phys(void *arg, phys_addr_t phys)
{
	return fuzz_pages_virt(phys);
}

static int fuzz_map_run(void *arg, unsigned long pfn, unsigned int order,
			unsigned long nr)
{
	struct fuzz_map *m = arg;

	if (order > m->max_order || !nr || pfn & ((1UL << order) - 1) ||
	    nr > (~0UL >> order) || (pfn >> order) + nr < (pfn >> order))
		fuzz_fail("decoder reported an invalid run");
	m->runs++;
	return 0;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct kho_map_ops ops = {
		.alloc_map_page = fuzz_map_alloc,
		.free_map_page = fuzz_map_free,
		.map_phys = fuzz_map_phys,
	};
	struct fuzz_map m = {};
	unsigned int nr_pages;
	int err;

	if (size < FUZZ_MAP_HEADER)
		return 0;
	nr_pages = data[0] | data[1] << 8 | data[2] << 16 | (u32)data[3] << 24;
	m.max_order = data[4] % (MAX_PAGE_ORDER + 1);
	ops.arg = &m;
	fuzz_pages_init(data + FUZZ_MAP_HEADER, size - FUZZ_MAP_HEADER);
	err = kho_map_walk(PAGE_SIZE, nr_pages, &ops, m.max_order,
			   fuzz_map_run, &m);
	if (err && err != -EINVAL)
		fuzz_fail("unexpected error");
	fuzz_pages_done();
	return 0;
}
