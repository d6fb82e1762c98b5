// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho_registry: store objects in every write-enabled version of their
 * family, restore the newest readable one. Records and the rules live
 * here; the kernel's own registry, sysfs and the kexec guard are in
 * kho_registry_sysfs.c.
 *
 * Records are packed in record pages (include/linux/kho/abi/registry.h),
 * one class per page: objects of one family written in the same versions.
 * A class keeps its pages with a free slot first, so a store takes a slot
 * of its first page (or a new page) and an unstore frees one, each in
 * constant time; a hash table of the registry's pages checks a handle
 * before anything behind it is read.
 */
#define pr_fmt(fmt) "kho_registry: " fmt

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/bitops.h>
#include <linux/kho_registry.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "kho_page.h"

static_assert(sizeof(struct kho_format) == KHO_FORMAT_ENTRY_SIZE,
	      "the catalog entry is ABI");
static_assert(sizeof(struct kho_record_page) == KHO_RECORD_PAGE_HEADER,
	      "the record page is ABI");
static_assert(PAGE_SIZE == KHO_RECORD_PAGE_SIZE, "a record page is a page");
static_assert(KHO_RECORD_PAGE_WORDS * 64 >= KHO_RECORD_PAGE_SIZE / 8,
	      "a bit per slot");

/*
 * A class: the live records of one family written in the same versions,
 * in the same order (@fmts). Its pages with a free slot come first in
 * @pages, the full ones after them.
 */
struct kho_record_class {
	struct kho_record_class *next;
	struct list_head pages;
	unsigned int nr;
	const struct kho_format *fmts[KHO_RECORD_MAX_VERSIONS];
};

/*
 * A record page the registry holds: one it stores records in (@cls set,
 * preserved, in the list of its class), or one of the previous kernel it
 * claimed (@cls NULL), whose records not restored or discarded yet keep
 * their bit in @page->used. @used counts the bits set.
 */
struct kho_record_pg {
	struct kho_record_pg *hnext;
	struct list_head node;
	struct kho_record_class *cls;
	struct kho_record_page *page;
	phys_addr_t phys;
	unsigned int used;
};

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

static phys_addr_t rec_page_phys(u64 handle)
{
	return handle & ~(u64)(KHO_RECORD_PAGE_SIZE - 1);
}

static unsigned int rec_nr(const struct kho_record_page *p)
{
	return le16_to_cpu(p->nr_versions);
}

static bool slot_used(const struct kho_record_page *p, unsigned int slot)
{
	return le64_to_cpu(p->used[slot / 64]) >> (slot % 64) & 1;
}

static void slot_mark(struct kho_record_page *p, unsigned int slot, bool used)
{
	u64 w = le64_to_cpu(p->used[slot / 64]);

	w = used ? w | BIT_ULL(slot % 64) : w & ~BIT_ULL(slot % 64);
	p->used[slot / 64] = cpu_to_le64(w);
}

/* The first free slot of @p, which has one. */
static unsigned int slot_free(const struct kho_record_page *p)
{
	unsigned int w;

	for (w = 0; w < KHO_RECORD_PAGE_WORDS; w++)
		if (~le64_to_cpu(p->used[w]))
			return w * 64 + __ffs64(~le64_to_cpu(p->used[w]));
	return KHO_RECORD_PAGE_WORDS * 64;
}

static u64 slot_handle(const struct kho_record_pg *pg, unsigned int slot)
{
	return pg->phys + KHO_RECORD_PAGE_HEADER +
	       (u64)slot * 8 * rec_nr(pg->page);
}

/* The slot of @handle in the valid page @p if it holds a record, or -1. */
static int slot_of(const struct kho_record_page *p, u64 handle)
{
	unsigned int off = handle & (KHO_RECORD_PAGE_SIZE - 1);
	unsigned int stride = 8 * rec_nr(p), slot;

	if (off < KHO_RECORD_PAGE_HEADER ||
	    (off - KHO_RECORD_PAGE_HEADER) % stride)
		return -1;
	slot = (off - KHO_RECORD_PAGE_HEADER) / stride;
	if (slot >= kho_record_page_slots(rec_nr(p)) || !slot_used(p, slot))
		return -1;
	return slot;
}

/*
 * A record page of the previous kernel is checked whole before any of its
 * records is used: the header, and no slot marked used past the last one.
 */
