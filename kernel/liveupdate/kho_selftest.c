// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO self-test across kexec, enabled with kho_selftest=N on the command
 * line (N allocations; kho_selftest_mb=M adds M MiB in order-10 folios;
 * kho_selftest_vmalloc_mb=V preserves a vmalloc buffer of V MiB, 64 by
 * default, 0 for none).
 *
 * Each boot first checks what the previous boot preserved: every folio is
 * restored with its order, every byte compared with its pattern, then
 * freed, and the freed memory must show up as free again. It then
 * preserves N new folios of random orders 0..MAX_PAGE_ORDER filled with a
 * pattern, named by a sub-FDT, and runs the negative checks of the API.
 * The vmalloc buffer goes through kho_preserve_vmalloc() and comes back
 * with kho_restore_vmalloc(), every byte checked; generations alternate
 * between small and huge backing pages. Two threads restore every folio
 * at the same time: exactly one must get each. A folio preserved by an
 * early initcall, before KHO's own initcall, must still be preserved at
 * the end of boot. After kho_finalize() nothing may change until
 * kho_abort().
 * Results are single lines starting with "kho_selftest:"; a failure line
 * contains "FAIL".
 */
#define pr_fmt(fmt) "kho_selftest: " fmt

#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/completion.h>
#include <linux/io.h>
#include <linux/kho_vmalloc.h>
#include <linux/kthread.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/slab.h>
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
static unsigned int kho_selftest_vmalloc_mb = 64;
core_param(kho_selftest, kho_selftest_nr, uint, 0);
core_param(kho_selftest_mb, kho_selftest_mb, uint, 0);
core_param(kho_selftest_vmalloc_mb, kho_selftest_vmalloc_mb, uint, 0);

/* The vmalloc buffer of the previous generation, from its sub-FDT. */
static struct kho_vmalloc kho_selftest_vm_in __initdata;
static u32 kho_selftest_vm_in_mb __initdata;
static u32 kho_selftest_vm_in_seed __initdata;

static unsigned int kho_selftest_failed __initdata;

/*
 * Two blocks of MAX_PAGE_ORDER on either side of a node boundary, from
 * kho_selftest_memblock(): one run of the map crosses the boundary.
 */
#define KHO_STRADDLE_BLOCK	(PAGE_SIZE << MAX_PAGE_ORDER)
static phys_addr_t kho_selftest_straddle __initdata;

/* Preserved by an early initcall, before kho_init(). */
static struct folio *kho_selftest_early __initdata;

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

static void __init kho_fill_words(u64 *p, unsigned long n, u32 seed)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		p[i] = kho_pattern(seed, i);
}

/* Index of the first word that differs, @n if none. */
static unsigned long __init kho_verify_words(const u64 *p, unsigned long n,
					     u32 seed)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (p[i] != kho_pattern(seed, i))
			break;
	return i;
}

static void __init kho_fill(struct folio *folio, u32 seed)
{
	kho_fill_words(folio_address(folio), folio_size(folio) / sizeof(u64),
		       seed);
}

static bool __init kho_verify(struct folio *folio, u32 seed)
{
	unsigned long n = folio_size(folio) / sizeof(u64);

	return kho_verify_words(folio_address(folio), n, seed) == n;
}

struct kho_race {
	const struct kho_selftest_rec *rec;
	struct folio **got;
	u32 count;
	bool lockstep;
	atomic_t arrived;
	struct completion go;
};

struct kho_racer {
	struct kho_race *race;
	unsigned long won;
	unsigned long twice;
	struct completion done;
};

/*
 * Restore every record, in lockstep with the other racer so that both
 * try each record at the same moment; a record another racer got too is
 * counted.
 */
static int __init kho_race_restore(void *arg)
{
	struct kho_racer *r = arg;
	struct kho_race *race = r->race;
	struct folio *folio;
	unsigned long deadline;
	u32 i;

	wait_for_completion(&race->go);
	for (i = 0; i < race->count; i++) {
		if (race->lockstep) {
			atomic_inc(&race->arrived);
			deadline = jiffies + HZ;
			while (atomic_read(&race->arrived) < 2 * (i + 1) &&
			       time_before(jiffies, deadline))
				cpu_relax();
		}
		folio = kho_restore_folio(le64_to_cpu(race->rec[i].phys));
		if (!folio)
			continue;
		r->won++;
		if (cmpxchg(&race->got[i], NULL, folio))
			r->twice++;
	}
	complete(&r->done);
	return 0;
}

