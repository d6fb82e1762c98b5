// SPDX-License-Identifier: GPL-2.0-only
/*
 * Registry self-test across kexec, enabled with kho_registry_selftest=1.
 * Family "kho-test" has versions 1..3 (2 and 3 written by default). The
 * first boot stores object A (8 MiB) in v2 + v3, object B (64 MiB) in v3
 * only, and object C (8 MiB) in v1 + v2 with its v2 header damaged. The
 * next boot, started with kho_registry_unreadable=kho-test:3, must refuse
 * A's handle for another family without touching it, restore A from v2
 * with every byte intact, fail B cleanly with its memory back, and
 * restore C from v1 once v2 failed.
 *
 * Scale: family "kho-test-bulk" (one version that preserves nothing, the
 * handle is the object) has 100000 objects stored, unstored, stored again
 * in the first boot and restored in the next one, found through the
 * registry's index (kho_registry_incoming()); each phase is timed and
 * must stay under KT_BULK_MAX_MS. Lines start with "kho_registry_selftest:".
 */
#define pr_fmt(fmt) "kho_registry_selftest: " fmt

#include <linux/err.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/bitmap.h>
#include <linux/kho_registry.h>
#include <linux/ktime.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define NODE		"kho-registry-selftest"
#define COMPAT		"kho-registry-selftest-v1"
#define CHUNK_ORDER	MAX_PAGE_ORDER
#define CHUNK_SIZE	(PAGE_SIZE << CHUNK_ORDER)
#define MAX_CHUNKS	32

static bool kho_registry_selftest;
core_param(kho_registry_selftest, kho_registry_selftest, bool, 0);

struct kt_obj {
	unsigned int chunks;
	u32 seed;
	u32 version;		/* restored from */
};

/* Preserved header of one stored version (format of this test only). */
struct kt_header {
	__le32 version;
	__le32 nr;
	__le32 seed;
	__le32 reserved;
	__le64 chunk[MAX_CHUNKS];
};

static u64 kt_word(u32 seed, unsigned long i)
{
	return ((u64)seed << 32) ^ (i * 0x9e3779b97f4a7c15ULL);
}

static void kt_free_chunks(struct kt_header *h, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		kho_unpreserve_free(phys_to_virt(le64_to_cpu(h->chunk[i])));
}

static int kt_store(const struct kho_format *f, void *obj, u64 *handle)
{
	struct kt_obj *o = obj;
	struct kt_header *h = kho_alloc_preserve(sizeof(*h));
	unsigned long j;
	unsigned int i;

	if (IS_ERR(h))
		return PTR_ERR(h);
	h->version = cpu_to_le32(f->version);
	h->seed = cpu_to_le32(o->seed);
	for (i = 0; i < o->chunks; i++) {
		u64 *p = kho_alloc_preserve(CHUNK_SIZE);

		if (IS_ERR(p)) {
			kt_free_chunks(h, i);
			kho_unpreserve_free(h);
			return PTR_ERR(p);
		}
		for (j = 0; j < CHUNK_SIZE / 8; j++)
			p[j] = kt_word(o->seed, i * CHUNK_SIZE / 8 + j);
		h->chunk[i] = cpu_to_le64(virt_to_phys(p));
	}
	h->nr = cpu_to_le32(o->chunks);
	*handle = virt_to_phys(h);
	return 0;
}

static void kt_unstore(const struct kho_format *f, void *obj, u64 handle)
{
	struct kt_header *h = phys_to_virt(handle);

	kt_free_chunks(h, le32_to_cpu(h->nr));
	kho_unpreserve_free(h);
}