static bool rec_page_valid(const struct kho_record_page *p)
{
	unsigned int nr = rec_nr(p), slots, i, j;

	if (le32_to_cpu(p->magic) != KHO_RECORD_PAGE_MAGIC || p->reserved ||
	    !nr || nr > KHO_RECORD_MAX_VERSIONS ||
	    strnlen(p->family, KHO_FAMILY_LEN) == KHO_FAMILY_LEN)
		return false;
	for (i = 0; i < KHO_RECORD_MAX_VERSIONS; i++) {
		if (i >= nr && p->versions[i])
			return false;
		for (j = 0; j < i && i < nr; j++)
			if (p->versions[i] == p->versions[j])
				return false;
	}
	slots = kho_record_page_slots(nr);
	for (i = 0; i < KHO_RECORD_PAGE_WORDS; i++) {
		u64 valid = slots >= (i + 1) * 64 ? ~0ULL :
			    slots <= i * 64 ? 0 : BIT_ULL(slots - i * 64) - 1;

		if (le64_to_cpu(p->used[i]) & ~valid)
			return false;
	}
	return true;
}

static void rec_read(const struct kho_record_page *p, unsigned int slot,
		     struct kho_record_info *info)
{
	unsigned int i, nr = rec_nr(p);

	memcpy(info->family, p->family, KHO_FAMILY_LEN);
	info->nr = nr;
	for (i = 0; i < nr; i++) {
		info->versions[i] = le32_to_cpu(p->versions[i]);
		info->handles[i] = le64_to_cpu(p->slots[slot * nr + i]);
	}
}

static unsigned long pg_hash(const struct kho_registry *r, phys_addr_t phys)
{
	return (unsigned long)((phys >> PAGE_SHIFT) * 0x9e3779b97f4a7c15ULL >> 32) &
	       (r->nr_buckets - 1);
}

static struct kho_record_pg *pg_find(const struct kho_registry *r,
				     phys_addr_t phys)
{
	struct kho_record_pg *pg;

	if (!r->nr_buckets)
		return NULL;
	for (pg = r->buckets[pg_hash(r, phys)]; pg; pg = pg->hnext)
		if (pg->phys == phys)
			return pg;
	return NULL;
}

/*
 * Make room for one more page in the hash table, doubling it at one page
 * per bucket. Fails only when there is no table at all: a table that
 * cannot grow still works, with longer chains.
 */
static int pg_reserve(struct kho_registry *r)
{
	unsigned long n = r->nr_buckets ? 2 * r->nr_buckets : 16;
	struct kho_record_pg **old = r->buckets, *pg, *next;
	unsigned long i, old_n = r->nr_buckets;

	if (r->nr_pages < r->nr_buckets)
		return 0;
	r->buckets = kvcalloc(n, sizeof(*r->buckets), GFP_KERNEL);
	if (!r->buckets) {
		r->buckets = old;
		return old ? 0 : -ENOMEM;
	}
	r->nr_buckets = n;
	for (i = 0; i < old_n; i++) {
		for (pg = old[i]; pg; pg = next) {
			unsigned long h = pg_hash(r, pg->phys);

			next = pg->hnext;
			pg->hnext = r->buckets[h];
			r->buckets[h] = pg;
		}
	}
	kvfree(old);
	return 0;
}

/* After pg_reserve(). */
static void pg_insert(struct kho_registry *r, struct kho_record_pg *pg)
{
	unsigned long h = pg_hash(r, pg->phys);

	pg->hnext = r->buckets[h];
	r->buckets[h] = pg;
	r->nr_pages++;
}

static void pg_remove(struct kho_registry *r, struct kho_record_pg *pg)
{
	struct kho_record_pg **p = &r->buckets[pg_hash(r, pg->phys)];

	while (*p != pg)
		p = &(*p)->hnext;
	*p = pg->hnext;
	r->nr_pages--;
}

/* The class of @nr versions @fmts of @family; created if needed. */
static struct kho_record_class *class_get(struct kho_registry *r,
					  const struct kho_format **fmts,
					  unsigned int nr)
{
	struct kho_record_class *cls;

	for (cls = r->classes; cls; cls = cls->next)
		if (cls->nr == nr &&
		    !memcmp(cls->fmts, fmts, nr * sizeof(*fmts)))
			return cls;
	cls = kzalloc(sizeof(*cls), GFP_KERNEL);
	if (!cls)
		return NULL;
	INIT_LIST_HEAD(&cls->pages);
	cls->nr = nr;
	memcpy(cls->fmts, fmts, nr * sizeof(*fmts));
	cls->next = r->classes;
	r->classes = cls;
	return cls;
}

