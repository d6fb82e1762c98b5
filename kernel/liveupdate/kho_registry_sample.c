// SPDX-License-Identifier: GPL-2.0-only
/*
 * A kho_registry client built as a module: family "kho-sample", version 1
 * (written by default) and version 2 (written when enabled in sysfs). Its
 * formats are in the module's own section kho_formats, which the module
 * loader adds to the catalog while it is loaded.
 *
 *   /sys/kernel/debug/kho_sample/store     write "SIZE SEED": one object
 *   /sys/kernel/debug/kho_sample/unstore   write 1: unstore every object
 *   /sys/kernel/debug/kho_sample/objects   one line per object
 *
 * An object is SIZE bytes of data (one folio, at most 4 MiB) filled from
 * SEED; each version's store preserves a header page pointing to the
 * data folio, which the versions share. At load, the module restores the
 * objects the previous kernel handed over and nobody claimed (found in
 * the registry's index, kho_registry_incoming()) and checks every byte.
 * Lines start with "kho_sample:".
 */
#define pr_fmt(fmt) "kho_sample: " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho_registry.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#define KS_FAMILY	"kho-sample"
#define KS_MAGIC	0x4d53534bU	/* "KSSM" */
#define KS_MAX_OBJECTS	64

/* Header of one stored version; ABI of this sample only. */
struct ks_header {
	__le32 magic;
	__le32 version;
	__le64 data;		/* physical address of the data folio */
	__le64 size;
	__le32 seed;
	__le32 order;
} __packed;

struct ks_obj {
	struct list_head list;
	struct folio *data;
	size_t size;
	u32 seed;
	u32 version;		/* restored from; 0 if stored here */
	u64 handle;
};

/* claim=0: leave the previous kernel's objects unclaimed (tests). */
static bool claim = true;
module_param(claim, bool, 0444);
MODULE_PARM_DESC(claim, "restore the objects of the previous kernel at load");

static DEFINE_MUTEX(ks_lock);
static LIST_HEAD(ks_stored);
static LIST_HEAD(ks_restored);
static unsigned int ks_nr_stored;
static struct dentry *ks_dir;

static u64 ks_word(u32 seed, unsigned long i)
{
	return ((u64)seed << 32) ^ (i * 0x9e3779b97f4a7c15ULL);
}

static int ks_store(const struct kho_format *fmt, void *obj, u64 *handle)
{
	struct ks_obj *o = obj;
	struct ks_header *h = kho_alloc_preserve(sizeof(*h));

	if (IS_ERR(h))
		return PTR_ERR(h);
	h->magic = cpu_to_le32(KS_MAGIC);
	h->version = cpu_to_le32(fmt->version);
	h->data = cpu_to_le64(folio_pfn(o->data) << PAGE_SHIFT);
	h->size = cpu_to_le64(o->size);
	h->seed = cpu_to_le32(o->seed);
	h->order = cpu_to_le32(folio_order(o->data));
	*handle = virt_to_phys(h);
	return 0;
}

static void ks_unstore(const struct kho_format *fmt, void *obj, u64 handle)
{
	kho_unpreserve_free(phys_to_virt(handle));
}

/* Claim the header at @handle; NULL (logged) if it is not a valid one. */
static struct folio *ks_claim_header(const struct kho_format *fmt, u64 handle)
{
	struct folio *folio = kho_restore_folio(handle);
	struct ks_header *h;

	if (!folio)
		return NULL;
	h = folio_address(folio);
	if (le32_to_cpu(h->magic) != KS_MAGIC ||
	    le32_to_cpu(h->version) != fmt->version ||
	    le32_to_cpu(h->order) > MAX_PAGE_ORDER ||
	    le64_to_cpu(h->size) > PAGE_SIZE << le32_to_cpu(h->order)) {
		pr_err("v%u: bad header at %#llx\n", fmt->version,
		       (unsigned long long)handle);
		folio_put(folio);
		return NULL;
	}
	return folio;
}

