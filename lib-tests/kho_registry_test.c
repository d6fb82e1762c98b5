// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of kho_registry (kernel/liveupdate/lib/kho_registry.c) on a test
 * family with versions 1..3 over the fake KHO: multi-version writes,
 * newest-readable selection, nothing readable, the target check, every
 * failure point, leak counts; and on a family whose versions preserve
 * nothing, the packing of records: full pages, first and last slots,
 * unstore in every position, 100k objects against a reference model.
 */
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/kho_registry.h>
#include <linux/slab.h>
#include "fake_kho.h"
#include "kho_test.h"

#define FAMILY "kt-family"

/* A test object: a number; each version keeps it in one preserved page. */
struct kt_obj {
	u64 value;
	u32 restored_from;
};

static int kt_restored_version;

static int kt_store(const struct kho_format *f, void *obj, u64 *handle)
{
	struct kt_obj *o = obj;
	u64 *page = fake_kho_ops.alloc();
	int err;

	if (!page)
		return -ENOMEM;
	page[0] = o->value;
	page[1] = f->version;
	err = fake_kho_ops.preserve(page);
	if (err) {
		fake_kho_ops.free(page);
		return err;
	}
	*handle = fake_kho_ops.to_phys(page);
	return 0;
}

static void kt_unstore(const struct kho_format *f, void *obj, u64 handle)
{
	void *page = fake_kho_ops.range_virt(handle);

	fake_kho_ops.unpreserve(page);
	fake_kho_ops.free(page);
}

/* A page that does not say its version is damaged: freed, -EBADMSG. */
static void *kt_restore(const struct kho_format *f, u64 handle)
{
	u64 *page = fake_kho_ops.restore(handle);
	struct kt_obj *o;
	void *scratch;

	if (!page)
		return ERR_PTR(-EINVAL);
	if (page[1] != f->version) {
		fake_kho_ops.free(page);
		return ERR_PTR(-EBADMSG);
	}
	/* Like a real format, it needs memory: fake_kho_fail_after() hits it. */
	scratch = fake_kho_ops.alloc();
	if (!scratch) {
		fake_kho_ops.free(page);
		return ERR_PTR(-ENOMEM);
	}
	fake_kho_ops.free(scratch);
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (o) {
		o->value = page[0];
		o->restored_from = page[1];
	}
	fake_kho_ops.free(page);
	return o ?: ERR_PTR(-ENOMEM);
}

static void kt_discard(const struct kho_format *f, u64 handle)
{
	void *page = fake_kho_ops.restore(handle);

	if (page)
		fake_kho_ops.free(page);
}

static const struct kho_format_ops kt_ops = {
	.store = kt_store,
	.unstore = kt_unstore,
	.restore = kt_restore,
	.discard = kt_discard,
};

#define RW (KHO_FORMAT_READ | KHO_FORMAT_WRITE)

static struct kho_format_state kt_state[4];
static const struct kho_format kt_formats[] = {
	{ FAMILY, 1, RW, &kt_ops, &kt_state[0] },
	{ FAMILY, 2, RW, &kt_ops, &kt_state[1] },
	{ FAMILY, 3, RW, &kt_ops, &kt_state[2] },
	{ "kt-other", 1, RW, &kt_ops, &kt_state[3] },
};

static void kt_registry(struct kho_registry *r, bool v1, bool v2, bool v3)
{
	memset(kt_state, 0, sizeof(kt_state));
	kt_state[0].write_enabled = v1;
	kt_state[1].write_enabled = v2;
	kt_state[2].write_enabled = v3;
	kt_state[3].write_enabled = true;
	memset(r, 0, sizeof(*r));
	r->formats = kt_formats;
	r->nr_formats = ARRAY_SIZE(kt_formats);
	r->ops = &fake_kho_ops;
	kt_restored_version = 0;
}

/* Store with versions @v1..@v3 write-enabled, kexec, restore. */
static struct kt_obj *kt_round_trip(KT_CTX, bool v1, bool v2, bool v3,
				    unsigned int unreadable)
{
	struct kho_registry r;
	struct kt_obj obj = { .value = 1234 }, *out;
	u64 handle;

	kt_registry(&r, v1, v2, v3);
	if (__kho_registry_store(&r, FAMILY, &obj, &handle))
		return ERR_PTR(-EIO);
	KT_EXPECT_EQ(kt_state[0].objects + kt_state[1].objects +
		     kt_state[2].objects, v1 + v2 + v3);
	kho_registry_destroy(&r);
	fake_kho_kexec();

	kt_registry(&r, false, false, false);
	if (unreadable)
		kt_state[unreadable - 1].unreadable = true;
	out = __kho_registry_restore(&r, FAMILY, handle);
	kho_registry_destroy(&r);
	return out;
}

