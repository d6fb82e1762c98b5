// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace benchmark of kho_array (kernel/liveupdate/lib/kho_array.c),
 * with the kernel's XArray on the same entries for comparison
 * (xarray_bench.c). Built optimized, without sanitizers: make bench.
 *
 *   kho_array_bench [nr [runs]]
 *
 * nr entries per workload (default 2^20); each workload is run @runs times
 * (default 3) and the best time of each step is kept: the first run pays
 * for faulting in fresh memory, which a kernel allocation does not.
 *
 * Workloads: random sparse indices below 2^40 with random values; nr
 * consecutive indices whose values step by 4096 (addresses of contiguous
 * pages: one run); nr consecutive indices with random values.
 *
 * Pages come from the fake KHO of lib-tests/fake_kho.c, which tracks each
 * page in a hash table: its alloc, preserve, kexec and restore costs are
 * those of the fake, not of the kernel's KHO. The fake's range_virt() is a
 * hash lookup too, where the kernel's is phys_to_virt(); it is replaced by
 * the identity (physical = virtual in the fake) for the main numbers, and
 * the rows marked (fake) use the fake's ops unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kernel.h>
#include <linux/kho_array.h>
#include <linux/kho/abi/kho_array.h>
#include "fake_kho.h"
#include "bench.h"

#define NODE_SLOTS	((PAGE_SIZE - sizeof(struct kho_array_node)) / \
			 sizeof(struct kho_array_slot))

static void *bench_virt(phys_addr_t phys)
{
	return (void *)(unsigned long)phys;
}

/* The fake KHO, except that a node is found like in the kernel. */
static struct kho_page_ops bench_ops;

