// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO in debugfs, for tests and inspection:
 *   kho/out/fdt            the root FDT this kernel hands over
 *   kho/out/scratch        "addr size" of each scratch area, as handed
 *                          over (the preserved array)
 *   kho/out/finalize       read: 1 if the map is written; write 1:
 *                          write the map now (kexec does it anyway),
 *                          nothing can change until 0 is written
 *                          (kho_abort())
 *   kho/out/map            pages and bitmap pages of the current map
 *   kho/out/mem            while finalized: the memory the handover
 *                          points to, at offset = physical address, for
 *                          tools/kho/kho-inspect; only preserved blocks
 *                          and map pages read, anything else is -ENXIO
 *   kho/out/sub_fdts/NAME  each subtree added
 *   kho/out/corrupt        (KEXEC_HANDOVER_DEBUG) damage the handover
 *                          when it is next written: "magic" (map page
 *                          header), "range" (a block beyond memory),
 *                          "fdt" (root compatible), "scratch" (scratch
 *                          areas over most of memory); to test the
 *                          checks of the next kernel
 *   kho/in/fdt             the root FDT of the previous kernel
 *   kho/in/sub_fdts/NAME   its subtrees, as they were at boot
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "kho_internal.h"

static struct dentry *kho_out_subs;

struct kho_blob {
	struct list_head list;
	void *fdt;
	struct debugfs_blob_wrapper blob;
	struct dentry *dentry;
};

static LIST_HEAD(kho_blobs);

static struct kho_blob *kho_blob_add(struct dentry *dir, const char *name,
				     void *fdt)
{
	struct kho_blob *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return NULL;
	b->fdt = fdt;
	b->blob.data = fdt;
	b->blob.size = fdt_totalsize(fdt);
	b->dentry = debugfs_create_blob(name, 0400, dir, &b->blob);
	list_add(&b->list, &kho_blobs);
	return b;
}

/* Called with kho_out.lock held. */
void kho_debugfs_add_subtree(const char *name, void *fdt)
{
	if (kho_out_subs)
		kho_blob_add(kho_out_subs, name, fdt);
}

/* Called with kho_out.lock held. */
void kho_debugfs_remove_subtree(void *fdt)
{
	struct kho_blob *b;

	list_for_each_entry(b, &kho_blobs, list) {
		if (b->fdt == fdt) {
			debugfs_remove(b->dentry);
			list_del(&b->list);
			kfree(b);
			return;
		}
	}
}

static ssize_t kho_out_fdt_read(struct file *file, char __user *buf,
				size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&kho_out.lock);
	ret = simple_read_from_buffer(buf, len, ppos, kho_out.fdt,
				      fdt_totalsize(kho_out.fdt));
	mutex_unlock(&kho_out.lock);
	return ret;
}

static const struct file_operations kho_out_fdt_fops = {
	.read = kho_out_fdt_read,
	.llseek = default_llseek,
};

static int kho_scratch_show(struct seq_file *m, void *v)
{
	unsigned int i;

	/* What the next kernel gets, kho/out/corrupt included. */
	for (i = 0; i < kho_out.nr_scratch; i++)
		seq_printf(m, "0x%llx 0x%llx\n",
			   le64_to_cpu(kho_out.scratch_array[i].addr),
			   le64_to_cpu(kho_out.scratch_array[i].size));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_scratch);

