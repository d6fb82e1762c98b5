// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho_array: a sparse index -> nonzero u64 map that is its own handover
 * format. It is a B+tree of node pages (format in
 * include/linux/kho/abi/kho_array.h); leaves hold single entries and runs
 * (consecutive indices whose values step by a constant). Preserving it
 * preserves its pages; while preserved, pages it allocates are preserved
 * and pages it frees unpreserved, so stores after kho_array_preserve()
 * are handed over too. A restored array is checked whole and is then an
 * ordinary array again.
 */
#define pr_fmt(fmt) "kho_array: " fmt

#include <linux/errno.h>
#include <linux/kho_array.h>
#include <linux/kho/abi/kho_array.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include "kho_page.h"

/*
 * Slots per node page. The userspace tests build a second time with
 * KHO_ARRAY_NODE_SLOTS set to a handful, so that splits at every level
 * happen after a few dozen stores. A range store needs up to six slots in
 * a leaf holding one run, hence the minimum.
 */
#ifdef KHO_ARRAY_NODE_SLOTS
#define NODE_SLOTS	KHO_ARRAY_NODE_SLOTS
#else
#define NODE_SLOTS	((PAGE_SIZE - sizeof(struct kho_array_node)) / \
			 sizeof(struct kho_array_slot))
#endif
static_assert(NODE_SLOTS >= 6 &&
	      NODE_SLOTS <= (PAGE_SIZE - sizeof(struct kho_array_node)) /
			    sizeof(struct kho_array_slot));

/* A leaf record: @count indices from @index, the k-th valued @value + k * @step. */
struct kho_rec {
	unsigned long index;
	u64 count;
	u64 value;
	u64 step;
};

/* At most the edited records, their neighbours and the split pieces. */
#define EDIT_RECS	8

static struct kho_array_node *kho_node(struct kho_array *a, u64 phys)
{
	return a->ops->range_virt(phys);
}

static unsigned int node_nr(const struct kho_array_node *n)
{
	return le16_to_cpu(n->nr);
}

static u64 slot_key(const struct kho_array_node *n, unsigned int i)
{
	return le64_to_cpu(n->slots[i].key);
}

static u64 slot_val(const struct kho_array_node *n, unsigned int i)
{
	return le64_to_cpu(n->slots[i].val);
}

static void set_slot(struct kho_array_node *n, unsigned int i, u64 key, u64 val)
{
	n->slots[i].key = cpu_to_le64(key);
	n->slots[i].val = cpu_to_le64(val);
}

/*
 * Can a run hold these values without wrapping or reaching zero? Every
 * store asks this of the records it merges: multiply and check for
 * overflow rather than divide, which costs more than the rest of a store.
 */
static bool kho_run_ok(u64 value, u64 step, u64 count)
{
	s64 s = step;
	u64 span;

	if (!value || !count)
		return false;
	if (count == 1 || !s)
		return true;
	/* |step| * (count - 1): how far the last value is from the first. */
	if (check_mul_overflow(count - 1, s > 0 ? step : -step, &span))
		return false;
	return s > 0 ? span <= U64_MAX - value : span <= value - 1;
}

/* Decode the leaf record at slot @i; return its width in slots. */
static unsigned int leaf_rec(const struct kho_array_node *n, unsigned int i,
			     struct kho_rec *r)
{
	u64 key = slot_key(n, i);

	r->index = key & KHO_ARRAY_KEY_MASK;
	r->value = slot_val(n, i);
	if (key & KHO_ARRAY_KEY_RUN) {
		r->count = slot_key(n, i + 1) & KHO_ARRAY_KEY_MASK;
		r->step = slot_val(n, i + 1);
		return 2;
	}
	r->count = 1;
	r->step = 0;
	return 1;
}

static unsigned int rec_width(const struct kho_rec *r)
{
	return r->count > 1 ? 2 : 1;
}

static unsigned int put_rec(struct kho_array_node *n, unsigned int i,
			    const struct kho_rec *r)
{
	if (r->count == 1) {
		set_slot(n, i, r->index, r->value);
		return 1;
	}
	set_slot(n, i, r->index | KHO_ARRAY_KEY_RUN, r->value);
	set_slot(n, i + 1, r->count | KHO_ARRAY_KEY_TAIL, r->step);
	return 2;
}

/*
 * Where to look first for @index in a node of @nr slots whose keys lie in
 * [@lo, @hi): where it would be if the keys were spread evenly. They are
 * in a dense leaf (one index per slot) and in the nodes above dense
 * leaves, so the first probe lands on the right slot or next to it, where
 * a bisection of a 4 KiB node costs a cache miss per probe; elsewhere the
 * search starts near the right slot and bisects from there.
 */
static int guess_slot(int nr, unsigned long lo, unsigned long hi,
		      unsigned long index)
{
	if (index <= lo)
		return 0;
	if (index >= hi)
		return nr - 1;
	/* Too wide to scale without overflow: bisect. */
	if (hi - lo > U64_MAX / NODE_SLOTS)
		return nr / 2;
	return (index - lo) * nr / (hi - lo);
}

/* Slot of the last record of leaf @n, which holds at least one. */
static int leaf_last(const struct kho_array_node *n)
{
	int last = node_nr(n) - 1;

	return slot_key(n, last) & KHO_ARRAY_KEY_TAIL ? last - 1 : last;
}

/*
 * The range [@lo, @hi) a search of @n (not empty) guesses from: the
 * bounds its parent gives it, unless they are too wide to scale (the
 * root, the last node of a level), then the node's own first and last
 * keys, at the cost of reading one more cache line.
 */
static void key_span(const struct kho_array_node *n, unsigned long *lo,
		     unsigned long *hi)
{
	int last = node_nr(n) - 1;

	if (*hi - *lo <= U64_MAX / NODE_SLOTS)
		return;
	if (!n->level) {
		*lo = slot_key(n, 0) & KHO_ARRAY_KEY_MASK;
		*hi = (slot_key(n, leaf_last(n)) & KHO_ARRAY_KEY_MASK) + 1;
	} else if (last) {
		*lo = slot_key(n, 1);
		*hi = slot_key(n, last) + 1;
	}
}

/* A search that just probed its guess: start galloping. */
#define GALLOP_START	0
/* A search that turned back: bisect. */
#define GALLOP_OFF	INT_MIN

/*
 * The next probe of a search of slots [@lo, @hi] that started at a guess:
 * gallop from the guess, 1, 2, 4... slots further on the side it sent the
 * search to (@gallop, negative below), so that a right guess is confirmed
 * by the next slot, most often in the same cache line, and a close one
 * costs a few probes of nearby cache lines; bisect once the search has
 * turned back.
 */
