// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of kho_array (kernel/liveupdate/lib/kho_array.c) against the fake
 * KHO: a reference model, runs, preserve -> kexec -> restore, stores after
 * preserve, every allocation failure, corrupted handovers.
 */
#include <linux/errno.h>
#include <linux/kho_array.h>
#include <linux/kho/abi/kho_array.h>
#include <linux/slab.h>
#include "fake_kho.h"
#include "kho_test.h"

/* Reference model: a sorted array of (index, value). */
struct model {
	unsigned long *index;
	u64 *value;
	unsigned long nr, cap;
};

static bool model_init(struct model *m, unsigned long cap)
{
	m->index = kvcalloc(cap, sizeof(*m->index), GFP_KERNEL);
	m->value = kvcalloc(cap, sizeof(*m->value), GFP_KERNEL);
	m->nr = 0;
	m->cap = cap;
	return m->index && m->value;
}

static void model_free(struct model *m)
{
	kvfree(m->index);
	kvfree(m->value);
}

static unsigned long model_pos(struct model *m, unsigned long index)
{
	unsigned long lo = 0, hi = m->nr;

	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (m->index[mid] < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void model_store(struct model *m, unsigned long index, u64 value)
{
	unsigned long p = model_pos(m, index);

	if (p < m->nr && m->index[p] == index) {
		m->value[p] = value;
		return;
	}
	memmove(m->index + p + 1, m->index + p, (m->nr - p) * sizeof(*m->index));
	memmove(m->value + p + 1, m->value + p, (m->nr - p) * sizeof(*m->value));
	m->index[p] = index;
	m->value[p] = value;
	m->nr++;
}

static bool model_erase(struct model *m, unsigned long index)
{
	unsigned long p = model_pos(m, index);

	if (p == m->nr || m->index[p] != index)
		return false;
	memmove(m->index + p, m->index + p + 1, (m->nr - p - 1) * sizeof(*m->index));
	memmove(m->value + p, m->value + p + 1, (m->nr - p - 1) * sizeof(*m->value));
	m->nr--;
	return true;
}

/* The array holds exactly the model: walk, loads, counts. */
static bool same(struct kho_array *a, struct model *m)
{
	struct kho_array_iter it;
	unsigned long index, i = 0;
	u64 value;

	kho_array_for_each(a, &it, index, value) {
		if (i >= m->nr || m->index[i] != index || m->value[i] != value)
			return false;
		i++;
	}
	if (i != m->nr || a->nr_entries != m->nr)
		return false;
	for (i = 0; i < m->nr; i += 1 + m->nr / 500)
		if (kho_array_load(a, m->index[i]) != m->value[i])
			return false;
	return true;
}

/* Random stores and erases, indices from @range, values making runs. */
static int fill_random(struct kho_array *a, struct model *m, unsigned long ops,
		       unsigned long range, u64 *seed)
{
	unsigned long i;
	int err;

	for (i = 0; i < ops && m->nr < m->cap; i++) {
		unsigned long index = kt_rand(seed) % range;
		u64 value = kt_rand(seed) % 4 ? index * 3 + 7 : kt_rand(seed) | 1;

		if (kt_rand(seed) % 5 == 0) {
			bool had = model_erase(m, index);

			err = kho_array_erase(a, index);
			if (err != (had ? 0 : -ENOENT))
				return -EINVAL;
		} else {
			model_store(m, index, value);
			err = kho_array_store(a, index, value);
			if (err)
				return err;
		}
	}
	return 0;
}

static void kho_array_test_basic(KT_CTX)
{
	struct kho_array a;
	struct kho_array_iter it;
	unsigned long index;
	u64 value;

	kho_array_init_ops(&a, &fake_kho_ops);
	KT_EXPECT_EQ(kho_array_load(&a, 5), 0);
	KT_EXPECT_EQ(kho_array_erase(&a, 5), -ENOENT);
	KT_EXPECT_EQ(kho_array_store(&a, 5, 0), -EINVAL);
	KT_EXPECT_EQ(kho_array_store(&a, KHO_ARRAY_MAX_INDEX + 1, 1), -EINVAL);
	KT_EXPECT_EQ(kho_array_store(&a, 5, 50), 0);
	KT_EXPECT_EQ(kho_array_store(&a, 5, 51), 0);
	KT_EXPECT_EQ(kho_array_store(&a, KHO_ARRAY_MAX_INDEX, ~0ULL), 0);
	KT_EXPECT_EQ(kho_array_store(&a, 1UL << 40, 3), 0);
	KT_EXPECT_EQ(kho_array_load(&a, 5), 51);
	KT_EXPECT_EQ(kho_array_load(&a, KHO_ARRAY_MAX_INDEX), ~0ULL);
	KT_EXPECT_EQ(kho_array_load(&a, 1UL << 40), 3);
	KT_EXPECT_EQ(kho_array_load(&a, 6), 0);
	KT_EXPECT_EQ(a.nr_entries, 3);
	kho_array_iter_init(&it, &a, 6);
	KT_EXPECT(kho_array_next(&it, &index, &value) && index == 1UL << 40);
	KT_EXPECT(kho_array_next(&it, &index, &value) &&
		  index == KHO_ARRAY_MAX_INDEX);
	KT_EXPECT(!kho_array_next(&it, &index, &value));
	KT_EXPECT_EQ(kho_array_erase(&a, 5), 0);
	KT_EXPECT_EQ(kho_array_erase(&a, 1UL << 40), 0);
	KT_EXPECT_EQ(kho_array_erase(&a, KHO_ARRAY_MAX_INDEX), 0);
	KT_EXPECT_EQ(a.nr_entries, 0);
	KT_EXPECT_EQ(a.nr_nodes, 0);
	kho_array_destroy(&a);
	KT_EXPECT_EQ(fake_kho_misuse(), 0);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

/* A PFN-like run costs one record whatever its length; edits split it. */
static void kho_array_test_runs(KT_CTX)
{
	struct kho_array a;
	struct model m;
	unsigned long i, n = 100000;

	KT_ASSERT(model_init(&m, n + 100));
	kho_array_init_ops(&a, &fake_kho_ops);
	for (i = 0; i < n; i++) {
		KT_ASSERT(kho_array_store(&a, 1000 + i, 0x100000 + i * 4096) == 0);
		model_store(&m, 1000 + i, 0x100000 + i * 4096);
	}
	KT_EXPECT_EQ(a.nr_nodes, 1);
	KT_EXPECT(same(&a, &m));
	/* Descending values, then a break in the middle and its repair. */
	for (i = 0; i < 50; i++) {
		kho_array_store(&a, 500 + i, 1000 - i);
		model_store(&m, 500 + i, 1000 - i);
	}
	kho_array_store(&a, 1000 + n / 2, 5);
	model_store(&m, 1000 + n / 2, 5);
	kho_array_erase(&a, 1000 + n / 3);
	model_erase(&m, 1000 + n / 3);
	KT_EXPECT(same(&a, &m));
	kho_array_store(&a, 1000 + n / 2, 0x100000 + (n / 2) * 4096);
	model_store(&m, 1000 + n / 2, 0x100000 + (n / 2) * 4096);
	KT_EXPECT(same(&a, &m));
	KT_EXPECT_EQ(a.nr_nodes, 1);
	kho_array_destroy(&a);
	model_free(&m);
	KT_EXPECT_EQ(fake_kho_misuse(), 0);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

static void kho_array_test_random(KT_CTX)
{
	static const unsigned long ranges[] = { 64, 5000, 1UL << 40 };
	struct kho_array a;
	struct model m;
	unsigned int r;
	u64 seed = 1;

	KT_ASSERT(model_init(&m, 40000));
	for (r = 0; r < ARRAY_SIZE(ranges); r++) {
		kho_array_init_ops(&a, &fake_kho_ops);
		m.nr = 0;
		KT_EXPECT_EQ(fill_random(&a, &m, 30000, ranges[r], &seed), 0);
		KT_EXPECT(same(&a, &m));
		/* Erase everything: the tree shrinks back to nothing. */
		while (m.nr) {
			KT_ASSERT(kho_array_erase(&a, m.index[m.nr / 2]) == 0);
			model_erase(&m, m.index[m.nr / 2]);
		}
		KT_EXPECT_EQ(a.nr_nodes, 0);
		KT_EXPECT_EQ(a.height, 0);
		kho_array_destroy(&a);
		KT_EXPECT_EQ(fake_kho_misuse(), 0);
		KT_EXPECT_EQ(fake_kho_reset(), 0);
	}
	model_free(&m);
}

/* Sparse entries cost little: at most 32 bytes each with split leaves. */
static void kho_array_test_sparse_cost(KT_CTX)
{
	struct kho_array a;
	unsigned long i, n = 50000;
	u64 seed = 3;

	kho_array_init_ops(&a, &fake_kho_ops);
	for (i = 0; i < n; i++)
		KT_ASSERT(kho_array_store(&a, kt_rand(&seed) % (1UL << 40),
					  kt_rand(&seed) | 1) == 0);
	KT_EXPECT(a.nr_nodes * PAGE_SIZE <= a.nr_entries * 32);
	kho_array_destroy(&a);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

static void kho_array_test_kexec(KT_CTX)
{
	struct kho_array a, b;
	struct model m;
	phys_addr_t phys;
	u64 seed = 5;

	KT_ASSERT(model_init(&m, 20000));
	kho_array_init_ops(&a, &fake_kho_ops);
	KT_EXPECT_EQ(fill_random(&a, &m, 20000, 1UL << 30, &seed), 0);
	KT_ASSERT(kho_array_preserve(&a, &phys) == 0);
	KT_EXPECT_EQ(kho_array_preserve(&a, &phys), -EBUSY);
	/* Stores after preserve are picked up, splits included. */
	KT_EXPECT_EQ(fill_random(&a, &m, 5000, 1UL << 30, &seed), 0);
	fake_kho_kexec();

	kho_array_init_ops(&b, &fake_kho_ops);
	KT_ASSERT(kho_array_restore(&b, phys) == 0);
	KT_EXPECT(same(&b, &m));
	/* A restored array is an ordinary one. */
	KT_EXPECT_EQ(fill_random(&b, &m, 2000, 1UL << 30, &seed), 0);
	KT_EXPECT(same(&b, &m));
	kho_array_destroy(&b);
	model_free(&m);
	KT_EXPECT_EQ(fake_kho_misuse(), 0);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

static void kho_array_test_empty_kexec(KT_CTX)
{
	struct kho_array a;
	phys_addr_t phys;

	kho_array_init_ops(&a, &fake_kho_ops);
	KT_ASSERT(kho_array_preserve(&a, &phys) == 0);
	fake_kho_kexec();
	kho_array_init_ops(&a, &fake_kho_ops);
	KT_EXPECT_EQ(kho_array_restore(&a, phys), 0);
	KT_EXPECT_EQ(a.nr_entries, 0);
	kho_array_destroy(&a);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

/* Every failure point of preserve and of splitting stores. */
static void kho_array_test_enomem(KT_CTX)
{
	struct kho_array a;
	struct model m;
	phys_addr_t phys;
	long n;
	u64 seed = 9;
	int err;

	KT_ASSERT(model_init(&m, 4000));
	for (n = 0;; n++) {
		kho_array_init_ops(&a, &fake_kho_ops);
		m.nr = 0;
		seed = 9;
		KT_ASSERT(fill_random(&a, &m, 3000, 1UL << 40, &seed) == 0);
		fake_kho_fail_after(n);
		err = kho_array_preserve(&a, &phys);
		fake_kho_fail_after(-1);
		KT_EXPECT(err == 0 || err == -ENOMEM);
		KT_EXPECT(same(&a, &m));
		if (!err)
			kho_array_unpreserve(&a);
		kho_array_destroy(&a);
		KT_EXPECT_EQ(fake_kho_misuse(), 0);
		KT_EXPECT_EQ(fake_kho_reset(), 0);
		if (!err)
			break;
	}
	KT_EXPECT(n > 10);

	/* Stores while preserved: allocation and preservation may fail. */
	kho_array_init_ops(&a, &fake_kho_ops);
	m.nr = 0;
	KT_ASSERT(kho_array_preserve(&a, &phys) == 0);
	for (n = 0; n < 6000; n++) {
		unsigned long index = kt_rand(&seed) % (1UL << 40);

		fake_kho_fail_after(kt_rand(&seed) % 3);
		err = kho_array_store(&a, index, n + 1);
		fake_kho_fail_after(-1);
		if (!err)
			model_store(&m, index, n + 1);
		else
			KT_EXPECT_EQ(err, -ENOMEM);
	}
	KT_EXPECT(same(&a, &m));
	kho_array_destroy(&a);
	model_free(&m);
	KT_EXPECT_EQ(fake_kho_misuse(), 0);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

/* Build a two-level preserved array, kexec, return the head. */
static struct kho_array_head *preserved_tree(struct kho_array *a,
					      phys_addr_t *phys)
{
	unsigned long i;

	kho_array_init_ops(a, &fake_kho_ops);
	for (i = 0; i < 2000; i++)
		if (kho_array_store(a, i * 7, i + 1))
			return NULL;
	if (a->height != 2 || kho_array_preserve(a, phys))
		return NULL;
	fake_kho_kexec();
	return a->head;
}

static void kho_array_test_corrupt(KT_CTX)
{
	struct kho_array a;
	struct kho_array_head *h;
	struct kho_array_node *root, *leaf;
	phys_addr_t phys;
	unsigned int c;
	long left;

	for (c = 0; c < 9; c++) {
		h = preserved_tree(&a, &phys);
		KT_ASSERT(h);
		root = fake_kho_ops.range_virt(le64_to_cpu(h->root));
		leaf = fake_kho_ops.range_virt(le64_to_cpu(root->slots[1].val));
		switch (c) {
		case 0:
			h->magic = 0;
			break;
		case 1:
			h->height = 9;
			break;
		case 2:
			h->nr_entries = cpu_to_le64(1);
			break;
		case 3:	/* a child shared by two parents */
			root->slots[1].val = root->slots[0].val;
			break;
		case 4:	/* a cycle */
			root->slots[1].val = h->root;
			break;
		case 5:	/* keys out of order */
			root->slots[1].key = root->slots[2].key;
			break;
		case 6:
			leaf->slots[1].key = leaf->slots[0].key;
			break;
		case 7:
			leaf->nr = cpu_to_le16(300);
			break;
		case 8:	/* a zero value */
			leaf->slots[0].val = 0;
			break;
		}
		kho_array_init_ops(&a, &fake_kho_ops);
		KT_EXPECT_EQ(kho_array_restore(&a, phys), -EINVAL);
		KT_EXPECT_EQ(a.nr_entries, 0);
		KT_EXPECT_EQ(fake_kho_misuse(), 0);
		/*
		 * Only pages made unreachable by the damage may be left;
		 * with a bad magic or height nothing below the head is
		 * trusted.
		 */
		left = fake_kho_reset();
		KT_EXPECT(c <= 1 || left <= 1);
	}
	kho_array_init_ops(&a, &fake_kho_ops);
	KT_EXPECT_EQ(kho_array_restore(&a, 12345 * PAGE_SIZE), -EINVAL);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

KT_SUITE(kho_array,
	 KT_CASE(kho_array_test_basic),
	 KT_CASE(kho_array_test_runs),
	 KT_CASE_SLOW(kho_array_test_random),
	 KT_CASE(kho_array_test_sparse_cost),
	 KT_CASE(kho_array_test_kexec),
	 KT_CASE(kho_array_test_empty_kexec),
	 KT_CASE(kho_array_test_enomem),
	 KT_CASE(kho_array_test_corrupt));
