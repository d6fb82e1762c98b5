// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: restore of a kho_registry record from arbitrary bytes.
 * The first byte picks the path: bit 0 set discards the record
 * (__kho_registry_discard()) instead of restoring it, bits 1..3 make
 * versions 1..3 of the test family unreadable here. The rest are pages
 * (fuzz_pages.h), the record at page 0 (handle PAGE_SIZE).
 *
 * The registry knows the test family "kt-family", versions 1..3, and
 * "kt-other", version 1 (a record of the other family is refused by a
 * restore, discarded through known ops by a discard). Each version of an object is one page at
 * its handle: restore and discard claim it and free it (a restore that
 * cannot claim it fails with -ENODATA). Whatever the input, nothing
 * claimed may stay unreleased, a record refused (-EINVAL) is left
 * unclaimed with no op called, each known version of an accepted record
 * is restored or discarded exactly once, and a restored object comes from
 * the newest version of the record readable here whose restore did not
 * fail (every newer readable one was tried and failed).
 */
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/kho_registry.h>
#include <linux/slab.h>
#include "fuzz_pages.h"

#define FUZZ_REG_HEADER		1
#define FUZZ_REG_DISCARD	(1U << 0)
#define FUZZ_REG_UNREADABLE(v)	(1U << (v))	/* v = 1..3 */

#define FAMILY	"kt-family"
#define OTHER	"kt-other"
#define RW	(KHO_FORMAT_READ | KHO_FORMAT_WRITE)

/* A restored object: what its version's page said. */
struct fuzz_obj {
	u64 value;
	u32 version;
};

static struct kho_format_state fuzz_state[4];
/* Calls of the ops of each format in this run, failed restores. */
static unsigned int fuzz_restores[4], fuzz_discards[4], fuzz_failed[4];

static void *fuzz_reg_restore(const struct kho_format *f, u64 handle);
static void fuzz_reg_discard(const struct kho_format *f, u64 handle);

static int fuzz_reg_store(const struct kho_format *f, void *obj, u64 *handle)
{
	fuzz_fail("store called while restoring");
	return -EINVAL;
}

static void fuzz_reg_unstore(const struct kho_format *f, void *obj, u64 handle)
{
	fuzz_fail("unstore called while restoring");
}

static const struct kho_format_ops fuzz_reg_ops = {
	.store = fuzz_reg_store,
	.unstore = fuzz_reg_unstore,
	.restore = fuzz_reg_restore,
	.discard = fuzz_reg_discard,
};

static const struct kho_format fuzz_formats[] = {
	{ FAMILY, 1, RW, &fuzz_reg_ops, &fuzz_state[0] },
	{ FAMILY, 2, RW, &fuzz_reg_ops, &fuzz_state[1] },
	{ FAMILY, 3, RW, &fuzz_reg_ops, &fuzz_state[2] },
	{ OTHER, 1, RW, &fuzz_reg_ops, &fuzz_state[3] },
};

static unsigned int fuzz_format_index(const struct kho_format *f)
{
	if (f < fuzz_formats || f >= fuzz_formats + ARRAY_SIZE(fuzz_formats))
		fuzz_fail("op called with a format not of the registry");
	return f - fuzz_formats;
}

static void fuzz_format_called(const struct kho_format *f, unsigned int *calls)
{
	unsigned int i = fuzz_format_index(f);

	calls[i]++;
	if (fuzz_restores[i] + fuzz_discards[i] > 1)
		fuzz_fail("a version restored or discarded twice");
}

static void *fuzz_reg_restore(const struct kho_format *f, u64 handle)
{
	u64 *page;
	struct fuzz_obj *o;

	fuzz_format_called(f, fuzz_restores);
	if (f->state->unreadable || !(f->caps & KHO_FORMAT_READ))
		fuzz_fail("restore of an unreadable version");
	page = fuzz_page_ops.restore(handle);
	if (!page) {
		fuzz_failed[fuzz_format_index(f)]++;
		return ERR_PTR(-ENODATA);
	}
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (o) {
		o->value = page[0];
		o->version = f->version;
	}
	fuzz_page_ops.free(page);
	return o ?: ERR_PTR(-ENOMEM);
}

static void fuzz_reg_discard(const struct kho_format *f, u64 handle)
{
	void *page;

	fuzz_format_called(f, fuzz_discards);
	page = fuzz_page_ops.restore(handle);
	if (page)
		fuzz_page_ops.free(page);
}

/*
 * The newest version in the record at page 0 readable here and whose
 * restore did not fail, 0 if none; meaningful once the registry has
 * accepted the record as one of the test family.
 */
static u32 fuzz_newest_readable(void)
{
	const struct kho_record *rec = fuzz_pages_virt(PAGE_SIZE);
	unsigned int i, nr;
	u32 best = 0, v;

	if (!rec)
		return 0;
	nr = min(le16_to_cpu(rec->nr), KHO_RECORD_MAX_VERSIONS);
	for (i = 0; i < nr; i++) {
		v = le32_to_cpu(rec->versions[i].version);
		if (v >= 1 && v <= 3 && !fuzz_state[v - 1].unreadable &&
		    !fuzz_failed[v - 1] && v > best)
			best = v;
	}
	return best;
}

