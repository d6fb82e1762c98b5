// SPDX-License-Identifier: GPL-2.0-only
/*
 * The decoder of kho-inspect (see inspect.h and kho-inspect.c). Every
 * byte comes from a kernel that may have been damaged, or from a file
 * anyone may have edited: each length, count, address and string is
 * checked before it is used, each chain and tree is walked with a bound,
 * and each problem becomes one error line of the report saying where and
 * what. Nothing here exits or aborts except on out of memory.
 *
 * Formats: include/linux/kho/abi/ (the kernel's own headers).
 */
#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/compiler.h>

#include "inspect.h"
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho/abi/kho_array.h>
#include <linux/kho/abi/luo.h>
#include <linux/kho/abi/memfd.h>
#include <linux/kho/abi/registry.h>

/* x86_64 with 4 KiB pages: MAX_PAGE_ORDER. */
#define KI_MAX_ORDER		10
#define KI_NR_ORDERS		(KI_MAX_ORDER + 1)
/* Physical addresses of x86_64: 52 bits. */
#define KI_PHYS_BITS		52
#define KI_MAX_PFN		(1ULL << (KI_PHYS_BITS - KI_PAGE_SHIFT))
#define KI_MAX_SCRATCH		8	/* KHO_MAX_SCRATCH */
#define KI_MAP_ROOM		(KI_PAGE_SIZE - sizeof(struct kho_map_page))
#define KI_CHUNK_RUNS		((KI_PAGE_SIZE - sizeof(struct kho_vmalloc_chunk)) / \
				 sizeof(struct kho_vmalloc_run))
#define KI_NODE_SLOTS		((KI_PAGE_SIZE - sizeof(struct kho_array_node)) / \
				 sizeof(struct kho_array_slot))
#define KI_ARRAY_MAX_HEIGHT	8	/* KHO_ARRAY_MAX_HEIGHT */
#define KI_ARRAY_MAX_INDEX	((1ULL << 62) - 1)
#define KI_LUO_TEST_COMPATIBLE	"liveupdate-test-v1"

/*
 * Bounds of this tool, not of the format: pages read from memory, map
 * runs kept, and pages of a memfd checked one by one. A handover beyond
 * them is reported as such, not decoded further.
 */
#define KI_MAX_PAGES		(1UL << 16)
#define KI_MAX_RUNS		(1UL << 22)
#define KI_MAX_VMALLOC_PAGES	(1UL << 14)
#define KI_MAX_ENTRIES		(1ULL << 24)
#define KI_MAX_FDT_DEPTH	8

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define sizeof_field(t, f)	sizeof(((t *)0)->f)
#define ALIGN8(x)		(((x) + 7) & ~(size_t)7)

/* --- the report: a small tree printed as text or JSON --- */

enum ki_kind { KN_OBJ, KN_ARR, KN_NUM, KN_HEX, KN_BYTES, KN_STR, KN_BOOL };

struct ki_node {
	enum ki_kind kind;
	char *key;
	uint64_t num;
	char *str;
	struct ki_node *first, *last, *next;
};

struct ki_page {
	uint64_t phys;
	int err;
	unsigned char *data;
};

struct ki_run {
	uint64_t pfn;		/* first page */
	uint64_t nr;		/* blocks */
	unsigned int order;
};

struct ki_area {
	uint64_t start, end;	/* [start, end) */
};

struct ki_report {
	const struct ki_input *in;
	struct ki_node *root, *errors, *notes;
	unsigned long nr_errors;
	/* Pages read, sorted by address; failures too, with their errno. */
	struct ki_page *pages;
	size_t nr_pages, cap_pages, nr_read;
	bool page_budget_hit;
	/* The map: runs per order, sorted by pfn. */
	struct ki_run *runs[KI_NR_ORDERS];
	size_t nr_runs[KI_NR_ORDERS], cap_runs[KI_NR_ORDERS], total_runs;
	bool map_valid;
	struct ki_area scratch[KI_MAX_SCRATCH];
	unsigned int nr_scratch;
	struct ki_area *ram;
	size_t nr_ram;
	/* Records decoded from the index: handle -> family/versions text. */
	struct ki_rec_ref {
		uint64_t handle;
		char *format;
	} *recs;
	size_t nr_recs, cap_recs;
};

static void *xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p) {
		fputs("kho-inspect: out of memory\n", stderr);
		exit(KI_EXIT_ERROR);
	}
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("kho-inspect: out of memory\n", stderr);
		exit(KI_EXIT_ERROR);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

static char *xvasprintf(const char *fmt, va_list ap)
{
	va_list aq;
	char *s;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		n = 0;
	s = xmalloc(n + 1);
	vsnprintf(s, n + 1, fmt, ap);
	return s;
}

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static struct ki_node *kn_add(struct ki_node *parent, const char *key,
			      enum ki_kind kind)
{
	struct ki_node *n = xmalloc(sizeof(*n));

	n->kind = kind;
	n->key = key ? xstrdup(key) : NULL;
	if (parent->last)
		parent->last->next = n;
	else
		parent->first = n;
	parent->last = n;
	return n;
}

static struct ki_node *kn_obj(struct ki_node *p, const char *key)
{
	return kn_add(p, key, KN_OBJ);
}

static struct ki_node *kn_arr(struct ki_node *p, const char *key)
{
	return kn_add(p, key, KN_ARR);
}

static void kn_val(struct ki_node *p, const char *key, enum ki_kind kind,
		   uint64_t v)
{
	kn_add(p, key, kind)->num = v;
}

static void kn_num(struct ki_node *p, const char *key, uint64_t v)
{
	kn_val(p, key, KN_NUM, v);
}

static void kn_hex(struct ki_node *p, const char *key, uint64_t v)
{
	kn_val(p, key, KN_HEX, v);
}

static void kn_bytes(struct ki_node *p, const char *key, uint64_t v)
{
	kn_val(p, key, KN_BYTES, v);
}

static void kn_bool(struct ki_node *p, const char *key, bool v)
{
	kn_val(p, key, KN_BOOL, v);
}

static void kn_str(struct ki_node *p, const char *key, const char *s)
{
	kn_add(p, key, KN_STR)->str = xstrdup(s);
}

static void kn_free(struct ki_node *n)
{
	while (n) {
		struct ki_node *next = n->next;

		kn_free(n->first);
		free(n->key);
		free(n->str);
		free(n);
		n = next;
	}
}

static void __printf(2, 3) ki_error(struct ki_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kn_add(r->errors, NULL, KN_STR)->str = xvasprintf(fmt, ap);
	va_end(ap);
	r->nr_errors++;
}

static void __printf(2, 3) ki_note(struct ki_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kn_add(r->notes, NULL, KN_STR)->str = xvasprintf(fmt, ap);
	va_end(ap);
}

/* --- memory of the handover --- */

static const char *ki_mem_why(int err)
{
	switch (err) {
	case -ENXIO:
		return "not preserved memory (nor a page of the map)";
	case -ENODATA:
		return "not readable: the handover is not finalized";
	case -ENOENT:
		return "not in the saved copy";
	case -E2BIG:
		return "not read: kho-inspect reads at most 65536 pages";
	case -ENODEV:
		return "not readable: no memory of this handover is exposed";
	default:
		return strerror(-err);
	}
}

/* The page at @phys (aligned), read once; NULL and *err on failure. */
static const unsigned char *ki_page(struct ki_report *r, uint64_t phys,
				    int *err)
{
	size_t lo = 0, hi = r->nr_pages;
	struct ki_page *p;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->pages[mid].phys == phys) {
			*err = r->pages[mid].err;
			return r->pages[mid].data;
		}
		if (r->pages[mid].phys < phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!r->in->read_page) {
		*err = -ENODEV;
		return NULL;
	}
	if (r->nr_read >= KI_MAX_PAGES) {
		r->page_budget_hit = true;
		*err = -E2BIG;
		return NULL;
	}
	if (r->nr_pages == r->cap_pages) {
		r->cap_pages = r->cap_pages ? 2 * r->cap_pages : 64;
		r->pages = xrealloc(r->pages, r->cap_pages * sizeof(*r->pages));
	}
	memmove(&r->pages[lo + 1], &r->pages[lo],
		(r->nr_pages - lo) * sizeof(*r->pages));
	r->nr_pages++;
	r->nr_read++;
	p = &r->pages[lo];
	p->phys = phys;
	p->data = xmalloc(KI_PAGE_SIZE);
	p->err = r->in->read_page(r->in->arg, phys, p->data);
	if (p->err) {
		free(p->data);
		p->data = NULL;
	}
	*err = p->err;
	return p->data;
}

/*
 * Copy @len bytes at @phys into @buf, page by page: false after one
 * error line naming @what.
 */
static bool ki_read(struct ki_report *r, uint64_t phys, void *buf, size_t len,
		    const char *what)
{
	unsigned char *out = buf;

	if (phys + len < phys || (phys + len) >> KI_PHYS_BITS) {
		ki_error(r, "%s at 0x%" PRIx64 ": beyond the physical address space",
			 what, phys);
		return false;
	}
	while (len) {
		uint64_t off = phys & (KI_PAGE_SIZE - 1);
		size_t n = KI_PAGE_SIZE - off < len ? KI_PAGE_SIZE - off : len;
		const unsigned char *page;
		int err;

		page = ki_page(r, phys - off, &err);
		if (!page) {
			ki_error(r, "%s: page 0x%" PRIx64 " %s", what, phys - off,
				 ki_mem_why(err));
			return false;
		}
		memcpy(out, page + off, n);
		out += n;
		phys += n;
		len -= n;
	}
	return true;
}

/* --- the map of preserved memory --- */

/* The run of @order holding block @block, or NULL. */
static const struct ki_run *ki_find_run(const struct ki_report *r,
					unsigned int order, uint64_t block)
{
	size_t lo = 0, hi = r->nr_runs[order];

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ki_run *run = &r->runs[order][mid];
		uint64_t first = run->pfn >> order;

		if (block < first)
			hi = mid;
		else if (block - first >= run->nr)
			lo = mid + 1;
		else
			return run;
	}
	return NULL;
}

/* The order of the preserved block holding @pfn, or -1. */
static int ki_block_order(const struct ki_report *r, uint64_t pfn)
{
	unsigned int o;

	for (o = 0; o < KI_NR_ORDERS; o++)
		if (ki_find_run(r, o, pfn >> o))
			return o;
	return -1;
}

/*
 * Is every page of [@phys, @phys + @len) preserved? Checked only when the
 * map was decoded whole; one error line otherwise.
 */
static bool ki_check_preserved(struct ki_report *r, uint64_t phys,
			       uint64_t len, const char *what)
{
	uint64_t pfn, end;

	if (!r->map_valid || !len)
		return true;
	if (phys + len < phys)
		return false;
	end = (phys + len - 1) >> KI_PAGE_SHIFT;
	for (pfn = phys >> KI_PAGE_SHIFT; pfn <= end; pfn++) {
		if (ki_block_order(r, pfn) < 0) {
			ki_error(r, "%s at 0x%" PRIx64 ": page 0x%" PRIx64
				 " is not in the map of preserved memory",
				 what, phys, pfn << KI_PAGE_SHIFT);
			return false;
		}
	}
	return true;
}

