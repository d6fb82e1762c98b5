// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO at boot: scratch areas, the handover from the previous kernel, and
 * placement of the next kernel's kexec segments.
 *
 * First kernel: kho_memory_init() allocates the scratch areas from
 * memblock before memblock hands memory to the page allocator.
 *
 * Next kernel: parse_setup_data() records where the handover is
 * (kho_parse_setup_data()); once memblock knows the memory map,
 * kho_memblock_setup() checks it, marks the scratch areas and makes
 * memblock allocate only from them; kho_memory_init() checks the map of
 * preserved memory and marks every preserved block (kho_reserve.c);
 * memblock_free_all() leaves those alone and ends scratch-only mode. The
 * scratch areas serve the next kexec.
 *
 * In every kernel the scratch areas then go to the page allocator as
 * MIGRATE_CMA pageblocks (kho_scratch_release()): only movable
 * allocations use them, which the kernel can migrate away, and nothing
 * preserved may lie there (kho_preserve_folio() refuses it, the users of
 * movable memory migrate it out first), so the next kernel may overwrite
 * them. Scratch costs no memory that movable allocations could use.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/cma.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/page-isolation.h>
#include <linux/sizes.h>
#include <linux/swiotlb.h>
#include "kho_internal.h"

bool kho_enable __ro_after_init = IS_ENABLED(CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT);

static int __init kho_parse_enable(char *p)
{
	return kstrtobool(p, &kho_enable);
}
early_param("kho", kho_parse_enable);

/* kho_scratch=N% of memory reserved at boot, or =LOWMEM,GLOBAL[,PERNODE] */
static unsigned int kho_scratch_scale __initdata = 200;
/* low, global, per node */
static phys_addr_t kho_scratch_size[3] __initdata;

static int __init kho_parse_scratch(char *p)
{
	phys_addr_t size[3] = {};
	unsigned int i;
	char *end;

	if (strchr(p, '%')) {
		unsigned int scale;

		if (kstrtouint(strsep(&p, "%"), 10, &scale) || !scale)
			goto bad;
		kho_scratch_scale = scale;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(size); i++) {
		size[i] = memparse(p, &end);
		if (end == p)
			goto bad;
		p = end;
		if (*p != ',')
			break;
		p++;
	}
	if (*p || !(size[0] + size[1] + size[2]))
		goto bad;
	memcpy(kho_scratch_size, size, sizeof(size));
	return 0;
bad:
	pr_err("kho_scratch=: want N%% or LOWMEM,GLOBAL[,PERNODE] sizes\n");
	return -EINVAL;
}
early_param("kho_scratch", kho_parse_scratch);

/* What the next kernel allocates early besides its memory map. */
#define KHO_SCRATCH_SLACK	SZ_4M

static struct kho_data kho_setup __initdata;
static bool kho_setup_found __initdata;

/* Called by parse_setup_data(), before early parameters are known. */
void __init kho_parse_setup_data(u64 pa, u32 len)
{
	void *p;

	if (len != sizeof(kho_setup)) {
		pr_err("handover data has %u bytes, want %zu; ignored\n", len,
		       sizeof(kho_setup));
		return;
	}
	p = early_memremap(pa, len);
	if (!p)
		return;
	memcpy(&kho_setup, p, len);
	early_memunmap(p, len);
	kho_setup_found = true;
}

/*
 * Is [addr, addr + size) memory? Memblock splits memory into regions at
 * node boundaries (and at scratch boundaries): a range may span several
 * adjacent regions.
 */
static bool __init kho_is_memory(phys_addr_t addr, phys_addr_t size)
{
	phys_addr_t end = addr + size;
	struct memblock_region *r;

	if (memblock_is_region_memory(addr, size))
		return true;
	for_each_mem_region(r) {
		if (r->base + r->size <= addr)
			continue;
		if (r->base > addr)
			return false;
		addr = r->base + r->size;
		if (addr >= end)
			return true;
	}
	return false;
}

bool __init kho_area_ok(phys_addr_t addr, phys_addr_t size)
{
	return size && PAGE_ALIGNED(addr) && PAGE_ALIGNED(size) &&
	       addr + size > addr && kho_is_memory(addr, size);
}

bool kho_overlaps(const struct kho_area *areas, unsigned int nr,
		  phys_addr_t addr, phys_addr_t size)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (addr < areas[i].addr + areas[i].size &&
		    areas[i].addr < addr + size)
			return true;
	return false;
}

