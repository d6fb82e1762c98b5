// SPDX-License-Identifier: GPL-2.0-only
/*
 * Seed inputs for the fuzz targets: valid handovers written by the library
 * itself into a pool of pages numbered the way the targets read them
 * (page k of the output at physical address (k + 1) * PAGE_SIZE, the page
 * a target starts from first).
 *
 *   gen_corpus DIR    writes DIR/<target>/seed-<name>
 */
#include <errno.h>
#include <sys/stat.h>
#include <linux/bitmap.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_array.h>
#include <linux/kho_registry.h>
#include "kho_map.h"
#include "kho_page.h"
#include "kho_vmalloc_runs.h"

#define POOL_PAGES	15	/* outputs stay below 64 KiB */

static u8 *pool;
static unsigned int pool_used;
/* Pool page written as page 0 (and page 0 in its place). */
static unsigned int pool_swap;

static const char *out_dir;

static void die(const char *what)
{
	fprintf(stderr, "gen_corpus: %s\n", what);
	exit(1);
}

static unsigned int pool_slot(unsigned int k)
{
	return k == pool_swap ? 0 : k == 0 ? pool_swap : k;
}

static void pool_reset(unsigned int swap)
{
	memset(pool, 0, POOL_PAGES * PAGE_SIZE);
	pool_used = 0;
	pool_swap = swap;
}

static void *gen_alloc(void)
{
	if (pool_used == POOL_PAGES)
		die("pool too small");
	return pool + pool_used++ * PAGE_SIZE;
}

static void gen_free(void *page)
{
}

static int gen_preserve(void *page)
{
	return 0;
}

static void gen_unpreserve(void *page)
{
}

static phys_addr_t gen_to_phys(void *page)
{
	unsigned int k = ((u8 *)page - pool) / PAGE_SIZE;

	return (phys_addr_t)(pool_slot(k) + 1) * PAGE_SIZE;
}

static void *gen_restore(phys_addr_t phys)
{
	return NULL;
}

static int gen_preserve_range(phys_addr_t phys, unsigned long nr_pages)
{
	return 0;
}

static void gen_unpreserve_range(phys_addr_t phys, unsigned long nr_pages)
{
}

static bool gen_restore_range(phys_addr_t phys, unsigned long nr_pages)
{
	return false;
}

static void *gen_range_virt(phys_addr_t phys)
{
	return pool + pool_slot(phys / PAGE_SIZE - 1) * PAGE_SIZE;
}

static const struct kho_page_ops gen_ops = {
	.alloc = gen_alloc,
	.free = gen_free,
	.preserve = gen_preserve,
	.unpreserve = gen_unpreserve,
	.to_phys = gen_to_phys,
	.restore = gen_restore,
	.preserve_range = gen_preserve_range,
	.unpreserve_range = gen_unpreserve_range,
	.restore_range = gen_restore_range,
	.range_virt = gen_range_virt,
};

#ifndef __KERNEL__
/* kho_array_init() refers to the default pages. */
extern const struct kho_page_ops kho_page_ops __alias(gen_ops);
#endif

/* Write @prefix, then the used pool pages in output order. */
static void write_seed(const char *target, const char *name,
		       const void *prefix, size_t len)
{
	char path[512];
	unsigned int slot;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, target);
	if (mkdir(path, 0755) && errno != EEXIST)
		die("cannot create a directory");
	snprintf(path, sizeof(path), "%s/%s/seed-%s", out_dir, target, name);
	f = fopen(path, "wb");
	if (!f || (len && fwrite(prefix, 1, len, f) != len))
		die("cannot write a seed");
	for (slot = 0; slot < pool_used; slot++)
		if (fwrite(pool + pool_slot(slot) * PAGE_SIZE, PAGE_SIZE, 1, f) != 1)
			die("cannot write a seed");
	if (fclose(f))
		die("cannot write a seed");
	printf("  SEED    %s (%zu bytes)\n", path, len + pool_used * PAGE_SIZE);
}

