/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SHIM_LINUX_MEMBLOCK_H
#define _SHIM_LINUX_MEMBLOCK_H

/* Highest page frame number of the machine: set by the test. */
extern unsigned long max_pfn;

#endif /* _SHIM_LINUX_MEMBLOCK_H */
