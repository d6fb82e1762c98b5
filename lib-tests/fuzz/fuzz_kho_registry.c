// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: restore of kho_registry records from arbitrary bytes.
 * The first byte picks the path: bit 0 set discards the records
 * (__kho_registry_discard()) instead of restoring them, bits 1..3 make
 * versions 1..3 of the test family unreadable here. Bytes 1..2 and 3..4
 * (little-endian, low 12 bits) are the offsets in page 0 of two handles,
 * used one after the other: the second finds the record page claimed
 * already when the first was accepted. The rest are pages
 * (fuzz_pages.h), the record page at page 0 (physical PAGE_SIZE).
 *
 * The registry knows the test family "kt-family", versions 1..3, and
 * "kt-other", version 1 (a record of the other family is refused by a
 * restore, discarded through known ops by a discard). Each version of an
 * object is one page at its handle: restore and discard claim it and free
 * it (a restore that cannot claim it fails with -ENODATA). Whatever the
 * input, nothing claimed may stay unreleased, a handle refused (-EINVAL)
 * touches nothing, each known version of an accepted record is restored
 * or discarded exactly once, and a restored object comes from the newest
 * version of the record readable here whose restore did not fail (every
 * newer readable one was tried and failed). The reference checks of the
 * record page below are written from the ABI, not from the library.
 */
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/kho_registry.h>
#include <linux/slab.h>
#include "fuzz_pages.h"

#define FUZZ_REG_HEADER		5
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

/* Page 0 as the input gave it: the registry edits its bitmap. */
static struct kho_record_page *fuzz_orig;
/* Slots of page 0 taken by an earlier handle of this input. */
static u64 fuzz_taken[KHO_RECORD_PAGE_WORDS];

/* Reference: the slot of @off in page 0 if it holds a record, or -1. */
static int fuzz_ref_slot(unsigned int off)
{
	const struct kho_record_page *p = fuzz_orig;
	unsigned int i, j, nr, stride, slot;

	if (!p || le32_to_cpu(p->magic) != KHO_RECORD_PAGE_MAGIC ||
	    p->reserved || !memchr(p->family, 0, KHO_FAMILY_LEN))
		return -1;
	nr = le16_to_cpu(p->nr_versions);
	if (!nr || nr > KHO_RECORD_MAX_VERSIONS)
		return -1;
	for (i = 0; i < KHO_RECORD_MAX_VERSIONS; i++) {
		if (i >= nr && p->versions[i])
			return -1;
		for (j = 0; j < i && i < nr; j++)
			if (p->versions[i] == p->versions[j])
				return -1;
	}
	for (i = (4096 - KHO_RECORD_PAGE_HEADER) / (8 * nr); i < 512; i++)
		if (le64_to_cpu(p->used[i / 64]) >> (i % 64) & 1)
			return -1;
	stride = 8 * nr;
	if (off < KHO_RECORD_PAGE_HEADER || (off - KHO_RECORD_PAGE_HEADER) % stride)
		return -1;
	slot = (off - KHO_RECORD_PAGE_HEADER) / stride;
	if (slot >= (4096 - KHO_RECORD_PAGE_HEADER) / stride ||
	    !(le64_to_cpu(p->used[slot / 64]) >> (slot % 64) & 1) ||
	    fuzz_taken[slot / 64] >> (slot % 64) & 1)
		return -1;
	return slot;
}

static u32 fuzz_version(unsigned int i)
{
	return le32_to_cpu(fuzz_orig->versions[i]);
}

/*
 * The newest version of the record in @slot readable here and whose
 * restore did not fail, 0 if none.
 */
static u32 fuzz_newest_readable(void)
{
	unsigned int i, nr = le16_to_cpu(fuzz_orig->nr_versions);
	u32 best = 0, v;

	for (i = 0; i < nr; i++) {
		v = fuzz_version(i);
		if (v >= 1 && v <= 3 && !fuzz_state[v - 1].unreadable &&
		    !fuzz_failed[v - 1] && v > best)
			best = v;
	}
	return best;
}

static unsigned int fuzz_calls(void)
{
	unsigned int j, calls = 0;

	for (j = 0; j < ARRAY_SIZE(fuzz_formats); j++)
		calls += fuzz_restores[j] + fuzz_discards[j];
	return calls;
}

