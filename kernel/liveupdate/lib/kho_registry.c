// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho_registry: store objects in every write-enabled version of their
 * family, restore the newest readable one. Records and the rules live
 * here; the kernel's own registry, sysfs and the kexec guard are in
 * kho_registry_sysfs.c.
 */
#define pr_fmt(fmt) "kho_registry: " fmt

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/kho_registry.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "kho_page.h"

static_assert(sizeof(struct kho_format) == KHO_FORMAT_ENTRY_SIZE,
	      "the catalog entry is ABI");
static_assert(sizeof(struct kho_record) <= PAGE_SIZE, "a record is one page");

/**
 * kho_format_next() - the next format of a registry
 * @r: the registry
 * @it: where the walk is (see kho_for_each_format())
 *
 * Return: the format, or NULL after the last one.
 */
const struct kho_format *kho_format_next(const struct kho_registry *r,
					 struct kho_format_iter *it)
{
	for (;;) {
		const struct kho_catalog *c = it->cat;

		if (it->i < (c ? c->nr_formats : r->nr_formats))
			return c ? &c->formats[it->i++] : &r->formats[it->i++];
		it->cat = c ? c->next : r->modules;
		it->i = 0;
		if (!it->cat)
			return NULL;
	}
}

/**
 * kho_registry_find() - look up a format
 * @r: the registry
 * @family: family name
 * @version: version
 *
 * Return: the format, or NULL if @r does not know it.
 */
const struct kho_format *kho_registry_find(struct kho_registry *r,
					   const char *family, u32 version)
{
	struct kho_format_iter it;
	const struct kho_format *f;

	kho_for_each_format(r, &it, f)
		if (f->version == version && !strcmp(f->family, family))
			return f;
	return NULL;
}

/**
 * kho_registry_knows_family() - does any format of @r belong to @family
 * @r: the registry
 * @family: family name
 *
 * Return: true if @r has at least one format (any version) of @family.
 */
bool kho_registry_knows_family(struct kho_registry *r, const char *family)
{
	struct kho_format_iter it;
	const struct kho_format *f;

	kho_for_each_format(r, &it, f)
		if (!strcmp(f->family, family))
			return true;
	return false;
}

/**
 * kho_registry_catalog_of() - the module catalog that declares a format
 * @r: the registry
 * @f: one of its formats
 *
 * Return: the catalog, or NULL for a format of the registry's own.
 */
const struct kho_catalog *kho_registry_catalog_of(struct kho_registry *r,
						  const struct kho_format *f)
{
	const struct kho_catalog *c;

	for (c = r->modules; c; c = c->next)
		if (f >= c->formats && f < c->formats + c->nr_formats)
			return c;
	return NULL;
}

static bool kho_readable(const struct kho_format *f)
{
	return f && f->caps & KHO_FORMAT_READ && !f->state->unreadable;
}

static int live_add(struct kho_registry *r, void *rec)
{
	if (r->nr_live == r->max_live) {
		unsigned long max = r->max_live ? 2 * r->max_live : 16;
		void **live = kvcalloc(max, sizeof(*live), GFP_KERNEL);

		if (!live)
			return -ENOMEM;
		if (r->nr_live)
			memcpy(live, r->live, r->nr_live * sizeof(*live));
		kvfree(r->live);
		r->live = live;
		r->max_live = max;
	}
	r->live[r->nr_live++] = rec;
	return 0;
}

static long live_find(struct kho_registry *r, void *rec)
{
	unsigned long i;

	for (i = 0; i < r->nr_live; i++)
		if (r->live[i] == rec)
			return i;
	return -1;
}

static bool live_del(struct kho_registry *r, void *rec)
{
	long i = rec ? live_find(r, rec) : -1;

	if (i < 0)
		return false;
	r->live[i] = r->live[--r->nr_live];
	return true;
}

/**
 * __kho_registry_live() - the record of a live object of this kernel
 * @r: the registry
 * @handle: what __kho_registry_store() returned
 *
 * Return: the record, or NULL if @handle is no live record of @r.
 */
struct kho_record *__kho_registry_live(struct kho_registry *r, u64 handle)
{
	struct kho_record *rec = r->ops->range_virt(handle);

