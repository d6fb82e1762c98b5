/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * LUO sessions and files, and the reading back of the state the previous
 * kernel wrote (include/linux/kho/abi/luo.h): every check on it, up to
 * the lists of incoming sessions. Built in the kernel and in userspace,
 * where a libFuzzer target runs it (lib-tests/fuzz/fuzz_luo_state.c).
 */
#ifndef _KERNEL_LIVEUPDATE_LUO_STATE_H
#define _KERNEL_LIVEUPDATE_LUO_STATE_H

#include <linux/liveupdate.h>
#include <linux/list.h>
#include <linux/types.h>

struct luo_state_ser;

/**
 * struct luo_file - a preserved file
 * @list: in its session, in preservation order
 * @fh: its handler (incoming: NULL if this kernel has none)
 * @file: old kernel: the preserved file; new kernel: once retrieved
 * @token: its token in the session
 * @data: serialized_data of the handler
 * @private_data: the handler's, old kernel
 * @compatible: incoming: the handler's compatible in the previous kernel
 * @frozen: old kernel: freeze ran
 * @status: new kernel: 0 not retrieved, 1 retrieved, < 0 the sticky
 *          error of a failed retrieve
 */
struct luo_file {
	struct list_head list;
	struct liveupdate_file_handler *fh;
	struct file *file;
	u64 token;
	u64 data;
	void *private_data;
	char compatible[LIVEUPDATE_HNDL_COMPAT_LENGTH];
	bool frozen;
	int status;
};

/**
 * struct luo_session - a named set of preserved files
 * @list: in luo_outgoing or luo_incoming
 * @name: its name
 * @files: its files
 * @nr_files: their number
 * @incoming: handed over by the previous kernel
 * @retrieved: incoming: userspace holds an fd of it
 * @finished: incoming: finish ran; nothing is left
 * @closed: its last fd was closed while LUO was frozen; the close takes
 *          effect at unfreeze
 */
struct luo_session {
	struct list_head list;
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	struct list_head files;
	unsigned long nr_files;
	bool incoming;
	bool retrieved;
	bool finished;
	bool closed;
};

struct luo_session *luo_session_alloc(const char *name, bool incoming);

int luo_state_parse(const struct luo_state_ser *hdr, size_t size,
		    struct list_head *incoming);
int luo_state_find_dups(struct list_head *incoming, struct list_head *sessions,
			struct list_head *files, unsigned long *bad_sessions,
			unsigned long *bad_files);
void luo_state_free(struct list_head *incoming);

#endif /* _KERNEL_LIVEUPDATE_LUO_STATE_H */
