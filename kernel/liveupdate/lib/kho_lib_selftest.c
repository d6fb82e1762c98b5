// SPDX-License-Identifier: GPL-2.0-only
/*
 * Library self-test across kexec, enabled with kho_lib_selftest=1: each
 * boot restores the arrays the previous boot preserved and checks every
 * entry, then builds and preserves new ones:
 *   - 1M random sparse entries over indices below 2^40,
 *   - one run of 262144 entries (1 GiB of 4 KiB pages by PFN),
 *   - a few entries at indices near 2^40 and KHO_ARRAY_MAX_INDEX.
 * Values are a function of the index, so duplicates are harmless and the
 * next kernel can check them. Result lines start with "kho_lib_selftest:";
 * failures contain "FAIL".
 */
#define pr_fmt(fmt) "kho_lib_selftest: " fmt

#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho_array.h>
#include <linux/libfdt.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/sched/clock.h>

#define NODE		"kho-lib-selftest"
#define COMPAT		"kho-lib-selftest-v1"
#define SPARSE_NR	1000000UL
#define RUN_NR		262144UL
#define RUN_FIRST	(1UL << 20)

static bool kho_lib_selftest;
core_param(kho_lib_selftest, kho_lib_selftest, bool, 0);

static unsigned int failures __initdata;

enum { SPARSE, RUN, HIGH, NR_ARRAYS };
static const char * const names[NR_ARRAYS] __initconst = {
	"sparse", "run", "high"
};

static u64 __init sparse_value(unsigned long index)
{
	return (index * 0x9e3779b97f4a7c15ULL) | 1;
}

static unsigned long __init high_index(unsigned int i)
{
	return i < 8 ? (1UL << 40) - 4 + i : KHO_ARRAY_MAX_INDEX - (i - 8);
}

/* Value expected at @index of array @which, 0 if none. */
static u64 __init expected(unsigned int which, unsigned long index)
{
	switch (which) {
	case SPARSE:
		return sparse_value(index);
	case RUN:
		return index - RUN_FIRST < RUN_NR ?
		       0x40000 + (index - RUN_FIRST) : 0;
	default:
		return index + 1;
	}
}

static int __init build(struct kho_array *a, unsigned int which)
{
	struct rnd_state rnd;
	unsigned long i;
	int err = 0;

	prandom_seed_state(&rnd, 42);
	switch (which) {
	case SPARSE:
		for (i = 0; i < SPARSE_NR && !err; i++) {
			unsigned long index = ((u64)prandom_u32_state(&rnd) << 8 ^
					       prandom_u32_state(&rnd)) &
					      ((1UL << 40) - 1);

			err = kho_array_store(a, index, sparse_value(index));
		}
		break;
	case RUN:
		for (i = 0; i < RUN_NR && !err; i++)
			err = kho_array_store(a, RUN_FIRST + i,
					      expected(RUN, RUN_FIRST + i));
		break;
	default:
		for (i = 0; i < 16 && !err; i++)
			err = kho_array_store(a, high_index(i),
					      high_index(i) + 1);
	}
	return err;
}

static void __init verify(struct kho_array *a, unsigned int which, u32 gen)
{
	unsigned long index, n = 0, bad = 0;
	struct kho_array_iter it;
	u64 value;

	kho_array_for_each(a, &it, index, value) {
		if (value != expected(which, index))
			bad++;
		n++;
	}
	if (n != a->nr_entries || (which == RUN && n != RUN_NR) ||
	    (which == HIGH && n != 16) || (which == SPARSE && n < SPARSE_NR - 100))
		bad++;
	if (which == HIGH && kho_array_load(a, KHO_ARRAY_MAX_INDEX) !=
	    KHO_ARRAY_MAX_INDEX + 1)
		bad++;
	if (bad) {
		pr_err("FAIL generation %u: array %s: %lu entries, %lu bad\n",
		       gen, names[which], n, bad);
		failures++;
		return;
	}
	pr_info("generation %u: array %s: %lu entries verified, %lu bytes/entry\n",
		gen, names[which], n, a->nr_nodes * PAGE_SIZE / n);
}

static u32 __init restore_all(void)
{
	const void *fdt, *p;
	phys_addr_t phys;
	unsigned int i;
	u32 gen;
	int len;

	if (kho_retrieve_subtree(NODE, &phys)) {
		pr_info("nothing handed over by a previous kernel\n");
		return 0;
	}
	fdt = phys_to_virt(phys);
	if (fdt_check_header(fdt) || fdt_node_check_compatible(fdt, 0, COMPAT)) {
		pr_err("FAIL bad sub-FDT\n");
		failures++;
		return 0;
	}
	p = fdt_getprop(fdt, 0, "generation", &len);
	gen = p && len == 4 ? fdt32_to_cpu(*(const fdt32_t *)p) : 0;
	for (i = 0; i < NR_ARRAYS; i++) {
		struct kho_array a;
		u64 t0 = local_clock();

		p = fdt_getprop(fdt, 0, names[i], &len);
		kho_array_init(&a);
		if (!p || len != 8 ||
		    kho_array_restore(&a, fdt64_to_cpu(*(const fdt64_t *)p))) {
			pr_err("FAIL generation %u: array %s not restored\n",
			       gen, names[i]);
			failures++;
			continue;
		}
		pr_info("generation %u: array %s restored in %llu us\n", gen,
			names[i], (local_clock() - t0) / 1000);
		verify(&a, i, gen);
		kho_array_destroy(&a);
	}
	kho_restore_free((void *)fdt);
	return gen;
}

static int __init preserve_all(u32 gen)
{
	static struct kho_array arrays[NR_ARRAYS];
	phys_addr_t phys;
	unsigned int i;
	void *fdt;
	int err;

	fdt = kho_alloc_fdt(COMPAT);
	if (IS_ERR(fdt))
		return PTR_ERR(fdt);
	err = fdt_setprop_u32(fdt, 0, "generation", gen);
	for (i = 0; i < NR_ARRAYS && !err; i++) {
		u64 t0 = local_clock();

		kho_array_init(&arrays[i]);
		err = build(&arrays[i], i);
		err = err ?: kho_array_preserve(&arrays[i], &phys);
		err = err ?: fdt_setprop_u64(fdt, 0, names[i], phys);
		if (!err)
			pr_info("generation %u: array %s: %lu entries in %lu pages, built and preserved in %llu ms\n",
				gen, names[i], arrays[i].nr_entries,
				arrays[i].nr_nodes,
				(local_clock() - t0) / 1000000);
	}
	return err ?: kho_add_subtree(NODE, fdt);
}

static int __init kho_lib_selftest_run(void)
{
	u32 gen;
	int err;

	if (!kho_lib_selftest)
		return 0;
	if (!kho_is_enabled()) {
		pr_info("skipped: kexec handover is disabled\n");
		return 0;
	}
	gen = restore_all();
	err = preserve_all(gen + 1);
	if (err) {
		pr_err("FAIL preserve generation %u: %d\n", gen + 1, err);
		failures++;
	}
	pr_info("done: %s\n", failures ? "FAIL" : "all passed");
	return 0;
}
late_initcall(kho_lib_selftest_run);