static void kho_registry_test_versions(KT_CTX)
{
	struct kt_obj *o;

	/* Newest written version wins. */
	o = kt_round_trip(kt, true, true, true, 0);
	KT_ASSERT(!IS_ERR(o));
	KT_EXPECT_EQ(o->value, 1234);
	KT_EXPECT_EQ(o->restored_from, 3);
	kfree(o);
	/* A transition: v2 + v3 written, v3 unreadable here -> v2. */
	o = kt_round_trip(kt, false, true, true, 3);
	KT_ASSERT(!IS_ERR(o));
	KT_EXPECT_EQ(o->restored_from, 2);
	kfree(o);
	/* Only v3 written, v3 unreadable: nothing readable, all dropped. */
	o = kt_round_trip(kt, false, false, true, 3);
	KT_EXPECT_EQ(PTR_ERR(o), -EOPNOTSUPP);
	KT_EXPECT_EQ(fake_kho_misuse(), 0);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

/* The record page of the record at @handle. */
static struct kho_record_page *kt_page(u64 handle)
{
	return fake_kho_ops.range_virt(handle & ~(u64)(PAGE_SIZE - 1));
}

/* The handles of the record at @handle, one per version. */
static __le64 *kt_slot(u64 handle)
{
	return (__le64 *)((u8 *)kt_page(handle) + (handle & (PAGE_SIZE - 1)));
}

/* The page of version @version of the record at @handle. */
static u64 *kt_version_page(u64 handle, u32 version)
{
	struct kho_record_page *p = kt_page(handle);
	unsigned int i;

	for (i = 0; i < le16_to_cpu(p->nr_versions); i++)
		if (le32_to_cpu(p->versions[i]) == version)
			return fake_kho_ops.range_virt(le64_to_cpu(kt_slot(handle)[i]));
	return NULL;
}

/*
 * The newest readable version fails to restore: the next older one is
 * tried, and so on; the failed ones were released by their restore op,
 * the others are discarded. @damaged: bit v set damages version v.
 */
static void kho_registry_test_fallback(KT_CTX)
{
	static const struct {
		unsigned int damaged;
		int expect;	/* version restored, or -errno */
	} cases[] = {
		{ 0, 3 }, { 1 << 3, 2 }, { 1 << 3 | 1 << 2, 1 },
		{ 1 << 2, 3 }, { 1 << 3 | 1 << 1, 2 },
		{ 1 << 3 | 1 << 2 | 1 << 1, -EBADMSG },
	};
	struct kt_obj obj = { .value = 77 }, *o;
	struct kho_registry r;
	unsigned int c, v;
	u64 handle;

	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		kt_registry(&r, true, true, true);
		KT_ASSERT(__kho_registry_store(&r, FAMILY, &obj, &handle) == 0);
		for (v = 1; v <= 3; v++)
			if (cases[c].damaged & 1 << v)
				kt_version_page(handle, v)[1] = 99;
		kho_registry_destroy(&r);
		fake_kho_kexec();
		kt_registry(&r, false, false, false);
		o = __kho_registry_restore(&r, FAMILY, handle);
		if (cases[c].expect > 0) {
			KT_EXPECT(!IS_ERR(o));
			if (!IS_ERR(o)) {
				KT_EXPECT_EQ(o->restored_from, cases[c].expect);
				KT_EXPECT_EQ(o->value, 77);
				kfree(o);
			}
		} else {
			KT_EXPECT_EQ(PTR_ERR(o), cases[c].expect);
		}
		kho_registry_destroy(&r);
		/* Every version restored, released or discarded. */
		KT_EXPECT_EQ(fake_kho_handed(), 0);
		KT_EXPECT_EQ(fake_kho_misuse(), 0);
		KT_EXPECT_EQ(fake_kho_reset(), 0);
	}
}

/*
 * Pages claimed twice: a version whose handle is the record's own page
 * fails (the record is claimed first) and the next older one is used;
 * two versions sharing one page: the discard of the second finds it
 * claimed and leaves it.
 */
static void kho_registry_test_shared_pages(KT_CTX)
{
	struct kt_obj obj = { .value = 9 }, *o;
	struct kho_record_page *p;
	struct kho_registry r;
	u64 handle, lost;
	unsigned int c;
	__le64 *slot;

	for (c = 0; c < 2; c++) {
		kt_registry(&r, true, true, true);
		KT_ASSERT(__kho_registry_store(&r, FAMILY, &obj, &handle) == 0);
		p = kt_page(handle);
		slot = kt_slot(handle);
		KT_ASSERT(le16_to_cpu(p->nr_versions) == 3 &&
			  le32_to_cpu(p->versions[2]) == 3);
		/* The page replaced is no longer preserved: lost at kexec. */
		lost = le64_to_cpu(slot[c ? 0 : 2]);
		fake_kho_ops.unpreserve(fake_kho_ops.range_virt(lost));
		/* The record's own address: no page of a version. */
		if (c == 0)
			slot[2] = cpu_to_le64(handle);
		else
			slot[0] = slot[1];
		kho_registry_destroy(&r);
		fake_kho_kexec();
		kt_registry(&r, false, false, false);
		o = __kho_registry_restore(&r, FAMILY, handle);
		KT_EXPECT(!IS_ERR(o));
		if (!IS_ERR(o)) {
			KT_EXPECT_EQ(o->restored_from, c ? 3 : 2);
			kfree(o);
		}
		kho_registry_destroy(&r);
		KT_EXPECT_EQ(fake_kho_handed(), 0);
		KT_EXPECT_EQ(fake_kho_misuse(), 0);
		KT_EXPECT_EQ(fake_kho_reset(), 0);
	}
}