/*
 * Two threads, on two CPUs, restore the same @count records at once,
 * into @got. A record restored by both is a failed claim: its folio is
 * lost, not freed twice.
 */
static void __init kho_selftest_race(const struct kho_selftest_rec *rec,
				     u32 count, struct folio **got)
{
	struct kho_race race = { .rec = rec, .got = got, .count = count };
	struct kho_racer r[2];
	struct task_struct *t;
	unsigned int i, cpu = 0, started = 0;

	init_completion(&race.go);
	atomic_set(&race.arrived, 0);
	for (i = 0; i < 2; i++) {
		r[i] = (struct kho_racer){ .race = &race };
		init_completion(&r[i].done);
		t = kthread_create(kho_race_restore, &r[i], "kho_race/%u", i);
		if (IS_ERR(t)) {
			complete(&r[i].done);
			continue;
		}
		cpu = cpumask_next(i ? cpu : -1, cpu_online_mask);
		if (cpu < nr_cpu_ids)
			kthread_bind(t, cpu);
		wake_up_process(t);
		started++;
	}
	race.lockstep = started == 2 && num_online_cpus() >= 2;
	complete_all(&race.go);
	for (i = 0; i < 2; i++)
		wait_for_completion(&r[i].done);
	CHECK(started == 2, "could not start the restore racers");
	CHECK(!r[0].twice && !r[1].twice,
	      "concurrent restores: %lu + %lu folios restored twice",
	      r[0].twice, r[1].twice);
	pr_info("concurrent restores: %lu + %lu of %u folios%s\n", r[0].won,
		r[1].won, count, race.lockstep ? ", in lockstep" : "");
}