	return rec && live_find(r, rec) >= 0 ? rec : NULL;
}

static void unstore_versions(struct kho_registry *r, struct kho_record *rec,
			     void *obj)
{
	unsigned int i;

	for (i = 0; i < le16_to_cpu(rec->nr); i++) {
		const struct kho_format *f;

		f = kho_registry_find(r, rec->family,
				      le32_to_cpu(rec->versions[i].version));
		f->ops->unstore(f, obj, le64_to_cpu(rec->versions[i].handle));
		f->state->objects--;
	}
}

/**
 * __kho_registry_store() - store an object in every write-enabled version
 * @r: the registry
 * @family: the object's family
 * @obj: the object, passed to each version's store op
 * @handle: set to the handle of the record, what the next kernel needs
 *
 * Return: 0; -EINVAL for a bad family name; -ENOENT if no version of
 * @family is write-enabled; -E2BIG if more than KHO_RECORD_MAX_VERSIONS
 * are; -ENOMEM or the error of a store op (then nothing is stored).
 */
int __kho_registry_store(struct kho_registry *r, const char *family,
			 void *obj, u64 *handle)
{
	const struct kho_format *f;
	struct kho_format_iter it;
	struct kho_record *rec;
	unsigned int nr = 0;
	int err;

	if (strnlen(family, KHO_FAMILY_LEN) >= KHO_FAMILY_LEN)
		return -EINVAL;
	rec = r->ops->alloc();
	if (!rec)
		return -ENOMEM;
	rec->magic = cpu_to_le32(KHO_RECORD_MAGIC);
	strscpy(rec->family, family, sizeof(rec->family));

	kho_for_each_format(r, &it, f) {
		u64 h;

		if (strcmp(f->family, family) || !(f->caps & KHO_FORMAT_WRITE) ||
		    !f->state->write_enabled)
			continue;
		err = -E2BIG;
		if (nr == KHO_RECORD_MAX_VERSIONS)
			goto unstore;
		err = f->ops->store(f, obj, &h);
		if (err)
			goto unstore;
		f->state->objects++;
		rec->versions[nr].version = cpu_to_le32(f->version);
		rec->versions[nr].handle = cpu_to_le64(h);
		rec->nr = cpu_to_le16(++nr);
	}
	err = -ENOENT;
	if (!nr)
		goto free_record;
	err = r->ops->preserve(rec);
	if (err)
		goto unstore;
	err = live_add(r, rec);
	if (err)
		goto unpreserve;
	*handle = r->ops->to_phys(rec);
	return 0;

unpreserve:
	r->ops->unpreserve(rec);
unstore:
	unstore_versions(r, rec, obj);
free_record:
	r->ops->free(rec);
	return err;
}

/**
 * __kho_registry_unstore() - undo __kho_registry_store()
 * @r: the registry
 * @handle: the handle it returned
 * @obj: the object, passed to each version's unstore op
 *
 * Return: 0, or -ENOENT if @handle is not a live record of @r.
 */
int __kho_registry_unstore(struct kho_registry *r, u64 handle, void *obj)
{
	struct kho_record *rec = r->ops->range_virt(handle);

	if (!rec || !live_del(r, rec))
		return -ENOENT;
	unstore_versions(r, rec, obj);
	r->ops->unpreserve(rec);
	r->ops->free(rec);
	return 0;
}

/*
 * The record at @handle, read where it is without claiming it, if it is a
 * valid one: a wrong handle must not cost the owner of that page.
 */
static struct kho_record *record_peek(struct kho_registry *r, u64 handle)
{
	struct kho_record *rec = r->ops->peek(handle);
	unsigned int i, j, nr;

	if (!rec)
		return NULL;
	nr = le16_to_cpu(rec->nr);
	if (le32_to_cpu(rec->magic) != KHO_RECORD_MAGIC || rec->reserved ||
	    !nr || nr > KHO_RECORD_MAX_VERSIONS ||
	    strnlen(rec->family, KHO_FAMILY_LEN) == KHO_FAMILY_LEN)
		return NULL;
	for (i = 0; i < nr; i++) {
		if (rec->versions[i].reserved)
			return NULL;
		for (j = 0; j < i; j++)
			if (rec->versions[i].version == rec->versions[j].version)
				return NULL;
	}
	return rec;
}

