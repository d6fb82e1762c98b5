/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memfd handover formats, family "memfd" of the KHO registry. ABI between
 * kernels; little-endian. The data folios themselves are preserved once
 * and shared by every version written; the first version restored claims
 * them.
 */
#ifndef _LINUX_KHO_ABI_MEMFD_H
#define _LINUX_KHO_ABI_MEMFD_H

#include <linux/types.h>
#include <linux/kho/abi/kexec_handover.h>

#define MEMFD_LUO_FH_COMPATIBLE	"memfd"
#define MEMFD_LUO_FAMILY	"memfd"

/* Folio state bits. */
#define MEMFD_LUO_FOLIO_DIRTY		(1U << 0)
#define MEMFD_LUO_FOLIO_UPTODATE	(1U << 1)

/**
 * struct memfd_luo_folio_ser - version 1: one folio
 * @pfn_flags: PFN << 12 | MEMFD_LUO_FOLIO_* (its order comes from KHO)
 * @index: page index of the folio in the file
 */
struct memfd_luo_folio_ser {
	__le64 pfn_flags;
	__le64 index;
} __packed;

/**
 * struct memfd_luo_v1 - version 1, one preserved page: a dense array of
 * per-folio descriptors in a kho_vmalloc buffer (like upstream 6.19);
 * seals are not kept
 * @pos: file position
 * @size: file size
 * @nr_folios: entries in @folios
 * @folios: the struct memfd_luo_folio_ser array, sorted by index
 */
struct memfd_luo_v1 {
	__le64 pos;
	__le64 size;
	__le64 nr_folios;
	struct kho_vmalloc folios;
} __packed;

/*
 * Version 2: a kho_array keyed by page index with an entry for every page
 * of every folio: the page's physical address, whose low 12 bits hold
 * MEMFD_LUO_FOLIO_* (bits 0-1) and the folio order (bits 2-7). The pages
 * of a physically contiguous range of equal folios form one run.
 */
#define MEMFD_LUO_V2_FLAGS	0x3ULL
#define MEMFD_LUO_V2_ORDER(v)	(((v) >> 2) & 0x3f)
#define MEMFD_LUO_V2_PHYS(v)	((v) & ~0xfffULL)

/**
 * struct memfd_luo_v2 - version 2, one preserved page
 * @pos: file position
 * @size: file size
 * @seals: F_SEAL_* of the file
 * @mode: its permission bits (0777 at most): F_SEAL_EXEC freezes them
 * @nr_pages: pages in @pages
 * @pages: physical address of the kho_array of pages
 */
struct memfd_luo_v2 {
	__le64 pos;
	__le64 size;
	__le32 seals;
	__le32 mode;
	__le64 nr_pages;
	__le64 pages;
} __packed;

#endif /* _LINUX_KHO_ABI_MEMFD_H */