static int next_probe(int lo, int hi, int *gallop, bool up)
{
	int d = *gallop == GALLOP_START ? (up ? 1 : -1) : *gallop;

	if (d != GALLOP_OFF && (d > 0) == up) {
		*gallop = 2 * d;
		return up ? min(lo + d - 1, hi) : max(hi + d + 1, lo);
	}
	*gallop = GALLOP_OFF;
	return lo + (hi - lo) / 2;
}

/*
 * Slot of the last record of leaf @n starting at or below @index, or -1;
 * [@lo, @hi) are the leaf's bounds, for the first guess.
 */
static int leaf_find(const struct kho_array_node *n, unsigned long index,
		     unsigned long lo, unsigned long hi)
{
	int l = 0, h = (int)node_nr(n) - 1, best = -1, mid;
	int gallop = GALLOP_START;
	bool up;

	/* Empty: a new root before its first store. */
	if (h < 0)
		return -1;
	key_span(n, &lo, &hi);
	mid = guess_slot(h + 1, lo, hi, index);
	while (l <= h) {
		u64 key = slot_key(n, mid);

		if (key & KHO_ARRAY_KEY_TAIL)
			key = slot_key(n, --mid);
		up = (key & KHO_ARRAY_KEY_MASK) <= index;
		if (up) {
			best = mid;
			l = mid + (key & KHO_ARRAY_KEY_RUN ? 2 : 1);
		} else {
			h = mid - 1;
		}
		mid = next_probe(l, h, &gallop, up);
	}
	return best;
}

/*
 * Child of interior node @n to follow for @index (0 below the first key);
 * [@lo, @hi) are the node's bounds, for the first guess.
 */
static unsigned int inner_find(const struct kho_array_node *n,
			       unsigned long index, unsigned long lo,
			       unsigned long hi)
{
	int l = 1, h = (int)node_nr(n) - 1, best = 0, mid;
	int gallop = GALLOP_START;
	bool up;

	if (h < 1)
		return 0;
	key_span(n, &lo, &hi);
	mid = max(min(guess_slot(h + 1, lo, hi, index), h), 1);
	while (l <= h) {
		up = slot_key(n, mid) <= index;
		if (up) {
			best = mid;
			l = mid + 1;
		} else {
			h = mid - 1;
		}
		mid = next_probe(l, h, &gallop, up);
	}
	return best;
}

/*
 * Walk from the root to the leaf for @index, recording the path; set
 * [@lo, @hi) to the bounds of the indices the leaf may hold.
 */
static struct kho_array_node *descend(struct kho_array *a, unsigned long index,
				      struct kho_array_node **path,
				      unsigned int *slots, unsigned long *lo,
				      unsigned long *hi)
{
	struct kho_array_node *n = a->root;
	unsigned int l, i;

	*lo = 0;
	*hi = KHO_ARRAY_MAX_INDEX + 1;
	for (l = a->height - 1; l > 0; l--) {
		path[l] = n;
		i = inner_find(n, index, *lo, *hi);
		slots[l] = i;
		if (i)
			*lo = slot_key(n, i);
		if (i + 1 < node_nr(n))
			*hi = slot_key(n, i + 1);
		n = kho_node(a, slot_val(n, i));
	}
	path[0] = n;
	slots[0] = 0;
	return n;
}

static struct kho_array_node *node_alloc(struct kho_array *a)
{
	struct kho_array_node *n = a->ops->alloc();

	if (!n)
		return NULL;
	if (a->head && a->ops->preserve(n)) {
		a->ops->free(n);
		return NULL;
	}
	n->magic = cpu_to_le32(KHO_ARRAY_NODE_MAGIC);
	return n;
}

/* Release a page from node_alloc() that was never part of the tree. */
static void node_discard(struct kho_array *a, struct kho_array_node *n)
{
	if (a->head)
		a->ops->unpreserve(n);
	a->ops->free(n);
}

static void node_free(struct kho_array *a, struct kho_array_node *n)
{
	node_discard(a, n);
	a->nr_nodes--;
}

/* Keep the head page, if preserved, in step with the tree. */
static void sync_head(struct kho_array *a)
{
	struct kho_array_head *h = a->head;

	if (!h)
		return;
	h->height = a->height;
	h->root = cpu_to_le64(a->root ? a->ops->to_phys(a->root) : 0);
	h->nr_entries = cpu_to_le64(a->nr_entries);
	h->nr_nodes = cpu_to_le64(a->nr_nodes);
}

/**
 * kho_array_init_ops() - initialize an empty array with a page source
 * @a: the array
 * @ops: its pages' source; kho_array_init() uses KHO
 */
void kho_array_init_ops(struct kho_array *a, const struct kho_page_ops *ops)
{
	memset(a, 0, sizeof(*a));
	a->ops = ops;
}

/**
 * kho_array_init() - initialize an empty array
 * @a: the array
 */
void kho_array_init(struct kho_array *a)
{
	kho_array_init_ops(a, &kho_page_ops);
}
EXPORT_SYMBOL_GPL(kho_array_init);

/*
 * Move the upper half of @n into @sib, or only its last entry when @append
 * (stores in increasing order then leave full nodes behind, not half-full
 * ones); return the first index of @sib.
 */
static unsigned long node_split(struct kho_array_node *n,
				struct kho_array_node *sib, bool append)
{
	unsigned int nr = node_nr(n), mid = append ? nr - 1 : nr / 2;

	if (slot_key(n, mid) & KHO_ARRAY_KEY_TAIL)
		mid += append ? -1 : 1;
	sib->level = n->level;
	memcpy(sib->slots, n->slots + mid, (nr - mid) * sizeof(n->slots[0]));
	sib->nr = cpu_to_le16(nr - mid);
	n->nr = cpu_to_le16(mid);
	return slot_key(sib, 0) & KHO_ARRAY_KEY_MASK;
}

static void inner_insert(struct kho_array_node *n, unsigned int i, u64 key,
			 u64 phys)
{
	unsigned int nr = node_nr(n);

	memmove(n->slots + i + 1, n->slots + i, (nr - i) * sizeof(n->slots[0]));
	set_slot(n, i, key, phys);
	n->nr = cpu_to_le16(nr + 1);
}

/*
 * Split the leaf on @path and every full ancestor, to make room for
 * @index. The pages are taken first, so on -ENOMEM the tree is unchanged.
 */
