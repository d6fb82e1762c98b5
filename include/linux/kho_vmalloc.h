/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Preserve a vmalloc area across kexec with KHO: the old kernel preserves
 * the area's pages and gets a small fixed-size handle (struct kho_vmalloc,
 * see include/linux/kho/abi/kexec_handover.h) to hand over, e.g. inside
 * its own preserved data; the next kernel maps the same contents at a new
 * address from that handle. Same API as upstream Linux.
 */
#ifndef _LINUX_KHO_VMALLOC_H
#define _LINUX_KHO_VMALLOC_H

#include <linux/errno.h>
#include <linux/types.h>
#include <linux/kho/abi/kexec_handover.h>

#ifdef CONFIG_KEXEC_HANDOVER

int kho_preserve_vmalloc(void *ptr, struct kho_vmalloc *preservation);
void kho_unpreserve_vmalloc(struct kho_vmalloc *preservation);
void *kho_restore_vmalloc(const struct kho_vmalloc *preservation);

#else /* !CONFIG_KEXEC_HANDOVER */

static inline int kho_preserve_vmalloc(void *ptr,
				       struct kho_vmalloc *preservation)
{
	return -EOPNOTSUPP;
}

static inline void kho_unpreserve_vmalloc(struct kho_vmalloc *preservation)
{
}

static inline void *kho_restore_vmalloc(const struct kho_vmalloc *preservation)
{
	return NULL;
}

#endif /* CONFIG_KEXEC_HANDOVER */

#endif /* _LINUX_KHO_VMALLOC_H */
