// SPDX-License-Identifier: GPL-2.0-only
/*
 * LUO sessions: named sets of preserved files, each an anonymous-inode
 * fd. Closing an outgoing session unpreserves its files; closing a
 * retrieved one finishes it. At kexec the outgoing sessions are written
 * into one kho_vmalloc buffer (include/linux/kho/abi/luo.h); the next
 * kernel reads it back on the first open of /dev/liveupdate.
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/anon_inodes.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/luo.h>
#include <linux/kho_vmalloc.h>
#include <linux/libfdt.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include "luo_internal.h"

LIST_HEAD(luo_outgoing);
LIST_HEAD(luo_incoming);

static const struct file_operations luo_session_fops;

static int luo_session_file(struct luo_session *s, struct file **filep)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH + 16];
	struct file *file;

	snprintf(name, sizeof(name), "[luo_session] %s", s->name);
	file = anon_inode_getfile(name, &luo_session_fops, s, O_RDWR);
	if (IS_ERR(file))
		return PTR_ERR(file);
	*filep = file;
	return 0;
}

/* Called with luo_mutex held. */
int luo_session_create(const char *name, struct file **filep)
{
	struct luo_session *s;
	int err;

	list_for_each_entry(s, &luo_outgoing, list)
		if (!strcmp(s->name, name))
			return -EEXIST;
	s = luo_session_alloc(name, false);
	if (!s)
		return -ENOMEM;
	err = luo_session_file(s, filep);
	if (err) {
		kfree(s);
		return err;
	}
	list_add_tail(&s->list, &luo_outgoing);
	return 0;
}

/* Called with luo_mutex held. */
int luo_session_retrieve(const char *name, struct file **filep)
{
	struct luo_session *s;
	int err;

	list_for_each_entry(s, &luo_incoming, list) {
		if (strcmp(s->name, name))
			continue;
		/* Finished, it is gone as upstream removes it; open, busy. */
		if (s->finished)
			return -ENOENT;
		if (s->retrieved)
			return -EINVAL;
		err = luo_session_file(s, filep);
		if (!err)
			s->retrieved = true;
		return err;
	}
	return -ENOENT;
}

/* Detach a just retrieved session from its file, which is dropped. */
void luo_session_unretrieve(struct file *file)
{
	struct luo_session *s = file->private_data;

	mutex_lock(&luo_mutex);
	s->retrieved = false;
	file->private_data = NULL;
	mutex_unlock(&luo_mutex);
}

/*
 * The last fd of @s is gone: unpreserve an outgoing session and free it,
 * finish an incoming one. Called with luo_mutex held, not frozen.
 */
static void luo_session_close(struct luo_session *s)
{
	int err = 0;

	s->closed = false;
	if (!s->incoming) {
		luo_file_unpreserve_all(s);
		list_del(&s->list);
		kfree(s);
		return;
	}
	s->retrieved = false;
	if (!s->finished)
		err = luo_file_finish_all(s);
	if (err)
		pr_warn("session %s: cannot finish on close (%d), its files stay preserved\n",
			s->name, err);
}

static int luo_session_release(struct inode *inode, struct file *file)
{
	struct luo_session *s = file->private_data;

	if (!s)
		return 0;
	guard(mutex)(&luo_mutex);
	/*
	 * Frozen, the session is already written for the next kernel, which
	 * will restore it: unpreserving now would hand over freed memory.
	 * Keep everything; the close takes effect if the kexec is aborted.
	 */
	if (luo_frozen)
		s->closed = true;
	else
		luo_session_close(s);
	return 0;
}

/* Called by luo_unfreeze(), with luo_mutex held. */
void luo_session_close_deferred(void)
{
	struct luo_session *s, *tmp;

	list_for_each_entry_safe(s, tmp, &luo_outgoing, list)
		if (s->closed)
			luo_session_close(s);
	list_for_each_entry(s, &luo_incoming, list)
		if (s->closed)
			luo_session_close(s);
}

static long luo_preserve_fd(struct luo_session *s, void __user *uarg)
{
	struct liveupdate_session_preserve_fd args;
	int err;

	err = luo_copy_args(&args, sizeof(args), offsetofend(typeof(args), token),
			    uarg);
	if (err)
		return err;
	if (s->incoming)
		return -EINVAL;
	return luo_file_preserve(s, args.token, args.fd);
}

