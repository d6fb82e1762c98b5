/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver on-memory formats. This is ABI between two kernels: a
 * kernel must read what an older kernel of the same major format wrote.
 * Change a layout only together with its compatible string or version.
 * All fields are little-endian.
 */
#ifndef _LINUX_KHO_ABI_KEXEC_HANDOVER_H
#define _LINUX_KHO_ABI_KEXEC_HANDOVER_H

#include <linux/types.h>

/*
 * The root of the handover: a flattened device tree of one page, passed to
 * the next kernel (x86: setup_data SETUP_KEXEC_KHO, struct kho_data).
 *
 *   /                       compatible = KHO_FDT_COMPATIBLE
 *     kho-map               u64: physical address of the first map page
 *     kho-map-pages         u32: number of pages in the map chain
 *     <subsystem>/          one node per kho_add_subtree()
 *       fdt                 u64: physical address of its own FDT
 *
 * The FDT page and every subsystem FDT are preserved memory; the map
 * pages are not (the next kernel reads them before it reuses them).
 */
#define KHO_FDT_COMPATIBLE	"kho-lu612-v1"
#define KHO_FDT_MAP		"kho-map"
#define KHO_FDT_MAP_PAGES	"kho-map-pages"
#define KHO_FDT_SUBTREE		"fdt"

/**
 * struct kho_scratch - one scratch area, in the array handed over
 * @addr: physical start, page aligned
 * @size: bytes, page aligned
 *
 * The next kernel allocates only from scratch areas until it has reserved
 * the preserved memory, and kexec places its segments only inside them.
 */
struct kho_scratch {
	__le64 addr;
	__le64 size;
} __packed;

/**
 * struct kho_data - x86 setup_data payload of type SETUP_KEXEC_KHO
 * @fdt_addr: physical address of the root FDT
 * @fdt_size: bytes reserved for it
 * @scratch_addr: physical address of the struct kho_scratch array
 * @scratch_size: size of the array in bytes
 */
struct kho_data {
	__u64 fdt_addr;
	__u64 fdt_size;
	__u64 scratch_addr;
	__u64 scratch_size;
} __packed;

/*
 * Map of preserved memory ("kho-map-v1").
 *
 * A chain of pages. Each page starts with struct kho_map_page and holds
 * whole records, each padded to 8 bytes and never split across pages. A
 * record describes one window of KHO_MAP_WINDOW_BLOCKS naturally aligned
 * blocks of one order (a block of order n is 2^n pages) either as a list
 * of extents or, when that would be larger, as a separate page holding
 * one bit per block. So a contiguous range costs one 4-byte extent
 * whatever its length and a dense window at most one bit per block.
 * Records are sorted by (order, window).
 */
#define KHO_MAP_MAGIC		0x4d4f484bU	/* "KHOM" */
#define KHO_MAP_VERSION		1
#define KHO_MAP_WINDOW_SHIFT	15	/* one bitmap page of 4 KiB */
#define KHO_MAP_WINDOW_BLOCKS	(1U << KHO_MAP_WINDOW_SHIFT)

enum kho_map_kind {
	KHO_MAP_EXTENTS = 1,
	KHO_MAP_BITMAP = 2,
};

/**
 * struct kho_map_page - header of one page of the map
 * @magic: KHO_MAP_MAGIC
 * @version: KHO_MAP_VERSION
 * @reserved: zero
 * @used: bytes of records that follow this header in the page
 * @reserved2: zero
 * @next: physical address of the next map page, 0 on the last one
 */
struct kho_map_page {
	__le32 magic;
	__le16 version;
	__le16 reserved;
	__le32 used;
	__le32 reserved2;
	__le64 next;
} __packed;

/**
 * struct kho_map_window - one window of blocks of one order
 * @window: window number: the first block is @window << KHO_MAP_WINDOW_SHIFT,
 *          block b of order o starts at pfn b << o
 * @order: block order
 * @kind: enum kho_map_kind
 * @reserved: zero
 * @count: KHO_MAP_EXTENTS: number of struct kho_map_extent that follow;
 *         KHO_MAP_BITMAP: 1, and one __le64 follows, the physical address
 *         of a page of KHO_MAP_WINDOW_BLOCKS bits (bit b of byte B set:
 *         block 8 * B + b preserved)
 *
 * Windows of one order appear in strictly increasing @window order.
 */
struct kho_map_window {
	__le64 window;
	__u8 order;
	__u8 kind;
	__le16 reserved;
	__le32 count;
} __packed;

/**
 * struct kho_map_extent - consecutive preserved blocks in a window
 * @first: first block, relative to the window
 * @last: last block, relative to the window
 *
 * Extents of a window are sorted, disjoint and not adjacent.
 */
struct kho_map_extent {
	__le16 first;
	__le16 last;
} __packed;

/*
 * Preserved vmalloc area ("kho-vmalloc-v1").
 *
 * struct kho_vmalloc is the handle the owner of the area hands over (by
 * value, e.g. inside its own ABI struct). It points to a chain of
 * @nr_chunks preserved pages. Each page starts with struct
 * kho_vmalloc_chunk and lists runs of physically contiguous pages in the
 * order they are mapped; the runs of all chunks add up to @nr_pages. Each
 * run is preserved as one range (kho_preserve_pages()), so a physically
 * contiguous area costs one run whatever its size. An all-zero handle
 * describes nothing.
 *
 * This is ABI: a new layout gets a new KHO_VMALLOC_MAGIC.
 */
#define KHO_VMALLOC_MAGIC	0x314d564bU	/* "KVM1" */

/**
 * struct kho_vmalloc - handle of a preserved vmalloc area
 * @first: physical address of the first chunk page
 * @nr_pages: pages of the area
 * @nr_chunks: pages in the chunk chain
 */
struct kho_vmalloc {
	__le64 first;
	__le32 nr_pages;
	__le32 nr_chunks;
} __packed;

/**
 * struct kho_vmalloc_run - physically contiguous pages of the area
 * @phys: physical address of the first page
 * @nr_pages: number of pages, at least 1
 * @reserved: zero
 */
struct kho_vmalloc_run {
	__le64 phys;
	__le32 nr_pages;
	__le32 reserved;
} __packed;

/**
 * struct kho_vmalloc_chunk - header of one page of the chain
 * @magic: KHO_VMALLOC_MAGIC
 * @count: runs that follow in this page, at least 1
 * @next: physical address of the next chunk page, 0 on the last one
 * @runs: the runs
 */
struct kho_vmalloc_chunk {
	__le32 magic;
	__le32 count;
	__le64 next;
	struct kho_vmalloc_run runs[];
} __packed;

/* Runs that fit in one chunk page. */
#define KHO_VMALLOC_CHUNK_RUNS						\
	((PAGE_SIZE - sizeof(struct kho_vmalloc_chunk)) /		\
	 sizeof(struct kho_vmalloc_run))

#endif /* _LINUX_KHO_ABI_KEXEC_HANDOVER_H */