/* Check the root FDT and the scratch array; fill kho_in. */
static int __init kho_read_handover(void)
{
	const struct kho_data *d = &kho_setup;
	struct kho_scratch *sa;
	const void *fdt, *prop;
	phys_addr_t total = 0;
	unsigned int i, nr;
	int len, err = -EINVAL;

	if (d->fdt_size != PAGE_SIZE || !kho_area_ok(d->fdt_addr, PAGE_SIZE))
		return -EINVAL;
	nr = d->scratch_size / sizeof(*sa);
	if (!nr || nr > KHO_MAX_SCRATCH || d->scratch_size % sizeof(*sa) ||
	    !kho_area_ok(PAGE_ALIGN_DOWN(d->scratch_addr), PAGE_SIZE) ||
	    offset_in_page(d->scratch_addr) + d->scratch_size > PAGE_SIZE)
		return -EINVAL;

	sa = early_memremap(d->scratch_addr, d->scratch_size);
	if (!sa)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		phys_addr_t addr = le64_to_cpu(sa[i].addr);
		phys_addr_t size = le64_to_cpu(sa[i].size);

		if (!kho_area_ok(addr, size) ||
		    kho_overlaps(kho_in.scratch, i, addr, size))
			goto unmap_scratch;
		kho_in.scratch[i].addr = addr;
		kho_in.scratch[i].size = size;
		total += size;
	}
	kho_in.nr_scratch = nr;
	/*
	 * Scratch serves only movable allocations: a handover that claims
	 * most of memory as scratch would leave this kernel without memory
	 * for the others.
	 */
	if (total > memblock_phys_mem_size() / KHO_SCRATCH_MAX_FRACTION) {
		pr_err("scratch areas of %llu MiB exceed 1/%d of the %llu MiB of memory\n",
		       (u64)total >> 20, KHO_SCRATCH_MAX_FRACTION,
		       (u64)memblock_phys_mem_size() >> 20);
		goto unmap_scratch;
	}
	if (kho_overlaps(kho_in.scratch, nr, d->fdt_addr, PAGE_SIZE) ||
	    kho_overlaps(kho_in.scratch, nr, d->scratch_addr, d->scratch_size))
		goto unmap_scratch;

	fdt = early_memremap(d->fdt_addr, PAGE_SIZE);
	if (!fdt) {
		err = -ENOMEM;
		goto unmap_scratch;
	}
	if (fdt_check_header(fdt) || fdt_totalsize(fdt) > PAGE_SIZE ||
	    fdt_node_check_compatible(fdt, 0, KHO_FDT_COMPATIBLE))
		goto unmap_fdt;
	prop = fdt_getprop(fdt, 0, KHO_FDT_MAP, &len);
	if (!prop || len != sizeof(u64))
		goto unmap_fdt;
	kho_in.map_phys = fdt64_to_cpu(*(const fdt64_t *)prop);
	prop = fdt_getprop(fdt, 0, KHO_FDT_MAP_PAGES, &len);
	if (!prop || len != sizeof(u32))
		goto unmap_fdt;
	kho_in.map_pages = fdt32_to_cpu(*(const fdt32_t *)prop);
	kho_in.fdt_phys = d->fdt_addr;
	kho_in.scratch_phys = d->scratch_addr;
	err = 0;
unmap_fdt:
	early_memunmap((void *)fdt, PAGE_SIZE);
unmap_scratch:
	early_memunmap(sa, d->scratch_size);
	if (err)
		kho_in.nr_scratch = 0;
	return err;
}

/* Called right after memblock has learnt the memory map. */
void __init kho_memblock_setup(void)
{
	unsigned int i;
	int err;

	if (!kho_setup_found)
		return;
	if (!kho_enable) {
		pr_info("kho=off: ignoring the handover of the previous kernel\n");
		return;
	}
	err = kho_read_handover();
	if (err) {
		pr_err("invalid handover from the previous kernel (%d), ignored\n",
		       err);
		return;
	}
	for (i = 0; i < kho_in.nr_scratch; i++)
		memblock_mark_kho_scratch(kho_in.scratch[i].addr,
					  kho_in.scratch[i].size);
	/*
	 * The first MiB is reserved by every x86 kernel, so it never holds
	 * preserved memory; the real-mode trampoline must come from there.
	 */
	memblock_mark_kho_scratch(0, SZ_1M);
	memblock_set_kho_scratch_only();
}

static int __init kho_add_scratch(phys_addr_t addr, phys_addr_t size)
{
	if (!addr)
		return -ENOMEM;
	kho_out.scratch[kho_out.nr_scratch++] = (struct kho_area){ addr, size };
	return 0;
}