static int kho_map_show(struct seq_file *m, void *v)
{
	mutex_lock(&kho_out.lock);
	seq_printf(m, "finalized %d\npages %u\nbitmaps %u\nbytes %lu\n",
		   kho_out.finalized, kho_out.map.nr_pages,
		   kho_out.map.nr_bitmaps,
		   (kho_out.map.nr_pages + kho_out.map.nr_bitmaps) * PAGE_SIZE);
	mutex_unlock(&kho_out.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_map);

/*
 * Only while finalized: then the map is written and nothing it describes
 * can change, so what is read is what the next kernel gets. Memory that
 * is neither preserved nor the map is none of the handover's business.
 */
static ssize_t kho_out_mem_read(struct file *file, char __user *buf,
				size_t len, loff_t *ppos)
{
	phys_addr_t phys = *ppos;
	unsigned long pfn = PHYS_PFN(phys);
	ssize_t ret;

	if (*ppos < 0)
		return -EINVAL;
	len = min_t(size_t, len, PAGE_SIZE - offset_in_page(phys));
	mutex_lock(&kho_out.lock);
	if (!kho_out.finalized) {
		ret = -ENODATA;
	} else if (!pfn_valid(pfn) ||
		   (!kho_page_preserved(pfn) &&
		    !kho_map_owns(&kho_out.map, PFN_PHYS(pfn)))) {
		ret = -ENXIO;
	} else {
		ret = len - copy_to_user(buf, phys_to_virt(phys), len);
		if (!ret && len)
			ret = -EFAULT;
		else
			*ppos += ret;
	}
	mutex_unlock(&kho_out.lock);
	return ret;
}

static const struct file_operations kho_out_mem_fops = {
	.read = kho_out_mem_read,
	.llseek = default_llseek,
};

#ifdef CONFIG_KEXEC_HANDOVER_DEBUG
static const char * const kho_corruptions[] = {
	"none", "magic", "range", "fdt", "scratch", "overlap",
};
static unsigned int kho_corruption;

struct kho_ram {
	phys_addr_t addr;
	struct resource res;
};

static int kho_find_ram(struct resource *res, void *arg)
{
	struct kho_ram *ram = arg;

	if (res->start <= ram->addr && ram->addr <= res->end) {
		ram->res = *res;
		return 1;
	}
	return 0;
}

/*
 * Declare as scratch the two largest pieces of the RAM range around the
 * first scratch area that leave out the root FDT and the scratch array
 * (which must not lie in scratch): most of memory, every check but the
 * size one still passing.
 */
static void kho_corrupt_scratch(void)
{
	struct kho_ram ram = { .addr = kho_out.scratch[0].addr };
	phys_addr_t fdt = virt_to_phys(kho_out.fdt);
	phys_addr_t sa = PAGE_ALIGN_DOWN(virt_to_phys(kho_out.scratch_array));
	phys_addr_t start, end, cut[2], piece[3][2];
	unsigned int i, big = 0, second = 1;

	if (kho_out.nr_scratch < 2 ||
	    walk_system_ram_res(0, ULLONG_MAX, &ram, kho_find_ram) != 1)
		return;
	start = max_t(phys_addr_t, PAGE_ALIGN(ram.res.start), SZ_1M);
	end = PAGE_ALIGN_DOWN(ram.res.end + 1);
	cut[0] = min(fdt, sa);
	cut[1] = max(fdt, sa);
	piece[0][0] = start;
	piece[0][1] = clamp(cut[0], start, end);
	piece[1][0] = clamp(cut[0] + PAGE_SIZE, start, end);
	piece[1][1] = max(piece[1][0], clamp(cut[1], start, end));
	piece[2][0] = clamp(cut[1] + PAGE_SIZE, start, end);
	piece[2][1] = end;
	for (i = 0; i < 3; i++) {
		phys_addr_t len = piece[i][1] - piece[i][0];

		if (len > piece[big][1] - piece[big][0]) {
			second = big;
			big = i;
		} else if (i != big &&
			   len > piece[second][1] - piece[second][0]) {
			second = i;
		}
	}
	for (i = 0; i < 2; i++) {
		unsigned int p = i ? second : big;

		kho_out.scratch_array[i].addr = cpu_to_le64(piece[p][0]);
		kho_out.scratch_array[i].size = cpu_to_le64(piece[p][1] - piece[p][0]);
	}
}

/*
 * Make the last record, of the highest order, cover the last block of the
 * first record too (the first block may lie in the first MiB, which a
 * larger block would start below): a well-formed map whose runs overlap.
 * Both must be extent records, the last alone in its order.
 */
static void kho_corrupt_overlap(void)
{
	struct kho_map_page *pg = phys_to_virt(kho_out.map.first);
	struct kho_map_window *first = (void *)(pg + 1), *last = kho_out.map.last;
	struct kho_map_extent *fext = (struct kho_map_extent *)(first + 1) +
				      le32_to_cpu(first->count) - 1;
	struct kho_map_extent *lext = (void *)(last + 1);
	u32 count = le32_to_cpu(last->count);
	unsigned long pfn, block;

	if (!last || last == first || first->kind != KHO_MAP_EXTENTS ||
	    last->kind != KHO_MAP_EXTENTS || last->order <= first->order)
		return;
	pfn = (le64_to_cpu(first->window) << KHO_MAP_WINDOW_SHIFT |
	       le16_to_cpu(fext->last)) << first->order;
	block = pfn >> last->order;
	last->window = cpu_to_le64(block >> KHO_MAP_WINDOW_SHIFT);
	lext->first = cpu_to_le16(block & (KHO_MAP_WINDOW_BLOCKS - 1));
	lext->last = lext->first;
	last->count = cpu_to_le32(1);
	/* The last record ends the last page: it only gets shorter. */
	le32_add_cpu(&kho_out.map.cur->used,
		     ALIGN(sizeof(*last) + sizeof(*lext), 8) -
		     ALIGN(sizeof(*last) + count * sizeof(*lext), 8));
}

/* Called by kho_finalize() with kho_out.lock held, after a success. */
void kho_debug_corrupt(void)
{
	struct kho_map_page *pg = kho_out.map.first ?
				  phys_to_virt(kho_out.map.first) : NULL;

	switch (kho_corruption) {
	case 1:
		if (pg)
			pg->magic ^= cpu_to_le32(1);
		break;
	case 2:
		/* The last record stays last: the map is still ordered. */
		if (kho_out.map.last)
			le64_add_cpu(&kho_out.map.last->window, 1ULL << 20);
		break;
	case 3:
		fdt_setprop_string(kho_out.fdt, 0, "compatible", "kho-corrupt");
		break;
	case 4:
		kho_corrupt_scratch();
		break;
	case 5:
		kho_corrupt_overlap();
		break;
	}
	if (kho_corruption)
		pr_warn("handover deliberately corrupted (%s)\n",
			kho_corruptions[kho_corruption]);
}

/*
 * Called by kho_abort() with kho_out.lock held: undo the damage done
 * outside the map (which is freed), so that a kexec after an aborted one
 * hands over an intact handover unless kho/out/corrupt says otherwise.
 */
void kho_debug_repair(void)
{
	unsigned int i;

	/* Both are constant otherwise: restore them whatever was damaged. */
	fdt_setprop_string(kho_out.fdt, 0, "compatible", KHO_FDT_COMPATIBLE);
	for (i = 0; i < kho_out.nr_scratch; i++) {
		kho_out.scratch_array[i].addr = cpu_to_le64(kho_out.scratch[i].addr);
		kho_out.scratch_array[i].size = cpu_to_le64(kho_out.scratch[i].size);
	}
}

static ssize_t kho_corrupt_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	char buf[16] = {};
	int i;

	if (len >= sizeof(buf) || copy_from_user(buf, ubuf, len))
		return -EINVAL;
	i = sysfs_match_string(kho_corruptions, strim(buf));
	if (i < 0)
		return i;
	kho_corruption = i;
	return len;
}