static long luo_retrieve_fd(struct luo_session *s, void __user *uarg)
{
	struct liveupdate_session_retrieve_fd args;
	struct file *file;
	int err, fd;

	err = luo_copy_args(&args, sizeof(args), offsetofend(typeof(args), token),
			    uarg);
	if (err)
		return err;
	if (!s->incoming)
		return -EINVAL;
	if (s->finished)
		return -ENOENT;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = luo_file_retrieve(s, args.token);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	args.fd = fd;
	err = luo_copy_back(uarg, &args, sizeof(args));
	if (err) {
		fput(file);
		put_unused_fd(fd);
		return err;
	}
	fd_install(fd, file);
	return 0;
}

static long luo_finish(struct luo_session *s, void __user *uarg)
{
	struct liveupdate_session_finish args;
	int err;

	err = luo_copy_args(&args, sizeof(args),
			    offsetofend(typeof(args), reserved), uarg);
	if (err)
		return err;
	if (args.reserved || !s->incoming)
		return -EINVAL;
	if (s->finished)
		return 0;
	return luo_file_finish_all(s);
}

static long luo_get_name(struct luo_session *s, void __user *uarg)
{
	struct liveupdate_session_get_name args;
	int err;

	err = luo_copy_args(&args, sizeof(args), offsetofend(typeof(args), name),
			    uarg);
	if (err)
		return err;
	if (args.reserved)
		return -EINVAL;
	strscpy_pad((char *)args.name, s->name, sizeof(args.name));
	return luo_copy_back(uarg, &args, sizeof(args));
}

long luo_session_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct luo_session *s = file->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	if (_IOC_TYPE(cmd) != LIVEUPDATE_IOCTL_TYPE)
		return -ENOTTY;
	mutex_lock(&luo_mutex);
	switch (cmd) {
	case LIVEUPDATE_SESSION_PRESERVE_FD:
		ret = luo_frozen ? -EBUSY : luo_preserve_fd(s, uarg);
		break;
	case LIVEUPDATE_SESSION_RETRIEVE_FD:
		ret = luo_frozen ? -EBUSY : luo_retrieve_fd(s, uarg);
		break;
	case LIVEUPDATE_SESSION_FINISH:
		ret = luo_frozen ? -EBUSY : luo_finish(s, uarg);
		break;
	case LIVEUPDATE_SESSION_GET_NAME:
		ret = luo_get_name(s, uarg);
		break;
	default:
		ret = _IOC_NR(cmd) < LIVEUPDATE_CMD_SESSION_BASE ||
		      _IOC_NR(cmd) > LIVEUPDATE_CMD_SESSION_GET_NAME ?
		      -EINVAL : -ENOTTY;
	}
	mutex_unlock(&luo_mutex);
	return ret;
}

static const struct file_operations luo_session_fops = {
	.owner = THIS_MODULE,
	.release = luo_session_release,
	.unlocked_ioctl = luo_session_ioctl,
};

/* The buffer handed over at kexec, while the kexec is under way. */
static void *luo_state;
static struct kho_vmalloc luo_state_desc;
void *luo_fdt;

/*
 * Write every outgoing session and file into one buffer and preserve it.
 * Called with luo_mutex held, after the files were frozen.
 */
