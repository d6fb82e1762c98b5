// SPDX-License-Identifier: GPL-2.0-only
/*
 * LUO files: handler registration, and preserve, freeze, retrieve and
 * finish of the files of a session. Called with luo_mutex held.
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "luo_internal.h"

static LIST_HEAD(luo_handlers);

static bool luo_sessions_exist(void)
{
	struct luo_session *s;

	if (!list_empty(&luo_outgoing))
		return true;
	list_for_each_entry(s, &luo_incoming, list)
		if (!s->finished)
			return true;
	return false;
}

/**
 * liveupdate_register_file_handler() - let LUO hand a kind of file over
 * @fh: the handler; its compatible string names its format
 *
 * Register before userspace uses /dev/liveupdate (e.g. at late_initcall):
 * handlers cannot change while sessions exist.
 *
 * Return: 0; -EOPNOTSUPP if LUO is disabled; -EINVAL if a required op is
 * missing; -EBUSY if sessions exist or LUO is frozen; -EEXIST for a duplicate compatible;
 * -EAGAIN if the owner module is going away.
 */
int liveupdate_register_file_handler(struct liveupdate_file_handler *fh)
{
	const struct liveupdate_file_ops *ops = fh->ops;
	int err = 0;

	if (!liveupdate_enabled())
		return -EOPNOTSUPP;
	if (!ops || !ops->can_preserve || !ops->preserve || !ops->unpreserve ||
	    !ops->retrieve || !ops->finish || !fh->compatible[0] ||
	    strnlen(fh->compatible, LIVEUPDATE_HNDL_COMPAT_LENGTH) ==
	    LIVEUPDATE_HNDL_COMPAT_LENGTH)
		return -EINVAL;
	mutex_lock(&luo_mutex);
	if (luo_frozen || luo_sessions_exist()) {
		err = -EBUSY;
	} else if (luo_file_handler(fh->compatible)) {
		err = -EEXIST;
	} else if (!try_module_get(ops->owner)) {
		err = -EAGAIN;
	} else {
		INIT_LIST_HEAD(&fh->list);
		list_add_tail(&fh->list, &luo_handlers);
	}
	mutex_unlock(&luo_mutex);
	return err;
}
EXPORT_SYMBOL_GPL(liveupdate_register_file_handler);

/**
 * liveupdate_unregister_file_handler() - undo the registration
 * @fh: a registered handler
 *
 * Return: 0; -EBUSY if sessions exist or LUO is frozen; -ENOENT if not
 * registered.
 */
int liveupdate_unregister_file_handler(struct liveupdate_file_handler *fh)
{
	int err = -ENOENT;

	mutex_lock(&luo_mutex);
	if (luo_frozen || luo_sessions_exist()) {
		err = -EBUSY;
	} else if (luo_file_handler(fh->compatible) == fh) {
		list_del(&fh->list);
		module_put(fh->ops->owner);
		err = 0;
	}
	mutex_unlock(&luo_mutex);
	return err;
}
EXPORT_SYMBOL_GPL(liveupdate_unregister_file_handler);

struct liveupdate_file_handler *luo_file_handler(const char *compatible)
{
	struct liveupdate_file_handler *fh;

	list_for_each_entry(fh, &luo_handlers, list)
		if (!strcmp(fh->compatible, compatible))
			return fh;
	return NULL;
}

static void luo_file_args(struct luo_file *f,
			  struct liveupdate_file_op_args *args)
{
	*args = (struct liveupdate_file_op_args){
		.handler = f->fh,
		.retrieved = f->status > 0,
		.file = f->file,
		.serialized_data = f->data,
		.private_data = f->private_data,
	};
}

static bool luo_file_preserved(struct file *file)
{
	struct luo_session *s;
	struct luo_file *f;

	list_for_each_entry(s, &luo_outgoing, list)
		list_for_each_entry(f, &s->files, list)
			if (f->file == file)
				return true;
	return false;
}

int luo_file_preserve(struct luo_session *s, u64 token, int fd)
{
	struct liveupdate_file_op_args args;
	struct liveupdate_file_handler *fh;
	struct file *file;
	struct luo_file *f;
	int err;

	list_for_each_entry(f, &s->files, list)
		if (f->token == token)
			return -EEXIST;
	file = fget(fd);
	if (!file)
		return -EBADF;
	err = -EBUSY;
	if (luo_file_preserved(file))
		goto put_file;
	err = -ENOENT;
	list_for_each_entry(fh, &luo_handlers, list)
		if (fh->ops->can_preserve(fh, file))
			break;
	if (list_entry_is_head(fh, &luo_handlers, list))
		goto put_file;
	err = -ENOMEM;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		goto put_file;
	f->fh = fh;
	f->file = file;
	f->token = token;
	luo_file_args(f, &args);
	err = fh->ops->preserve(&args);
	if (err)
		goto free_file;
	f->data = args.serialized_data;
	f->private_data = args.private_data;
	list_add_tail(&f->list, &s->files);
	s->nr_files++;
	return 0;

free_file:
	kfree(f);
put_file:
	fput(file);
	return err;
}

