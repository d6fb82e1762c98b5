// SPDX-License-Identifier: GPL-2.0-only
/*
 * hugetlb memfds and live update: not supported yet. This stub claims
 * hugetlbfs files so that preserving one fails clearly (EOPNOTSUPP and
 * one log line) instead of "no handler", and registers the "hugetlb"
 * family with the registry, with neither read nor write capability, so
 * that the catalog shows the gap.
 *
 * What a real implementation must do, per format operation:
 *  - store: pin every huge folio of the file (hugetlb folios are never
 *    in KHO scratch, but must not be freed to the pool while preserved),
 *    kho_preserve_folio() each, and record (index, PFN, hstate order)
 *    with the file size and seals, e.g. in a kho_array keyed by index;
 *    also the reservation state (resv_map) so the next kernel does not
 *    over-commit the pool.
 *  - unstore: unpreserve and unpin.
 *  - restore: the next kernel must take the huge pages out of the free
 *    pool accounting it built at boot (they were reserved by KHO, not
 *    given to the pool), set them up as hugetlb folios of the right
 *    hstate (folio_set_hugetlb, hugetlb cgroup and subpool charges) and
 *    add them to a new hugetlbfs file's page cache.
 *  - discard: free them into the hugetlb pool of their hstate.
 */
#define pr_fmt(fmt) "hugetlb_luo: " fmt

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/kho_registry.h>
#include <linux/liveupdate.h>
#include <linux/module.h>

static int hugetlb_luo_store(const struct kho_format *fmt, void *obj,
			     u64 *handle)
{
	return -EOPNOTSUPP;
}

static void hugetlb_luo_unstore(const struct kho_format *fmt, void *obj,
				u64 handle)
{
}

static void *hugetlb_luo_restore(const struct kho_format *fmt, u64 handle)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static void hugetlb_luo_discard(const struct kho_format *fmt, u64 handle)
{
}

static const struct kho_format_ops hugetlb_luo_format_ops = {
	.store = hugetlb_luo_store,
	.unstore = hugetlb_luo_unstore,
	.restore = hugetlb_luo_restore,
	.discard = hugetlb_luo_discard,
};

KHO_FORMAT(hugetlb_v1, "hugetlb", 1, 0, &hugetlb_luo_format_ops);

static bool hugetlb_luo_can_preserve(struct liveupdate_file_handler *fh,
				     struct file *file)
{
	return is_file_hugepages(file);
}

static int hugetlb_luo_preserve(struct liveupdate_file_op_args *args)
{
	pr_info("preserving hugetlb memfds is not supported\n");
	return -EOPNOTSUPP;
}

static void hugetlb_luo_unpreserve(struct liveupdate_file_op_args *args)
{
}

static int hugetlb_luo_retrieve(struct liveupdate_file_op_args *args)
{
	return -EOPNOTSUPP;
}

static void hugetlb_luo_finish(struct liveupdate_file_op_args *args)
{
}

static const struct liveupdate_file_ops hugetlb_luo_ops = {
	.can_preserve = hugetlb_luo_can_preserve,
	.preserve = hugetlb_luo_preserve,
	.unpreserve = hugetlb_luo_unpreserve,
	.retrieve = hugetlb_luo_retrieve,
	.finish = hugetlb_luo_finish,
	.owner = THIS_MODULE,
};

static struct liveupdate_file_handler hugetlb_luo_handler = {
	.ops = &hugetlb_luo_ops,
	.compatible = "hugetlb",
};

static int __init hugetlb_luo_init(void)
{
	int err = liveupdate_register_file_handler(&hugetlb_luo_handler);

	if (err && err != -EOPNOTSUPP)
		pr_err("cannot register (%d)\n", err);
	return 0;
}
late_initcall(hugetlb_luo_init);
