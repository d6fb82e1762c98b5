// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's registry: the formats of the vmlinux catalog, serialized
 * calls, sysfs, and the check of a target kernel's catalog on the kexec
 * reboot path.
 *
 *   /sys/kernel/liveupdate/formats/<family>/<version>/
 *     read, write        capabilities of this kernel (0/1)
 *     write_enabled      stores write this version (root-writable)
 *     objects            live objects written in it
 *   /sys/kernel/liveupdate/target_catalog
 *     the formats of the kernel to kexec into, one "family version caps"
 *     line each (caps: r, w or rw), as printed by kho-compat catalog;
 *     empty: no check
 */
#define pr_fmt(fmt) "kho_registry: " fmt

#include <linux/capability.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho_registry.h>
#include <linux/kobject.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/xarray.h>
#include "kho_page.h"

extern const struct kho_format __start_kho_formats[], __stop_kho_formats[];

static DEFINE_MUTEX(kho_reg_lock);
static struct kho_registry kho_reg = { .ops = &kho_page_ops };
static struct kho_target_format *kho_target;
static unsigned int kho_nr_target;

/*
 * Records of the previous kernel not claimed yet, by handle / 8 (a record
 * slot is 8-byte aligned), from the index it handed over, each with the
 * blocks behind it; under kho_reg_lock. An object without blocks is a
 * value entry, xa_mk_value(complete), so that the common case costs no
 * allocation.
 */
static DEFINE_XARRAY(kho_incoming);

#define KHO_IN_KEY(handle)	((unsigned long)((handle) >> 3))
#define KHO_IN_HANDLE(key)	((u64)(key) << 3)

struct kho_incoming_obj {
	unsigned int nr;
	bool complete;
	struct kho_index_extent ext[] __counted_by(nr);
};

static void kho_incoming_free(void *entry)
{
	if (!xa_is_value(entry))
		kfree(entry);
}
/* The index this kernel hands over, written on the kexec reboot path. */
static void *kho_index_fdt;
static struct kho_record_index *kho_index;

static struct kho_registry *kho_reg_get(void)
{
	mutex_lock(&kho_reg_lock);
	if (!kho_reg.formats) {
		kho_reg.formats = __start_kho_formats;
		kho_reg.nr_formats = __stop_kho_formats - __start_kho_formats;
	}
	return &kho_reg;
}

static void kho_reg_put(void)
{
	mutex_unlock(&kho_reg_lock);
}

/* The module that declares version @i of @rec, NULL for vmlinux. */
static struct module *kho_owner(const struct kho_record_info *rec,
				unsigned int i)
{
	const struct kho_catalog *c;

	c = kho_registry_catalog_of(&kho_reg,
		kho_registry_find(&kho_reg, rec->family, rec->versions[i]));
	return c ? c->owner : NULL;
}

/* Put the modules of the first @nr versions of @rec. */
static void kho_put_owners(const struct kho_record_info *rec, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		module_put(kho_owner(rec, i));
}

/*
 * A module cannot be unloaded while an object is stored in one of its
 * formats: the record needs its unstore op and the next kernel its data.
 */
static int kho_get_owners(const struct kho_record_info *rec)
{
	unsigned int i;

	for (i = 0; i < rec->nr; i++) {
		if (!try_module_get(kho_owner(rec, i))) {
			kho_put_owners(rec, i);
			return -ENODEV;
		}
	}
	return 0;
}

/**
 * kho_registry_store() - store an object in every write-enabled version
 * @family: the object's family
 * @obj: the object
 * @handle: set to the handle to hand over
 *
 * The modules that declare the versions written cannot be unloaded until
 * the object is unstored.
 *
 * Return: see __kho_registry_store(); -ENODEV if such a module is going.
 */
int kho_registry_store(const char *family, void *obj, u64 *handle)
{
	struct kho_registry *r = kho_reg_get();
	int err = __kho_registry_store(r, family, obj, handle);
	struct kho_record_info rec;

	if (!err) {
		err = __kho_registry_live(r, *handle, &rec) ?:
		      kho_get_owners(&rec);
		if (err)
			__kho_registry_unstore(r, *handle, obj);
	}
	kho_reg_put();
	return err;
}
EXPORT_SYMBOL_GPL(kho_registry_store);

/**
 * kho_registry_unstore() - undo kho_registry_store()
 * @handle: its handle
 * @obj: the object
 *
 * Return: 0, or -ENOENT for an unknown handle.
 */
