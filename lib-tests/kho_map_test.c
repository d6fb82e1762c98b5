// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of the map of preserved memory (kernel/liveupdate/kho_map.c):
 * round trips through encode and decode, and corrupted input.
 */
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/slab.h>
#include "kho_map.h"
#include "kho_test.h"

#define MAX_ORDER_TESTED	10
#define MAX_PAGES		64

/* Map pages of one test; phys_to_virt accepts only these. */
struct pool {
	void *virt[MAX_PAGES];
	phys_addr_t phys[MAX_PAGES];
	unsigned int nr;
};

static void *pool_alloc(void *arg, phys_addr_t *phys)
{
	struct pool *p = arg;
	void *page;

	if (p->nr == MAX_PAGES)
		return NULL;
	page = kt_alloc_page();
	if (!page)
		return NULL;
	p->virt[p->nr] = page;
	p->phys[p->nr++] = *phys = kt_virt_to_phys(page);
	return page;
}

static void pool_free(void *arg, void *page)
{
	struct pool *p = arg;
	unsigned int i;

	for (i = 0; i < p->nr; i++) {
		if (p->virt[i] == page) {
			p->virt[i] = NULL;
			p->phys[i] = 0;
		}
	}
	kt_free_page(page);
}

static void *pool_virt(void *arg, phys_addr_t phys)
{
	struct pool *p = arg;
	unsigned int i;

	for (i = 0; i < p->nr; i++)
		if (p->phys[i] == phys && p->virt[i])
			return p->virt[i];
	return NULL;
}

/* The expected content of a map: windows sorted by (order, window). */
struct window {
	unsigned int order;
	u64 window;
	unsigned long bits[BITS_TO_LONGS(KHO_MAP_WINDOW_BLOCKS)];
	unsigned long seen[BITS_TO_LONGS(KHO_MAP_WINDOW_BLOCKS)];
};

struct model {
	struct window *w;
	unsigned int nr;
	int bad_runs;
};

static struct window *model_add(struct model *m, unsigned int order, u64 window)
{
	struct window *w = &m->w[m->nr++];

	memset(w, 0, sizeof(*w));
	w->order = order;
	w->window = window;
	return w;
}

/* Decoder callback: mark each reported block, flag anything unexpected. */
static int model_mark(void *arg, unsigned long pfn, unsigned int order,
		      unsigned long nr)
{
	struct model *m = arg;
	unsigned long block = pfn >> order, i;
	unsigned int j;

	if (!nr || pfn & ((1UL << order) - 1)) {
		m->bad_runs++;
		return 0;
	}
	for (i = 0; i < nr; i++, block++) {
		u64 window = block >> KHO_MAP_WINDOW_SHIFT;
		unsigned long b = block & (KHO_MAP_WINDOW_BLOCKS - 1);

		for (j = 0; j < m->nr; j++)
			if (m->w[j].order == order && m->w[j].window == window)
				break;
		if (j == m->nr || !test_bit(b, m->w[j].bits) ||
		    __test_and_set_bit(b, m->w[j].seen))
			m->bad_runs++;
	}
	return 0;
}

static int noop_run(void *arg, unsigned long pfn, unsigned int order,
		    unsigned long nr)
{
	return 0;
}

/* Everything one test needs, on the heap (kernel stacks are small). */
struct fixture {
	struct pool pool;
	struct kho_map_ops ops;
	struct kho_map_writer wr;
	unsigned long bits[BITS_TO_LONGS(KHO_MAP_WINDOW_BLOCKS)];
};

static struct fixture *fixture_new(void)
{
	struct fixture *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return NULL;
	f->ops.alloc_map_page = pool_alloc;
	f->ops.free_map_page = pool_free;
	f->ops.map_phys = pool_virt;
	f->ops.arg = &f->pool;
	kho_map_writer_init(&f->wr, &f->ops);
	return f;
}

/* Free the map and the fixture; true if no page leaked. */
static bool fixture_free(struct fixture *f)
{
	kho_map_free(&f->wr);
	kfree(f);
	return kt_pages_in_use() == 0;
}

