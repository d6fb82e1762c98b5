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
#include <linux/fcntl.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho/abi/kho_array.h>
#include <linux/kho/abi/luo.h>
#include <linux/kho/abi/memfd.h>
#include <linux/kho_array.h>
#include <linux/kho_registry.h>
#include "fuzz_memfd.h"
#include "kho_map.h"
#include "kho_page.h"
#include "kho_vmalloc_runs.h"

#define POOL_PAGES	40	/* the tallest array seed: 34 pages */

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

/* Bytes written after the pages by the next write_seed(). */
static const void *seed_tail;
static size_t seed_tail_len;

/* Write @prefix, then the used pool pages in output order, then the tail. */
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
	if (seed_tail_len && fwrite(seed_tail, 1, seed_tail_len, f) != seed_tail_len)
		die("cannot write a seed");
	if (fclose(f))
		die("cannot write a seed");
	printf("  SEED    %s (%zu bytes)\n", path,
	       len + pool_used * PAGE_SIZE + seed_tail_len);
	seed_tail_len = 0;
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
 * A complete tree of @height levels made by hand, @fanout children per
 * interior node and @per_leaf records per leaf (in small leaves every
 * third a run of @per_leaf entries, step 4096): nodes this small are
 * valid, and make a tall tree out of a few pages (the library fills nodes
 * to 255 slots). Leaves of 255 single entries are full: a store between
 * two of them splits the leaf.
 */
struct tall_tree {
	unsigned int height, fanout, per_leaf;
	unsigned long next_index;	/* next index to give a record */
	u64 entries, nodes;
};

static phys_addr_t tall_node(struct tall_tree *t, unsigned int level)
{
	struct kho_array_node *n = gen_alloc();
	unsigned int i, slot = 0;

	n->magic = cpu_to_le32(KHO_ARRAY_NODE_MAGIC);
	n->level = level;
	t->nodes++;
	if (!level) {
		for (i = 0; i < t->per_leaf; i++) {
			u64 key = t->next_index, value = 0x100000 + key * 8;

			if (i % 3 == 2 && t->per_leaf < 8) {
				n->slots[slot].key = cpu_to_le64(key | KHO_ARRAY_KEY_RUN);
				n->slots[slot++].val = cpu_to_le64(value);
				n->slots[slot].key = cpu_to_le64(t->per_leaf |
								 KHO_ARRAY_KEY_TAIL);
				n->slots[slot++].val = cpu_to_le64(PAGE_SIZE);
				t->next_index += t->per_leaf + 3;
				t->entries += t->per_leaf;
			} else {
				n->slots[slot].key = cpu_to_le64(key);
				n->slots[slot++].val = cpu_to_le64(value);
				t->next_index += 2;
				t->entries++;
			}
		}
	} else {
		for (i = 0; i < t->fanout; i++) {
			/* Slot 0's key is the node's lower bound, unused. */
			n->slots[slot].key = cpu_to_le64(i ? t->next_index : 0);
			n->slots[slot++].val = cpu_to_le64(tall_node(t, level - 1));
			t->next_index += 5;
		}
	}
	n->nr = cpu_to_le16(slot);
	return gen_to_phys(n);
}

static void seed_array_tall(const char *name, unsigned int height,
			    unsigned int fanout, unsigned int per_leaf,
			    const void *script, size_t script_len)
{
	struct tall_tree t = { height, fanout, per_leaf };
	struct kho_array_head *h;

	pool_reset(0);
	h = gen_alloc();
	h->magic = cpu_to_le32(KHO_ARRAY_MAGIC);
	h->version = cpu_to_le16(KHO_ARRAY_VERSION);
	h->height = height;
	h->root = cpu_to_le64(tall_node(&t, height - 1));
	h->nr_entries = cpu_to_le64(t.entries);
	h->nr_nodes = cpu_to_le64(t.nodes);
	seed_tail = script;
	seed_tail_len = script_len;
	write_seed("fuzz_kho_array", name, NULL, 0);
}