/* Restore every chunk, check it if @o, free it; false on any error. */
static bool kt_consume(u64 handle, struct kt_obj *o)
{
	struct folio *hf = kho_restore_folio(handle), *cf;
	struct kt_header *h;
	unsigned int i, nr;
	unsigned long j;
	bool ok = true;

	if (!hf)
		return false;
	h = folio_address(hf);
	nr = min_t(u32, le32_to_cpu(h->nr), MAX_CHUNKS);
	for (i = 0; i < nr; i++) {
		u64 *p;

		cf = kho_restore_folio(le64_to_cpu(h->chunk[i]));
		if (!cf) {
			ok = false;
			continue;
		}
		p = folio_address(cf);
		for (j = 0; o && j < CHUNK_SIZE / 8; j++)
			if (p[j] != kt_word(le32_to_cpu(h->seed),
					    i * CHUNK_SIZE / 8 + j))
				ok = false;
		folio_put(cf);
	}
	if (o) {
		o->chunks = nr;
		o->seed = le32_to_cpu(h->seed);
		o->version = le32_to_cpu(h->version);
	}
	folio_put(hf);
	return ok;
}

static void *kt_restore(const struct kho_format *f, u64 handle)
{
	struct kt_obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	if (!o) {
		kt_consume(handle, NULL);
		return ERR_PTR(-ENOMEM);
	}
	if (!kt_consume(handle, o) || o->version != f->version) {
		kfree(o);
		return ERR_PTR(-EINVAL);
	}
	return o;
}

static void kt_discard(const struct kho_format *f, u64 handle)
{
	kt_consume(handle, NULL);
}

static const struct kho_format_ops kt_ops = {
	.store = kt_store,
	.unstore = kt_unstore,
	.restore = kt_restore,
	.discard = kt_discard,
};

KHO_FORMAT(kho_test_v1, "kho-test", 1, KHO_FORMAT_READ | KHO_FORMAT_WRITE,
	   &kt_ops);
KHO_FORMAT(kho_test_v2, "kho-test", 2, KHO_FORMAT_READ | KHO_FORMAT_WRITE |
	   KHO_FORMAT_WRITE_DEFAULT, &kt_ops);
KHO_FORMAT(kho_test_v3, "kho-test", 3, KHO_FORMAT_READ | KHO_FORMAT_WRITE |
	   KHO_FORMAT_WRITE_DEFAULT, &kt_ops);

/*
 * Make the @version header of the object of @handle claim another
 * version. The record is written in the record page at @handle's page.
 */
static int __init kt_damage(u64 handle, u32 version)
{
	struct kho_record_page *p = phys_to_virt(handle & PAGE_MASK);
	__le64 *slot = phys_to_virt(handle);
	struct kt_header *h;
	unsigned int i;

	for (i = 0; i < le16_to_cpu(p->nr_versions); i++) {
		if (le32_to_cpu(p->versions[i]) != version)
			continue;
		h = phys_to_virt(le64_to_cpu(slot[i]));
		h->version = cpu_to_le32(99);
		return 0;
	}
	return -ENOENT;
}

#define KT_BULK		100000
#define KT_BULK_FAMILY	"kho-test-bulk"
/*
 * Generous: the target is under a second for all three phases. KASAN and
 * lockdep make every allocation and lock several times slower (3.6 s seen
 * under TCG beside another guest): there the limit only catches a worse
 * complexity, which takes minutes.
 */
#define KT_BULK_MAX_MS	(IS_ENABLED(CONFIG_KASAN) || \
			 IS_ENABLED(CONFIG_PROVE_LOCKING) ? 30000U : 3000U)
/* Handle of bulk object @i: what its store returns, its restore checks. */
#define KT_BULK_TAG	(0xb01cULL << 32)

static unsigned long *kt_bulk_seen;
/* What a restore returns: the object is its handle, checked. */
static int kt_bulk_obj;

static int kt_bulk_store(const struct kho_format *f, void *obj, u64 *handle)
{
	*handle = KT_BULK_TAG | *(u32 *)obj;
	return 0;
}

static void kt_bulk_unstore(const struct kho_format *f, void *obj, u64 handle)
{
}

/* Each object once, with a handle it could have. */
static void *kt_bulk_restore(const struct kho_format *f, u64 handle)
{
	u32 i = handle;

	if ((handle & ~0xffffffffULL) != KT_BULK_TAG || i >= KT_BULK ||
	    !kt_bulk_seen || __test_and_set_bit(i, kt_bulk_seen))
		return ERR_PTR(-EINVAL);
	return &kt_bulk_obj;
}