static u64 splitmix(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A bijection of [0, 2^40): distinct indices that look random. */
static unsigned long mix40(unsigned long x)
{
	const unsigned long m = (1UL << 40) - 1;

	x = (x * 0x9e3779b97fUL) & m;
	x ^= x >> 21;
	x = (x * 0xc2b2ae3d27UL) & m;
	x ^= x >> 19;
	return x;
}

static u64 nonzero(u64 v)
{
	return v ? v : 1;
}

enum workload { SPARSE, RUNS, DENSE, NR_WORKLOADS };

static const char *const workload_desc[] = {
	[SPARSE] = "random indices below 2^40, random values",
	[RUNS] = "consecutive indices, values step by 4096 (one run)",
	[DENSE] = "consecutive indices, random values",
};

static void make_load(struct bench_load *w, enum workload k, unsigned long nr)
{
	unsigned long *index = malloc(nr * sizeof(*index));
	unsigned long *load = malloc(nr * sizeof(*load));
	u64 *value = malloc(nr * sizeof(*value));
	u64 seed = 0x6b686f5f61727279ULL + k;
	unsigned long i;

	if (!index || !load || !value) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	for (i = 0; i < nr; i++) {
		switch (k) {
		case SPARSE:
			index[i] = mix40(i);
			value[i] = nonzero(splitmix(&seed));
			break;
		case RUNS:
			index[i] = i;
			value[i] = 0x100000000ULL + (u64)i * 4096;
			break;
		default:
			index[i] = i;
			value[i] = nonzero(splitmix(&seed));
			break;
		}
		load[i] = index[i];
	}
	for (i = nr - 1; i > 0; i--) {
		unsigned long j = splitmix(&seed) % (i + 1), t = load[i];

		load[i] = load[j];
		load[j] = t;
	}
	w->name = workload_desc[k];
	w->nr = nr;
	w->index = index;
	w->value = value;
	w->load = load;
}

static void free_load(struct bench_load *w)
{
	free((void *)w->index);
	free((void *)w->value);
	free((void *)w->load);
}

/* Percentage of leaf slots in use. */
static double leaf_fill(struct kho_array_node *n, unsigned int level,
			unsigned long *leaves)
{
	unsigned int i, nr = le16_to_cpu(n->nr);
	double used = 0;

	if (!level) {
		(*leaves)++;
		return nr;
	}
	for (i = 0; i < nr; i++)
		used += leaf_fill(bench_virt(le64_to_cpu(n->slots[i].val)),
				  level - 1, leaves);
	return used;
}

static int run_kho(const struct bench_load *w, const struct kho_page_ops *ops,
		   struct bench_result *r)
{
	struct kho_array a, b;
	struct kho_array_iter it;
	unsigned long i, index, nr = 0, leaves = 0;
	u64 t0, t1, value, want = 0, sum = 0;
	phys_addr_t phys;
	double used;
	int err;

	memset(r, 0, sizeof(*r));
	r->ok = 1;
	kho_array_init_ops(&a, ops);
	t0 = bench_now();
	for (i = 0; i < w->nr; i++) {
		err = kho_array_store(&a, w->index[i], w->value[i]);
		if (err) {
			fprintf(stderr, "store: %d\n", err);
			return err;
		}
	}
	t1 = bench_now();
	r->store = bench_per(t0, t1, w->nr);
	r->nodes = a.nr_nodes;
	r->node_size = PAGE_SIZE;
	/* The head page is there once preserved. */
	r->bytes = (double)(a.nr_nodes + 1) * PAGE_SIZE / w->nr;
	used = leaf_fill(a.root, a.height - 1, &leaves);
	r->fill = 100.0 * used / (leaves * NODE_SLOTS);
	if (a.nr_entries != w->nr)
		r->ok = 0;

	for (i = 0; i < w->nr; i++)
		want += w->value[i];

	t0 = bench_now();
	kho_array_for_each(&a, &it, index, value) {
		sum += value;
		nr++;
	}
	t1 = bench_now();
	r->iterate = bench_per(t0, t1, w->nr);
	r->iterate_fast = BENCH_NONE;
	if (nr != w->nr || sum != want)
		r->ok = 0;

	sum = 0;
	t0 = bench_now();
	for (i = 0; i < w->nr; i++)
		sum += kho_array_load(&a, w->load[i]);
	t1 = bench_now();
	r->load = bench_per(t0, t1, w->nr);
	if (sum != want)
		r->ok = 0;

	t0 = bench_now();
	err = kho_array_preserve(&a, &phys);
	t1 = bench_now();
	if (err) {
		fprintf(stderr, "preserve: %d\n", err);
		return err;
	}
	r->preserve = bench_per(t0, t1, w->nr);

	t0 = bench_now();
	fake_kho_kexec();
	t1 = bench_now();
	r->kexec = bench_per(t0, t1, w->nr);

	kho_array_init_ops(&b, ops);
	t0 = bench_now();
	err = kho_array_restore(&b, phys);
	t1 = bench_now();
	if (err) {
		fprintf(stderr, "restore: %d\n", err);
		return err;
	}
	r->restore = bench_per(t0, t1, w->nr);

	sum = 0;
	nr = 0;
	kho_array_for_each(&b, &it, index, value) {
		sum += value;
		nr++;
	}
	if (nr != w->nr || sum != want || b.nr_nodes != r->nodes)
		r->ok = 0;
	kho_array_destroy(&b);
	if (fake_kho_misuse() || fake_kho_reset())
		r->ok = 0;
	return 0;
}

/* Keep in @best the lowest time of each step. */
static void keep_best(struct bench_result *best, const struct bench_result *r,
		      int first)
{
	double *b = &best->store;
	const double *v = &r->store;
	int ok = best->ok && r->ok;

	if (first) {
		*best = *r;
		return;
	}
	for (; b <= &best->load; b++, v++)
		if (*v < *b)
			*b = *v;
	best->ok = ok;
}

static void cell(double v)
{
	if (v == BENCH_NONE)
		printf(" %12s", "-");
	else if (v < 1)
		printf(" %12.4f", v);
	else
		printf(" %12.1f", v);
}

static void row(const char *what, const char *unit, double k, double x)
{
	printf("  %-22s %-9s", what, unit);
	cell(k);
	cell(x);
	printf("\n");
}

static void row_int(const char *what, const char *unit, unsigned long k,
		    unsigned long x)
{
	printf("  %-22s %-9s %12lu %12lu\n", what, unit, k, x);
}

int main(int argc, char **argv)
{
	unsigned long nr = argc > 1 ? strtoul(argv[1], NULL, 0) : 1UL << 20;
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	struct bench_result k, f, x, r;
	struct bench_load w;
	int rc = 0, i, run;

	if (!nr || runs < 1) {
		fprintf(stderr, "usage: %s [nr [runs]]\n", argv[0]);
		return 2;
	}
	bench_ops = fake_kho_ops;
	bench_ops.range_virt = bench_virt;

	printf("kho_array vs XArray, %lu entries per workload, times in ns per entry\n",
	       nr);
	printf("(best of %d runs)\n", runs);
	printf("(kho_array pages from the fake KHO of lib-tests/fake_kho.c; XArray\n");
	printf(" from the base tree's lib/xarray.c in the radix-tree test harness,\n");
	printf(" XA_CHUNK_SHIFT 6, values stored as xa_mk_value(value >> 1))\n");
	for (i = 0; i < NR_WORKLOADS; i++) {
		make_load(&w, i, nr);
		for (run = 0; run < runs; run++) {
			if (run_kho(&w, &bench_ops, &r))
				goto fail;
			keep_best(&k, &r, !run);
			if (run_kho(&w, &fake_kho_ops, &r))
				goto fail;
			keep_best(&f, &r, !run);
			if (xarray_bench(&w, &r))
				goto fail;
			keep_best(&x, &r, !run);
		}
		printf("\n%d. %s\n", i + 1, w.name);
		printf("  %-22s %-9s %12s %12s\n", "", "", "kho_array", "XArray");
		row("store", "ns/entry", k.store, x.store);
		row("preserve (fake KHO)", "ns/entry", k.preserve, x.preserve);
		row("kexec (fake KHO)", "ns/entry", k.kexec, x.kexec);
		row("restore (fake KHO)", "ns/entry", k.restore, x.restore);
		row("iterate (for_each)", "ns/entry", k.iterate, x.iterate);
		row("iterate (xas_for_each)", "ns/entry", k.iterate_fast,
		    x.iterate_fast);
		row("load (random order)", "ns/entry", k.load, x.load);
		row("store, fake range_virt", "ns/entry", f.store, BENCH_NONE);
		row("load, fake range_virt", "ns/entry", f.load, BENCH_NONE);
		row("memory", "B/entry", k.bytes, x.bytes);
		row_int("nodes", "count", k.nodes, x.nodes);
		row_int("node size", "bytes", k.node_size, x.node_size);
		row("leaf fill", "%", k.fill, x.fill);
		if (!k.ok || !f.ok || !x.ok) {
			printf("  MISMATCH: kho_array %s, fake ops %s, XArray %s\n",
			       k.ok ? "ok" : "bad", f.ok ? "ok" : "bad",
			       x.ok ? "ok" : "bad");
			rc = 1;
		}
		free_load(&w);
	}
	printf("\nmemory: kho_array (nodes + head page) * 4096 / entries; XArray\n");
	printf("nodes * sizeof(struct xa_node) / entries (slab overhead not counted)\n");
	return rc;

fail:
	free_load(&w);
	return 1;
}
