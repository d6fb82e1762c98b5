/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * State shared by the files of the KHO substrate. Not for other users:
 * the API is <linux/kexec_handover.h>.
 */
#ifndef _KERNEL_LIVEUPDATE_KHO_INTERNAL_H
#define _KERNEL_LIVEUPDATE_KHO_INTERNAL_H

#include <linux/kexec_handover.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/xarray.h>
#include "kho_map.h"

/* At most this many scratch areas are handed over. */
#define KHO_MAX_SCRATCH		8
/* Incoming scratch areas may add up to at most 1/N of memory. */
#define KHO_SCRATCH_MAX_FRACTION	2

/*
 * page->private of the head page of a preserved block in the next kernel,
 * from boot until it is restored: magic in the high half, order below.
 */
#define KHO_PAGE_MAGIC		0x4b484f50UL	/* "KHOP" */
#define KHO_PAGE_PRIVATE(order)	((KHO_PAGE_MAGIC << 32) | (order))

struct kho_area {
	phys_addr_t addr;
	phys_addr_t size;
};

/**
 * struct kho_out - what this kernel hands over
 * @lock: serializes @blocks, @fdt, @map and @finalized
 * @blocks: per order, window number -> bitmap page of preserved blocks
 * @fdt: root FDT page (preserved)
 * @scratch_array: preserved copy of @scratch for the next kernel
 * @scratch: scratch areas, MIGRATE_CMA pageblocks: only movable allocations
 * @nr_scratch: entries in @scratch
 * @map: the serialized map of preserved memory, valid when @finalized
 * @finalized: @map reflects @blocks and the FDT points to it; @blocks and
 *             the subtrees cannot change until kho_abort()
 * @nr_blocks: blocks preserved
 * @nr_own_blocks: of those, the root FDT and the scratch array
 */
struct kho_out {
	struct mutex lock;
	struct xarray blocks[NR_PAGE_ORDERS];
	void *fdt;
	struct kho_scratch *scratch_array;
	struct kho_area scratch[KHO_MAX_SCRATCH];
	unsigned int nr_scratch;
	struct kho_map_writer map;
	bool finalized;
	unsigned long nr_blocks;
	unsigned long nr_own_blocks;
};

/**
 * struct kho_in - what the previous kernel handed over
 * @fdt_phys: root FDT, 0 if there was no valid handover
 * @scratch_phys: the preserved scratch array
 * @map_phys: first page of the map of preserved memory
 * @map_pages: pages in the map chain
 * @scratch: the scratch areas, reused for the next kexec
 * @nr_scratch: entries in @scratch
 * @valid: the handover passed every check and its memory is reserved
 */
struct kho_in {
	phys_addr_t fdt_phys;
	phys_addr_t scratch_phys;
	phys_addr_t map_phys;
	u32 map_pages;
	struct kho_area scratch[KHO_MAX_SCRATCH];
	unsigned int nr_scratch;
	bool valid;
};

extern struct kho_out kho_out;
extern struct kho_in kho_in;
extern bool kho_enable;

bool kho_area_ok(phys_addr_t addr, phys_addr_t size);
bool kho_overlaps(const struct kho_area *areas, unsigned int nr,
		  phys_addr_t addr, phys_addr_t size);
bool kho_page_preserved(unsigned long pfn);
int kho_reserve_preserved(const char **why);
void kho_reserve_free(phys_addr_t base, phys_addr_t size);
int kho_check_scratch_room(void);
void kho_debugfs_init(void);
void kho_debugfs_add_subtree(const char *name, void *fdt);
void kho_debugfs_remove_subtree(void *fdt);
#ifdef CONFIG_KEXEC_HANDOVER_SELFTEST
void kho_selftest_memblock(void);
#else
static inline void kho_selftest_memblock(void) { }
#endif
#ifdef CONFIG_KEXEC_HANDOVER_DEBUG
void kho_debug_corrupt(void);
void kho_debug_repair(void);
#else
static inline void kho_debug_corrupt(void) { }
static inline void kho_debug_repair(void) { }
#endif

#endif /* _KERNEL_LIVEUPDATE_KHO_INTERNAL_H */