/* vmalloc: runs of data pages after the single chunk page, in any order. */
static void seed_vmalloc(const char *name, const unsigned int (*runs)[2],
			 unsigned int nr_runs)
{
	struct kho_vmalloc_writer w;
	struct kho_vmalloc desc;
	unsigned int i, top = 0;

	pool_reset(0);
	kho_vmalloc_writer_init(&w, &gen_ops);
	for (i = 0; i < nr_runs; i++) {
		if (kho_vmalloc_writer_add(&w, gen_to_phys(pool + runs[i][0] * PAGE_SIZE),
					   runs[i][1]))
			die("vmalloc writer failed");
		top = max(top, runs[i][0] + runs[i][1]);
	}
	if (kho_vmalloc_writer_finish(&w, &desc) || pool_used != 1)
		die("vmalloc writer failed");
	pool_used = top;
	write_seed("fuzz_kho_vmalloc", name, &desc, sizeof(desc));
}

/* Two chunk pages, made by hand: the writer fills a page first. */
static void seed_vmalloc_two_chunks(void)
{
	struct kho_vmalloc_chunk *c0, *c1;
	struct kho_vmalloc desc;

	pool_reset(0);
	c0 = gen_alloc();
	c1 = gen_alloc();
	pool_used = 8;
	c0->magic = cpu_to_le32(KHO_VMALLOC_MAGIC);
	c0->count = cpu_to_le32(2);
	c0->next = cpu_to_le64(gen_to_phys(c1));
	c0->runs[0].phys = cpu_to_le64(3 * PAGE_SIZE);
	c0->runs[0].nr_pages = cpu_to_le32(1);
	c0->runs[1].phys = cpu_to_le64(5 * PAGE_SIZE);
	c0->runs[1].nr_pages = cpu_to_le32(2);
	c1->magic = cpu_to_le32(KHO_VMALLOC_MAGIC);
	c1->count = cpu_to_le32(1);
	c1->runs[0].phys = cpu_to_le64(8 * PAGE_SIZE);
	c1->runs[0].nr_pages = cpu_to_le32(1);
	desc.first = cpu_to_le64(gen_to_phys(c0));
	desc.nr_pages = cpu_to_le32(4);
	desc.nr_chunks = cpu_to_le32(2);
	write_seed("fuzz_kho_vmalloc", "two-chunks", &desc, sizeof(desc));
}

struct map_seed {
	unsigned int order;
	u64 window;
	unsigned int first, last, step;	/* blocks set: first..last by step */
};

static void *gen_map_alloc(void *arg, phys_addr_t *phys)
{
	void *page = gen_alloc();

	*phys = gen_to_phys(page);
	return page;
}

static void *gen_map_phys(void *arg, phys_addr_t phys)
{
	return gen_range_virt(phys);
}

/* Build the map; return the pool page of its first chain page. */
static unsigned int build_map(const struct map_seed *s, unsigned int nr,
			      unsigned int swap, struct kho_map_writer *w)
{
	static const struct kho_map_ops ops = {
		.alloc_map_page = gen_map_alloc,
		.free_map_page = NULL,
		.map_phys = gen_map_phys,
	};
	unsigned long *bits = calloc(BITS_TO_LONGS(KHO_MAP_WINDOW_BLOCKS),
				     sizeof(long));
	unsigned int i, b;

	if (!bits)
		die("out of memory");
	pool_reset(swap);
	kho_map_writer_init(w, &ops);
	for (i = 0; i < nr; i++) {
		memset(bits, 0, KHO_MAP_WINDOW_BLOCKS / 8);
		for (b = s[i].first; b <= s[i].last; b += s[i].step)
			__set_bit(b, bits);
		if (kho_map_add_window(w, s[i].order, s[i].window, bits))
			die("map writer failed");
	}
	free(bits);
	return pool_slot(w->first / PAGE_SIZE - 1);
}

static void seed_map(const char *name, const struct map_seed *s,
		     unsigned int nr)
{
	struct kho_map_writer w;
	u8 header[8] = {};

	build_map(s, nr, build_map(s, nr, 0, &w), &w);
	if (w.first != PAGE_SIZE)
		die("map does not start at page 0");
	header[0] = w.nr_pages;
	header[4] = MAX_PAGE_ORDER;
	write_seed("fuzz_kho_map", name, header, sizeof(header));
}

typedef void (*fill_fn)(struct kho_array *a);