static bool ki_add_run(struct ki_report *r, unsigned int order, uint64_t pfn,
		       uint64_t nr)
{
	size_t n = r->nr_runs[order];
	struct ki_run *last = n ? &r->runs[order][n - 1] : NULL;

	/* Adjacent runs of one order are one range for people. */
	if (last && last->pfn + (last->nr << order) == pfn) {
		last->nr += nr;
		return true;
	}
	if (r->total_runs >= KI_MAX_RUNS) {
		ki_error(r, "map: more than %lu ranges, not decoded further",
			 KI_MAX_RUNS);
		return false;
	}
	if (n == r->cap_runs[order]) {
		r->cap_runs[order] = n ? 2 * n : 64;
		r->runs[order] = xrealloc(r->runs[order],
					  r->cap_runs[order] * sizeof(struct ki_run));
	}
	r->runs[order][n] = (struct ki_run){ .pfn = pfn, .nr = nr, .order = order };
	r->nr_runs[order]++;
	r->total_runs++;
	return true;
}

struct ki_map_pos {
	bool started;
	unsigned int order;
	uint64_t window;
	unsigned long bitmaps;
};

/* One record at @rec of map page @idx (@phys), @room bytes left in it. */
static size_t ki_map_record(struct ki_report *r, struct ki_map_pos *pos,
			    unsigned int idx, uint64_t phys, size_t off,
			    const unsigned char *rec, size_t room)
{
	struct kho_map_window w;
	uint32_t count, i;
	uint64_t base, prev_last = 0;
	size_t len;

	if (room < sizeof(w)) {
		ki_error(r, "map page %u (0x%" PRIx64 "): record at offset %zu is cut short by the page's used bytes",
			 idx, phys, off);
		return 0;
	}
	memcpy(&w, rec, sizeof(w));
	count = le32toh(w.count);
	if (w.order > KI_MAX_ORDER || w.reserved) {
		ki_error(r, "map page %u (0x%" PRIx64 "): record at offset %zu: %s %u",
			 idx, phys, off, w.reserved ? "reserved field" : "order",
			 w.reserved ? le16toh(w.reserved) : w.order);
		return 0;
	}
	if (le64toh(w.window) >= KI_MAX_PFN >> (KHO_MAP_WINDOW_SHIFT + w.order)) {
		ki_error(r, "map page %u (0x%" PRIx64 "): record at offset %zu: window 0x%" PRIx64 " of order %u is beyond the physical address space",
			 idx, phys, off, (uint64_t)le64toh(w.window), w.order);
		return 0;
	}
	if (pos->started && (w.order < pos->order ||
			     (w.order == pos->order &&
			      le64toh(w.window) <= pos->window))) {
		ki_error(r, "map page %u (0x%" PRIx64 "): record at offset %zu: order %u window 0x%" PRIx64 " after order %u window 0x%" PRIx64 " (records must be sorted)",
			 idx, phys, off, w.order, (uint64_t)le64toh(w.window),
			 pos->order, pos->window);
		return 0;
	}
	pos->started = true;
	pos->order = w.order;
	pos->window = le64toh(w.window);
	base = pos->window << KHO_MAP_WINDOW_SHIFT;

	if (w.kind == KHO_MAP_EXTENTS) {
		if (!count || count > KI_MAP_ROOM / sizeof(struct kho_map_extent)) {
			ki_error(r, "map page %u (0x%" PRIx64 "): record at offset %zu: %u extents",
				 idx, phys, off, count);
			return 0;
		}
		len = ALIGN8(sizeof(w) + count * sizeof(struct kho_map_extent));
		if (len > room) {
			ki_error(r, "map page %u (0x%" PRIx64 "): record at offset %zu: %u extents overrun the page's used bytes",
				 idx, phys, off, count);
			return 0;
		}
		for (i = 0; i < count; i++) {
			struct kho_map_extent e;
			uint16_t first, last;

			memcpy(&e, rec + sizeof(w) + i * sizeof(e), sizeof(e));
			first = le16toh(e.first);
			last = le16toh(e.last);
			if (first > last || last >= KHO_MAP_WINDOW_BLOCKS ||
			    (i && first <= prev_last + 1)) {
				ki_error(r, "map page %u (0x%" PRIx64 "): order %u window 0x%" PRIx64 ": extent %u [%u, %u] %s",
					 idx, phys, w.order, pos->window, i, first,
					 last, first > last || last >= KHO_MAP_WINDOW_BLOCKS ?
					 "is malformed" :
					 "overlaps or touches the one before (extents must be sorted and apart)");
				return 0;
			}
			prev_last = last;
			if (!ki_add_run(r, w.order, (base + first) << w.order,
					last - first + 1u))
				return 0;
		}
		return len;
	}
	if (w.kind == KHO_MAP_BITMAP) {
		unsigned char bits[KI_PAGE_SIZE];
		uint64_t bphys;
		__le64 le;
		uint32_t b, start = 0;
		bool in = false, any = false;
		char what[64];

		len = ALIGN8(sizeof(w) + sizeof(le));
		if (count != 1 || len > room) {
			ki_error(r, "map page %u (0x%" PRIx64 "): bitmap record at offset %zu: count %u%s",
				 idx, phys, off, count,
				 len > room ? ", overruns the page's used bytes" : " (must be 1)");
			return 0;
		}
		memcpy(&le, rec + sizeof(w), sizeof(le));
		bphys = le64toh(le);
		snprintf(what, sizeof(what), "bitmap of order %u window 0x%" PRIx64,
			 w.order, pos->window);
		if (!bphys || bphys & (KI_PAGE_SIZE - 1)) {
			ki_error(r, "map page %u (0x%" PRIx64 "): %s at 0x%" PRIx64 ": not a page address",
				 idx, phys, what, bphys);
			return 0;
		}
		if (!ki_read(r, bphys, bits, sizeof(bits), what))
			return 0;
		pos->bitmaps++;
		for (b = 0; b <= KHO_MAP_WINDOW_BLOCKS; b++) {
			bool set = b < KHO_MAP_WINDOW_BLOCKS &&
				   (bits[b / 8] >> (b % 8) & 1);

			if (set && !in) {
				start = b;
				any = in = true;
			} else if (!set && in) {
				in = false;
				if (!ki_add_run(r, w.order, (base + start) << w.order,
						b - start))
					return 0;
			}
		}
		if (!any) {
			ki_error(r, "map page %u (0x%" PRIx64 "): %s at 0x%" PRIx64 " is empty",
				 idx, phys, what, bphys);
			return 0;
		}
		return len;
	}
	ki_error(r, "map page %u (0x%" PRIx64 "): record at offset %zu: unknown kind %u",
		 idx, phys, off, w.kind);
	return 0;
}

