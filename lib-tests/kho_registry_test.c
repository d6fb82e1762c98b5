// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of kho_registry (kernel/liveupdate/lib/kho_registry.c) on a test
 * family with versions 1..3 over the fake KHO: multi-version writes,
 * newest-readable selection, nothing readable, the target check, every
 * failure point, leak counts.
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

/* The page of version @version of the record at @handle. */
static u64 *kt_version_page(u64 handle, u32 version)
{
	struct kho_record *rec = fake_kho_ops.range_virt(handle);
	unsigned int i;

	for (i = 0; i < le16_to_cpu(rec->nr); i++)
		if (le32_to_cpu(rec->versions[i].version) == version)
			return fake_kho_ops.range_virt(le64_to_cpu(rec->versions[i].handle));
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
	struct kho_registry r;
	struct kho_record *rec;
	u64 handle, lost;
	unsigned int c;

	for (c = 0; c < 2; c++) {
		kt_registry(&r, true, true, true);
		KT_ASSERT(__kho_registry_store(&r, FAMILY, &obj, &handle) == 0);
		rec = fake_kho_ops.range_virt(handle);
		KT_ASSERT(le16_to_cpu(rec->nr) == 3 &&
			  le32_to_cpu(rec->versions[2].version) == 3);
		/* The page replaced is no longer preserved: lost at kexec. */
		lost = le64_to_cpu(rec->versions[c ? 0 : 2].handle);
		fake_kho_ops.unpreserve(fake_kho_ops.range_virt(lost));
		if (c == 0)
			rec->versions[2].handle = cpu_to_le64(handle);
		else
			rec->versions[0].handle = rec->versions[1].handle;
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
	struct kho_registry r;
	struct kho_record *rec;
	u64 handle, v9;

	kt_registry(&r, true, false, true);
	KT_ASSERT(__kho_registry_store(&r, FAMILY, &obj, &handle) == 0);
	rec = fake_kho_ops.range_virt(handle);
	KT_ASSERT(le16_to_cpu(rec->nr) == 2);
	/* What a newer kernel writing v1 and v9 would hand over. */
	rec->versions[1].version = cpu_to_le32(9);
	v9 = le64_to_cpu(rec->versions[1].handle);
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
	/* record, 3 x (page, preserve), record preserve */
	KT_EXPECT_EQ(n, 8);
}

static void kho_registry_test_corrupt(KT_CTX)
{
	struct kho_registry r;
	struct kt_obj obj = { .value = 1 };
	struct kho_record *rec;
	unsigned int c;
	u64 handle;

	for (c = 0; c < 4; c++) {
		kt_registry(&r, true, true, false);
		KT_ASSERT(__kho_registry_store(&r, FAMILY, &obj, &handle) == 0);
		rec = fake_kho_ops.range_virt(handle);
		switch (c) {
		case 0:
			rec->magic = 0;
			break;
		case 1:
			rec->nr = cpu_to_le16(KHO_RECORD_MAX_VERSIONS + 1);
			break;
		case 2:
			rec->versions[1].version = rec->versions[0].version;
			break;
		case 3:
			memset(rec->family, 'x', sizeof(rec->family));
			break;
		}
		kho_registry_destroy(&r);
		fake_kho_kexec();
		kt_registry(&r, false, false, false);
		KT_EXPECT_EQ(PTR_ERR(__kho_registry_restore(&r, FAMILY, handle)),
			     -EINVAL);
		__kho_registry_discard(&r, handle);
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
	KT_EXPECT(__kho_registry_live(&r, h1) != NULL);
	KT_ASSERT(__kho_registry_store(&r, "kt-modonly", &obj, &h2) == 0);
	KT_ASSERT(__kho_registry_store(&r, "kt-other", &obj, &h3) == 0);
	/* The module goes: its two records go, kt-other stays. */
	KT_EXPECT_EQ(__kho_registry_forget(&r, &c), 2);
	KT_EXPECT(!__kho_registry_live(&r, h1));
	KT_EXPECT(!__kho_registry_live(&r, h2));
	KT_EXPECT(__kho_registry_live(&r, h3) != NULL);
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
	KT_EXPECT(__kho_registry_peek(&r, h1) != NULL);
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
	KT_EXPECT(!__kho_registry_peek(&r, h1));
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
	 KT_CASE(kho_registry_test_module_catalog));