static void *ks_restore(const struct kho_format *fmt, u64 handle)
{
	struct folio *hf = ks_claim_header(fmt, handle);
	struct ks_header *h;
	struct ks_obj *o;

	if (!hf)
		return ERR_PTR(-EINVAL);
	h = folio_address(hf);
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o) {
		folio_put(hf);
		return ERR_PTR(-ENOMEM);
	}
	o->data = kho_restore_folio(le64_to_cpu(h->data));
	if (!o->data || folio_order(o->data) != le32_to_cpu(h->order)) {
		pr_err("v%u: data folio at %#llx missing or of another order\n",
		       fmt->version, (unsigned long long)le64_to_cpu(h->data));
		if (o->data)
			folio_put(o->data);
		kfree(o);
		folio_put(hf);
		return ERR_PTR(-EINVAL);
	}
	o->size = le64_to_cpu(h->size);
	o->seed = le32_to_cpu(h->seed);
	o->version = fmt->version;
	folio_put(hf);
	return o;
}

static void ks_discard(const struct kho_format *fmt, u64 handle)
{
	struct folio *hf = ks_claim_header(fmt, handle), *data;

	if (!hf)
		return;
	/* The restored version, if any, claimed the shared data already. */
	data = kho_restore_folio(le64_to_cpu(((struct ks_header *)
					      folio_address(hf))->data));
	if (data)
		folio_put(data);
	folio_put(hf);
}

/* The header page and the data folio: what the next kernel may release. */
static int ks_extents(const struct kho_format *fmt, u64 handle,
		      int (*add)(void *arg, phys_addr_t phys,
				 unsigned int order), void *arg)
{
	struct ks_header *h = phys_to_virt(handle);
	int err = add(arg, handle, 0);

	return err ?: add(arg, le64_to_cpu(h->data), le32_to_cpu(h->order));
}

static const struct kho_format_ops ks_ops = {
	.store = ks_store,
	.unstore = ks_unstore,
	.restore = ks_restore,
	.discard = ks_discard,
	.extents = ks_extents,
};

KHO_FORMAT(kho_sample_v1, KS_FAMILY, 1, KHO_FORMAT_READ | KHO_FORMAT_WRITE |
	   KHO_FORMAT_WRITE_DEFAULT, &ks_ops);
KHO_FORMAT(kho_sample_v2, KS_FAMILY, 2, KHO_FORMAT_READ | KHO_FORMAT_WRITE,
	   &ks_ops);

static void ks_free(struct ks_obj *o)
{
	folio_put(o->data);
	kfree(o);
}

static int ks_store_one(size_t size, u32 seed)
{
	unsigned int order = get_order(size);
	struct ks_obj *o;
	unsigned long i;
	u64 *p;
	int err;

	if (!size || order > MAX_PAGE_ORDER)
		return -EINVAL;
	if (ks_nr_stored == KS_MAX_OBJECTS)
		return -ENOSPC;
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	o->data = folio_alloc(GFP_KERNEL, order);
	if (!o->data) {
		kfree(o);
		return -ENOMEM;
	}
	o->size = size;
	o->seed = seed;
	p = folio_address(o->data);
	for (i = 0; i < folio_size(o->data) / 8; i++)
		p[i] = ks_word(seed, i);
	err = kho_preserve_folio(o->data);
	if (err)
		goto free_obj;
	err = kho_registry_store(KS_FAMILY, o, &o->handle);
	if (err)
		goto unpreserve;
	list_add_tail(&o->list, &ks_stored);
	ks_nr_stored++;
	return 0;

unpreserve:
	kho_unpreserve_folio(o->data);
free_obj:
	ks_free(o);
	return err;
}

static void ks_unstore_all(void)
{
	struct ks_obj *o, *tmp;

	list_for_each_entry_safe(o, tmp, &ks_stored, list) {
		list_del(&o->list);
		kho_registry_unstore(o->handle, o);
		kho_unpreserve_folio(o->data);
		ks_free(o);
	}
	ks_nr_stored = 0;
}