int kho_registry_unstore(u64 handle, void *obj)
{
	struct kho_registry *r = kho_reg_get();
	struct kho_record_info owners;
	int err = __kho_registry_live(r, handle, &owners);

	if (!err) {
		err = __kho_registry_unstore(r, handle, obj);
		/* After the unstore ops ran: they are the modules' code. */
		kho_put_owners(&owners, owners.nr);
	}
	kho_reg_put();
	return err;
}
EXPORT_SYMBOL_GPL(kho_registry_unstore);

/* Forget an incoming record once it is claimed (restored or discarded). */
static void kho_incoming_done(u64 handle)
{
	struct kho_record_info rec;

	if (__kho_registry_peek(&kho_reg, handle, &rec))
		kho_incoming_free(xa_erase(&kho_incoming, KHO_IN_KEY(handle)));
}

/**
 * kho_registry_restore() - restore an object of the previous kernel
 * @family: its family
 * @handle: its handle
 *
 * Return: the object or an ERR_PTR; see __kho_registry_restore().
 */
void *kho_registry_restore(const char *family, u64 handle)
{
	void *obj = __kho_registry_restore(kho_reg_get(), family, handle);

	kho_incoming_done(handle);
	kho_reg_put();
	return obj;
}
EXPORT_SYMBOL_GPL(kho_registry_restore);

/**
 * kho_registry_discard() - drop an object of the previous kernel
 * @handle: its handle
 */
void kho_registry_discard(u64 handle)
{
	__kho_registry_discard(kho_reg_get(), handle);
	kho_incoming_done(handle);
	kho_reg_put();
}
EXPORT_SYMBOL_GPL(kho_registry_discard);

/**
 * kho_registry_incoming() - the unclaimed objects of a family
 * @family: the family
 * @handles: filled with the handles of up to @max of them
 * @max: room in @handles
 *
 * What the previous kernel stored in @family and nobody restored or
 * discarded yet, as listed in the index it handed over: how a module
 * loaded after boot finds its objects without a subtree of its own.
 *
 * Return: the number of such objects (may exceed @max).
 */
unsigned long kho_registry_incoming(const char *family, u64 *handles,
				    unsigned long max)
{
	struct kho_record_info rec;
	unsigned long key, n = 0;
	void *entry;

	kho_reg_get();
	xa_for_each(&kho_incoming, key, entry) {
		if (__kho_registry_peek(&kho_reg, KHO_IN_HANDLE(key), &rec) ||
		    strcmp(rec.family, family))
			continue;
		if (n < max)
			handles[n] = KHO_IN_HANDLE(key);
		n++;
	}
	kho_reg_put();
	return n;
}
EXPORT_SYMBOL_GPL(kho_registry_incoming);

/* What to do with the @n unclaimed records @h of @family. */
typedef int (*kho_family_fn)(const char *family, u64 *h, unsigned long n,
			     void *arg);

/*
 * Call @fn on each family of the unclaimed incoming records with the
 * handles of its records in @h (@n of them); stops at an error of @fn.
 * Under kho_reg_lock.
 */