/* A class goes with its last page. */
static void class_put(struct kho_registry *r, struct kho_record_class *cls)
{
	struct kho_record_class **p = &r->classes;

	if (!list_empty(&cls->pages))
		return;
	while (*p != cls)
		p = &(*p)->next;
	*p = cls->next;
	kfree(cls);
}

/* A new, preserved record page for @cls, first in its list. */
static struct kho_record_pg *pg_new(struct kho_registry *r,
				    struct kho_record_class *cls)
{
	struct kho_record_page *p;
	struct kho_record_pg *pg;
	unsigned int i;
	int err;

	err = pg_reserve(r);
	if (err)
		return ERR_PTR(err);
	pg = kzalloc(sizeof(*pg), GFP_KERNEL);
	if (!pg)
		return ERR_PTR(-ENOMEM);
	err = -ENOMEM;
	p = r->ops->alloc();
	if (!p)
		goto free_pg;
	p->magic = cpu_to_le32(KHO_RECORD_PAGE_MAGIC);
	p->nr_versions = cpu_to_le16(cls->nr);
	strscpy(p->family, cls->fmts[0]->family, sizeof(p->family));
	for (i = 0; i < cls->nr; i++)
		p->versions[i] = cpu_to_le32(cls->fmts[i]->version);
	err = r->ops->preserve(p);
	if (err)
		goto free_page;
	pg->cls = cls;
	pg->page = p;
	pg->phys = r->ops->to_phys(p);
	pg_insert(r, pg);
	list_add(&pg->node, &cls->pages);
	return pg;

free_page:
	r->ops->free(p);
free_pg:
	kfree(pg);
	return ERR_PTR(err);
}

/* Unpreserve and free a stored page of @pg->cls (which may go next). */
static void pg_release(struct kho_registry *r, struct kho_record_pg *pg)
{
	list_del(&pg->node);
	pg_remove(r, pg);
	r->ops->unpreserve(pg->page);
	r->ops->free(pg->page);
	kfree(pg);
}

/* Write the record @rec of class @cls in a free slot; its handle. */
static int record_add(struct kho_registry *r, struct kho_record_class *cls,
		      const struct kho_record_info *rec, u64 *handle)
{
	unsigned int slots = kho_record_page_slots(cls->nr), slot, i;
	struct kho_record_pg *pg;

	pg = list_first_entry_or_null(&cls->pages, struct kho_record_pg, node);
	if (!pg || pg->used == slots) {
		pg = pg_new(r, cls);
		if (IS_ERR(pg))
			return PTR_ERR(pg);
	}
	slot = slot_free(pg->page);
	for (i = 0; i < cls->nr; i++)
		pg->page->slots[slot * cls->nr + i] = cpu_to_le64(rec->handles[i]);
	slot_mark(pg->page, slot, true);
	if (++pg->used == slots)
		list_move_tail(&pg->node, &cls->pages);
	r->nr_live++;
	*handle = slot_handle(pg, slot);
	return 0;
}

/* Free the slot of a stored record; its page goes with its last record. */
static void record_del(struct kho_registry *r, struct kho_record_pg *pg,
		       unsigned int slot)
{
	struct kho_record_class *cls = pg->cls;

	slot_mark(pg->page, slot, false);
	memset(&pg->page->slots[slot * cls->nr], 0,
	       cls->nr * sizeof(pg->page->slots[0]));
	r->nr_live--;
	if (pg->used-- == kho_record_page_slots(cls->nr))
		list_move(&pg->node, &cls->pages);
	if (!pg->used) {
		pg_release(r, pg);
		class_put(r, cls);
	}
}

/* The stored page of @handle and its slot, or NULL. */
static struct kho_record_pg *live_find(struct kho_registry *r, u64 handle,
				       int *slot)
{
	struct kho_record_pg *pg = pg_find(r, rec_page_phys(handle));

	if (!pg || !pg->cls)
		return NULL;
	*slot = slot_of(pg->page, handle);
	return *slot < 0 ? NULL : pg;
}

/**
 * __kho_registry_live() - the record of a live object of this kernel
 * @r: the registry
 * @handle: what __kho_registry_store() returned
 * @info: filled with the record
 *
 * Return: 0, or -ENOENT if @handle is no live record of @r.
 */
int __kho_registry_live(struct kho_registry *r, u64 handle,
			struct kho_record_info *info)
{
	struct kho_record_pg *pg;
	int slot;