/*
 * Scripts of changes for fuzz_kho_array (see fuzz_mutate() there): op
 * byte (0 store, 1 erase, 2 range store, 3 walk), index (how, offset,
 * [8 bytes]), then a value (8 bytes, little-endian) for a store, or a
 * count, a value and a step for a range store.
 */
static const u8 script_edit[] = {
	/* store 0x777 next to run 4 */
	0, 1 | 4 << 2, 1, 0x77, 0x07, 0, 0, 0, 0, 0, 0,
	/* erase the first entry of run 2 */
	1, 1 | 2 << 2, 0,
	/* 40 entries from 0x5000, step 8, after the end of run 3 */
	2, 2 | 3 << 2, 1, 40, 0, 0x50, 0, 0, 0, 0, 0, 0, 8,
	/* 200 entries from 0x90000, step 4096, from run 1 on */
	0x82, 1 | 1 << 2, 3, 200, 0, 0, 0x09, 0, 0, 0, 0, 0, 1,
	/* walk */
	3, 3, 0,
	/* erase inside the last range */
	1, 3, 100,
	/* store 9 at index 0x3fffff */
	0, 0, 0, 0xff, 0xff, 0x3f, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0,
	3, 3, 0,
};

/* Stores between the entries of a full leaf: it splits. */
static const u8 script_split[] = {
	0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0,
	0, 3, 2, 2, 0, 0, 0, 0, 0, 0, 0,
	0, 3, 2, 3, 0, 0, 0, 0, 0, 0, 0,
	0, 3, 2, 4, 0, 0, 0, 0, 0, 0, 0,
	0, 3, 2, 5, 0, 0, 0, 0, 0, 0, 0,
	0, 1 | 7 << 2, 1, 6, 0, 0, 0, 0, 0, 0, 0,
	0, 3, 2, 7, 0, 0, 0, 0, 0, 0, 0,
	0, 3, 2, 8, 0, 0, 0, 0, 0, 0, 0,
	0, 3, 2, 9, 0, 0, 0, 0, 0, 0, 0,
	/* erase, erase */
	1, 1 | 9 << 2, 1,
	1, 3, 1,
	/* 255 entries of 0x1000, step 16, at the end of run 5; walk */
	2, 2 | 5 << 2, 1, 255, 0, 0x10, 0, 0, 0, 0, 0, 0, 0x10,
	3, 3, 0,
};

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

static u64 memfd_phys(unsigned int data_page)
{
	return FUZZ_MEMFD_DATA + (u64)data_page * PAGE_SIZE;
}

/*
 * Folios of a memfd seed: { data page, order, file index, flags }; the
 * record is written as the kernel writes it (memfd_v1_store(),
 * memfd_v2_store()).
 */
struct memfd_folio {
	unsigned int page, order;
	unsigned long index;
	unsigned int flags;
};

static void memfd_folio_table(u8 *hdr, const struct memfd_folio *f,
			      unsigned int nr)
{
	unsigned int i;

	memset(hdr + FUZZ_MEMFD_TABLE, FUZZ_MEMFD_NO_FOLIO, FUZZ_MEMFD_DATA_PAGES);
	for (i = 0; i < nr; i++)
		hdr[FUZZ_MEMFD_TABLE + f[i].page] = f[i].order;
}