/*
 * One area on each node holds what the next kernel allocates on that node
 * before memblock_free_all() (its memory map, node data): without it all
 * of that would land on the node of the global area.
 */
static bool __init kho_scratch_per_node(void)
{
	unsigned int nodes = num_node_state(N_MEMORY);

	return IS_ENABLED(CONFIG_NUMA) && nodes > 1 &&
	       nodes <= KHO_MAX_SCRATCH - 2;
}

/* Default size of the area of @nid: twice its memory map. */
static phys_addr_t __init kho_node_scratch_size(int nid)
{
	u64 map = (u64)node_present_pages(nid) * sizeof(struct page);

	return max_t(phys_addr_t, SZ_8M,
		     ALIGN(div_u64(map * kho_scratch_scale, 100), SZ_2M));
}

static void __init kho_reserve_node_scratch(phys_addr_t size)
{
	phys_addr_t addr;
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		phys_addr_t sz = size ? ALIGN(size, SZ_2M) :
					kho_node_scratch_size(nid);

		addr = memblock_alloc_range_nid(sz, SZ_2M, SZ_1M,
						MEMBLOCK_ALLOC_ACCESSIBLE,
						nid, true);
		if (!addr) {
			/* A small node: its early allocations go elsewhere. */
			pr_info("no room for scratch on node %d\n", nid);
			continue;
		}
		kho_add_scratch(addr, sz);
		pr_info("per-node scratch of %llu MiB on node %d\n",
			(u64)sz >> 20, nid);
	}
}

static int __init kho_reserve_scratch(void)
{
	phys_addr_t reserved = memblock_reserved_size();
	phys_addr_t low = kho_scratch_size[0], global = kho_scratch_size[1];
	phys_addr_t node = kho_scratch_size[2], nodes = 0;
	bool per_node = kho_scratch_per_node();
	int nid;

	if (!per_node) {
		/* Without NUMA the per-node areas fold into the global one. */
		global += node;
		node = 0;
	}
	if (!low && !global && !node) {
		/* Room for the next kernel, its initramfs and its memmap. */
		low = SZ_16M;
		/*
		 * The next kernel allocates only from scratch until
		 * memblock_free_all(), and mem_init() sets up swiotlb, below
		 * 4 GiB, before that on machines with memory above 4 GiB.
		 */
		if (IS_ENABLED(CONFIG_SWIOTLB) && max_pfn > PFN_DOWN(SZ_4G))
			low += swiotlb_size_or_default();
		global = div_u64((u64)reserved * kho_scratch_scale, 100);
		/* The memory maps go to the per-node areas. */
		if (per_node)
			for_each_node_state(nid, N_MEMORY)
				nodes += kho_node_scratch_size(nid);
		global = max_t(phys_addr_t, SZ_64M,
			       global > nodes ? global - nodes : 0);
	} else if (node) {
		nodes = (phys_addr_t)num_node_state(N_MEMORY) * ALIGN(node, SZ_2M);
	}
	/* The next kernel would refuse it (kho_read_handover()). */
	if (low + global + nodes >
	    memblock_phys_mem_size() / KHO_SCRATCH_MAX_FRACTION)
		return -E2BIG;
	/* kexec wants the purgatory below 2 GiB. */
	if (low) {
		low = ALIGN(low, SZ_2M);
		if (kho_add_scratch(memblock_phys_alloc_range(low, SZ_2M, SZ_1M,
							      SZ_2G), low))
			return -ENOMEM;
	}
	if (global) {
		global = ALIGN(global, SZ_2M);
		if (kho_add_scratch(memblock_phys_alloc_range(global, SZ_2M, SZ_1M,
							      MEMBLOCK_ALLOC_ACCESSIBLE),
				    global))
			return -ENOMEM;
	}
	/*
	 * Listed last, so that kexec places the segments in the low and
	 * global areas and leaves these to the memory maps.
	 */
	if (per_node && (node || nodes))
		kho_reserve_node_scratch(node);
	return 0;
}

static void __init kho_log_scratch(const char *what)
{
	unsigned int i;

	for (i = 0; i < kho_out.nr_scratch; i++) {
		phys_addr_t a = kho_out.scratch[i].addr;
		phys_addr_t e = a + kho_out.scratch[i].size - 1;

		pr_info("%s scratch [mem %pa-%pa] %llu MiB on node %d\n", what,
			&a, &e, (u64)kho_out.scratch[i].size >> 20,
			early_pfn_to_nid(PHYS_PFN(a)));
	}
}

