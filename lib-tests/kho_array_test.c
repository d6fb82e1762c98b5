// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of kho_array (kernel/liveupdate/lib/kho_array.c) against the fake
 * KHO: a reference model, runs, preserve -> kexec -> restore, stores after
 * preserve, every allocation failure, corrupted handovers.
 *
 * lib-tests/Makefile also builds this file with KHO_ARRAY_NODE_SLOTS set
 * to a few slots (kho_array_tiny_test), so that every kind of split at
 * every level happens within a few hundred entries.
 */
#include <linux/errno.h>
#include <linux/kho_array.h>
#include <linux/kho/abi/kho_array.h>
#include <linux/slab.h>
#include "fake_kho.h"
#include "kho_test.h"

/* Slots per node, as kho_array.c computes them. */
#ifdef KHO_ARRAY_NODE_SLOTS
#define KT_SLOTS	KHO_ARRAY_NODE_SLOTS
#define KT_TINY		1
#else
#define KT_SLOTS	((PAGE_SIZE - sizeof(struct kho_array_node)) / \
			 sizeof(struct kho_array_slot))
#define KT_TINY		0
#endif

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
	KT_EXPECT(KT_TINY || a.nr_nodes == 1);
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
	KT_EXPECT(KT_TINY || a.nr_nodes * PAGE_SIZE <= a.nr_entries * 32);
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
	for (i = 0; i < (KT_TINY ? 3 * KT_SLOTS : 2000); i++)
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

/*
 * The model test: long random sequences of stores, erases, range stores,
 * preserve, kexec + restore and failing allocations, against a dense
 * reference of three windows of indices (the lowest, some in the middle,
 * the highest). After every step kho_array_check() passes, every index of
 * every window loads what the reference says, and walks by entry and by
 * run return exactly the reference.
 */
#define MW		(KT_TINY ? 128 : 384)
#define NWIN		3
#define NSLOTS		(NWIN * MW)

static unsigned long wm_index(unsigned long slot)
{
	static const unsigned long base[NWIN] = {
		0, 1UL << 33, KHO_ARRAY_MAX_INDEX + 1 - MW };

	return base[slot / MW] + slot % MW;
}

/* Could @nr indices from @index hold @value, @value + @step, ...? */
static bool wm_run_valid(unsigned long index, unsigned long nr, u64 value,
			 u64 step)
{
	unsigned long i;
	u64 v = value;

	if (!nr || index > KHO_ARRAY_MAX_INDEX ||
	    nr - 1 > KHO_ARRAY_MAX_INDEX - index || !value)
		return false;
	for (i = 1; i < nr; i++) {
		u64 next = v + step;

		if (!next || ((s64)step > 0 && next < v) ||
		    ((s64)step < 0 && next > v))
			return false;
		v = next;
	}
	return true;
}

/*
 * The longest run of the reference from its first entry at or after
 * @*slot: consecutive indices, values stepping by a constant without
 * wrapping. Moves @*slot past it; false if there is none.
 */
static bool wm_run(const u64 *m, unsigned long *slot, unsigned long *first,
		   unsigned long *nr, u64 *value, u64 *step)
{
	unsigned long i = *slot, j;
	u64 last;

	while (i < NSLOTS && !m[i])
		i++;
	if (i == NSLOTS)
		return false;
	*first = wm_index(i);
	*nr = 1;
	*value = last = m[i];
	*step = 0;
	for (j = i + 1; j < NSLOTS && j / MW == i / MW && m[j]; j++) {
		u64 d = m[j] - last;

		if ((*nr > 1 && d != *step) ||
		    ((s64)d > 0 && m[j] < last) || ((s64)d < 0 && m[j] > last))
			break;
		*step = d;
		(*nr)++;
		last = m[j];
	}
	*slot = j;
	return true;
}

