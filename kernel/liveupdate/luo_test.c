// SPDX-License-Identifier: GPL-2.0-only
/*
 * A LUO file handler for tests (CONFIG_LIVEUPDATE_TEST), so that LUO is
 * tested without memfd. Each open of /dev/liveupdate_test is an object
 * holding up to LUO_TEST_MAX bytes (write replaces, read returns them).
 * Preserved objects are handed over in one page; contents written after
 * preserve are picked up at freeze. Contents starting with "fail-freeze"
 * make freeze fail, "busy-finish" makes can_finish say no.
 *
 * Knobs in debugfs, liveupdate_test/:
 *   frozen     1: run the reboot path (liveupdate_reboot()) without
 *              kexecing; 0: abort it (liveupdate_reboot_abort())
 *   preserved  test objects preserved now in this kernel
 *   released   handed-over test objects finished without a retrieve
 *              (their page given back)
 *   corrupt    damage the sessions written at the next freeze: "dups"
 *              renames a session "NAME#dup" to "NAME" and clears bit 63
 *              of every token; "overlap" makes the second session's
 *              files start at the first file; "none"
 */
#define pr_fmt(fmt) "liveupdate_test: " fmt

#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/luo.h>
#include <linux/liveupdate.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "luo_internal.h"

#define LUO_TEST_MAX	1024

struct luo_test_obj {
	size_t len;
	char buf[LUO_TEST_MAX];
};

/* The preserved page: ABI between two kernels running this test. */
struct luo_test_ser {
	__le64 len;
	char buf[LUO_TEST_MAX];
};

static const struct file_operations luo_test_fops;

static atomic_long_t luo_test_preserved, luo_test_released;

static int luo_test_open(struct inode *inode, struct file *file)
{
	file->private_data = kzalloc(sizeof(struct luo_test_obj), GFP_KERNEL);
	return file->private_data ? 0 : -ENOMEM;
}

static int luo_test_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static ssize_t luo_test_read(struct file *file, char __user *buf, size_t len,
			     loff_t *ppos)
{
	struct luo_test_obj *o = file->private_data;

	return simple_read_from_buffer(buf, len, ppos, o->buf, o->len);
}

static ssize_t luo_test_write(struct file *file, const char __user *buf,
			      size_t len, loff_t *ppos)
{
	struct luo_test_obj *o = file->private_data;

	if (len > LUO_TEST_MAX)
		return -EFBIG;
	if (copy_from_user(o->buf, buf, len))
		return -EFAULT;
	o->len = len;
	return len;
}

static const struct file_operations luo_test_fops = {
	.owner = THIS_MODULE,
	.open = luo_test_open,
	.release = luo_test_release,
	.read = luo_test_read,
	.write = luo_test_write,
};

static struct miscdevice luo_test_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "liveupdate_test",
	.fops = &luo_test_fops,
	.mode = 0600,
};

static bool luo_test_can_preserve(struct liveupdate_file_handler *fh,
				  struct file *file)
{
	return file->f_op == &luo_test_fops;
}

static void luo_test_copy(struct liveupdate_file_op_args *args)
{
	struct luo_test_obj *o = args->file->private_data;
	struct luo_test_ser *ser = args->private_data;

	ser->len = cpu_to_le64(o->len);
	memcpy(ser->buf, o->buf, o->len);
}

static int luo_test_preserve(struct liveupdate_file_op_args *args)
{
	struct luo_test_ser *ser = kho_alloc_preserve(sizeof(*ser));

	if (IS_ERR(ser))
		return PTR_ERR(ser);
	args->private_data = ser;
	luo_test_copy(args);
	args->serialized_data = virt_to_phys(ser);
	atomic_long_inc(&luo_test_preserved);
	return 0;
}

static void luo_test_unpreserve(struct liveupdate_file_op_args *args)
{
	kho_unpreserve_free(args->private_data);
	atomic_long_dec(&luo_test_preserved);
}

static int luo_test_freeze(struct liveupdate_file_op_args *args)
{
	struct luo_test_obj *o = args->file->private_data;

	if (o->len >= 11 && !memcmp(o->buf, "fail-freeze", 11))
		return -EIO;
	luo_test_copy(args);
	return 0;
}

static int luo_test_retrieve(struct liveupdate_file_op_args *args)
{
	struct folio *folio = kho_restore_folio(args->serialized_data);
	struct luo_test_ser *ser;
	struct luo_test_obj *o;
	struct file *file;
	int err = -EINVAL;

	if (!folio)
		return -EINVAL;
	ser = folio_address(folio);
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o) {
		err = -ENOMEM;
		goto put_folio;
	}
	if (le64_to_cpu(ser->len) > LUO_TEST_MAX)
		goto free_obj;
	o->len = le64_to_cpu(ser->len);
	memcpy(o->buf, ser->buf, o->len);
	file = anon_inode_getfile("[liveupdate_test]", &luo_test_fops, o, O_RDWR);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto free_obj;
	}
	/* Like the device's own files: positional I/O works. */
	file->f_mode |= FMODE_PREAD | FMODE_PWRITE;
	args->file = file;
	folio_put(folio);
	return 0;

