// SPDX-License-Identifier: GPL-2.0-only
/*
 * Map of preserved memory: encode per-window bitmaps into the kho-map-v1
 * page chain and decode it back, rejecting anything malformed. The decoder
 * reads data left by the previous kernel, so it trusts nothing: every
 * length, order, window and extent is checked before use.
 */
#define pr_fmt(fmt) "kho: " fmt

#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/mm.h>
#include <linux/string.h>
#include "kho_map.h"

#define KHO_MAP_ROOM		(PAGE_SIZE - sizeof(struct kho_map_page))
/* Records are padded to 8 bytes so that every field is naturally aligned. */
#define KHO_MAP_RECORD_LEN(payload) \
	ALIGN(sizeof(struct kho_map_window) + (payload), 8)

static unsigned int kho_map_count_extents(const unsigned long *bitmap)
{
	unsigned int n = 0, b = 0;

	for (;;) {
		b = find_next_bit(bitmap, KHO_MAP_WINDOW_BLOCKS, b);
		if (b >= KHO_MAP_WINDOW_BLOCKS)
			return n;
		n++;
		b = find_next_zero_bit(bitmap, KHO_MAP_WINDOW_BLOCKS, b);
	}
}

void kho_map_writer_init(struct kho_map_writer *w,
			 const struct kho_map_ops *ops)
{
	memset(w, 0, sizeof(*w));
	w->ops = ops;
}

/* Return room for @len bytes of records, starting a new page if needed. */
static void *kho_map_reserve(struct kho_map_writer *w, size_t len)
{
	struct kho_map_page *page;
	phys_addr_t phys;
	u32 used;

	if (w->cur) {
		used = le32_to_cpu(w->cur->used);
		if (used + len <= KHO_MAP_ROOM) {
			w->cur->used = cpu_to_le32(used + len);
			return (u8 *)(w->cur + 1) + used;
		}
	}

	page = w->ops->alloc_map_page(w->ops->arg, &phys);
	if (!page)
		return NULL;
	page->magic = cpu_to_le32(KHO_MAP_MAGIC);
	page->version = cpu_to_le16(KHO_MAP_VERSION);
	page->used = cpu_to_le32(len);
	if (w->cur)
		w->cur->next = cpu_to_le64(phys);
	else
		w->first = phys;
	w->cur = page;
	w->nr_pages++;
	return page + 1;
}

/**
 * kho_map_add_window() - append one window of one order to the map
 * @w: the writer
 * @order: block order
 * @window: window number; (order, window) must increase from call to call
 * @bitmap: KHO_MAP_WINDOW_BLOCKS bits, bit b set if block b is preserved
 *
 * A window is written as extents when they fit in a map page, else as a
 * bitmap page: a contiguous range costs 4 bytes, a window however dense
 * one bit per block.
 *
 * Return: 0 or -ENOMEM (the map written so far stays valid), -EINVAL if
 * the window is out of order.
 */
int kho_map_add_window(struct kho_map_writer *w, unsigned int order,
		       u64 window, const unsigned long *bitmap)
{
	unsigned int nr_ext = kho_map_count_extents(bitmap);
	size_t len = KHO_MAP_RECORD_LEN(nr_ext * sizeof(struct kho_map_extent));
	struct kho_map_window *rec;

	if (!nr_ext)
		return 0;
	if (w->first && (order < w->last_order ||
			 (order == w->last_order && window <= w->last_window)))
		return -EINVAL;

	if (len <= KHO_MAP_ROOM) {
		struct kho_map_extent *ext;
		unsigned int b = 0, e;

		rec = kho_map_reserve(w, len);
		if (!rec)
			return -ENOMEM;
		rec->kind = KHO_MAP_EXTENTS;
		rec->count = cpu_to_le32(nr_ext);
		ext = (void *)(rec + 1);
		while ((b = find_next_bit(bitmap, KHO_MAP_WINDOW_BLOCKS, b)) <
		       KHO_MAP_WINDOW_BLOCKS) {
			e = find_next_zero_bit(bitmap, KHO_MAP_WINDOW_BLOCKS, b);
			ext->first = cpu_to_le16(b);
			ext->last = cpu_to_le16(e - 1);
			ext++;
			b = e;
		}
	} else {
		phys_addr_t phys;
		__le64 *bits;
		unsigned int i;

		bits = w->ops->alloc_map_page(w->ops->arg, &phys);
		if (!bits)
			return -ENOMEM;
		rec = kho_map_reserve(w, KHO_MAP_RECORD_LEN(sizeof(__le64)));
		if (!rec) {
			w->ops->free_map_page(w->ops->arg, bits);
			return -ENOMEM;
		}
		for (i = 0; i < KHO_MAP_WINDOW_BLOCKS / 64; i++)
			bits[i] = cpu_to_le64(bitmap_read(bitmap, i * 64, 64));
		rec->kind = KHO_MAP_BITMAP;
		rec->count = cpu_to_le32(1);
		*(__le64 *)(rec + 1) = cpu_to_le64(phys);
		w->nr_bitmaps++;
	}
	rec->window = cpu_to_le64(window);
	rec->order = order;
	w->last = rec;
	w->last_order = order;
	w->last_window = window;
	return 0;
}

