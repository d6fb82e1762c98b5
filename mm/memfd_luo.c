// SPDX-License-Identifier: GPL-2.0-only
/*
 * memfd preservation through LUO, built on the KHO library only.
 *
 * Preserve pins and preserves every folio in the page cache of a shmem
 * memfd (holes stay holes; folios in KHO scratch move out of it first),
 * freezes its size (no grow, shrink, fallocate or hole punch: EPERM;
 * writes to existing data are fine) and stores it through the registry,
 * family "memfd": version 1 is a dense array of folio descriptors in a
 * kho_vmalloc buffer, version 2 a run-encoded kho_array of pages plus the
 * seals. At kexec (freeze) folios that appeared since, written into
 * holes, are picked up and the object is stored anew. The next kernel
 * builds a new memfd from the newest version it reads; folios come back
 * as they were, large ones as large folios, charged to the memory cgroup
 * of the process that retrieves the file: all of them or none (struct
 * memfd_luo_in).
 */
#define pr_fmt(fmt) "memfd_luo: " fmt

#include <kunit/test.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/memfd.h>
#include <linux/kho_array.h>
#include <linux/kho_registry.h>
#include <linux/kho_vmalloc.h>
#include <linux/liveupdate.h>
#include <linux/memblock.h>
#include <linux/memcontrol.h>
#include <linux/migrate.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/vmalloc.h>
#include "internal.h"
#include "memfd_luo_format.h"

/**
 * struct memfd_luo - a memfd being preserved (old kernel)
 * @file: the memfd
 * @folios: its folios, in index order, each pinned and preserved
 * @nr: entries in @folios
 * @cap: room in @folios
 * @pages: pages of the folios in @folios
 * @all_uptodate: every folio in @folios was uptodate when listed
 * @migrated: folios the last memfd_luo_collect() moved out of scratch
 * @handle: its registry record, 0 if none
 * @pos: file position stored
 * @written: versions stored, bit N for version N
 * @seals: seals stored (version 2)
 * @mode: permission bits stored (version 2)
 * @v1_array: version 1 buffer while stored
 * @v2_pages: version 2 array while stored
 */
struct memfd_luo {
	struct file *file;
	struct folio **folios;
	unsigned long nr;
	unsigned long cap;
	unsigned long pages;
	bool all_uptodate;
	unsigned long migrated;
	u64 handle;
	loff_t pos;
	unsigned int written;
	unsigned int seals;
	unsigned int mode;
	void *v1_array;
	struct kho_array v2_pages;
};

static u64 memfd_luo_flags(struct folio *folio)
{
	return (folio_test_dirty(folio) ? MEMFD_LUO_FOLIO_DIRTY : 0) |
	       (folio_test_uptodate(folio) ? MEMFD_LUO_FOLIO_UPTODATE : 0);
}

static void memfd_luo_release_folios(struct folio **folios, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		kho_unpreserve_folio(folios[i]);
		folio_put(folios[i]);
	}
}

/*
 * The next folio at or after *@index, with a reference; NULL at the end
 * or on error (*@err). A page swapped out is read back in: a file handed
 * over must hold all its pages, and the page-cache walk would not see it.
 */
static struct folio *memfd_luo_next(struct inode *inode, pgoff_t *index,
				    int *err)
{
	XA_STATE(xas, &inode->i_mapping->i_pages, *index);
	struct folio *folio;

	rcu_read_lock();
	for (;;) {
		folio = xas_find(&xas, ULONG_MAX);
		if (xas_retry(&xas, folio))
			continue;
		if (!folio || xa_is_value(folio))
			break;
		if (!folio_try_get(folio)) {
			xas_reset(&xas);
			continue;
		}
		if (unlikely(folio != xas_reload(&xas))) {
			folio_put(folio);
			xas_reset(&xas);
			continue;
		}
		break;
	}
	rcu_read_unlock();
	if (!xa_is_value(folio))
		return folio;
	*index = xas.xa_index;
	*err = shmem_get_folio(inode, *index, 0, &folio, SGP_NOALLOC);
	if (!*err && !folio)
		*err = -EIO;	/* the size is frozen: it cannot have gone */
	if (*err) {
		pr_err("page %lu is swapped out and cannot be read back (%d)\n",
		       *index, *err);
		return NULL;
	}
	folio_unlock(folio);
	return folio;
}

/*
 * KHO scratch serves movable allocations, the page cache of a memfd among
 * them, and the next kernel overwrites it: a folio there must move before
 * it is preserved (kho_preserve_folio() refuses it), as pinning for the
 * long term moves folios out of CMA (mm/gup.c). The new folios are
 * allocated without __GFP_MOVABLE (memalloc_pin_save()), so never in
 * scratch, on the node of the folio they replace; migration moves the
 * memory cgroup charge with the data.
 */