static ssize_t ks_store_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	char buf[64];
	size_t size;
	u32 seed;
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%zu %u", &size, &seed) != 2)
		return -EINVAL;
	mutex_lock(&ks_lock);
	err = ks_store_one(size, seed);
	mutex_unlock(&ks_lock);
	if (!err)
		pr_info("stored %zu bytes, seed %u\n", size, seed);
	return err ?: len;
}

static const struct file_operations ks_store_fops = {
	.write = ks_store_write,
};

static ssize_t ks_unstore_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	guard(mutex)(&ks_lock);
	ks_unstore_all();
	return len;
}

static const struct file_operations ks_unstore_fops = {
	.write = ks_unstore_write,
};

static int ks_objects_show(struct seq_file *m, void *v)
{
	struct ks_obj *o;

	guard(mutex)(&ks_lock);
	list_for_each_entry(o, &ks_stored, list)
		seq_printf(m, "stored %zu %u\n", o->size, o->seed);
	list_for_each_entry(o, &ks_restored, list)
		seq_printf(m, "restored v%u %zu %u\n", o->version, o->size,
			   o->seed);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ks_objects);

/* Every byte of the folio as the store filled it. */
static bool ks_verify(struct ks_obj *o)
{
	u64 *p = folio_address(o->data);
	unsigned long i;

	if (o->size > folio_size(o->data) ||
	    get_order(o->size) != folio_order(o->data))
		return false;
	for (i = 0; i < folio_size(o->data) / 8; i++)
		if (p[i] != ks_word(o->seed, i))
			return false;
	return true;
}

/*
 * Claim what the previous kernel stored and nobody claimed yet: the
 * registry's index of incoming objects lists them by family.
 */
static void ks_restore_incoming(void)
{
	u64 handles[KS_MAX_OBJECTS];
	unsigned long i, n, ok = 0;

	n = kho_registry_incoming(KS_FAMILY, handles, KS_MAX_OBJECTS);
	if (!n)
		return;
	if (n > KS_MAX_OBJECTS) {
		pr_err("%lu objects handed over, restoring the first %u\n", n,
		       KS_MAX_OBJECTS);
		n = KS_MAX_OBJECTS;
	}
	for (i = 0; i < n; i++) {
		struct ks_obj *o = kho_registry_restore(KS_FAMILY, handles[i]);

		if (IS_ERR(o)) {
			pr_err("object %lu: not restored (%ld)\n", i, PTR_ERR(o));
			continue;
		}
		if (!ks_verify(o)) {
			pr_err("object %lu: restored from v%u but its data differs\n",
			       i, o->version);
			ks_free(o);
			continue;
		}
		pr_info("object %lu restored from v%u: %zu bytes, seed %u, every byte verified\n",
			i, o->version, o->size, o->seed);
		list_add_tail(&o->list, &ks_restored);
		ok++;
	}
	pr_info("restored %lu of %lu objects\n", ok, n);
}

static int __init ks_init(void)
{
	if (!kho_is_enabled())
		return -EOPNOTSUPP;
	if (claim) {
		mutex_lock(&ks_lock);
		ks_restore_incoming();
		mutex_unlock(&ks_lock);
	}
	ks_dir = debugfs_create_dir("kho_sample", NULL);
	debugfs_create_file("store", 0200, ks_dir, NULL, &ks_store_fops);
	debugfs_create_file("unstore", 0200, ks_dir, NULL, &ks_unstore_fops);
	debugfs_create_file("objects", 0400, ks_dir, NULL, &ks_objects_fops);
	return 0;
}
module_init(ks_init);

/* Stored objects hold the module (kho_registry_store()): none are left. */
static void __exit ks_exit(void)
{
	struct ks_obj *o, *tmp;

	debugfs_remove(ks_dir);
	list_for_each_entry_safe(o, tmp, &ks_restored, list) {
		list_del(&o->list);
		ks_free(o);
	}
}
module_exit(ks_exit);

MODULE_DESCRIPTION("Sample kho_registry client: family kho-sample");
MODULE_LICENSE("GPL");
