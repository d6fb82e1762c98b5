/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interface between the two halves of the benchmark: kho_array_bench.c
 * (built against lib-tests/shim) generates the workloads and runs
 * kho_array; xarray_bench.c (built against the radix-tree test harness of
 * the base tree) runs the kernel's XArray on the same entries. Only plain
 * C types cross the boundary, the two sets of headers do not mix.
 */
#ifndef _LIB_TESTS_BENCH_H
#define _LIB_TESTS_BENCH_H

#include <stdint.h>
#include <time.h>

/*
 * Entries of one workload: (@index[k], @value[k]) for k < @nr; @perm is a
 * random permutation of [0, @nr), @load[i] = @index[@perm[i]].
 */
struct bench_load {
	const char *name;
	unsigned long nr;
	const unsigned long *index;
	const uint64_t *value;
	const unsigned long *perm;
	const unsigned long *load;
};

#define BENCH_NONE	(-1.0)

/*
 * Times in nanoseconds per entry (the fields from @store to @erase, each
 * the best of the runs), BENCH_NONE where a step does not apply.
 */
struct bench_result {
	double store;		/* in index order */
	double preserve;
	double kexec;
	double restore;
	double iterate;
	double iterate_fast;
	double load;		/* in random order */
	double store_random;	/* in random order, into an empty array */
	double erase;		/* 99% of the entries, in random order */
	double bytes;		/* memory per entry, stored in index order */
	double bytes_random;	/* memory per entry, stored in random order */
	double bytes_erased;	/* memory per entry left after the erase */
	unsigned long nodes;	/* node allocations */
	unsigned long node_size;
	double fill;		/* leaf slots in use, percent */
	int ok;			/* every value read back matched */
};

/*
 * CPU time of the process (all its threads: the XArray frees nodes in
 * liburcu's call_rcu thread), not wall-clock time: on a shared machine a
 * benchmark waiting for a CPU would otherwise measure the others' load.
 */
static inline uint64_t bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline double bench_per(uint64_t t0, uint64_t t1, unsigned long nr)
{
	return nr ? (double)(t1 - t0) / nr : 0;
}

/*
 * The erase step removes the entries w->load[i] with i % BENCH_KEEP != 0
 * from the array stored in random order: 99% of them, leaving entries
 * spread over the whole index range.
 */
#define BENCH_KEEP	100

static inline unsigned long bench_kept(unsigned long nr)
{
	return (nr + BENCH_KEEP - 1) / BENCH_KEEP;
}

/* Run the XArray on @w (xa_mk_value(value >> 1)); 0, or -1 if unavailable. */
int xarray_bench(const struct bench_load *w, struct bench_result *r);

#endif /* _LIB_TESTS_BENCH_H */