static bool memfd_luo_in_scratch(struct folio *folio)
{
	return kho_scratch_overlap(PFN_PHYS(folio_pfn(folio)),
				   folio_size(folio));
}

/* Migrate the isolated folios on @list; the number that moved. */
static unsigned int memfd_luo_migrate(struct list_head *list)
{
	struct migration_target_control mtc = {
		.nid = NUMA_NO_NODE,
		.gfp_mask = GFP_USER | __GFP_NOWARN,
		.reason = MR_LONGTERM_PIN,
	};
	unsigned int moved = 0, flags;

	if (list_empty(list))
		return 0;
	flags = memalloc_pin_save();
	if (migrate_pages(list, alloc_migration_target, NULL,
			  (unsigned long)&mtc, MIGRATE_SYNC, MR_LONGTERM_PIN,
			  &moved))
		putback_movable_pages(list);
	memalloc_pin_restore(flags);
	return moved;
}

/*
 * Take @folio off the LRU onto @list, for migration; consumes the
 * caller's reference. A folio still in a per-CPU LRU batch is not on the
 * LRU yet: the batches are drained once (*@drained).
 */
static bool memfd_luo_isolate(struct folio *folio, struct list_head *list,
			      bool *drained)
{
	bool isolated;

	if (!folio_test_lru(folio) && !*drained) {
		lru_add_drain_all();
		*drained = true;
	}
	isolated = folio_isolate_lru(folio);
	if (isolated) {
		list_add_tail(&folio->lru, list);
		node_stat_mod_folio(folio, NR_ISOLATED_ANON +
				    folio_is_file_lru(folio),
				    folio_nr_pages(folio));
	}
	folio_put(folio);
	return isolated;
}

/* Folios isolated at most at a time, waiting for migration. */
#define MEMFD_LUO_MIGRATE_BATCH	512

/*
 * Move the folios of the file that lie in scratch out of it, in batches.
 * Swapped-out pages are read back first (memfd_luo_next()), so those the
 * read lands in scratch move too. A folio that cannot move now (held for
 * I/O, or off the LRU for a moment) is tried again alone by
 * memfd_luo_collect().
 */
static int memfd_luo_leave_scratch(struct memfd_luo *m)
{
	struct inode *inode = file_inode(m->file);
	unsigned int batch = 0;
	bool drained = false;
	struct folio *folio;
	pgoff_t index = 0;
	LIST_HEAD(list);
	int err = 0;

	while ((folio = memfd_luo_next(inode, &index, &err))) {
		index = folio_next_index(folio);
		if (!memfd_luo_in_scratch(folio)) {
			folio_put(folio);
		} else if (memfd_luo_isolate(folio, &list, &drained) &&
			   ++batch == MEMFD_LUO_MIGRATE_BATCH) {
			m->migrated += memfd_luo_migrate(&list);
			batch = 0;
		}
		cond_resched();
	}
	m->migrated += memfd_luo_migrate(&list);
	return err;
}

/* Attempts to move one folio out of scratch before preserve gives up. */
#define MEMFD_LUO_MIGRATE_TRIES	3

/*
 * @folio at @index is in scratch (it stayed there, or a page fault or a
 * read from swap put it there since memfd_luo_leave_scratch()): move it
 * alone; consumes the reference. 0: look at @index again; -EBUSY after
 * MEMFD_LUO_MIGRATE_TRIES attempts at the same index.
 */
static int memfd_luo_move_one(struct memfd_luo *m, struct folio *folio,
			      pgoff_t index, unsigned int *tries)
{
	bool drained = false;
	LIST_HEAD(list);

	if (++*tries > MEMFD_LUO_MIGRATE_TRIES) {
		folio_put(folio);
		pr_warn("page %lu lies in KHO scratch and cannot be migrated out of it (in use, or no memory outside scratch): not preserved\n",
			index);
		return -EBUSY;
	}
	if (memfd_luo_isolate(folio, &list, &drained))
		m->migrated += memfd_luo_migrate(&list);
	return 0;
}

/*
 * Bring @m->folios up to the page cache: keep the folios already held,
 * pin and preserve new ones (written into holes), moved out of scratch
 * first. Called with the inode locked and its size frozen, so no folio
 * can go away.
 */
