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
#include <linux/kho_registry.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include "kho_page.h"

extern const struct kho_format __start_kho_formats[], __stop_kho_formats[];

static DEFINE_MUTEX(kho_reg_lock);
static struct kho_registry kho_reg = { .ops = &kho_page_ops };
static struct kho_target_format *kho_target;
static unsigned int kho_nr_target;

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

/**
 * kho_registry_store() - store an object in every write-enabled version
 * @family: the object's family
 * @obj: the object
 * @handle: set to the handle to hand over
 *
 * Return: see __kho_registry_store().
 */
int kho_registry_store(const char *family, void *obj, u64 *handle)
{
	int err = __kho_registry_store(kho_reg_get(), family, obj, handle);

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
	int err = __kho_registry_unstore(kho_reg_get(), handle, obj);

	kho_reg_put();
	return err;
}
EXPORT_SYMBOL_GPL(kho_registry_unstore);

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
	kho_reg_put();
}
EXPORT_SYMBOL_GPL(kho_registry_discard);

/**
 * kho_registry_check_target() - refuse a kexec the target cannot follow
 *
 * Return: 0 if no target catalog is set or the target reads a written
 * version of every live object; else -ENOEXEC (logged).
 */
int kho_registry_check_target(void)
{
	int err = 0;

	kho_reg_get();
	if (kho_target)
		err = __kho_registry_check(&kho_reg, kho_target, kho_nr_target);
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

/* sysfs: one kobject per format version; find the format by kobject. */
static struct kobject **kho_format_kobjs;

static const struct kho_format *kho_kobj_format(struct kobject *kobj)
{
	unsigned int i;

	for (i = 0; i < kho_reg.nr_formats; i++)
		if (kho_format_kobjs[i] == kobj)
			return &kho_reg.formats[i];
	return NULL;
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
	unsigned int i, writers = 0;

	for (i = 0; i < kho_reg.nr_formats; i++) {
		const struct kho_format *g = &kho_reg.formats[i];

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

static const struct attribute_group kho_format_group = {
	.attrs = kho_format_attrs,
};

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

static int __init kho_registry_init(void)
{
	struct kobject *root, *formats, *fam;
	unsigned int i, j;

	kho_reg_get();
	kho_apply_unreadable();
	kho_reg_put();

	kho_format_kobjs = kcalloc(kho_reg.nr_formats, sizeof(*kho_format_kobjs),
				   GFP_KERNEL);
	root = kobject_create_and_add("liveupdate", kernel_kobj);
	formats = root ? kobject_create_and_add("formats", root) : NULL;
	if (!kho_format_kobjs || !formats ||
	    sysfs_create_file(root, &kho_target_attr.attr)) {
		pr_err("cannot create /sys/kernel/liveupdate\n");
		return 0;
	}
	for (i = 0; i < kho_reg.nr_formats; i++) {
		const struct kho_format *f = &kho_reg.formats[i];
		char name[12];

		/* Versions of a family may sit anywhere in the catalog. */
		fam = NULL;
		for (j = 0; j < i && !fam; j++)
			if (kho_format_kobjs[j] &&
			    !strcmp(kho_reg.formats[j].family, f->family))
				fam = kho_format_kobjs[j]->parent;
		if (!fam)
			fam = kobject_create_and_add(f->family, formats);
		snprintf(name, sizeof(name), "%u", f->version);
		kho_format_kobjs[i] = fam ? kobject_create_and_add(name, fam) : NULL;
		if (!kho_format_kobjs[i] ||
		    sysfs_create_group(kho_format_kobjs[i], &kho_format_group))
			pr_err("cannot create sysfs entry of %s:%u\n",
			       f->family, f->version);
	}
	return 0;
}
late_initcall(kho_registry_init);