/**
 * __kho_registry_peek() - read a record of the previous kernel in place
 * @r: the registry
 * @handle: its handle
 *
 * Return: the record if @handle is a valid unclaimed one, else NULL;
 * nothing is claimed.
 */
const struct kho_record *__kho_registry_peek(struct kho_registry *r,
					     u64 handle)
{
	return record_peek(r, handle);
}

/**
 * __kho_registry_forget() - drop the live records that use a catalog
 * @r: the registry
 * @c: a module catalog about to go away
 *
 * For a module that goes away with stored objects (its init failed after
 * it stored them): their records are unpreserved and freed so that no
 * record points to its formats any more; what its store ops preserved
 * stays preserved.
 *
 * Return: the number of records dropped.
 */
unsigned long __kho_registry_forget(struct kho_registry *r,
				    const struct kho_catalog *c)
{
	unsigned long i = 0, dropped = 0;

	while (i < r->nr_live) {
		struct kho_record *rec = r->live[i];
		bool uses = false;
		unsigned int j;

		for (j = 0; j < le16_to_cpu(rec->nr); j++) {
			const struct kho_format *f;

			f = kho_registry_find(r, rec->family,
					      le32_to_cpu(rec->versions[j].version));
			if (kho_registry_catalog_of(r, f) == c)
				uses = true;
		}
		if (!uses) {
			i++;
			continue;
		}
		for (j = 0; j < le16_to_cpu(rec->nr); j++)
			kho_registry_find(r, rec->family,
					  le32_to_cpu(rec->versions[j].version))->state->objects--;
		r->live[i] = r->live[--r->nr_live];
		r->ops->unpreserve(rec);
		r->ops->free(rec);
		dropped++;
	}
	return dropped;
}

/*
 * Discard every version of @rec not in @skip (bit i: versions[i]). A
 * version this kernel does not know cannot be discarded: its handle means
 * something only to its own ops, so whatever its store preserved (and no
 * other version claims) stays reserved.
 */
static void discard_versions(struct kho_registry *r, struct kho_record *rec,
			     unsigned int skip)
{
	unsigned int i;

	for (i = 0; i < le16_to_cpu(rec->nr); i++) {
		u32 version = le32_to_cpu(rec->versions[i].version);
		const struct kho_format *f;

		if (skip & (1U << i))
			continue;
		f = kho_registry_find(r, rec->family, version);
		if (f)
			f->ops->discard(f, le64_to_cpu(rec->versions[i].handle));
		else
			pr_warn("%s: version %u unknown here, its memory stays reserved\n",
				rec->family, version);
	}
}

/*
 * The index in @rec of the newest version readable here and not in
 * @tried, its format in @fmt; -1 if there is none.
 */
static int newest_readable(struct kho_registry *r, struct kho_record *rec,
			   unsigned int tried, const struct kho_format **fmt)
{
	unsigned int i;
	int best = -1;

	*fmt = NULL;
	for (i = 0; i < le16_to_cpu(rec->nr); i++) {
		const struct kho_format *f;

		if (tried & (1U << i))
			continue;
		f = kho_registry_find(r, rec->family,
				      le32_to_cpu(rec->versions[i].version));
		if (kho_readable(f) && (!*fmt || f->version > (*fmt)->version)) {
			*fmt = f;
			best = i;
		}
	}
	return best;
}

static void *no_readable_version(struct kho_record *rec)
{
	char list[KHO_RECORD_MAX_VERSIONS * sizeof(" v4294967295")] = "";
	unsigned int i;
	size_t len = 0;

	for (i = 0; i < le16_to_cpu(rec->nr); i++)
		len += scnprintf(list + len, sizeof(list) - len, " v%u",
				 le32_to_cpu(rec->versions[i].version));
	pr_err("%s: no readable version among:%s; object dropped\n",
	       rec->family, list);
	return ERR_PTR(-EOPNOTSUPP);
}