static int split_path(struct kho_array *a, struct kho_array_node **path,
		      unsigned int *slots, unsigned long index)
{
	struct kho_rec last;
	struct kho_array_node *pages[KHO_ARRAY_MAX_HEIGHT + 1];
	unsigned int need = 1, used = 0, l;
	struct kho_array_node *sib, *root;
	unsigned long key;

	for (l = 1; l < a->height && node_nr(path[l]) == NODE_SLOTS; l++)
		need++;
	if (l == a->height) {
		if (a->height == KHO_ARRAY_MAX_HEIGHT)
			return -E2BIG;
		need++;
	}
	for (l = 0; l < need; l++) {
		pages[l] = node_alloc(a);
		if (!pages[l])
			goto discard_pages;
	}

	sib = pages[used++];
	leaf_rec(path[0], leaf_last(path[0]), &last);
	key = node_split(path[0], sib, index >= last.index + last.count);
	for (l = 1; l < a->height; l++) {
		struct kho_array_node *parent = path[l], *psib;
		unsigned int at = slots[l] + 1;
		unsigned long pkey;

		if (node_nr(parent) < NODE_SLOTS) {
			inner_insert(parent, at, key, a->ops->to_phys(sib));
			goto done;
		}
		psib = pages[used++];
		pkey = node_split(parent, psib, at == node_nr(parent));
		/*
		 * At @at == node_nr(parent) the new child follows the last
		 * child left in @parent: its indices are below @pkey, so it
		 * belongs at the end of @parent, not first in @psib.
		 */
		if (at > node_nr(parent))
			inner_insert(psib, at - node_nr(parent), key,
				     a->ops->to_phys(sib));
		else
			inner_insert(parent, at, key, a->ops->to_phys(sib));
		sib = psib;
		key = pkey;
	}
	root = pages[used++];
	root->level = a->height;
	set_slot(root, 0, 0, a->ops->to_phys(a->root));
	set_slot(root, 1, key, a->ops->to_phys(sib));
	root->nr = cpu_to_le16(2);
	a->root = root;
	a->height++;
done:
	a->nr_nodes += used;
	for (l = used; l < need; l++)
		node_discard(a, pages[l]);
	/* The store that wanted room may yet fail: the head must be right now. */
	sync_head(a);
	return 0;

discard_pages:
	for (; l > 0; l--)
		node_discard(a, pages[l - 1]);
	return -ENOMEM;
}

/*
 * Merge @b into @a if it continues it and the count fits a tail slot;
 * false if not.
 */
static bool rec_merge(struct kho_rec *a, const struct kho_rec *b)
{
	u64 step = a->count == 1 ? b->value - a->value : a->step;

	if (b->index != a->index + a->count ||
	    a->count + b->count > KHO_ARRAY_KEY_MASK ||
	    (b->count > 1 && b->step != step) ||
	    b->value != a->value + a->count * step ||
	    !kho_run_ok(a->value, step, a->count + b->count))
		return false;
	a->step = step;
	a->count += b->count;
	return true;
}

/*
 * Apply a store (@value != 0) or an erase (@value == 0) of @index to the
 * records @in[0..@nr): split the record holding @index, insert the new
 * entry, merge what continues. Return the number of records in @out.
 */
static unsigned int edit_recs(const struct kho_rec *in, unsigned int nr,
			      unsigned long index, u64 value,
			      struct kho_rec *out)
{
	struct kho_rec single = { index, 1, value, 0 };
	unsigned int i, n = 0;
	bool placed = !value;

	for (i = 0; i < nr; i++) {
		const struct kho_rec *r = &in[i];
		u64 k = index - r->index;

		if (!placed && index < r->index) {
			out[n++] = single;
			placed = true;
		}
		if (index < r->index || k >= r->count) {
			out[n++] = *r;
			continue;
		}
		if (k)
			out[n++] = (struct kho_rec){ r->index, k, r->value, r->step };
		if (value) {
			out[n++] = single;
			placed = true;
		}
		if (k + 1 < r->count)
			out[n++] = (struct kho_rec){
				index + 1, r->count - k - 1,
				r->value + (k + 1) * r->step, r->step };
	}
	if (!placed)
		out[n++] = single;
	if (!n)
		return 0;

	for (i = 1, nr = n, n = 1; i < nr; i++)
		if (!rec_merge(&out[n - 1], &out[i]))
			out[n++] = out[i];
	for (i = 0; i < n; i++)
		if (out[i].count == 1)
			out[i].step = 0;
	return n;
}

/*
 * A node left with at most MERGE_BELOW slots by an erase is merged into a
 * sibling if together they fill at most MERGE_MAX slots. So a node left
 * underfull had, when it was, its siblings more than half full, and
 * memory stays within a small factor of the entries left; and a
 * merged node has a quarter of a node of room before a store splits it
 * again, so that stores and erases at one place do not split and merge
 * it in turn.
 */
#define MERGE_BELOW	(NODE_SLOTS / 4)
#define MERGE_MAX	(NODE_SLOTS * 3 / 4)

static void inner_remove(struct kho_array_node *n, unsigned int i)
{
	unsigned int nr = node_nr(n);

	memmove(n->slots + i, n->slots + i + 1,
		(nr - i - 1) * sizeof(n->slots[0]));
	n->nr = cpu_to_le16(nr - 1);
}

/*
 * Merge the node on @path at level @l (below the root) with its left or
 * right sibling if it is underfull and they fit in one node; the right
 * one of the two moves into the left one and is freed. False if not.
 */
static bool merge_sibling(struct kho_array *a, struct kho_array_node **path,
			  unsigned int *slots, unsigned int l)
{
	struct kho_array_node *n = path[l], *parent = path[l + 1], *left, *right;
	unsigned int i = slots[l + 1], nr = node_nr(n), nl;

	if (nr > MERGE_BELOW)
		return false;
	left = i ? kho_node(a, slot_val(parent, i - 1)) : NULL;
	if (left && node_nr(left) + nr <= MERGE_MAX) {
		right = n;
	} else if (i + 1 < node_nr(parent)) {
		left = n;
		right = kho_node(a, slot_val(parent, ++i));
		if (nr + node_nr(right) > MERGE_MAX)
			return false;
	} else {
		return false;
	}
	/*
	 * Leaf records, or children, of @right all follow those of @left.
	 * The first child of @right had no key; it gets the bound the
	 * parent gave @right.
	 */
	nl = node_nr(left);
	memcpy(left->slots + nl, right->slots,
	       node_nr(right) * sizeof(right->slots[0]));
	if (l)
		left->slots[nl].key = parent->slots[i].key;
	left->nr = cpu_to_le16(nl + node_nr(right));
	inner_remove(parent, i);
	node_free(a, right);
	return true;
}

/*
 * After the leaf on @path lost slots: free it if empty, else merge it
 * into a sibling if underfull; then the same for its parent, which lost
 * a child, and so on up; at the top, drop roots with a single child.
 */
static void shrink_path(struct kho_array *a, struct kho_array_node **path,
			unsigned int *slots)
{
	unsigned int l;

	for (l = 0; l + 1 < a->height; l++) {
		if (!node_nr(path[l])) {
			node_free(a, path[l]);
			inner_remove(path[l + 1], slots[l + 1]);
		} else if (!merge_sibling(a, path, slots, l)) {
			break;
		}
	}
	if (!node_nr(a->root)) {
		node_free(a, a->root);
		a->root = NULL;
		a->height = 0;
		return;
	}
	while (a->height > 1 && node_nr(a->root) == 1) {
		struct kho_array_node *child = kho_node(a, slot_val(a->root, 0));

		node_free(a, a->root);
		a->root = child;
		a->height--;
	}
}