static int memfd_luo_collect(struct memfd_luo *m)
{
	struct inode *inode = file_inode(m->file);
	unsigned long nr = 0, old = 0, cap = m->nr + 64, pages = 0, i;
	struct folio **folios, **bigger, *folio;
	bool all_uptodate = true;
	unsigned int tries = 0;
	pgoff_t index = 0;
	int err;

	m->migrated = 0;
	err = memfd_luo_leave_scratch(m);
	if (err)
		return err;
	folios = kvmalloc_array(cap, sizeof(*folios), GFP_KERNEL);
	if (!folios)
		return -ENOMEM;
	while ((folio = memfd_luo_next(inode, &index, &err))) {
		/* Held folios were preserved, so never in scratch. */
		if (memfd_luo_in_scratch(folio)) {
			err = memfd_luo_move_one(m, folio, folio->index, &tries);
			if (err)
				break;
			continue;
		}
		tries = 0;
		index = folio_next_index(folio);
		pages += folio_nr_pages(folio);
		all_uptodate &= folio_test_uptodate(folio);
		/* Held or new, it takes a slot: make room first. */
		if (nr == cap) {
			bigger = kvrealloc(folios, 2 * cap * sizeof(*folios),
					   GFP_KERNEL);
			if (!bigger) {
				err = -ENOMEM;
				folio_put(folio);
				break;
			}
			folios = bigger;
			cap *= 2;
		}
		if (old < m->nr && m->folios[old] == folio) {
			folio_put(folio);	/* held already */
			folios[nr++] = m->folios[old++];
			continue;
		}
		err = kho_preserve_folio(folio);
		if (err) {
			folio_put(folio);
			break;
		}
		folios[nr++] = folio;
	}
	if (!err && old != m->nr)
		err = -EBUSY;	/* a held folio left the file: cannot be */
	if (err) {
		/* Release what this call added; the held ones keep their order. */
		for (i = 0, old = 0; i < nr; i++) {
			if (old < m->nr && m->folios[old] == folios[i])
				old++;
			else
				memfd_luo_release_folios(&folios[i], 1);
		}
		kvfree(folios);
		return err;
	}
	if (m->migrated)
		pr_info("%lu folios migrated out of KHO scratch before preserve\n",
			m->migrated);
	kvfree(m->folios);
	m->folios = folios;
	m->nr = nr;
	m->cap = cap;
	m->pages = pages;
	m->all_uptodate = all_uptodate;
	return 0;
}

static LIST_HEAD(memfd_luo_incoming);
static DEFINE_MUTEX(memfd_luo_incoming_lock);

/*
 * Allocated before the record is claimed, so that a retrieve failing for
 * want of memory fails before anything of the previous kernel is touched.
 */
static struct memfd_luo_in *memfd_luo_spare;

/* memfd_luo_format.c's allocation: the spare first. */
struct memfd_luo_in *memfd_luo_in_alloc(void)
{
	struct memfd_luo_in *in;

	lockdep_assert_held(&memfd_luo_incoming_lock);
	in = memfd_luo_spare ?: kmalloc(sizeof(*in), GFP_KERNEL);
	memfd_luo_spare = NULL;
	return in;
}

/* Back to the spare if that is empty. */
void memfd_luo_in_free(struct memfd_luo_in *in)
{
	lockdep_assert_held(&memfd_luo_incoming_lock);
	if (memfd_luo_spare)
		kfree(in);
	else
		memfd_luo_spare = in;
}

static struct memfd_luo_in *memfd_luo_in_find(u64 handle)
{
	struct memfd_luo_in *in;

	list_for_each_entry(in, &memfd_luo_incoming, list)
		if (in->handle == handle)
			return in;
	return NULL;
}

/*
 * Charges may reclaim in the cgroup but never call its OOM killer, which
 * would kill the retriever itself: a cgroup too small gets -ENOMEM.
 */
#define MEMFD_LUO_GFP	(GFP_KERNEL | __GFP_RETRY_MAYFAIL)

/* One line on why the file of @in could not be made, and what is kept. */
static void memfd_luo_in_failed(struct memfd_luo_in *in, struct folio *folio,
				unsigned long charged, int err)
{
	unsigned long usage = 0, max = 0;
	char cg[64] = "none";
#ifdef CONFIG_MEMCG
	struct mem_cgroup *memcg = get_mem_cgroup_from_current();

	if (memcg) {
		cgroup_path(memcg->css.cgroup, cg, sizeof(cg));
		usage = page_counter_read(&memcg->memory);
		max = READ_ONCE(memcg->memory.max);
		mem_cgroup_put(memcg);
	}
#endif
	pr_warn("retrieve of %#llx (%llu bytes, %lu pages in %lu folios) failed (%d) at page %lu, after %lu pages charged to memory cgroup %s (usage %lu, max %lu pages); undone, the file stays preserved: retry\n",
		in->handle, in->size, in->pages, in->nr, err,
		folio ? folio->index : 0, charged, cg, usage, max);
}

