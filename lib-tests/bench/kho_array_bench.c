// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace benchmark of kho_array (kernel/liveupdate/lib/kho_array.c),
 * with the kernel's XArray on the same entries for comparison
 * (xarray_bench.c). Built optimized, without sanitizers: make bench.
 *
 *   kho_array_bench [-o summary.tsv] [nr [runs]]
 *
 * nr entries per workload (default 2^20); each workload is run @runs times
 * (default 3) and the best time of each step is kept: the first run pays
 * for faulting in fresh memory, which a kernel allocation does not. The
 * summary of ratios (format in README.md) is printed last, and written to
 * summary.tsv with -o.
 *
 * Steps: store in index order, preserve, kexec, restore, iterate, load in
 * random order; then into an empty array, store in random order and erase
 * 99% of the entries in another random order (what is left is spread over
 * the whole index range: the worst case for freeing nodes).
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
	unsigned long *perm = malloc(nr * sizeof(*perm));
	unsigned long *load = malloc(nr * sizeof(*load));
	u64 *value = malloc(nr * sizeof(*value));
	u64 seed = 0x6b686f5f61727279ULL + k;
	unsigned long i;

	if (!index || !perm || !load || !value) {
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
		perm[i] = i;
	}
	for (i = nr - 1; i > 0; i--) {
		unsigned long j = splitmix(&seed) % (i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < nr; i++)
		load[i] = index[perm[i]];
	w->name = workload_desc[k];
	w->nr = nr;
	w->index = index;
	w->value = value;
	w->perm = perm;
	w->load = load;
}

