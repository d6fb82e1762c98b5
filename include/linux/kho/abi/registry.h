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
 * Record: one preserved page per stored object; the u64 handle of the
 * object is its physical address.
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

#define KHO_RECORD_MAGIC	0x52524f4bU	/* "KORR" */
#define KHO_RECORD_MAX_VERSIONS	8

/**
 * struct kho_record_version - one version an object was written in
 * @version: format version
 * @reserved: zero
 * @handle: what that version's store op returned
 */
struct kho_record_version {
	__le32 version;
	__le32 reserved;
	__le64 handle;
} __packed;

/**
 * struct kho_record - the versions of one stored object
 * @magic: KHO_RECORD_MAGIC
 * @nr: entries in @versions, 1..KHO_RECORD_MAX_VERSIONS, distinct
 * @reserved: zero
 * @family: NUL-terminated family name
 * @versions: what was written
 */
struct kho_record {
	__le32 magic;
	__le16 nr;
	__le16 reserved;
	char family[KHO_FAMILY_LEN];
	struct kho_record_version versions[KHO_RECORD_MAX_VERSIONS];
} __packed;

/*
 * Index of the records handed over, so that the next kernel knows every
 * object, claimed or not, and can release those nobody claims even when
 * no format of their family is loaded there: a KHO subtree
 * KHO_REGISTRY_NODE, compatible KHO_REGISTRY_COMPATIBLE, whose property
 * KHO_REGISTRY_INDEX (u64) is the physical address of a
 * struct kho_record_index in one preserved folio.
 */
#define KHO_REGISTRY_NODE	"kho-registry"
#define KHO_REGISTRY_COMPATIBLE	"kho-registry-lu612-v1"
#define KHO_REGISTRY_INDEX	"index"
#define KHO_RECORD_INDEX_MAGIC	0x58494f4bU	/* "KOIX" */
/* The extents of the record cover every version it holds. */
#define KHO_INDEX_COMPLETE	(1U << 0)

/**
 * struct kho_index_record - one object handed over
 * @record: handle (physical address) of its record
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