/*
 * Make the file of @in. All or nothing: every folio is charged to the
 * memory cgroup of the caller and added to the page cache, locked and
 * off the LRU, before any becomes part of the file; if one fails, those
 * added are taken out and uncharged, and @in is as it was.
 */
static struct file *memfd_luo_in_file(struct memfd_luo_in *in)
{
	struct folio *folio = NULL, *added, *next;
	unsigned long charged = 0;
	struct inode *inode;
	struct file *file;
	int err = 0;

	file = shmem_file_setup("memfd:luo", in->size, VM_NORESERVE);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto fail;
	}
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	file->f_flags |= O_LARGEFILE;
	file->f_pos = in->pos;
	inode = file_inode(file);
	if (in->mode >= 0)
		inode->i_mode = (inode->i_mode & ~0777) | in->mode;
	SHMEM_I(inode)->seals = in->seals;
	/* What memfd_add_seals() does for F_SEAL_WRITE. */
	if (in->seals & F_SEAL_WRITE) {
		err = mapping_deny_writable(file->f_mapping);
		if (err)
			goto put_file;
	}
	inode_lock(inode);
	list_for_each_entry(folio, &in->folios, lru) {
		err = shmem_insert_folio(inode, folio, folio->index,
					 MEMFD_LUO_GFP);
		if (err)
			goto undo_added;
		charged += folio_nr_pages(folio);
	}
	list_for_each_entry_safe(added, next, &in->folios, lru) {
		list_del(&added->lru);
		shmem_insert_folio_commit(added);
		folio_put(added);
	}
	inode_unlock(inode);
	return file;

undo_added:
	list_for_each_entry(added, &in->folios, lru) {
		if (added == folio)
			break;
		shmem_insert_folio_undo(inode, added);
	}
	inode_unlock(inode);
put_file:
	fput(file);
fail:
	memfd_luo_in_failed(in, folio, charged, err);
	return ERR_PTR(err);
}

/* Version 1: dense array of folio descriptors in a kho_vmalloc buffer. */

static int memfd_v1_store(const struct kho_format *fmt, void *obj, u64 *handle)
{
	struct memfd_luo *m = obj;
	struct memfd_luo_folio_ser *arr = NULL;
	struct memfd_luo_v1 *ser;
	unsigned long i;
	int err;

	ser = kho_alloc_preserve(sizeof(*ser));
	if (IS_ERR(ser))
		return PTR_ERR(ser);
	if (m->nr) {
		err = -ENOMEM;
		arr = vcalloc(m->nr, sizeof(*arr));
		if (!arr)
			goto free_ser;
		for (i = 0; i < m->nr; i++) {
			arr[i].pfn_flags = cpu_to_le64(folio_pfn(m->folios[i]) << 12 |
						       memfd_luo_flags(m->folios[i]));
			arr[i].index = cpu_to_le64(m->folios[i]->index);
		}
		err = kho_preserve_vmalloc(arr, &ser->folios);
		if (err)
			goto free_arr;
	}
	ser->pos = cpu_to_le64(m->pos);
	ser->size = cpu_to_le64(i_size_read(file_inode(m->file)));
	ser->nr_folios = cpu_to_le64(m->nr);
	m->v1_array = arr;
	m->written |= BIT(1);
	*handle = virt_to_phys(ser);
	return 0;

free_arr:
	vfree(arr);
free_ser:
	kho_unpreserve_free(ser);
	return err;
}

static void memfd_v1_unstore(const struct kho_format *fmt, void *obj,
			     u64 handle)
{
	struct memfd_luo_v1 *ser = phys_to_virt(handle);
	struct memfd_luo *m = obj;

	if (m->v1_array) {
		kho_unpreserve_vmalloc(&ser->folios);
		vfree(m->v1_array);
		m->v1_array = NULL;
	}
	m->written &= ~BIT(1);
	kho_unpreserve_free(ser);
}

static void *memfd_v1_restore(const struct kho_format *fmt, u64 handle)
{
	return memfd_luo_v1_read(handle);
}

static void memfd_v1_discard(const struct kho_format *fmt, u64 handle)
{
	memfd_luo_v1_discard(handle);
}

static const struct kho_format_ops memfd_v1_ops = {
	.store = memfd_v1_store,
	.unstore = memfd_v1_unstore,
	.restore = memfd_v1_restore,
	.discard = memfd_v1_discard,
};

