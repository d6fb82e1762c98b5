/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory of one fuzz input for the restore paths: page k of the input is
 * at physical address (k + 1) * PAGE_SIZE (0 is never a page), spare
 * page k, if asked for, at (257 + k) * PAGE_SIZE. Every input page
 * is handed over; fuzz_page_ops restores a page once (restore or
 * restore_range), and a page restored with restore must be freed exactly
 * once. Anything else (a second free, a free of something never
 * restored, a page restored and never released) aborts: a crash for the
 * fuzzer. Deterministic: no state survives fuzz_pages_done().
 */
#ifndef _LIB_TESTS_FUZZ_PAGES_H
#define _LIB_TESTS_FUZZ_PAGES_H

#include <linux/errno.h>
#include <linux/kernel.h>
#include "kho_page.h"

extern const struct kho_page_ops fuzz_page_ops;

/* Take the whole pages of @size bytes at @data; the rest is ignored. */
void fuzz_pages_init(const u8 *data, size_t size);
/*
 * The same, with @spare pages (FUZZ_MAX_SPARE at most) that alloc hands
 * out, to change what was restored; each must be freed.
 */
#define FUZZ_MAX_SPARE	64
void fuzz_pages_init_spare(const u8 *data, size_t size, unsigned long spare);
/* Check that every restored page was released, and forget the input. */
void fuzz_pages_done(void);
unsigned long fuzz_pages_nr(void);
/* The input page at @phys, or NULL. */
void *fuzz_pages_virt(phys_addr_t phys);
/* The owner of a range restored with restore_range releases it. */
void fuzz_pages_release_range(phys_addr_t phys, unsigned long nr_pages);
/* Report @what and abort(). */
void fuzz_fail(const char *what);

/* The entry point libFuzzer calls with each input. */
int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

#endif /* _LIB_TESTS_FUZZ_PAGES_H */