static void seed_memfd_v1(const char *name, const struct memfd_folio *f,
			  unsigned int nr, u64 size)
{
	struct memfd_luo_folio_ser *arr;
	struct kho_vmalloc_writer w;
	struct memfd_luo_v1 *ser;
	unsigned int i, pages;

	pool_reset(0);
	ser = gen_alloc();
	memfd_folio_table((u8 *)ser, f, nr);
	ser->pos = cpu_to_le64(size / 2);
	ser->size = cpu_to_le64(size);
	ser->nr_folios = cpu_to_le64(nr);
	if (nr) {
		pages = DIV_ROUND_UP(nr * sizeof(*arr), PAGE_SIZE);
		arr = gen_alloc();
		for (i = 1; i < pages; i++)
			gen_alloc();
		for (i = 0; i < nr; i++) {
			arr[i].pfn_flags = cpu_to_le64(memfd_phys(f[i].page) |
						       f[i].flags);
			arr[i].index = cpu_to_le64(f[i].index);
		}
		kho_vmalloc_writer_init(&w, &gen_ops);
		for (i = 0; i < pages; i++)
			if (kho_vmalloc_writer_add(&w, gen_to_phys((u8 *)arr +
								   i * PAGE_SIZE), 1))
				die("vmalloc writer failed");
		if (kho_vmalloc_writer_finish(&w, &ser->folios))
			die("vmalloc writer failed");
	}
	write_seed("fuzz_memfd_v1", name, NULL, 0);
}

static void seed_memfd_v2(const char *name, const struct memfd_folio *f,
			  unsigned int nr, u64 size, u32 seals, u32 mode)
{
	struct memfd_luo_v2 *ser;
	struct kho_array a;
	unsigned long pages = 0;
	phys_addr_t phys;
	unsigned int i;

	pool_reset(0);
	ser = gen_alloc();
	memfd_folio_table((u8 *)ser, f, nr);
	kho_array_init_ops(&a, &gen_ops);
	for (i = 0; i < nr; i++) {
		if (kho_array_store_range(&a, f[i].index, 1UL << f[i].order,
					  memfd_phys(f[i].page) | f[i].flags |
					  f[i].order << 2, PAGE_SIZE))
			die("cannot fill an array");
		pages += 1UL << f[i].order;
	}
	if (kho_array_preserve(&a, &phys))
		die("array preserve failed");
	ser->pos = cpu_to_le64(size / 2);
	ser->size = cpu_to_le64(size);
	ser->seals = cpu_to_le32(seals);
	ser->mode = cpu_to_le32(mode);
	ser->nr_pages = cpu_to_le64(pages);
	ser->pages = cpu_to_le64(phys);
	write_seed("fuzz_memfd_v2", name, NULL, 0);
}

/*
 * LUO state: sessions { name, files }, files { compatible, token }, as
 * luo_session_serialize() writes them; byte 0 fails an allocation.
 */
struct luo_seed_session {
	const char *name;
	unsigned int nr_files;
};