/*
 * The restore op runs out of memory after @n allocations: it falls back
 * to older versions, which fail the same way; whatever the outcome,
 * nothing stays handed over or allocated.
 */
static void kho_registry_test_restore_enomem(KT_CTX)
{
	struct kt_obj obj = { .value = 3 }, *o;
	struct kho_registry r;
	u64 handle;
	long n;

	for (n = 0; n < 3; n++) {
		kt_registry(&r, true, true, true);
		KT_ASSERT(__kho_registry_store(&r, FAMILY, &obj, &handle) == 0);
		kho_registry_destroy(&r);
		fake_kho_kexec();
		kt_registry(&r, false, false, false);
		fake_kho_fail_after(n);
		o = __kho_registry_restore(&r, FAMILY, handle);
		fake_kho_fail_after(-1);
		if (n == 0) {
			KT_EXPECT_EQ(PTR_ERR(o), -ENOMEM);
		} else {
			KT_EXPECT(!IS_ERR(o));
			if (!IS_ERR(o)) {
				KT_EXPECT_EQ(o->restored_from, 3);
				kfree(o);
			}
		}
		kho_registry_destroy(&r);
		KT_EXPECT_EQ(fake_kho_handed(), 0);
		KT_EXPECT_EQ(fake_kho_misuse(), 0);
		KT_EXPECT_EQ(fake_kho_reset(), 0);
	}
}

/*
 * A version this kernel does not know: exactly the memory behind its
 * handle stays handed over (the registry cannot tell what that is);
 * everything else is restored or freed.
 */
static void kho_registry_test_unknown_version(KT_CTX)
{
	struct kt_obj obj = { .value = 5 }, *o;
	struct kho_record_page *p;
	struct kho_registry r;
	u64 handle, v9;

	kt_registry(&r, true, false, true);
	KT_ASSERT(__kho_registry_store(&r, FAMILY, &obj, &handle) == 0);
	p = kt_page(handle);
	KT_ASSERT(le16_to_cpu(p->nr_versions) == 2);
	/* What a newer kernel writing v1 and v9 would hand over. */
	p->versions[1] = cpu_to_le32(9);
	v9 = le64_to_cpu(kt_slot(handle)[1]);
	kho_registry_destroy(&r);
	fake_kho_kexec();
	kt_registry(&r, false, false, false);
	o = __kho_registry_restore(&r, FAMILY, handle);
	KT_ASSERT(!IS_ERR(o));
	KT_EXPECT_EQ(o->restored_from, 1);
	kfree(o);
	KT_EXPECT_EQ(fake_kho_handed(), 1);
	KT_EXPECT(fake_kho_ops.peek(v9));
	kho_registry_destroy(&r);
	KT_EXPECT_EQ(fake_kho_misuse(), 0);
	KT_EXPECT_EQ(fake_kho_reset(), 1);
}

/*
 * A handle of another family, or one that is no record: refused before
 * anything is claimed, so the object it belongs to still comes back
 * whole with the right call.
 */