void luo_file_unpreserve_all(struct luo_session *s)
{
	struct liveupdate_file_op_args args;
	struct luo_file *f, *tmp;

	list_for_each_entry_safe_reverse(f, tmp, &s->files, list) {
		luo_file_args(f, &args);
		f->fh->ops->unpreserve(&args);
		fput(f->file);
		list_del(&f->list);
		kfree(f);
	}
	s->nr_files = 0;
}

static void luo_file_unfreeze(struct luo_file *f)
{
	struct liveupdate_file_op_args args;

	if (!f->frozen)
		return;
	if (f->fh->ops->unfreeze) {
		luo_file_args(f, &args);
		f->fh->ops->unfreeze(&args);
	}
	f->frozen = false;
}

void luo_file_unfreeze_all(void)
{
	struct luo_session *s;
	struct luo_file *f;

	list_for_each_entry_reverse(s, &luo_outgoing, list)
		list_for_each_entry_reverse(f, &s->files, list)
			luo_file_unfreeze(f);
}

/* Freeze every outgoing file in preservation order; all or nothing. */
int luo_file_freeze_all(void)
{
	struct liveupdate_file_op_args args;
	struct luo_session *s;
	struct luo_file *f;
	int err;

	list_for_each_entry(s, &luo_outgoing, list) {
		list_for_each_entry(f, &s->files, list) {
			if (f->fh->ops->freeze) {
				luo_file_args(f, &args);
				err = f->fh->ops->freeze(&args);
				if (err) {
					pr_err("session %s: freeze of token %llu failed (%d), kexec aborted\n",
					       s->name, f->token, err);
					luo_file_unfreeze_all();
					return err;
				}
				f->data = args.serialized_data;
			}
			f->frozen = true;
		}
	}
	return 0;
}

/*
 * Return a new reference to the file of @token, retrieving it once; a
 * failed retrieve is final unless the handler says it lost nothing.
 */
struct file *luo_file_retrieve(struct luo_session *s, u64 token)
{
	struct liveupdate_file_op_args args;
	struct luo_file *f;
	int err;

	list_for_each_entry(f, &s->files, list) {
		if (f->token != token)
			continue;
		if (f->status < 0)
			return ERR_PTR(f->status);
		if (f->status > 0)
			return get_file(f->file);
		if (!f->fh)
			f->fh = luo_file_handler(f->compatible);
		if (!f->fh) {
			pr_err("session %s: no handler for %s\n", s->name,
			       f->compatible);
			f->status = -ENOENT;
			return ERR_PTR(-ENOENT);
		}
		luo_file_args(f, &args);
		err = f->fh->ops->retrieve(&args);
		if (err) {
			/* E.g. a memory cgroup at its limit: may work later. */
			if (!args.retryable)
				f->status = err;
			return ERR_PTR(err);
		}
		f->file = args.file;
		f->status = 1;
		return get_file(f->file);
	}
	return ERR_PTR(-ENOENT);
}

/*
 * Give the memory of an incoming file nobody will retrieve back to its
 * handler, and free @f. Return: false if there is no handler for it (its
 * memory stays reserved).
 */
bool luo_file_release_incoming(struct luo_file *f)
{
	struct liveupdate_file_handler *fh = luo_file_handler(f->compatible);
	struct liveupdate_file_op_args args;

	if (fh) {
		f->fh = fh;
		luo_file_args(f, &args);
		fh->ops->finish(&args);
	}
	list_del(&f->list);
	kfree(f);
	return fh;
}

/* Finish every file of an incoming session: all can finish, or none. */
int luo_file_finish_all(struct luo_session *s)
{
	struct liveupdate_file_op_args args;
	struct luo_file *f, *tmp;

	list_for_each_entry(f, &s->files, list) {
		if (!f->fh)
			f->fh = luo_file_handler(f->compatible);
		if (!f->fh || !f->fh->ops->can_finish)
			continue;
		luo_file_args(f, &args);
		if (!f->fh->ops->can_finish(&args))
			return -EBUSY;
	}
	list_for_each_entry_safe_reverse(f, tmp, &s->files, list) {
		if (f->fh) {
			luo_file_args(f, &args);
			f->fh->ops->finish(&args);
		} else {
			pr_warn("session %s: no handler for %s, its memory stays reserved\n",
				s->name, f->compatible);
		}
		if (f->status > 0)
			fput(f->file);
		list_del(&f->list);
		kfree(f);
	}
	s->nr_files = 0;
	s->finished = true;
	return 0;
}