static void seed_luo(const char *name, const struct luo_seed_session *ss,
		     unsigned int nr, const u64 *tokens, u8 fail_alloc)
{
	unsigned int i, j, k = 0, nr_files = 0;
	struct luo_session_ser *sser;
	struct luo_state_ser *hdr;
	struct luo_file_ser *fser;
	size_t len;
	u8 *buf;

	for (i = 0; i < nr; i++)
		nr_files += ss[i].nr_files;
	len = 1 + sizeof(*hdr) + nr * sizeof(*sser) + nr_files * sizeof(*fser);
	buf = calloc(1, len);
	if (!buf)
		die("out of memory");
	buf[0] = fail_alloc;
	hdr = (void *)(buf + 1);
	hdr->magic = cpu_to_le32(LUO_STATE_MAGIC);
	hdr->nr_sessions = cpu_to_le32(nr);
	hdr->nr_files = cpu_to_le64(nr_files);
	sser = (void *)(hdr + 1);
	fser = (void *)(sser + nr);
	for (i = 0; i < nr; i++) {
		snprintf(sser[i].name, sizeof(sser[i].name), "%s", ss[i].name);
		sser[i].first_file = cpu_to_le64(k);
		sser[i].nr_files = cpu_to_le64(ss[i].nr_files);
		for (j = 0; j < ss[i].nr_files; j++, k++) {
			snprintf(fser[k].compatible, sizeof(fser[k].compatible),
				 k % 3 ? "memfd" : "hugetlb");
			fser[k].data = cpu_to_le64(0x1000 * (k + 1));
			fser[k].token = cpu_to_le64(tokens[k]);
		}
	}
	pool_reset(0);
	write_seed("fuzz_luo_state", name, buf, len);
	free(buf);
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

	/* 4 KiB pages, 16 KiB, a THP, the pages of a descending run. */
	static const struct memfd_folio small[] = {
		{ 0, 0, 0, MEMFD_LUO_FOLIO_UPTODATE | MEMFD_LUO_FOLIO_DIRTY },
		{ 4, 2, 4, MEMFD_LUO_FOLIO_UPTODATE },
		{ 1, 0, 9, 0 },
		{ 13, 0, 10, MEMFD_LUO_FOLIO_UPTODATE },
		{ 12, 0, 11, MEMFD_LUO_FOLIO_UPTODATE },
	};
	static const struct memfd_folio thp[] = {
		{ 512, 9, 512, MEMFD_LUO_FOLIO_UPTODATE },
		{ 3, 0, 1024, MEMFD_LUO_FOLIO_UPTODATE },
		{ 1024, 10, 2048, MEMFD_LUO_FOLIO_UPTODATE },
	};
	static struct memfd_folio many[300];
	static const struct luo_seed_session luo_one[] = { { "vm-1", 2 } };
	static const struct luo_seed_session luo_three[] = {
		{ "vm-1", 2 }, { "cache", 0 }, { "vm-2", 3 },
	};
	static const struct luo_seed_session luo_dups[] = {
		{ "a", 3 }, { "b", 1 }, { "a", 2 }, { "c", 2 }, { "b", 0 },
	};
	static const u64 luo_tokens[] = { 1, 2, 3, 4, 5, 6, 7 };
	static const u64 luo_dup_tokens[] = { 7, 8, 7, 1, 5, 5, 9, 9 };
	unsigned int i;

	if (argc != 2)
		die("usage: gen_corpus DIR");
	/* Every other page, pairs swapped: runs of step -4096 and holes. */
	for (i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct memfd_folio){ 2048 + (i ^ 1), 0, 2 * i,
						MEMFD_LUO_FOLIO_UPTODATE };
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

	seed_array_tall("tall-h3", 3, 3, 4, NULL, 0);
	seed_array_tall("tall-h4", 4, 2, 5, NULL, 0);
	seed_array_tall("tall-h5", 5, 2, 3, NULL, 0);
	seed_array_tall("tall-h3-edit", 3, 3, 4, script_edit,
			sizeof(script_edit));
	seed_array_tall("tall-h3-full-split", 3, 2, 255, script_split,
			sizeof(script_split));

	seed_memfd_v1("empty", NULL, 0, 0);
	seed_memfd_v1("small", small, ARRAY_SIZE(small), 16 * PAGE_SIZE);
	seed_memfd_v1("thp", thp, ARRAY_SIZE(thp), 4 << 20);
	seed_memfd_v1("many", many, ARRAY_SIZE(many), 600 * PAGE_SIZE);
	seed_memfd_v2("empty", NULL, 0, 0, F_SEAL_SEAL, 0600);
	seed_memfd_v2("small", small, ARRAY_SIZE(small), 16 * PAGE_SIZE,
		      0, 0644);
	seed_memfd_v2("thp-sealed", thp, ARRAY_SIZE(thp), 4 << 20,
		      F_SEAL_SEAL | F_SEAL_WRITE | F_SEAL_EXEC, 0400);
	seed_memfd_v2("many", many, ARRAY_SIZE(many), 600 * PAGE_SIZE,
		      F_SEAL_GROW | F_SEAL_SHRINK, 0600);

	seed_luo("one", luo_one, ARRAY_SIZE(luo_one), luo_tokens, 0);
	seed_luo("sessions", luo_three, ARRAY_SIZE(luo_three), luo_tokens, 0);
	seed_luo("dups", luo_dups, ARRAY_SIZE(luo_dups), luo_dup_tokens, 0);
	seed_luo("dups-nomem", luo_dups, ARRAY_SIZE(luo_dups), luo_dup_tokens,
		 6);
	free(pool);
	return 0;
}