/* An empty array gets a leaf as its root before its first store. */
static int root_leaf(struct kho_array *a)
{
	struct kho_array_node *leaf;

	if (a->root)
		return 0;
	leaf = node_alloc(a);
	if (!leaf)
		return -ENOMEM;
	a->root = leaf;
	a->height = 1;
	a->nr_nodes = 1;
	return 0;
}

/* Make room for one slot at @i of @n, which has a free slot. */
static void slot_insert(struct kho_array_node *n, unsigned int i)
{
	unsigned int nr = node_nr(n);

	memmove(n->slots + i + 1, n->slots + i, (nr - i) * sizeof(n->slots[0]));
	n->nr = cpu_to_le16(nr + 1);
}

/*
 * The stores made most often, done in place in @leaf, which has a free
 * slot: @index is not stored and at most one record ends or starts next
 * to it, so the new entry extends that record or is a single of its own.
 * @s is leaf_find() of @index. False for any other store, which then
 * takes the general path (edit_recs()).
 */
static bool store_fast(struct kho_array_node *leaf, int s, unsigned long index,
		       u64 value)
{
	struct kho_rec single = { index, 1, value, 0 }, p, n, m;
	unsigned int nr = node_nr(leaf), at = 0;
	bool next_p = false, next_n = false;

	if (s >= 0) {
		at = s + leaf_rec(leaf, s, &p);
		if (index - p.index < p.count)
			return false;
		next_p = p.index + p.count == index;
	}
	if (at < nr) {
		leaf_rec(leaf, at, &n);
		next_n = n.index == index + 1;
	}
	if (next_p && next_n)
		return false;
	if (next_p) {
		m = p;
		if (rec_merge(&m, &single)) {
			if (p.count == 1) {
				slot_insert(leaf, at);
				set_slot(leaf, s, p.index | KHO_ARRAY_KEY_RUN,
					 p.value);
			}
			set_slot(leaf, s + 1, m.count | KHO_ARRAY_KEY_TAIL,
				 m.step);
			return true;
		}
	} else if (next_n) {
		m = single;
		if (rec_merge(&m, &n)) {
			if (n.count == 1)
				slot_insert(leaf, at);
			set_slot(leaf, at, index | KHO_ARRAY_KEY_RUN, value);
			set_slot(leaf, at + 1, m.count | KHO_ARRAY_KEY_TAIL,
				 m.step);
			return true;
		}
	}
	slot_insert(leaf, at);
	set_slot(leaf, at, index, value);
	return true;
}

/* Store (@value != 0) or erase (@value == 0) @index. */
static int kho_array_update(struct kho_array *a, unsigned long index, u64 value)
{
	struct kho_array_node *path[KHO_ARRAY_MAX_HEIGHT], *leaf;
	unsigned int slots[KHO_ARRAY_MAX_HEIGHT];
	struct kho_rec in[3], out[EDIT_RECS];
	unsigned int nr_in, nr_out, first, end, i, old_w, new_w, want;
	unsigned long lo, hi;
	bool present = false;
	int s, err;

	if (index > KHO_ARRAY_MAX_INDEX)
		return -EINVAL;
	if (!a->root && !value)
		return -ENOENT;
	err = root_leaf(a);
	if (err)
		return err;
retry:
	leaf = descend(a, index, path, slots, &lo, &hi);
	s = leaf_find(leaf, index, lo, hi);
	if (value && node_nr(leaf) < NODE_SLOTS &&
	    store_fast(leaf, s, index, value)) {
		a->nr_entries++;
		sync_head(a);
		return 0;
	}

	/* The record at or before @index, with its neighbours. */
	if (s <= 0) {
		first = 0;
		want = s < 0 ? 1 : 2;
	} else {
		first = slot_key(leaf, s - 1) & KHO_ARRAY_KEY_TAIL ? s - 2 : s - 1;
		want = 3;
	}
	for (end = first, nr_in = 0; nr_in < want && end < node_nr(leaf);)
		end += leaf_rec(leaf, end, &in[nr_in++]);
	for (i = 0; i < nr_in; i++) {
		if (index >= in[i].index && index - in[i].index < in[i].count) {
			present = true;
			if (value && in[i].value + (index - in[i].index) * in[i].step == value)
				return 0;
		}
	}
	if (!value && !present)
		return -ENOENT;

	nr_out = edit_recs(in, nr_in, index, value, out);
	old_w = end - first;
	for (i = 0, new_w = 0; i < nr_out; i++)
		new_w += rec_width(&out[i]);
	if (node_nr(leaf) - old_w + new_w > NODE_SLOTS) {
		err = split_path(a, path, slots, index);
		if (err)
			return err;
		goto retry;
	}

	memmove(leaf->slots + first + new_w, leaf->slots + end,
		(node_nr(leaf) - end) * sizeof(leaf->slots[0]));
	for (i = 0, end = first; i < nr_out; i++)
		end += put_rec(leaf, end, &out[i]);
	leaf->nr = cpu_to_le16(node_nr(leaf) - old_w + new_w);

	if (!value)
		a->nr_entries--;
	else if (!present)
		a->nr_entries++;
	if (new_w < old_w)
		shrink_path(a, path, slots);
	sync_head(a);
	return 0;
}

/**
 * kho_array_store() - set the value at an index
 * @a: the array
 * @index: at most KHO_ARRAY_MAX_INDEX
 * @value: nonzero
 *
 * Works before and after kho_array_preserve(): while preserved, the pages
 * the array takes are preserved too.
 *
 * Return: 0; -EINVAL for a zero value or too large an index; -ENOMEM
 * (the array is unchanged).
 */
int kho_array_store(struct kho_array *a, unsigned long index, u64 value)
{
	if (!value)
		return -EINVAL;
	return kho_array_update(a, index, value);
}
EXPORT_SYMBOL_GPL(kho_array_store);

/**
 * kho_array_erase() - remove an index
 * @a: the array
 * @index: the index
 *
 * Return: 0; -ENOENT if @index was not stored; -ENOMEM if a run had to be
 * split and there was no memory (the array is unchanged).
 */
int kho_array_erase(struct kho_array *a, unsigned long index)
{
	return kho_array_update(a, index, 0);
}
EXPORT_SYMBOL_GPL(kho_array_erase);

/* Last index of a record. */
static unsigned long rec_end(const struct kho_rec *r)
{
	return r->index + r->count - 1;
}

/*
 * Replacing indices [@s, @e] of a leaf with one record: the slots
 * [@first, @end) that change, what goes there and the entries dropped.
 */
