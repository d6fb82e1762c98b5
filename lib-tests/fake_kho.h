/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake KHO for the library tests, in the kernel (KUnit) and in
 * userspace: pages are tracked by state, a kexec is simulated, leaks are
 * counted, and allocations or preservations fail on request.
 *
 *   allocated --preserve--> preserved --fake_kho_kexec()--> handed over
 *       ^    <-unpreserve--                                     |
 *       +------------------------------restore------------------+
 *
 * fake_kho_kexec() frees (and poisons) every page that is not preserved,
 * like memory lost across a real kexec. Pages of a block (caller memory)
 * go back with the block; free_range only marks them free.
 */
#ifndef _LIB_TESTS_FAKE_KHO_H
#define _LIB_TESTS_FAKE_KHO_H

#include "kho_page.h"

extern const struct kho_page_ops fake_kho_ops;

/* Contiguous caller memory of @nr_pages (for range preservation). */
void *fake_kho_alloc_block(unsigned long nr_pages);
void fake_kho_free_block(void *virt, unsigned long nr_pages);

/* The next @n allocations or preservations succeed, later ones fail. */
void fake_kho_fail_after(long n);
void fake_kho_kexec(void);
/* Pages in any state but free. */
long fake_kho_pages(void);
/* Pages handed over and not claimed. */
long fake_kho_handed(void);
/* Errors seen: freeing a preserved page, unpreserving twice... */
long fake_kho_misuse(void);
/* Free everything; return how many pages were still in use. */
long fake_kho_reset(void);

#endif /* _LIB_TESTS_FAKE_KHO_H */