/* Without version 2, version 1 is what a store writes unless disabled. */
KHO_FORMAT(memfd_v1, MEMFD_LUO_FAMILY, 1, KHO_FORMAT_READ | KHO_FORMAT_WRITE |
	   (IS_ENABLED(CONFIG_LIVEUPDATE_MEMFD_V2) ? 0 : KHO_FORMAT_WRITE_DEFAULT),
	   &memfd_v1_ops);

/* Version 2: run-encoded kho_array of every page, plus the seals. */
#ifdef CONFIG_LIVEUPDATE_MEMFD_V2

static int memfd_v2_store(const struct kho_format *fmt, void *obj, u64 *handle)
{
	struct memfd_luo *m = obj;
	struct inode *inode = file_inode(m->file);
	unsigned long i, pages = 0;
	struct memfd_luo_v2 *ser;
	phys_addr_t phys;
	int err;

	ser = kho_alloc_preserve(sizeof(*ser));
	if (IS_ERR(ser))
		return PTR_ERR(ser);
	kho_array_init(&m->v2_pages);
	for (i = 0; i < m->nr; i++) {
		struct folio *folio = m->folios[i];
		u64 base = PFN_PHYS(folio_pfn(folio)) | memfd_luo_flags(folio) |
			   folio_order(folio) << 2;

		err = kho_array_store_range(&m->v2_pages, folio->index,
					    folio_nr_pages(folio), base,
					    PAGE_SIZE);
		if (err)
			goto destroy_array;
		pages += folio_nr_pages(folio);
	}
	err = kho_array_preserve(&m->v2_pages, &phys);
	if (err)
		goto destroy_array;
	ser->pos = cpu_to_le64(m->pos);
	ser->size = cpu_to_le64(i_size_read(inode));
	ser->seals = cpu_to_le32(SHMEM_I(inode)->seals);
	ser->mode = cpu_to_le32(inode->i_mode & 0777);
	ser->nr_pages = cpu_to_le64(pages);
	ser->pages = cpu_to_le64(phys);
	m->seals = le32_to_cpu(ser->seals);
	m->mode = le32_to_cpu(ser->mode);
	m->written |= BIT(2);
	*handle = virt_to_phys(ser);
	return 0;

destroy_array:
	kho_array_destroy(&m->v2_pages);
	kho_unpreserve_free(ser);
	return err;
}

static void memfd_v2_unstore(const struct kho_format *fmt, void *obj,
			     u64 handle)
{
	struct memfd_luo *m = obj;

	kho_array_destroy(&m->v2_pages);
	m->written &= ~BIT(2);
	kho_unpreserve_free(phys_to_virt(handle));
}

static void *memfd_v2_restore(const struct kho_format *fmt, u64 handle)
{
	return memfd_luo_v2_read(handle);
}

static void memfd_v2_discard(const struct kho_format *fmt, u64 handle)
{
	memfd_luo_v2_discard(handle);
}

static const struct kho_format_ops memfd_v2_ops = {
	.store = memfd_v2_store,
	.unstore = memfd_v2_unstore,
	.restore = memfd_v2_restore,
	.discard = memfd_v2_discard,
};

KHO_FORMAT(memfd_v2, MEMFD_LUO_FAMILY, 2, KHO_FORMAT_READ | KHO_FORMAT_WRITE |
	   KHO_FORMAT_WRITE_DEFAULT, &memfd_v2_ops);
#endif /* CONFIG_LIVEUPDATE_MEMFD_V2 */

/* The LUO file handler. */

static bool memfd_luo_can_preserve(struct liveupdate_file_handler *fh,
				   struct file *file)
{
	return shmem_file(file) && !file_inode(file)->i_nlink;
}

static void memfd_luo_free(struct memfd_luo *m)
{
	struct inode *inode = file_inode(m->file);

	inode_lock(inode);
	SHMEM_I(inode)->luo_frozen = false;
	inode_unlock(inode);
	memfd_luo_release_folios(m->folios, m->nr);
	kvfree(m->folios);
	kfree(m);
}

static int memfd_luo_preserve(struct liveupdate_file_op_args *args)
{
	struct inode *inode = file_inode(args->file);
	struct memfd_luo *m;
	int err;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->file = args->file;
	if (inode_lock_killable(inode)) {
		kfree(m);
		return -EINTR;
	}
	if (SHMEM_I(inode)->luo_frozen) {
		inode_unlock(inode);
		kfree(m);
		return -EBUSY;
	}
	SHMEM_I(inode)->luo_frozen = true;
	err = memfd_luo_collect(m);
	m->pos = args->file->f_pos;
	inode_unlock(inode);
	if (!err)
		err = kho_registry_store(MEMFD_LUO_FAMILY, m, &m->handle);
	if (err) {
		memfd_luo_free(m);
		return err;
	}
	args->serialized_data = m->handle;
	args->private_data = m;
	return 0;
}

