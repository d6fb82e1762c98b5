/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kho_array: a sparse map from unsigned long index to nonzero u64 that
 * preserves itself across kexec. See Documentation/liveupdate/kho_array.rst.
 *
 * Old kernel: kho_array_init(), store/load/erase, iterate,
 * kho_array_preserve() (one physical address to hand over),
 * kho_array_unpreserve(), kho_array_destroy().
 * New kernel: kho_array_init() then kho_array_restore() from that address
 * (everything is checked), then load/iterate (and store/erase: a restored
 * array is an ordinary array again), kho_array_destroy().
 *
 * Runs of consecutive indices whose values step by a constant are kept as
 * one record, so a physically contiguous range described by PFN costs a
 * few bytes whatever its length.
 *
 * Not safe for concurrent use: callers serialize all calls on one array.
 */
#ifndef _LINUX_KHO_ARRAY_H
#define _LINUX_KHO_ARRAY_H

#include <linux/types.h>

struct kho_page_ops;
struct kho_array_node;

/* Largest index: the top two bits of a slot's first word are flags. */
#define KHO_ARRAY_MAX_INDEX	((1UL << 62) - 1)
#define KHO_ARRAY_MAX_HEIGHT	8

/**
 * struct kho_array - a sparse index -> u64 map
 * @ops: where its pages come from
 * @root: root node, NULL when empty
 * @height: levels of nodes, 0 when empty, 1 when the root is a leaf
 * @nr_entries: number of indices stored
 * @nr_nodes: pages of nodes
 * @head: the preserved head page while preserved, else NULL
 */
struct kho_array {
	const struct kho_page_ops *ops;
	void *root;
	unsigned int height;
	unsigned long nr_entries;
	unsigned long nr_nodes;
	void *head;
};

/**
 * struct kho_array_iter - position of an ordered walk
 * @a: the array
 * @node: node at each level of the current path, leaf at 0
 * @slot: slot at each level
 * @run: entry of the run in the current leaf slot
 * @index: next index to return at least
 */
struct kho_array_iter {
	struct kho_array *a;
	struct kho_array_node *node[KHO_ARRAY_MAX_HEIGHT];
	unsigned int slot[KHO_ARRAY_MAX_HEIGHT];
	u64 run;
	unsigned long index;
};

void kho_array_init(struct kho_array *a);
int kho_array_store(struct kho_array *a, unsigned long index, u64 value);
u64 kho_array_load(struct kho_array *a, unsigned long index);
int kho_array_erase(struct kho_array *a, unsigned long index);
int kho_array_store_range(struct kho_array *a, unsigned long first,
			  unsigned long nr, u64 value, u64 step);
void kho_array_iter_init(struct kho_array_iter *it, struct kho_array *a,
			 unsigned long start);
bool kho_array_next(struct kho_array_iter *it, unsigned long *index,
		    u64 *value);
bool kho_array_next_run(struct kho_array_iter *it, unsigned long *first,
			unsigned long *nr, u64 *value, u64 *step);
int kho_array_preserve(struct kho_array *a, phys_addr_t *phys);
void kho_array_unpreserve(struct kho_array *a);
int kho_array_restore(struct kho_array *a, phys_addr_t phys);
void kho_array_destroy(struct kho_array *a);
int kho_array_check(struct kho_array *a);
void kho_array_dump(struct kho_array *a);

/* For tests: the same, with another source of pages. */
void kho_array_init_ops(struct kho_array *a, const struct kho_page_ops *ops);

/**
 * kho_array_for_each() - iterate over entries in index order
 * @a: the array
 * @it: a struct kho_array_iter
 * @index: unsigned long, set to each index
 * @value: u64, set to each value
 */
#define kho_array_for_each(a, it, index, value)				\
	for (kho_array_iter_init(it, a, 0);				\
	     kho_array_next(it, &(index), &(value));)

/**
 * kho_array_for_each_run() - iterate over maximal runs in index order
 * @a: the array
 * @it: a struct kho_array_iter
 * @first: unsigned long, set to the first index of each run
 * @nr: unsigned long, set to its number of indices (at least 1)
 * @value: u64, set to the value of @first
 * @step: u64, index @first + i has value @value + i * @step
 *
 * What to use on a restored array: the previous kernel can describe 2^62
 * entries in one page, so bound what each run may cover before walking
 * its entries.
 */
#define kho_array_for_each_run(a, it, first, nr, value, step)		\
	for (kho_array_iter_init(it, a, 0);				\
	     kho_array_next_run(it, &(first), &(nr), &(value), &(step));)

#endif /* _LINUX_KHO_ARRAY_H */
