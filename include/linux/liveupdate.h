/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live Update Orchestrator: file handlers. A subsystem that can hand a
 * kind of file over to the next kernel registers a handler; userspace
 * preserves files through /dev/liveupdate sessions. See
 * Documentation/liveupdate/luo.rst.
 */
#ifndef _LINUX_LIVEUPDATE_H
#define _LINUX_LIVEUPDATE_H

#include <linux/errno.h>
#include <linux/kexec_handover.h>
#include <linux/list.h>
#include <linux/types.h>
#include <uapi/linux/liveupdate.h>

#define LIVEUPDATE_HNDL_COMPAT_LENGTH	48	/* with the NUL */

struct file;
struct module;
struct liveupdate_file_handler;

/**
 * struct liveupdate_file_op_args - arguments of the file handler ops
 * @handler: the handler
 * @retrieved: new kernel: the file was retrieved (finish)
 * @file: the file (old kernel; new kernel after retrieve)
 * @serialized_data: what the next kernel gets: set by preserve, may be
 *                   updated by freeze; input of retrieve and finish
 * @private_data: the handler's, old kernel only
 * @retryable: set by a retrieve that fails but lost nothing (it kept all
 *             it restored so far): the file can be retrieved again
 */
struct liveupdate_file_op_args {
	struct liveupdate_file_handler *handler;
	bool retrieved;
	bool retryable;
	struct file *file;
	u64 serialized_data;
	void *private_data;
};

/**
 * struct liveupdate_file_ops - what a handler does
 * @can_preserve: is @file of this handler's kind (cheap; required)
 * @preserve: start preserving args->file (required)
 * @unpreserve: undo @preserve (required)
 * @freeze: at kexec, last chance to update the handed-over state
 * @unfreeze: undo @freeze, the kexec did not happen
 * @retrieve: new kernel: make args->file from args->serialized_data
 *            (required)
 * @can_finish: new kernel: may the session finish now
 * @finish: new kernel: release what is left, for retrieved files and for
 *          files nobody retrieved (then args->file is NULL) (required)
 * @owner: module providing the handler
 */
struct liveupdate_file_ops {
	bool (*can_preserve)(struct liveupdate_file_handler *handler,
			     struct file *file);
	int (*preserve)(struct liveupdate_file_op_args *args);
	void (*unpreserve)(struct liveupdate_file_op_args *args);
	int (*freeze)(struct liveupdate_file_op_args *args);
	void (*unfreeze)(struct liveupdate_file_op_args *args);
	int (*retrieve)(struct liveupdate_file_op_args *args);
	bool (*can_finish)(struct liveupdate_file_op_args *args);
	void (*finish)(struct liveupdate_file_op_args *args);
	struct module *owner;
};

/**
 * struct liveupdate_file_handler - a kind of file LUO can hand over
 * @ops: its operations
 * @compatible: name of its handover format, matched in the next kernel
 * @list: private to LUO
 */
struct liveupdate_file_handler {
	const struct liveupdate_file_ops *ops;
	const char compatible[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	struct list_head list;
};

#ifdef CONFIG_LIVEUPDATE
bool liveupdate_enabled(void);
int liveupdate_register_file_handler(struct liveupdate_file_handler *fh);
int liveupdate_unregister_file_handler(struct liveupdate_file_handler *fh);
int luo_freeze(void);
void luo_unfreeze(void);
int liveupdate_reboot(void);
void liveupdate_reboot_abort(void);
#else
static inline bool liveupdate_enabled(void) { return false; }
static inline int liveupdate_register_file_handler(struct liveupdate_file_handler *fh)
{
	return -EOPNOTSUPP;
}
static inline int liveupdate_unregister_file_handler(struct liveupdate_file_handler *fh)
{
	return -EOPNOTSUPP;
}
static inline int luo_freeze(void) { return 0; }
static inline void luo_unfreeze(void) { }
/* Without LUO, KHO users still get their map written at kexec. */
static inline int liveupdate_reboot(void)
{
	return kho_is_enabled() ? kho_finalize() : 0;
}

static inline void liveupdate_reboot_abort(void)
{
	kho_abort();
}
#endif

#endif /* _LINUX_LIVEUPDATE_H */