/* What differs between @a and the reference @m, NULL if nothing. */
static const char *wm_diff(struct kho_array *a, const u64 *m, u64 *seed,
			   unsigned long *where)
{
	unsigned long index, first, nr, i, n = 0, efirst, enr;
	struct kho_array_iter it;
	u64 value, step, evalue, estep;

	*where = 0;
	if (kho_array_check(a))
		return "kho_array_check()";
	for (i = 0; i < NSLOTS; i++) {
		*where = wm_index(i);
		if (kho_array_load(a, *where) != m[i])
			return "load";
		n += !!m[i];
	}
	*where = n;
	if (a->nr_entries != n)
		return "nr_entries";
	i = 0;
	kho_array_for_each(a, &it, index, value) {
		while (i < NSLOTS && !m[i])
			i++;
		*where = index;
		if (i == NSLOTS || wm_index(i) != index || m[i] != value)
			return "walk";
		i++;
	}
	while (i < NSLOTS && !m[i])
		i++;
	if (i != NSLOTS)
		return "walk ends early";
	/* By runs, from the start and from anywhere. */
	i = kt_rand(seed) % 2 ? 0 : kt_rand(seed) % NSLOTS;
	kho_array_iter_init(&it, a, wm_index(i));
	while (wm_run(m, &i, &efirst, &enr, &evalue, &estep)) {
		*where = efirst;
		if (!kho_array_next_run(&it, &first, &nr, &value, &step) ||
		    first != efirst || nr != enr || value != evalue ||
		    step != estep)
			return "run";
	}
	if (kho_array_next_run(&it, &first, &nr, &value, &step))
		return "run after the last";
	return NULL;
}

/* A value that often continues a run of its neighbours. */
static u64 wm_value(unsigned long index, u64 *seed)
{
	switch (kt_rand(seed) % 5) {
	case 0:
		return index * 2 + 1;
	case 1:
		return (1ULL << 62) - index;
	case 2:
		return U64_MAX - kt_rand(seed) % 3;
	case 3:
		return 5;
	default:
		return kt_rand(seed) | 1;
	}
}

/* Random arguments of a range store from @slot, valid or not. */
static void wm_range_args(unsigned long slot, u64 *seed, unsigned long *nr,
			  u64 *value, u64 *step)
{
	unsigned long room = MW - slot % MW;
	static const u64 steps[] = { 0, 1, -1ULL, 4096, -4096ULL };

	*nr = 1 + kt_rand(seed) % (kt_rand(seed) % 4 ? min(16UL, room) : room);
	if (kt_rand(seed) % 8 == 0)
		*step = kt_rand(seed) % 2 ? kt_rand(seed) : -(kt_rand(seed) % 8);
	else
		*step = steps[kt_rand(seed) % ARRAY_SIZE(steps)];
	switch (kt_rand(seed) % 8) {
	case 0:
		*value = U64_MAX - kt_rand(seed) % 4096;
		break;
	case 1:
		*value = kt_rand(seed) % 8;
		break;
	default:
		*value = 1 + kt_rand(seed) % (1ULL << 40);
		if ((s64)*step < 0)
			*value += (*nr - 1) * -*step;
	}
	/* Past the top of the index space, or nothing. */
	if (kt_rand(seed) % 40 == 0)
		*nr = slot / MW == NWIN - 1 ? room + 1 : 0;
}