	pg = live_find(r, handle, &slot);
	if (!pg)
		return -ENOENT;
	rec_read(pg->page, slot, info);
	return 0;
}

/**
 * __kho_registry_walk_live() - call @fn on every live record
 * @r: the registry
 * @fn: called with @arg, the handle and the record; an error stops the walk
 * @arg: for @fn, which must not store or unstore
 *
 * Return: 0, or the first error of @fn.
 */
int __kho_registry_walk_live(struct kho_registry *r, kho_record_fn_t fn,
				 void *arg)
{
	struct kho_record_info info;
	struct kho_record_class *cls;
	struct kho_record_pg *pg;
	unsigned int slot;
	int err;

	for (cls = r->classes; cls; cls = cls->next) {
		list_for_each_entry(pg, &cls->pages, node) {
			for (slot = 0; slot < kho_record_page_slots(cls->nr); slot++) {
				if (!slot_used(pg->page, slot))
					continue;
				rec_read(pg->page, slot, &info);
				err = fn(arg, slot_handle(pg, slot), &info);
				if (err)
					return err;
			}
		}
	}
	return 0;
}

static void unstore_versions(const struct kho_format **fmts,
			     const struct kho_record_info *rec, void *obj)
{
	unsigned int i;

	for (i = 0; i < rec->nr; i++) {
		fmts[i]->ops->unstore(fmts[i], obj, rec->handles[i]);
		fmts[i]->state->objects--;
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
 * are; -ENOMEM, the error of a store op or of the preservation of a new
 * record page (then nothing is stored).
 */
int __kho_registry_store(struct kho_registry *r, const char *family,
			 void *obj, u64 *handle)
{
	const struct kho_format *fmts[KHO_RECORD_MAX_VERSIONS];
	struct kho_record_info rec = { .nr = 0 };
	struct kho_record_class *cls;
	const struct kho_format *f;
	struct kho_format_iter it;
	int err;

	if (strnlen(family, KHO_FAMILY_LEN) >= KHO_FAMILY_LEN)
		return -EINVAL;
	kho_for_each_format(r, &it, f) {
		u64 h;

		if (strcmp(f->family, family) || !(f->caps & KHO_FORMAT_WRITE) ||
		    !f->state->write_enabled)
			continue;
		err = -E2BIG;
		if (rec.nr == KHO_RECORD_MAX_VERSIONS)
			goto unstore;
		err = f->ops->store(f, obj, &h);
		if (err)
			goto unstore;
		f->state->objects++;
		fmts[rec.nr] = f;
		rec.versions[rec.nr] = f->version;
		rec.handles[rec.nr++] = h;
	}
	if (!rec.nr)
		return -ENOENT;
	err = -ENOMEM;
	cls = class_get(r, fmts, rec.nr);
	if (!cls)
		goto unstore;
	err = record_add(r, cls, &rec, handle);
	if (!err)
		return 0;
	class_put(r, cls);
unstore:
	unstore_versions(fmts, &rec, obj);
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
	struct kho_record_info rec;
	struct kho_record_pg *pg;
	int slot;

	pg = live_find(r, handle, &slot);
	if (!pg)
		return -ENOENT;
	rec_read(pg->page, slot, &rec);
	unstore_versions(pg->cls->fmts, &rec, obj);
	record_del(r, pg, slot);
	return 0;
}

/*
 * The record at @handle of the previous kernel, read where it is without
 * claiming anything, if it is a valid one not claimed yet: a wrong handle
 * must not cost the owner of that page. @pg is set to the page if this
 * registry claimed it already (for another of its records). Return: the
 * slot, or -1.
 */
static int record_peek(struct kho_registry *r, u64 handle,
		       struct kho_record_info *info, struct kho_record_pg **pg)
{
	phys_addr_t phys = rec_page_phys(handle);
	struct kho_record_page *p;
	int slot;

	*pg = pg_find(r, phys);
	if (*pg) {
		p = (*pg)->cls ? NULL : (*pg)->page;
	} else {
		p = r->ops->peek(phys);
		if (p && !rec_page_valid(p))
			p = NULL;
	}
	slot = p ? slot_of(p, handle) : -1;
	if (slot >= 0)
		rec_read(p, slot, info);
	return slot;
}

/*
 * Take the record peeked at @handle out of the handover: its page is
 * claimed with the first of its records and freed after the last.
 * -ENOMEM (nothing claimed) or 0.
 */
static int record_claim(struct kho_registry *r, struct kho_record_pg *pg,
			u64 handle, int slot)
{
	unsigned int w;

	if (!pg) {
		if (pg_reserve(r))
			return -ENOMEM;
		pg = kzalloc(sizeof(*pg), GFP_KERNEL);
		if (!pg)
			return -ENOMEM;
		pg->phys = rec_page_phys(handle);
		pg->page = r->ops->restore(pg->phys);
		if (!pg->page) {	/* The page ops disagree with peek. */
			kfree(pg);
			return -EINVAL;
		}
		INIT_LIST_HEAD(&pg->node);
		for (w = 0; w < KHO_RECORD_PAGE_WORDS; w++)
			pg->used += hweight64(le64_to_cpu(pg->page->used[w]));
		pg_insert(r, pg);
	}
	slot_mark(pg->page, slot, false);
	if (!--pg->used) {
		pg_remove(r, pg);
		r->ops->free(pg->page);
		kfree(pg);
	}
	return 0;
}

/**
 * __kho_registry_peek() - read a record of the previous kernel in place
 * @r: the registry
 * @handle: its handle
 * @info: filled with the record
 *
 * Return: 0 if @handle is a valid unclaimed record, else -ENOENT; nothing
 * is claimed.
 */
int __kho_registry_peek(struct kho_registry *r, u64 handle,
			struct kho_record_info *info)
{
	struct kho_record_pg *pg;

	return record_peek(r, handle, info, &pg) < 0 ? -ENOENT : 0;
}

/**
 * __kho_registry_drop() - release the record of an object, not its versions
 * @r: the registry
 * @handle: its handle
 *
 * For an object whose versions are released another way (no format of
 * its family here): only the record is claimed.
 *
 * Return: true if @handle was a valid unclaimed record, now released.
 */
bool __kho_registry_drop(struct kho_registry *r, u64 handle)
{
	struct kho_record_info rec;
	struct kho_record_pg *pg;
	int slot = record_peek(r, handle, &rec, &pg);

	return slot >= 0 && !record_claim(r, pg, handle, slot);
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
	struct kho_record_class **p = &r->classes, *cls;
	struct kho_record_pg *pg, *tmp;
	unsigned long dropped = 0;
	unsigned int i;

	while ((cls = *p)) {
		bool uses = false;

		for (i = 0; i < cls->nr; i++)
			if (kho_registry_catalog_of(r, cls->fmts[i]) == c)
				uses = true;
		if (!uses) {
			p = &cls->next;
			continue;
		}
		list_for_each_entry_safe(pg, tmp, &cls->pages, node) {
			for (i = 0; i < cls->nr; i++)
				cls->fmts[i]->state->objects -= pg->used;
			r->nr_live -= pg->used;
			dropped += pg->used;
			pg_release(r, pg);
		}
		*p = cls->next;
		kfree(cls);
	}
	return dropped;
}

/*
 * Discard every version of @rec not in @skip (bit i: versions[i]). A
 * version this kernel does not know cannot be discarded: its handle means
 * something only to its own ops, so whatever its store preserved (and no
 * other version claims) stays reserved.
 */
static void discard_versions(struct kho_registry *r,
			     const struct kho_record_info *rec,
			     unsigned int skip)
{
	unsigned int i;

	for (i = 0; i < rec->nr; i++) {
		const struct kho_format *f;

		if (skip & (1U << i))
			continue;
		f = kho_registry_find(r, rec->family, rec->versions[i]);
		if (f)
			f->ops->discard(f, rec->handles[i]);
		else
			pr_warn("%s: version %u unknown here, its memory stays reserved\n",
				rec->family, rec->versions[i]);
	}
}

/*
 * The index in @rec of the newest version readable here and not in
 * @tried, its format in @fmt; -1 if there is none.
 */
static int newest_readable(struct kho_registry *r,
			   const struct kho_record_info *rec,
			   unsigned int tried, const struct kho_format **fmt)
{
	unsigned int i;
	int best = -1;

	*fmt = NULL;
	for (i = 0; i < rec->nr; i++) {
		const struct kho_format *f;

		if (tried & (1U << i))
			continue;
		f = kho_registry_find(r, rec->family, rec->versions[i]);
		if (kho_readable(f) && (!*fmt || f->version > (*fmt)->version)) {
			*fmt = f;
			best = i;
		}
	}
	return best;
}

static void *no_readable_version(const struct kho_record_info *rec)
{
	char list[KHO_RECORD_MAX_VERSIONS * sizeof(" v4294967295")] = "";
	unsigned int i;
	size_t len = 0;

	for (i = 0; i < rec->nr; i++)
		len += scnprintf(list + len, sizeof(list) - len, " v%u",
				 rec->versions[i]);
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
 * record of @family; ERR_PTR(-ENOMEM) if the record could not be claimed
 * (nothing is); ERR_PTR(-EOPNOTSUPP) if no version is readable here (all
 * are discarded); or the error of the restore of the newest readable
 * version if every readable version failed.
 */
void *__kho_registry_restore(struct kho_registry *r, const char *family,
			     u64 handle)
{
	const struct kho_format *f;
	struct kho_record_info rec;
	struct kho_record_pg *pg;
	unsigned int tried = 0;
	void *obj, *err = NULL;
	int i, slot;

	slot = record_peek(r, handle, &rec, &pg);
	if (slot >= 0 && strcmp(rec.family, family)) {
		pr_err("%s: record at %#llx is of family %s, left to it\n",
		       family, (unsigned long long)handle, rec.family);
		return ERR_PTR(-EINVAL);
	}
	if (slot < 0) {
		pr_err("%s: no valid record at %#llx\n", family,
		       (unsigned long long)handle);
		return ERR_PTR(-EINVAL);
	}
	i = record_claim(r, pg, handle, slot);
	if (i) {
		pr_err("%s: cannot claim the record at %#llx (%d)\n", family,
		       (unsigned long long)handle, i);
		return ERR_PTR(i);
	}
	i = newest_readable(r, &rec, tried, &f);
	obj = i < 0 ? no_readable_version(&rec) : NULL;
	while (i >= 0) {
		u32 failed = f->version;

		tried |= 1U << i;
		obj = f->ops->restore(f, rec.handles[i]);
		if (!IS_ERR(obj))
			break;
		err = err ?: obj;
		i = newest_readable(r, &rec, tried, &f);
		if (i >= 0)
			pr_err("%s: restore from version %u failed (%ld), trying version %u\n",
			       family, failed, PTR_ERR(obj), f->version);
		else
			pr_err("%s: restore from version %u failed (%ld); object dropped\n",
			       family, failed, PTR_ERR(obj));
	}
	discard_versions(r, &rec, tried);
	return IS_ERR(obj) && err ? err : obj;
}

/**
 * __kho_registry_discard() - drop an object of the previous kernel
 * @r: the registry
 * @handle: its handle; nothing is touched if it is no valid record, or
 *          if its record cannot be claimed (out of memory, logged)
 */
void __kho_registry_discard(struct kho_registry *r, u64 handle)
{
	struct kho_record_info rec;
	struct kho_record_pg *pg;
	int slot = record_peek(r, handle, &rec, &pg);

	if (slot < 0)
		return;
	if (record_claim(r, pg, handle, slot)) {
		pr_err("%s: cannot claim the record at %#llx to discard it\n",
		       rec.family, (unsigned long long)handle);
		return;
	}
	discard_versions(r, &rec, 0);
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
	const struct kho_record_class *cls;
	unsigned int j;

	/* A class exists while it has records. */
	for (cls = r->classes; cls; cls = cls->next) {
		bool ok = false;

		for (j = 0; j < cls->nr && !ok; j++)
			ok = target_reads(target, nr_target,
					  cls->fmts[j]->family,
					  cls->fmts[j]->version);
		if (!ok) {
			pr_err("the target kernel reads no version of family %s that was written\n",
			       cls->fmts[0]->family);
			return -ENOEXEC;
		}
	}
	return 0;
}

/**
 * kho_registry_destroy() - free the bookkeeping of a registry
 * @r: the registry
 *
 * The record pages of objects still stored stay preserved, as a kexec
 * hands them over (tests simulate one next); the record pages claimed
 * from the previous kernel are freed, with the records in them nobody
 * restored.
 */
void kho_registry_destroy(struct kho_registry *r)
{
	struct kho_record_class *cls, *next;
	struct kho_record_pg *pg, *hnext;
	unsigned long i;

	for (i = 0; i < r->nr_buckets; i++) {
		for (pg = r->buckets[i]; pg; pg = hnext) {
			hnext = pg->hnext;
			if (!pg->cls)
				r->ops->free(pg->page);
			kfree(pg);
		}
	}
	for (cls = r->classes; cls; cls = next) {
		next = cls->next;
		kfree(cls);
	}
	kvfree(r->buckets);
	r->buckets = NULL;
	r->classes = NULL;
	r->nr_buckets = r->nr_pages = r->nr_live = 0;
}