/* Bytes of preserved metadata of the versions written, for reports. */
static unsigned long memfd_luo_metadata(struct memfd_luo *m)
{
	unsigned long bytes = 0;

	if (m->v1_array)	/* header, array, its chunk page */
		bytes += (2 + DIV_ROUND_UP(m->nr * sizeof(struct memfd_luo_folio_ser),
					   PAGE_SIZE)) * PAGE_SIZE;
	if (m->v2_pages.head)	/* header, array head and nodes */
		bytes += (2 + m->v2_pages.nr_nodes) * PAGE_SIZE;
	return bytes;
}

/*
 * How long the freeze waits for the inode lock. Whoever holds it may wait
 * for anything (a write() whose source buffer faults on a FUSE or
 * userfaultfd mapping): the reboot path must not wait with it.
 */
#define MEMFD_LUO_LOCK_WAIT_MS	1000

static bool memfd_luo_trylock(struct inode *inode)
{
	unsigned long end = jiffies + msecs_to_jiffies(MEMFD_LUO_LOCK_WAIT_MS);

	while (!inode_trylock(inode)) {
		if (time_after(jiffies, end))
			return false;
		msleep(20);
	}
	return true;
}

/*
 * Is the record stored still right? The page cache must hold exactly the
 * folios held: they cannot leave it (the size is frozen; their reference
 * stops migration, splitting and eviction) but to swap, which counts in
 * swapped, and every folio added counts in nrpages. None of them may have
 * been waiting for its first write (uptodate is recorded), and position,
 * seals, mode and the versions to write must be those stored.
 */
static bool memfd_luo_unchanged(struct memfd_luo *m)
{
	struct inode *inode = file_inode(m->file);
	struct shmem_inode_info *info = SHMEM_I(inode);
	unsigned int enabled = memfd_v1.state->write_enabled ? BIT(1) : 0;

#ifdef CONFIG_LIVEUPDATE_MEMFD_V2
	if (memfd_v2.state->write_enabled)
		enabled |= BIT(2);
#endif

	return m->handle && m->all_uptodate &&
	       READ_ONCE(inode->i_mapping->nrpages) == m->pages &&
	       !READ_ONCE(info->swapped) && m->pos == m->file->f_pos &&
	       (!(m->written & BIT(2)) ||
		(m->seals == info->seals && m->mode == (inode->i_mode & 0777))) &&
	       m->written == enabled;
}

/*
 * At kexec: take in new folios and the position, store anew; nothing to
 * do if nothing changed since the last store, so that the freeze, in the
 * blackout of the update, costs nothing for a file left alone.
 */
static int memfd_luo_freeze(struct liveupdate_file_op_args *args)
{
	struct inode *inode = file_inode(args->file);
	struct memfd_luo *m = args->private_data;
	ktime_t start = ktime_get();
	int err;

	if (!memfd_luo_trylock(inode)) {
		pr_err("freeze: inode lock busy for %u ms (a write or fallocate in progress), kexec refused\n",
		       MEMFD_LUO_LOCK_WAIT_MS);
		return -EBUSY;
	}
	if (memfd_luo_unchanged(m)) {
		inode_unlock(inode);
		args->serialized_data = m->handle;
		pr_info("%lu folios handed over, metadata %lu bytes, freeze %lld us (unchanged)\n",
			m->nr, memfd_luo_metadata(m),
			ktime_us_delta(ktime_get(), start));
		return 0;
	}
	err = memfd_luo_collect(m);
	m->pos = args->file->f_pos;
	inode_unlock(inode);
	if (err)
		return err;
	kho_registry_unstore(m->handle, m);
	m->handle = 0;
	err = kho_registry_store(MEMFD_LUO_FAMILY, m, &m->handle);
	args->serialized_data = m->handle;
	if (!err)
		pr_info("%lu folios handed over, metadata %lu bytes, freeze %lld us\n",
			m->nr, memfd_luo_metadata(m),
			ktime_us_delta(ktime_get(), start));
	return err;
}

static void memfd_luo_unpreserve(struct liveupdate_file_op_args *args)
{
	struct memfd_luo *m = args->private_data;

	if (m->handle)
		kho_registry_unstore(m->handle, m);
	memfd_luo_free(m);
}

/*
 * The first retrieve claims the record and every folio into a struct
 * memfd_luo_in; making the file of it may fail for want of memory, and
 * then it stays for the next retrieve (args->retryable).
 */
