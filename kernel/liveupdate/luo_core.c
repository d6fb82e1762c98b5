// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live Update Orchestrator core: the liveupdate= parameter, /dev/liveupdate
 * (root only, one opener at a time), its ioctls, the LUO subtree of the
 * KHO handover, and freezing on the kexec reboot path.
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/luo.h>
#include <linux/kho_registry.h>
#include <linux/libfdt.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "luo_internal.h"

DEFINE_MUTEX(luo_mutex);
/*
 * Between a successful luo_freeze() and luo_unfreeze(): the sessions were
 * written for the next kernel, so nothing about them may change.
 */
bool luo_frozen;

static bool luo_enable __ro_after_init;
static atomic_t luo_in_use = ATOMIC_INIT(0);
static bool luo_deserialized;
static u64 luo_number;

static int __init luo_parse_enable(char *p)
{
	return kstrtobool(p, &luo_enable);
}
early_param("liveupdate", luo_parse_enable);

/**
 * liveupdate_enabled() - is LUO on for this boot
 *
 * Return: true if liveupdate=on was given and KHO is enabled.
 */
bool liveupdate_enabled(void)
{
	return luo_enable;
}
EXPORT_SYMBOL_GPL(liveupdate_enabled);

int luo_copy_args(void *args, size_t size, size_t min_size, void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < min_size)
		return -EINVAL;
	return copy_struct_from_user(args, size, uarg, usize);
}

/* Answer in the caller's layout: at most the size it gave (args->size). */
int luo_copy_back(void __user *uarg, const void *args, size_t size)
{
	return copy_to_user(uarg, args, min_t(size_t, *(const u32 *)args, size)) ?
	       -EFAULT : 0;
}

/* The LUO FDT of the previous kernel, claimed at init until deserialized. */
static struct folio *luo_in_fdt;

/* Read the sessions of the previous kernel, once, at the first open. */
static void luo_deserialize_once(void)
{
	if (luo_deserialized)
		return;
	luo_deserialized = true;
	if (!luo_in_fdt)
		return;
	luo_session_deserialize(folio_address(luo_in_fdt));
	folio_put(luo_in_fdt);
	luo_in_fdt = NULL;
}

/* Claim and check the LUO FDT of the previous kernel, if any. */
static void __init luo_claim_incoming(void)
{
	const fdt64_t *num;
	phys_addr_t phys;
	const void *fdt;
	int len;

	if (kho_retrieve_subtree(LUO_FDT_NODE, &phys))
		return;
	luo_in_fdt = kho_restore_folio(phys);
	if (!luo_in_fdt)
		goto invalid;
	fdt = folio_address(luo_in_fdt);
	if (fdt_check_header(fdt) ||
	    fdt_totalsize(fdt) > folio_size(luo_in_fdt) ||
	    fdt_node_check_compatible(fdt, 0, LUO_FDT_COMPATIBLE))
		goto put_fdt;
	num = fdt_getprop(fdt, 0, LUO_FDT_NUMBER, &len);
	if (num && len == sizeof(*num))
		luo_number = fdt64_to_cpu(*num);
	return;

put_fdt:
	folio_put(luo_in_fdt);
	luo_in_fdt = NULL;
invalid:
	pr_err("invalid LUO handover from the previous kernel, ignored\n");
}

static int luo_open(struct inode *inode, struct file *file)
{
	if (atomic_cmpxchg(&luo_in_use, 0, 1))
		return -EBUSY;
	mutex_lock(&luo_mutex);
	luo_deserialize_once();
	mutex_unlock(&luo_mutex);
	return 0;
}

static int luo_release(struct inode *inode, struct file *file)
{
	atomic_set(&luo_in_use, 0);
	return 0;
}

/* CREATE_SESSION and RETRIEVE_SESSION share their argument layout. */
static long luo_session_cmd(unsigned int cmd, void __user *uarg)
{
	struct liveupdate_ioctl_create_session args;
	struct file *file;
	int err, fd;

	static_assert(sizeof(struct liveupdate_ioctl_create_session) ==
		      sizeof(struct liveupdate_ioctl_retrieve_session));
	err = luo_copy_args(&args, sizeof(args), offsetofend(typeof(args), name),
			    uarg);
	if (err)
		return err;
	if (!args.name[0] || !memchr(args.name, '\0', sizeof(args.name)))
		return -EINVAL;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	mutex_lock(&luo_mutex);
	if (luo_frozen)
		err = -EBUSY;
	else if (cmd == LIVEUPDATE_IOCTL_CREATE_SESSION)
		err = luo_session_create((char *)args.name, &file);
	else
		err = luo_session_retrieve((char *)args.name, &file);
	mutex_unlock(&luo_mutex);
	if (err)
		goto put_fd;
	args.fd = fd;
	err = luo_copy_back(uarg, &args, sizeof(args));
	if (err) {
		/*
		 * Undo: a created session goes away with its fd; a retrieved
		 * one stays retrievable (closing it would finish it).
		 */
		if (cmd == LIVEUPDATE_IOCTL_RETRIEVE_SESSION)
			luo_session_unretrieve(file);
		fput(file);
		goto put_fd;
	}
	fd_install(fd, file);
	return 0;

put_fd:
	put_unused_fd(fd);
	return err;
}