static int kho_unclaimed_by_family(kho_family_fn fn, void *arg)
{
	unsigned long key, n = 0, first, i, same;
	struct kho_record_info rec;
	void *entry;
	int err = 0;
	u64 *h;

	xa_for_each(&kho_incoming, key, entry) {
		if (!__kho_registry_peek(&kho_reg, KHO_IN_HANDLE(key), &rec))
			n++;
		else	/* Claimed behind the registry's back: not ours. */
			kho_incoming_free(xa_erase(&kho_incoming, key));
	}
	if (!n)
		return 0;
	h = kvmalloc_array(n, sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	n = 0;
	xa_for_each(&kho_incoming, key, entry)
		h[n++] = KHO_IN_HANDLE(key);
	/* Gather the records of one family at the front, in turn. */
	for (first = 0; first < n && !err; first += same) {
		/* A copy: @fn may free the records. */
		char family[KHO_FAMILY_LEN];

		__kho_registry_peek(&kho_reg, h[first], &rec);
		strscpy(family, rec.family, sizeof(family));
		same = 1;
		for (i = first + 1; i < n; i++) {
			__kho_registry_peek(&kho_reg, h[i], &rec);
			if (strcmp(rec.family, family))
				continue;
			swap(h[i], h[first + same]);
			same++;
		}
		err = fn(family, h + first, same, arg);
	}
	kvfree(h);
	return err;
}

/*
 * Release the blocks the previous kernel listed behind an object of a
 * family no loaded format knows. Only blocks still preserved and
 * unclaimed, of the order listed, are taken: whatever was claimed or
 * lies elsewhere is left alone. False if some memory stays reserved.
 */
static bool kho_release_extents(u64 handle, void *entry)
{
	struct kho_incoming_obj *in = xa_is_value(entry) ? NULL : entry;
	bool all = in ? in->complete : entry && xa_to_value(entry);
	unsigned int i;

	__kho_registry_drop(&kho_reg, handle);
	for (i = 0; in && i < in->nr; i++) {
		struct folio *folio;

		folio = kho_restore_folio(le64_to_cpu(in->ext[i].phys));
		if (folio && folio_order(folio) != le32_to_cpu(in->ext[i].order))
			all = false;
		if (folio)
			folio_put(folio);
	}
	return all;
}

/* Release point: discard the unclaimed records of @family, log it. */
static int kho_release_family(const char *family, u64 *h, unsigned long n,
			      void *arg)
{
	bool known = kho_registry_knows_family(&kho_reg, family);
	unsigned long i, before = totalram_pages();
	unsigned long bytes, partial = 0;

	for (i = 0; i < n; i++) {
		void *in = xa_erase(&kho_incoming, KHO_IN_KEY(h[i]));

		if (known)
			__kho_registry_discard(&kho_reg, h[i]);
		else if (!kho_release_extents(h[i], in))
			partial++;
		kho_incoming_free(in);
	}
	bytes = (totalram_pages() - before) << PAGE_SHIFT;
	pr_info("released %lu unclaimed objects of family %s from the previous kernel: %lu bytes\n",
		n, family, bytes);
	if (partial)
		pr_warn("%s: %lu of them listed not all their memory (no extents op, or it changed): the rest stays reserved until the next kexec\n",
			family, partial);
	return 0;
}

/* Kexec: unclaimed records are not handed over; say so. */
static int kho_drop_family(const char *family, u64 *h, unsigned long n,
			   void *arg)
{
	pr_warn("%lu unclaimed objects of family %s from the previous kernel are not handed over (dropped)\n",
		n, family);
	return 0;
}

struct kho_emit {
	char *buf;
	int len;
};

static int kho_emit_family(const char *family, u64 *h, unsigned long n,
			   void *arg)
{
	struct kho_emit *e = arg;

	e->len += sysfs_emit_at(e->buf, e->len, "%s %lu\n", family, n);
	return 0;
}

/* Undo kho_write_index(). */
static void kho_drop_index(void)
{
	if (kho_index_fdt) {
		kho_remove_subtree(kho_index_fdt);
		kho_unpreserve_free(kho_index_fdt);
	}
	kho_unpreserve_free(kho_index);
	kho_index_fdt = NULL;
	kho_index = NULL;
}

struct kho_extents {
	struct kho_index_extent *ext;
	unsigned long nr, max;
};

static int kho_add_extent(void *arg, phys_addr_t phys, unsigned int order)
{
	struct kho_extents *e = arg;

	if (e->nr == e->max) {
		unsigned long max = e->max ? 2 * e->max : 64;
		struct kho_index_extent *ext;

		ext = kvrealloc(e->ext, max * sizeof(*ext), GFP_KERNEL);
		if (!ext)
			return -ENOMEM;
		e->ext = ext;
		e->max = max;
	}
	e->ext[e->nr].phys = cpu_to_le64(phys);
	e->ext[e->nr].order = cpu_to_le32(order);
	e->ext[e->nr].reserved = 0;
	e->nr++;
	return 0;
}

struct kho_index_build {
	struct kho_index_record *ir;
	unsigned long nr, max;
	struct kho_extents e;
};

/* The next entry of the index, for @rec: ask each version for its blocks. */
static int kho_index_one(void *arg, u64 handle,
			 const struct kho_record_info *rec)
{
	struct kho_index_build *b = arg;
	unsigned long first = b->e.nr;
	struct kho_index_record *ir;
	bool complete = true;
	unsigned int i;
	int err;

	/* The walk finds nr_live records: never more than @ir holds. */
	if (b->nr == b->max)
		return -EOVERFLOW;
	ir = &b->ir[b->nr++];

	for (i = 0; i < rec->nr; i++) {
		const struct kho_format *f;

		f = kho_registry_find(&kho_reg, rec->family, rec->versions[i]);
		if (!f->ops->extents) {
			complete = false;
			continue;
		}
		err = f->ops->extents(f, rec->handles[i], kho_add_extent,
				      &b->e);
		if (err)
			return err;
	}
	ir->record = cpu_to_le64(handle);
	ir->first_extent = cpu_to_le64(first);
	ir->nr_extents = cpu_to_le32(b->e.nr - first);
	ir->flags = cpu_to_le32(complete ? KHO_INDEX_COMPLETE : 0);
	return 0;
}

/*
 * Hand over the index of the live records (replacing one written for a
 * kexec that did not happen), so that the next kernel knows what is left
 * unclaimed and can release it. Under kho_reg_lock.
 */
static int kho_write_index(void)
{
	struct kho_index_build b = {};
	struct kho_extents e;
	size_t size;
	int err;

	kho_drop_index();
	if (!kho_reg.nr_live)
		return 0;
	b.ir = kvcalloc(kho_reg.nr_live, sizeof(*b.ir), GFP_KERNEL);
	if (!b.ir)
		return -ENOMEM;
	b.max = kho_reg.nr_live;
	err = __kho_registry_walk_live(&kho_reg, kho_index_one, &b);
	e = b.e;
	if (err)
		goto free_tmp;
	size = struct_size(kho_index, records, kho_reg.nr_live) +
	       e.nr * sizeof(*e.ext);
	kho_index = kho_alloc_preserve(size);
	if (IS_ERR(kho_index)) {
		err = PTR_ERR(kho_index);
		kho_index = NULL;
		goto free_tmp;
	}
	kho_index->magic = cpu_to_le32(KHO_RECORD_INDEX_MAGIC);
	kho_index->nr = cpu_to_le64(kho_reg.nr_live);
	kho_index->nr_extents = cpu_to_le64(e.nr);
	memcpy(kho_index->records, b.ir, kho_reg.nr_live * sizeof(*b.ir));
	if (e.nr)
		memcpy(&kho_index->records[kho_reg.nr_live], e.ext,
		       e.nr * sizeof(*e.ext));
	kho_index_fdt = kho_alloc_fdt(KHO_REGISTRY_COMPATIBLE);
	if (IS_ERR(kho_index_fdt)) {
		err = PTR_ERR(kho_index_fdt);
		kho_index_fdt = NULL;
		goto drop_index;
	}
	err = fdt_setprop_u64(kho_index_fdt, 0, KHO_REGISTRY_INDEX,
			      virt_to_phys(kho_index)) ? -ENOSPC : 0;
	if (err)
		goto drop_index;
	err = kho_add_subtree(KHO_REGISTRY_NODE, kho_index_fdt);
	if (err) {
		kho_unpreserve_free(kho_index_fdt);
		kho_index_fdt = NULL;
		goto drop_index;
	}
	goto free_tmp;

drop_index:
	kho_drop_index();
free_tmp:
	kvfree(e.ext);
	kvfree(b.ir);
	return err;
}

/*
 * The entry of kho_incoming for record @i of @idx, @nr_ext extents in
 * all; NULL if bad or out of memory.
 */
static void *__init kho_incoming_new(const struct kho_record_index *idx,
				     unsigned long i, u64 nr_ext)
{
	const struct kho_index_record *ir = &idx->records[i];
	const struct kho_index_extent *ext;
	u64 first = le64_to_cpu(ir->first_extent);
	u32 n = le32_to_cpu(ir->nr_extents);
	struct kho_incoming_obj *in;

	if (first > nr_ext || n > nr_ext - first ||
	    le32_to_cpu(ir->flags) & ~KHO_INDEX_COMPLETE)
		return NULL;
	if (!n)
		return xa_mk_value(!!(le32_to_cpu(ir->flags) &
				      KHO_INDEX_COMPLETE));
	in = kmalloc(struct_size(in, ext, n), GFP_KERNEL);
	if (!in)
		return NULL;
	in->nr = n;
	in->complete = le32_to_cpu(ir->flags) & KHO_INDEX_COMPLETE;
	ext = (const void *)&idx->records[le64_to_cpu(idx->nr)];
	memcpy(in->ext, &ext[first], n * sizeof(*ext));
	return in;
}

/* Read the index of the previous kernel: its records are unclaimed. */
static void __init kho_read_index(void)
{
	struct folio *fdt_folio, *folio;
	struct kho_record_index *idx;
	unsigned long i, kept = 0;
	u64 nr, nr_ext, room;
	const fdt64_t *p;
	phys_addr_t phys;
	const void *fdt;
	int len;

	if (kho_retrieve_subtree(KHO_REGISTRY_NODE, &phys))
		return;
	fdt_folio = kho_restore_folio(phys);
	if (!fdt_folio)
		goto invalid;
	fdt = folio_address(fdt_folio);
	p = NULL;
	if (!fdt_check_header(fdt) &&
	    fdt_totalsize(fdt) <= folio_size(fdt_folio) &&
	    !fdt_node_check_compatible(fdt, 0, KHO_REGISTRY_COMPATIBLE))
		p = fdt_getprop(fdt, 0, KHO_REGISTRY_INDEX, &len);
	folio = p && len == sizeof(*p) ?
		kho_restore_folio(fdt64_to_cpu(*p)) : NULL;
	folio_put(fdt_folio);
	if (!folio)
		goto invalid;
	idx = folio_address(folio);
	nr = le64_to_cpu(idx->nr);
	nr_ext = le64_to_cpu(idx->nr_extents);
	room = folio_size(folio) - sizeof(*idx);
	if (le32_to_cpu(idx->magic) != KHO_RECORD_INDEX_MAGIC ||
	    idx->reserved || nr > room / sizeof(idx->records[0]) ||
	    nr_ext > (room - nr * sizeof(idx->records[0])) /
		     sizeof(struct kho_index_extent)) {
		folio_put(folio);
		goto invalid;
	}
	kho_reg_get();
	for (i = 0; i < nr; i++) {
		u64 h = le64_to_cpu(idx->records[i].record);
		struct kho_record_info rec;
		void *in;

		/* Records claimed already (built-in owners) are skipped. */
		if (__kho_registry_peek(&kho_reg, h, &rec) ||
		    xa_load(&kho_incoming, KHO_IN_KEY(h)))
			continue;
		in = kho_incoming_new(idx, i, nr_ext);
		if (!in) {
			pr_err("bad index entry %lu, its object is not tracked\n", i);
			continue;
		}
		if (xa_err(xa_store(&kho_incoming, KHO_IN_KEY(h), in,
				    GFP_KERNEL)))
			kho_incoming_free(in);
		else
			kept++;
	}
	kho_reg_put();
	folio_put(folio);
	pr_info("%lu objects of the previous kernel wait to be claimed\n",
		kept);
	return;

invalid:
	pr_err("invalid index of objects from the previous kernel, unclaimed ones stay reserved\n");
}

/**
 * kho_registry_check_target() - prepare the registry's handover for a kexec
 *
 * Called on the kexec reboot path. Logs the objects of the previous
 * kernel that nobody claimed (they are not handed over), hands over the
 * index of the live records, and refuses a kexec the target cannot
 * follow.
 *
 * Return: 0 if no target catalog is set or the target reads a written
 * version of every live object; else -ENOEXEC (logged).
 */
int kho_registry_check_target(void)
{
	int err;

	kho_reg_get();
	kho_unclaimed_by_family(kho_drop_family, NULL);
	err = kho_write_index();
	if (err)
		pr_err("cannot hand over the index of stored objects (%d): the next kernel cannot release those left unclaimed\n",
		       err);
	err = kho_target ?
		__kho_registry_check(&kho_reg, kho_target, kho_nr_target) : 0;
	kho_reg_put();
	return err;
}

#ifdef CONFIG_KEXEC_HANDOVER_DEBUG
/* kho_registry_unreadable=family:version[,family:version...] */
static char *kho_unreadable __initdata;

static int __init kho_parse_unreadable(char *s)
{
	kho_unreadable = s;
	return 1;
}
__setup("kho_registry_unreadable=", kho_parse_unreadable);

static void __init kho_apply_unreadable(void)
{
	char *s = kho_unreadable, *item;

	while ((item = strsep(&s, ","))) {
		char *ver = strrchr(item, ':');
		const struct kho_format *f;
		u32 version;

		if (!ver || kstrtou32(ver + 1, 10, &version))
			continue;
		*ver = '\0';
		f = kho_registry_find(&kho_reg, item, version);
		if (!f) {
			pr_warn("kho_registry_unreadable: no format %s:%u\n",
				item, version);
			continue;
		}
		f->state->unreadable = true;
		pr_info("%s:%u made unreadable (debug)\n", item, version);
	}
}
#else
static inline void kho_apply_unreadable(void) { }
#endif

/*
 * sysfs: one kobject per format version, in a kobject per family of the
 * kset formats/. A family directory lives as long as one of its versions
 * (a module may add versions to a family of vmlinux or of another module).
 */
struct kho_format_kobj {
	struct kobject kobj;
	const struct kho_format *f;
};

static struct kset *kho_formats_kset;
static struct kobject *kho_root_kobj;
/* Serializes adding and removing format directories (not show/store). */
static DEFINE_MUTEX(kho_sysfs_lock);

static const struct kho_format *kho_kobj_format(struct kobject *kobj)
{
	return container_of(kobj, struct kho_format_kobj, kobj)->f;
}

static ssize_t read_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	const struct kho_format *f = kho_kobj_format(kobj);

	return sysfs_emit(buf, "%d\n", !!(f->caps & KHO_FORMAT_READ) &&
			  !f->state->unreadable);
}