/* Return the physical address of the head. */
static phys_addr_t build_array(fill_fn fill, unsigned int swap)
{
	struct kho_array a;
	phys_addr_t phys;

	pool_reset(swap);
	kho_array_init_ops(&a, &gen_ops);
	fill(&a);
	if (kho_array_preserve(&a, &phys))
		die("array preserve failed");
	return phys;
}

static void seed_array(const char *name, fill_fn fill)
{
	/* Deterministic: the second build puts the head page first. */
	unsigned int head = build_array(fill, 0) / PAGE_SIZE - 1;

	if (build_array(fill, head) != PAGE_SIZE)
		die("array head not at page 0");
	write_seed("fuzz_kho_array", name, NULL, 0);
}

static void store(struct kho_array *a, unsigned long index, u64 value)
{
	if (kho_array_store(a, index, value))
		die("cannot fill an array");
}

static void fill_empty(struct kho_array *a)
{
}

static void fill_sparse(struct kho_array *a)
{
	store(a, 0, 1);
	store(a, 7, 0xdeadbeef);
	store(a, 1UL << 40, 42);
	store(a, KHO_ARRAY_MAX_INDEX, ~0ULL);
}

static void fill_runs(struct kho_array *a)
{
	unsigned long i;

	for (i = 0; i < 1000; i++)
		store(a, (1UL << 20) + i, 0x40000 + i);
	for (i = 0; i < 300; i++)
		store(a, (1UL << 30) + i, 5000 - 3 * i);
	store(a, 3, 3);
}

static void fill_random(struct kho_array *a)
{
	u64 seed = 0x5eed;
	unsigned int i;

	for (i = 0; i < 700; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		store(a, seed & ((1ULL << 40) - 1), seed | 1);
	}
}

/*
 * Registry: a record of the test family (or "kt-other") at page 0, then
 * one page per version written, holding a value and the version.
 */
static int gen_reg_store(const struct kho_format *f, void *obj, u64 *handle)
{
	u64 *page = gen_alloc();

	page[0] = *(u64 *)obj;
	page[1] = f->version;
	*handle = gen_to_phys(page);
	return 0;
}

static const struct kho_format_ops gen_reg_ops = {
	.store = gen_reg_store,
};

#define GEN_RW	(KHO_FORMAT_READ | KHO_FORMAT_WRITE)

static struct kho_format_state gen_reg_state[4];
static const struct kho_format gen_reg_formats[] = {
	{ "kt-family", 1, GEN_RW, &gen_reg_ops, &gen_reg_state[0] },
	{ "kt-family", 2, GEN_RW, &gen_reg_ops, &gen_reg_state[1] },
	{ "kt-family", 3, GEN_RW, &gen_reg_ops, &gen_reg_state[2] },
	{ "kt-other", 1, GEN_RW, &gen_reg_ops, &gen_reg_state[3] },
};

/* Bits of the fuzz_kho_registry header byte. */
#define REG_DISCARD		(1U << 0)
#define REG_UNREADABLE(v)	(1U << (v))

enum reg_edit { REG_AS_IS, REG_SHARED, REG_UNKNOWN };

/*
 * Store @nr objects of @family in the versions of @versions (bit v for
 * version v), apply @edit to the first record, write the seed with
 * header @flags and the handles of records @first and @second. The
 * record page, allocated after the versions of the first object, is
 * output page 0.
 */