/*
 * Once the registry has called an op, it has accepted the record at page
 * 0: then each version of it this registry knows must have been restored
 * or discarded (exactly once: fuzz_format_called()).
 */
static unsigned int fuzz_calls(void)
{
	unsigned int j, calls = 0;

	for (j = 0; j < ARRAY_SIZE(fuzz_formats); j++)
		calls += fuzz_restores[j] + fuzz_discards[j];
	return calls;
}

static void fuzz_check_handled(void)
{
	const struct kho_record *rec = fuzz_pages_virt(PAGE_SIZE);
	unsigned int i, j;

	if (!fuzz_calls())
		return;
	for (i = 0; i < le16_to_cpu(rec->nr); i++) {
		for (j = 0; j < ARRAY_SIZE(fuzz_formats); j++) {
			if (fuzz_formats[j].version !=
			    le32_to_cpu(rec->versions[i].version) ||
			    strncmp(fuzz_formats[j].family, rec->family,
				    KHO_FAMILY_LEN))
				continue;
			if (fuzz_restores[j] + fuzz_discards[j] != 1)
				fuzz_fail("a version neither restored nor discarded");
		}
	}
}

/* Page 0 was there and is no longer handed over. */
static bool fuzz_record_claimed(void)
{
	return fuzz_pages_nr() && !fuzz_page_ops.peek(PAGE_SIZE);
}

/* Reference: is page 0 a valid record (of any family)? */
static bool fuzz_record_valid(void)
{
	const struct kho_record *rec = fuzz_pages_virt(PAGE_SIZE);
	unsigned int i, j, nr;

	if (!rec || le32_to_cpu(rec->magic) != KHO_RECORD_MAGIC ||
	    rec->reserved || !memchr(rec->family, 0, KHO_FAMILY_LEN))
		return false;
	nr = le16_to_cpu(rec->nr);
	if (!nr || nr > KHO_RECORD_MAX_VERSIONS)
		return false;
	for (i = 0; i < nr; i++) {
		if (rec->versions[i].reserved)
			return false;
		for (j = 0; j < i; j++)
			if (rec->versions[i].version == rec->versions[j].version)
				return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct kho_registry r = {
		.formats = fuzz_formats,
		.nr_formats = ARRAY_SIZE(fuzz_formats),
		.ops = &fuzz_page_ops,
	};
	struct fuzz_obj *o;
	unsigned int i;
	bool ours;
	u8 flags;

	if (size < FUZZ_REG_HEADER)
		return 0;
	flags = data[0];
	memset(fuzz_state, 0, sizeof(fuzz_state));
	memset(fuzz_restores, 0, sizeof(fuzz_restores));
	memset(fuzz_discards, 0, sizeof(fuzz_discards));
	memset(fuzz_failed, 0, sizeof(fuzz_failed));
	for (i = 1; i <= 3; i++)
		fuzz_state[i - 1].unreadable = !!(flags & FUZZ_REG_UNREADABLE(i));
	fuzz_pages_init(data + FUZZ_REG_HEADER, size - FUZZ_REG_HEADER);

	if (flags & FUZZ_REG_DISCARD) {
		__kho_registry_discard(&r, PAGE_SIZE);
		for (i = 0; i < ARRAY_SIZE(fuzz_formats); i++)
			if (fuzz_restores[i])
				fuzz_fail("discard restored a version");
		if (fuzz_record_claimed() != fuzz_record_valid())
			fuzz_fail("discard claimed an invalid record or left a valid one");
	} else {
		o = __kho_registry_restore(&r, FAMILY, PAGE_SIZE);
		if (fuzz_restores[3])
			fuzz_fail("restore of a version of another family");
		ours = fuzz_record_valid() &&
		       !strcmp(((struct kho_record *)fuzz_pages_virt(PAGE_SIZE))->family,
			       FAMILY);
		if ((PTR_ERR(o) == -EINVAL) == ours)
			fuzz_fail("a valid record of the family refused, or another accepted");
		if (PTR_ERR(o) == -EINVAL && (fuzz_calls() || fuzz_record_claimed()))
			fuzz_fail("a refused record was touched");
		if (ours && !fuzz_record_claimed())
			fuzz_fail("an accepted record was left handed over");
		if (IS_ERR(o)) {
			if (PTR_ERR(o) != -EINVAL && PTR_ERR(o) != -EOPNOTSUPP &&
			    PTR_ERR(o) != -ENODATA)
				fuzz_fail("unexpected error");
			if (PTR_ERR(o) != -EINVAL && fuzz_newest_readable())
				fuzz_fail("a readable version was not tried");
			if (PTR_ERR(o) == -EOPNOTSUPP &&
			    fuzz_restores[0] + fuzz_restores[1] + fuzz_restores[2])
				fuzz_fail("-EOPNOTSUPP after a restore was tried");
		} else if (!o) {
			fuzz_fail("restore returned NULL");
		} else {
			if (o->version != fuzz_newest_readable())
				fuzz_fail("restored a version not the newest readable");
			kfree(o);
		}
	}
	fuzz_check_handled();
	if (r.nr_live || r.live)
		fuzz_fail("restore added live records");
	kho_registry_destroy(&r);
	fuzz_pages_done();
	return 0;
}
