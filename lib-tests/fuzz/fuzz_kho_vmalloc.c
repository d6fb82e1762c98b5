// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: restore of a preserved vmalloc area from arbitrary
 * bytes. The first 16 bytes are the handle (struct kho_vmalloc), the rest
 * the pages handed over (fuzz_pages.h). Whatever the input, the reader
 * must neither crash nor leak, the runs it restores must add up to the
 * size it checked, and once it accepted the chain, no run of it that can
 * still be claimed is left handed over, even after an error. A chain it
 * refuses must cost exactly its valid leading chunks (claimed, then
 * freed): the page that failed a check, and any run, stay handed over.
 */
#include <linux/kho/abi/kexec_handover.h>
#include "fuzz_pages.h"
#include "kho_vmalloc_runs.h"

struct fuzz_runs {
	unsigned long nr, pages, sum;
	phys_addr_t phys[256];
	unsigned long nr_pages[256];
};

static int fuzz_collect(void *arg, phys_addr_t phys, unsigned long nr_pages)
{
	struct fuzz_runs *runs = arg;
	u8 *first = fuzz_pages_virt(phys);
	u8 *last = fuzz_pages_virt(phys + (nr_pages - 1) * PAGE_SIZE);

	/* Runs are claimed pages of the input: at most one per page. */
	if (!nr_pages || !first || !last || runs->nr == ARRAY_SIZE(runs->phys))
		fuzz_fail("run outside the input");
	runs->phys[runs->nr] = phys;
	runs->nr_pages[runs->nr++] = nr_pages;
	runs->pages += nr_pages;
	/* Its bytes are readable (ASan checks the whole range). */
	runs->sum += first[0] + last[PAGE_SIZE - 1];
	return 0;
}

/*
 * The reader accepted the chain of @desc: a run whose pages are all still
 * handed over could have been claimed when it was tried (pages are never
 * handed back), so it was left behind.
 */
static void fuzz_check_runs_taken(const struct kho_vmalloc *desc)
{
	phys_addr_t phys = le64_to_cpu(desc->first);
	u32 c, i, k;

	for (c = 0; c < le32_to_cpu(desc->nr_chunks); c++) {
		const struct kho_vmalloc_chunk *chunk = fuzz_pages_virt(phys);

		if (!chunk)
			fuzz_fail("accepted a chain outside the input");
		for (i = 0; i < le32_to_cpu(chunk->count); i++) {
			phys_addr_t run = le64_to_cpu(chunk->runs[i].phys);
			u32 nr = le32_to_cpu(chunk->runs[i].nr_pages);

			for (k = 0; k < nr && fuzz_page_ops.peek(run + (phys_addr_t)k * PAGE_SIZE); k++)
				;
			if (k == nr)
				fuzz_fail("a run that could be claimed was left handed over");
		}
		phys = le64_to_cpu(chunk->next);
	}
}

/* Reference of the checks of one chunk; @left: pages the runs may add. */
static bool fuzz_chunk_ok(const struct kho_vmalloc_chunk *chunk, bool last,
			  u64 *left)
{
	u32 i, count = le32_to_cpu(chunk->count);
	u64 next = le64_to_cpu(chunk->next);

	if (le32_to_cpu(chunk->magic) != KHO_VMALLOC_MAGIC || !count ||
	    count > KHO_VMALLOC_CHUNK_RUNS || last != !next || next % PAGE_SIZE)
		return false;
	for (i = 0; i < count; i++) {
		u64 phys = le64_to_cpu(chunk->runs[i].phys);
		u32 nr = le32_to_cpu(chunk->runs[i].nr_pages);

		if (!nr || chunk->runs[i].reserved || nr > *left ||
		    phys % PAGE_SIZE || phys / PAGE_SIZE + nr > ~0ULL / PAGE_SIZE)
			return false;
		*left -= nr;
	}
	return true;
}

/*
 * Reference: how many chunks of the chain of @desc pass their checks
 * before the first that does not (a page outside the input or already
 * in the chain fails); all of them if the chain is valid, then @valid.
 */
static u32 fuzz_valid_chunks(const struct kho_vmalloc *desc, bool *valid)
{
	u32 nr_chunks = le32_to_cpu(desc->nr_chunks), c;
	u64 left = le32_to_cpu(desc->nr_pages), phys = le64_to_cpu(desc->first);
	bool seen[256] = {};

	*valid = false;
	if (!nr_chunks || !left || nr_chunks > left)
		return 0;
	for (c = 0; c < nr_chunks; c++) {
		const struct kho_vmalloc_chunk *chunk = fuzz_pages_virt(phys);
		unsigned long k = phys / PAGE_SIZE - 1;

		if (!chunk || seen[k] ||
		    !fuzz_chunk_ok(chunk, c == nr_chunks - 1, &left))
			return c;
		seen[k] = true;
		phys = le64_to_cpu(chunk->next);
	}
	*valid = !left;
	return c;
}

/* Pages of the input no longer handed over. */
static unsigned long fuzz_claimed(void)
{
	unsigned long k, n = 0;

	for (k = 0; k < fuzz_pages_nr(); k++)
		n += !fuzz_page_ops.peek((k + 1) * PAGE_SIZE);
	return n;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_runs *runs = calloc(1, sizeof(*runs));
	struct kho_vmalloc_reader r;
	struct kho_vmalloc desc;
	unsigned long i, nr_pages;
	bool valid;
	u32 chunks;
	int err;

	if (!runs)
		fuzz_fail("out of memory");
	if (size < sizeof(desc))
		goto free_runs;
	memcpy(&desc, data, sizeof(desc));
	fuzz_pages_init(data + sizeof(desc), size - sizeof(desc));
	chunks = fuzz_valid_chunks(&desc, &valid);
	err = kho_vmalloc_reader_init(&r, &fuzz_page_ops, &desc);
	if (!err != valid)
		fuzz_fail("the reader and the reference disagree on the chain");
	if (err && fuzz_claimed() != chunks)
		fuzz_fail("a refused chain claimed more than its valid chunks");
	if (!err) {
		nr_pages = r.nr_pages;
		if (nr_pages != le32_to_cpu(desc.nr_pages) || !nr_pages)
			fuzz_fail("reader accepted a size it was not given");
		err = kho_vmalloc_reader_restore(&r, fuzz_collect, runs);
		kho_vmalloc_reader_release(&r);
		fuzz_check_runs_taken(&desc);
		if (runs->pages > nr_pages)
			fuzz_fail("runs beyond the checked size");
		if (!err && runs->pages != nr_pages)
			fuzz_fail("runs do not add up to the size");
	}
	for (i = 0; i < runs->nr; i++)
		fuzz_pages_release_range(runs->phys[i], runs->nr_pages[i]);
	fuzz_pages_done();
free_runs:
	free(runs);
	return 0;
}