/**
 * __kho_registry_restore() - restore an object of the previous kernel
 * @r: the registry
 * @family: the family the caller expects
 * @handle: the handle __kho_registry_store() returned there
 *
 * Checks the record before claiming it: a handle that is no valid record
 * or one of another family is refused and nothing is touched, so the
 * object it belongs to can still be restored with its own family. Then
 * restores the newest version this kernel reads; if that restore fails
 * (it has released its version), the next older readable one, and so on.
 * The versions not tried are discarded last: memory they share with the
 * restored one must be claimed by the restore (KHO hands each preserved
 * page out once) so that discards skip it.
 *
 * Return: the object; ERR_PTR(-EINVAL) for a handle that is no valid
 * record of @family; ERR_PTR(-EOPNOTSUPP) if no version is readable here
 * (all are discarded); or the error of the restore of the newest readable
 * version if every readable version failed.
 */
void *__kho_registry_restore(struct kho_registry *r, const char *family,
			     u64 handle)
{
	struct kho_record *rec = record_peek(r, handle);
	const struct kho_format *f;
	unsigned int tried = 0;
	void *obj, *err = NULL;
	int i;

	if (rec && strcmp(rec->family, family)) {
		pr_err("%s: record at %#llx is of family %s, left to it\n",
		       family, (unsigned long long)handle, rec->family);
		return ERR_PTR(-EINVAL);
	}
	if (!rec || !r->ops->restore(handle)) {
		pr_err("%s: no valid record at %#llx\n", family,
		       (unsigned long long)handle);
		return ERR_PTR(-EINVAL);
	}
	i = newest_readable(r, rec, tried, &f);
	obj = i < 0 ? no_readable_version(rec) : NULL;
	while (i >= 0) {
		u32 failed = f->version;

		tried |= 1U << i;
		obj = f->ops->restore(f, le64_to_cpu(rec->versions[i].handle));
		if (!IS_ERR(obj))
			break;
		err = err ?: obj;
		i = newest_readable(r, rec, tried, &f);
		if (i >= 0)
			pr_err("%s: restore from version %u failed (%ld), trying version %u\n",
			       family, failed, PTR_ERR(obj), f->version);
		else
			pr_err("%s: restore from version %u failed (%ld); object dropped\n",
			       family, failed, PTR_ERR(obj));
	}
	discard_versions(r, rec, tried);
	r->ops->free(rec);
	return IS_ERR(obj) && err ? err : obj;
}

/**
 * __kho_registry_discard() - drop an object of the previous kernel
 * @r: the registry
 * @handle: its handle; nothing is touched if it is no valid record
 */
void __kho_registry_discard(struct kho_registry *r, u64 handle)
{
	struct kho_record *rec = record_peek(r, handle);

	if (!rec || !r->ops->restore(handle))
		return;
	discard_versions(r, rec, 0);
	r->ops->free(rec);
}

static bool target_reads(const struct kho_target_format *t, unsigned int nr,
			 const char *family, u32 version)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (t[i].version == version && t[i].caps & KHO_FORMAT_READ &&
		    !strcmp(t[i].family, family))
			return true;
	return false;
}

/**
 * __kho_registry_check() - can a target kernel read every live object
 * @r: the registry
 * @target: the formats of the target kernel
 * @nr_target: their number
 *
 * Return: 0, or -ENOEXEC (with one log line naming the family) if some
 * object was written in no version the target reads.
 */
int __kho_registry_check(struct kho_registry *r,
			 const struct kho_target_format *target,
			 unsigned int nr_target)
{
	unsigned long i;
	unsigned int j;

	for (i = 0; i < r->nr_live; i++) {
		struct kho_record *rec = r->live[i];
		bool ok = false;

		for (j = 0; j < le16_to_cpu(rec->nr) && !ok; j++)
			ok = target_reads(target, nr_target, rec->family,
					  le32_to_cpu(rec->versions[j].version));
		if (!ok) {
			pr_err("the target kernel reads no version of family %s that was written\n",
			       rec->family);
			return -ENOEXEC;
		}
	}
	return 0;
}

/**
 * kho_registry_destroy() - free the bookkeeping of a registry
 * @r: the registry, whose objects must all be unstored
 */
void kho_registry_destroy(struct kho_registry *r)
{
	kvfree(r->live);
	r->live = NULL;
	r->nr_live = r->max_live = 0;
}
