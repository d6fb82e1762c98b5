/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver (KHO): preserve physical memory across kexec_file_load()
 * reboots and find it again in the next kernel. See
 * Documentation/liveupdate/kho.rst.
 */
#ifndef _LINUX_KEXEC_HANDOVER_H
#define _LINUX_KEXEC_HANDOVER_H

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_vmalloc.h>

struct folio;
struct page;
struct kexec_buf;
struct kimage;
struct resource;

#ifdef CONFIG_KEXEC_HANDOVER

bool kho_is_enabled(void);
bool is_kho_boot(void);

int kho_preserve_folio(struct folio *folio);
int kho_unpreserve_folio(struct folio *folio);
int kho_preserve_pages(struct page *page, unsigned int nr_pages);
int kho_unpreserve_pages(struct page *page, unsigned int nr_pages);
struct folio *kho_restore_folio(phys_addr_t phys);
struct page *kho_restore_pages(phys_addr_t phys, unsigned int nr_pages);

void *kho_alloc_preserve(size_t size);
void *kho_alloc_fdt(const char *compatible);
int kho_unpreserve_free(void *mem);
void kho_restore_free(void *mem);

int kho_add_subtree(const char *name, void *fdt);
int kho_remove_subtree(void *fdt);
int kho_retrieve_subtree(const char *name, phys_addr_t *phys);

int kho_finalize(void);
void kho_abort(void);

/* Hooks in the base kernel. */
void kho_parse_setup_data(u64 pa, u32 len);
void kho_memblock_setup(void);
void kho_memory_init(void);
unsigned long kho_preserved_range(unsigned long start, unsigned long end,
				  unsigned long *busy_end);
bool kho_scratch_overlap(phys_addr_t phys, size_t size);
int kho_locate_mem_hole(struct kexec_buf *kbuf,
			int (*func)(struct resource *, void *));
int kho_fill_setup_data(struct kho_data *data);
int kho_check_kexec(struct kimage *image);

#else /* !CONFIG_KEXEC_HANDOVER */

static inline bool kho_is_enabled(void) { return false; }
static inline bool is_kho_boot(void) { return false; }
static inline int kho_preserve_folio(struct folio *folio) { return -EOPNOTSUPP; }
static inline int kho_unpreserve_folio(struct folio *folio) { return -EOPNOTSUPP; }
static inline int kho_preserve_pages(struct page *page, unsigned int nr_pages)
{
	return -EOPNOTSUPP;
}
static inline int kho_unpreserve_pages(struct page *page, unsigned int nr_pages)
{
	return -EOPNOTSUPP;
}
static inline struct folio *kho_restore_folio(phys_addr_t phys) { return NULL; }
static inline struct page *kho_restore_pages(phys_addr_t phys,
					     unsigned int nr_pages)
{
	return NULL;
}
static inline void *kho_alloc_preserve(size_t size) { return ERR_PTR(-EOPNOTSUPP); }
static inline void *kho_alloc_fdt(const char *compatible)
{
	return ERR_PTR(-EOPNOTSUPP);
}
static inline int kho_unpreserve_free(void *mem) { return 0; }
static inline void kho_restore_free(void *mem) { }
static inline int kho_add_subtree(const char *name, void *fdt) { return -EOPNOTSUPP; }
static inline int kho_remove_subtree(void *fdt) { return 0; }
static inline int kho_retrieve_subtree(const char *name, phys_addr_t *phys)
{
	return -EOPNOTSUPP;
}
static inline int kho_finalize(void) { return -EOPNOTSUPP; }
static inline void kho_abort(void) { }

static inline void kho_parse_setup_data(u64 pa, u32 len) { }
static inline void kho_memblock_setup(void) { }
static inline void kho_memory_init(void) { }
static inline unsigned long kho_preserved_range(unsigned long start,
						unsigned long end,
						unsigned long *busy_end)
{
	*busy_end = end;
	return end;
}
static inline bool kho_scratch_overlap(phys_addr_t phys, size_t size)
{
	return false;
}
static inline int kho_locate_mem_hole(struct kexec_buf *kbuf,
				      int (*func)(struct resource *, void *))
{
	return 1;
}
static inline int kho_fill_setup_data(struct kho_data *data) { return -EOPNOTSUPP; }
static inline int kho_check_kexec(struct kimage *image) { return 0; }

#endif /* CONFIG_KEXEC_HANDOVER */

#endif /* _LINUX_KEXEC_HANDOVER_H */