static int memfd_luo_retrieve(struct liveupdate_file_op_args *args)
{
	struct memfd_luo_in *in;
	struct file *file;

	guard(mutex)(&memfd_luo_incoming_lock);
	in = memfd_luo_in_find(args->serialized_data);
	if (!in) {
		if (!memfd_luo_spare)
			memfd_luo_spare = kmalloc(sizeof(*in), GFP_KERNEL);
		if (!memfd_luo_spare) {
			args->retryable = true;
			return -ENOMEM;
		}
		in = kho_registry_restore(MEMFD_LUO_FAMILY,
					  args->serialized_data);
		if (IS_ERR(in))
			return PTR_ERR(in);
		in->handle = args->serialized_data;
		list_add(&in->list, &memfd_luo_incoming);
	}
	file = memfd_luo_in_file(in);
	if (IS_ERR(file)) {
		args->retryable = true;
		return PTR_ERR(file);
	}
	list_del(&in->list);
	kfree(in);
	args->file = file;
	return 0;
}

static void memfd_luo_finish(struct liveupdate_file_op_args *args)
{
	struct memfd_luo_in *in;

	if (args->retrieved)
		return;
	guard(mutex)(&memfd_luo_incoming_lock);
	in = memfd_luo_in_find(args->serialized_data);
	if (!in) {
		kho_registry_discard(args->serialized_data);
		return;
	}
	list_del(&in->list);
	memfd_luo_in_put(in);
}

static const struct liveupdate_file_ops memfd_luo_ops = {
	.can_preserve = memfd_luo_can_preserve,
	.preserve = memfd_luo_preserve,
	.unpreserve = memfd_luo_unpreserve,
	.freeze = memfd_luo_freeze,
	.retrieve = memfd_luo_retrieve,
	.finish = memfd_luo_finish,
	.owner = THIS_MODULE,
};

static struct liveupdate_file_handler memfd_luo_handler = {
	.ops = &memfd_luo_ops,
	.compatible = MEMFD_LUO_FH_COMPATIBLE,
};

static int __init memfd_luo_init(void)
{
	int err = liveupdate_register_file_handler(&memfd_luo_handler);

	if (err && err != -EOPNOTSUPP)
		pr_err("cannot register (%d)\n", err);
	return 0;
}
late_initcall(memfd_luo_init);

#ifdef CONFIG_LIVEUPDATE_TEST
/*
 * Test knob: writing "FD MS" to /sys/kernel/debug/memfd_luo/hold_inode_lock
 * holds the inode lock of the shmem file FD for MS milliseconds (at most a
 * minute; a signal ends it early), as a write() stuck in a page fault of
 * its source buffer would. The freeze at kexec must not wait for it.
 */
static ssize_t memfd_luo_hold_write(struct file *f, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	unsigned int fd, ms;
	struct inode *inode;
	char buf[32];

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%u %u", &fd, &ms) != 2 || ms > 60000)
		return -EINVAL;

	CLASS(fd, held)(fd);
	if (fd_empty(held))
		return -EBADF;
	if (!shmem_file(fd_file(held)))
		return -EINVAL;
	inode = file_inode(fd_file(held));
	inode_lock(inode);
	pr_info("test: holding an inode lock for %u ms\n", ms);
	msleep_interruptible(ms);
	inode_unlock(inode);
	pr_info("test: inode lock released\n");
	return len;
}

static const struct file_operations memfd_luo_hold_fops = {
	.owner = THIS_MODULE,
	.write = memfd_luo_hold_write,
};

static int __init memfd_luo_test_init(void)
{
	struct dentry *dir = debugfs_create_dir("memfd_luo", NULL);

	debugfs_create_file("hold_inode_lock", 0200, dir, NULL,
			    &memfd_luo_hold_fops);
	return 0;
}
late_initcall(memfd_luo_test_init);
#endif /* CONFIG_LIVEUPDATE_TEST */

#if IS_ENABLED(CONFIG_LIVEUPDATE_TEST) && IS_BUILTIN(CONFIG_KUNIT)
/* KUnit: the page-cache walk of preserve and freeze (memfd_luo_collect). */

static struct file *memfd_luo_test_file(struct kunit *test, loff_t size)
{
	struct file *file = shmem_file_setup("memfd_luo_test", size,
					     VM_NORESERVE);

	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	return file;
}

/* A zeroed page at @index, as a read fault on a hole makes. */
static void memfd_luo_test_page(struct kunit *test, struct file *file,
				pgoff_t index)
{
	struct folio *folio = shmem_read_folio(file->f_mapping, index);

	KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
	folio_put(folio);
}

