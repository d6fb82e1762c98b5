/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SHIM_LINUX_VMALLOC_H
#define _SHIM_LINUX_VMALLOC_H

/* Frees what kho_restore_vmalloc() returned: defined by the test. */
void vfree(const void *addr);

#endif /* _SHIM_LINUX_VMALLOC_H */
