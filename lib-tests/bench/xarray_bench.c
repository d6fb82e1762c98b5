// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's XArray (lib/xarray.c of the base tree) on the workloads of
 * kho_array_bench.c, built in userspace with the radix-tree test harness
 * of tools/testing (its shims, its slab, liburcu for RCU). Values are
 * stored as xa_mk_value(value >> 1). Memory is the number of xa_node
 * allocations (the harness's nr_allocated) times sizeof(struct xa_node).
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <linux/radix-tree.h>
#include <urcu.h>
#include "test.h"		/* tools/testing/radix-tree: nr_allocated */
#include "radix-tree.h"		/* lib/: radix_tree_node_cachep */
#include "bench.h"

/* tools/testing/shared/linux.c */
void kmem_cache_set_non_kernel(struct kmem_cache *cachep, unsigned int val);

static DEFINE_XARRAY(bench_xa);

/* Nodes this run holds: they are freed after a grace period. */
static unsigned long xarray_nodes(int before)
{
	rcu_barrier();
	return nr_allocated - before;
}

/* Store @w in random order into the empty @xa, then erase 99% of it. */
static void xarray_erase(struct xarray *xa, const struct bench_load *w,
			 int before, struct bench_result *r)
{
	unsigned long i, kept = bench_kept(w->nr), nr = 0;
	uint64_t t0, t1;
	void *entry;

	t0 = bench_now();
	for (i = 0; i < w->nr; i++) {
		unsigned long k = w->perm[i];

		entry = xa_store(xa, w->index[k], xa_mk_value(w->value[k] >> 1),
				 GFP_KERNEL);
		if (xa_is_err(entry))
			r->ok = 0;
	}
	t1 = bench_now();
	r->store_random = bench_per(t0, t1, w->nr);
	r->bytes_random = (double)xarray_nodes(before) *
			  sizeof(struct xa_node) / w->nr;

	t0 = bench_now();
	for (i = 0; i < w->nr; i++)
		if (i % BENCH_KEEP)
			xa_erase(xa, w->load[i]);
	t1 = bench_now();
	r->erase = bench_per(t0, t1, w->nr - kept);
	r->bytes_erased = (double)xarray_nodes(before) *
			  sizeof(struct xa_node) / kept;
	xa_for_each(xa, i, entry)
		nr++;
	if (nr != kept)
		r->ok = 0;
}

static void xarray_setup(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	rcu_register_thread();
	radix_tree_init();
}

int xarray_bench(const struct bench_load *w, struct bench_result *r)
{
	struct xarray *xa = &bench_xa;
	XA_STATE(xas, xa, 0);
	unsigned long i, index, nr = 0;
	uint64_t t0, t1, want = 0, sum = 0;
	int before;
	void *entry;

	xarray_setup();
	/*
	 * The harness fails allocations without __GFP_DIRECT_RECLAIM, as
	 * xa_store() first tries under its lock; the kernel's slab would
	 * serve them. Let them succeed, like the kernel.
	 */
	kmem_cache_set_non_kernel(radix_tree_node_cachep, UINT_MAX);
	/* Nodes are freed after a grace period: count only this run's. */
	rcu_barrier();
	before = nr_allocated;

	r->ok = 1;
	t0 = bench_now();
	for (i = 0; i < w->nr; i++) {
		entry = xa_store(xa, w->index[i], xa_mk_value(w->value[i] >> 1),
				 GFP_KERNEL);
		if (xa_is_err(entry)) {
			r->ok = 0;
			break;
		}
	}
	t1 = bench_now();
	r->store = bench_per(t0, t1, w->nr);
	r->nodes = xarray_nodes(before);
	r->node_size = sizeof(struct xa_node);
	r->bytes = (double)r->nodes * sizeof(struct xa_node) / w->nr;
	r->preserve = r->kexec = r->restore = BENCH_NONE;
	r->fill = BENCH_NONE;

	for (i = 0; i < w->nr; i++)
		want += w->value[i] >> 1;

	t0 = bench_now();
	xa_for_each(xa, index, entry) {
		sum += xa_to_value(entry);
		nr++;
	}
	t1 = bench_now();
	r->iterate = bench_per(t0, t1, w->nr);
	if (nr != w->nr || sum != want)
		r->ok = 0;

	sum = 0;
	nr = 0;
	t0 = bench_now();
	rcu_read_lock();
	xas_for_each(&xas, entry, ULONG_MAX) {
		sum += xa_to_value(entry);
		nr++;
	}
	rcu_read_unlock();
	t1 = bench_now();
	r->iterate_fast = bench_per(t0, t1, w->nr);
	if (nr != w->nr || sum != want)
		r->ok = 0;

	sum = 0;
	t0 = bench_now();
	for (i = 0; i < w->nr; i++)
		sum += xa_to_value(xa_load(xa, w->load[i]));
	t1 = bench_now();
	r->load = bench_per(t0, t1, w->nr);
	if (sum != want)
		r->ok = 0;

	xa_destroy(xa);
	xarray_erase(xa, w, before, r);
	xa_destroy(xa);
	rcu_barrier();
	return 0;
}