struct range_edit {
	unsigned int first, end, nr_out, new_w;
	unsigned long removed;
	struct kho_rec out[6];
};

/*
 * Plan the replacement of [@s, @e] in @leaf, of bounds [@lo, @hi), by
 * @piece (the record of index @s), keeping what lies outside; the records
 * on either side are included so that what continues them merges.
 */
static void range_plan(const struct kho_array_node *leaf, unsigned long lo,
		       unsigned long hi, unsigned long s, unsigned long e,
		       const struct kho_rec *piece, struct range_edit *ed)
{
	unsigned int nr = node_nr(leaf), i, n = 0;
	struct kho_rec r, fa = {}, la = {}, recs[6];
	int p = leaf_find(leaf, s, lo, hi);
	bool hit = false;

	/* @i: the first record ending at or after @s. */
	i = 0;
	if (p >= 0) {
		i = p + leaf_rec(leaf, p, &r);
		if (rec_end(&r) >= s)
			i = p;
	}
	ed->first = i;
	if (i > 0) {
		ed->first = slot_key(leaf, i - 1) & KHO_ARRAY_KEY_TAIL ? i - 2 : i - 1;
		leaf_rec(leaf, ed->first, &recs[n++]);
	}
	ed->removed = 0;
	while (i < nr) {
		unsigned int w = leaf_rec(leaf, i, &r);

		if (r.index > e)
			break;
		if (!hit)
			fa = r;
		la = r;
		hit = true;
		ed->removed += min(rec_end(&r), e) - max(r.index, s) + 1;
		i += w;
	}
	if (hit && fa.index < s)
		recs[n++] = (struct kho_rec){ fa.index, s - fa.index, fa.value,
					      fa.step };
	recs[n++] = *piece;
	/* All of the index space is one entry more than a tail can count. */
	if (piece->count > KHO_ARRAY_KEY_MASK) {
		recs[n - 1].count--;
		recs[n++] = (struct kho_rec){ rec_end(piece), 1,
			piece->value + (piece->count - 1) * piece->step, 0 };
	}
	if (hit && rec_end(&la) > e)
		recs[n++] = (struct kho_rec){
			e + 1, rec_end(&la) - e,
			la.value + (e + 1 - la.index) * la.step, la.step };
	ed->end = i;
	if (i < nr)
		ed->end += leaf_rec(leaf, i, &recs[n++]);

	ed->out[0] = recs[0];
	for (i = 1, ed->nr_out = 1; i < n; i++)
		if (!rec_merge(&ed->out[ed->nr_out - 1], &recs[i]))
			ed->out[ed->nr_out++] = recs[i];
	for (i = 0, ed->new_w = 0; i < ed->nr_out; i++) {
		if (ed->out[i].count == 1)
			ed->out[i].step = 0;
		ed->new_w += rec_width(&ed->out[i]);
	}
}

static bool range_fits(const struct kho_array_node *leaf,
		       const struct range_edit *ed)
{
	return node_nr(leaf) - (ed->end - ed->first) + ed->new_w <= NODE_SLOTS;
}

static void range_apply(struct kho_array_node *leaf,
			const struct range_edit *ed)
{
	unsigned int nr = node_nr(leaf), i, at = ed->first;

	memmove(leaf->slots + ed->first + ed->new_w, leaf->slots + ed->end,
		(nr - ed->end) * sizeof(leaf->slots[0]));
	for (i = 0; i < ed->nr_out; i++)
		at += put_rec(leaf, at, &ed->out[i]);
	leaf->nr = cpu_to_le16(nr - (ed->end - ed->first) + ed->new_w);
}

/*
 * Plan the part of the range store of [@first, @last] that falls in the
 * leaf holding @pos; return that leaf and set @e to the last index of the
 * part.
 */
static struct kho_array_node *
range_leaf(struct kho_array *a, unsigned long pos, unsigned long first,
	   unsigned long last, u64 value, u64 step,
	   struct kho_array_node **path, unsigned int *slots,
	   struct range_edit *ed, unsigned long *e)
{
	unsigned long lo, hi;
	struct kho_array_node *leaf = descend(a, pos, path, slots, &lo, &hi);
	struct kho_rec piece;

	piece.index = max(lo, first);
	*e = min(hi - 1, last);
	piece.count = *e - piece.index + 1;
	piece.value = value + (piece.index - first) * step;
	piece.step = piece.count > 1 ? step : 0;
	range_plan(leaf, lo, hi, piece.index, *e, &piece, ed);
	return leaf;
}

/**
 * kho_array_store_range() - store a run of values
 * @a: the array
 * @first: first index
 * @nr: number of indices, at least 1
 * @value: value of @first, nonzero
 * @step: index @first + i gets @value + i * @step (two's complement, so
 *        values may also decrease)
 *
 * Replaces whatever was stored in [@first, @first + @nr - 1]. The cost
 * depends on the number of leaves the range meets, not on @nr: a range
 * stored into an empty part of the array is one record.
 *
 * Return: 0; -EINVAL if @nr is 0, the range goes past KHO_ARRAY_MAX_INDEX,
 * or a value would be zero or wrap; -ENOMEM. On error the array is
 * unchanged.
 */
int kho_array_store_range(struct kho_array *a, unsigned long first,
			  unsigned long nr, u64 value, u64 step)
{
	struct kho_array_node *path[KHO_ARRAY_MAX_HEIGHT], *leaf;
	unsigned int slots[KHO_ARRAY_MAX_HEIGHT], pass;
	unsigned long last, pos, e;
	struct range_edit ed;
	int err;

	if (!nr || first > KHO_ARRAY_MAX_INDEX ||
	    nr - 1 > KHO_ARRAY_MAX_INDEX - first || !kho_run_ok(value, step, nr))
		return -EINVAL;
	if (nr == 1)
		return kho_array_store(a, first, value);
	last = first + nr - 1;
	err = root_leaf(a);
	if (err)
		return err;
	/*
	 * Only the leaves holding @first and @last can grow (a leaf in
	 * between ends up as one record). Make room in both before changing
	 * anything: splits keep the contents, so -ENOMEM leaves them as
	 * they were.
	 */
retry:
	for (pass = 0; pass < 2; pass++) {
		pos = pass ? last : first;
		leaf = range_leaf(a, pos, first, last, value, step, path, slots,
				  &ed, &e);
		if (!range_fits(leaf, &ed)) {
			err = split_path(a, path, slots, pos);
			if (err)
				return err;
			goto retry;
		}
	}
	for (pos = first;; pos = e + 1) {
		leaf = range_leaf(a, pos, first, last, value, step, path, slots,
				  &ed, &e);
		range_apply(leaf, &ed);
		a->nr_entries += (e - pos + 1) - ed.removed;
		if (e == last)
			break;
	}
	sync_head(a);
	return 0;
}
EXPORT_SYMBOL_GPL(kho_array_store_range);