static ssize_t write_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  !!(kho_kobj_format(kobj)->caps & KHO_FORMAT_WRITE));
}

static ssize_t objects_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	unsigned long n;

	kho_reg_get();
	n = kho_kobj_format(kobj)->state->objects;
	kho_reg_put();
	return sysfs_emit(buf, "%lu\n", n);
}

static ssize_t write_enabled_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", kho_kobj_format(kobj)->state->write_enabled);
}

/* Objects of the family exist and @f is its last write-enabled version. */
static bool kho_last_writer(const struct kho_format *f)
{
	unsigned long objects = 0;
	unsigned int writers = 0;
	const struct kho_format *g;
	struct kho_format_iter it;

	kho_for_each_format(&kho_reg, &it, g) {
		if (strcmp(g->family, f->family))
			continue;
		objects += g->state->objects;
		writers += g->state->write_enabled;
	}
	return objects && writers == 1 && f->state->write_enabled;
}

static ssize_t write_enabled_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t len)
{
	const struct kho_format *f = kho_kobj_format(kobj);
	bool on;
	int err;

	err = kstrtobool(buf, &on);
	if (err)
		return err;
	if (on && !(f->caps & KHO_FORMAT_WRITE))
		return -EOPNOTSUPP;
	kho_reg_get();
	if (!on && kho_last_writer(f))
		err = -EBUSY;
	else
		f->state->write_enabled = on;
	kho_reg_put();
	return err ?: len;
}

