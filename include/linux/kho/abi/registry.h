/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kho_registry formats. ABI: the catalog is read by tools from vmlinux
 * files, the record is read by the next kernel. Little-endian.
 *
 * Catalog: the section "kho_formats" of vmlinux is an array of
 * struct kho_format, one per format this kernel knows; tools read
 * @family, @version and @caps of each entry (stride
 * sizeof(struct kho_format) = KHO_FORMAT_ENTRY_SIZE) and ignore the rest.
 *
 * Records: packed in record pages (struct kho_record_page); the u64
 * handle of an object is the physical address of its slot.
 */
#ifndef _LINUX_KHO_ABI_REGISTRY_H
#define _LINUX_KHO_ABI_REGISTRY_H

#include <linux/types.h>

#define KHO_FAMILY_LEN		32	/* with the terminating NUL */
#define KHO_FORMAT_ENTRY_SIZE	56
#define KHO_FORMAT_SECTION	"kho_formats"

/* Capabilities of a format in this kernel. */
#define KHO_FORMAT_READ		(1U << 0)	/* can restore it */
#define KHO_FORMAT_WRITE	(1U << 1)	/* can store it */
#define KHO_FORMAT_WRITE_DEFAULT (1U << 2)	/* written unless disabled */

/*
 * Record pages: the records of stored objects, packed. One preserved
 * order-0 page (4096 bytes) holds the records of one class, objects of one
 * family written in the same versions (in the same order): the page
 * header names the family and the versions once, a record is then only
 * the handle each version's store returned, @nr_versions u64 in a slot.
 * A bitmap says which slots hold a record. The handle of an object is the
 * physical address of its slot: the page address plus
 * offsetof(struct kho_record_page, slots) + slot * 8 * @nr_versions. It
 * is never page-aligned, and stays the same while the object is stored.
 */
#define KHO_RECORD_PAGE_MAGIC	0x3150524bU	/* "KRP1" */
#define KHO_RECORD_PAGE_SIZE	4096
#define KHO_RECORD_MAX_VERSIONS	8
#define KHO_RECORD_PAGE_WORDS	8	/* __le64 words of the slot bitmap */

/**
 * struct kho_record_page - a page of records of one class
 * @magic: KHO_RECORD_PAGE_MAGIC
 * @nr_versions: versions of each record, 1..KHO_RECORD_MAX_VERSIONS
 * @reserved: zero
 * @family: NUL-terminated family name
 * @versions: the versions written, the first @nr_versions distinct, the
 *            rest zero
 * @used: bit i set if slot i holds a record; no bit at or above
 *        kho_record_page_slots(@nr_versions)
 * @slots: slot i is the @nr_versions u64 handles of a record, that of
 *         @versions[j] at @slots[i * @nr_versions + j]
 */
struct kho_record_page {
	__le32 magic;
	__le16 nr_versions;
	__le16 reserved;
	char family[KHO_FAMILY_LEN];
	__le32 versions[KHO_RECORD_MAX_VERSIONS];
	__le64 used[KHO_RECORD_PAGE_WORDS];
	__le64 slots[];
} __packed;

#define KHO_RECORD_PAGE_HEADER	136	/* offsetof(.., slots) */

/* Records a page holds when each is written in @nr_versions versions. */
static inline unsigned int kho_record_page_slots(unsigned int nr_versions)
{
	return (KHO_RECORD_PAGE_SIZE - KHO_RECORD_PAGE_HEADER) /
	       (8 * nr_versions);
}

/*
 * Index of the records handed over, so that the next kernel knows every
 * object, claimed or not, and can release those nobody claims even when
 * no format of their family is loaded there: a KHO subtree
 * KHO_REGISTRY_NODE, compatible KHO_REGISTRY_COMPATIBLE, whose property
 * KHO_REGISTRY_INDEX (u64) is the physical address of a
 * struct kho_record_index in one preserved folio.
 */
#define KHO_REGISTRY_NODE	"kho-registry"
#define KHO_REGISTRY_COMPATIBLE	"kho-registry-lu612-v2"
#define KHO_REGISTRY_INDEX	"index"
#define KHO_RECORD_INDEX_MAGIC	0x58494f4bU	/* "KOIX" */
/* The extents of the record cover every version it holds. */
#define KHO_INDEX_COMPLETE	(1U << 0)

/**
 * struct kho_index_record - one object handed over
 * @record: handle of the object (physical address of its record slot)
 * @first_extent: index of its first extent in the extent array
 * @nr_extents: its extents
 * @flags: KHO_INDEX_COMPLETE or 0
 */
struct kho_index_record {
	__le64 record;
	__le64 first_extent;
	__le32 nr_extents;
	__le32 flags;
} __packed;

/**
 * struct kho_index_extent - a preserved block behind an object
 * @phys: physical address of the block
 * @order: its order, as preserved
 * @reserved: zero
 */
struct kho_index_extent {
	__le64 phys;
	__le32 order;
	__le32 reserved;
} __packed;

/**
 * struct kho_record_index - the objects handed over
 * @magic: KHO_RECORD_INDEX_MAGIC
 * @reserved: zero
 * @nr: entries in @records
 * @nr_extents: struct kho_index_extent entries after @records
 * @records: the objects
 */
struct kho_record_index {
	__le32 magic;
	__le32 reserved;
	__le64 nr;
	__le64 nr_extents;
	struct kho_index_record records[];
} __packed;

#endif /* _LINUX_KHO_ABI_REGISTRY_H */