static void seed_registry(const char *name, const char *family,
			  unsigned int versions, unsigned int nr, u8 flags,
			  enum reg_edit edit, unsigned int first,
			  unsigned int second)
{
	struct kho_registry r = {
		.formats = gen_reg_formats,
		.nr_formats = ARRAY_SIZE(gen_reg_formats),
		.ops = &gen_ops,
	};
	unsigned int i, nv = strcmp(family, "kt-family") ? 1 :
			     __builtin_popcount(versions);
	struct kho_record_page *p;
	u64 value = 0x1234, handle[4];
	u8 header[5];

	pool_reset(nv);
	memset(gen_reg_state, 0, sizeof(gen_reg_state));
	for (i = 0; i < 3; i++)
		gen_reg_state[i].write_enabled = versions & (1U << (i + 1));
	gen_reg_state[3].write_enabled = true;
	for (i = 0; i < nr; i++) {
		value++;
		if (__kho_registry_store(&r, family, &value, &handle[i]) ||
		    handle[i] != PAGE_SIZE + KHO_RECORD_PAGE_HEADER + i * 8 * nv)
			die("registry store failed");
	}
	kho_registry_destroy(&r);
	p = gen_range_virt(PAGE_SIZE);
	switch (edit) {
	case REG_AS_IS:
		break;
	case REG_SHARED:	/* two versions, one page */
		p->slots[1] = p->slots[0];
		break;
	case REG_UNKNOWN:	/* a version this kernel does not know */
		p->versions[0] = cpu_to_le32(7);
		break;
	}
	header[0] = flags;
	header[1] = handle[first] & 0xff;
	header[2] = (handle[first] >> 8) & 0x0f;
	header[3] = handle[second] & 0xff;
	header[4] = (handle[second] >> 8) & 0x0f;
	write_seed("fuzz_kho_registry", name, header, sizeof(header));
}

int main(int argc, char **argv)
{
	static const unsigned int one_run[][2] = { { 1, 4 } };
	static const unsigned int runs[][2] = { { 7, 1 }, { 2, 1 }, { 4, 2 } };
	static const struct map_seed extents[] = {
		{ 0, 0, 10, 20, 1 }, { 0, 3, 0, 0, 1 }, { 3, 1, 5, 9, 2 },
	};
	static const struct map_seed bitmap[] = {
		{ 0, 2, 0, KHO_MAP_WINDOW_BLOCKS - 1, 2 }, { 1, 0, 4, 4, 1 },
	};
	static const struct map_seed orders[] = {
		{ 0, 1, 1, 1, 1 }, { 1, 1, 2, 3, 1 }, { 2, 0, 0, 8, 4 },
		{ 4, 9, 100, 200, 1 }, { 9, 0, 1, 1, 1 }, { 10, 0, 0, 0, 1 },
	};

	if (argc != 2)
		die("usage: gen_corpus DIR");
	out_dir = argv[1];
	pool = aligned_alloc(PAGE_SIZE, POOL_PAGES * PAGE_SIZE);
	if (!pool)
		die("out of memory");

	seed_vmalloc("one-run", one_run, ARRAY_SIZE(one_run));
	seed_vmalloc("runs", runs, ARRAY_SIZE(runs));
	seed_vmalloc_two_chunks();

	seed_map("extents", extents, ARRAY_SIZE(extents));
	seed_map("bitmap", bitmap, ARRAY_SIZE(bitmap));
	seed_map("orders", orders, ARRAY_SIZE(orders));

	seed_array("empty", fill_empty);
	seed_array("sparse", fill_sparse);
	seed_array("runs", fill_runs);
	seed_array("random", fill_random);

	seed_registry("v1", "kt-family", 1U << 1, 1, 0, REG_AS_IS, 0, 0);
	seed_registry("v123", "kt-family", 7U << 1, 1, 0, REG_AS_IS, 0, 0);
	seed_registry("v23-v3-unreadable", "kt-family", 3U << 2, 1,
		      REG_UNREADABLE(3), REG_AS_IS, 0, 0);
	seed_registry("v3-unreadable", "kt-family", 1U << 3, 1,
		      REG_UNREADABLE(3), REG_AS_IS, 0, 0);
	seed_registry("v123-discard", "kt-family", 7U << 1, 1, REG_DISCARD,
		      REG_AS_IS, 0, 0);
	seed_registry("v12-shared", "kt-family", 3U << 1, 1, 0, REG_SHARED,
		      0, 0);
	seed_registry("v23-unknown", "kt-family", 3U << 2, 1, 0, REG_UNKNOWN,
		      0, 0);
	seed_registry("other-family", "kt-other", 0, 1, 0, REG_AS_IS, 0, 0);
	seed_registry("v1-three", "kt-family", 1U << 1, 3, 0, REG_AS_IS, 2, 0);
	seed_registry("v12-three-discard", "kt-family", 3U << 1, 3,
		      REG_DISCARD, REG_AS_IS, 1, 2);
	free(pool);
	return 0;
}