static struct kobj_attribute kho_read_attr = __ATTR_RO(read);
static struct kobj_attribute kho_write_attr = __ATTR_RO(write);
static struct kobj_attribute kho_objects_attr = __ATTR_RO(objects);
static struct kobj_attribute kho_write_enabled_attr = __ATTR_RW(write_enabled);

static struct attribute *kho_format_attrs[] = {
	&kho_read_attr.attr,
	&kho_write_attr.attr,
	&kho_objects_attr.attr,
	&kho_write_enabled_attr.attr,
	NULL
};
ATTRIBUTE_GROUPS(kho_format);

static void kho_format_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct kho_format_kobj, kobj));
}

static const struct kobj_type kho_format_ktype = {
	.release = kho_format_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = kho_format_groups,
};

static void kho_family_release(struct kobject *kobj)
{
	kfree(kobj);
}

static const struct kobj_type kho_family_ktype = {
	.release = kho_family_release,
	.sysfs_ops = &kobj_sysfs_ops,
};

/* The directory of family @name, created if needed; a reference to put. */
static struct kobject *kho_family_kobj(const char *name)
{
	struct kobject *fam = kset_find_obj(kho_formats_kset, name);

	if (fam)
		return fam;
	fam = kzalloc(sizeof(*fam), GFP_KERNEL);
	if (!fam)
		return NULL;
	fam->kset = kho_formats_kset;
	if (kobject_init_and_add(fam, &kho_family_ktype, NULL, "%s", name)) {
		kobject_put(fam);
		return NULL;
	}
	return fam;
}