/* Encode @m, decode it back, and check every block came back once. */
static int round_trip(KT_CTX, struct model *m, unsigned int *nr_pages,
		      unsigned int *nr_bitmaps)
{
	struct fixture *f = fixture_new();
	unsigned int i;
	int err = -ENOMEM;

	if (!f)
		return err;
	for (i = 0; i < m->nr; i++) {
		err = kho_map_add_window(&f->wr, m->w[i].order, m->w[i].window,
					 m->w[i].bits);
		if (err)
			goto free_fixture;
	}
	*nr_pages = f->wr.nr_pages;
	*nr_bitmaps = f->wr.nr_bitmaps;
	err = kho_map_walk(f->wr.first, f->wr.nr_pages, &f->ops,
			   MAX_ORDER_TESTED, model_mark, m);
	KT_EXPECT_EQ(err, 0);
	KT_EXPECT_EQ(m->bad_runs, 0);
	for (i = 0; i < m->nr; i++)
		KT_EXPECT(bitmap_equal(m->w[i].bits, m->w[i].seen,
				       KHO_MAP_WINDOW_BLOCKS));
free_fixture:
	fixture_free(f);
	return err;
}

static struct model *model_new(unsigned int nr)
{
	struct model *m = kzalloc(sizeof(*m), GFP_KERNEL);

	if (!m)
		return NULL;
	m->w = kcalloc(nr, sizeof(*m->w), GFP_KERNEL);
	if (!m->w) {
		kfree(m);
		return NULL;
	}
	return m;
}

static void model_free(struct model *m)
{
	kfree(m->w);
	kfree(m);
}

static void kho_map_test_empty(KT_CTX)
{
	struct fixture *f = fixture_new();
	struct model m = {};

	KT_ASSERT(f);
	KT_EXPECT_EQ(kho_map_add_window(&f->wr, 0, 5, f->bits), 0);
	KT_EXPECT_EQ(f->wr.first, 0);
	KT_EXPECT_EQ(f->wr.nr_pages, 0);
	KT_EXPECT_EQ(kho_map_walk(0, 0, &f->ops, MAX_ORDER_TESTED, model_mark,
				  &m), 0);
	KT_EXPECT_EQ(m.bad_runs, 0);
	KT_EXPECT(fixture_free(f));
}

/* Scattered single blocks of every order, far apart (high windows too). */
static void kho_map_test_sparse(KT_CTX)
{
	struct model *m = model_new(2 * (MAX_ORDER_TESTED + 1));
	unsigned int order, nr_pages = 0, nr_bitmaps = 0;
	u64 seed = 42;

	KT_ASSERT(m);
	for (order = 0; order <= MAX_ORDER_TESTED; order++) {
		u64 limit = 1ULL << (BITS_PER_LONG - PAGE_SHIFT -
				     KHO_MAP_WINDOW_SHIFT - order);
		struct window *lo = model_add(m, order, kt_rand(&seed) % 1000);
		struct window *hi = model_add(m, order, limit - 1);
		int i;

		for (i = 0; i < 20; i++)
			__set_bit(kt_rand(&seed) % KHO_MAP_WINDOW_BLOCKS, lo->bits);
		__set_bit(KHO_MAP_WINDOW_BLOCKS - 1, hi->bits);
	}
	KT_EXPECT_EQ(round_trip(kt, m, &nr_pages, &nr_bitmaps), 0);
	KT_EXPECT_EQ(nr_pages, 1);
	KT_EXPECT_EQ(nr_bitmaps, 0);
	model_free(m);
	KT_EXPECT_EQ(kt_pages_in_use(), 0);
}

/*
 * Full windows cost one extent each; alternating bits switch to bitmap
 * pages; many extents spread over several map pages.
 */