static void kt_bulk_discard(const struct kho_format *f, u64 handle)
{
}

static const struct kho_format_ops kt_bulk_ops = {
	.store = kt_bulk_store,
	.unstore = kt_bulk_unstore,
	.restore = kt_bulk_restore,
	.discard = kt_bulk_discard,
};

KHO_FORMAT(kho_test_bulk_v1, KT_BULK_FAMILY, 1, KHO_FORMAT_READ |
	   KHO_FORMAT_WRITE | KHO_FORMAT_WRITE_DEFAULT, &kt_bulk_ops);

static u64 __init kt_ms_since(u64 start)
{
	return div_u64(ktime_get_ns() - start, NSEC_PER_MSEC);
}

static int __init kt_bulk_check_time(const char *what, u64 ms)
{
	if (ms <= KT_BULK_MAX_MS)
		return 0;
	pr_err("bulk: %s took %llu ms, more than %u ms\n", what, ms,
	       KT_BULK_MAX_MS);
	return -ETIMEDOUT;
}

/*
 * Store the bulk objects, unstore them all, store them again for the next
 * kernel; the memory the records take is what the free pages lose.
 */
static int __init kt_bulk_first_boot(void)
{
	u64 *h = vmalloc_array(KT_BULK, sizeof(*h));
	unsigned long before, after;
	u64 t, store_ms, unstore_ms;
	u32 i;
	int err = 0;

	if (!h)
		return -ENOMEM;
	before = global_zone_page_state(NR_FREE_PAGES);
	t = ktime_get_ns();
	for (i = 0; i < KT_BULK && !err; i++)
		err = kho_registry_store(KT_BULK_FAMILY, &i, &h[i]);
	store_ms = kt_ms_since(t);
	after = global_zone_page_state(NR_FREE_PAGES);
	if (err)
		goto out;
	t = ktime_get_ns();
	for (i = 0; i < KT_BULK && !err; i++)
		err = kho_registry_unstore(h[i], NULL);
	unstore_ms = kt_ms_since(t);
	if (err)
		goto out;
	for (i = 0; i < KT_BULK && !err; i++)
		err = kho_registry_store(KT_BULK_FAMILY, &i, &h[i]);
	if (err)
		goto out;
	pr_info("bulk: stored %u objects in %llu ms, unstored them in %llu ms; records took about %lu KiB (%lu bytes per object)\n",
		KT_BULK, store_ms, unstore_ms,
		before > after ? (before - after) << (PAGE_SHIFT - 10) : 0,
		before > after ? ((before - after) << PAGE_SHIFT) / KT_BULK : 0);
	err = kt_bulk_check_time("store", store_ms) ?:
	      kt_bulk_check_time("unstore", unstore_ms);
out:
	vfree(h);
	return err;
}

/* Find the bulk objects through the index and restore each once. */
static int __init kt_bulk_second_boot(void)
{
	u64 *h = vmalloc_array(KT_BULK, sizeof(*h));
	unsigned long n, i, bad = 0;
	u64 t, ms;
	void *o;
	int err;

	kt_bulk_seen = bitmap_zalloc(KT_BULK, GFP_KERNEL);
	if (!h || !kt_bulk_seen) {
		err = -ENOMEM;
		goto out;
	}
	t = ktime_get_ns();
	n = kho_registry_incoming(KT_BULK_FAMILY, h, KT_BULK);
	for (i = 0; i < min_t(unsigned long, n, KT_BULK); i++) {
		o = kho_registry_restore(KT_BULK_FAMILY, h[i]);
		bad += o != &kt_bulk_obj;
	}
	ms = kt_ms_since(t);
	pr_info("bulk: restored %lu of %u objects in %llu ms (%lu failed)\n",
		n, KT_BULK, ms, bad);
	err = n != KT_BULK || bad ||
	      !bitmap_full(kt_bulk_seen, KT_BULK) ? -EINVAL : 0;
	err = err ?: kt_bulk_check_time("restore", ms);
out:
	bitmap_free(kt_bulk_seen);
	kt_bulk_seen = NULL;
	vfree(h);
	return err;
}