/* Add formats/<family>/<version>/ for each of @nr formats into @kobjs. */
static void kho_sysfs_add(const struct kho_format *formats, unsigned int nr,
			  struct kobject **kobjs)
{
	unsigned int i;

	guard(mutex)(&kho_sysfs_lock);
	for (i = 0; i < nr && kho_formats_kset; i++) {
		const struct kho_format *f = &formats[i];
		struct kho_format_kobj *fk = kzalloc(sizeof(*fk), GFP_KERNEL);
		struct kobject *fam = kho_family_kobj(f->family);

		if (fk && fam) {
			fk->f = f;
			if (kobject_init_and_add(&fk->kobj, &kho_format_ktype,
						 fam, "%u", f->version))
				kobject_put(&fk->kobj);
			else
				kobjs[i] = &fk->kobj;
		} else {
			kfree(fk);
		}
		/* The version directory holds its family from now on. */
		kobject_put(fam);
		if (!kobjs[i])
			pr_err("cannot create sysfs entry of %s:%u\n",
			       f->family, f->version);
	}
}

static void kho_sysfs_del(struct kobject **kobjs, unsigned int nr)
{
	unsigned int i;

	guard(mutex)(&kho_sysfs_lock);
	for (i = 0; i < nr; i++) {
		if (!kobjs[i])
			continue;
		kobject_del(kobjs[i]);
		kobject_put(kobjs[i]);
		kobjs[i] = NULL;
	}
}