free_obj:
	kfree(o);
put_folio:
	folio_put(folio);
	return err;
}

static bool luo_test_can_finish(struct liveupdate_file_op_args *args)
{
	struct luo_test_obj *o = args->file ? args->file->private_data : NULL;

	return !o || o->len < 11 || memcmp(o->buf, "busy-finish", 11);
}

static void luo_test_finish(struct liveupdate_file_op_args *args)
{
	struct folio *folio;

	if (args->retrieved)
		return;
	folio = kho_restore_folio(args->serialized_data);
	if (folio) {
		folio_put(folio);
		atomic_long_inc(&luo_test_released);
	}
}

static const struct liveupdate_file_ops luo_test_ops = {
	.can_preserve = luo_test_can_preserve,
	.preserve = luo_test_preserve,
	.unpreserve = luo_test_unpreserve,
	.freeze = luo_test_freeze,
	.retrieve = luo_test_retrieve,
	.can_finish = luo_test_can_finish,
	.finish = luo_test_finish,
	.owner = THIS_MODULE,
};

static struct liveupdate_file_handler luo_test_handler = {
	.ops = &luo_test_ops,
	.compatible = "liveupdate-test-v1",
};

static DEFINE_MUTEX(luo_test_knob_lock);
static bool luo_test_frozen;

static int luo_test_frozen_get(void *data, u64 *val)
{
	*val = luo_test_frozen;
	return 0;
}

static int luo_test_frozen_set(void *data, u64 val)
{
	int err = 0;

	guard(mutex)(&luo_test_knob_lock);
	if (!!val == luo_test_frozen)
		return -EINVAL;
	if (val)
		err = liveupdate_reboot();
	else
		liveupdate_reboot_abort();
	if (!err)
		luo_test_frozen = val;
	return err;
}
DEFINE_DEBUGFS_ATTRIBUTE(luo_test_frozen_fops, luo_test_frozen_get,
			 luo_test_frozen_set, "%llu\n");

static int luo_test_count_get(void *data, u64 *val)
{
	*val = atomic_long_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(luo_test_count_fops, luo_test_count_get, NULL,
			 "%llu\n");

static const char * const luo_test_corruptions[] = { "none", "dups", "overlap" };
static unsigned int luo_test_corruption;

/* Called by luo_session_serialize() with the state it is about to hand over. */
void luo_test_corrupt_state(void *state)
{
	struct luo_state_ser *hdr = state;
	struct luo_session_ser *ss = (void *)(hdr + 1);
	u32 nr_sessions = le32_to_cpu(hdr->nr_sessions);
	struct luo_file_ser *fs = (void *)(ss + nr_sessions);
	u64 i, nr_files = le64_to_cpu(hdr->nr_files);
	char *mark;

	switch (luo_test_corruption) {
	case 1:
		for (i = 0; i < nr_sessions; i++) {
			mark = strstr(ss[i].name, "#dup");
			if (mark && !mark[4])
				*mark = 0;
		}
		for (i = 0; i < nr_files; i++)
			fs[i].token &= ~cpu_to_le64(BIT_ULL(63));
		break;
	case 2:
		if (nr_sessions > 1)
			ss[1].first_file = 0;
		break;
	default:
		return;
	}
	pr_warn("sessions deliberately corrupted (%s)\n",
		luo_test_corruptions[luo_test_corruption]);
}

static ssize_t luo_test_corrupt_write(struct file *file,
				      const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	char buf[16];
	int i;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	i = sysfs_match_string(luo_test_corruptions, strim(buf));
	if (i < 0)
		return i;
	guard(mutex)(&luo_mutex);
	luo_test_corruption = i;
	return len;
}

static const struct file_operations luo_test_corrupt_fops = {
	.write = luo_test_corrupt_write,
};

static void __init luo_test_debugfs(void)
{
	struct dentry *dir = debugfs_create_dir("liveupdate_test", NULL);

	debugfs_create_file("frozen", 0600, dir, NULL, &luo_test_frozen_fops);
	debugfs_create_file("preserved", 0400, dir, &luo_test_preserved,
			    &luo_test_count_fops);
	debugfs_create_file("released", 0400, dir, &luo_test_released,
			    &luo_test_count_fops);
	debugfs_create_file("corrupt", 0200, dir, NULL, &luo_test_corrupt_fops);
}

static int __init luo_test_init(void)
{
	int err = liveupdate_register_file_handler(&luo_test_handler);

	if (err == -EOPNOTSUPP)
		return 0;
	if (err)
		return err;
	err = misc_register(&luo_test_dev);
	if (err) {
		liveupdate_unregister_file_handler(&luo_test_handler);
		return err;
	}
	luo_test_debugfs();
	return 0;
}
late_initcall_sync(luo_test_init);