/*
 * Keep the free parts of [@base, @base + @size) out of the page allocator.
 * Only the free parts: the early allocations already in it carry a node id
 * since NUMA init, and reserving over them would make memblock warn about
 * the mismatch.
 */
void __init kho_reserve_free(phys_addr_t base, phys_addr_t size)
{
	phys_addr_t start, end, limit = base + size;
	u64 i;

	for (;;) {
		bool found = false;

		for_each_free_mem_range(i, NUMA_NO_NODE, MEMBLOCK_NONE, &start,
					&end, NULL) {
			start = max(start, base);
			end = min(end, limit);
			if (start < end) {
				found = true;
				break;
			}
		}
		if (!found)
			return;
		memblock_reserve(start, end - start);
	}
}

/* The pageblocks scratch area @i covers: [*@start, *@end). */
static void __init kho_scratch_pageblocks(unsigned int i,
					  unsigned long *start,
					  unsigned long *end)
{
	phys_addr_t addr = kho_out.scratch[i].addr;

	*start = ALIGN_DOWN(PHYS_PFN(addr), pageblock_nr_pages);
	*end = ALIGN(PHYS_PFN(addr + kho_out.scratch[i].size),
		     pageblock_nr_pages);
}

/*
 * Give the scratch areas to the page allocator as MIGRATE_CMA pageblocks,
 * before memblock_free_all() or deferred struct page init frees any page
 * of them: every page of scratch then reaches the page allocator in a CMA
 * pageblock, now or when it is freed later (the init memory and initramfs
 * of a kernel booted in scratch), and only movable allocations take it,
 * never an unmovable one nor the fallback of another migratetype. This
 * kernel's own areas were allocated from memblock (@allocated) and are
 * freed back to it; incoming ones were never reserved: memblock frees
 * what this kernel's early allocations left of them.
 *
 * Our areas are 2 MiB aligned; an area from another kernel might not be,
 * and then its partial pageblocks are marked whole, which only gives the
 * few pages beside it to movable allocations alone.
 */
static void __init kho_scratch_release(bool allocated)
{
	unsigned long pfn, end;
	unsigned int i;

	for (i = 0; i < kho_out.nr_scratch; i++) {
		kho_scratch_pageblocks(i, &pfn, &end);
		for (; pfn < end; pfn += pageblock_nr_pages) {
			/*
			 * Without VMEMMAP, set_pageblock_migratetype() finds
			 * the pfn from page->flags, which deferred struct
			 * page init may not have written yet: garbage from
			 * the previous kernel, a fault or the wrong bitmap.
			 */
			memmap_init_kho_pages(pfn, pfn + 1);
			set_pageblock_migratetype(pfn_to_page(pfn), MIGRATE_CMA);
		}
		if (allocated)
			memblock_phys_free(kho_out.scratch[i].addr,
					   kho_out.scratch[i].size);
	}
}

/*
 * Count scratch as CMA memory (CmaTotal in /proc/meminfo, cma in
 * /proc/zoneinfo) once every struct page is initialised. Not before
 * mem_init() has reported memory: it counts CMA memory as not yet given
 * to the page allocator.
 */
static int __init kho_scratch_account(void)
{
	unsigned long pfn, end, pages = 0;
	unsigned int i;

	for (i = 0; i < kho_out.nr_scratch; i++) {
		kho_scratch_pageblocks(i, &pfn, &end);
		for (; pfn < end; pfn += pageblock_nr_pages) {
			page_zone(pfn_to_page(pfn))->cma_pages += pageblock_nr_pages;
			pages += pageblock_nr_pages;
		}
	}
	totalcma_pages += pages;
	if (pages)
		pr_info("%lu MiB of scratch serve movable allocations (CMA pageblocks)\n",
			pages >> (20 - PAGE_SHIFT));
	return 0;
}
core_initcall(kho_scratch_account);

/* Called from mm_core_init(), just before memblock frees memory. */
void __init kho_memory_init(void)
{
	unsigned int i;
	int err;

	if (!kho_enable)
		return;

	if (kho_in.nr_scratch) {
		const char *why;

		err = kho_reserve_preserved(&why);
		if (err)
			pr_err("invalid map of preserved memory (%d, %s): nothing restored this boot\n",
			       err, why);
		kho_in.valid = !err;
		/* Kept for the next kexec. */
		for (i = 0; i < kho_in.nr_scratch; i++)
			kho_out.scratch[i] = kho_in.scratch[i];
		kho_out.nr_scratch = kho_in.nr_scratch;
		kho_scratch_release(false);
		kho_log_scratch("incoming");
		kho_selftest_memblock();
		return;
	}

	err = kho_reserve_scratch();
	if (err) {
		for (i = 0; i < kho_out.nr_scratch; i++)
			memblock_phys_free(kho_out.scratch[i].addr,
					   kho_out.scratch[i].size);
		kho_out.nr_scratch = 0;
		kho_enable = false;
		pr_err("cannot reserve scratch memory (%d), kexec handover disabled\n",
		       err);
		return;
	}
	kho_scratch_release(true);
	kho_log_scratch("reserved");
	kho_selftest_memblock();
}