static ssize_t target_catalog_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	unsigned int i;
	int len = 0;

	kho_reg_get();
	for (i = 0; i < kho_nr_target; i++) {
		u32 caps = kho_target[i].caps;

		len += sysfs_emit_at(buf, len, "%s %u %s%s\n",
				     kho_target[i].family, kho_target[i].version,
				     caps & KHO_FORMAT_READ ? "r" : "",
				     caps & KHO_FORMAT_WRITE ? "w" : "");
	}
	kho_reg_put();
	return len;
}

/* Parse "family version caps" lines; an empty write clears the target. */
static ssize_t target_catalog_store(struct kobject *kobj,
				    struct kobj_attribute *attr,
				    const char *buf, size_t len)
{
	struct kho_target_format *t = NULL;
	unsigned int nr = 0, max = 0;
	char *copy, *s, *line;
	int err = 0;

	copy = kmemdup_nul(buf, len, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	s = copy;
	while ((line = strsep(&s, "\n"))) {
		struct kho_target_format *e;
		char fam[KHO_FAMILY_LEN], caps[4];

		if (!*strim(line))
			continue;
		if (nr == max) {
			max = max ? 2 * max : 16;
			e = krealloc_array(t, max, sizeof(*t), GFP_KERNEL);
			if (!e) {
				err = -ENOMEM;
				break;
			}
			t = e;
		}
		e = &t[nr];
		if (sscanf(line, "%31s %u %3s", fam, &e->version, caps) != 3 ||
		    strspn(caps, "rw") != strlen(caps)) {
			pr_err("target_catalog: bad line \"%s\"\n", line);
			err = -EINVAL;
			break;
		}
		strscpy(e->family, fam, sizeof(e->family));
		e->caps = (strchr(caps, 'r') ? KHO_FORMAT_READ : 0) |
			  (strchr(caps, 'w') ? KHO_FORMAT_WRITE : 0);
		nr++;
	}
	kfree(copy);
	if (err) {
		kfree(t);
		return err;
	}
	kho_reg_get();
	kfree(kho_target);
	kho_target = nr ? t : NULL;
	kho_nr_target = nr;
	kho_reg_put();
	if (!nr)
		kfree(t);
	return len;
}

static struct kobj_attribute kho_target_attr = __ATTR_RW_MODE(target_catalog, 0600);

static ssize_t unclaimed_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	struct kho_emit e = { .buf = buf };
	int err;

	kho_reg_get();
	err = kho_unclaimed_by_family(kho_emit_family, &e);
	kho_reg_put();
	return err ?: e.len;
}

static ssize_t release_unclaimed_store(struct kobject *kobj,
				       struct kobj_attribute *attr,
				       const char *buf, size_t len)
{
	bool on;
	int err = kstrtobool(buf, &on);

	if (err)
		return err;
	if (!on)
		return -EINVAL;
	kho_reg_get();
	err = kho_unclaimed_by_family(kho_release_family, NULL);
	kho_reg_put();
	return err ?: len;
}

static struct kobj_attribute kho_unclaimed_attr = __ATTR_RO(unclaimed);
static struct kobj_attribute kho_release_attr = __ATTR_WO(release_unclaimed);