static void memfd_luo_test_release(struct memfd_luo *m)
{
	memfd_luo_release_folios(m->folios, m->nr);
	kvfree(m->folios);
	m->folios = NULL;
	m->nr = 0;
}

/*
 * Holes filled after preserve, before the folios held since: the second
 * walk starts with room for the 64 held folios and 64 more, appends 100
 * new ones (no growth: the room is never reached while appending new
 * ones) and then the 64 held ones. Every folio must be listed in order,
 * within the room of the array.
 */
static void memfd_luo_test_collect_room(struct kunit *test)
{
	struct file *file = memfd_luo_test_file(test, 256 * PAGE_SIZE);
	struct memfd_luo m = { .file = file };
	unsigned long i;

	for (i = 192; i < 256; i++)
		memfd_luo_test_page(test, file, i);
	KUNIT_ASSERT_EQ(test, memfd_luo_collect(&m), 0);
	KUNIT_ASSERT_EQ(test, m.nr, 64);
	for (i = 0; i < 100; i++)
		memfd_luo_test_page(test, file, i);
	KUNIT_EXPECT_EQ(test, memfd_luo_collect(&m), 0);
	KUNIT_EXPECT_EQ(test, m.nr, 164);
	KUNIT_EXPECT_LE(test, m.nr, m.cap);
	for (i = 0; i < m.nr && i < 164; i++)
		KUNIT_EXPECT_EQ(test, m.folios[i]->index, i < 100 ? i : i + 92);
	memfd_luo_test_release(&m);
	fput(file);
}

/*
 * A swapped-out page that cannot be read back (a value entry naming no
 * swap device): the walk must fail, not skip it, and leave nothing
 * preserved. Pages really in swap are read back (guest test memfd-swap).
 */
static void memfd_luo_test_collect_swapped(struct kunit *test)
{
	struct file *file = memfd_luo_test_file(test, 16 * PAGE_SIZE);
	struct xarray *pages = &file->f_mapping->i_pages;
	struct memfd_luo m = { .file = file };

	memfd_luo_test_page(test, file, 0);
	memfd_luo_test_page(test, file, 2);
	KUNIT_ASSERT_NULL(test, xa_store_irq(pages, 1, xa_mk_value(0),
					     GFP_KERNEL));
	KUNIT_EXPECT_NE(test, memfd_luo_collect(&m), 0);
	KUNIT_EXPECT_EQ(test, m.nr, 0);
	KUNIT_EXPECT_NULL(test, m.folios);
	memfd_luo_test_release(&m);
	xa_erase_irq(pages, 1);
	/* Without it, both pages. */
	KUNIT_EXPECT_EQ(test, memfd_luo_collect(&m), 0);
	KUNIT_EXPECT_EQ(test, m.nr, 2);
	memfd_luo_test_release(&m);
	fput(file);
}

#ifdef CONFIG_LIVEUPDATE_MEMFD_V2
/*
 * A version 2 record whose one run claims 2^62 pages (all with the same
 * value: a valid run for kho_array), header agreeing: refused before any
 * walk (restore and release would loop for ever).
 */
static void memfd_luo_test_v2_bounded(struct kunit *test)
{
	struct memfd_luo_v2 ser = { .mode = cpu_to_le32(0600) };
	struct kho_array pages;

	kho_array_init(&pages);
	KUNIT_ASSERT_EQ(test, kho_array_store_range(&pages, 0, 1UL << 62,
						    0x100000, 0), 0);
	ser.nr_pages = cpu_to_le64(pages.nr_entries);
	KUNIT_EXPECT_FALSE(test, memfd_v2_valid(&ser, &pages));
	kho_array_destroy(&pages);

	kho_array_init(&pages);
	KUNIT_ASSERT_EQ(test, kho_array_store_range(&pages, 0, 512, 0x100000,
						    PAGE_SIZE), 0);
	ser.nr_pages = cpu_to_le64(512);
	KUNIT_EXPECT_TRUE(test, memfd_v2_valid(&ser, &pages));
	kho_array_destroy(&pages);
}
#endif

static struct kunit_case memfd_luo_test_cases[] = {
	KUNIT_CASE(memfd_luo_test_collect_room),
	KUNIT_CASE(memfd_luo_test_collect_swapped),
#ifdef CONFIG_LIVEUPDATE_MEMFD_V2
	KUNIT_CASE(memfd_luo_test_v2_bounded),
#endif
	{}
};

static struct kunit_suite memfd_luo_test_suite = {
	.name = "memfd_luo",
	.test_cases = memfd_luo_test_cases,
};
kunit_test_suite(memfd_luo_test_suite);
#endif