static int __init kt_first_boot(void)
{
	struct kt_obj a = { .chunks = 2, .seed = 0xa }, b = { .chunks = 16, .seed = 0xb };
	struct kt_obj c = { .chunks = 2, .seed = 0xc };
	u64 ha, hb, hc;
	void *fdt;
	int err;

	err = kho_registry_store("kho-test", &a, &ha);
	if (err)
		return err;
	kho_test_v2.state->write_enabled = false;
	err = kho_registry_store("kho-test", &b, &hb);
	kho_test_v2.state->write_enabled = true;
	if (err)
		return err;
	kho_test_v1.state->write_enabled = true;
	kho_test_v3.state->write_enabled = false;
	err = kho_registry_store("kho-test", &c, &hc);
	kho_test_v1.state->write_enabled = false;
	kho_test_v3.state->write_enabled = true;
	err = err ?: kt_damage(hc, 2);
	if (err)
		return err;
	fdt = kho_alloc_fdt(COMPAT);
	if (IS_ERR(fdt))
		return PTR_ERR(fdt);
	err = fdt_setprop_u64(fdt, 0, "a", ha);
	err = err ?: fdt_setprop_u64(fdt, 0, "b", hb);
	err = err ?: fdt_setprop_u64(fdt, 0, "c", hc);
	err = err ?: kho_add_subtree(NODE, fdt);
	if (!err)
		pr_info("stored A (8 MiB) in v2+v3, B (64 MiB) in v3, C (8 MiB) in v1+v2 (v2 damaged)\n");
	return err ?: kt_bulk_first_boot();
}

static int __init kt_second_boot(const void *fdt)
{
	const fdt64_t *a = fdt_getprop(fdt, 0, "a", NULL);
	const fdt64_t *b = fdt_getprop(fdt, 0, "b", NULL);
	const fdt64_t *c = fdt_getprop(fdt, 0, "c", NULL);
	unsigned long before, after;
	struct kt_obj *o;

	if (!a || !b || !c)
		return -EINVAL;
	o = kho_registry_restore("kho-test-other", fdt64_to_cpu(*a));
	if (PTR_ERR(o) != -EINVAL)
		return -EINVAL;
	pr_info("A refused for another family\n");
	o = kho_registry_restore("kho-test", fdt64_to_cpu(*a));
	if (IS_ERR(o))
		return PTR_ERR(o);
	pr_info("A restored from v%u, every byte verified\n", o->version);
	if (o->version != 2)
		return -EINVAL;
	kfree(o);

	before = global_zone_page_state(NR_FREE_PAGES);
	o = kho_registry_restore("kho-test", fdt64_to_cpu(*b));
	after = global_zone_page_state(NR_FREE_PAGES);
	if (PTR_ERR(o) != -EOPNOTSUPP)
		return -EINVAL;
	pr_info("B: no readable version, %lu MiB freed\n",
		(after - before) >> (20 - PAGE_SHIFT));
	if (after < before + (60UL << (20 - PAGE_SHIFT)))
		return -ENOMEM;

	o = kho_registry_restore("kho-test", fdt64_to_cpu(*c));
	if (IS_ERR(o))
		return PTR_ERR(o);
	pr_info("C restored from v%u after v2 failed, every byte verified\n",
		o->version);
	if (o->version != 1 || o->seed != 0xc)
		return -EINVAL;
	kfree(o);
	return kt_bulk_second_boot();
}

static int __init kho_registry_selftest_run(void)
{
	phys_addr_t phys;
	int err;

	if (!kho_registry_selftest || !kho_is_enabled())
		return 0;
	if (!kho_retrieve_subtree(NODE, &phys)) {
		err = kt_second_boot(phys_to_virt(phys));
		kho_restore_free(phys_to_virt(phys));
	} else {
		err = kt_first_boot();
	}
	pr_info("done: %s (%d)\n", err ? "FAIL" : "all passed", err);
	return 0;
}
late_initcall_sync(kho_registry_selftest_run);