static const struct attribute *kho_root_attrs[] = {
	&kho_target_attr.attr,
	&kho_unclaimed_attr.attr,
	&kho_release_attr.attr,
	NULL
};

/**
 * kho_registry_add_module() - add a module's formats to the catalog
 * @mod: the module, coming
 * @formats: its section kho_formats
 * @nr: entries in @formats
 *
 * Called by the module loader. Its formats are then found like those of
 * vmlinux and listed in sysfs until the module goes.
 *
 * Return: 0; -EINVAL for a malformed entry; -EEXIST if a (family,
 * version) is known already (then the module is not loaded); -ENOMEM.
 */
int kho_registry_add_module(struct module *mod,
			    const struct kho_format *formats, unsigned int nr)
{
	struct kho_catalog *c;
	unsigned int i, j;
	int err = 0;

	if (!nr)
		return 0;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->kobjs = kcalloc(nr, sizeof(*c->kobjs), GFP_KERNEL);
	if (!c->kobjs) {
		kfree(c);
		return -ENOMEM;
	}
	c->formats = formats;
	c->nr_formats = nr;
	c->owner = mod;

	kho_reg_get();
	for (i = 0; i < nr && !err; i++) {
		const struct kho_format *f = &formats[i];

		if (strnlen(f->family, KHO_FAMILY_LEN) == KHO_FAMILY_LEN ||
		    !f->ops || !f->state) {
			pr_err("%s: malformed format entry %u\n", mod->name, i);
			err = -EINVAL;
		} else if (kho_registry_find(&kho_reg, f->family, f->version)) {
			pr_err("%s: format %s:%u is declared already\n",
			       mod->name, f->family, f->version);
			err = -EEXIST;
		}
		for (j = 0; j < i && !err; j++)
			if (formats[j].version == f->version &&
			    !strcmp(formats[j].family, f->family))
				err = -EEXIST;
	}
	if (!err) {
		c->next = kho_reg.modules;
		kho_reg.modules = c;
	}
	kho_reg_put();
	if (err) {
		kfree(c->kobjs);
		kfree(c);
		return err;
	}
	kho_sysfs_add(formats, nr, c->kobjs);
	pr_info("%s: %u formats added to the catalog\n", mod->name, nr);
	return 0;
}

static int kho_module_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct module *mod = data;
	struct kho_catalog **p, *c = NULL;
	unsigned long dropped;

	if (action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	kho_reg_get();
	for (p = &kho_reg.modules; *p; p = &(*p)->next) {
		if ((*p)->owner == mod) {
			c = *p;
			break;
		}
	}
	if (c) {
		/* Only a failed init can leave objects: stores hold the module. */
		dropped = __kho_registry_forget(&kho_reg, c);
		if (dropped)
			pr_err("%s: goes away with %lu stored objects: dropped\n",
			       mod->name, dropped);
		*p = c->next;
	}
	kho_reg_put();
	if (!c)
		return NOTIFY_DONE;
	kho_sysfs_del(c->kobjs, c->nr_formats);
	pr_info("%s: %u formats removed from the catalog\n", mod->name,
		c->nr_formats);
	kfree(c->kobjs);
	kfree(c);
	return NOTIFY_OK;
}

static struct notifier_block kho_module_nb = {
	.notifier_call = kho_module_notify,
};

static struct kobject **kho_vmlinux_kobjs;

static int __init kho_registry_init(void)
{
	int err;

	kho_reg_get();
	kho_apply_unreadable();
	kho_reg_put();
	kho_read_index();

	err = register_module_notifier(&kho_module_nb);
	kho_vmlinux_kobjs = kcalloc(kho_reg.nr_formats,
				    sizeof(*kho_vmlinux_kobjs), GFP_KERNEL);
	kho_root_kobj = kobject_create_and_add("liveupdate", kernel_kobj);
	kho_formats_kset = kho_root_kobj ?
		kset_create_and_add("formats", NULL, kho_root_kobj) : NULL;
	if (err || !kho_vmlinux_kobjs || !kho_formats_kset ||
	    sysfs_create_files(kho_root_kobj, kho_root_attrs)) {
		pr_err("cannot create /sys/kernel/liveupdate\n");
		return 0;
	}
	kho_sysfs_add(kho_reg.formats, kho_reg.nr_formats, kho_vmlinux_kobjs);
	return 0;
}
late_initcall(kho_registry_init);