static void free_load(struct bench_load *w)
{
	free((void *)w->index);
	free((void *)w->value);
	free((void *)w->perm);
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

/* Memory of an array per entry: its nodes and the head page preserving it. */
static double kho_bytes(const struct kho_array *a, unsigned long nr)
{
	return (double)(a->nr_nodes + 1) * PAGE_SIZE / nr;
}

/* Store @w in random order into an empty array, then erase 99% of it. */
static int run_kho_erase(const struct bench_load *w,
			 const struct kho_page_ops *ops, struct bench_result *r)
{
	unsigned long i, kept = bench_kept(w->nr);
	struct kho_array a;
	u64 t0, t1;
	int err;

	kho_array_init_ops(&a, ops);
	t0 = bench_now();
	for (i = 0; i < w->nr; i++) {
		unsigned long k = w->perm[i];

		err = kho_array_store(&a, w->index[k], w->value[k]);
		if (err) {
			fprintf(stderr, "store: %d\n", err);
			return err;
		}
	}
	t1 = bench_now();
	r->store_random = bench_per(t0, t1, w->nr);
	r->bytes_random = kho_bytes(&a, w->nr);
	if (a.nr_entries != w->nr)
		r->ok = 0;

	t0 = bench_now();
	for (i = 0; i < w->nr; i++) {
		if (i % BENCH_KEEP && kho_array_erase(&a, w->load[i]))
			r->ok = 0;
	}
	t1 = bench_now();
	r->erase = bench_per(t0, t1, w->nr - kept);
	r->bytes_erased = kho_bytes(&a, kept);
	if (a.nr_entries != kept || kho_array_check(&a))
		r->ok = 0;
	kho_array_destroy(&a);
	return 0;
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
	r->bytes = kho_bytes(&a, w->nr);
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

static void keep_min(double *best, double v)
{
	if (v < *best)
		*best = v;
}

/* Keep in @best the lowest time of each step; memory does not vary. */
static void keep_best(struct bench_result *best, const struct bench_result *r,
		      int first)
{
	if (first) {
		*best = *r;
		return;
	}
	keep_min(&best->store, r->store);
	keep_min(&best->preserve, r->preserve);
	keep_min(&best->kexec, r->kexec);
	keep_min(&best->restore, r->restore);
	keep_min(&best->iterate, r->iterate);
	keep_min(&best->iterate_fast, r->iterate_fast);
	keep_min(&best->load, r->load);
	keep_min(&best->store_random, r->store_random);
	keep_min(&best->erase, r->erase);
	best->ok = best->ok && r->ok;
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

/* Short names of the workloads in the summary. */
static const char *const workload_name[] = {
	[SPARSE] = "sparse",
	[RUNS] = "runs",
	[DENSE] = "dense",
};

#define NO_TARGET	0.0

/*
 * One line of the summary: kho_array / XArray on a metric, with the
 * ratio the issue targets (NO_TARGET: none). Format in README.md.
 */
static void summary_line(FILE *out, enum workload k, const char *metric,
			 const char *unit, double kho, double xa, double target)
{
	double ratio = kho / xa;

	fprintf(out, "%s\t%s\t%.4g\t%.4g\t%s\t%.3f\t", workload_name[k], metric,
		kho, xa, unit, ratio);
	if (target == NO_TARGET)
		fprintf(out, "-\t-\n");
	else
		fprintf(out, "%.2f\t%s\n", target, ratio <= target ? "yes" : "no");
}

static void summary(FILE *out, enum workload k, const struct bench_result *kr,
		    const struct bench_result *xr)
{
	double t = k == DENSE ? 1.5 : NO_TARGET;

	summary_line(out, k, "load", "ns/entry", kr->load, xr->load, t);
	summary_line(out, k, "store", "ns/entry", kr->store, xr->store, t);
	summary_line(out, k, "store_random", "ns/entry", kr->store_random,
		     xr->store_random, t);
	summary_line(out, k, "erase", "ns/entry", kr->erase, xr->erase,
		     NO_TARGET);
	summary_line(out, k, "memory", "B/entry", kr->bytes, xr->bytes, t);
	summary_line(out, k, "memory_random", "B/entry", kr->bytes_random,
		     xr->bytes_random, t);
	summary_line(out, k, "memory_erased", "B/entry", kr->bytes_erased,
		     xr->bytes_erased, NO_TARGET);
	/* Memory per entry left / per entry before: proportional is ~1. */
	summary_line(out, k, "shrink", "x", kr->bytes_erased / kr->bytes_random,
		     xr->bytes_erased / xr->bytes_random, NO_TARGET);
}

static void print_usage(const char *prog)
{
	fprintf(stderr, "%s [-o summary.tsv] [nr [runs]]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	struct bench_result k[NR_WORKLOADS], f, x[NR_WORKLOADS], r;
	const char *summary_path = NULL;
	unsigned long nr = 1UL << 20;
	struct bench_load w;
	int rc = 0, i, run, runs = 3;
	FILE *out;

	if (argc > 2 && !strcmp(argv[1], "-o")) {
		summary_path = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc > 1)
		nr = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		runs = atoi(argv[2]);
	if (!nr || runs < 1 || argc > 3)
		print_usage(argv[0]);
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
			if (run_kho(&w, &bench_ops, &r) ||
			    run_kho_erase(&w, &bench_ops, &r))
				goto fail;
			if (fake_kho_misuse() || fake_kho_reset())
				r.ok = 0;
			keep_best(&k[i], &r, !run);
			if (run_kho(&w, &fake_kho_ops, &r))
				goto fail;
			keep_best(&f, &r, !run);
			if (xarray_bench(&w, &r))
				goto fail;
			keep_best(&x[i], &r, !run);
		}
		printf("\n%d. %s (%s)\n", i + 1, w.name, workload_name[i]);
		printf("  %-22s %-9s %12s %12s\n", "", "", "kho_array", "XArray");
		row("store (index order)", "ns/entry", k[i].store, x[i].store);
		row("preserve (fake KHO)", "ns/entry", k[i].preserve,
		    x[i].preserve);
		row("kexec (fake KHO)", "ns/entry", k[i].kexec, x[i].kexec);
		row("restore (fake KHO)", "ns/entry", k[i].restore,
		    x[i].restore);
		row("iterate (for_each)", "ns/entry", k[i].iterate,
		    x[i].iterate);
		row("iterate (xas_for_each)", "ns/entry", k[i].iterate_fast,
		    x[i].iterate_fast);
		row("load (random order)", "ns/entry", k[i].load, x[i].load);
		row("store (random order)", "ns/entry", k[i].store_random,
		    x[i].store_random);
		row("erase 99% (random)", "ns/entry", k[i].erase, x[i].erase);
		row("store, fake range_virt", "ns/entry", f.store, BENCH_NONE);
		row("load, fake range_virt", "ns/entry", f.load, BENCH_NONE);
		row("memory (index order)", "B/entry", k[i].bytes, x[i].bytes);
		row("memory (random order)", "B/entry", k[i].bytes_random,
		    x[i].bytes_random);
		row("memory after erase", "B/entry", k[i].bytes_erased,
		    x[i].bytes_erased);
		row_int("nodes", "count", k[i].nodes, x[i].nodes);
		row_int("node size", "bytes", k[i].node_size, x[i].node_size);
		row("leaf fill", "%", k[i].fill, x[i].fill);
		if (!k[i].ok || !f.ok || !x[i].ok) {
			printf("  MISMATCH: kho_array %s, fake ops %s, XArray %s\n",
			       k[i].ok ? "ok" : "bad", f.ok ? "ok" : "bad",
			       x[i].ok ? "ok" : "bad");
			rc = 1;
		}
		free_load(&w);
	}
	printf("\nmemory: kho_array (nodes + head page) * 4096 / entries; XArray\n");
	printf("nodes * sizeof(struct xa_node) / entries (slab overhead not counted);\n");
	printf("after erase: per entry left (1 in %d)\n", BENCH_KEEP);

	out = summary_path ? fopen(summary_path, "w") : NULL;
	if (summary_path && !out) {
		perror(summary_path);
		return 1;
	}
	printf("\nsummary (%s):\n", summary_path ? summary_path : "stdout only");
	for (run = 0; run < 2; run++) {
		FILE *fp = run ? out : stdout;

		if (!fp)
			continue;
		fprintf(fp, "# kho_array_bench %lu entries, best of %d runs, %s\n",
			nr, runs, rc ? "MISMATCH" : "ok");
		fprintf(fp, "workload\tmetric\tkho_array\txarray\tunit\tratio\ttarget\tmet\n");
		for (i = 0; i < NR_WORKLOADS; i++)
			summary(fp, i, &k[i], &x[i]);
	}
	if (out && fclose(out)) {
		perror(summary_path);
		return 1;
	}
	return rc;

fail:
	free_load(&w);
	return 1;
}