/**
 * kho_map_free() - free every page of a map being or having been written
 * @w: the writer; it is empty again afterwards
 */
void kho_map_free(struct kho_map_writer *w)
{
	const struct kho_map_ops *ops = w->ops;
	phys_addr_t phys = w->first;

	while (phys) {
		struct kho_map_page *page = ops->map_phys(ops->arg, phys);
		u32 off = 0, used = le32_to_cpu(page->used);

		while (off < used) {
			struct kho_map_window *rec = (void *)((u8 *)(page + 1) + off);
			u32 count = le32_to_cpu(rec->count);

			if (rec->kind == KHO_MAP_BITMAP) {
				phys_addr_t bits = le64_to_cpu(*(__le64 *)(rec + 1));

				ops->free_map_page(ops->arg, ops->map_phys(ops->arg, bits));
				count = sizeof(__le64) / sizeof(struct kho_map_extent);
			}
			off += KHO_MAP_RECORD_LEN(count * sizeof(struct kho_map_extent));
		}
		phys = le64_to_cpu(page->next);
		ops->free_map_page(ops->arg, page);
	}
	kho_map_writer_init(w, ops);
}

/**
 * kho_map_owns() - is a page one of the map being or having been written
 * @w: the writer
 * @phys: physical address of the page
 *
 * Return: true if @phys is a page of the chain or a bitmap page it
 * points to.
 */
bool kho_map_owns(const struct kho_map_writer *w, phys_addr_t phys)
{
	const struct kho_map_ops *ops = w->ops;
	phys_addr_t page_phys = w->first;

	while (page_phys) {
		struct kho_map_page *page = ops->map_phys(ops->arg, page_phys);
		u32 off = 0, used = le32_to_cpu(page->used);

		if (page_phys == phys)
			return true;
		while (off < used) {
			struct kho_map_window *rec = (void *)((u8 *)(page + 1) + off);
			u32 count = le32_to_cpu(rec->count);

			if (rec->kind == KHO_MAP_BITMAP) {
				if (le64_to_cpu(*(__le64 *)(rec + 1)) == phys)
					return true;
				count = sizeof(__le64) / sizeof(struct kho_map_extent);
			}
			off += KHO_MAP_RECORD_LEN(count * sizeof(struct kho_map_extent));
		}
		page_phys = le64_to_cpu(page->next);
	}
	return false;
}

struct kho_map_cursor {
	const struct kho_map_ops *ops;
	unsigned int max_order;
	bool started;
	unsigned int order;
	u64 window;
	kho_map_fn fn;
	void *arg;
};

static int kho_map_walk_bitmap(struct kho_map_cursor *c, unsigned long base,
			       const __le64 *words)
{
	unsigned int b, start = 0;
	bool in_run = false;
	int err;

	for (b = 0; b <= KHO_MAP_WINDOW_BLOCKS; b++) {
		bool set = b < KHO_MAP_WINDOW_BLOCKS &&
			   (le64_to_cpu(words[b / 64]) >> (b % 64)) & 1;

		if (set && !in_run) {
			start = b;
			in_run = true;
		} else if (!set && in_run) {
			err = c->fn(c->arg, base + ((unsigned long)start << c->order),
				    c->order, b - start);
			if (err)
				return err;
			in_run = false;
		}
	}
	return 0;
}