/* One random step on @a and @m; false (after reporting) if it went wrong. */
static bool wm_step(KT_CTX, struct kho_array *a, u64 *m, bool *preserved,
		    phys_addr_t *phys, u64 *seed)
{
	unsigned long slot = kt_rand(seed) % NSLOTS, index, nr, i;
	unsigned int op = kt_rand(seed) % 100;
	bool fail = op >= 75 && op < 90;
	u64 value, step;
	int err, want;

	if (kt_rand(seed) % 8 == 0)	/* the edges: 0 and KHO_ARRAY_MAX_INDEX */
		slot = slot / MW * MW + (kt_rand(seed) % 2 ? MW - 1 : 0);
	index = wm_index(slot);
	if (fail) {
		op = kt_rand(seed) % 75;
		fake_kho_fail_after(kt_rand(seed) % 3);
	}
	if (op < 30) {
		value = wm_value(index, seed);
		err = kho_array_store(a, index, value);
		if (!err)
			m[slot] = value;
		want = 0;
	} else if (op < 50) {
		err = kho_array_erase(a, index);
		want = m[slot] ? 0 : -ENOENT;
		if (!err)
			m[slot] = 0;
	} else if (op < 75) {
		wm_range_args(slot, seed, &nr, &value, &step);
		err = kho_array_store_range(a, index, nr, value, step);
		want = wm_run_valid(index, nr, value, step) ? 0 : -EINVAL;
		for (i = 0; !err && i < nr; i++)
			m[slot + i] = value + i * step;
	} else if (op < 95) {
		if (!*preserved) {
			fake_kho_fail_after(kt_rand(seed) % 2 ?
					    (long)(kt_rand(seed) % 64) : -1);
			err = kho_array_preserve(a, phys);
			*preserved = !err;
			fail = true;
		} else {
			kho_array_unpreserve(a);
			*preserved = false;
			err = 0;
		}
		want = 0;
	} else {
		struct kho_array b;

		want = err = 0;
		if (*preserved) {
			fake_kho_kexec();
			kho_array_init_ops(&b, &fake_kho_ops);
			err = kho_array_restore(&b, *phys);
			*a = b;
			*preserved = false;
		}
	}
	fake_kho_fail_after(-1);
	if (err != want && !(fail && err == -ENOMEM)) {
		pr_err("model: op %u at %#lx: %d, expected %d\n", op, index,
		       err, want);
		KT_EXPECT_EQ(err, want);
		return false;
	}
	return true;
}

static void kho_array_test_model(KT_CTX)
{
	unsigned long step, steps = KT_TINY ? 6000 : 2500, where;
	unsigned int seeds = KT_TINY ? 4 : 2, sd;
	const char *diff = NULL;
	struct kho_array a;
	phys_addr_t phys;
	bool preserved;
	u64 *m, seed;

	m = kvcalloc(NSLOTS, sizeof(*m), GFP_KERNEL);
	KT_ASSERT(m);
	for (sd = 1; sd <= seeds; sd++) {
		seed = sd * 0x9e3779b97f4a7c15ULL;
		preserved = false;
		memset(m, 0, NSLOTS * sizeof(*m));
		kho_array_init_ops(&a, &fake_kho_ops);
		for (step = 0; step < steps; step++) {
			if (!wm_step(kt, &a, m, &preserved, &phys, &seed))
				break;
			diff = wm_diff(&a, m, &seed, &where);
			if (diff) {
				pr_err("model: seed %u step %lu: %s differs at %#lx\n",
				       sd, step, diff, where);
				kho_array_dump(&a);
				break;
			}
		}
		KT_EXPECT(!diff);
		KT_EXPECT_EQ(step, steps);
		kho_array_destroy(&a);
		KT_EXPECT_EQ(fake_kho_misuse(), 0);
		KT_EXPECT_EQ(fake_kho_reset(), 0);
	}
	kvfree(m);
}

/* Index every load and every walk must agree with @m on, below @limit. */
static bool same_all(struct kho_array *a, struct model *m, unsigned long limit)
{
	unsigned long i, p;

	if (kho_array_check(a) || !same(a, m))
		return false;
	for (i = 0; i < limit; i++) {
		p = model_pos(m, i);
		if (kho_array_load(a, i) !=
		    (p < m->nr && m->index[p] == i ? m->value[p] : 0))
			return false;
	}
	return true;
}

/*
 * A full interior node splitting while the child that split sits at any
 * slot, next to the middle in particular: a two-level tree with a full
 * root, then stores into the leaf under slot @p until that leaf splits.
 */