static void kho_registry_test_wrong_handle(KT_CTX)
{
	struct kt_obj obj = { .value = 42 }, *o;
	struct kho_registry r;
	u64 handle, other, v2;
	long handed;

	kt_registry(&r, false, true, true);
	KT_ASSERT(__kho_registry_store(&r, FAMILY, &obj, &handle) == 0);
	obj.value = 43;
	KT_ASSERT(__kho_registry_store(&r, "kt-other", &obj, &other) == 0);
	v2 = fake_kho_ops.to_phys(kt_version_page(handle, 2));
	kho_registry_destroy(&r);
	fake_kho_kexec();
	kt_registry(&r, false, false, false);
	handed = fake_kho_handed();
	KT_EXPECT_EQ(handed, 5);

	KT_EXPECT_EQ(PTR_ERR(__kho_registry_restore(&r, FAMILY, other)), -EINVAL);
	KT_EXPECT_EQ(PTR_ERR(__kho_registry_restore(&r, "kt-other", handle)),
		     -EINVAL);
	/* A version's page is no record: not claimed either. */
	KT_EXPECT_EQ(PTR_ERR(__kho_registry_restore(&r, FAMILY, v2)), -EINVAL);
	__kho_registry_discard(&r, v2);
	KT_EXPECT_EQ(PTR_ERR(__kho_registry_restore(&r, FAMILY, v2 + 8)),
		     -EINVAL);
	KT_EXPECT_EQ(fake_kho_handed(), handed);

	o = __kho_registry_restore(&r, "kt-other", other);
	KT_EXPECT(!IS_ERR(o));
	if (!IS_ERR(o)) {
		KT_EXPECT_EQ(o->value, 43);
		kfree(o);
	}
	o = __kho_registry_restore(&r, FAMILY, handle);
	KT_EXPECT(!IS_ERR(o));
	if (!IS_ERR(o)) {
		KT_EXPECT_EQ(o->value, 42);
		KT_EXPECT_EQ(o->restored_from, 3);
		kfree(o);
	}
	/* Claimed once: a second restore finds nothing. */
	KT_EXPECT_EQ(PTR_ERR(__kho_registry_restore(&r, FAMILY, handle)), -EINVAL);
	kho_registry_destroy(&r);
	KT_EXPECT_EQ(fake_kho_handed(), 0);
	KT_EXPECT_EQ(fake_kho_misuse(), 0);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

static void kho_registry_test_errors(KT_CTX)
{
	struct kho_registry r;
	struct kt_obj obj = { .value = 1 };
	u64 handle, other;
	void *out;

	kt_registry(&r, false, false, false);
	KT_EXPECT_EQ(__kho_registry_store(&r, FAMILY, &obj, &handle), -ENOENT);
	KT_EXPECT_EQ(__kho_registry_store(&r, "no-such-family", &obj, &handle),
		     -ENOENT);
	KT_EXPECT_EQ(__kho_registry_store(&r, "a-family-name-much-too-long-to-fit",
					  &obj, &handle), -EINVAL);
	kt_state[1].write_enabled = true;
	KT_ASSERT(__kho_registry_store(&r, FAMILY, &obj, &handle) == 0);
	KT_ASSERT(__kho_registry_store(&r, "kt-other", &obj, &other) == 0);
	KT_EXPECT_EQ(__kho_registry_unstore(&r, handle, &obj), 0);
	KT_EXPECT_EQ(__kho_registry_unstore(&r, handle, &obj), -ENOENT);
	KT_EXPECT_EQ(kt_state[1].objects, 0);
	kho_registry_destroy(&r);
	fake_kho_kexec();

	kt_registry(&r, false, false, false);
	/* Wrong family: refused, left for its owner. */
	out = __kho_registry_restore(&r, FAMILY, other);
	KT_EXPECT_EQ(PTR_ERR(out), -EINVAL);
	/* Unstored before kexec: nothing there. */
	out = __kho_registry_restore(&r, FAMILY, handle);
	KT_EXPECT_EQ(PTR_ERR(out), -EINVAL);
	__kho_registry_discard(&r, other);
	kho_registry_destroy(&r);
	KT_EXPECT_EQ(fake_kho_misuse(), 0);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

static void kho_registry_test_discard(KT_CTX)
{
	struct kho_registry r;
	struct kt_obj obj = { .value = 1 };
	u64 handle;

	kt_registry(&r, true, true, true);
	KT_ASSERT(__kho_registry_store(&r, FAMILY, &obj, &handle) == 0);
	kho_registry_destroy(&r);
	fake_kho_kexec();
	kt_registry(&r, false, false, false);
	__kho_registry_discard(&r, handle);
	__kho_registry_discard(&r, handle);
	kho_registry_destroy(&r);
	KT_EXPECT_EQ(fake_kho_misuse(), 0);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

static void kho_registry_test_target(KT_CTX)
{
	static const struct kho_target_format old_target[] = {
		{ FAMILY, 1, KHO_FORMAT_READ },
		{ "kt-other", 1, KHO_FORMAT_READ },
	};
	static const struct kho_target_format new_target[] = {
		{ FAMILY, 3, KHO_FORMAT_READ | KHO_FORMAT_WRITE },
		{ "kt-other", 1, KHO_FORMAT_READ },
	};
	struct kho_registry r;
	struct kt_obj obj = { .value = 1 };
	u64 handle;

	kt_registry(&r, false, true, true);
	KT_EXPECT_EQ(__kho_registry_check(&r, old_target, 0), 0);
	KT_ASSERT(__kho_registry_store(&r, FAMILY, &obj, &handle) == 0);
	KT_EXPECT_EQ(__kho_registry_check(&r, old_target, 2), -ENOEXEC);
	KT_EXPECT_EQ(__kho_registry_check(&r, new_target, 2), 0);
	KT_EXPECT_EQ(__kho_registry_check(&r, new_target, 1), 0);
	KT_EXPECT_EQ(__kho_registry_unstore(&r, handle, &obj), 0);
	KT_EXPECT_EQ(__kho_registry_check(&r, old_target, 2), 0);
	kho_registry_destroy(&r);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

/* Every allocation or preservation failure leaves nothing behind. */
static void kho_registry_test_enomem(KT_CTX)
{
	struct kho_registry r;
	struct kt_obj obj = { .value = 1 };
	u64 handle;
	long n;
	int err;

	for (n = 0;; n++) {
		kt_registry(&r, true, true, true);
		fake_kho_fail_after(n);
		err = __kho_registry_store(&r, FAMILY, &obj, &handle);
		fake_kho_fail_after(-1);
		KT_EXPECT(err == 0 || err == -ENOMEM);
		if (!err)
			KT_EXPECT_EQ(__kho_registry_unstore(&r, handle, &obj), 0);
		KT_EXPECT_EQ(kt_state[0].objects + kt_state[1].objects +
			     kt_state[2].objects, 0);
		kho_registry_destroy(&r);
		KT_EXPECT_EQ(fake_kho_misuse(), 0);
		KT_EXPECT_EQ(fake_kho_reset(), 0);
		if (!err)
			break;
	}
	/* 3 x (page, preserve), record page, its preserve */
	KT_EXPECT_EQ(n, 8);
}

/*
 * A damaged record page, or a handle that is no record in a good one:
 * refused, nothing claimed. Records of v1 + v2: 16 bytes a slot, 247
 * slots.
 */
static void kho_registry_test_corrupt(KT_CTX)
{
	struct kho_registry r;
	struct kt_obj obj = { .value = 1 };
	struct kho_record_page *p;
	unsigned int c;
	u64 handle;
	s64 delta;

	for (c = 0; c < 12; c++) {
		kt_registry(&r, true, true, false);
		KT_ASSERT(__kho_registry_store(&r, FAMILY, &obj, &handle) == 0);
		p = kt_page(handle);
		delta = 0;
		switch (c) {
		case 0:
			p->magic = 0;
			break;
		case 1:
			p->nr_versions = cpu_to_le16(KHO_RECORD_MAX_VERSIONS + 1);
			break;
		case 2:
			p->nr_versions = 0;
			break;
		case 3:
			p->versions[1] = p->versions[0];
			break;
		case 4:
			memset(p->family, 'x', sizeof(p->family));
			break;
		case 5:
			p->reserved = cpu_to_le16(1);
			break;
		case 6:		/* a version past nr_versions */
			p->versions[2] = cpu_to_le32(3);
			break;
		case 7:		/* a slot used past the last one */
			p->used[247 / 64] |= cpu_to_le64(1ULL << (247 % 64));
			break;
		case 8:		/* a free slot */
			delta = 16;
			break;
		case 9:		/* inside a slot */
			delta = 8;
			break;
		case 10:	/* the header */
			delta = -KHO_RECORD_PAGE_HEADER;
			break;
		case 11:	/* not aligned */
			delta = 4;
			break;
		}
		kho_registry_destroy(&r);
		fake_kho_kexec();
		kt_registry(&r, false, false, false);
		KT_EXPECT_EQ(PTR_ERR(__kho_registry_restore(&r, FAMILY,
							    handle + delta)),
			     -EINVAL);
		__kho_registry_discard(&r, handle + delta);
		KT_EXPECT(!__kho_registry_drop(&r, handle + delta));
		kho_registry_destroy(&r);
		KT_EXPECT_EQ(fake_kho_misuse(), 0);
		/*
		 * Nothing is claimed from a bad record: it and the pages of
		 * its versions stay handed over.
		 */
		KT_EXPECT_EQ(fake_kho_handed(), 3);
		KT_EXPECT_EQ(fake_kho_reset(), 3);
	}
}

/*
 * A family whose versions preserve nothing: the handle of a version is
 * the object's value, so only record pages are in the fake KHO.
 */
#define LIGHT "kt-light"

static int kt_light_store(const struct kho_format *f, void *obj, u64 *handle)
{
	*handle = *(u64 *)obj;
	return 0;
}

static void kt_light_unstore(const struct kho_format *f, void *obj,
			     u64 handle)
{
}

static void *kt_light_restore(const struct kho_format *f, u64 handle)
{
	u64 *o = kmalloc(sizeof(*o), GFP_KERNEL);

	if (!o)
		return ERR_PTR(-ENOMEM);
	*o = handle + f->version;
	return o;
}

static void kt_light_discard(const struct kho_format *f, u64 handle)
{
}

static const struct kho_format_ops kt_light_ops = {
	.store = kt_light_store,
	.unstore = kt_light_unstore,
	.restore = kt_light_restore,
	.discard = kt_light_discard,
};

static struct kho_format_state kt_light_state[2];
static const struct kho_format kt_light_formats[] = {
	{ LIGHT, 1, RW, &kt_light_ops, &kt_light_state[0] },
	{ LIGHT, 2, RW, &kt_light_ops, &kt_light_state[1] },
};

static void kt_light_registry(struct kho_registry *r, bool v2)
{
	memset(kt_light_state, 0, sizeof(kt_light_state));
	kt_light_state[0].write_enabled = true;
	kt_light_state[1].write_enabled = v2;
	memset(r, 0, sizeof(*r));
	r->formats = kt_light_formats;
	r->nr_formats = ARRAY_SIZE(kt_light_formats);
	r->ops = &fake_kho_ops;
}

/* Restore @handle of the light family: its value plus the version. */
static u64 kt_light_get(struct kho_registry *r, u64 handle)
{
	u64 *o = __kho_registry_restore(r, LIGHT, handle), v;

	if (IS_ERR(o))
		return 0;
	v = *o;
	kfree(o);
	return v;
}

/*
 * A page of records, full: the first record at the header's end, the
 * last at the end of the last slot, one page for them all and a second
 * one for the next record; the second goes with its last record.
 */
static void kho_registry_test_page_full(KT_CTX)
{
	u64 *h = kcalloc(kho_record_page_slots(1) + 1, sizeof(*h), GFP_KERNEL);
	unsigned int nr, slots, i;
	struct kho_registry r;
	u64 base, v;

	KT_ASSERT(h);
	for (nr = 1; nr <= 2; nr++) {
		slots = kho_record_page_slots(nr);
		KT_ASSERT(slots == (nr == 1 ? 495 : 247));
		kt_light_registry(&r, nr == 2);
		for (i = 0; i <= slots; i++) {
			v = 1000 + i;
			KT_ASSERT(__kho_registry_store(&r, LIGHT, &v, &h[i]) == 0);
		}
		base = h[0] & ~(u64)(PAGE_SIZE - 1);
		KT_EXPECT_EQ(h[0], base + KHO_RECORD_PAGE_HEADER);
		KT_EXPECT_EQ(h[slots - 1], base + PAGE_SIZE - 8 * nr -
			     (PAGE_SIZE - KHO_RECORD_PAGE_HEADER) % (8 * nr));
		for (i = 1; i < slots; i++)
			KT_EXPECT_EQ(h[i], h[i - 1] + 8 * nr);
		KT_EXPECT((h[slots] & ~(u64)(PAGE_SIZE - 1)) != base);
		KT_EXPECT_EQ(fake_kho_pages(), 2);
		KT_EXPECT_EQ(r.nr_live, slots + 1);
		KT_EXPECT_EQ(kt_light_state[0].objects, slots + 1);
		/* The record alone in its page: the page goes with it. */
		KT_EXPECT_EQ(__kho_registry_unstore(&r, h[slots], &v), 0);
		KT_EXPECT_EQ(fake_kho_pages(), 1);
		v = 1000 + slots;
		KT_ASSERT(__kho_registry_store(&r, LIGHT, &v, &h[slots]) == 0);
		kho_registry_destroy(&r);
		fake_kho_kexec();

		kt_light_registry(&r, false);
		kt_light_state[1].write_enabled = false;
		/* Last slot first, then the first: the page stays claimed. */
		KT_EXPECT_EQ(kt_light_get(&r, h[slots - 1]), 1000 + slots - 1 + nr);
		KT_EXPECT_EQ(kt_light_get(&r, h[0]), 1000 + nr);
		KT_EXPECT_EQ(PTR_ERR(__kho_registry_restore(&r, LIGHT, h[0])),
			     -EINVAL);
		KT_EXPECT_EQ(fake_kho_handed(), 1);
		for (i = 1; i < slots - 1; i++)
			__kho_registry_discard(&r, h[i]);
		/* The last record of the first page freed it. */
		KT_EXPECT_EQ(fake_kho_pages(), 1);
		KT_EXPECT(__kho_registry_drop(&r, h[slots]));
		KT_EXPECT_EQ(fake_kho_pages(), 0);
		kho_registry_destroy(&r);
		KT_EXPECT_EQ(fake_kho_misuse(), 0);
		KT_EXPECT_EQ(fake_kho_reset(), 0);
	}
	kfree(h);
}

/*
 * From a full page, unstore the record at each position in turn: the
 * others stay, the next store takes exactly that slot again, and every
 * record comes back across the kexec.
 */
static void kho_registry_test_unstore_every_position(KT_CTX)
{
	unsigned int slots = kho_record_page_slots(1), i, j;
	u64 *h = kcalloc(slots, sizeof(*h), GFP_KERNEL);
	struct kho_record_info info;
	struct kho_registry r;
	u64 v, again;

	KT_ASSERT(h);
	kt_light_registry(&r, false);
	for (i = 0; i < slots; i++) {
		v = i + 1;
		KT_ASSERT(__kho_registry_store(&r, LIGHT, &v, &h[i]) == 0);
	}
	for (i = 0; i < slots; i++) {
		KT_ASSERT(__kho_registry_unstore(&r, h[i], &v) == 0);
		KT_EXPECT_EQ(__kho_registry_live(&r, h[i], &info), -ENOENT);
		KT_EXPECT_EQ(__kho_registry_unstore(&r, h[i], &v), -ENOENT);
		KT_EXPECT_EQ(r.nr_live, slots - 1);
		for (j = 0; j < slots; j += 37)
			if (j != i)
				KT_EXPECT(!__kho_registry_live(&r, h[j], &info) &&
					  info.handles[0] ==
					  (j < i ? 10000 + j : j + 1));
		v = 10000 + i;
		KT_ASSERT(__kho_registry_store(&r, LIGHT, &v, &again) == 0);
		KT_EXPECT_EQ(again, h[i]);
		KT_EXPECT_EQ(fake_kho_pages(), 1);
	}
	kho_registry_destroy(&r);
	fake_kho_kexec();
	kt_light_registry(&r, false);
	kt_light_state[0].write_enabled = false;
	for (i = 0; i < slots; i++)
		KT_EXPECT_EQ(kt_light_get(&r, h[i]), 10000 + i + 1);
	kho_registry_destroy(&r);
	KT_EXPECT_EQ(fake_kho_handed(), 0);
	KT_EXPECT_EQ(fake_kho_misuse(), 0);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
	kfree(h);
}

/*
 * A record page cannot be had: the store fails whole, the objects stored
 * before it stay, and the next store succeeds.
 */
static void kho_registry_test_enomem_new_page(KT_CTX)
{
	unsigned int slots = kho_record_page_slots(1), i;
	struct kho_registry r;
	u64 v = 5, h, last;
	long n;
	int err;

	kt_light_registry(&r, false);
	for (i = 0; i < slots; i++)
		KT_ASSERT(__kho_registry_store(&r, LIGHT, &v, &last) == 0);
	for (n = 0;; n++) {
		fake_kho_fail_after(n);
		err = __kho_registry_store(&r, LIGHT, &v, &h);
		fake_kho_fail_after(-1);
		if (!err)
			break;
		KT_EXPECT_EQ(err, -ENOMEM);
		KT_EXPECT_EQ(r.nr_live, slots);
		KT_EXPECT_EQ(kt_light_state[0].objects, slots);
		KT_EXPECT_EQ(fake_kho_pages(), 1);
		KT_EXPECT_EQ(fake_kho_misuse(), 0);
	}
	/* page, preserve */
	KT_EXPECT_EQ(n, 2);
	KT_EXPECT_EQ(__kho_registry_unstore(&r, h, &v), 0);
	KT_EXPECT_EQ(__kho_registry_unstore(&r, last, &v), 0);
	KT_EXPECT_EQ(r.nr_live, slots - 1);
	kho_registry_destroy(&r);
	fake_kho_reset();
}

#define KT_MANY		100000

/*
 * 100k objects stored, a third of them unstored at random and stored
 * again, against a reference model of what is live; the record pages
 * used are those of the objects live, packed; across the kexec every live
 * object comes back with its value and every handle unstored is refused.
 */
static void kho_registry_test_many(KT_CTX)
{
	unsigned int slots = kho_record_page_slots(1);
	u64 *h = kvcalloc(KT_MANY, sizeof(*h), GFP_KERNEL);
	u64 *gone = kvcalloc(KT_MANY, sizeof(*gone), GFP_KERNEL);
	bool *live = kvcalloc(KT_MANY, sizeof(*live), GFP_KERNEL);
	unsigned long i, nr_live = 0, nr_gone = 0, bad = 0;
	struct kho_record_info info;
	u64 v, seed = 88172645463325252ULL;
	struct kho_registry r;

	KT_ASSERT(h && gone && live);
	kt_light_registry(&r, false);
	for (i = 0; i < KT_MANY; i++) {
		v = i + 1;
		KT_ASSERT(__kho_registry_store(&r, LIGHT, &v, &h[i]) == 0);
		live[i] = true;
	}
	nr_live = KT_MANY;
	KT_EXPECT_EQ(fake_kho_pages(), DIV_ROUND_UP(KT_MANY, slots));
	for (i = 0; i < KT_MANY; i++) {
		unsigned long k = kt_rand(&seed) % KT_MANY;

		if (live[k]) {
			v = k + 1;
			bad += __kho_registry_unstore(&r, h[k], &v) != 0;
			live[k] = false;
			nr_live--;
		} else if (i % 2) {
			/* A handle given back: the slot may be reused. */
			gone[nr_gone++] = h[k];
			v = k + 1;
			bad += __kho_registry_store(&r, LIGHT, &v, &h[k]) != 0;
			live[k] = true;
			nr_live++;
		}
	}
	KT_EXPECT_EQ(bad, 0);
	KT_EXPECT_EQ(r.nr_live, nr_live);
	KT_EXPECT_EQ(kt_light_state[0].objects, nr_live);
	/* The handle of an object unstored may be another's now. */
	for (i = 0; i < KT_MANY; i++)
		bad += live[i] ? __kho_registry_live(&r, h[i], &info) ||
				 info.handles[0] != i + 1 :
				 !__kho_registry_live(&r, h[i], &info) &&
				 info.handles[0] == i + 1;
	KT_EXPECT_EQ(bad, 0);
	/* Pages go when empty; those left may be partly used. */
	KT_EXPECT(fake_kho_pages() >= DIV_ROUND_UP(nr_live, slots));
	KT_EXPECT(fake_kho_pages() <= DIV_ROUND_UP(KT_MANY, slots));
	kho_registry_destroy(&r);
	fake_kho_kexec();

	kt_light_registry(&r, false);
	kt_light_state[0].write_enabled = false;
	for (i = 0; i < KT_MANY; i++) {
		u64 *o;

		if (!live[i])
			continue;
		o = __kho_registry_restore(&r, LIGHT, h[i]);
		bad += IS_ERR(o) || *o != i + 2;
		if (!IS_ERR(o))
			kfree(o);
	}
	KT_EXPECT_EQ(bad, 0);
	/*
	 * Every live handle was restored; a handle of the past is refused
	 * (each refusal is logged: a hundred of them).
	 */
	for (i = 0; i < nr_gone && i < 100; i++)
		bad += !IS_ERR(__kho_registry_restore(&r, LIGHT, gone[i]));
	KT_EXPECT_EQ(bad, 0);
	KT_EXPECT_EQ(fake_kho_handed(), 0);
	kho_registry_destroy(&r);
	KT_EXPECT_EQ(fake_kho_misuse(), 0);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
	kvfree(h);
	kvfree(gone);
	kvfree(live);
}

/*
 * Formats of a "module" catalog: versions 4 (in a module) beside 1..3 of
 * the registry's own. Stores write both; the iterator, lookups and
 * catalog_of see them; a restore reads the module's newer version; a
 * module going away with stored objects drops exactly its records.
 */
static struct kho_format_state kt_mod_state[2];
static const struct kho_format kt_mod_formats[] = {
	{ FAMILY, 4, RW, &kt_ops, &kt_mod_state[0] },
	{ "kt-modonly", 1, RW, &kt_ops, &kt_mod_state[1] },
};

static void kt_add_module(struct kho_registry *r, struct kho_catalog *c,
			  struct kho_catalog *other)
{
	memset(kt_mod_state, 0, sizeof(kt_mod_state));
	kt_mod_state[0].write_enabled = true;
	kt_mod_state[1].write_enabled = true;
	memset(c, 0, sizeof(*c));
	c->formats = kt_mod_formats;
	c->nr_formats = ARRAY_SIZE(kt_mod_formats);
	c->next = other;
	r->modules = c;
}

static void kho_registry_test_module_catalog(KT_CTX)
{
	struct kho_catalog c, empty = { .formats = kt_formats, .nr_formats = 0 };
	struct kt_obj obj = { .value = 77 }, *out;
	struct kho_record_info info;
	const struct kho_format *f;
	struct kho_format_iter it;
	struct kho_registry r;
	unsigned int n = 0;
	u64 h1, h2, h3;

	kt_registry(&r, false, true, false);
	kt_add_module(&r, &c, &empty);
	kho_for_each_format(&r, &it, f)
		n++;
	KT_EXPECT_EQ(n, ARRAY_SIZE(kt_formats) + ARRAY_SIZE(kt_mod_formats));
	KT_EXPECT(kho_registry_find(&r, FAMILY, 4) == &kt_mod_formats[0]);
	KT_EXPECT(kho_registry_catalog_of(&r, &kt_mod_formats[1]) == &c);
	KT_EXPECT(!kho_registry_catalog_of(&r, &kt_formats[1]));
	KT_EXPECT(kho_registry_knows_family(&r, "kt-modonly"));
	KT_EXPECT(!kho_registry_knows_family(&r, "kt-none"));

	/* v2 (own) and v4 (module) written. */
	KT_ASSERT(__kho_registry_store(&r, FAMILY, &obj, &h1) == 0);
	KT_EXPECT_EQ(kt_state[1].objects, 1);
	KT_EXPECT_EQ(kt_mod_state[0].objects, 1);
	KT_EXPECT(!__kho_registry_live(&r, h1, &info));
	KT_ASSERT(__kho_registry_store(&r, "kt-modonly", &obj, &h2) == 0);
	KT_ASSERT(__kho_registry_store(&r, "kt-other", &obj, &h3) == 0);
	/* The module goes: its two records go, kt-other stays. */
	KT_EXPECT_EQ(__kho_registry_forget(&r, &c), 2);
	KT_EXPECT(__kho_registry_live(&r, h1, &info));
	KT_EXPECT(__kho_registry_live(&r, h2, &info));
	KT_EXPECT(!__kho_registry_live(&r, h3, &info));
	KT_EXPECT_EQ(kt_state[1].objects + kt_mod_state[0].objects +
		     kt_mod_state[1].objects, 0);
	KT_EXPECT_EQ(__kho_registry_unstore(&r, h3, &obj), 0);
	kho_registry_destroy(&r);
	/* What the forgotten records' stores preserved is the module's. */
	fake_kho_reset();

	/* Across kexec the module's newer version is read. */
	kt_registry(&r, false, true, false);
	kt_add_module(&r, &c, NULL);
	KT_ASSERT(__kho_registry_store(&r, FAMILY, &obj, &h1) == 0);
	kho_registry_destroy(&r);
	fake_kho_kexec();
	kt_registry(&r, false, false, false);
	KT_EXPECT(!__kho_registry_peek(&r, h1, &info));
	out = __kho_registry_restore(&r, FAMILY, h1);
	KT_ASSERT(!IS_ERR(out));
	KT_EXPECT_EQ(out->value, 77);
	KT_EXPECT_EQ(out->restored_from, 2);
	kfree(out);
	kho_registry_destroy(&r);
	/* Without the module, its v4 page stays reserved (see Limits). */
	KT_EXPECT_EQ(fake_kho_reset(), 1);

	kt_registry(&r, false, true, false);
	kt_add_module(&r, &c, NULL);
	KT_ASSERT(__kho_registry_store(&r, FAMILY, &obj, &h1) == 0);
	kho_registry_destroy(&r);
	fake_kho_kexec();
	kt_registry(&r, false, false, false);
	kt_add_module(&r, &c, NULL);
	out = __kho_registry_restore(&r, FAMILY, h1);
	KT_ASSERT(!IS_ERR(out));
	KT_EXPECT_EQ(out->restored_from, 4);
	KT_EXPECT(__kho_registry_peek(&r, h1, &info));
	kfree(out);
	kho_registry_destroy(&r);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

KT_SUITE(kho_registry,
	 KT_CASE(kho_registry_test_versions),
	 KT_CASE(kho_registry_test_errors),
	 KT_CASE(kho_registry_test_fallback),
	 KT_CASE(kho_registry_test_shared_pages),
	 KT_CASE(kho_registry_test_restore_enomem),
	 KT_CASE(kho_registry_test_unknown_version),
	 KT_CASE(kho_registry_test_wrong_handle),
	 KT_CASE(kho_registry_test_discard),
	 KT_CASE(kho_registry_test_target),
	 KT_CASE(kho_registry_test_enomem),
	 KT_CASE(kho_registry_test_corrupt),
	 KT_CASE(kho_registry_test_page_full),
	 KT_CASE(kho_registry_test_unstore_every_position),
	 KT_CASE(kho_registry_test_enomem_new_page),
	 KT_CASE_SLOW(kho_registry_test_many),
	 KT_CASE(kho_registry_test_module_catalog));
