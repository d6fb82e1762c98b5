/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * LUO handover format ("luo-lu612-v1" in the KHO subtree "LUO"). ABI between
 * kernels; little-endian.
 *
 *   /LUO                compatible = "luo-lu612-v1"
 *     liveupdate-number u64: kexecs since the first kernel
 *     state             struct kho_vmalloc (16 bytes) of the state buffer,
 *                       absent if nothing is handed over
 *
 * The state buffer (kho_vmalloc) is a struct luo_state_ser followed by
 * @nr_sessions struct luo_session_ser and @nr_files struct luo_file_ser;
 * session i owns files [first_file, first_file + nr_files).
 */
#ifndef _LINUX_KHO_ABI_LUO_H
#define _LINUX_KHO_ABI_LUO_H

#include <linux/types.h>

#define LUO_FDT_NODE		"LUO"
#define LUO_FDT_COMPATIBLE	"luo-lu612-v1"
#define LUO_FDT_NUMBER		"liveupdate-number"
#define LUO_FDT_STATE		"state"
#define LUO_STATE_MAGIC		0x45544c55U	/* "ULTE" */

struct luo_state_ser {
	__le32 magic;
	__le32 nr_sessions;
	__le64 nr_files;
} __packed;

struct luo_session_ser {
	char name[64];
	__le64 first_file;
	__le64 nr_files;
} __packed;

struct luo_file_ser {
	char compatible[48];
	__le64 data;
	__le64 token;
} __packed;

#endif /* _LINUX_KHO_ABI_LUO_H */