/**
 * kho_array_load() - get the value at an index
 * @a: the array
 * @index: the index
 *
 * O(log n).
 *
 * Return: the value, or 0 if @index is not stored.
 */
u64 kho_array_load(struct kho_array *a, unsigned long index)
{
	struct kho_array_node *path[KHO_ARRAY_MAX_HEIGHT], *leaf;
	unsigned int slots[KHO_ARRAY_MAX_HEIGHT];
	unsigned long lo, hi;
	struct kho_rec r;
	int s;

	if (!a->root || index > KHO_ARRAY_MAX_INDEX)
		return 0;
	leaf = descend(a, index, path, slots, &lo, &hi);
	s = leaf_find(leaf, index, lo, hi);
	if (s < 0)
		return 0;
	leaf_rec(leaf, s, &r);
	if (index - r.index >= r.count)
		return 0;
	return r.value + (index - r.index) * r.step;
}
EXPORT_SYMBOL_GPL(kho_array_load);

/**
 * kho_array_iter_init() - start an ordered walk
 * @it: the iterator
 * @a: the array; it must not change during the walk
 * @start: first index of interest
 */
void kho_array_iter_init(struct kho_array_iter *it, struct kho_array *a,
			 unsigned long start)
{
	memset(it, 0, sizeof(*it));
	it->a = a;
	it->index = start;
}
EXPORT_SYMBOL_GPL(kho_array_iter_init);

/*
 * The first record with entries at or after it->index, cut to start
 * there; false at the end. The iterator stays on that record.
 */
static bool iter_peek(struct kho_array_iter *it, struct kho_rec *out)
{
	struct kho_array *a = it->a;
	struct kho_array_node *leaf;
	struct kho_rec r;
	unsigned int l;

	if (!a->root || it->index > KHO_ARRAY_MAX_INDEX)
		return false;
	if (!it->node[0]) {
		unsigned long lo, hi;
		int s;

		leaf = descend(a, it->index, it->node, it->slot, &lo, &hi);
		s = leaf_find(leaf, it->index, lo, hi);
		it->slot[0] = s < 0 ? 0 : s;
	}
	for (;;) {
		leaf = it->node[0];
		while (it->slot[0] < node_nr(leaf)) {
			unsigned int w = leaf_rec(leaf, it->slot[0], &r);
			u64 k;

			if (it->index - r.index >= r.count &&
			    it->index >= r.index) {
				it->slot[0] += w;
				continue;
			}
			k = it->index > r.index ? it->index - r.index : 0;
			out->index = r.index + k;
			out->count = r.count - k;
			out->value = r.value + k * r.step;
			out->step = out->count > 1 ? r.step : 0;
			return true;
		}
		/* Next leaf: up to the first ancestor with a next child. */
		for (l = 1; l < a->height; l++)
			if (++it->slot[l] < node_nr(it->node[l]))
				break;
		if (l >= a->height)
			return false;
		for (; l > 0; l--) {
			it->node[l - 1] = kho_node(a, slot_val(it->node[l],
							       it->slot[l]));
			it->slot[l - 1] = 0;
		}
	}
}

/**
 * kho_array_next() - next entry of an ordered walk
 * @it: the iterator
 * @index: set to the index of the entry
 * @value: set to its value
 *
 * O(1) amortized per entry. A restored array can hold runs of up to
 * 2^62 entries in a few pages: walk it by runs (kho_array_next_run())
 * unless its size is known to be bounded.
 *
 * Return: true with an entry, false at the end.
 */
bool kho_array_next(struct kho_array_iter *it, unsigned long *index,
		    u64 *value)
{
	struct kho_rec r;

	if (!iter_peek(it, &r))
		return false;
	*index = r.index;
	*value = r.value;
	it->index = r.index + 1;
	return true;
}
EXPORT_SYMBOL_GPL(kho_array_next);

/**
 * kho_array_next_run() - next run of an ordered walk
 * @it: the iterator
 * @first: set to the first index of the run
 * @nr: set to its number of indices, at least 1
 * @value: set to the value of @first
 * @step: set to the step: index @first + i has value @value + i * @step;
 *        0 when @nr is 1
 *
 * Returns the longest run starting at the first entry at or after the
 * iterator position: consecutive indices whose values step by a
 * constant without wrapping, however they are stored (so runs are a
 * function of the entries alone). A single entry is a run of one.
 * The cost is O(records), not O(entries), so a caller can check what a
 * restored array holds (e.g. that no index or value is out of its
 * bounds) in time bounded by the pages it was handed.
 *
 * Return: true with a run, false at the end.
 */
bool kho_array_next_run(struct kho_array_iter *it, unsigned long *first,
			unsigned long *nr, u64 *value, u64 *step)
{
	struct kho_rec run, r;

	if (!iter_peek(it, &run))
		return false;
	it->index = run.index + run.count;
	/*
	 * Take entries from the records that follow for as long as they
	 * continue the run, whole records or just their first entry: the
	 * runs depend only on the entries, not on how stores cut records.
	 */
	while (iter_peek(it, &r) && r.index == it->index) {
		u64 step = run.count == 1 ? r.value - run.value : run.step;
		u64 take = r.count > 1 && r.step == step ? r.count : 1;

		if (r.value != run.value + run.count * step ||
		    !kho_run_ok(run.value, step, run.count + take))
			break;
		run.step = step;
		run.count += take;
		it->index = run.index + run.count;
		if (take < r.count)
			break;
	}
	*first = run.index;
	*nr = run.count;
	*value = run.value;
	*step = run.count > 1 ? run.step : 0;
	return true;
}
EXPORT_SYMBOL_GPL(kho_array_next_run);

/* Call @fn on every node, children before parents; stop at an error. */
static int walk_nodes(struct kho_array *a, struct kho_array_node *n,
		      int (*fn)(struct kho_array *, struct kho_array_node *,
				void *),
		      void *arg)
{
	unsigned int i;
	int err;

	if (n->level) {
		for (i = 0; i < node_nr(n); i++) {
			err = walk_nodes(a, kho_node(a, slot_val(n, i)), fn, arg);
			if (err)
				return err;
		}
	}
	return fn(a, n, arg);
}

static int node_preserve(struct kho_array *a, struct kho_array_node *n,
			 void *done)
{
	int err = a->ops->preserve(n);

	if (!err)
		(*(unsigned long *)done)++;
	return err;
}

static int node_unpreserve(struct kho_array *a, struct kho_array_node *n,
			   void *left)
{
	if (!*(unsigned long *)left)
		return -ECANCELED;
	(*(unsigned long *)left)--;
	a->ops->unpreserve(n);
	return 0;
}

static int node_release(struct kho_array *a, struct kho_array_node *n,
			void *unused)
{
	a->ops->free(n);
	return 0;
}

