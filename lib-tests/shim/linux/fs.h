/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SHIM_LINUX_FS_H
#define _SHIM_LINUX_FS_H

#include <linux/kernel.h>

#define MAX_LFS_FILESIZE	((long long)LLONG_MAX)

#endif /* _SHIM_LINUX_FS_H */
