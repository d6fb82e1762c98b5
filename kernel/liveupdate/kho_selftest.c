// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO self-test across kexec, enabled with kho_selftest=N on the command
 * line (N allocations; kho_selftest_mb=M adds M MiB in order-10 folios).
 *
 * Each boot first checks what the previous boot preserved: every folio is
 * restored with its order, every byte compared with its pattern, then
 * freed, and the freed memory must show up as free again. It then
 * preserves N new folios of random orders 0..MAX_PAGE_ORDER filled with a
 * pattern, named by a sub-FDT, and runs the negative checks of the API.
 * Results are single lines starting with "kho_selftest:"; a failure line
 * contains "FAIL".
 */
#define pr_fmt(fmt) "kho_selftest: " fmt

#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/libfdt.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/vmalloc.h>
#include "kho_internal.h"

#define KHO_SELFTEST_NODE	"kho-selftest"
#define KHO_SELFTEST_COMPAT	"kho-selftest-v1"

/*
 * One preserved allocation, in a records block the FDT points to.
 * Format of this test only, between two kernels running it.
 */
struct kho_selftest_rec {
	__le64 phys;
	__le32 order;
	__le32 seed;
} __packed;

static unsigned int kho_selftest_nr;
static unsigned int kho_selftest_mb;
core_param(kho_selftest, kho_selftest_nr, uint, 0);
core_param(kho_selftest_mb, kho_selftest_mb, uint, 0);

static unsigned int kho_selftest_failed __initdata;

