// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer targets fuzz_memfd_v1 and fuzz_memfd_v2 (this file built with
 * FUZZ_MEMFD_VERSION 1 or 2): the restore and the discard of a memfd
 * record (mm/memfd_luo_format.c, the code the kernel runs) from arbitrary
 * bytes, against a fake KHO.
 *
 * The input is pages (fuzz_pages.h). Page 0 is the record (the handle is
 * its address); its bytes from FUZZ_MEMFD_TABLE say which data folios
 * the previous kernel preserved (fuzz_memfd.h): byte j is the order of a
 * folio at data page j (address FUZZ_MEMFD_DATA + j * PAGE_SIZE). Byte
 * FUZZ_MEMFD_NOMEM can make the allocation of the incoming state fail.
 * Metadata (the v1 array's chunks and runs, the v2 kho_array) are other
 * pages of the input, which can also be named as order-0 data folios.
 *
 * Whatever the input: no crash and no leak, and every folio claimed is
 * released exactly once on error, by discard, or by the put of what a
 * successful restore returned. A restore that succeeds returns a sane
 * file: size and position a file can have, known seals, permission bits,
 * folios aligned to their size, in increasing order without overlap,
 * below shmem's highest index, as many pages as they say.
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/memfd.h>
#include <linux/kho_vmalloc.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include "fuzz_memfd.h"
#include "fuzz_pages.h"
#include "kho_vmalloc_runs.h"
#include "memfd_luo_format.h"

/* The machine: the input and the data pages. */
unsigned long max_pfn = (FUZZ_MEMFD_DATA >> PAGE_SHIFT) + FUZZ_MEMFD_DATA_PAGES;

static const u8 *fuzz_table;
static bool fuzz_nomem;
/* Data pages claimed (by the folio heading them) or freed: not again. */
static bool fuzz_data_taken[FUZZ_MEMFD_DATA_PAGES];
static long fuzz_folios, fuzz_ins;
/* The folio of the record (at the handle) while claimed. */
static struct folio *fuzz_header;

/* The one restored vmalloc area a record can have: its runs. */
static struct {
	void *buf;
	unsigned long nr, pages, max;
	phys_addr_t phys[256];
	unsigned long nr_pages[256];
} fuzz_area;

struct folio *kho_restore_folio(phys_addr_t phys)
{
	unsigned long j, i, nr;
	struct folio *folio;
	unsigned int order;

	if (phys % PAGE_SIZE)
		return NULL;
	if (phys < FUZZ_MEMFD_DATA) {
		if (!fuzz_page_ops.restore(phys))
			return NULL;
		order = 0;
	} else {
		j = (phys - FUZZ_MEMFD_DATA) / PAGE_SIZE;
		if (j >= FUZZ_MEMFD_DATA_PAGES || fuzz_table[j] > MAX_PAGE_ORDER)
			return NULL;
		order = fuzz_table[j];
		nr = 1UL << order;
		if (j % nr || nr > FUZZ_MEMFD_DATA_PAGES - j)
			return NULL;
		for (i = j; i < j + nr; i++)
			if (fuzz_data_taken[i])
				return NULL;
		for (i = j; i < j + nr; i++)
			fuzz_data_taken[i] = true;
	}
	folio = calloc(1, sizeof(*folio));
	if (!folio)
		fuzz_fail("out of memory");
	folio->phys = phys;
	folio->order = order;
	fuzz_folios++;
	if (phys == FUZZ_MEMFD_HANDLE)
		fuzz_header = folio;
	return folio;
}

/* Freed with it: a use after the last put is an ASan error. */
void folio_put(struct folio *folio)
{
	if (folio->phys < FUZZ_MEMFD_DATA)
		fuzz_page_ops.free(fuzz_pages_virt(folio->phys));
	if (folio == fuzz_header)
		fuzz_header = NULL;
	fuzz_folios--;
	free(folio);
}

void *folio_address(const struct folio *folio)
{
	if (folio->phys >= FUZZ_MEMFD_DATA)
		fuzz_fail("address of a data folio: only metadata is read");
	return fuzz_pages_virt(folio->phys);
}

/* Only the record is freed this way. */
void kho_restore_free(void *mem)
{
	if (!fuzz_header || mem != folio_address(fuzz_header))
		fuzz_fail("only the record is freed this way");
	folio_put(fuzz_header);
}

static int fuzz_area_collect(void *arg, phys_addr_t phys,
			     unsigned long nr_pages)
{
	/* As kho_vmalloc_collect(): the reader bounded the runs. */
	if (nr_pages > fuzz_area.max - fuzz_area.pages) {
		fuzz_pages_release_range(phys, nr_pages);
		return -EINVAL;
	}
	if (fuzz_area.nr == ARRAY_SIZE(fuzz_area.phys))
		fuzz_fail("more runs than pages");
	fuzz_area.phys[fuzz_area.nr] = phys;
	fuzz_area.nr_pages[fuzz_area.nr++] = nr_pages;
	fuzz_area.pages += nr_pages;
	return 0;
}

static void fuzz_area_release(void)
{
	unsigned long i;

	for (i = 0; i < fuzz_area.nr; i++)
		fuzz_pages_release_range(fuzz_area.phys[i],
					 fuzz_area.nr_pages[i]);
	free(fuzz_area.buf);
	memset(&fuzz_area, 0, sizeof(fuzz_area));
}

/*
 * kho_restore_vmalloc() of lib/kho_vmalloc.c on the fake: the same
 * reader, the pages copied into a buffer of exactly the area's size in
 * place of vmap().
 */
void *kho_restore_vmalloc(const struct kho_vmalloc *desc)
{
	struct kho_vmalloc_reader r;
	unsigned long i, off = 0, k;
	int err;

	if (fuzz_area.buf || fuzz_area.nr)
		fuzz_fail("a second vmalloc area");
	if (kho_vmalloc_reader_init(&r, &fuzz_page_ops, desc))
		return NULL;
	fuzz_area.max = r.nr_pages;
	if (r.nr_pages > max_pfn)
		err = kho_vmalloc_reader_restore(&r, NULL, NULL) ?: -E2BIG;
	else
		err = kho_vmalloc_reader_restore(&r, fuzz_area_collect, NULL);
	kho_vmalloc_reader_release(&r);
	if (!err) {
		fuzz_area.buf = malloc(fuzz_area.pages * PAGE_SIZE);
		if (!fuzz_area.buf)
			fuzz_fail("out of memory");
		for (i = 0; i < fuzz_area.nr; i++)
			for (k = 0; k < fuzz_area.nr_pages[i]; k++, off++)
				memcpy(fuzz_area.buf + off * PAGE_SIZE,
				       fuzz_pages_virt(fuzz_area.phys[i] +
						       k * PAGE_SIZE),
				       PAGE_SIZE);
		return fuzz_area.buf;
	}
	fuzz_area_release();
	return NULL;
}

void vfree(const void *addr)
{
	if (!addr)
		return;
	if (addr != fuzz_area.buf)
		fuzz_fail("freed an area that was not restored");
	fuzz_area_release();
}

struct memfd_luo_in *memfd_luo_in_alloc(void)
{
	struct memfd_luo_in *in;

	if (fuzz_nomem)
		return NULL;
	in = malloc(sizeof(*in));
	if (!in)
		fuzz_fail("out of memory");
	fuzz_ins++;
	return in;
}

void memfd_luo_in_free(struct memfd_luo_in *in)
{
	fuzz_ins--;
	free(in);
}

/* What a restore that succeeded must have returned. */
static void fuzz_check_in(const struct memfd_luo_in *in)
{
	unsigned long nr = 0, pages = 0, end = 0, n;
	const struct folio *folio;

	if (in->size > MAX_LFS_FILESIZE || in->pos > MAX_LFS_FILESIZE)
		fuzz_fail("size or position no file can have");
	if (in->seals & ~MEMFD_LUO_SEALS)
		fuzz_fail("unknown seals");
	if (in->mode != -1 && (in->mode < 0 || in->mode & ~0777))
		fuzz_fail("mode beyond the permission bits");
	list_for_each_entry(folio, &in->folios, lru) {
		n = folio_nr_pages(folio);
		if (folio->index % n || (nr && folio->index < end) ||
		    folio->index > (MAX_LFS_FILESIZE >> PAGE_SHIFT) + 1 - n)
			fuzz_fail("folio misplaced in the file");
		end = folio->index + n;
		nr++;
		pages += n;
	}
	if (nr != in->nr || pages != in->pages)
		fuzz_fail("folio count disagrees with the list");
	if (fuzz_folios != nr)
		fuzz_fail("a folio claimed is not in the file");
}

#if FUZZ_MEMFD_VERSION == 1
#define fuzz_memfd_read		memfd_luo_v1_read
#define fuzz_memfd_discard	memfd_luo_v1_discard
#else
#define fuzz_memfd_read		memfd_luo_v2_read
#define fuzz_memfd_discard	memfd_luo_v2_discard
#endif

/* Hand the input over (again). */
static void fuzz_memfd_init(const u8 *data, size_t size)
{
	fuzz_pages_init(data, size);
	memset(fuzz_data_taken, 0, sizeof(fuzz_data_taken));
	fuzz_table = data + FUZZ_MEMFD_TABLE;
	fuzz_nomem = data[FUZZ_MEMFD_NOMEM] & 1;
}

static void fuzz_memfd_done(const char *what)
{
	if (fuzz_folios || fuzz_ins || fuzz_header || fuzz_area.nr)
		fuzz_fail(what);
	fuzz_pages_done();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct memfd_luo_in *in;

	if (size < PAGE_SIZE)
		return 0;
	fuzz_memfd_init(data, size);
	in = fuzz_memfd_read(FUZZ_MEMFD_HANDLE);
	if (!IS_ERR(in)) {
		fuzz_check_in(in);
		memfd_luo_in_put(in);
	}
	fuzz_memfd_done("restore leaked");

	fuzz_memfd_init(data, size);
	fuzz_memfd_discard(FUZZ_MEMFD_HANDLE);
	fuzz_memfd_done("discard leaked");
	return 0;
}