/* Restore and verify what the previous kernel preserved. */
static void __init kho_selftest_restore(u32 *generation)
{
	unsigned long restored = 0, bad = 0, pages = 0, free_before;
	const struct kho_selftest_rec *rec;
	struct folio *recs_folio, *folio, **got;
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
	p = fdt_getprop(fdt, 0, "vmalloc", &len);
	if (p) {
		const void *mb = fdt_getprop(fdt, 0, "vmalloc-mb", NULL);
		const void *seed = fdt_getprop(fdt, 0, "vmalloc-seed", NULL);

		CHECK(len == sizeof(kho_selftest_vm_in) && mb && seed,
		      "bad vmalloc properties");
		if (len == sizeof(kho_selftest_vm_in) && mb && seed) {
			memcpy(&kho_selftest_vm_in, p, len);
			kho_selftest_vm_in_mb = fdt32_to_cpu(*(const fdt32_t *)mb);
			kho_selftest_vm_in_seed = fdt32_to_cpu(*(const fdt32_t *)seed);
		}
	}
	p = fdt_getprop(fdt, 0, "count", &len);
	count = p && len == 4 ? fdt32_to_cpu(*(const fdt32_t *)p) : 0;
	p = fdt_getprop(fdt, 0, "records", &len);
	recs_folio = p && len == 8 ?
		     kho_restore_folio(fdt64_to_cpu(*(const fdt64_t *)p)) : NULL;
	if (!recs_folio) {
		CHECK(0, "records of generation %u not restored", *generation);
		return;
	}

	/*
	 * Pages freed on another CPU (the restore race runs on two) may sit
	 * in its per-CPU lists, not counted as free: drain before counting.
	 */
	drain_all_pages(NULL);
	free_before = global_zone_page_state(NR_FREE_PAGES);
	rec = folio_address(recs_folio);
	got = kvcalloc(count, sizeof(*got), GFP_KERNEL);
	if (!got) {
		CHECK(0, "no memory for the restore race");
		folio_put(recs_folio);
		return;
	}
	kho_selftest_race(rec, count, got);
	for (i = 0; i < count; i++) {
		unsigned int order = le32_to_cpu(rec[i].order);

		folio = got[i];
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
	kvfree(got);
	/* A second restore of the same memory must fail. */
	CHECK(!count || !kho_restore_folio(le64_to_cpu(rec[0].phys)),
	      "restored a folio twice");
	/* The root FDT stays in use: it must never be handed out. */
	CHECK(!kho_restore_folio(kho_in.fdt_phys), "restored the root FDT");
	folio_put(recs_folio);
	kho_restore_free((void *)fdt);
	kho_selftest_failed += bad;

	pr_info("generation %u: restored %lu/%u folios (%lu MiB), %lu bad\n",
		*generation, restored, count, pages >> (20 - PAGE_SHIFT), bad);
	/*
	 * Concurrent boot activity (async probing, memcg, per-node setup)
	 * allocates meanwhile (seen: 40% of 25 MiB restored, on a kernel
	 * chain with KASLR): allow half of what was restored, so that a leak
	 * of most of it is still seen. That each folio is freed is checked
	 * above (reference count 1 before the put).
	 */
	drain_all_pages(NULL);
	CHECK(global_zone_page_state(NR_FREE_PAGES) + 1024 + pages / 2 >=
	      free_before + pages,
	      "freed memory not back: %lu free pages before, %lu after, %lu restored",
	      free_before, global_zone_page_state(NR_FREE_PAGES), pages);
	if (!bad && restored == count)
		pr_info("generation %u: every byte verified, memory freed\n",
			*generation);
}

/*
 * Map the vmalloc buffer of the previous generation, check every byte,
 * check that it can be preserved again, free it.
 */
static void __init kho_selftest_restore_vmalloc(u32 generation)
{
	unsigned long words = (unsigned long)kho_selftest_vm_in_mb << 20 >> 3;
	struct kho_vmalloc again;
	unsigned long bad;
	u64 *buf;
	int err;

	if (!kho_selftest_vm_in.nr_chunks)
		return;
	buf = kho_restore_vmalloc(&kho_selftest_vm_in);
	if (!buf) {
		CHECK(0, "generation %u: vmalloc not restored", generation);
		return;
	}
	CHECK(le32_to_cpu(kho_selftest_vm_in.nr_pages) ==
	      (unsigned long)kho_selftest_vm_in_mb << (20 - PAGE_SHIFT),
	      "generation %u: vmalloc of %u pages, expected %u MiB", generation,
	      le32_to_cpu(kho_selftest_vm_in.nr_pages), kho_selftest_vm_in_mb);
	bad = kho_verify_words(buf, words, kho_selftest_vm_in_seed);
	CHECK(bad == words, "generation %u: vmalloc differs at byte %lu",
	      generation, bad * 8);
	/* A restored area is a vmalloc area like any other. */
	err = kho_preserve_vmalloc(buf, &again);
	CHECK(!err, "preserve a restored vmalloc area: %d", err);
	if (!err)
		kho_unpreserve_vmalloc(&again);
	vfree(buf);
	CHECK(!kho_restore_vmalloc(&kho_selftest_vm_in),
	      "restored a vmalloc area twice");
	if (bad == words)
		pr_info("generation %u: vmalloc %u MiB verified\n", generation,
			kho_selftest_vm_in_mb);
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

/* Runs (physically contiguous pieces) of a preserved vmalloc area. */
static unsigned long __init kho_vmalloc_runs(const struct kho_vmalloc *vm)
{
	const struct kho_vmalloc_chunk *chunk;
	phys_addr_t phys = le64_to_cpu(vm->first);
	unsigned long runs = 0;
	u32 i;

	for (i = 0; i < le32_to_cpu(vm->nr_chunks) && phys; i++) {
		chunk = phys_to_virt(phys);
		runs += le32_to_cpu(chunk->count);
		phys = le64_to_cpu(chunk->next);
	}
	return runs;
}

/*
 * A vmalloc buffer with a pattern, small pages in odd generations, huge
 * ones (where the architecture maps them) in even ones. Preserved, then
 * unpreserved and preserved again: unpreserve must undo everything.
 */
static int __init kho_selftest_preserve_vmalloc(u32 generation,
						struct kho_vmalloc *vm,
						u32 seed)
{
	unsigned long size = (unsigned long)kho_selftest_vmalloc_mb << 20;
	bool huge = !(generation & 1);
	void *buf;
	int err;

	buf = huge ? vmalloc_huge(size, GFP_KERNEL) : vmalloc(size);
	if (!buf)
		return -ENOMEM;
	kho_fill_words(buf, size / sizeof(u64), seed);
	err = kho_preserve_vmalloc(buf, vm);
	if (!err) {
		kho_unpreserve_vmalloc(vm);
		CHECK(!vm->nr_chunks, "unpreserve left a handle");
		err = kho_preserve_vmalloc(buf, vm);
	}
	if (err) {
		vfree(buf);
		return err;
	}
	pr_info("generation %u: preserved vmalloc %u MiB (%s pages) in %lu runs, %u chunk pages\n",
		generation, kho_selftest_vmalloc_mb, huge ? "huge" : "small",
		kho_vmalloc_runs(vm), le32_to_cpu(vm->nr_chunks));
	return 0;
}

/**
 * kho_selftest_memblock() - set aside memory across a node boundary
 *
 * Called by kho_memory_init() while memblock still allocates. Takes the
 * last block of a node and the first block of the next one when both are
 * free, so that this generation preserves a run that crosses the
 * boundary (and the boundary of memblock regions there). The first
 * kernel has its node data there: it holds the free parts of the two
 * blocks instead, so that nothing it preserves lands there and the next
 * kernel, which allocates only from scratch early, finds them free.
 */
void __init kho_selftest_memblock(void)
{
	struct memblock_region *r, *prev = NULL;
	unsigned long pfn, end, busy_end;
	phys_addr_t base;

	if (!kho_selftest_nr && !kho_selftest_mb)
		return;
	for_each_mem_region(r) {
		base = r->base - KHO_STRADDLE_BLOCK;
		pfn = PHYS_PFN(base);
		end = pfn + 2 * (1UL << MAX_PAGE_ORDER);
		if (prev && prev->base + prev->size == r->base &&
		    memblock_get_region_node(prev) != memblock_get_region_node(r) &&
		    IS_ALIGNED(r->base, KHO_STRADDLE_BLOCK) &&
		    prev->size >= KHO_STRADDLE_BLOCK &&
		    r->size >= KHO_STRADDLE_BLOCK &&
		    !kho_scratch_overlap(base, 2 * KHO_STRADDLE_BLOCK)) {
			if (!memblock_is_region_reserved(base, 2 * KHO_STRADDLE_BLOCK) &&
			    kho_preserved_range(pfn, end, &busy_end) == end) {
				memblock_reserve(base, 2 * KHO_STRADDLE_BLOCK);
				kho_selftest_straddle = base;
				return;
			}
			if (!kho_in.nr_scratch) {
				kho_reserve_free(base, 2 * KHO_STRADDLE_BLOCK);
				pr_info("holding %llu MiB at %pa across nodes for the next kernel\n",
					(u64)(2 * KHO_STRADDLE_BLOCK) >> 20, &base);
				return;
			}
		}
		prev = r;
	}
}

static int __init kho_selftest_preserve(u32 generation)
{
	unsigned int nr = kho_selftest_nr, bulk = kho_selftest_mb / 4;
	unsigned int straddle = kho_selftest_straddle ? 2 : 0;
	u32 vm_seed = 0x7a110c00 + generation;
	struct kho_selftest_rec *rec;
	struct kho_vmalloc vm = {};
	unsigned long bytes = 0;
	struct rnd_state rnd;
	void *fdt;
	unsigned int i;
	int err;

	prandom_seed_state(&rnd, 0x5eed0000 + generation);
	rec = kho_alloc_preserve((nr + bulk + straddle) * sizeof(*rec));
	if (IS_ERR(rec))
		return PTR_ERR(rec);
	/* Memblock pages, not folios: filled and preserved as a range. */
	for (i = 0; i < straddle; i++) {
		phys_addr_t phys = kho_selftest_straddle + i * KHO_STRADDLE_BLOCK;
		u32 seed = prandom_u32_state(&rnd);

		kho_fill_words(phys_to_virt(phys), KHO_STRADDLE_BLOCK / sizeof(u64),
			       seed);
		rec[nr + bulk + i].phys = cpu_to_le64(phys);
		rec[nr + bulk + i].order = cpu_to_le32(MAX_PAGE_ORDER);
		rec[nr + bulk + i].seed = cpu_to_le32(seed);
	}
	if (straddle) {
		err = kho_preserve_pages(pfn_to_page(PHYS_PFN(kho_selftest_straddle)),
					 2 << MAX_PAGE_ORDER);
		if (err)
			return err;
		pr_info("generation %u: preserved a run across nodes %d and %d at %pa\n",
			generation, pfn_to_nid(PHYS_PFN(kho_selftest_straddle)),
			pfn_to_nid(PHYS_PFN(kho_selftest_straddle +
					    KHO_STRADDLE_BLOCK)),
			&kho_selftest_straddle);
	}
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

	if (kho_selftest_vmalloc_mb) {
		err = kho_selftest_preserve_vmalloc(generation, &vm, vm_seed);
		if (err)
			return err;
	}

	fdt = kho_alloc_fdt(KHO_SELFTEST_COMPAT);
	if (IS_ERR(fdt))
		return PTR_ERR(fdt);
	err = fdt_setprop_u32(fdt, 0, "generation", generation);
	err = err ?: fdt_setprop_u32(fdt, 0, "count", nr + bulk + straddle);
	err = err ?: fdt_setprop_u64(fdt, 0, "records", virt_to_phys(rec));
	if (kho_selftest_vmalloc_mb) {
		err = err ?: fdt_setprop(fdt, 0, "vmalloc", &vm, sizeof(vm));
		err = err ?: fdt_setprop_u32(fdt, 0, "vmalloc-mb",
					     kho_selftest_vmalloc_mb);
		err = err ?: fdt_setprop_u32(fdt, 0, "vmalloc-seed", vm_seed);
	}
	if (err)
		return -EINVAL;
	err = kho_add_subtree(KHO_SELFTEST_NODE, fdt);
	if (err)
		return err;
	pr_info("generation %u: preserved %u folios (%lu MiB)\n", generation,
		nr + bulk, bytes >> 20);
	return 0;
}

/* Misuse of the vmalloc API: errors, never a WARN or a crash. */
static void __init kho_selftest_negative_vmalloc(void)
{
	struct kho_vmalloc vm = {}, bogus = {};
	void *buf = vmalloc(3 * PAGE_SIZE);
	void *page = (void *)get_zeroed_page(GFP_KERNEL);
	int err;

	if (!buf || !page) {
		CHECK(0, "no memory for vmalloc negative checks");
		goto free;
	}
	err = kho_preserve_vmalloc(NULL, &vm);
	CHECK(err == -EINVAL, "preserve vmalloc NULL: %d", err);
	err = kho_preserve_vmalloc(page, &vm);
	CHECK(err == -EINVAL, "preserve a direct-map page as vmalloc: %d", err);
	err = kho_preserve_vmalloc(buf + PAGE_SIZE, &vm);
	CHECK(err == -EINVAL, "preserve the middle of a vmalloc area: %d", err);
	err = kho_preserve_vmalloc(buf, &vm);
	CHECK(!err, "preserve vmalloc: %d", err);
	err = kho_preserve_vmalloc(buf, &bogus);
	CHECK(err == -EEXIST, "preserve vmalloc twice: %d", err);
	CHECK(!bogus.nr_chunks, "failed preserve set a handle");
	kho_unpreserve_vmalloc(&vm);
	kho_unpreserve_vmalloc(&vm);
	err = kho_preserve_vmalloc(buf, &vm);
	CHECK(!err, "preserve vmalloc after unpreserve: %d", err);
	kho_unpreserve_vmalloc(&vm);

	CHECK(!kho_restore_vmalloc(&bogus), "restored an all-zero handle");
	bogus.first = cpu_to_le64(virt_to_phys(page));
	bogus.nr_pages = cpu_to_le32(1);
	bogus.nr_chunks = cpu_to_le32(1);
	CHECK(!kho_restore_vmalloc(&bogus), "restored a handle never preserved");
free:
	vfree(buf);
	free_page((unsigned long)page);
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
	fdt = kho_alloc_fdt("kho-selftest-dup");
	if (!IS_ERR(fdt)) {
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
	kho_selftest_negative_vmalloc();

	pr_info("negative checks: %s\n",
		failed == kho_selftest_failed ? "all passed" : "FAIL");
}

/* After kho_finalize(), every change fails with -EBUSY until kho_abort(). */
static void __init kho_selftest_frozen(void)
{
	unsigned int failed = kho_selftest_failed;
	struct folio *in = folio_alloc(GFP_KERNEL, 0);
	struct folio *out = folio_alloc(GFP_KERNEL, 1);
	struct kho_vmalloc vm = {};
	void *mem = kho_alloc_preserve(PAGE_SIZE);
	void *fdt = kho_alloc_fdt("kho-selftest-frozen");
	void *buf = vmalloc(2 * PAGE_SIZE);
	int err;

	if (!in || !out || IS_ERR(mem) || IS_ERR(fdt) || !buf) {
		CHECK(0, "no memory for the finalize checks");
		goto free;
	}
	err = kho_preserve_folio(in);
	err = err ?: kho_add_subtree("kho-selftest-frozen", fdt);
	err = err ?: kho_finalize();
	CHECK(!err, "set up and finalize: %d", err);
	if (err)
		goto abort;
	err = kho_finalize();
	CHECK(!err, "finalize twice: %d", err);
	err = kho_preserve_folio(out);
	CHECK(err == -EBUSY, "preserve after finalize: %d", err);
	err = kho_preserve_pages(folio_page(out, 0), 2);
	CHECK(err == -EBUSY, "preserve pages after finalize: %d", err);
	err = kho_unpreserve_folio(in);
	CHECK(err == -EBUSY, "unpreserve after finalize: %d", err);
	err = kho_unpreserve_pages(folio_page(in, 0), 1);
	CHECK(err == -EBUSY, "unpreserve pages after finalize: %d", err);
	err = PTR_ERR_OR_ZERO(kho_alloc_preserve(PAGE_SIZE));
	CHECK(err == -EBUSY, "kho_alloc_preserve after finalize: %d", err);
	err = kho_unpreserve_free(mem);
	CHECK(err == -EBUSY, "kho_unpreserve_free after finalize: %d", err);
	err = kho_preserve_vmalloc(buf, &vm);
	CHECK(err == -EBUSY, "preserve vmalloc after finalize: %d", err);
	CHECK(!vm.nr_chunks, "failed vmalloc preserve set a handle");
	err = kho_add_subtree("kho-selftest-late", fdt);
	CHECK(err == -EBUSY, "add subtree after finalize: %d", err);
	err = kho_remove_subtree(fdt);
	CHECK(err == -EBUSY, "remove subtree after finalize: %d", err);
	CHECK(kho_out.finalized, "a refused change unfinalized the map");
abort:
	kho_abort();
	CHECK(!kho_out.finalized, "abort left the map finalized");
	err = kho_remove_subtree(fdt);
	CHECK(!err, "remove subtree after abort: %d", err);
	err = kho_unpreserve_folio(in);
	CHECK(!err, "unpreserve after abort: %d", err);
	err = kho_preserve_folio(out);
	CHECK(!err, "preserve after abort: %d", err);
	if (!err)
		kho_unpreserve_folio(out);
free:
	if (!IS_ERR_OR_NULL(fdt))
		CHECK(!kho_unpreserve_free(fdt), "free the subtree FDT");
	if (!IS_ERR_OR_NULL(mem))
		CHECK(!kho_unpreserve_free(mem), "free after abort");
	vfree(buf);
	if (out)
		folio_put(out);
	if (in)
		folio_put(in);
	pr_info("finalize checks: %s\n",
		failed == kho_selftest_failed ? "all passed" : "FAIL");
}

static int __init kho_selftest_preserve_early(void)
{
	struct folio *folio;

	if ((!kho_selftest_nr && !kho_selftest_mb) || !kho_is_enabled())
		return 0;
	folio = folio_alloc(GFP_KERNEL, 2);
	if (!folio)
		return 0;
	if (kho_preserve_folio(folio)) {
		folio_put(folio);
		return 0;
	}
	kho_selftest_early = folio;
	return 0;
}
early_initcall(kho_selftest_preserve_early);

/* The early preserve survived kho_init(): it is still preserved. */
static void __init kho_selftest_check_early(void)
{
	unsigned int failed = kho_selftest_failed;
	int err;

	CHECK(kho_selftest_early, "early initcall could not preserve a folio");
	if (!kho_selftest_early)
		return;
	err = kho_preserve_folio(kho_selftest_early);
	CHECK(err == -EEXIST, "preserve the early folio again: %d", err);
	err = kho_unpreserve_folio(kho_selftest_early);
	CHECK(!err, "early preserve lost by kho_init(): unpreserve %d", err);
	folio_put(kho_selftest_early);
	pr_info("early preserve: %s\n",
		failed == kho_selftest_failed ? "kept" : "FAIL");
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
	kho_selftest_restore_vmalloc(generation);
	kho_selftest_reuse(4096);
	err = kho_selftest_preserve(generation + 1);
	CHECK(!err, "preserve generation %u: %d", generation + 1, err);
	kho_selftest_negative();
	kho_selftest_check_early();
	kho_selftest_frozen();
	pr_info("done: %s\n", kho_selftest_failed ? "FAIL" : "all passed");
	return 0;
}
late_initcall(kho_selftest);
