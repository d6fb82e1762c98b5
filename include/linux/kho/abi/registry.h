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

#endif /* _LINUX_KHO_ABI_REGISTRY_H */