static int ki_cmp_area(const void *a, const void *b)
{
	const struct ki_area *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* Runs of different orders must not overlap; none may lie in scratch. */
static bool ki_map_check_runs(struct ki_report *r)
{
	struct ki_area *a = xmalloc(r->total_runs * sizeof(*a) + 1);
	size_t n = 0, i;
	unsigned int o, s;
	bool ok = true;

	for (o = 0; o < KI_NR_ORDERS; o++) {
		for (i = 0; i < r->nr_runs[o]; i++) {
			const struct ki_run *run = &r->runs[o][i];

			a[n].start = run->pfn << KI_PAGE_SHIFT;
			a[n].end = (run->pfn + (run->nr << o)) << KI_PAGE_SHIFT;
			n++;
		}
	}
	qsort(a, n, sizeof(*a), ki_cmp_area);
	for (i = 1; i < n && ok; i++) {
		if (a[i].start < a[i - 1].end) {
			ki_error(r, "map: preserved runs overlap: [0x%" PRIx64 ", 0x%" PRIx64 ") and [0x%" PRIx64 ", 0x%" PRIx64 ")",
				 a[i - 1].start, a[i - 1].end, a[i].start, a[i].end);
			ok = false;
		}
	}
	for (i = 0; i < n && ok; i++) {
		for (s = 0; s < r->nr_scratch; s++) {
			if (a[i].start < r->scratch[s].end &&
			    r->scratch[s].start < a[i].end) {
				ki_error(r, "map: preserved run [0x%" PRIx64 ", 0x%" PRIx64 ") lies in scratch area [0x%" PRIx64 ", 0x%" PRIx64 ")",
					 a[i].start, a[i].end, r->scratch[s].start,
					 r->scratch[s].end);
				ok = false;
				break;
			}
		}
		if (ok && r->nr_ram) {
			bool in = false;

			for (s = 0; s < r->nr_ram && !in; s++)
				in = a[i].start >= r->ram[s].start &&
				     a[i].end <= r->ram[s].end;
			if (!in) {
				ki_error(r, "map: preserved run [0x%" PRIx64 ", 0x%" PRIx64 ") is not inside System RAM",
					 a[i].start, a[i].end);
				ok = false;
			}
		}
	}
	free(a);
	return ok;
}

/* "key value" lines of the debugfs map file. */
static bool ki_map_text(const char *text, const char *key, uint64_t *v)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == ' ') {
			char *end;

			errno = 0;
			*v = strtoull(p + klen + 1, &end, 10);
			return !errno && end != p + klen + 1 &&
			       (*end == '\n' || !*end);
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

static void ki_decode_map(struct ki_report *r, uint64_t first, uint32_t nr_pages,
			  bool have_map)
{
	struct ki_node *m = kn_obj(r->root, "map");
	struct ki_node *orders;
	struct ki_map_pos pos = {};
	uint64_t phys = first, text_pages, text_bitmaps, fin = 0;
	uint64_t total_bytes = 0, total_blocks = 0;
	size_t total_ranges = 0;
	unsigned int i, o;
	bool ok = true;

	if (r->in->map) {
		if (!ki_map_text(r->in->map, "finalized", &fin) ||
		    !ki_map_text(r->in->map, "pages", &text_pages) ||
		    !ki_map_text(r->in->map, "bitmaps", &text_bitmaps)) {
			ki_error(r, "map file: not the \"finalized N\", \"pages N\", \"bitmaps N\" lines of kho/out/map");
			fin = 0;
		} else if (fin && (text_pages != nr_pages)) {
			ki_error(r, "map file says %" PRIu64 " pages, the root FDT %u",
				 text_pages, nr_pages);
		}
	}
	kn_bool(m, "finalized", first != 0);
	kn_hex(m, "first_page", first);
	kn_num(m, "pages", nr_pages);
	if (!first) {
		if (nr_pages)
			ki_error(r, "root FDT: %s is 0 but %s is %u", KHO_FDT_MAP,
				 KHO_FDT_MAP_PAGES, nr_pages);
		ki_note(r, "the map of preserved memory is not written yet: it is at kexec, or by writing 1 to kho/out/finalize (or to liveupdate_test/frozen)");
		return;
	}
	if (!nr_pages) {
		ki_error(r, "root FDT: %s is 0x%" PRIx64 " but %s is 0",
			 KHO_FDT_MAP, first, KHO_FDT_MAP_PAGES);
		return;
	}
	if (!have_map) {
		ki_note(r, "the map pages were read by this kernel at boot and are not kept: not decoded");
		return;
	}
	for (i = 0; i < nr_pages && ok; i++) {
		unsigned char page[KI_PAGE_SIZE];
		struct kho_map_page h;
		uint32_t used;
		size_t off = 0;
		char what[48];
		uint64_t next;

		if (phys & (KI_PAGE_SIZE - 1)) {
			ki_error(r, "map page %u at 0x%" PRIx64 ": not page aligned", i, phys);
			ok = false;
			break;
		}
		snprintf(what, sizeof(what), "map page %u", i);
		if (!ki_read(r, phys, page, sizeof(page), what)) {
			ok = false;
			break;
		}
		memcpy(&h, page, sizeof(h));
		used = le32toh(h.used);
		next = le64toh(h.next);
		if (le32toh(h.magic) != KHO_MAP_MAGIC) {
			ki_error(r, "map page %u (0x%" PRIx64 "): bad magic 0x%08x, expected 0x%08x",
				 i, phys, le32toh(h.magic), KHO_MAP_MAGIC);
			ok = false;
		} else if (le16toh(h.version) != KHO_MAP_VERSION) {
			ki_error(r, "map page %u (0x%" PRIx64 "): version %u, this tool reads %u",
				 i, phys, le16toh(h.version), KHO_MAP_VERSION);
			ok = false;
		} else if (h.reserved || h.reserved2) {
			ki_error(r, "map page %u (0x%" PRIx64 "): reserved fields not zero",
				 i, phys);
			ok = false;
		} else if (!used || used > KI_MAP_ROOM || used % 8) {
			ki_error(r, "map page %u (0x%" PRIx64 "): %u bytes used, expected 8..%zu in steps of 8",
				 i, phys, used, KI_MAP_ROOM);
			ok = false;
		} else if ((i + 1 == nr_pages) != !next) {
			ki_error(r, "map page %u (0x%" PRIx64 "): next page 0x%" PRIx64 ", but the root FDT says %u pages",
				 i, phys, next, nr_pages);
			ok = false;
		}
		while (ok && off < used) {
			size_t len = ki_map_record(r, &pos, i, phys, off,
						   page + sizeof(h) + off,
						   used - off);

			if (!len)
				ok = false;
			off += len;
		}
		phys = next;
	}
	if (ok && r->in->map && fin && text_bitmaps != pos.bitmaps) {
		ki_error(r, "map file says %" PRIu64 " bitmap pages, the map has %lu",
			 text_bitmaps, pos.bitmaps);
		ok = false;
	}
	kn_num(m, "bitmap_pages", pos.bitmaps);
	orders = kn_arr(m, "orders");
	for (o = 0; o < KI_NR_ORDERS; o++) {
		uint64_t blocks = 0;
		struct ki_node *e;

		for (i = 0; i < r->nr_runs[o]; i++)
			blocks += r->runs[o][i].nr;
		if (!blocks)
			continue;
		e = kn_obj(orders, NULL);
		kn_num(e, "order", o);
		kn_num(e, "ranges", r->nr_runs[o]);
		kn_num(e, "blocks", blocks);
		kn_bytes(e, "bytes", blocks << (o + KI_PAGE_SHIFT));
		total_ranges += r->nr_runs[o];
		total_blocks += blocks;
		total_bytes += blocks << (o + KI_PAGE_SHIFT);
	}
	kn_num(m, "ranges", total_ranges);
	kn_num(m, "blocks", total_blocks);
	kn_bytes(m, "bytes", total_bytes);
	if (ok)
		ok = ki_map_check_runs(r);
	kn_bool(m, "valid", ok);
	r->map_valid = ok;
}

/* --- FDTs --- */

static bool ki_printable(const char *s, int len)
{
	int i;

	if (len < 1 || s[len - 1])
		return false;
	for (i = 0; i < len - 1; i++)
		if ((s[i] < 32 || s[i] > 126) && s[i])
			return false;
	return s[0] != 0;
}

/* Properties and subnodes of node @off, generically. */
static void ki_fdt_node(struct ki_node *parent, const void *fdt, int off,
			int depth)
{
	struct ki_node *props = kn_obj(parent, "properties");
	struct ki_node *nodes = NULL;
	int p, sub;

	fdt_for_each_property_offset(p, fdt, off) {
		const char *name;
		const unsigned char *v;
		int len;

		v = fdt_getprop_by_offset(fdt, p, &name, &len);
		if (!v || !name)
			continue;
		if (ki_printable((const char *)v, len) &&
		    !memchr(v, 0, len - 1)) {
			kn_str(props, name, (const char *)v);
		} else if (len == 8) {
			fdt64_t x;

			memcpy(&x, v, 8);
			kn_hex(props, name, fdt64_to_cpu(x));
		} else if (len == 4) {
			fdt32_t x;

			memcpy(&x, v, 4);
			kn_num(props, name, fdt32_to_cpu(x));
		} else {
			char buf[2 * 32 + 16];
			int i, n = len < 32 ? len : 32;

			for (i = 0; i < n; i++)
				snprintf(buf + 2 * i, 3, "%02x", v[i]);
			snprintf(buf + 2 * n, sizeof(buf) - 2 * n, "%s (%d bytes)",
				 len > 32 ? "..." : "", len);
			kn_str(props, name, buf);
		}
	}
	if (depth >= KI_MAX_FDT_DEPTH)
		return;
	fdt_for_each_subnode(sub, fdt, off) {
		const char *name = fdt_get_name(fdt, sub, NULL);
		struct ki_node *n;

		if (!nodes)
			nodes = kn_arr(parent, "nodes");
		n = kn_obj(nodes, NULL);
		kn_str(n, "name", name ? name : "?");
		ki_fdt_node(n, fdt, sub, depth + 1);
	}
}

/* A whole, well-formed FDT in @b? One error line about @what if not. */
static bool ki_fdt_ok(struct ki_report *r, const struct ki_blob *b,
		      const char *what)
{
	int err;

	if (b->len < sizeof(struct fdt_header)) {
		ki_error(r, "%s: %zu bytes, too short for an FDT", what, b->len);
		return false;
	}
	err = fdt_check_header(b->data);
	if (!err && fdt_totalsize(b->data) > b->len) {
		ki_error(r, "%s: the FDT header says %u bytes, there are %zu", what,
			 fdt_totalsize(b->data), b->len);
		return false;
	}
	if (!err)
		err = fdt_check_full(b->data, b->len);
	if (err) {
		ki_error(r, "%s: not a valid FDT (%s)", what, fdt_strerror(err));
		return false;
	}
	return true;
}

static bool ki_prop_u64(const void *fdt, int off, const char *name,
			uint64_t *v)
{
	int len;
	const void *p = fdt_getprop(fdt, off, name, &len);
	fdt64_t x;

	if (!p || len != sizeof(x))
		return false;
	memcpy(&x, p, sizeof(x));
	*v = fdt64_to_cpu(x);
	return true;
}

static const struct ki_sub *ki_find_sub(const struct ki_report *r,
					const char *name)
{
	size_t i;

	for (i = 0; i < r->in->nr_subs; i++)
		if (!strcmp(r->in->subs[i].name, name))
			return &r->in->subs[i];
	return NULL;
}

/* Subtree @name, in the root FDT and a valid FDT itself (else reported). */
static const struct ki_sub *ki_valid_sub(const struct ki_report *r,
					 const char *name)
{
	const struct ki_sub *sub = ki_find_sub(r, name);

	if (!sub || fdt_subnode_offset(r->in->fdt.data, 0, name) < 0 ||
	    sub->fdt.len < sizeof(struct fdt_header) ||
	    fdt_check_full(sub->fdt.data, sub->fdt.len))
		return NULL;
	return sub;
}

/* --- kho_vmalloc: returns the area (nr_pages pages) or NULL --- */

static unsigned char *ki_vmalloc(struct ki_report *r, const struct kho_vmalloc *d,
				 const char *what, uint32_t *nr_pages_out)
{
	uint64_t phys = le64toh(d->first);
	uint32_t nr_pages = le32toh(d->nr_pages), nr_chunks = le32toh(d->nr_chunks);
	uint64_t left = nr_pages, done = 0;
	unsigned char *area;
	uint32_t c, i;

	*nr_pages_out = 0;
	if (!phys && !nr_pages && !nr_chunks) {
		ki_error(r, "%s: empty kho_vmalloc handle", what);
		return NULL;
	}
	if (!nr_chunks || !nr_pages || nr_chunks > nr_pages ||
	    !phys || phys & (KI_PAGE_SIZE - 1)) {
		ki_error(r, "%s: kho_vmalloc handle first 0x%" PRIx64 ", %u pages, %u chunks: malformed",
			 what, phys, nr_pages, nr_chunks);
		return NULL;
	}
	if (nr_pages > KI_MAX_VMALLOC_PAGES) {
		ki_error(r, "%s: kho_vmalloc area of %u pages, kho-inspect reads at most %lu",
			 what, nr_pages, KI_MAX_VMALLOC_PAGES);
		return NULL;
	}
	area = xmalloc((size_t)nr_pages * KI_PAGE_SIZE);
	for (c = 0; c < nr_chunks; c++) {
		struct kho_vmalloc_chunk h;
		unsigned char page[KI_PAGE_SIZE];
		uint32_t count;
		uint64_t next;
		char cwhat[96];

		snprintf(cwhat, sizeof(cwhat), "%s: chunk %u", what, c);
		if (!ki_read(r, phys, page, sizeof(page), cwhat) ||
		    !ki_check_preserved(r, phys, KI_PAGE_SIZE, cwhat))
			goto fail;
		memcpy(&h, page, sizeof(h));
		count = le32toh(h.count);
		next = le64toh(h.next);
		if (le32toh(h.magic) != KHO_VMALLOC_MAGIC) {
			ki_error(r, "%s at 0x%" PRIx64 ": bad magic 0x%08x, expected 0x%08x",
				 cwhat, phys, le32toh(h.magic), KHO_VMALLOC_MAGIC);
			goto fail;
		}
		if (!count || count > KI_CHUNK_RUNS) {
			ki_error(r, "%s at 0x%" PRIx64 ": %u runs, expected 1..%zu",
				 cwhat, phys, count, KI_CHUNK_RUNS);
			goto fail;
		}
		if ((c + 1 == nr_chunks) != !next || next & (KI_PAGE_SIZE - 1)) {
			ki_error(r, "%s at 0x%" PRIx64 ": next chunk 0x%" PRIx64 ", but the handle says %u chunks",
				 cwhat, phys, next, nr_chunks);
			goto fail;
		}
		for (i = 0; i < count; i++) {
			struct kho_vmalloc_run run;
			uint64_t rphys;
			uint32_t n, p;

			memcpy(&run, page + sizeof(h) + i * sizeof(run), sizeof(run));
			rphys = le64toh(run.phys);
			n = le32toh(run.nr_pages);
			if (!n || run.reserved || n > left ||
			    rphys & (KI_PAGE_SIZE - 1) ||
			    (rphys >> KI_PAGE_SHIFT) + n > KI_MAX_PFN) {
				ki_error(r, "%s at 0x%" PRIx64 ": run %u (0x%" PRIx64 ", %u pages): %s",
					 cwhat, phys, i, rphys, n,
					 n > left ? "more pages than the handle says" :
					 "malformed");
				goto fail;
			}
			if (!ki_check_preserved(r, rphys, (uint64_t)n << KI_PAGE_SHIFT,
						cwhat))
				goto fail;
			for (p = 0; p < n; p++) {
				if (!ki_read(r, rphys + ((uint64_t)p << KI_PAGE_SHIFT),
					     area + (done + p) * KI_PAGE_SIZE,
					     KI_PAGE_SIZE, cwhat))
					goto fail;
			}
			done += n;
			left -= n;
		}
		phys = next;
	}
	if (left) {
		ki_error(r, "%s: the runs add up to %" PRIu64 " pages, the handle says %u",
			 what, done, nr_pages);
		goto fail;
	}
	*nr_pages_out = nr_pages;
	return area;
fail:
	free(area);
	return NULL;
}

/* --- kho_array --- */

struct ki_array_walk {
	struct ki_report *r;
	const char *what;
	uint64_t nodes, entries, max_nodes;
	/* Called for each record: @count entries from @index. */
	bool (*fn)(void *arg, uint64_t index, uint64_t count, uint64_t val,
		   uint64_t step);
	void *arg;
};

static bool ki_run_ok(uint64_t val, uint64_t step, uint64_t count)
{
	__int128 last = (__int128)val + (__int128)(count - 1) * (int64_t)step;

	return val && last >= 1 && last <= (__int128)UINT64_MAX;
}

static bool ki_array_node(struct ki_array_walk *w, uint64_t phys,
			  unsigned int level, uint64_t lo, uint64_t hi)
{
	struct ki_report *r = w->r;
	unsigned char page[KI_PAGE_SIZE];
	struct kho_array_node n;
	struct kho_array_slot s[KI_NODE_SLOTS];
	unsigned int i, nr;
	uint64_t next = lo;
	char what[96];

	snprintf(what, sizeof(what), "%s: node of [0x%" PRIx64 ", 0x%" PRIx64 ") at level %u",
		 w->what, lo, hi, level);
	if (++w->nodes > w->max_nodes) {
		ki_error(r, "%s: more nodes than the head says (%" PRIu64 ")",
			 what, w->max_nodes);
		return false;
	}
	if (!phys || phys & (KI_PAGE_SIZE - 1)) {
		ki_error(r, "%s: address 0x%" PRIx64 " is not a page", what, phys);
		return false;
	}
	if (!ki_read(r, phys, page, sizeof(page), what) ||
	    !ki_check_preserved(r, phys, KI_PAGE_SIZE, what))
		return false;
	memcpy(&n, page, sizeof(n));
	nr = le16toh(n.nr);
	if (le32toh(n.magic) != KHO_ARRAY_NODE_MAGIC || n.level != level ||
	    n.reserved || n.reserved2 || !nr || nr > KI_NODE_SLOTS) {
		ki_error(r, "%s (0x%" PRIx64 "): bad header: magic 0x%08x, level %u, %u slots",
			 what, phys, le32toh(n.magic), n.level, nr);
		return false;
	}
	memcpy(s, page + sizeof(n), nr * sizeof(s[0]));
	if (level) {
		for (i = 0; i < nr; i++) {
			uint64_t clo = i ? le64toh(s[i].key) : lo;
			uint64_t chi = i + 1 < nr ? le64toh(s[i + 1].key) : hi;

			if (clo < lo || clo >= chi || chi > hi) {
				ki_error(r, "%s (0x%" PRIx64 "): key %u out of order",
					 what, phys, i);
				return false;
			}
			if (!ki_array_node(w, le64toh(s[i].val), level - 1, clo, chi))
				return false;
		}
		return true;
	}
	for (i = 0; i < nr;) {
		uint64_t key = le64toh(s[i].key), val = le64toh(s[i].val);
		uint64_t index = key & KHO_ARRAY_KEY_MASK, count = 1, step = 0;

		if (key & KHO_ARRAY_KEY_TAIL) {
			ki_error(r, "%s (0x%" PRIx64 "): slot %u is a run tail without a head",
				 what, phys, i);
			return false;
		}
		if (key & KHO_ARRAY_KEY_RUN) {
			uint64_t tail = i + 1 < nr ? le64toh(s[i + 1].key) : 0;

			if ((tail & ~KHO_ARRAY_KEY_MASK) != KHO_ARRAY_KEY_TAIL) {
				ki_error(r, "%s (0x%" PRIx64 "): run head in slot %u without its tail",
					 what, phys, i);
				return false;
			}
			count = tail & KHO_ARRAY_KEY_MASK;
			step = le64toh(s[i + 1].val);
			if (count < 2) {
				ki_error(r, "%s (0x%" PRIx64 "): run in slot %u of %" PRIu64 " entries",
					 what, phys, i, count);
				return false;
			}
			i++;
		}
		i++;
		if (index < next) {
			ki_error(r, "%s (0x%" PRIx64 "): entries at 0x%" PRIx64 " overlap the ones before or are out of order",
				 what, phys, index);
			return false;
		}
		if (index < lo || count - 1 > KI_ARRAY_MAX_INDEX - index ||
		    index + count - 1 >= hi) {
			ki_error(r, "%s (0x%" PRIx64 "): entries [0x%" PRIx64 ", +%" PRIu64 ") outside the node's bounds",
				 what, phys, index, count);
			return false;
		}
		if (!ki_run_ok(val, step, count)) {
			ki_error(r, "%s (0x%" PRIx64 "): entries from 0x%" PRIx64 ": value 0x%" PRIx64 " step 0x%" PRIx64 " over %" PRIu64 " entries is zero or wraps",
				 what, phys, index, val, step, count);
			return false;
		}
		next = index + count;
		if (!w->fn(w->arg, index, count, val, step))
			return false;
		w->entries += count;
	}
	return true;
}

/*
 * Walk the kho_array at @phys: each record to @fn, in index order (the
 * caller checks that indices increase). False after an error line.
 */
static bool ki_array(struct ki_report *r, uint64_t phys, const char *what,
		     struct ki_array_walk *w, uint64_t *nr_entries)
{
	struct kho_array_head h;

	w->r = r;
	w->what = what;
	if (!phys || phys & (KI_PAGE_SIZE - 1)) {
		ki_error(r, "%s: head 0x%" PRIx64 " is not a page address", what, phys);
		return false;
	}
	if (!ki_read(r, phys, &h, sizeof(h), what) ||
	    !ki_check_preserved(r, phys, KI_PAGE_SIZE, what))
		return false;
	if (le32toh(h.magic) != KHO_ARRAY_MAGIC || le16toh(h.version) != KHO_ARRAY_VERSION ||
	    h.reserved || h.height > KI_ARRAY_MAX_HEIGHT ||
	    !h.height != !le64toh(h.root)) {
		ki_error(r, "%s: head at 0x%" PRIx64 ": magic 0x%08x version %u height %u root 0x%" PRIx64 ": not a kho_array head",
			 what, phys, le32toh(h.magic), le16toh(h.version), h.height,
			 (uint64_t)le64toh(h.root));
		return false;
	}
	w->max_nodes = le64toh(h.nr_nodes);
	if (h.height && !ki_array_node(w, le64toh(h.root), h.height - 1, 0,
				       KI_ARRAY_MAX_INDEX + 1))
		return false;
	if (w->entries != le64toh(h.nr_entries) || w->nodes != le64toh(h.nr_nodes)) {
		ki_error(r, "%s: head says %" PRIu64 " entries in %" PRIu64 " nodes, the tree has %" PRIu64 " in %" PRIu64,
			 what, (uint64_t)le64toh(h.nr_entries),
			 (uint64_t)le64toh(h.nr_nodes), w->entries, w->nodes);
		return false;
	}
	*nr_entries = w->entries;
	return true;
}

/* --- memfd --- */

struct ki_memfd {
	struct ki_report *r;
	const char *what;
	uint64_t size_pages;
	uint64_t folios[KI_NR_ORDERS];
	uint64_t pages;
	uint64_t holes, hole_ranges;
	uint64_t next_index;	/* first page not covered yet */
	/* v2: the folio being assembled from its pages */
	uint64_t cur_head, cur_phys, cur_left;
	uint64_t cur_flags;
	unsigned int cur_order;
	uint64_t checked;
};

/* A folio of 2^@order pages at @index: count it and the hole before it. */
static bool ki_memfd_folio(struct ki_memfd *m, uint64_t index,
			   unsigned int order, uint64_t phys)
{
	uint64_t nr = 1ULL << order;

	if (index < m->next_index) {
		ki_error(m->r, "%s: folio at index 0x%" PRIx64 " overlaps the one before (or is out of order)",
			 m->what, index);
		return false;
	}
	if (index & (nr - 1) || (phys >> KI_PAGE_SHIFT) & (nr - 1)) {
		ki_error(m->r, "%s: folio of order %u at index 0x%" PRIx64 " (0x%" PRIx64 ") is not aligned to its size",
			 m->what, order, index, phys);
		return false;
	}
	if (index >= m->size_pages || nr > m->size_pages - index) {
		ki_error(m->r, "%s: folio at index 0x%" PRIx64 " of order %u lies beyond the file size",
			 m->what, index, order);
		return false;
	}
	if (index > m->next_index) {
		m->holes += index - m->next_index;
		m->hole_ranges++;
	}
	m->next_index = index + nr;
	m->folios[order]++;
	m->pages += nr;
	return true;
}

static void ki_memfd_end(struct ki_memfd *m, struct ki_node *o)
{
	struct ki_node *by = kn_arr(o, "folios_by_order");
	unsigned int i;
	uint64_t total = 0;

	if (m->size_pages > m->next_index) {
		m->holes += m->size_pages - m->next_index;
		m->hole_ranges++;
	}
	for (i = 0; i < KI_NR_ORDERS; i++) {
		struct ki_node *e;

		if (!m->folios[i])
			continue;
		e = kn_obj(by, NULL);
		kn_num(e, "order", i);
		kn_num(e, "folios", m->folios[i]);
		kn_bytes(e, "bytes", m->folios[i] << (i + KI_PAGE_SHIFT));
		total += m->folios[i];
	}
	kn_num(o, "folios", total);
	kn_bytes(o, "bytes_preserved", m->pages << KI_PAGE_SHIFT);
	kn_num(o, "hole_pages", m->holes);
	kn_num(o, "holes", m->hole_ranges);
}

static void ki_memfd_v1(struct ki_report *r, struct ki_node *o, uint64_t handle,
			const char *what)
{
	struct memfd_luo_v1 v;
	struct ki_memfd m = { .r = r, .what = what };
	unsigned char *area;
	uint32_t nr_pages;
	uint64_t nr, i, size;

	if (!ki_read(r, handle, &v, sizeof(v), what) ||
	    !ki_check_preserved(r, handle, sizeof(v), what))
		return;
	size = le64toh(v.size);
	nr = le64toh(v.nr_folios);
	kn_bytes(o, "size", size);
	kn_num(o, "pos", le64toh(v.pos));
	kn_num(o, "nr_folios", nr);
	m.size_pages = (size >> KI_PAGE_SHIFT) + !!(size & (KI_PAGE_SIZE - 1));
	if (!nr) {
		if (le32toh(v.folios.nr_pages) || le64toh(v.folios.first)) {
			ki_error(r, "%s: no folio, but a folio array", what);
			return;
		}
		ki_memfd_end(&m, o);
		return;
	}
	area = ki_vmalloc(r, &v.folios, what, &nr_pages);
	if (!area)
		return;
	if (nr > (uint64_t)nr_pages * KI_PAGE_SIZE / sizeof(struct memfd_luo_folio_ser)) {
		ki_error(r, "%s: %" PRIu64 " folios do not fit in an array of %u pages",
			 what, nr, nr_pages);
		free(area);
		return;
	}
	for (i = 0; i < nr; i++) {
		struct memfd_luo_folio_ser f;
		uint64_t pfn, pf;
		int order;

		memcpy(&f, area + i * sizeof(f), sizeof(f));
		pf = le64toh(f.pfn_flags);
		pfn = pf >> 12;
		if (pf & 0xfff & ~(uint64_t)(MEMFD_LUO_FOLIO_DIRTY |
					     MEMFD_LUO_FOLIO_UPTODATE)) {
			ki_error(r, "%s: folio %" PRIu64 ": unknown flags 0x%" PRIx64,
				 what, i, pf & 0xfff);
			break;
		}
		order = r->map_valid ? ki_block_order(r, pfn) : 0;
		if (order < 0) {
			ki_error(r, "%s: folio %" PRIu64 " at 0x%" PRIx64 " is not preserved memory",
				 what, i, pfn << KI_PAGE_SHIFT);
			break;
		}
		if (r->map_valid && (pfn & ((1ULL << order) - 1))) {
			ki_error(r, "%s: folio %" PRIu64 " at 0x%" PRIx64 " is inside a preserved block of order %d, not at its start",
				 what, i, pfn << KI_PAGE_SHIFT, order);
			break;
		}
		if (!ki_memfd_folio(&m, le64toh(f.index), order, pfn << KI_PAGE_SHIFT))
			break;
	}
	free(area);
	if (i == nr)
		ki_memfd_end(&m, o);
	if (!r->map_valid)
		ki_note(r, "%s: folio orders unknown without a valid map (counted as order 0)",
			what);
}

/* Close the v2 folio being assembled: all its pages must have come. */
static bool ki_memfd_v2_flush(struct ki_memfd *m)
{
	if (m->cur_left) {
		ki_error(m->r, "%s: folio at index 0x%" PRIx64 " of order %u misses %" PRIu64 " of its pages",
			 m->what, m->cur_head, m->cur_order, m->cur_left);
		return false;
	}
	return true;
}

static bool ki_memfd_v2_entry(void *arg, uint64_t index, uint64_t count,
			      uint64_t val, uint64_t step)
{
	struct ki_memfd *m = arg;
	uint64_t k;

	if (count > KI_MAX_ENTRIES - m->checked) {
		ki_error(m->r, "%s: more than %llu pages, kho-inspect checks no more",
			 m->what, KI_MAX_ENTRIES);
		return false;
	}
	m->checked += count;
	for (k = 0; k < count; k++, index++, val += step) {
		unsigned int order = MEMFD_LUO_V2_ORDER(val);
		uint64_t phys = MEMFD_LUO_V2_PHYS(val);
		uint64_t flags = val & MEMFD_LUO_V2_FLAGS;

		if (order > KI_MAX_ORDER) {
			ki_error(m->r, "%s: page at index 0x%" PRIx64 ": order %u",
				 m->what, index, order);
			return false;
		}
		if (m->cur_left) {
			/* A page of the folio being assembled. */
			if (index != m->cur_head + (1ULL << m->cur_order) - m->cur_left ||
			    order != m->cur_order || flags != m->cur_flags ||
			    phys != m->cur_phys + ((index - m->cur_head) << KI_PAGE_SHIFT)) {
				ki_error(m->r, "%s: page at index 0x%" PRIx64 " does not continue the folio of order %u at index 0x%" PRIx64,
					 m->what, index, m->cur_order, m->cur_head);
				return false;
			}
			m->cur_left--;
			continue;
		}
		if (!ki_memfd_folio(m, index, order, phys))
			return false;
		if (m->r->map_valid) {
			const struct ki_run *run = ki_find_run(m->r, order,
							       phys >> (KI_PAGE_SHIFT + order));

			if (!run) {
				ki_error(m->r, "%s: folio at index 0x%" PRIx64 " (0x%" PRIx64 ", order %u) is not a preserved block of its order",
					 m->what, index, phys, order);
				return false;
			}
		}
		m->cur_head = index;
		m->cur_phys = phys;
		m->cur_order = order;
		m->cur_flags = flags;
		m->cur_left = (1ULL << order) - 1;
	}
	return true;
}

static void ki_memfd_v2(struct ki_report *r, struct ki_node *o, uint64_t handle,
			const char *what)
{
	struct memfd_luo_v2 v;
	struct ki_memfd m = { .r = r, .what = what };
	struct ki_array_walk w = { .fn = ki_memfd_v2_entry, .arg = &m };
	uint64_t size, entries;
	char awhat[160];

	if (!ki_read(r, handle, &v, sizeof(v), what) ||
	    !ki_check_preserved(r, handle, sizeof(v), what))
		return;
	size = le64toh(v.size);
	kn_bytes(o, "size", size);
	kn_num(o, "pos", le64toh(v.pos));
	kn_hex(o, "seals", le32toh(v.seals));
	kn_add(o, "mode", KN_STR)->str = xasprintf("%04o", le32toh(v.mode));
	kn_num(o, "nr_pages", le64toh(v.nr_pages));
	m.size_pages = (size >> KI_PAGE_SHIFT) + !!(size & (KI_PAGE_SIZE - 1));
	if (le32toh(v.mode) & ~0777u) {
		ki_error(r, "%s: mode 0%o has bits beyond 0777", what, le32toh(v.mode));
		return;
	}
	snprintf(awhat, sizeof(awhat), "%s: page array", what);
	if (!ki_array(r, le64toh(v.pages), awhat, &w, &entries))
		return;
	if (!ki_memfd_v2_flush(&m))
		return;
	if (entries != le64toh(v.nr_pages)) {
		ki_error(r, "%s: nr_pages %" PRIu64 ", the page array has %" PRIu64,
			 what, (uint64_t)le64toh(v.nr_pages), entries);
		return;
	}
	ki_memfd_end(&m, o);
}

/* --- registry --- */

/*
 * The record of the object at @handle: a slot of a record page, whose
 * header (family, versions) is checked whole as the kernel checks it.
 */
static void ki_record(struct ki_report *r, struct ki_node *o, uint64_t handle,
		      size_t idx)
{
	uint64_t page = handle & ~(uint64_t)(KHO_RECORD_PAGE_SIZE - 1);
	uint64_t off = handle - page, valid, slots_nr, slot;
	uint64_t handles[KHO_RECORD_MAX_VERSIONS];
	struct kho_record_page rec;
	struct ki_node *vers;
	char what[64], fmt[256] = "";
	uint16_t nr, i, j;
	size_t flen;

	snprintf(what, sizeof(what), "registry record %zu", idx);
	kn_hex(o, "handle", handle);
	if (!ki_read(r, page, &rec, sizeof(rec), what) ||
	    !ki_check_preserved(r, page, KHO_RECORD_PAGE_SIZE, what))
		return;
	nr = le16toh(rec.nr_versions);
	if (le32toh(rec.magic) != KHO_RECORD_PAGE_MAGIC) {
		ki_error(r, "%s: record page 0x%" PRIx64 ": bad magic 0x%08x, expected 0x%08x",
			 what, page, le32toh(rec.magic), KHO_RECORD_PAGE_MAGIC);
		return;
	}
	flen = strnlen(rec.family, sizeof(rec.family));
	if (!flen || flen == sizeof(rec.family) ||
	    !ki_printable(rec.family, flen + 1)) {
		ki_error(r, "%s: record page 0x%" PRIx64 ": family name is not a NUL-terminated string",
			 what, page);
		return;
	}
	kn_str(o, "family", rec.family);
	if (!nr || nr > KHO_RECORD_MAX_VERSIONS || rec.reserved) {
		ki_error(r, "%s: record page 0x%" PRIx64 " (%s): %u versions%s",
			 what, page, rec.family, nr, rec.reserved ?
			 ", reserved field not zero" : " (expected 1..8)");
		return;
	}
	for (i = 0; i < KHO_RECORD_MAX_VERSIONS; i++) {
		if (i >= nr && rec.versions[i]) {
			ki_error(r, "%s: record page 0x%" PRIx64 ": version slot %u past the %u versions is not zero",
				 what, page, i, nr);
			return;
		}
		for (j = 0; j < i && i < nr; j++) {
			if (rec.versions[i] == rec.versions[j]) {
				ki_error(r, "%s: record page 0x%" PRIx64 ": version %u written twice",
					 what, page, le32toh(rec.versions[i]));
				return;
			}
		}
	}
	slots_nr = kho_record_page_slots(nr);
	for (i = 0; i < KHO_RECORD_PAGE_WORDS; i++) {
		valid = slots_nr >= (i + 1) * 64u ? ~0ULL : slots_nr <= i * 64u ?
			0 : (1ULL << (slots_nr - i * 64)) - 1;
		if (le64toh(rec.used[i]) & ~valid) {
			ki_error(r, "%s: record page 0x%" PRIx64 ": slots marked used past the last of %" PRIu64,
				 what, page, slots_nr);
			return;
		}
	}
	if (off < KHO_RECORD_PAGE_HEADER ||
	    (off - KHO_RECORD_PAGE_HEADER) % (8u * nr)) {
		ki_error(r, "%s at 0x%" PRIx64 ": not the start of a slot of %u versions",
			 what, handle, nr);
		return;
	}
	slot = (off - KHO_RECORD_PAGE_HEADER) / (8u * nr);
	if (slot >= slots_nr ||
	    !(le64toh(rec.used[slot / 64]) & (1ULL << (slot % 64)))) {
		ki_error(r, "%s at 0x%" PRIx64 ": slot %" PRIu64 " holds no record",
			 what, handle, slot);
		return;
	}
	if (!ki_read(r, handle, handles, 8u * nr, what))
		return;
	kn_num(o, "slot", slot);
	vers = kn_arr(o, "versions");
	snprintf(fmt, sizeof(fmt), "%s", rec.family);
	for (i = 0; i < nr; i++) {
		uint32_t v = le32toh(rec.versions[i]);
		uint64_t h = le64toh(handles[i]);
		struct ki_node *e = kn_obj(vers, NULL);
		char vwhat[96];
		size_t l = strlen(fmt);

		kn_num(e, "version", v);
		kn_hex(e, "handle", h);
		snprintf(fmt + l, sizeof(fmt) - l, "%sv%u", i ? "," : " ", v);
		snprintf(vwhat, sizeof(vwhat), "%s v%u", rec.family, v);
		if (!strcmp(rec.family, MEMFD_LUO_FAMILY) && v == 1)
			ki_memfd_v1(r, kn_obj(e, "memfd"), h, vwhat);
		else if (!strcmp(rec.family, MEMFD_LUO_FAMILY) && v == 2)
			ki_memfd_v2(r, kn_obj(e, "memfd"), h, vwhat);
	}
	if (r->nr_recs == r->cap_recs) {
		r->cap_recs = r->cap_recs ? 2 * r->cap_recs : 16;
		r->recs = xrealloc(r->recs, r->cap_recs * sizeof(*r->recs));
	}
	r->recs[r->nr_recs].handle = handle;
	r->recs[r->nr_recs].format = xstrdup(fmt);
	r->nr_recs++;
}

static void ki_decode_registry(struct ki_report *r, const struct ki_sub *sub)
{
	struct ki_node *reg = kn_obj(r->root, "registry");
	struct kho_record_index h;
	struct ki_node *recs;
	uint64_t phys, nr, nr_ext, i, size;
	const char *what = "registry index";

	if (fdt_node_check_compatible(sub->fdt.data, 0, KHO_REGISTRY_COMPATIBLE)) {
		ki_error(r, "subtree %s: not compatible with \"%s\"",
			 KHO_REGISTRY_NODE, KHO_REGISTRY_COMPATIBLE);
		return;
	}
	if (!ki_prop_u64(sub->fdt.data, 0, KHO_REGISTRY_INDEX, &phys)) {
		ki_error(r, "subtree %s: no u64 property \"%s\"", KHO_REGISTRY_NODE,
			 KHO_REGISTRY_INDEX);
		return;
	}
	kn_hex(reg, "index", phys);
	if (!r->in->read_page) {
		ki_note(r, "registry: the index and records are in the memory of the previous kernel, which debugfs does not show: not decoded");
		return;
	}
	if (!ki_read(r, phys, &h, sizeof(h), what))
		return;
	nr = le64toh(h.nr);
	nr_ext = le64toh(h.nr_extents);
	if (le32toh(h.magic) != KHO_RECORD_INDEX_MAGIC || h.reserved) {
		ki_error(r, "%s at 0x%" PRIx64 ": bad magic 0x%08x (expected 0x%08x) or reserved field",
			 what, phys, le32toh(h.magic), KHO_RECORD_INDEX_MAGIC);
		return;
	}
	if (nr > (KI_PAGE_SIZE << KI_MAX_ORDER) / sizeof(struct kho_index_record) ||
	    nr_ext > (KI_PAGE_SIZE << KI_MAX_ORDER) / sizeof(struct kho_index_extent)) {
		ki_error(r, "%s at 0x%" PRIx64 ": %" PRIu64 " records and %" PRIu64 " extents do not fit in one folio",
			 what, phys, nr, nr_ext);
		return;
	}
	size = sizeof(h) + nr * sizeof(struct kho_index_record) +
	       nr_ext * sizeof(struct kho_index_extent);
	if (!ki_check_preserved(r, phys, size, what))
		return;
	kn_num(reg, "records_count", nr);
	kn_num(reg, "extents", nr_ext);
	recs = kn_arr(reg, "records");
	for (i = 0; i < nr; i++) {
		struct kho_index_record ir;
		struct ki_node *o = kn_obj(recs, NULL);
		uint64_t first, bytes = 0, e;
		uint32_t n, flags;
		char ewhat[64];

		snprintf(ewhat, sizeof(ewhat), "registry index entry %" PRIu64, i);
		if (!ki_read(r, phys + sizeof(h) + i * sizeof(ir), &ir, sizeof(ir),
			     ewhat))
			return;
		first = le64toh(ir.first_extent);
		n = le32toh(ir.nr_extents);
		flags = le32toh(ir.flags);
		if (first > nr_ext || n > nr_ext - first || flags & ~KHO_INDEX_COMPLETE) {
			ki_error(r, "%s: extents [%" PRIu64 ", +%u) of %" PRIu64 ", flags 0x%x: malformed",
				 ewhat, first, n, nr_ext, flags);
			return;
		}
		ki_record(r, o, le64toh(ir.record), i);
		for (e = first; e < first + n; e++) {
			struct kho_index_extent x;
			uint64_t xp;
			uint32_t xo;

			if (!ki_read(r, phys + sizeof(h) + nr * sizeof(ir) + e * sizeof(x),
				     &x, sizeof(x), ewhat))
				return;
			xp = le64toh(x.phys);
			xo = le32toh(x.order);
			if (xo > KI_MAX_ORDER || x.reserved ||
			    xp & ((KI_PAGE_SIZE << (xo > KI_MAX_ORDER ? 0 : xo)) - 1)) {
				ki_error(r, "%s: extent %" PRIu64 " (0x%" PRIx64 ", order %u): malformed",
					 ewhat, e, xp, xo);
				return;
			}
			if (r->map_valid &&
			    !ki_find_run(r, xo, xp >> (KI_PAGE_SHIFT + xo))) {
				ki_error(r, "%s: extent %" PRIu64 " (0x%" PRIx64 ", order %u) is not a preserved block of that order",
					 ewhat, e, xp, xo);
				return;
			}
			bytes += KI_PAGE_SIZE << xo;
		}
		kn_num(o, "extents", n);
		kn_bytes(o, "bytes", bytes);
		kn_bool(o, "complete", flags & KHO_INDEX_COMPLETE);
	}
}

/* --- LUO --- */

static int ki_cmp_rec(const void *a, const void *b)
{
	const struct ki_rec_ref *x = a, *y = b;

	return (x->handle > y->handle) - (x->handle < y->handle);
}

/* "family vN,vM" of the record at @handle, or NULL. */
static const char *ki_rec_format(const struct ki_report *r, uint64_t handle)
{
	size_t lo = 0, hi = r->nr_recs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->recs[mid].handle == handle)
			return r->recs[mid].format;
		if (r->recs[mid].handle < handle)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool ki_str_ok(const char *s, size_t size)
{
	size_t len = strnlen(s, size);

	return len && len < size;
}

struct ki_dup {
	uint64_t token;		/* or session index */
	uint64_t pos;
	const char *name;
};

static int ki_cmp_dup_name(const void *a, const void *b)
{
	const struct ki_dup *x = a, *y = b;
	int c = strncmp(x->name, y->name, sizeof_field(struct luo_session_ser, name));

	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static int ki_cmp_dup_token(const void *a, const void *b)
{
	const struct ki_dup *x = a, *y = b;

	if (x->token != y->token)
		return (x->token > y->token) - (x->token < y->token);
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * Sessions of the same name, files of the same token in a session: the
 * next kernel keeps the first and gives the others back. Called once the
 * state is known to be well formed.
 */
static void ki_luo_dups(struct ki_report *r, const unsigned char *area,
			uint32_t nr_sessions)
{
	const struct luo_state_ser *hdr = (const void *)area;
	const struct luo_session_ser *ss = (const void *)(hdr + 1);
	const struct luo_file_ser *fs = (const void *)(ss + nr_sessions);
	struct ki_dup *d = xmalloc((nr_sessions + 1) * sizeof(*d));
	uint64_t i, j;

	for (i = 0; i < nr_sessions; i++)
		d[i] = (struct ki_dup){ .pos = i, .name = ss[i].name };
	qsort(d, nr_sessions, sizeof(*d), ki_cmp_dup_name);
	for (i = 1; i < nr_sessions; i++)
		if (!strncmp(d[i - 1].name, d[i].name,
			     sizeof_field(struct luo_session_ser, name)))
			ki_error(r, "LUO session %" PRIu64 " \"%s\": same name as session %" PRIu64,
				 d[i].pos, d[i].name, d[i - 1].pos);
	free(d);
	for (i = 0; i < nr_sessions; i++) {
		uint64_t first = le64toh(ss[i].first_file);
		uint64_t n = le64toh(ss[i].nr_files);

		d = xmalloc((n + 1) * sizeof(*d));
		for (j = 0; j < n; j++)
			d[j] = (struct ki_dup){ .token = le64toh(fs[first + j].token),
						.pos = first + j };
		qsort(d, n, sizeof(*d), ki_cmp_dup_token);
		for (j = 1; j < n; j++)
			if (d[j].token == d[j - 1].token)
				ki_error(r, "LUO session \"%s\": files %" PRIu64 " and %" PRIu64 " have the same token %" PRIu64,
					 ss[i].name, d[j - 1].pos, d[j].pos, d[j].token);
		free(d);
	}
}

static void ki_decode_luo(struct ki_report *r, const struct ki_sub *sub)
{
	struct ki_node *luo = kn_obj(r->root, "luo");
	const void *fdt = sub->fdt.data;
	const struct kho_vmalloc *desc;
	struct kho_vmalloc d;
	struct luo_state_ser hdr;
	struct ki_node *sessions;
	unsigned char *area;
	uint64_t num, nr_files, next = 0, i, j;
	uint32_t nr_sessions, nr_pages;
	size_t size;
	int len;

	if (fdt_node_check_compatible(fdt, 0, LUO_FDT_COMPATIBLE)) {
		ki_error(r, "subtree %s: not compatible with \"%s\"", LUO_FDT_NODE,
			 LUO_FDT_COMPATIBLE);
		return;
	}
	if (ki_prop_u64(fdt, 0, LUO_FDT_NUMBER, &num))
		kn_num(luo, "liveupdate_number", num);
	desc = fdt_getprop(fdt, 0, LUO_FDT_STATE, &len);
	if (!desc) {
		kn_num(luo, "sessions_count", 0);
		ki_note(r, "LUO: no state: sessions are written when LUO freezes (at kexec, or liveupdate_test/frozen)");
		return;
	}
	if (len != sizeof(d)) {
		ki_error(r, "subtree %s: property \"%s\" of %d bytes, expected %zu",
			 LUO_FDT_NODE, LUO_FDT_STATE, len, sizeof(d));
		return;
	}
	memcpy(&d, desc, sizeof(d));
	kn_hex(luo, "state", le64toh(d.first));
	kn_num(luo, "state_pages", le32toh(d.nr_pages));
	if (!r->in->read_page) {
		ki_note(r, "LUO: the sessions are in the memory of the previous kernel, which debugfs does not show: not decoded");
		return;
	}
	area = ki_vmalloc(r, &d, "LUO state", &nr_pages);
	if (!area)
		return;
	size = (size_t)nr_pages * KI_PAGE_SIZE;
	memcpy(&hdr, area, sizeof(hdr));
	nr_sessions = le32toh(hdr.nr_sessions);
	nr_files = le64toh(hdr.nr_files);
	if (le32toh(hdr.magic) != LUO_STATE_MAGIC) {
		ki_error(r, "LUO state: bad magic 0x%08x, expected 0x%08x",
			 le32toh(hdr.magic), LUO_STATE_MAGIC);
		goto out;
	}
	if (nr_files > size / sizeof(struct luo_file_ser) ||
	    nr_sessions > size / sizeof(struct luo_session_ser) ||
	    sizeof(hdr) + nr_sessions * sizeof(struct luo_session_ser) +
	    nr_files * sizeof(struct luo_file_ser) > size) {
		ki_error(r, "LUO state: %u sessions and %" PRIu64 " files do not fit in %u pages",
			 nr_sessions, nr_files, nr_pages);
		goto out;
	}
	kn_num(luo, "sessions_count", nr_sessions);
	kn_num(luo, "files_count", nr_files);
	sessions = kn_arr(luo, "sessions");
	for (i = 0; i < nr_sessions; i++) {
		struct luo_session_ser s;
		struct ki_node *so, *files;
		uint64_t first, n;

		memcpy(&s, area + sizeof(hdr) + i * sizeof(s), sizeof(s));
		first = le64toh(s.first_file);
		n = le64toh(s.nr_files);
		if (!ki_str_ok(s.name, sizeof(s.name))) {
			ki_error(r, "LUO session %" PRIu64 ": name is not a NUL-terminated string", i);
			goto out;
		}
		so = kn_obj(sessions, NULL);
		kn_str(so, "name", s.name);
		kn_num(so, "files_count", n);
		if (first != next || n > nr_files - first) {
			ki_error(r, "LUO session %" PRIu64 " \"%s\": files [%" PRIu64 ", +%" PRIu64 "), expected to start at %" PRIu64 " (files are back to back, %" PRIu64 " in all)",
				 i, s.name, first, n, next, nr_files);
			goto out;
		}
		next = first + n;
		files = kn_arr(so, "files");
		for (j = first; j < first + n; j++) {
			struct luo_file_ser f;
			struct ki_node *fo;
			const char *fmt;
			uint64_t data, token;

			memcpy(&f, area + sizeof(hdr) + nr_sessions * sizeof(s) +
			       j * sizeof(f), sizeof(f));
			token = le64toh(f.token);
			data = le64toh(f.data);
			if (!ki_str_ok(f.compatible, sizeof(f.compatible))) {
				ki_error(r, "LUO session \"%s\": file %" PRIu64 ": handler is not a NUL-terminated string",
					 s.name, j);
				goto out;
			}
			fo = kn_obj(files, NULL);
			kn_num(fo, "token", token);
			kn_str(fo, "handler", f.compatible);
			kn_hex(fo, "data", data);
			fmt = ki_rec_format(r, data);
			if (fmt) {
				kn_str(fo, "format", fmt);
			} else if (!strcmp(f.compatible, MEMFD_LUO_FH_COMPATIBLE)) {
				ki_error(r, "LUO session \"%s\": memfd token %" PRIu64 ": data 0x%" PRIx64 " is no record of the registry index",
					 s.name, token, data);
			} else if (!strcmp(f.compatible, KI_LUO_TEST_COMPATIBLE)) {
				kn_str(fo, "format", "liveupdate-test page");
			} else {
				kn_str(fo, "format", "unknown to kho-inspect");
			}
		}
	}
	if (next != nr_files)
		ki_error(r, "LUO state: the sessions own %" PRIu64 " files of %" PRIu64,
			 next, nr_files);
	else
		ki_luo_dups(r, area, nr_sessions);
out:
	free(area);
}

/* --- root --- */

static bool ki_parse_scratch(struct ki_report *r, struct ki_node *root)
{
	struct ki_node *arr = kn_arr(root, "scratch");
	const char *p = r->in->scratch;
	unsigned int i, j;

	while (*p) {
		unsigned long long a, s;
		int n = 0;

		if (sscanf(p, "0x%llx 0x%llx%n", &a, &s, &n) != 2 || !n ||
		    (p[n] != '\n' && p[n])) {
			ki_error(r, "scratch file: line %u is not \"0xADDR 0xSIZE\"",
				 r->nr_scratch + 1);
			return false;
		}
		p += n + (p[n] == '\n');
		if (r->nr_scratch == KI_MAX_SCRATCH) {
			ki_error(r, "scratch: more than %u areas", KI_MAX_SCRATCH);
			return false;
		}
		if (!s || (a | s) & (KI_PAGE_SIZE - 1) || a + s < a ||
		    (a + s) >> KI_PHYS_BITS) {
			ki_error(r, "scratch area %u [0x%llx + 0x%llx]: empty, not page aligned or beyond memory",
				 r->nr_scratch, a, s);
			return false;
		}
		r->scratch[r->nr_scratch].start = a;
		r->scratch[r->nr_scratch].end = a + s;
		r->nr_scratch++;
	}
	for (i = 0; i < r->nr_scratch; i++) {
		struct ki_node *e = kn_obj(arr, NULL);

		kn_hex(e, "addr", r->scratch[i].start);
		kn_bytes(e, "size", r->scratch[i].end - r->scratch[i].start);
		for (j = 0; j < i; j++) {
			if (r->scratch[i].start < r->scratch[j].end &&
			    r->scratch[j].start < r->scratch[i].end) {
				ki_error(r, "scratch areas %u and %u overlap", j, i);
				return false;
			}
		}
	}
	return true;
}

static void ki_parse_ram(struct ki_report *r)
{
	const char *p = r->in->ram;

	while (p && *p) {
		unsigned long long a, b;
		int n = 0;

		/* Top-level lines of /proc/iomem only: no indentation. */
		if (sscanf(p, "%llx-%llx : System RAM%n", &a, &b, &n) == 2 && n &&
		    (p[n] == '\n' || !p[n]) && b >= a && b + 1 > b && (a || b)) {
			r->ram = xrealloc(r->ram, (r->nr_ram + 1) * sizeof(*r->ram));
			r->ram[r->nr_ram].start = a;
			r->ram[r->nr_ram].end = b + 1;
			r->nr_ram++;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

static void ki_decode_all(struct ki_report *r)
{
	const struct ki_input *in = r->in;
	struct ki_node *root, *subs;
	const struct ki_sub *sub;
	const void *fdt = in->fdt.data;
	uint64_t map_first = 0;
	uint32_t map_pages = 0;
	const fdt32_t *p32;
	const char *compat;
	size_t i;
	int off, len;

	ki_parse_ram(r);

	root = kn_obj(r->root, "root");
	if (!fdt) {
		ki_error(r, "no root FDT (file fdt)");
		return;
	}
	kn_num(root, "size", in->fdt.len);
	if (!ki_fdt_ok(r, &in->fdt, "root FDT"))
		return;
	compat = fdt_getprop(fdt, 0, "compatible", &len);
	if (compat && ki_printable(compat, len))
		kn_str(root, "compatible", compat);
	if (fdt_node_check_compatible(fdt, 0, KHO_FDT_COMPATIBLE)) {
		ki_error(r, "root FDT: compatible is \"%s\", expected \"%s\"",
			 compat && ki_printable(compat, len) ? compat : "(none)",
			 KHO_FDT_COMPATIBLE);
		return;
	}
	p32 = fdt_getprop(fdt, 0, KHO_FDT_MAP_PAGES, &len);
	if (!ki_prop_u64(fdt, 0, KHO_FDT_MAP, &map_first) || !p32 ||
	    len != sizeof(*p32)) {
		ki_error(r, "root FDT: no u64 \"%s\" or u32 \"%s\"", KHO_FDT_MAP,
			 KHO_FDT_MAP_PAGES);
		return;
	}
	map_pages = fdt32_to_cpu(*p32);

	if (in->scratch && !ki_parse_scratch(r, r->root))
		return;
	ki_decode_map(r, map_first, map_pages, in->map && in->read_page);

	subs = kn_arr(r->root, "subtrees");
	fdt_for_each_subnode(off, fdt, 0) {
		const char *name = fdt_get_name(fdt, off, NULL);
		struct ki_node *s = kn_obj(subs, NULL);
		uint64_t phys;
		char what[96];

		kn_str(s, "name", name ? name : "?");
		if (!name || !ki_prop_u64(fdt, off, KHO_FDT_SUBTREE, &phys)) {
			ki_error(r, "root FDT: subtree %s has no u64 \"%s\"",
				 name ? name : "?", KHO_FDT_SUBTREE);
			continue;
		}
		kn_hex(s, "phys", phys);
		if (phys & (KI_PAGE_SIZE - 1)) {
			ki_error(r, "root FDT: subtree %s at 0x%" PRIx64 ": not page aligned",
				 name, phys);
			continue;
		}
		snprintf(what, sizeof(what), "subtree %s", name);
		ki_check_preserved(r, phys, KI_PAGE_SIZE, what);
		sub = ki_find_sub(r, name);
		if (!sub && in->incoming) {
			/* kho/in shows only subtrees nobody restored yet. */
			ki_note(r, "subtree %s: not in sub_fdts: restored by its owner before debugfs was set up, or not a valid FDT in preserved memory",
				name);
			continue;
		}
		if (!sub) {
			ki_error(r, "subtree %s: no sub_fdts/%s (missing from the copy)",
				 name, name);
			continue;
		}
		if (!ki_fdt_ok(r, &sub->fdt, what))
			continue;
		kn_num(s, "size", fdt_totalsize(sub->fdt.data));
		ki_fdt_node(s, sub->fdt.data, 0, 0);
	}
	for (i = 0; i < in->nr_subs; i++) {
		off = fdt_subnode_offset(fdt, 0, in->subs[i].name);
		if (off < 0)
			ki_error(r, "sub_fdts/%s: no such subtree in the root FDT",
				 in->subs[i].name);
	}

	/* The registry first: LUO files point to its records. */
	sub = ki_valid_sub(r, KHO_REGISTRY_NODE);
	if (sub)
		ki_decode_registry(r, sub);
	if (r->nr_recs)
		qsort(r->recs, r->nr_recs, sizeof(*r->recs), ki_cmp_rec);
	sub = ki_valid_sub(r, LUO_FDT_NODE);
	if (sub)
		ki_decode_luo(r, sub);
	if (in->incoming)
		ki_note(r, "incoming handover: debugfs keeps only the FDTs of the previous kernel; its map, registry records and LUO sessions were consumed at boot and are not decoded");
	else if (!in->read_page)
		ki_note(r, "no memory of the handover (file mem): map, registry records and LUO sessions not decoded");
	if (r->page_budget_hit)
		ki_note(r, "kho-inspect stopped reading memory after %lu pages",
			KI_MAX_PAGES);
}

struct ki_report *ki_decode(const struct ki_input *in)
{
	struct ki_report *r = xmalloc(sizeof(*r));

	r->in = in;
	r->root = xmalloc(sizeof(*r->root));
	r->root->kind = KN_OBJ;
	kn_str(r->root, "source", in->source ? in->source : "-");
	kn_str(r->root, "handover", in->incoming ? "incoming" : "outgoing");
	r->errors = kn_arr(r->root, "errors");
	r->notes = kn_arr(r->root, "notes");
	ki_decode_all(r);
	kn_bool(r->root, "valid", !r->nr_errors);
	return r;
}

unsigned long ki_nr_errors(const struct ki_report *r)
{
	return r->nr_errors;
}

int ki_pages_read(const struct ki_report *r, ki_page_fn_t fn, void *arg)
{
	size_t i;
	int err;

	for (i = 0; i < r->nr_pages; i++) {
		if (!r->pages[i].data)
			continue;
		err = fn(arg, r->pages[i].phys, r->pages[i].data);
		if (err)
			return err;
	}
	return 0;
}

void ki_free(struct ki_report *r)
{
	size_t i;
	unsigned int o;

	if (!r)
		return;
	kn_free(r->root);
	for (i = 0; i < r->nr_pages; i++)
		free(r->pages[i].data);
	free(r->pages);
	for (o = 0; o < KI_NR_ORDERS; o++)
		free(r->runs[o]);
	for (i = 0; i < r->nr_recs; i++)
		free(r->recs[i].format);
	free(r->recs);
	free(r->ram);
	free(r);
}

/* --- printing --- */

static void ki_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 32 || c > 126)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void ki_json(const struct ki_node *n, FILE *out, int depth)
{
	const struct ki_node *c;

	switch (n->kind) {
	case KN_OBJ:
	case KN_ARR:
		fputc(n->kind == KN_OBJ ? '{' : '[', out);
		for (c = n->first; c; c = c->next) {
			fprintf(out, "\n%*s", 2 * (depth + 1), "");
			if (n->kind == KN_OBJ) {
				ki_json_str(out, c->key);
				fputs(": ", out);
			}
			ki_json(c, out, depth + 1);
			if (c->next)
				fputc(',', out);
		}
		if (n->first)
			fprintf(out, "\n%*s", 2 * depth, "");
		fputc(n->kind == KN_OBJ ? '}' : ']', out);
		break;
	case KN_NUM:
	case KN_BYTES:
		fprintf(out, "%" PRIu64, n->num);
		break;
	case KN_HEX:
		fprintf(out, "\"0x%" PRIx64 "\"", n->num);
		break;
	case KN_BOOL:
		fputs(n->num ? "true" : "false", out);
		break;
	case KN_STR:
		ki_json_str(out, n->str);
		break;
	}
}

void ki_print_json(const struct ki_report *r, FILE *out)
{
	ki_json(r->root, out, 0);
	fputc('\n', out);
}

static void ki_human_bytes(char *buf, size_t len, uint64_t v)
{
	static const char * const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;
	double d = v / 1024.0;

	if (v < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", v);
		return;
	}
	while (d >= 1024 && u + 1 < ARRAY_SIZE(unit)) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, "%.*f %s", d < 10 && d != (uint64_t)d ? 1 : 0, d,
		 unit[u]);
}

static void ki_text_scalar(const struct ki_node *n, char *buf, size_t len)
{
	char h[32];

	switch (n->kind) {
	case KN_NUM:
		snprintf(buf, len, "%" PRIu64, n->num);
		break;
	case KN_HEX:
		snprintf(buf, len, "0x%" PRIx64, n->num);
		break;
	case KN_BYTES:
		ki_human_bytes(h, sizeof(h), n->num);
		if (n->num < 1024)
			snprintf(buf, len, "%s", h);
		else
			snprintf(buf, len, "%" PRIu64 " (%s)", n->num, h);
		break;
	case KN_BOOL:
		snprintf(buf, len, "%s", n->num ? "yes" : "no");
		break;
	case KN_STR:
		snprintf(buf, len, "%s", n->str);
		break;
	default:
		snprintf(buf, len, "?");
	}
}

static bool ki_scalar(const struct ki_node *n)
{
	return n->kind != KN_OBJ && n->kind != KN_ARR;
}

/* An array of objects of the same scalar keys: a table. */
static bool ki_is_table(const struct ki_node *arr)
{
	const struct ki_node *e, *c, *d;

	if (!arr->first || arr->first->kind != KN_OBJ || !arr->first->first)
		return false;
	for (e = arr->first; e; e = e->next) {
		if (e->kind != KN_OBJ)
			return false;
		for (c = e->first, d = arr->first->first; c || d;
		     c = c->next, d = d->next)
			if (!c || !d || !ki_scalar(c) || strcmp(c->key, d->key))
				return false;
	}
	return true;
}

static void ki_text_table(const struct ki_node *arr, FILE *out, int indent)
{
	size_t w[16] = { 0 }, i;
	const struct ki_node *e, *c;
	char buf[128];

	for (c = arr->first->first, i = 0; c && i < ARRAY_SIZE(w); c = c->next, i++)
		w[i] = strlen(c->key);
	for (e = arr->first; e; e = e->next)
		for (c = e->first, i = 0; c && i < ARRAY_SIZE(w); c = c->next, i++) {
			ki_text_scalar(c, buf, sizeof(buf));
			if (strlen(buf) > w[i])
				w[i] = strlen(buf);
		}
	fprintf(out, "%*s", indent, "");
	for (c = arr->first->first, i = 0; c && i < ARRAY_SIZE(w); c = c->next, i++)
		fprintf(out, "%-*s%s", c->next ? (int)w[i] : 0, c->key,
			c->next ? "  " : "\n");
	for (e = arr->first; e; e = e->next) {
		fprintf(out, "%*s", indent, "");
		for (c = e->first, i = 0; c && i < ARRAY_SIZE(w); c = c->next, i++) {
			ki_text_scalar(c, buf, sizeof(buf));
			fprintf(out, "%-*s%s", c->next ? (int)w[i] : 0, buf,
				c->next ? "  " : "\n");
		}
	}
}

/*
 * Children of @n at @indent, YAML-like; @dash: the first line of an item
 * of an array, "- " in the last two columns of the indentation.
 */
static void ki_text(const struct ki_node *n, FILE *out, int indent, bool dash)
{
	const struct ki_node *c;
	char buf[512];

	for (c = n->first; c; c = c->next, dash = false) {
		if (!c->key && !ki_scalar(c)) {
			/* An object in an array: its first line gets the dash. */
			if (c->first)
				ki_text(c, out, indent + 2, true);
			else
				fprintf(out, "%*s-\n", indent, "");
			continue;
		}
		fprintf(out, "%*s%s", dash ? indent - 2 : indent, "",
			dash ? "- " : "");
		if (ki_scalar(c)) {
			ki_text_scalar(c, buf, sizeof(buf));
			if (c->key)
				fprintf(out, "%s: %s\n", c->key, buf);
			else
				fprintf(out, "- %s\n", buf);
			continue;
		}
		fprintf(out, "%s:%s\n", c->key,
			c->first ? "" : (c->kind == KN_ARR ? " none" : ""));
		if (c->kind == KN_ARR && ki_is_table(c))
			ki_text_table(c, out, indent + 2);
		else
			ki_text(c, out, indent + 2, false);
	}
}

void ki_print_text(const struct ki_report *r, FILE *out)
{
	const struct ki_node *c;

	/* Everything but errors and notes, then those, then the verdict. */
	for (c = r->root->first; c; c = c->next) {
		struct ki_node one = { .kind = KN_OBJ, .first = (struct ki_node *)c,
				       .last = (struct ki_node *)c };
		struct ki_node *next = c->next;

		/* The verdict line below says it for people. */
		if (c == r->errors || c == r->notes || !strcmp(c->key, "valid"))
			continue;
		((struct ki_node *)c)->next = NULL;
		ki_text(&one, out, 0, false);
		((struct ki_node *)c)->next = next;
	}
	for (c = r->notes->first; c; c = c->next)
		fprintf(out, "note: %s\n", c->str);
	for (c = r->errors->first; c; c = c->next)
		fprintf(out, "error: %s\n", c->str);
	if (r->nr_errors)
		fprintf(out, "handover DAMAGED: %lu error%s\n", r->nr_errors,
			r->nr_errors > 1 ? "s" : "");
	else
		fprintf(out, "handover valid\n");
}

/* --- bundles --- */

struct ki_bundle {
	struct ki_input in;
	struct ki_bundle_page {
		uint64_t phys;
		const unsigned char *data;
	} *pages;
	size_t nr_pages;
	unsigned char *copy;
	char *texts[3];
};

static int ki_cmp_bpage(const void *a, const void *b)
{
	const struct ki_bundle_page *x = a, *y = b;

	return (x->phys > y->phys) - (x->phys < y->phys);
}

static int ki_bundle_read_page(void *arg, uint64_t phys, void *page)
{
	const struct ki_bundle *b = arg;
	size_t lo = 0, hi = b->nr_pages;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->pages[mid].phys == phys) {
			memcpy(page, b->pages[mid].data, KI_PAGE_SIZE);
			return 0;
		}
		if (b->pages[mid].phys < phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

static char *ki_text_copy(const unsigned char *data, size_t len)
{
	char *t = xmalloc(len + 1);

	memcpy(t, data, len);
	return t;
}

struct ki_bundle *ki_bundle_parse(const unsigned char *data, size_t len,
				  const char *source, const char **why)
{
	struct ki_bundle *b;
	size_t off = strlen(KI_BUNDLE_MAGIC), i;
	struct ki_input *in;

	if (len < off || memcmp(data, KI_BUNDLE_MAGIC, off)) {
		*why = "not a kho-inspect bundle (no magic " KI_BUNDLE_MAGIC ")";
		return NULL;
	}
	b = xmalloc(sizeof(*b));
	/* One copy: records point into it. */
	b->copy = xmalloc(len);
	memcpy(b->copy, data, len);
	data = b->copy;
	in = &b->in;
	in->source = source;
	while (off < len) {
		struct ki_bundle_rec rec;
		const unsigned char *name, *d;
		uint32_t nl, dl;

		if (len - off < sizeof(rec)) {
			*why = "bundle: record header cut short";
			goto bad;
		}
		memcpy(&rec, data + off, sizeof(rec));
		off += sizeof(rec);
		nl = le32toh(rec.name_len);
		dl = le32toh(rec.data_len);
		if (nl > len - off || dl > len - off - nl) {
			*why = "bundle: record longer than the bundle";
			goto bad;
		}
		name = data + off;
		d = name + nl;
		off += (size_t)nl + dl;
		switch (le32toh(rec.type)) {
		case KI_BUNDLE_FDT:
			/* Copies: libfdt wants its FDTs 8-byte aligned. */
			free(in->fdt.data);
			in->fdt.data = (unsigned char *)ki_text_copy(d, dl);
			in->fdt.len = dl;
			break;
		case KI_BUNDLE_SUB:
			if (!nl || memchr(name, 0, nl)) {
				*why = "bundle: subtree without a name";
				goto bad;
			}
			in->subs = xrealloc(in->subs, (in->nr_subs + 1) * sizeof(*in->subs));
			in->subs[in->nr_subs].name = ki_text_copy(name, nl);
			in->subs[in->nr_subs].fdt.data =
				(unsigned char *)ki_text_copy(d, dl);
			in->subs[in->nr_subs].fdt.len = dl;
			in->nr_subs++;
			break;
		case KI_BUNDLE_SCRATCH:
		case KI_BUNDLE_MAP:
		case KI_BUNDLE_RAM:
			i = le32toh(rec.type) - KI_BUNDLE_SCRATCH;
			free(b->texts[i]);
			b->texts[i] = ki_text_copy(d, dl);
			break;
		case KI_BUNDLE_PAGE:
			if (dl != KI_PAGE_SIZE || le64toh(rec.addr) & (KI_PAGE_SIZE - 1)) {
				*why = "bundle: page record not one aligned page";
				goto bad;
			}
			b->pages = xrealloc(b->pages, (b->nr_pages + 1) * sizeof(*b->pages));
			b->pages[b->nr_pages].phys = le64toh(rec.addr);
			b->pages[b->nr_pages].data = d;
			b->nr_pages++;
			break;
		case KI_BUNDLE_INCOMING:
			in->incoming = true;
			break;
		default:
			*why = "bundle: unknown record type";
			goto bad;
		}
	}
	if (b->nr_pages)
		qsort(b->pages, b->nr_pages, sizeof(*b->pages), ki_cmp_bpage);
	for (i = 1; i < b->nr_pages; i++) {
		if (b->pages[i].phys == b->pages[i - 1].phys) {
			*why = "bundle: a page given twice";
			goto bad;
		}
	}
	in->scratch = b->texts[0];
	in->map = b->texts[1];
	in->ram = b->texts[2];
	if (!in->incoming) {
		in->read_page = ki_bundle_read_page;
		in->arg = b;
	}
	return b;
bad:
	ki_bundle_free(b);
	return NULL;
}

const struct ki_input *ki_bundle_input(const struct ki_bundle *b)
{
	return &b->in;
}

void ki_bundle_free(struct ki_bundle *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->in.nr_subs; i++) {
		free(b->in.subs[i].name);
		free(b->in.subs[i].fdt.data);
	}
	free(b->in.fdt.data);
	free(b->in.subs);
	for (i = 0; i < ARRAY_SIZE(b->texts); i++)
		free(b->texts[i]);
	free(b->pages);
	free(b->copy);
	free(b);
}
