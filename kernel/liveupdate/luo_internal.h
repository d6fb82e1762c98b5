/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live Update Orchestrator internals shared by luo_core.c (device, boot,
 * reboot), luo_session.c (sessions and their fds) and luo_file.c (files
 * and their handlers). One mutex, luo_mutex, protects all of it. The
 * structures, and the parser of the state handed over (luo_state.c), are
 * in luo_state.h.
 */
#ifndef _KERNEL_LIVEUPDATE_LUO_INTERNAL_H
#define _KERNEL_LIVEUPDATE_LUO_INTERNAL_H

#include <linux/liveupdate.h>
#include <linux/mutex.h>
#include "luo_state.h"

extern struct mutex luo_mutex;
extern bool luo_frozen;
extern struct list_head luo_outgoing, luo_incoming;
extern void *luo_fdt;

int luo_session_create(const char *name, struct file **filep);
int luo_session_retrieve(const char *name, struct file **filep);
void luo_session_unretrieve(struct file *file);
long luo_session_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int luo_session_serialize(void);
void luo_session_unserialize(void);
void luo_session_deserialize(const void *fdt);
void luo_session_close_deferred(void);

int luo_file_preserve(struct luo_session *s, u64 token, int fd);
void luo_file_unpreserve_all(struct luo_session *s);
struct file *luo_file_retrieve(struct luo_session *s, u64 token);
int luo_file_finish_all(struct luo_session *s);
int luo_file_freeze_all(void);
void luo_file_unfreeze_all(void);
bool luo_file_release_incoming(struct luo_file *f);
struct liveupdate_file_handler *luo_file_handler(const char *compatible);

/* The ioctl helpers: size-first, extensible argument structs. */
int luo_copy_args(void *args, size_t size, size_t min_size,
		  void __user *uarg);
int luo_copy_back(void __user *uarg, const void *args, size_t size);

#ifdef CONFIG_LIVEUPDATE_TEST
void luo_test_corrupt_state(void *state);
#else
static inline void luo_test_corrupt_state(void *state) { }
#endif

#endif /* _KERNEL_LIVEUPDATE_LUO_INTERNAL_H */