int luo_session_serialize(void)
{
	unsigned long nr_sessions = 0, nr_files = 0, i = 0, j = 0;
	struct luo_session_ser *ss;
	struct luo_state_ser *hdr;
	struct luo_file_ser *fs;
	struct luo_session *s;
	struct luo_file *f;
	int err;

	list_for_each_entry(s, &luo_outgoing, list) {
		nr_sessions++;
		nr_files += s->nr_files;
	}
	if (!nr_sessions)
		return 0;
	if (nr_sessions > U32_MAX)
		return -E2BIG;
	hdr = vzalloc(sizeof(*hdr) + nr_sessions * sizeof(*ss) +
		      nr_files * sizeof(*fs));
	if (!hdr)
		return -ENOMEM;
	hdr->magic = cpu_to_le32(LUO_STATE_MAGIC);
	hdr->nr_sessions = cpu_to_le32(nr_sessions);
	hdr->nr_files = cpu_to_le64(nr_files);
	ss = (void *)(hdr + 1);
	fs = (void *)(ss + nr_sessions);
	list_for_each_entry(s, &luo_outgoing, list) {
		strscpy(ss[i].name, s->name, sizeof(ss[i].name));
		ss[i].first_file = cpu_to_le64(j);
		ss[i].nr_files = cpu_to_le64(s->nr_files);
		list_for_each_entry(f, &s->files, list) {
			strscpy(fs[j].compatible, f->fh->compatible,
				sizeof(fs[j].compatible));
			fs[j].data = cpu_to_le64(f->data);
			fs[j].token = cpu_to_le64(f->token);
			j++;
		}
		i++;
	}
	luo_test_corrupt_state(hdr);
	err = kho_preserve_vmalloc(hdr, &luo_state_desc);
	if (err)
		goto free_state;
	err = fdt_setprop(luo_fdt, 0, LUO_FDT_STATE, &luo_state_desc,
			  sizeof(luo_state_desc));
	if (err) {
		err = -ENOSPC;
		goto unpreserve_state;
	}
	luo_state = hdr;
	return 0;

unpreserve_state:
	kho_unpreserve_vmalloc(&luo_state_desc);
free_state:
	vfree(hdr);
	return err;
}

/* Undo luo_session_serialize(): the kexec did not happen. */
void luo_session_unserialize(void)
{
	if (!luo_state)
		return;
	fdt_delprop(luo_fdt, 0, LUO_FDT_STATE);
	kho_unpreserve_vmalloc(&luo_state_desc);
	vfree(luo_state);
	luo_state = NULL;
}

/* Give rejected files back to their handlers; count those without one. */
static void luo_release_rejected(struct list_head *files,
				 unsigned long *released, unsigned long *stuck)
{
	struct luo_file *f, *tmp;

	list_for_each_entry_safe(f, tmp, files, list) {
		if (luo_file_release_incoming(f))
			(*released)++;
		else
			(*stuck)++;
	}
}

/*
 * Keep the first session of each name and the first file of each token
 * in a session (luo_state_find_dups()), give the memory of the others
 * back to their handlers, and say so once.
 */
static int luo_state_reject_dups(void)
{
	unsigned long bad_sessions = 0, bad_files = 0, released = 0, stuck = 0;
	LIST_HEAD(sessions);
	LIST_HEAD(files);
	struct luo_session *s, *stmp;
	int err;

	err = luo_state_find_dups(&luo_incoming, &sessions, &files,
				  &bad_sessions, &bad_files);
	if (err || (!bad_sessions && !bad_files))
		return err;

	list_for_each_entry_safe(s, stmp, &sessions, list) {
		luo_release_rejected(&s->files, &released, &stuck);
		kfree(s);
	}
	luo_release_rejected(&files, &released, &stuck);
	pr_err("rejected from the previous kernel (the first of each is kept): sessions with a duplicate name: %lu, files with a duplicate token: %lu; of their files %lu released, %lu without a handler (memory stays reserved)\n",
	       bad_sessions, bad_files, released, stuck);
	return 0;
}

/* Read the sessions of the previous kernel. Called with luo_mutex held. */
void luo_session_deserialize(const void *fdt)
{
	const struct kho_vmalloc *desc;
	struct luo_state_ser *hdr;
	int len, err;

	desc = fdt_getprop(fdt, 0, LUO_FDT_STATE, &len);
	if (!desc)
		return;
	err = -EINVAL;
	hdr = len == sizeof(*desc) ? kho_restore_vmalloc(desc) : NULL;
	if (hdr) {
		err = luo_state_parse(hdr,
				      (size_t)le32_to_cpu(desc->nr_pages) << PAGE_SHIFT,
				      &luo_incoming);
		vfree(hdr);
	}
	if (!err)
		err = luo_state_reject_dups();
	if (!err)
		return;
	pr_err("invalid sessions from the previous kernel (%d), none restored\n",
	       err);
	luo_state_free(&luo_incoming);
}