#define CHECK(cond, fmt, ...)						\
	do {								\
		if (!(cond)) {						\
			pr_err("FAIL " fmt "\n", ##__VA_ARGS__);		\
			kho_selftest_failed++;				\
		}							\
	} while (0)

static u64 __init kho_pattern(u32 seed, unsigned long i)
{
	return ((u64)seed << 32 | seed) ^ (i * 0x9e3779b97f4a7c15ULL);
}

static void __init kho_fill(struct folio *folio, u32 seed)
{
	u64 *p = folio_address(folio);
	unsigned long i, n = folio_size(folio) / sizeof(u64);

	for (i = 0; i < n; i++)
		p[i] = kho_pattern(seed, i);
}

static bool __init kho_verify(struct folio *folio, u32 seed)
{
	const u64 *p = folio_address(folio);
	unsigned long i, n = folio_size(folio) / sizeof(u64);

	for (i = 0; i < n; i++)
		if (p[i] != kho_pattern(seed, i))
			return false;
	return true;
}

/* Restore and verify what the previous kernel preserved. */
static void __init kho_selftest_restore(u32 *generation)
{
	unsigned long restored = 0, bad = 0, pages = 0, free_before;
	const struct kho_selftest_rec *rec;
	struct folio *recs_folio, *folio;
	const void *fdt;
	phys_addr_t phys;
	u32 i, count;
	int len;
	const void *p;

	*generation = 0;
	if (kho_retrieve_subtree(KHO_SELFTEST_NODE, &phys)) {
		pr_info("nothing handed over by a previous kernel\n");
		return;
	}
	fdt = phys_to_virt(phys);
	if (fdt_check_header(fdt) ||
	    fdt_node_check_compatible(fdt, 0, KHO_SELFTEST_COMPAT)) {
		CHECK(0, "bad sub-FDT");
		return;
	}
	p = fdt_getprop(fdt, 0, "generation", &len);
	*generation = p && len == 4 ? fdt32_to_cpu(*(const fdt32_t *)p) : 0;
	p = fdt_getprop(fdt, 0, "count", &len);
	count = p && len == 4 ? fdt32_to_cpu(*(const fdt32_t *)p) : 0;
	p = fdt_getprop(fdt, 0, "records", &len);
	recs_folio = p && len == 8 ?
		     kho_restore_folio(fdt64_to_cpu(*(const fdt64_t *)p)) : NULL;
	if (!recs_folio) {
		CHECK(0, "records of generation %u not restored", *generation);
		return;
	}

	free_before = global_zone_page_state(NR_FREE_PAGES);
	rec = folio_address(recs_folio);
	for (i = 0; i < count; i++) {
		unsigned int order = le32_to_cpu(rec[i].order);

		folio = kho_restore_folio(le64_to_cpu(rec[i].phys));
		if (!folio || folio_order(folio) != order ||
		    folio_ref_count(folio) != 1 ||
		    !kho_verify(folio, le32_to_cpu(rec[i].seed))) {
			bad++;
			if (bad <= 5)
				pr_err("FAIL record %u: phys %#llx order %u %s\n",
				       i, le64_to_cpu(rec[i].phys), order,
				       folio ? "content or order differs" :
					       "not restored");
		}
		if (folio) {
			restored++;
			pages += folio_nr_pages(folio);
			folio_put(folio);
		}
	}
	/* A second restore of the same memory must fail. */
	CHECK(!count || !kho_restore_folio(le64_to_cpu(rec[0].phys)),
	      "restored a folio twice");
	folio_put(recs_folio);
	kho_restore_free((void *)fdt);
	kho_selftest_failed += bad;

	pr_info("generation %u: restored %lu/%u folios (%lu MiB), %lu bad\n",
		*generation, restored, count, pages >> (20 - PAGE_SHIFT), bad);
	/* Allow a little noise from concurrent boot activity. */
	CHECK(global_zone_page_state(NR_FREE_PAGES) + 1024 >= free_before + pages,
	      "freed memory not back: %lu free pages before, %lu after, %lu restored",
	      free_before, global_zone_page_state(NR_FREE_PAGES), pages);
	if (!bad && restored == count)
		pr_info("generation %u: every byte verified, memory freed\n",
			*generation);
}

/* Reuse memory: allocate, write and check @pages pages. */
static void __init kho_selftest_reuse(unsigned long pages)
{
	unsigned long done = 0;

	while (done < pages) {
		struct folio *folio = folio_alloc(GFP_KERNEL, 0);

		if (!folio)
			break;
		kho_fill(folio, done);
		CHECK(kho_verify(folio, done), "reused page corrupt");
		folio_put(folio);
		done++;
	}
	CHECK(done == pages, "could only reuse %lu of %lu pages", done, pages);
}

static unsigned int __init kho_random_order(struct rnd_state *rnd,
					    unsigned int i)
{
	unsigned int order;

	/* Every order once, then halving odds per order. */
	if (i < NR_PAGE_ORDERS)
		return i;
	order = __ffs(prandom_u32_state(rnd) | BIT(MAX_PAGE_ORDER));
	return order;
}

static int __init kho_selftest_preserve(u32 generation)
{
	unsigned int nr = kho_selftest_nr, bulk = kho_selftest_mb / 4;
	struct kho_selftest_rec *rec;
	unsigned long bytes = 0;
	struct rnd_state rnd;
	void *fdt;
	unsigned int i;
	int err;

	prandom_seed_state(&rnd, 0x5eed0000 + generation);
	rec = kho_alloc_preserve((nr + bulk) * sizeof(*rec));
	if (IS_ERR(rec))
		return PTR_ERR(rec);
	for (i = 0; i < nr + bulk; i++) {
		unsigned int order = i < nr ? kho_random_order(&rnd, i) :
					      MAX_PAGE_ORDER;
		u32 seed = prandom_u32_state(&rnd);
		struct folio *folio = folio_alloc(GFP_KERNEL, order);

		if (!folio)
			return -ENOMEM;
		kho_fill(folio, seed);
		err = kho_preserve_folio(folio);
		if (err)
			return err;
		rec[i].phys = cpu_to_le64(folio_pfn(folio) << PAGE_SHIFT);
		rec[i].order = cpu_to_le32(order);
		rec[i].seed = cpu_to_le32(seed);
		bytes += folio_size(folio);
	}

	fdt = kho_alloc_preserve(PAGE_SIZE);
	if (IS_ERR(fdt))
		return PTR_ERR(fdt);
	err = fdt_create_empty_tree(fdt, PAGE_SIZE);
	err = err ?: fdt_setprop_string(fdt, 0, "compatible", KHO_SELFTEST_COMPAT);
	err = err ?: fdt_setprop_u32(fdt, 0, "generation", generation);
	err = err ?: fdt_setprop_u32(fdt, 0, "count", nr + bulk);
	err = err ?: fdt_setprop_u64(fdt, 0, "records", virt_to_phys(rec));
	if (err)
		return -EINVAL;
	err = kho_add_subtree(KHO_SELFTEST_NODE, fdt);
	if (err)
		return err;
	pr_info("generation %u: preserved %u folios (%lu MiB)\n", generation,
		nr + bulk, bytes >> 20);
	return 0;
}

/* Misuse of the API must fail with an errno, never WARN or crash. */
static void __init kho_selftest_negative(void)
{
	unsigned int failed = kho_selftest_failed;
	struct folio *folio = folio_alloc(GFP_KERNEL, 3);
	struct page *scratch;
	phys_addr_t phys;
	void *fdt;
	int err;

	if (!folio) {
		CHECK(0, "no memory for negative checks");
		return;
	}
	err = kho_preserve_folio(folio);
	CHECK(!err, "preserve: %d", err);
	err = kho_preserve_folio(folio);
	CHECK(err == -EEXIST, "double preserve: %d", err);
	err = kho_preserve_pages(folio_page(folio, 5), 1);
	CHECK(err == -EEXIST, "preserve page inside preserved folio: %d", err);
	err = kho_unpreserve_pages(folio_page(folio, 0), 2);
	CHECK(err == -ENOENT, "unpreserve part of a folio: %d", err);
	err = kho_unpreserve_folio(folio);
	CHECK(!err, "unpreserve: %d", err);
	err = kho_unpreserve_folio(folio);
	CHECK(err == -ENOENT, "double unpreserve: %d", err);

	err = kho_preserve_pages(folio_page(folio, 2), 1);
	CHECK(!err, "preserve one page: %d", err);
	err = kho_preserve_folio(folio);
	CHECK(err == -EEXIST, "preserve folio around a preserved page: %d", err);
	err = kho_preserve_pages(folio_page(folio, 0), 8);
	CHECK(err == -EEXIST, "preserve range around a preserved page: %d", err);
	err = kho_unpreserve_pages(folio_page(folio, 2), 1);
	CHECK(!err, "unpreserve one page: %d", err);
	err = kho_preserve_pages(folio_page(folio, 1), 7);
	CHECK(!err, "preserve unaligned range: %d", err);
	err = kho_unpreserve_pages(folio_page(folio, 1), 7);
	CHECK(!err, "unpreserve unaligned range: %d", err);

	CHECK(!kho_restore_folio(folio_pfn(folio) << PAGE_SHIFT),
	      "restored memory that was never preserved");
	folio_put(folio);

	scratch = pfn_to_page(PHYS_PFN(kho_out.scratch[0].addr));
	err = kho_preserve_pages(scratch, 1);
	CHECK(err == -EINVAL, "preserve scratch memory: %d", err);

	CHECK(PTR_ERR(kho_alloc_preserve(PAGE_SIZE << NR_PAGE_ORDERS)) == -E2BIG,
	      "oversized kho_alloc_preserve");
	fdt = kho_alloc_preserve(PAGE_SIZE);
	if (!IS_ERR(fdt)) {
		fdt_create_empty_tree(fdt, PAGE_SIZE);
		err = kho_add_subtree("kho-selftest-dup", fdt);
		CHECK(!err, "add subtree: %d", err);
		err = kho_add_subtree("kho-selftest-dup", fdt);
		CHECK(err == -EEXIST, "duplicate subtree: %d", err);
		kho_remove_subtree(fdt);
		kho_unpreserve_free(fdt);
	}
	err = kho_retrieve_subtree("kho-selftest-none", &phys);
	CHECK(err == -ENOENT, "retrieve missing subtree: %d", err);
	err = kho_retrieve_subtree(KHO_SELFTEST_NODE, NULL);
	CHECK(err == -EINVAL, "retrieve into NULL: %d", err);

	pr_info("negative checks: %s\n",
		failed == kho_selftest_failed ? "all passed" : "FAIL");
}

static int __init kho_selftest(void)
{
	u32 generation;
	int err;

	if (!kho_selftest_nr && !kho_selftest_mb)
		return 0;
	if (!kho_is_enabled()) {
		pr_info("skipped: kexec handover is disabled\n");
		return 0;
	}
	kho_selftest_restore(&generation);
	kho_selftest_reuse(4096);
	err = kho_selftest_preserve(generation + 1);
	CHECK(!err, "preserve generation %u: %d", generation + 1, err);
	kho_selftest_negative();
	pr_info("done: %s\n", kho_selftest_failed ? "FAIL" : "all passed");
	return 0;
}
late_initcall(kho_selftest);