/* The highest pfn + 1 of the blocks preserved at any order, 0 if none. */
static unsigned long kho_preserved_end(void)
{
	unsigned long end = 0, win;
	unsigned int order;
	void *bits;

	for (order = 0; order < NR_PAGE_ORDERS; order++)
		xa_for_each(&kho_out.blocks[order], win, bits)
			end = max(end, (win + 1) << (KHO_MAP_WINDOW_SHIFT + order));
	return end;
}

/**
 * kho_check_scratch_room() - can the next kernel boot in the scratch areas
 *
 * Until memblock_free_all() the next kernel allocates only from scratch,
 * where the kexec segments (its kernel, decompressed in place, and its
 * initramfs) already lie: its memory map, at least as large as this
 * kernel's, and the bitmap it builds of the preserved pages must fit
 * beside them, with room for page tables and the like. A handover that
 * cannot boot is refused here instead of ending in a hang. Called with
 * kho_out.lock held, from kho_finalize() on the reboot path.
 *
 * Return: 0, or -ENOSPC with one log line.
 */
int kho_check_scratch_room(void)
{
	phys_addr_t have = 0, need;
	unsigned long i;

	lockdep_assert_held(&kho_out.lock);
	for (i = 0; i < kho_out.nr_scratch; i++)
		have += kho_out.scratch[i].size;
	need = PFN_PHYS(PFN_UP(max_pfn * sizeof(struct page))) +
	       BITS_TO_LONGS(kho_preserved_end()) * sizeof(long) +
	       KHO_SCRATCH_SLACK;
	if (kexec_image)
		for (i = 0; i < kexec_image->nr_segments; i++)
			need += kexec_image->segment[i].memsz;
	if (need <= have)
		return 0;
	pr_err("scratch of %llu MiB cannot boot the next kernel (it needs about %llu MiB: segments, memory map, preserved-page bitmap); raise kho_scratch=\n",
	       (u64)have >> 20, (u64)need >> 20);
	return -ENOSPC;
}

/**
 * kho_scratch_overlap() - does a range overlap this kernel's scratch areas
 * @phys: start of the range
 * @size: its size in bytes
 *
 * Return: true if any byte of the range lies in scratch memory.
 */
bool kho_scratch_overlap(phys_addr_t phys, size_t size)
{
	return kho_overlaps(kho_out.scratch, kho_out.nr_scratch, phys, size);
}

/**
 * kho_locate_mem_hole() - place a kexec segment inside scratch memory
 * @kbuf: the segment
 * @func: kexec's placement callback, called for each scratch area
 *
 * Return: 0 if placed, -EADDRNOTAVAIL if no scratch area fits, 1 if KHO
 * does not apply (disabled, or a crash kernel) and kexec places it.
 */
int kho_locate_mem_hole(struct kexec_buf *kbuf,
			int (*func)(struct resource *, void *))
{
	unsigned int i;

	if (!kho_enable || kbuf->image->type == KEXEC_TYPE_CRASH)
		return 1;
	for (i = 0; i < kho_out.nr_scratch; i++) {
		struct resource res = DEFINE_RES_MEM(kho_out.scratch[i].addr,
						     kho_out.scratch[i].size);

		if (func(&res, kbuf) == 1)
			return 0;
	}
	return -EADDRNOTAVAIL;
}

/**
 * kho_fill_setup_data() - describe the handover for the next kernel
 * @data: filled with the addresses of the root FDT and the scratch array
 *
 * Return: 0, or -EOPNOTSUPP if KHO is disabled.
 */
int kho_fill_setup_data(struct kho_data *data)
{
	if (!kho_enable || !kho_out.fdt)
		return -EOPNOTSUPP;
	data->fdt_addr = virt_to_phys(kho_out.fdt);
	data->fdt_size = PAGE_SIZE;
	data->scratch_addr = virt_to_phys(kho_out.scratch_array);
	data->scratch_size = kho_out.nr_scratch * sizeof(struct kho_scratch);
	return 0;
}