static int kho_map_walk_extents(struct kho_map_cursor *c, unsigned long base,
				const struct kho_map_extent *ext, u32 count)
{
	unsigned int next_free = 0;
	u32 i;
	int err;

	for (i = 0; i < count; i++) {
		unsigned int first = le16_to_cpu(ext[i].first);
		unsigned int last = le16_to_cpu(ext[i].last);

		if (first < next_free || last < first ||
		    last >= KHO_MAP_WINDOW_BLOCKS)
			return -EINVAL;
		err = c->fn(c->arg, base + ((unsigned long)first << c->order),
			    c->order, last - first + 1);
		if (err)
			return err;
		next_free = last + 2;
	}
	return 0;
}

static int kho_map_walk_record(struct kho_map_cursor *c,
			       const struct kho_map_window *rec, u32 avail,
			       u32 *len)
{
	const __le64 *bits;
	unsigned int shift;
	u64 window;
	u32 count;

	/* Not one field of a record that does not fit whole may be read. */
	if (avail < sizeof(*rec))
		return -EINVAL;
	window = le64_to_cpu(rec->window);
	count = le32_to_cpu(rec->count);
	if (rec->reserved || rec->order > c->max_order)
		return -EINVAL;
	if (c->started && (rec->order < c->order ||
			   (rec->order == c->order && window <= c->window)))
		return -EINVAL;
	/* The window's last pfn must still be a valid physical address. */
	shift = KHO_MAP_WINDOW_SHIFT + rec->order;
	if (window >= (1ULL << (BITS_PER_LONG - PAGE_SHIFT - shift)))
		return -EINVAL;

	c->started = true;
	c->order = rec->order;
	c->window = window;

	avail -= sizeof(*rec);
	switch (rec->kind) {
	case KHO_MAP_EXTENTS:
		if (!count || count > avail / sizeof(struct kho_map_extent))
			return -EINVAL;
		*len = KHO_MAP_RECORD_LEN(count * sizeof(struct kho_map_extent));
		if (*len > avail + sizeof(*rec))
			return -EINVAL;
		return kho_map_walk_extents(c, (unsigned long)window << shift,
					    (const void *)(rec + 1), count);
	case KHO_MAP_BITMAP:
		*len = KHO_MAP_RECORD_LEN(sizeof(__le64));
		if (count != 1 || avail < sizeof(__le64))
			return -EINVAL;
		bits = c->ops->map_phys(c->ops->arg,
					    le64_to_cpu(*(const __le64 *)(rec + 1)));
		if (!bits)
			return -EINVAL;
		return kho_map_walk_bitmap(c, (unsigned long)window << shift, bits);
	default:
		return -EINVAL;
	}
}

/**
 * kho_map_walk() - validate a map and call @fn for each preserved run
 * @first: physical address of the first map page (0: empty map)
 * @nr_pages: number of pages the chain must have
 * @ops: @ops->map_phys maps the pages
 * @max_order: largest acceptable block order
 * @fn: called for each run of preserved blocks, in map order
 * @arg: passed to @fn
 *
 * Runs are reported as they are decoded: a caller that must not act on a
 * map that turns out to be corrupt walks it once with a no-op @fn first.
 *
 * Return: 0; -EINVAL if the map is malformed; or the first error of @fn.
 */
int kho_map_walk(phys_addr_t first, unsigned int nr_pages,
		 const struct kho_map_ops *ops, unsigned int max_order,
		 kho_map_fn fn, void *arg)
{
	struct kho_map_cursor c = {
		.ops = ops, .max_order = max_order, .fn = fn, .arg = arg,
	};
	phys_addr_t phys = first;
	unsigned int n;
	int err;

	for (n = 0; n < nr_pages; n++) {
		const struct kho_map_page *page;
		u32 used, off = 0, len;

		page = phys ? ops->map_phys(ops->arg, phys) : NULL;
		if (!page || le32_to_cpu(page->magic) != KHO_MAP_MAGIC ||
		    le16_to_cpu(page->version) != KHO_MAP_VERSION ||
		    page->reserved || page->reserved2)
			return -EINVAL;
		used = le32_to_cpu(page->used);
		if (!used || used > KHO_MAP_ROOM)
			return -EINVAL;
		while (off < used) {
			err = kho_map_walk_record(&c, (const void *)((const u8 *)(page + 1) + off),
						  used - off, &len);
			if (err)
				return err;
			off += len;
		}
		phys = le64_to_cpu(page->next);
	}
	return phys ? -EINVAL : 0;
}