static long luo_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case LIVEUPDATE_IOCTL_CREATE_SESSION:
	case LIVEUPDATE_IOCTL_RETRIEVE_SESSION:
		return luo_session_cmd(cmd, (void __user *)arg);
	}
	if (_IOC_TYPE(cmd) == LIVEUPDATE_IOCTL_TYPE &&
	    _IOC_NR(cmd) > LIVEUPDATE_CMD_RETRIEVE_SESSION)
		return -EINVAL;
	return -ENOTTY;
}

static const struct file_operations luo_fops = {
	.owner = THIS_MODULE,
	.open = luo_open,
	.release = luo_release,
	.unlocked_ioctl = luo_ioctl,
};

static struct miscdevice luo_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "liveupdate",
	.fops = &luo_fops,
	.mode = 0600,
};

/**
 * luo_freeze() - freeze every preserved file and write the sessions
 *
 * Called by liveupdate_reboot() before the point of no return of a kexec.
 *
 * Return: 0; -EBUSY if LUO is frozen already (another reboot path, or the
 * test knob, is under way); or an error after which nothing is frozen.
 */
int luo_freeze(void)
{
	int err;

	if (!luo_enable)
		return 0;
	mutex_lock(&luo_mutex);
	if (luo_frozen) {
		mutex_unlock(&luo_mutex);
		return -EBUSY;
	}
	err = luo_file_freeze_all();
	if (!err) {
		err = luo_session_serialize();
		if (err) {
			pr_err("cannot write the sessions (%d), kexec aborted\n",
			       err);
			luo_file_unfreeze_all();
		}
	}
	luo_frozen = !err;
	mutex_unlock(&luo_mutex);
	return err;
}

/**
 * luo_unfreeze() - undo luo_freeze(): the kexec will not happen
 *
 * Sessions whose last fd was closed while frozen are closed now: an
 * outgoing one is unpreserved, an incoming one finished. Does nothing if
 * LUO is not frozen.
 */
void luo_unfreeze(void)
{
	if (!luo_enable)
		return;
	mutex_lock(&luo_mutex);
	if (luo_frozen) {
		luo_session_unserialize();
		luo_file_unfreeze_all();
		luo_frozen = false;
		luo_session_close_deferred();
	}
	mutex_unlock(&luo_mutex);
}

/**
 * liveupdate_reboot() - last step before a kexec reboot
 *
 * Called by kernel_kexec() before the point of no return: LUO freezes
 * its files and writes its sessions, the target catalog is checked, KHO
 * writes the map of preserved memory. An error undoes all of it, aborts
 * the kexec and the system keeps running.
 *
 * Return: 0, the error of luo_freeze(), -ENOEXEC if a target catalog is
 * set and the target cannot read some object (see
 * kho_registry_check_target()), or the error of kho_finalize().
 */
int liveupdate_reboot(void)
{
	int err;

	if (!kho_is_enabled())
		return 0;
	err = luo_freeze();
	if (err)
		return err;
	err = kho_registry_check_target();
	if (err) {
		pr_err("the target kernel cannot read what is handed over, kexec aborted\n");
		goto unfreeze;
	}
	err = kho_finalize();
	if (err) {
		pr_err("cannot write the map of preserved memory (%d), kexec aborted\n",
		       err);
		goto unfreeze;
	}
	return 0;

unfreeze:
	luo_unfreeze();
	return err;
}

/**
 * liveupdate_reboot_abort() - undo a successful liveupdate_reboot()
 *
 * Called by kernel_kexec() when the kexec fails after liveupdate_reboot()
 * returned 0: KHO drops its map, then LUO unfreezes its files and sessions.
 * The system keeps running as if no kexec had been tried.
 */
void liveupdate_reboot_abort(void)
{
	if (!kho_is_enabled())
		return;
	kho_abort();
	luo_unfreeze();
}

static int __init luo_init(void)
{
	int err;

	if (!luo_enable)
		return 0;
	if (!kho_is_enabled()) {
		pr_info("disabled because kexec handover is disabled\n");
		luo_enable = false;
		return 0;
	}
	luo_claim_incoming();
	luo_fdt = kho_alloc_fdt(LUO_FDT_COMPATIBLE);
	if (IS_ERR(luo_fdt)) {
		err = PTR_ERR(luo_fdt);
		goto disable;
	}
	err = fdt_setprop_u64(luo_fdt, 0, LUO_FDT_NUMBER, luo_number + 1);
	if (err) {
		err = -EINVAL;
		goto free_fdt;
	}
	err = kho_add_subtree(LUO_FDT_NODE, luo_fdt);
	if (err)
		goto free_fdt;
	err = misc_register(&luo_miscdev);
	if (err)
		goto remove_subtree;
	pr_info("live update %llu, /dev/liveupdate ready\n", luo_number);
	return 0;

remove_subtree:
	kho_remove_subtree(luo_fdt);
free_fdt:
	kho_unpreserve_free(luo_fdt);
disable:
	luo_enable = false;
	pr_err("cannot start (%d), disabled\n", err);
	return 0;
}
late_initcall(luo_init);
