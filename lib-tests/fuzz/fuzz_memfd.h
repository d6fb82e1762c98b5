/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Layout of a fuzz_memfd_v1/v2 input (fuzz_memfd.c); gen_corpus.c writes
 * seeds to it. Page 0 is the record; from FUZZ_MEMFD_TABLE on, a byte per
 * data page (FUZZ_MEMFD_DATA_PAGES of them, from FUZZ_MEMFD_DATA) gives
 * the order of a folio preserved there, anything above MAX_PAGE_ORDER
 * none; bit 0 of byte FUZZ_MEMFD_NOMEM fails the allocation of the
 * incoming state.
 */
#ifndef _LIB_TESTS_FUZZ_MEMFD_H
#define _LIB_TESTS_FUZZ_MEMFD_H

#define FUZZ_MEMFD_HANDLE	PAGE_SIZE	/* page 0 of the input */
#define FUZZ_MEMFD_TABLE	256
#define FUZZ_MEMFD_NOMEM	(FUZZ_MEMFD_TABLE - 1)
#define FUZZ_MEMFD_DATA_PAGES	(PAGE_SIZE - FUZZ_MEMFD_TABLE)
/* Above the input (256 pages at most), aligned for the largest folio. */
#define FUZZ_MEMFD_DATA		(1ULL << (PAGE_SHIFT + MAX_PAGE_ORDER))
#define FUZZ_MEMFD_NO_FOLIO	0xff

#endif /* _LIB_TESTS_FUZZ_MEMFD_H */