static void kho_map_test_dense(KT_CTX)
{
	struct model *m = model_new(40);
	unsigned int i, nr_pages = 0, nr_bitmaps = 0;

	KT_ASSERT(m);
	for (i = 0; i < 4; i++)
		bitmap_fill(model_add(m, 0, i)->bits, KHO_MAP_WINDOW_BLOCKS);
	for (i = 0; i < 20; i++) {
		struct window *w = model_add(m, 0, 100 + i);
		unsigned int b;

		for (b = i % 2; b < KHO_MAP_WINDOW_BLOCKS; b += 2)
			__set_bit(b, w->bits);
	}
	for (i = 0; i < 3; i++) {
		struct window *w = model_add(m, 0, 200 + i);
		unsigned int b;

		for (b = 0; b < 2700; b += 3)
			__set_bit(b, w->bits);
	}
	for (i = 0; i <= MAX_ORDER_TESTED; i++)
		bitmap_set(model_add(m, i, 300)->bits, 10 + i, 100);
	KT_EXPECT_EQ(round_trip(kt, m, &nr_pages, &nr_bitmaps), 0);
	KT_EXPECT_EQ(nr_bitmaps, 20);
	/* 900 extents take most of a map page each. */
	KT_EXPECT_EQ(nr_pages, 4);
	model_free(m);
	KT_EXPECT_EQ(kt_pages_in_use(), 0);
}

static void kho_map_test_order_enforced(KT_CTX)
{
	struct fixture *f = fixture_new();

	KT_ASSERT(f);
	__set_bit(0, f->bits);
	KT_EXPECT_EQ(kho_map_add_window(&f->wr, 1, 5, f->bits), 0);
	KT_EXPECT_EQ(kho_map_add_window(&f->wr, 1, 5, f->bits), -EINVAL);
	KT_EXPECT_EQ(kho_map_add_window(&f->wr, 0, 9, f->bits), -EINVAL);
	KT_EXPECT_EQ(kho_map_add_window(&f->wr, 2, 0, f->bits), 0);
	KT_EXPECT(fixture_free(f));
}

/*
 * Every allocation failure, of a map page or of a bitmap page, leaves a
 * valid (shorter) map and no leak.
 */
static void kho_map_test_enomem(KT_CTX)
{
	unsigned int n, i;

	for (n = 0; n < 100; n++) {
		struct fixture *f = fixture_new();
		int err = 0;

		KT_ASSERT(f);
		for (i = 0; i < KHO_MAP_WINDOW_BLOCKS; i += 2)
			__set_bit(i, f->bits);
		kt_fail_alloc_after(n);
		for (i = 0; i < 10 && !err; i++) {
			if (i % 2)
				bitmap_clear(f->bits, 2000, KHO_MAP_WINDOW_BLOCKS - 2000);
			else
				bitmap_set(f->bits, 2000, KHO_MAP_WINDOW_BLOCKS - 2000);
			err = kho_map_add_window(&f->wr, 0, i, f->bits);
		}
		KT_EXPECT(err == -ENOMEM || (err == 0 && i == 10));
		KT_EXPECT_EQ(kho_map_walk(f->wr.first, f->wr.nr_pages, &f->ops,
					  MAX_ORDER_TESTED, noop_run, NULL), 0);
		KT_EXPECT(fixture_free(f));
		if (!err)
			break;
	}
	KT_EXPECT(n >= 5 && n < 100);
}

/*
 * A map of two chain pages and one bitmap page (pool pages 0, 1, 2) for
 * the corruption tests.
 */
static void build_two_pages(struct fixture *f)
{
	unsigned int i;

	for (i = 0; i < 600; i++)
		__set_bit(i * 3, f->bits);
	kho_map_add_window(&f->wr, 0, 1, f->bits);
	kho_map_add_window(&f->wr, 0, 2, f->bits);	/* second page */
	for (i = 0; i < KHO_MAP_WINDOW_BLOCKS; i += 2)
		__set_bit(i, f->bits);
	kho_map_add_window(&f->wr, 3, 1, f->bits);	/* bitmap page */
}

static int walk(struct fixture *f, unsigned int nr_pages, unsigned int max_order)
{
	return kho_map_walk(f->wr.first, nr_pages, &f->ops, max_order,
			    noop_run, NULL);
}