/**
 * kho_array_preserve() - hand the array over to the next kernel
 * @a: the array
 * @phys: set to the one address the next kernel needs
 *
 * The array stays usable; later stores and erases are handed over too.
 *
 * Return: 0; -EBUSY if already preserved; -ENOMEM or a KHO error (then
 * nothing is preserved and the array is unchanged).
 */
int kho_array_preserve(struct kho_array *a, phys_addr_t *phys)
{
	struct kho_array_head *h;
	unsigned long done = 0;
	int err;

	if (a->head)
		return -EBUSY;
	h = a->ops->alloc();
	if (!h)
		return -ENOMEM;
	err = a->ops->preserve(h);
	if (err)
		goto free_head;
	if (a->root) {
		err = walk_nodes(a, a->root, node_preserve, &done);
		if (err)
			goto unpreserve_nodes;
	}
	h->magic = cpu_to_le32(KHO_ARRAY_MAGIC);
	h->version = cpu_to_le16(KHO_ARRAY_VERSION);
	a->head = h;
	sync_head(a);
	*phys = a->ops->to_phys(h);
	return 0;

unpreserve_nodes:
	walk_nodes(a, a->root, node_unpreserve, &done);
	a->ops->unpreserve(h);
free_head:
	a->ops->free(h);
	return err;
}
EXPORT_SYMBOL_GPL(kho_array_preserve);

/**
 * kho_array_unpreserve() - undo kho_array_preserve()
 * @a: the array; nothing happens if it is not preserved
 */
void kho_array_unpreserve(struct kho_array *a)
{
	unsigned long all = ULONG_MAX;

	if (!a->head)
		return;
	if (a->root)
		walk_nodes(a, a->root, node_unpreserve, &all);
	a->ops->unpreserve(a->head);
	a->ops->free(a->head);
	a->head = NULL;
}
EXPORT_SYMBOL_GPL(kho_array_unpreserve);

/**
 * kho_array_destroy() - free the array (unpreserving it first if needed)
 * @a: the array; it is empty and usable afterwards
 */
void kho_array_destroy(struct kho_array *a)
{
	kho_array_unpreserve(a);
	if (a->root)
		walk_nodes(a, a->root, node_release, NULL);
	kho_array_init_ops(a, a->ops);
}
EXPORT_SYMBOL_GPL(kho_array_destroy);

struct kho_count {
	unsigned long entries;
	unsigned long nodes;
};

/*
 * Free what is left of a subtree after an error: every page that was
 * preserved and not yet restored is claimed and freed. Node contents
 * are untrusted, but each address goes through ops->restore(), which
 * accepts only preserved pages, once each.
 */
static void release_subtree(struct kho_array *a, u64 phys, unsigned int level)
{
	struct kho_array_node *n = a->ops->restore(phys);
	unsigned int i;

	if (!n)
		return;
	/* Follow only what the parent says is an interior node. */
	if (level && le32_to_cpu(n->magic) == KHO_ARRAY_NODE_MAGIC &&
	    n->level == level && node_nr(n) <= NODE_SLOTS)
		for (i = 0; i < node_nr(n); i++)
			release_subtree(a, slot_val(n, i), level - 1);
	a->ops->free(n);
}

static bool node_hdr_ok(const struct kho_array_node *n, unsigned int level)
{
	unsigned int nr = node_nr(n);

	return le32_to_cpu(n->magic) == KHO_ARRAY_NODE_MAGIC &&
	       n->level == level && !n->reserved && !n->reserved2 && nr &&
	       nr <= NODE_SLOTS;
}

/*
 * Bounds [@clo, @chi) of child @i of interior node @n, whose own bounds
 * are [@lo, @hi); false unless they are nonempty and within the node's.
 */
static bool child_bounds(const struct kho_array_node *n, unsigned int i,
			 unsigned long lo, unsigned long hi,
			 unsigned long *clo, unsigned long *chi)
{
	*clo = i ? slot_key(n, i) : lo;
	*chi = i + 1 < node_nr(n) ? slot_key(n, i + 1) : hi;
	return *clo >= lo && *clo < *chi && *chi <= hi;
}

static int check_leaf(const struct kho_array_node *n, unsigned long lo,
		      unsigned long hi, struct kho_count *ctx)
{
	unsigned int i = 0, nr = node_nr(n);
	unsigned long next = lo;
	struct kho_rec r;

	while (i < nr) {
		u64 key = slot_key(n, i);

		if (key & KHO_ARRAY_KEY_TAIL)
			return -EINVAL;
		if (key & KHO_ARRAY_KEY_RUN) {
			if (i + 1 >= nr ||
			    (slot_key(n, i + 1) & ~KHO_ARRAY_KEY_MASK) != KHO_ARRAY_KEY_TAIL)
				return -EINVAL;
		}
		i += leaf_rec(n, i, &r);
		if (r.index < next || (key & KHO_ARRAY_KEY_RUN && r.count < 2) ||
		    !kho_run_ok(r.value, r.step, r.count) ||
		    r.count - 1 > KHO_ARRAY_MAX_INDEX - r.index ||
		    r.index + r.count - 1 >= hi)
			return -EINVAL;
		next = r.index + r.count;
		ctx->entries += r.count;
	}
	return 0;
}

/* The invariants restore checks, on a live array; for kho_array_check(). */
static int check_node(struct kho_array *a, struct kho_array_node *n,
		      unsigned int level, unsigned long lo, unsigned long hi,
		      struct kho_count *cnt)
{
	unsigned long clo, chi;
	unsigned int i;
	int err;

	if (!node_hdr_ok(n, level)) {
		pr_err("check: node of [%#lx, %#lx) at level %u: bad header\n",
		       lo, hi, level);
		return -EUCLEAN;
	}
	cnt->nodes++;
	if (!level) {
		if (check_leaf(n, lo, hi, cnt)) {
			pr_err("check: leaf of [%#lx, %#lx): bad records\n", lo,
			       hi);
			return -EUCLEAN;
		}
		return 0;
	}
	for (i = 0; i < node_nr(n); i++) {
		if (!child_bounds(n, i, lo, hi, &clo, &chi)) {
			pr_err("check: node of [%#lx, %#lx) at level %u: key %u out of order\n",
			       lo, hi, level, i);
			return -EUCLEAN;
		}
		err = check_node(a, kho_node(a, slot_val(n, i)), level - 1, clo,
				 chi, cnt);
		if (err)
			return err;
	}
	return 0;
}

/**
 * kho_array_check() - check the invariants of an array
 * @a: the array
 *
 * For tests and debugging: every node is well formed at its level, the
 * keys of interior nodes increase and bound their children, records of
 * leaves are sorted, disjoint, within their leaf's bounds and correctly
 * encoded, and the counts (and the head page, if preserved) agree with
 * the tree. O(nodes).
 *
 * Return: 0, or -EUCLEAN after one pr_err() line naming the first
 * violation found.
 */