static const struct file_operations kho_corrupt_fops = {
	.write = kho_corrupt_write,
};
#endif

static int kho_finalize_get(void *data, u64 *val)
{
	*val = kho_out.finalized;
	return 0;
}

static int kho_finalize_set(void *data, u64 val)
{
	if (val)
		return kho_finalize();
	kho_abort();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(kho_finalize_fops, kho_finalize_get,
			 kho_finalize_set, "%llu\n");

static void kho_debugfs_in(struct dentry *root)
{
	struct dentry *in = debugfs_create_dir("in", root);
	struct dentry *subs = debugfs_create_dir("sub_fdts", in);
	void *fdt = phys_to_virt(kho_in.fdt_phys);
	int off;

	kho_blob_add(in, "fdt", fdt);
	fdt_for_each_subnode(off, fdt, 0) {
		const fdt64_t *p;
		unsigned long pfn, private;
		void *sub;
		int len;

		/* Show only FDTs in preserved memory, within their block. */
		p = fdt_getprop(fdt, off, KHO_FDT_SUBTREE, &len);
		if (!p || len != sizeof(*p))
			continue;
		pfn = PHYS_PFN(fdt64_to_cpu(*p));
		if (offset_in_page(fdt64_to_cpu(*p)) || !pfn_valid(pfn))
			continue;
		private = page_private(pfn_to_page(pfn));
		if (private >> 32 != KHO_PAGE_MAGIC)
			continue;
		sub = phys_to_virt(fdt64_to_cpu(*p));
		if (fdt_check_header(sub) ||
		    fdt_totalsize(sub) > (PAGE_SIZE << (private & 0xff)))
			continue;
		/* A copy: its owner may restore and free the original. */
		sub = kmemdup(sub, fdt_totalsize(sub), GFP_KERNEL);
		if (sub)
			kho_blob_add(subs, fdt_get_name(fdt, off, NULL), sub);
	}
}

void __init kho_debugfs_init(void)
{
	struct dentry *root = debugfs_create_dir("kho", NULL);
	struct dentry *out = debugfs_create_dir("out", root);

	debugfs_create_file("fdt", 0400, out, NULL, &kho_out_fdt_fops);
	debugfs_create_file("scratch", 0400, out, NULL, &kho_scratch_fops);
	debugfs_create_file("map", 0400, out, NULL, &kho_map_fops);
	debugfs_create_file("mem", 0400, out, NULL, &kho_out_mem_fops);
	debugfs_create_file("finalize", 0600, out, NULL, &kho_finalize_fops);
	kho_out_subs = debugfs_create_dir("sub_fdts", out);
#ifdef CONFIG_KEXEC_HANDOVER_DEBUG
	debugfs_create_file("corrupt", 0200, out, NULL, &kho_corrupt_fops);
#endif
	if (kho_in.valid)
		kho_debugfs_in(root);
}