/* Each version of the accepted record this registry knows was handled. */
static void fuzz_check_handled(void)
{
	unsigned int i, j, nr = le16_to_cpu(fuzz_orig->nr_versions);

	for (i = 0; i < nr; i++) {
		for (j = 0; j < ARRAY_SIZE(fuzz_formats); j++) {
			if (fuzz_formats[j].version != fuzz_version(i) ||
			    strncmp(fuzz_formats[j].family, fuzz_orig->family,
				    KHO_FAMILY_LEN))
				continue;
			if (fuzz_restores[j] + fuzz_discards[j] != 1)
				fuzz_fail("a version neither restored nor discarded");
		}
	}
}

/* Page 0 is there and no longer handed over. */
static bool fuzz_page_claimed(void)
{
	return fuzz_pages_nr() && !fuzz_page_ops.peek(PAGE_SIZE);
}

/* Restore or discard the handle at @off of page 0; check the outcome. */
static void fuzz_one(struct kho_registry *r, unsigned int off, bool discard)
{
	int slot = fuzz_ref_slot(off);
	bool claimed = fuzz_page_claimed(), ours;
	u64 handle = PAGE_SIZE + off;
	struct fuzz_obj *o;

	memset(fuzz_restores, 0, sizeof(fuzz_restores));
	memset(fuzz_discards, 0, sizeof(fuzz_discards));
	memset(fuzz_failed, 0, sizeof(fuzz_failed));
	if (discard) {
		__kho_registry_discard(r, handle);
		if (fuzz_restores[0] + fuzz_restores[1] + fuzz_restores[2] +
		    fuzz_restores[3])
			fuzz_fail("discard restored a version");
		ours = slot >= 0;
		if (!ours && fuzz_calls())
			fuzz_fail("discard of an invalid record called an op");
	} else {
		o = __kho_registry_restore(r, FAMILY, handle);
		if (fuzz_restores[3])
			fuzz_fail("restore of a version of another family");
		ours = slot >= 0 && !strcmp(fuzz_orig->family, FAMILY);
		if ((PTR_ERR(o) == -EINVAL) == ours)
			fuzz_fail("a valid record of the family refused, or another accepted");
		if (PTR_ERR(o) == -EINVAL && fuzz_calls())
			fuzz_fail("a refused record was touched");
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
	if (!ours) {
		if (fuzz_page_claimed() != claimed)
			fuzz_fail("a refused handle claimed its page");
		return;
	}
	if (!fuzz_page_claimed())
		fuzz_fail("an accepted record was left handed over");
	fuzz_check_handled();
	fuzz_taken[slot / 64] |= 1ULL << (slot % 64);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct kho_registry r = {
		.formats = fuzz_formats,
		.nr_formats = ARRAY_SIZE(fuzz_formats),
		.ops = &fuzz_page_ops,
	};
	unsigned int i;
	u8 flags;

	if (size < FUZZ_REG_HEADER)
		return 0;
	flags = data[0];
	memset(fuzz_state, 0, sizeof(fuzz_state));
	memset(fuzz_taken, 0, sizeof(fuzz_taken));
	for (i = 1; i <= 3; i++)
		fuzz_state[i - 1].unreadable = !!(flags & FUZZ_REG_UNREADABLE(i));
	fuzz_pages_init(data + FUZZ_REG_HEADER, size - FUZZ_REG_HEADER);
	fuzz_orig = NULL;
	if (fuzz_pages_nr()) {
		fuzz_orig = malloc(PAGE_SIZE);
		if (!fuzz_orig)
			fuzz_fail("out of memory");
		memcpy(fuzz_orig, fuzz_pages_virt(PAGE_SIZE), PAGE_SIZE);
	}

	for (i = 0; i < 2; i++)
		fuzz_one(&r, (data[1 + 2 * i] | data[2 + 2 * i] << 8) &
			 (PAGE_SIZE - 1), flags & FUZZ_REG_DISCARD);
	if (r.nr_live || r.classes)
		fuzz_fail("restore added live records");
	kho_registry_destroy(&r);
	fuzz_pages_done();
	free(fuzz_orig);
	return 0;
}