static void kho_array_test_split_slots(KT_CTX)
{
	const unsigned int s = KT_SLOTS;
	const unsigned int some[] = { 0, 1, s / 2 - 2, s / 2 - 1, s / 2,
				      s / 2 + 1, s - 2, s - 1 };
	unsigned int i, p, np = s <= 16 ? s : ARRAY_SIZE(some);
	struct kho_array a, b;
	struct kho_array_node *root, *leaf;
	unsigned long n, index;
	phys_addr_t phys;
	struct model m;

	KT_ASSERT(model_init(&m, (unsigned long)s * s + 2 * s));
	for (i = 0; i < np; i++) {
		p = s <= 16 ? i : some[i];
		kho_array_init_ops(&a, &fake_kho_ops);
		m.nr = 0;
		/* Singles in increasing order: full leaves, then a full root. */
		for (n = 0;; n++) {
			root = a.root;
			if (a.height == 2 && le16_to_cpu(root->nr) == s)
				break;
			KT_ASSERT(a.height <= 2 && m.nr < m.cap);
			KT_ASSERT(kho_array_store(&a, 2 * n, 6 * n + 1) == 0);
			model_store(&m, 2 * n, 6 * n + 1);
		}
		leaf = fake_kho_ops.range_virt(le64_to_cpu(root->slots[p].val));
		index = (le64_to_cpu(leaf->slots[0].key) & KHO_ARRAY_KEY_MASK) + 1;
		while (a.height == 2) {
			KT_ASSERT(m.nr < m.cap);
			KT_ASSERT(kho_array_store(&a, index, index + 7) == 0);
			model_store(&m, index, index + 7);
			index += 2;
		}
		KT_EXPECT(same_all(&a, &m, 2 * n + 2));
		/* And the next kernel gets it all back. */
		KT_ASSERT(kho_array_preserve(&a, &phys) == 0);
		fake_kho_kexec();
		kho_array_init_ops(&b, &fake_kho_ops);
		KT_EXPECT_EQ(kho_array_restore(&b, phys), 0);
		KT_EXPECT(same_all(&b, &m, 2 * n + 2));
		kho_array_destroy(&b);
		KT_EXPECT_EQ(fake_kho_misuse(), 0);
		KT_EXPECT_EQ(fake_kho_reset(), 0);
	}
	model_free(&m);
}

static void model_store_range(struct model *m, unsigned long first,
			      unsigned long nr, u64 value, u64 step)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		model_store(m, first + i, value + i * step);
}

