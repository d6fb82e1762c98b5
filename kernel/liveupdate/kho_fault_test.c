// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hook for the fault-injection scenario (tools/testing/vm/fault-inject.c):
 * runs the in-kernel library paths on demand, in the context of the task
 * that asks, so that /proc/thread-self/fail-nth (or make-it-fail) makes
 * exactly the Nth allocation of the path fail. Built with
 * CONFIG_KEXEC_HANDOVER_SELFTEST; nothing runs unless debugfs is written.
 *
 * debugfs kho_fault/:
 *   op     write "run PATH": run the path; the write returns its error.
 *          After an error the hook checks that nothing of the attempt is
 *          left (preserved blocks, array contents); after a success it
 *          checks the result is complete and keeps it. "undo PATH" undoes
 *          a kept result. "handover" hands every kept result over in the
 *          subtree "kho-fault-test"; "verify" (next kernel) restores and
 *          checks them byte for byte. PATH is kho-preserve, kho-vmalloc,
 *          kho-array (stores into a preserved array) or registry.
 *   stats  read: drain the per-CPU page lists, then "free_pages
 *          slab_pages vmalloc_pages kho_blocks violations".
 * Each violation is one pr_err line starting with "FAIL".
 */
#define pr_fmt(fmt) "kho_fault_test: " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho_array.h>
#include <linux/kho_registry.h>
#include <linux/kho_vmalloc.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>
#include "kho_internal.h"

#define NODE		"kho-fault-test"
#define COMPAT		"kho-fault-test-v1"
#define RANGE_ORDER	7
#define RANGE_FIRST	1
#define RANGE_PAGES	120
#define VMALLOC_SIZE	(600 * 1024)
#define ARRAY_BASE	1000
#define ARRAY_ADD	2000

enum { KFT_PRESERVE, KFT_VMALLOC, KFT_ARRAY, KFT_REGISTRY, KFT_NR };
static const char * const kft_paths[KFT_NR] = {
	"kho-preserve", "kho-vmalloc", "kho-array", "registry",
};

static DEFINE_MUTEX(kft_lock);
static unsigned long kft_violations;
static bool kft_kept[KFT_NR];
static struct folio *kft_folios[MAX_PAGE_ORDER + 1];
static struct page *kft_range;
static void *kft_vbuf;
static struct kho_vmalloc kft_vdesc;
static struct kho_array kft_array;
static phys_addr_t kft_array_phys;
static u64 kft_handle;
static void *kft_fdt;