static void kho_map_test_corrupt_chain(KT_CTX)
{
	struct fixture *f = fixture_new();
	struct kho_map_window *rec;
	struct kho_map_page *pg;
	__le64 saved;

	KT_ASSERT(f);
	build_two_pages(f);
	KT_ASSERT(f->wr.nr_pages == 2 && f->wr.nr_bitmaps == 1);
	KT_EXPECT_EQ(walk(f, 2, 10), 0);
	/* Wrong page count: too few, too many, a loop. */
	KT_EXPECT_EQ(walk(f, 1, 10), -EINVAL);
	KT_EXPECT_EQ(walk(f, 3, 10), -EINVAL);
	pg = f->pool.virt[1];
	pg->next = cpu_to_le64(f->wr.first);
	KT_EXPECT_EQ(walk(f, 5, 10), -EINVAL);
	pg->next = 0;
	/* A bitmap page that is not a page of the map. */
	rec = (void *)((u8 *)(pg + 1) + le32_to_cpu(pg->used) - 24);
	KT_ASSERT(rec->kind == KHO_MAP_BITMAP);
	saved = *(__le64 *)(rec + 1);
	*(__le64 *)(rec + 1) = cpu_to_le64(PAGE_SIZE);
	KT_EXPECT_EQ(walk(f, 2, 10), -EINVAL);
	*(__le64 *)(rec + 1) = saved;
	/* Order beyond what this kernel accepts. */
	KT_EXPECT_EQ(walk(f, 2, 2), -EINVAL);
	/* Header fields. */
	pg = f->pool.virt[0];
	pg->magic ^= cpu_to_le32(1);
	KT_EXPECT_EQ(walk(f, 2, 10), -EINVAL);
	pg->magic ^= cpu_to_le32(1);
	pg->used = cpu_to_le32(le32_to_cpu(pg->used) + PAGE_SIZE);
	KT_EXPECT_EQ(walk(f, 2, 10), -EINVAL);
	pg->used = cpu_to_le32(le32_to_cpu(pg->used) - PAGE_SIZE);
	KT_EXPECT_EQ(walk(f, 2, 10), 0);
	KT_EXPECT(fixture_free(f));
}

/* Extents: overlapping, adjacent, reversed, out of the window. */
static void kho_map_test_corrupt_extents(KT_CTX)
{
	struct fixture *f = fixture_new();
	struct kho_map_window *rec;
	struct kho_map_extent *ext;

	KT_ASSERT(f);
	__set_bit(0, f->bits);
	__set_bit(2, f->bits);
	kho_map_add_window(&f->wr, 0, 0, f->bits);
	rec = (void *)((struct kho_map_page *)f->pool.virt[0] + 1);
	ext = (void *)(rec + 1);
	KT_ASSERT(rec->kind == KHO_MAP_EXTENTS && le32_to_cpu(rec->count) == 2);
	ext[1].first = cpu_to_le16(1);
	KT_EXPECT_EQ(walk(f, 1, 10), -EINVAL);
	ext[1].first = cpu_to_le16(3);
	ext[1].last = cpu_to_le16(2);
	KT_EXPECT_EQ(walk(f, 1, 10), -EINVAL);
	ext[1].first = cpu_to_le16(KHO_MAP_WINDOW_BLOCKS);
	ext[1].last = cpu_to_le16(KHO_MAP_WINDOW_BLOCKS);
	KT_EXPECT_EQ(walk(f, 1, 10), -EINVAL);
	ext[1].first = cpu_to_le16(2);
	ext[1].last = cpu_to_le16(2);
	KT_EXPECT_EQ(walk(f, 1, 10), 0);
	rec->count = cpu_to_le32(1000);
	KT_EXPECT_EQ(walk(f, 1, 10), -EINVAL);
	rec->count = cpu_to_le32(2);
	rec->kind = 7;
	KT_EXPECT_EQ(walk(f, 1, 10), -EINVAL);
	rec->kind = KHO_MAP_EXTENTS;
	rec->window = cpu_to_le64(~0ULL);
	KT_EXPECT_EQ(walk(f, 1, 10), -EINVAL);
	rec->window = 0;
	KT_EXPECT(fixture_free(f));
}

/*
 * A page whose used bytes end with the start of a record too short to
 * hold its header: the decoder must reject it without reading past the
 * page (ASan).
 */