/* Store ranges: arguments, the whole index space, the edges, runs. */
static void kho_array_test_store_range(KT_CTX)
{
	const unsigned long max = KHO_ARRAY_MAX_INDEX;
	struct kho_array_iter it;
	unsigned long first, nr;
	struct kho_array a;
	u64 value, step;

	kho_array_init_ops(&a, &fake_kho_ops);
	KT_EXPECT_EQ(kho_array_store_range(&a, 0, 0, 1, 1), -EINVAL);
	KT_EXPECT_EQ(kho_array_store_range(&a, max + 1, 1, 1, 1), -EINVAL);
	KT_EXPECT_EQ(kho_array_store_range(&a, max, 2, 1, 1), -EINVAL);
	KT_EXPECT_EQ(kho_array_store_range(&a, 0, ULONG_MAX, 1, 0), -EINVAL);
	KT_EXPECT_EQ(kho_array_store_range(&a, 0, 1, 0, 1), -EINVAL);
	KT_EXPECT_EQ(kho_array_store_range(&a, 0, 2, U64_MAX, 1), -EINVAL);
	KT_EXPECT_EQ(kho_array_store_range(&a, 0, 4, 3, -1ULL), -EINVAL);
	KT_EXPECT_EQ(kho_array_store_range(&a, 0, 3, 1ULL << 63, 1ULL << 62),
		     -EINVAL);
	KT_EXPECT(!a.root && !a.nr_entries);

	KT_EXPECT_EQ(kho_array_store_range(&a, 0, 3, 3, -1ULL), 0);
	KT_EXPECT_EQ(kho_array_load(&a, 2), 1);
	/* The whole index space in one record. */
	KT_EXPECT_EQ(kho_array_store_range(&a, 0, max + 1, 1, 1), 0);
	KT_EXPECT_EQ(a.nr_entries, max + 1);
	KT_EXPECT_EQ(a.nr_nodes, 1);
	KT_EXPECT_EQ(kho_array_load(&a, max), max + 1);
	kho_array_iter_init(&it, &a, 5);
	KT_EXPECT(kho_array_next_run(&it, &first, &nr, &value, &step) &&
		  first == 5 && nr == max - 4 && value == 6 && step == 1);
	KT_EXPECT(!kho_array_next_run(&it, &first, &nr, &value, &step));
	/* A hole at the top, filled again: one run again. */
	KT_EXPECT_EQ(kho_array_erase(&a, max), 0);
	KT_EXPECT_EQ(kho_array_store_range(&a, max - 1, 2, max, 1), 0);
	kho_array_iter_init(&it, &a, 0);
	KT_EXPECT(kho_array_next_run(&it, &first, &nr, &value, &step) &&
		  first == 0 && nr == max + 1 && value == 1 && step == 1);
	/* Cut in the middle and at both ends. */
	KT_EXPECT_EQ(kho_array_store_range(&a, 1UL << 40, 10, 7, 0), 0);
	KT_EXPECT_EQ(kho_array_store_range(&a, 0, 2, 9, 9), 0);
	KT_EXPECT_EQ(kho_array_store_range(&a, max - 2, 3, 100, -2ULL), 0);
	KT_EXPECT_EQ(kho_array_check(&a), 0);
	KT_EXPECT_EQ(a.nr_entries, max + 1);
	KT_EXPECT_EQ(kho_array_load(&a, 1), 18);
	KT_EXPECT_EQ(kho_array_load(&a, 2), 3);
	KT_EXPECT_EQ(kho_array_load(&a, (1UL << 40) + 9), 7);
	KT_EXPECT_EQ(kho_array_load(&a, (1UL << 40) + 10), (1UL << 40) + 11);
	KT_EXPECT_EQ(kho_array_load(&a, max), 96);
	kho_array_iter_init(&it, &a, 0);
	KT_EXPECT(kho_array_next_run(&it, &first, &nr, &value, &step) &&
		  first == 0 && nr == 2 && value == 9 && step == 9);
	KT_EXPECT(kho_array_next_run(&it, &first, &nr, &value, &step) &&
		  first == 2 && nr == (1UL << 40) - 2 && value == 3 && step == 1);
	KT_EXPECT(kho_array_next_run(&it, &first, &nr, &value, &step) &&
		  first == 1UL << 40 && nr == 10 && value == 7 && step == 0);
	KT_EXPECT(kho_array_next_run(&it, &first, &nr, &value, &step) &&
		  first == (1UL << 40) + 10 && value == (1UL << 40) + 11);
	KT_EXPECT(kho_array_next_run(&it, &first, &nr, &value, &step) &&
		  first == max - 2 && nr == 3 && value == 100 &&
		  step == -2ULL);
	KT_EXPECT(!kho_array_next_run(&it, &first, &nr, &value, &step));
	kho_array_destroy(&a);

	/*
	 * Runs continue across records however they were stored: 5 then
	 * 6, 8, 10 is the run 5, 6 and the run 8, 10.
	 */
	kho_array_init_ops(&a, &fake_kho_ops);
	KT_EXPECT_EQ(kho_array_store_range(&a, 1, 3, 6, 2), 0);
	KT_EXPECT_EQ(kho_array_store(&a, 0, 5), 0);
	kho_array_iter_init(&it, &a, 0);
	KT_EXPECT(kho_array_next_run(&it, &first, &nr, &value, &step) &&
		  first == 0 && nr == 2 && value == 5 && step == 1);
	KT_EXPECT(kho_array_next_run(&it, &first, &nr, &value, &step) &&
		  first == 2 && nr == 2 && value == 8 && step == 2);
	kho_array_iter_init(&it, &a, 3);
	KT_EXPECT(kho_array_next_run(&it, &first, &nr, &value, &step) &&
		  first == 3 && nr == 1 && value == 10 && step == 0);
	KT_EXPECT(!kho_array_next_run(&it, &first, &nr, &value, &step));
	kho_array_destroy(&a);
	KT_EXPECT_EQ(fake_kho_misuse(), 0);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

/*
 * A range over many leaves: each leaf it meets keeps one record, only
 * the two at its ends may split, and it walks as one run.
 */
static void kho_array_test_range_leaves(KT_CTX)
{
	const unsigned long limit = KT_TINY ? 2000 : 1UL << 16;
	unsigned long first, nr, nodes, i;
	struct kho_array_iter it;
	struct kho_array a;
	struct model m;
	u64 value, step, seed = 11;

	KT_ASSERT(model_init(&m, limit));
	kho_array_init_ops(&a, &fake_kho_ops);
	for (i = 0; i < limit / 8; i++) {
		unsigned long index = kt_rand(&seed) % limit;

		value = kt_rand(&seed) | 1;
		KT_ASSERT(kho_array_store(&a, index, value) == 0);
		model_store(&m, index, value);
	}
	KT_EXPECT(same_all(&a, &m, limit));
	nodes = a.nr_nodes;
	KT_ASSERT(kho_array_store_range(&a, 100, limit - 200, 1000, 3) == 0);
	model_store_range(&m, 100, limit - 200, 1000, 3);
	KT_EXPECT(same_all(&a, &m, limit));
	KT_EXPECT(a.nr_nodes <= nodes + 2 * 3 * a.height);
	kho_array_iter_init(&it, &a, 100);
	KT_EXPECT(kho_array_next_run(&it, &first, &nr, &value, &step) &&
		  first == 100 && nr >= limit - 200 && value == 1000 &&
		  step == 3);
	/* Split that run in the middle of a leaf, and fill the gap again. */
	KT_ASSERT(kho_array_store_range(&a, limit / 2, 7, 1, 0) == 0);
	model_store_range(&m, limit / 2, 7, 1, 0);
	KT_EXPECT(same_all(&a, &m, limit));
	KT_ASSERT(kho_array_store_range(&a, limit / 2 - 1, 9,
					1000 + (limit / 2 - 101) * 3, 3) == 0);
	model_store_range(&m, limit / 2 - 1, 9, 1000 + (limit / 2 - 101) * 3, 3);
	KT_EXPECT(same_all(&a, &m, limit));
	kho_array_iter_init(&it, &a, 100);
	KT_EXPECT(kho_array_next_run(&it, &first, &nr, &value, &step) &&
		  first == 100 && nr >= limit - 200);
	kho_array_destroy(&a);
	model_free(&m);
	KT_EXPECT_EQ(fake_kho_misuse(), 0);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

/*
 * Range stores with the allocation (or preservation) number @n failing,
 * for every @n: each call succeeds or fails with -ENOMEM leaving the
 * array as it was, and nothing leaks.
 */
static void kho_array_test_range_enomem(KT_CTX)
{
	static const struct {
		unsigned long first, nr;
		u64 value, step;
	} ops[] = {
		{ 11, 2, 1, 1 }, { 15, 2, 1, 1 }, { 13, 2, 1, 1 },
		{ 101, 300, 50, 2 }, { 201, 3, 9, 0 }, { 0, 4, 4, -1ULL },
		{ 150, 2, 77, 77 }, { 500, 1, 3, 0 },
	};
	const unsigned long n_entries = KT_TINY ? 60 : 1000;
	unsigned int i, failed, pres;
	struct kho_array a;
	phys_addr_t phys;
	struct model m;
	long n;
	int err;

	KT_ASSERT(model_init(&m, 2 * n_entries + 400));
	for (pres = 0; pres < 2; pres++) {
		for (n = 0;; n++) {
			kho_array_init_ops(&a, &fake_kho_ops);
			m.nr = 0;
			for (i = 0; i < n_entries; i++) {
				KT_ASSERT(kho_array_store(&a, 2 * i, 6 * i + 1) == 0);
				model_store(&m, 2 * i, 6 * i + 1);
			}
			if (pres)
				KT_ASSERT(kho_array_preserve(&a, &phys) == 0);
			failed = 0;
			fake_kho_fail_after(n);
			for (i = 0; i < ARRAY_SIZE(ops); i++) {
				err = kho_array_store_range(&a, ops[i].first,
							    ops[i].nr,
							    ops[i].value,
							    ops[i].step);
				if (err) {
					KT_ASSERT(err == -ENOMEM);
					failed++;
				} else {
					model_store_range(&m, ops[i].first,
							  ops[i].nr,
							  ops[i].value,
							  ops[i].step);
				}
				KT_EXPECT(same_all(&a, &m, 2 * n_entries + 2));
			}
			fake_kho_fail_after(-1);
			kho_array_destroy(&a);
			KT_EXPECT_EQ(fake_kho_misuse(), 0);
			KT_EXPECT_EQ(fake_kho_reset(), 0);
			if (!failed)
				break;
		}
		/* The sequence does allocate: some calls did fail. */
		KT_EXPECT(n > 0);
	}
	model_free(&m);
}

/*
 * Erasing 99% of the entries, scattered over the whole array, frees or
 * merges the nodes they leave underfull: memory stays proportional to
 * what is left (here within a loose 12 times the fewest nodes it fits
 * in, where nothing shrank at all before). Twice:
 * single entries with random values, and one long run that the erases
 * cut into singles; the second time while preserved, so the nodes freed
 * are unpreserved, and what is left is handed over.
 */
static void kho_array_test_shrink(KT_CTX)
{
	const unsigned long n = 50000, keep = 100, stride = 7919;
	unsigned long i, j, kept = DIV_ROUND_UP(n, keep), full, bound;
	struct kho_array a, b;
	phys_addr_t phys = 0;
	unsigned int pass;
	u64 seed = 11;
	bool ok;

	for (pass = 0; pass < 2; pass++) {
		kho_array_init_ops(&a, &fake_kho_ops);
		for (i = 0; i < n; i++)
			KT_ASSERT(kho_array_store(&a, i, pass ? 3 * i + 7 :
						  kt_rand(&seed) | 1) == 0);
		if (pass)
			KT_ASSERT(kho_array_preserve(&a, &phys) == 0);
		full = a.nr_nodes;
		/* stride is prime to n: every index once, scattered. */
		for (i = 0; i < n; i++) {
			j = i * stride % n;
			if (j % keep)
				KT_ASSERT(kho_array_erase(&a, j) == 0);
		}
		KT_EXPECT_EQ(a.nr_entries, kept);
		KT_EXPECT_EQ(kho_array_check(&a), 0);
		bound = 12 * DIV_ROUND_UP(kept, KT_SLOTS) + KHO_ARRAY_MAX_HEIGHT;
		KT_EXPECT(a.nr_nodes <= bound);
		/* Singles fill the whole array: 99% of its nodes go. */
		KT_EXPECT(pass || a.nr_nodes < full / 4);
		if (pass) {
			fake_kho_kexec();
			kho_array_init_ops(&b, &fake_kho_ops);
			KT_ASSERT(kho_array_restore(&b, phys) == 0);
			KT_EXPECT_EQ(b.nr_nodes, a.nr_nodes);
			a = b;
		}
		for (i = 0, ok = true; i < n; i++)
			if (!kho_array_load(&a, i) != !!(i % keep))
				ok = false;
		KT_EXPECT(ok);
		kho_array_destroy(&a);
		KT_EXPECT_EQ(fake_kho_misuse(), 0);
		KT_EXPECT_EQ(fake_kho_reset(), 0);
	}
}

KT_SUITE(kho_array,
	 KT_CASE(kho_array_test_basic),
	 KT_CASE(kho_array_test_runs),
	 KT_CASE_SLOW(kho_array_test_random),
	 KT_CASE(kho_array_test_sparse_cost),
	 KT_CASE(kho_array_test_kexec),
	 KT_CASE(kho_array_test_empty_kexec),
	 KT_CASE(kho_array_test_enomem),
	 KT_CASE(kho_array_test_corrupt),
	 KT_CASE_SLOW(kho_array_test_model),
	 KT_CASE_SLOW(kho_array_test_split_slots),
	 KT_CASE(kho_array_test_store_range),
	 KT_CASE(kho_array_test_range_leaves),
	 KT_CASE_SLOW(kho_array_test_range_enomem),
	 KT_CASE(kho_array_test_shrink));
