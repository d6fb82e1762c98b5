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
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include "luo_internal.h"

LIST_HEAD(luo_outgoing);
LIST_HEAD(luo_incoming);

static const struct file_operations luo_session_fops;

static struct luo_session *luo_session_alloc(const char *name, bool incoming)
{
	struct luo_session *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	strscpy(s->name, name, sizeof(s->name));
	INIT_LIST_HEAD(&s->files);
	s->incoming = incoming;
	return s;
}

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

static bool luo_ser_string_ok(const char *str, size_t size)
{
	size_t len = strnlen(str, size);

	return len && len < size;
}

static int luo_state_parse(const struct luo_state_ser *hdr, size_t size)
{
	const struct luo_session_ser *ss = (const void *)(hdr + 1);
	const struct luo_file_ser *fs;
	u64 nr_sessions, nr_files, i, j, next = 0;

	if (size < sizeof(*hdr) || le32_to_cpu(hdr->magic) != LUO_STATE_MAGIC)
		return -EINVAL;
	nr_sessions = le32_to_cpu(hdr->nr_sessions);
	nr_files = le64_to_cpu(hdr->nr_files);
	if (nr_files > size / sizeof(*fs) ||
	    sizeof(*hdr) + nr_sessions * sizeof(*ss) + nr_files * sizeof(*fs) > size)
		return -EINVAL;
	fs = (const void *)(ss + nr_sessions);

	for (i = 0; i < nr_sessions; i++) {
		u64 first = le64_to_cpu(ss[i].first_file);
		u64 n = le64_to_cpu(ss[i].nr_files);
		struct luo_session *s;

		/*
		 * The writer puts the files of the sessions back to back, in
		 * session order: each file record has exactly one owner (two
		 * sessions sharing one would both give its memory back).
		 */
		if (first != next || n > nr_files - first ||
		    !luo_ser_string_ok(ss[i].name, sizeof(ss[i].name)))
			return -EINVAL;
		next = first + n;
		s = luo_session_alloc(ss[i].name, true);
		if (!s)
			return -ENOMEM;
		list_add_tail(&s->list, &luo_incoming);
		for (j = first; j < first + n; j++) {
			struct luo_file *f;

			if (!luo_ser_string_ok(fs[j].compatible,
					       sizeof(fs[j].compatible)))
				return -EINVAL;
			f = kzalloc(sizeof(*f), GFP_KERNEL);
			if (!f)
				return -ENOMEM;
			strscpy(f->compatible, fs[j].compatible,
				sizeof(f->compatible));
			f->token = le64_to_cpu(fs[j].token);
			f->data = le64_to_cpu(fs[j].data);
			list_add_tail(&f->list, &s->files);
			s->nr_files++;
		}
	}
	return next == nr_files ? 0 : -EINVAL;
}

/* A session or a file, its place in its list and, for a file, its token. */
struct luo_dup {
	void *obj;
	u64 token;
	unsigned long pos;
};

static int luo_cmp_u64(u64 a, u64 b)
{
	return (a > b) - (a < b);
}

static int luo_dup_cmp_name(const void *a, const void *b)
{
	const struct luo_dup *x = a, *y = b;
	const struct luo_session *sx = x->obj, *sy = y->obj;

	return strcmp(sx->name, sy->name) ?: luo_cmp_u64(x->pos, y->pos);
}

static int luo_dup_cmp_token(const void *a, const void *b)
{
	const struct luo_dup *x = a, *y = b;

	return luo_cmp_u64(x->token, y->token) ?: luo_cmp_u64(x->pos, y->pos);
}

/* Move every incoming session named like an earlier one to @rejected. */
static unsigned long luo_session_dups(struct luo_dup *d, unsigned long n,
				      struct list_head *rejected)
{
	struct luo_session *s, *prev;
	unsigned long i = 0, nr = 0;

	list_for_each_entry(s, &luo_incoming, list) {
		d[i].obj = s;
		d[i].pos = i;
		i++;
	}
	sort(d, n, sizeof(*d), luo_dup_cmp_name, NULL);
	for (i = 1; i < n; i++) {
		s = d[i].obj;
		prev = d[i - 1].obj;
		if (!strcmp(s->name, prev->name)) {
			list_move_tail(&s->list, rejected);
			nr++;
		}
	}
	return nr;
}

/* Move every file of @s with the token of an earlier one to @rejected. */
static unsigned long luo_file_dups(struct luo_session *s, struct luo_dup *d,
				   struct list_head *rejected)
{
	unsigned long i = 0, n = s->nr_files, nr = 0;
	struct luo_file *f;

	list_for_each_entry(f, &s->files, list) {
		d[i].obj = f;
		d[i].token = f->token;
		d[i].pos = i;
		i++;
	}
	sort(d, n, sizeof(*d), luo_dup_cmp_token, NULL);
	for (i = 1; i < n; i++) {
		if (d[i].token == d[i - 1].token) {
			f = d[i].obj;
			list_move_tail(&f->list, rejected);
			nr++;
		}
	}
	s->nr_files -= nr;
	return nr;
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
 * Names and tokens are how userspace finds what it preserved: a second
 * session of the same name or a second file of the same token in a
 * session could never be retrieved. Keep the first, give the memory of
 * the others back to their handlers, and say so once.
 */
static int luo_state_reject_dups(void)
{
	unsigned long nr_sessions = 0, max = 0, bad_sessions, bad_files = 0;
	unsigned long released = 0, stuck = 0;
	LIST_HEAD(sessions);
	LIST_HEAD(files);
	struct luo_session *s, *stmp;
	struct luo_dup *d;

	list_for_each_entry(s, &luo_incoming, list) {
		nr_sessions++;
		max = max(max, s->nr_files);
	}
	max = max(max, nr_sessions);
	if (max < 2)
		return 0;
	d = kvmalloc_array(max, sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	bad_sessions = luo_session_dups(d, nr_sessions, &sessions);
	list_for_each_entry(s, &luo_incoming, list)
		bad_files += luo_file_dups(s, d, &files);
	kvfree(d);
	if (!bad_sessions && !bad_files)
		return 0;

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
	struct luo_session *s, *tmp;
	int len, err;

	desc = fdt_getprop(fdt, 0, LUO_FDT_STATE, &len);
	if (!desc)
		return;
	err = -EINVAL;
	hdr = len == sizeof(*desc) ? kho_restore_vmalloc(desc) : NULL;
	if (hdr) {
		err = luo_state_parse(hdr,
				      (size_t)le32_to_cpu(desc->nr_pages) << PAGE_SHIFT);
		vfree(hdr);
	}
	if (!err)
		err = luo_state_reject_dups();
	if (!err)
		return;
	pr_err("invalid sessions from the previous kernel (%d), none restored\n",
	       err);
	list_for_each_entry_safe(s, tmp, &luo_incoming, list) {
		struct luo_file *f, *ftmp;

		list_for_each_entry_safe(f, ftmp, &s->files, list)
			kfree(f);
		list_del(&s->list);
		kfree(s);
	}
}