static void kho_map_test_record_at_page_end(KT_CTX)
{
	struct fixture *f = fixture_new();
	struct kho_map_page *pg;
	unsigned int i, room = PAGE_SIZE - sizeof(*pg);
	u32 used;

	KT_ASSERT(f);
	/* One record of extents filling all but the last 8 bytes. */
	for (i = 0; i < (room - 8 - sizeof(struct kho_map_window)) / 4; i++)
		__set_bit(2 * i, f->bits);
	KT_EXPECT_EQ(kho_map_add_window(&f->wr, 0, 0, f->bits), 0);
	KT_ASSERT(f->wr.nr_pages == 1);
	pg = f->pool.virt[0];
	used = le32_to_cpu(pg->used);
	KT_EXPECT_EQ(used, room - 8);
	KT_EXPECT_EQ(walk(f, 1, 10), 0);
	/* The 8 bytes left claim to hold a record; then only 1. */
	pg->used = cpu_to_le32(room);
	KT_EXPECT_EQ(walk(f, 1, 10), -EINVAL);
	pg->used = cpu_to_le32(used + 1);
	KT_EXPECT_EQ(walk(f, 1, 10), -EINVAL);
	pg->used = cpu_to_le32(used);
	KT_EXPECT(fixture_free(f));
}

/* Random bit flips: rejected or decoded, never out of bounds. */
static void kho_map_test_corrupt_random(KT_CTX)
{
	struct fixture *f = fixture_new();
	u64 seed = 7;
	unsigned int i;

	KT_ASSERT(f);
	build_two_pages(f);
	for (i = 0; i < 3000; i++) {
		u8 *pg = f->pool.virt[kt_rand(&seed) % 3];
		unsigned int off = kt_rand(&seed) % (kt_rand(&seed) & 1 ? 64 : PAGE_SIZE);
		u8 old = pg[off];
		int err;

		pg[off] ^= 1 << (kt_rand(&seed) % 8);
		err = walk(f, 2, 10);
		KT_EXPECT(err == 0 || err == -EINVAL);
		pg[off] = old;
	}
	KT_EXPECT(fixture_free(f));
}

/*
 * kho_map_owns() (kho/out/mem reads map pages through it): every chain
 * and bitmap page of a map, nothing else, nothing once freed.
 */
static void kho_map_test_owns(KT_CTX)
{
	struct fixture *f = fixture_new();
	void *other = kt_alloc_page();
	unsigned int i, b;

	KT_ASSERT(f && other);
	for (i = 0; i < 3; i++) {
		memset(f->bits, 0, sizeof(f->bits));
		/* Alternate bits: a bitmap page; one bit: an extent. */
		for (b = 0; b < (i == 1 ? 1 : KHO_MAP_WINDOW_BLOCKS); b += 2)
			__set_bit(b, f->bits);
		KT_ASSERT(!kho_map_add_window(&f->wr, 0, i, f->bits));
	}
	KT_EXPECT_EQ(f->wr.nr_bitmaps, 2);
	KT_EXPECT_EQ(f->pool.nr, f->wr.nr_pages + f->wr.nr_bitmaps);
	for (i = 0; i < f->pool.nr; i++)
		KT_EXPECT(kho_map_owns(&f->wr, f->pool.phys[i]));
	KT_EXPECT(!kho_map_owns(&f->wr, kt_virt_to_phys(other)));
	kho_map_free(&f->wr);
	for (i = 0; i < f->pool.nr; i++)
		KT_EXPECT(!f->pool.phys[i] || !kho_map_owns(&f->wr, f->pool.phys[i]));
	kt_free_page(other);
	KT_EXPECT(fixture_free(f));
}

KT_SUITE(kho_map,
	 KT_CASE(kho_map_test_empty),
	 KT_CASE(kho_map_test_sparse),
	 KT_CASE(kho_map_test_dense),
	 KT_CASE(kho_map_test_order_enforced),
	 KT_CASE(kho_map_test_enomem),
	 KT_CASE(kho_map_test_corrupt_chain),
	 KT_CASE(kho_map_test_corrupt_extents),
	 KT_CASE(kho_map_test_record_at_page_end),
	 KT_CASE(kho_map_test_corrupt_random),
	 KT_CASE(kho_map_test_owns));
