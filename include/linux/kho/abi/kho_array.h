/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kho_array on-memory format ("kho-array", version 1). This is ABI
 * between kernels: change it only with a new version. Little-endian.
 *
 * The array is a B+tree of 4 KiB node pages, every page preserved; the
 * handed-over address is that of a head page.
 *
 * Node slot (16 bytes). In a leaf, the top two bits of @key say what the
 * slot is:
 *
 *   00  single entry   key = index               val = value
 *   10  run head       key = index | RUN         val = value of the first
 *   01  run tail       key = count | TAIL        val = step (two's complement)
 *
 * A run head is always followed by its tail: count >= 2 consecutive
 * indices from index, the k-th with value val + k * step, computed without
 * wrapping and never zero. Entries of a leaf are sorted and disjoint.
 *
 * In an interior node, slot i is (key i, physical address of child i).
 * Keys are bounds: they strictly increase, child i holds only indices in
 * [key i, key i + 1) (the node's own bounds for the first and the last
 * child). Key 0 is not used.
 */
#ifndef _LINUX_KHO_ABI_KHO_ARRAY_H
#define _LINUX_KHO_ABI_KHO_ARRAY_H

#include <linux/types.h>

#define KHO_ARRAY_MAGIC		0x414f484bU	/* "KHOA" head */
#define KHO_ARRAY_NODE_MAGIC	0x4e4f484bU	/* "KHON" node */
#define KHO_ARRAY_VERSION	1

#define KHO_ARRAY_KEY_RUN	(1ULL << 63)
#define KHO_ARRAY_KEY_TAIL	(1ULL << 62)
#define KHO_ARRAY_KEY_MASK	(KHO_ARRAY_KEY_TAIL - 1)

/**
 * struct kho_array_head - the page whose address is handed over
 * @magic: KHO_ARRAY_MAGIC
 * @version: KHO_ARRAY_VERSION
 * @height: levels of nodes: 0 empty, 1 the root is a leaf
 * @reserved: zero
 * @root: physical address of the root node, 0 if empty
 * @nr_entries: indices stored
 * @nr_nodes: node pages
 */
struct kho_array_head {
	__le32 magic;
	__le16 version;
	__u8 height;
	__u8 reserved;
	__le64 root;
	__le64 nr_entries;
	__le64 nr_nodes;
} __packed;

struct kho_array_slot {
	__le64 key;
	__le64 val;
} __packed;

/**
 * struct kho_array_node - header of a node page, slots follow
 * @magic: KHO_ARRAY_NODE_MAGIC
 * @level: 0 for a leaf, parent level is child level + 1
 * @reserved: zero
 * @nr: slots used, at least 1
 * @reserved2: zero
 * @slots: the slots
 */
struct kho_array_node {
	__le32 magic;
	__u8 level;
	__u8 reserved;
	__le16 nr;
	__le64 reserved2;
	struct kho_array_slot slots[];
} __packed;

#endif /* _LINUX_KHO_ABI_KHO_ARRAY_H */