#define kft_fail(fmt, ...)						\
	do {								\
		pr_err("FAIL " fmt "\n", ##__VA_ARGS__);		\
		kft_violations++;					\
	} while (0)

static u64 kft_word(u32 seed, unsigned long i)
{
	return ((u64)seed << 40) ^ (i * 0x9e3779b97f4a7c15ULL) ^ 0x5a5a;
}

static void kft_fill(void *p, size_t bytes, u32 seed)
{
	u64 *w = p;
	size_t i;

	for (i = 0; i < bytes / 8; i++)
		w[i] = kft_word(seed, i);
}

static bool kft_check(const void *p, size_t bytes, u32 seed)
{
	const u64 *w = p;
	size_t i;

	for (i = 0; i < bytes / 8; i++)
		if (w[i] != kft_word(seed, i))
			return false;
	return true;
}

/* Array entries: ARRAY_BASE at setup, ARRAY_ADD more per run. */
static unsigned long kft_index(unsigned long i)
{
	return (i * 7919 + (i & 3)) * 1021;
}

static u64 kft_value(unsigned long index)
{
	return index * 3 + 1;
}

/* Registry family of this test: each store writes a page in v1 and v2. */
static int kft_store(const struct kho_format *f, void *obj, u64 *handle)
{
	void *p = kho_alloc_preserve(PAGE_SIZE);

	if (IS_ERR(p))
		return PTR_ERR(p);
	kft_fill(p, PAGE_SIZE, 100 + f->version);
	*handle = virt_to_phys(p);
	return 0;
}

static void kft_unstore(const struct kho_format *f, void *obj, u64 handle)
{
	kho_unpreserve_free(phys_to_virt(handle));
}

static void *kft_restore(const struct kho_format *f, u64 handle)
{
	struct folio *folio = kho_restore_folio(handle);
	bool ok;

	if (!folio)
		return ERR_PTR(-EINVAL);
	ok = kft_check(folio_address(folio), PAGE_SIZE, 100 + f->version);
	folio_put(folio);
	/* Any non-NULL pointer: the caller only needs success. */
	return ok ? (void *)f : ERR_PTR(-EINVAL);
}

static void kft_discard(const struct kho_format *f, u64 handle)
{
	kho_restore_free(phys_to_virt(handle));
}

static const struct kho_format_ops kft_ops = {
	.store = kft_store,
	.unstore = kft_unstore,
	.restore = kft_restore,
	.discard = kft_discard,
};

KHO_FORMAT(kho_fault_v1, "kho-fault-test", 1, KHO_FORMAT_READ |
	   KHO_FORMAT_WRITE | KHO_FORMAT_WRITE_DEFAULT, &kft_ops);
KHO_FORMAT(kho_fault_v2, "kho-fault-test", 2, KHO_FORMAT_READ |
	   KHO_FORMAT_WRITE | KHO_FORMAT_WRITE_DEFAULT, &kft_ops);

static int kft_array_build(void)
{
	unsigned long i;
	int err = 0;

	kho_array_init(&kft_array);
	for (i = 0; i < ARRAY_BASE && !err; i++)
		err = kho_array_store(&kft_array, kft_index(i),
				      kft_value(kft_index(i)));
	return err ?: kho_array_preserve(&kft_array, &kft_array_phys);
}

static void kft_array_drop(void)
{
	kho_array_unpreserve(&kft_array);
	kho_array_destroy(&kft_array);
}

/* Does the array hold exactly its first @n entries? */
static bool kft_array_holds(struct kho_array *a, unsigned long n)
{
	unsigned long i;

	if (a->nr_entries != n)
		return false;
	for (i = 0; i < n; i++)
		if (kho_array_load(a, kft_index(i)) != kft_value(kft_index(i)))
			return false;
	return true;
}

static void kft_teardown(void)
{
	unsigned int o;

	for (o = 0; o <= MAX_PAGE_ORDER; o++) {
		if (kft_folios[o])
			folio_put(kft_folios[o]);
		kft_folios[o] = NULL;
	}
	if (kft_range)
		__free_pages(kft_range, RANGE_ORDER);
	kft_range = NULL;
	vfree(kft_vbuf);
	kft_vbuf = NULL;
	if (kft_array.ops)
		kft_array_drop();
	memset(&kft_array, 0, sizeof(kft_array));
}

/* Fixtures, made once before any fault is injected. */
static int kft_setup(void)
{
	unsigned int o;

	if (kft_vbuf)
		return 0;
	for (o = 0; o <= MAX_PAGE_ORDER; o++) {
		kft_folios[o] = folio_alloc(GFP_KERNEL, o);
		if (!kft_folios[o])
			goto teardown;
		kft_fill(folio_address(kft_folios[o]), PAGE_SIZE << o, o);
	}
	kft_range = alloc_pages(GFP_KERNEL, RANGE_ORDER);
	kft_vbuf = vmalloc(VMALLOC_SIZE);
	if (!kft_range || !kft_vbuf)
		goto teardown;
	kft_fill(page_address(kft_range + RANGE_FIRST), RANGE_PAGES * PAGE_SIZE,
		 20);
	kft_fill(kft_vbuf, VMALLOC_SIZE, 30);
	if (kft_array_build())
		goto teardown;
	return 0;

teardown:
	kft_teardown();
	return -ENOMEM;
}

static int kft_run_preserve(void)
{
	unsigned int o;
	int err = 0;

	for (o = 0; o <= MAX_PAGE_ORDER && !err; o++)
		err = kho_preserve_folio(kft_folios[o]);
	if (err) {
		/* The failed call left nothing: undo the ones before it. */
		for (o -= 1; o > 0; o--)
			kho_unpreserve_folio(kft_folios[o - 1]);
		return err;
	}
	err = kho_preserve_pages(kft_range + RANGE_FIRST, RANGE_PAGES);
	if (err) {
		for (o = 0; o <= MAX_PAGE_ORDER; o++)
			kho_unpreserve_folio(kft_folios[o]);
	}
	return err;
}

static void kft_undo_preserve(void)
{
	unsigned int o;

	for (o = 0; o <= MAX_PAGE_ORDER; o++)
		if (kho_unpreserve_folio(kft_folios[o]))
			kft_fail("kho-preserve: folio of order %u was not preserved", o);
	if (kho_unpreserve_pages(kft_range + RANGE_FIRST, RANGE_PAGES))
		kft_fail("kho-preserve: the page range was not preserved");
}

static int kft_run_array(void)
{
	unsigned long i;
	int err = 0;

	for (i = ARRAY_BASE; i < ARRAY_BASE + ARRAY_ADD && !err; i++)
		err = kho_array_store(&kft_array, kft_index(i),
				      kft_value(kft_index(i)));
	if (!err) {
		if (!kft_array_holds(&kft_array, ARRAY_BASE + ARRAY_ADD) ||
		    kho_array_check(&kft_array))
			kft_fail("kho-array: stores succeeded, entries missing");
		return 0;
	}
	/* A failed store leaves the array as it was: i - 1 stores done. */
	if (!kft_array_holds(&kft_array, i - 1) || kho_array_check(&kft_array))
		kft_fail("kho-array: a failed store changed the array");
	return err;
}

/* Back to the array of setup, preserved; no fault is injected here. */
static void kft_undo_array(void)
{
	kft_array_drop();
	if (kft_array_build())
		kft_fail("kho-array: cannot rebuild the array");
}

static int kft_run(unsigned int path)
{
	unsigned long blocks = kho_out.nr_blocks;
	int err;

	if (kft_kept[path])
		return -EBUSY;
	switch (path) {
	case KFT_PRESERVE:
		err = kft_run_preserve();
		break;
	case KFT_VMALLOC:
		err = kho_preserve_vmalloc(kft_vbuf, &kft_vdesc);
		break;
	case KFT_ARRAY:
		err = kft_run_array();
		break;
	default:
		err = kho_registry_store("kho-fault-test", NULL, &kft_handle);
		break;
	}
	if (!err) {
		kft_kept[path] = true;
		return 0;
	}
	/* kho-array may keep the stores before the failed one. */
	if (path != KFT_ARRAY && kho_out.nr_blocks != blocks)
		kft_fail("%s: error %d left %ld preserved blocks", kft_paths[path],
			 err, (long)(kho_out.nr_blocks - blocks));
	if (path == KFT_ARRAY)
		kft_undo_array();
	return err;
}

static int kft_undo(unsigned int path)
{
	if (!kft_kept[path])
		return -ENOENT;
	switch (path) {
	case KFT_PRESERVE:
		kft_undo_preserve();
		break;
	case KFT_VMALLOC:
		kho_unpreserve_vmalloc(&kft_vdesc);
		break;
	case KFT_ARRAY:
		kft_undo_array();
		break;
	default:
		if (kho_registry_unstore(kft_handle, NULL))
			kft_fail("registry: the stored object is not live");
		break;
	}
	kft_kept[path] = false;
	return 0;
}

/* Hand every kept result over; no fault is injected here. */
static int kft_handover(void)
{
	int err;

	if (kft_fdt)
		return -EBUSY;
	kft_fdt = kho_alloc_fdt(COMPAT);
	if (IS_ERR(kft_fdt)) {
		err = PTR_ERR(kft_fdt);
		kft_fdt = NULL;
		return err;
	}
	err = fdt_setprop_u32(kft_fdt, 0, "kept",
			      kft_kept[KFT_PRESERVE] << KFT_PRESERVE |
			      kft_kept[KFT_VMALLOC] << KFT_VMALLOC |
			      kft_kept[KFT_ARRAY] << KFT_ARRAY |
			      kft_kept[KFT_REGISTRY] << KFT_REGISTRY);
	err = err ?: fdt_setprop(kft_fdt, 0, "vmalloc", &kft_vdesc,
				 sizeof(kft_vdesc));
	err = err ?: fdt_setprop_u64(kft_fdt, 0, "array", kft_array_phys);
	err = err ?: fdt_setprop_u64(kft_fdt, 0, "registry", kft_handle);
	if (!err) {
		unsigned int o;

		/* The folios' addresses, one property each. */
		for (o = 0; o <= MAX_PAGE_ORDER && !err; o++) {
			char name[16];

			snprintf(name, sizeof(name), "folio%u", o);
			err = fdt_setprop_u64(kft_fdt, 0, name,
					      folio_pfn(kft_folios[o]));
		}
		err = err ?: fdt_setprop_u64(kft_fdt, 0, "range",
					     page_to_pfn(kft_range + RANGE_FIRST));
	}
	err = err ? -EINVAL : kho_add_subtree(NODE, kft_fdt);
	if (err) {
		kho_unpreserve_free(kft_fdt);
		kft_fdt = NULL;
	}
	return err;
}

static u64 kft_prop(const void *fdt, const char *name)
{
	const fdt64_t *p = fdt_getprop(fdt, 0, name, NULL);

	return p ? fdt64_to_cpu(*p) : 0;
}

static void kft_verify_preserve(const void *fdt)
{
	struct page *range;
	unsigned int o;
	char name[16];

	for (o = 0; o <= MAX_PAGE_ORDER; o++) {
		struct folio *folio;

		snprintf(name, sizeof(name), "folio%u", o);
		folio = kho_restore_folio(PFN_PHYS(kft_prop(fdt, name)));
		if (!folio || folio_order(folio) != o ||
		    !kft_check(folio_address(folio), PAGE_SIZE << o, o))
			kft_fail("kho-preserve: folio of order %u lost or damaged", o);
		if (folio)
			folio_put(folio);
	}
	range = kho_restore_pages(PFN_PHYS(kft_prop(fdt, "range")), RANGE_PAGES);
	if (!range ||
	    !kft_check(page_address(range), RANGE_PAGES * PAGE_SIZE, 20)) {
		kft_fail("kho-preserve: page range lost or damaged");
	}
	for (o = 0; range && o < RANGE_PAGES; o++)
		__free_page(range + o);
}

static void kft_verify_vmalloc(const void *fdt)
{
	const void *p;
	void *buf;
	int len;

	p = fdt_getprop(fdt, 0, "vmalloc", &len);
	if (!p || len != sizeof(struct kho_vmalloc)) {
		kft_fail("kho-vmalloc: no handle");
		return;
	}
	buf = kho_restore_vmalloc(p);
	if (!buf || !kft_check(buf, VMALLOC_SIZE, 30))
		kft_fail("kho-vmalloc: buffer lost or damaged");
	vfree(buf);
}

static void kft_verify_array(const void *fdt)
{
	struct kho_array a;

	kho_array_init(&a);
	if (kho_array_restore(&a, kft_prop(fdt, "array")) ||
	    !kft_array_holds(&a, ARRAY_BASE + ARRAY_ADD))
		kft_fail("kho-array: array lost or incomplete");
	kho_array_destroy(&a);
}

static void kft_verify_registry(const void *fdt)
{
	void *obj = kho_registry_restore("kho-fault-test",
					 kft_prop(fdt, "registry"));

	if (IS_ERR(obj))
		kft_fail("registry: object not restored (%ld)", PTR_ERR(obj));
}

static int kft_verify(void)
{
	unsigned long before = kft_violations;
	phys_addr_t phys;
	const void *fdt;
	u32 kept;
	const fdt32_t *p;

	if (kho_retrieve_subtree(NODE, &phys))
		return -ENOENT;
	fdt = phys_to_virt(phys);
	p = fdt_getprop(fdt, 0, "kept", NULL);
	kept = p ? fdt32_to_cpu(*p) : 0;
	if (kept != (1U << KFT_NR) - 1)
		kft_fail("kept results %#x, expected all", kept);
	if (kept & BIT(KFT_PRESERVE))
		kft_verify_preserve(fdt);
	if (kept & BIT(KFT_VMALLOC))
		kft_verify_vmalloc(fdt);
	if (kept & BIT(KFT_ARRAY))
		kft_verify_array(fdt);
	if (kept & BIT(KFT_REGISTRY))
		kft_verify_registry(fdt);
	kho_restore_free((void *)fdt);
	if (kft_violations != before)
		return -EIO;
	pr_info("every result of the previous kernel verified\n");
	return 0;
}

static ssize_t kft_op_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	char buf[32], *verb, *arg;
	int i, err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	arg = strim(buf);
	verb = strsep(&arg, " ");
	i = arg ? match_string(kft_paths, KFT_NR, arg) : -EINVAL;
	guard(mutex)(&kft_lock);
	if (!strcmp(verb, "handover"))
		err = kft_setup() ?: kft_handover();
	else if (!strcmp(verb, "verify"))
		err = kft_verify();
	else if (i < 0)
		err = -EINVAL;
	else if (!strcmp(verb, "run"))
		err = kft_setup() ?: kft_run(i);
	else if (!strcmp(verb, "undo"))
		err = kft_undo(i);
	else
		err = -EINVAL;
	return err ?: len;
}

static const struct file_operations kft_op_fops = {
	.write = kft_op_write,
};

static int kft_stats_show(struct seq_file *m, void *v)
{
	lru_add_drain_all();
	drain_all_pages(NULL);
	seq_printf(m, "%lu %lu %lu %lu %lu\n",
		   global_zone_page_state(NR_FREE_PAGES),
		   global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) +
		   global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B),
		   vmalloc_nr_pages(), kho_out.nr_blocks, kft_violations);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kft_stats);

static int __init kho_fault_test_init(void)
{
	struct dentry *dir;

	if (!kho_is_enabled())
		return 0;
	dir = debugfs_create_dir("kho_fault", NULL);
	debugfs_create_file("op", 0200, dir, NULL, &kft_op_fops);
	debugfs_create_file("stats", 0400, dir, NULL, &kft_stats_fops);
	return 0;
}
late_initcall(kho_fault_test_init);
