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

#endif /* _LINUX_KHO_ABI_KEXEC_HANDOVER_H */