int kho_array_check(struct kho_array *a)
{
	struct kho_array_head *h = a->head;
	struct kho_count cnt = {};
	int err;

	if (!a->root != !a->height || a->height > KHO_ARRAY_MAX_HEIGHT) {
		pr_err("check: height %u with%s a root\n", a->height,
		       a->root ? "" : "out");
		return -EUCLEAN;
	}
	if (a->root) {
		err = check_node(a, a->root, a->height - 1, 0,
				 KHO_ARRAY_MAX_INDEX + 1, &cnt);
		if (err)
			return err;
	}
	if (cnt.entries != a->nr_entries || cnt.nodes != a->nr_nodes) {
		pr_err("check: %lu entries in %lu nodes, counted %lu in %lu\n",
		       cnt.entries, cnt.nodes, a->nr_entries, a->nr_nodes);
		return -EUCLEAN;
	}
	if (h && (h->height != a->height ||
		  le64_to_cpu(h->root) != (a->root ? a->ops->to_phys(a->root) : 0) ||
		  le64_to_cpu(h->nr_entries) != a->nr_entries ||
		  le64_to_cpu(h->nr_nodes) != a->nr_nodes)) {
		pr_err("check: head page out of step with the tree\n");
		return -EUCLEAN;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(kho_array_check);

static void dump_node(struct kho_array *a, struct kho_array_node *n,
		      unsigned int depth)
{
	unsigned int i, nr = node_nr(n);
	struct kho_rec r;

	pr_info("%*slevel %u, %u slots\n", 2 * depth, "", n->level, nr);
	for (i = 0; i < nr && n->level; i++) {
		pr_info("%*s[%u] key %#llx\n", 2 * depth + 2, "", i,
			(unsigned long long)slot_key(n, i));
		dump_node(a, kho_node(a, slot_val(n, i)), depth + 2);
	}
	for (i = 0; i < nr && !n->level;) {
		i += leaf_rec(n, i, &r);
		pr_info("%*s%#lx +%llu: %#llx step %#llx\n", 2 * depth + 2, "",
			r.index, (unsigned long long)r.count,
			(unsigned long long)r.value, (unsigned long long)r.step);
	}
}

/**
 * kho_array_dump() - print an array's nodes and records
 * @a: the array
 *
 * For debugging, with pr_info(); assumes a tree kho_array_check()
 * accepts (it trusts node counts and levels).
 */
void kho_array_dump(struct kho_array *a)
{
	pr_info("height %u, %lu entries, %lu nodes%s\n", a->height,
		a->nr_entries, a->nr_nodes, a->head ? ", preserved" : "");
	if (a->root)
		dump_node(a, a->root, 0);
}
EXPORT_SYMBOL_GPL(kho_array_dump);

/* Restore and check the subtree at @phys for indices in [@lo, @hi). */
static int restore_node(struct kho_array *a, u64 phys, unsigned int level,
			unsigned long lo, unsigned long hi,
			struct kho_count *ctx, struct kho_array_node **out)
{
	struct kho_array_node *n = a->ops->restore(phys), *child;
	unsigned int i, j, nr, skip;
	int err;

	if (!n)
		return -EINVAL;
	nr = node_nr(n);
	if (!node_hdr_ok(n, level)) {
		a->ops->free(n);
		return -EINVAL;
	}
	ctx->nodes++;
	if (!level) {
		err = check_leaf(n, lo, hi, ctx);
		if (err)
			a->ops->free(n);
		else
			*out = n;
		return err;
	}

	for (i = 0; i < nr; i++) {
		unsigned long clo, chi;

		/* A child that failed has freed itself; one not tried has not. */
		skip = 1;
		if (!child_bounds(n, i, lo, hi, &clo, &chi)) {
			skip = 0;
			goto release_rest;
		}
		err = restore_node(a, slot_val(n, i), level - 1, clo, chi, ctx,
				   &child);
		if (err)
			goto release_rest;
	}
	*out = n;
	return 0;

release_rest:
	for (j = 0; j < i; j++)
		walk_nodes(a, kho_node(a, slot_val(n, j)), node_release, NULL);
	for (j = i + skip; j < nr; j++)
		release_subtree(a, slot_val(n, j), level - 1);
	a->ops->free(n);
	return -EINVAL;
}

/**
 * kho_array_restore() - get back an array preserved by the previous kernel
 * @a: an array just initialized with kho_array_init()
 * @phys: the address kho_array_preserve() returned there
 *
 * Everything is checked: magic, version, node levels and bounds, strictly
 * increasing indices, runs, counts; every page must be preserved memory
 * not claimed before (so there can be no cycle); the entry and node
 * counts of the head page must be those of the tree. On error every page
 * reachable from @phys is freed and @a stays empty.
 *
 * Restoring costs O(pages), but a valid array can describe up to 2^62
 * entries in one record: callers must bound what they accept before
 * visiting entries, by walking runs (kho_array_for_each_run(), O(runs))
 * and checking each one's indices and values against what they know.
 *
 * Return: 0 or -EINVAL.
 */
int kho_array_restore(struct kho_array *a, phys_addr_t phys)
{
	struct kho_count ctx = {};
	struct kho_array_head *h = a->ops->restore(phys);
	struct kho_array_node *root = NULL;
	unsigned int height;
	u64 root_phys;
	int err = -EINVAL;

	if (!h)
		goto fail;
	height = h->height;
	root_phys = le64_to_cpu(h->root);
	/* Not an array of this version: touch nothing it points to. */
	if (le32_to_cpu(h->magic) != KHO_ARRAY_MAGIC ||
	    le16_to_cpu(h->version) != KHO_ARRAY_VERSION)
		goto free_head;
	if (h->reserved || height > KHO_ARRAY_MAX_HEIGHT ||
	    !height != !root_phys) {
		if (height <= KHO_ARRAY_MAX_HEIGHT && height && root_phys)
			release_subtree(a, root_phys, height - 1);
		goto free_head;
	}
	if (height) {
		err = restore_node(a, root_phys, height - 1, 0,
				   KHO_ARRAY_MAX_INDEX + 1, &ctx, &root);
		if (err)
			goto free_head;
	}
	if (ctx.entries != le64_to_cpu(h->nr_entries) ||
	    ctx.nodes != le64_to_cpu(h->nr_nodes)) {
		err = -EINVAL;
		if (root)
			walk_nodes(a, root, node_release, NULL);
		goto free_head;
	}
	a->root = root;
	a->height = height;
	a->nr_entries = ctx.entries;
	a->nr_nodes = ctx.nodes;
	a->ops->free(h);
	return 0;

free_head:
	a->ops->free(h);
fail:
	pr_err("cannot restore array at %pa: invalid data\n", &phys);
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(kho_array_restore);
