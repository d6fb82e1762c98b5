// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of the run chain behind kho_vmalloc (kho_vmalloc_runs.c) against
 * the fake KHO: round trips across a simulated kexec, every allocation
 * and preservation failure, unpreserve, and corrupted handles and chunk
 * pages. Each test ends with no page leaked and no misuse of the fake.
 * (The vmalloc part, kho_vmalloc.c, runs in the guest self-test.)
 */
#include <linux/errno.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/slab.h>
#include "fake_kho.h"
#include "kho_test.h"
#include "kho_vmalloc_runs.h"

#define MAX_RUNS	800
#define MAX_CHUNKS	8
#define MAX_BLOCKS	8
#define BLOCK_PAGES	512	/* fake blocks must fit one allocation */

/*
 * One area of @nr_runs runs in blocks of at most BLOCK_PAGES pages: run i
 * starts at page (i % per block) * @stride of its block and is 1 to
 * @stride - 1 pages long, so no two runs touch. The restore callback
 * records what it is given.
 */
struct fixture {
	unsigned int nr_blocks;
	u8 *block[MAX_BLOCKS];
	unsigned long block_pages[MAX_BLOCKS];
	unsigned long total_pages;
	struct kho_vmalloc desc;
	unsigned int nr_runs;
	phys_addr_t run_phys[MAX_RUNS];
	unsigned long run_pages[MAX_RUNS];
	unsigned int nr_chunks;
	phys_addr_t chunk[MAX_CHUNKS];
	unsigned int nr_got;
	phys_addr_t got_phys[MAX_RUNS];
	unsigned long got_pages[MAX_RUNS];
	unsigned int fail_at;	/* the callback fails on this run */
};

/* Contents of a page: from its address, whatever block it is in. */
static u8 page_pattern(phys_addr_t phys)
{
	return (u8)((phys >> PAGE_SHIFT) * 13 + 1);
}

static void fixture_free_blocks(struct fixture *f)
{
	unsigned int b;

	for (b = 0; b < f->nr_blocks; b++)
		fake_kho_free_block(f->block[b], f->block_pages[b]);
	kfree(f);
}

static struct fixture *fixture_new(unsigned int nr_runs, unsigned int stride)
{
	struct fixture *f = kzalloc(sizeof(*f), GFP_KERNEL);
	unsigned int per_block = BLOCK_PAGES / stride, i, b;
	unsigned long p;

	if (!f)
		return NULL;
	f->nr_runs = nr_runs;
	f->fail_at = ~0U;
	for (b = 0; b * per_block < nr_runs && b < MAX_BLOCKS; b++) {
		unsigned int runs = min(per_block, nr_runs - b * per_block);

		f->block_pages[b] = (unsigned long)runs * stride;
		f->block[b] = fake_kho_alloc_block(f->block_pages[b]);
		if (!f->block[b]) {
			fixture_free_blocks(f);
			return NULL;
		}
		f->nr_blocks++;
		f->total_pages += f->block_pages[b];
		/* The bytes fixture_check() looks at. */
		for (p = 0; p < f->block_pages[b] * PAGE_SIZE; p += 512)
			f->block[b][p] = page_pattern(fake_kho_ops.to_phys(f->block[b] + p));
	}
	for (i = 0; i < nr_runs; i++) {
		u8 *virt = f->block[i / per_block] +
			   (i % per_block) * stride * PAGE_SIZE;

		f->run_phys[i] = fake_kho_ops.to_phys(virt);
		f->run_pages[i] = stride > 1 ? 1 + i % (stride - 1) : 1;
	}
	return f;
}

static struct kho_vmalloc_chunk *chunk_of(struct fixture *f, unsigned int i)
{
	return fake_kho_ops.range_virt(f->chunk[i]);
}

/* Preserve the runs in order (or reversed), record the chunk pages. */
static int fixture_preserve(struct fixture *f, bool reverse)
{
	struct kho_vmalloc_writer w;
	phys_addr_t phys;
	unsigned int i;
	int err;

	kho_vmalloc_writer_init(&w, &fake_kho_ops);
	for (i = 0; i < f->nr_runs; i++) {
		unsigned int r = reverse ? f->nr_runs - 1 - i : i;

		err = kho_vmalloc_writer_add(&w, f->run_phys[r], f->run_pages[r]);
		if (err)
			return err;
	}
	err = kho_vmalloc_writer_finish(&w, &f->desc);
	if (err)
		return err;
	f->nr_chunks = 0;
	for (phys = le64_to_cpu(f->desc.first); phys && f->nr_chunks < MAX_CHUNKS;
	     phys = le64_to_cpu(chunk_of(f, f->nr_chunks - 1)->next))
		f->chunk[f->nr_chunks++] = phys;
	return 0;
}

/* Owns the run whatever it returns, like kho_vmalloc.c's collector. */
static int fixture_collect(void *arg, phys_addr_t phys, unsigned long nr)
{
	struct fixture *f = arg;

	if (f->nr_got == MAX_RUNS || f->nr_got == f->fail_at) {
		fake_kho_ops.free_range(phys, nr);
		return -EFAULT;
	}
	f->got_phys[f->nr_got] = phys;
	f->got_pages[f->nr_got++] = nr;
	return 0;
}

/*
 * What the next kernel does: check, restore each run, free the chunks;
 * on error free the runs it got, as kho_restore_vmalloc() does.
 */
static int fixture_restore(struct fixture *f)
{
	struct kho_vmalloc_reader r;
	unsigned int i;
	int err;

	err = kho_vmalloc_reader_init(&r, &fake_kho_ops, &f->desc);
	if (err)
		return err;
	if (r.nr_pages != le32_to_cpu(f->desc.nr_pages))
		err = -ERANGE;
	else
		err = kho_vmalloc_reader_restore(&r, fixture_collect, f);
	kho_vmalloc_reader_release(&r);
	if (err)
		for (i = 0; i < f->nr_got; i++)
			fake_kho_ops.free_range(f->got_phys[i], f->got_pages[i]);
	return err;
}

/* Pages of the blocks that no run covers: never preserved. */
static long fixture_gaps(struct fixture *f)
{
	long pages = f->total_pages;
	unsigned int i;

	for (i = 0; i < f->nr_runs; i++)
		pages -= f->run_pages[i];
	return pages;
}

/* The runs came back in order (reversed) with their contents. */
static bool fixture_check(struct fixture *f, bool reverse)
{
	unsigned int i;
	unsigned long p;

	if (f->nr_got != f->nr_runs)
		return false;
	for (i = 0; i < f->nr_runs; i++) {
		unsigned int r = reverse ? f->nr_runs - 1 - i : i;
		u8 *virt = fake_kho_ops.range_virt(f->got_phys[i]);

		if (f->got_phys[i] != f->run_phys[r] ||
		    f->got_pages[i] != f->run_pages[r] || !virt)
			return false;
		for (p = 0; p < f->got_pages[i] * PAGE_SIZE; p += 512) {
			if (virt[p] != page_pattern(f->got_phys[i] + p))
				return false;
		}
	}
	return true;
}

/*
 * Claim whatever a failed restore left handed over (chunk pages, runs),
 * then free the block: chunk pages the code under test claimed but did
 * not free remain, and show up as leaks in fake_kho_reset().
 */
static void fixture_free(struct fixture *f)
{
	unsigned long p;
	unsigned int i;

	for (i = 0; i < f->nr_chunks; i++) {
		void *page = fake_kho_ops.restore(f->chunk[i]);

		if (page)
			fake_kho_ops.free(page);
	}
	/* Page by page: damaged runs may have claimed parts of runs. */
	for (i = 0; i < f->nr_runs; i++)
		for (p = 0; p < f->run_pages[i]; p++)
			fake_kho_ops.restore_range(f->run_phys[i] + p * PAGE_SIZE, 1);
	fixture_free_blocks(f);
}

static void expect_clean(KT_CTX)
{
	KT_EXPECT_EQ(fake_kho_misuse(), 0);
	KT_EXPECT_EQ(fake_kho_reset(), 0);
}

static void kho_vmalloc_test_one_run(KT_CTX)
{
	struct fixture *f = fixture_new(1, 9);

	KT_ASSERT(f);
	f->run_pages[0] = 9;
	KT_EXPECT_EQ(fixture_preserve(f, false), 0);
	KT_EXPECT_EQ(le32_to_cpu(f->desc.nr_pages), 9);
	KT_EXPECT_EQ(le32_to_cpu(f->desc.nr_chunks), 1);
	KT_EXPECT_EQ(f->nr_chunks, 1);
	fake_kho_kexec();
	KT_EXPECT_EQ(fixture_restore(f), 0);
	KT_EXPECT(fixture_check(f, false));
	/* The chunk page is freed: only the block is left. */
	KT_EXPECT_EQ(fake_kho_pages(), 9);
	/* A second restore finds nothing to claim. */
	KT_EXPECT_EQ(fixture_restore(f), -EINVAL);
	fixture_free(f);
	expect_clean(kt);
}

/* Pages added one by one, or in adjacent pieces, make one run. */
static void kho_vmalloc_test_coalesce(KT_CTX)
{
	struct fixture *f = fixture_new(1, 64);
	struct kho_vmalloc_writer w;
	unsigned int i;

	KT_ASSERT(f);
	kho_vmalloc_writer_init(&w, &fake_kho_ops);
	for (i = 0; i < 40; i++)
		KT_EXPECT_EQ(kho_vmalloc_writer_add(&w, f->run_phys[0] + i * PAGE_SIZE, 1), 0);
	KT_EXPECT_EQ(kho_vmalloc_writer_add(&w, f->run_phys[0] + 40 * PAGE_SIZE, 20), 0);
	KT_EXPECT_EQ(kho_vmalloc_writer_add(&w, f->run_phys[0] + 60 * PAGE_SIZE, 4), 0);
	KT_EXPECT_EQ(kho_vmalloc_writer_finish(&w, &f->desc), 0);
	f->run_pages[0] = 64;
	f->chunk[f->nr_chunks++] = le64_to_cpu(f->desc.first);
	KT_EXPECT_EQ(le32_to_cpu(chunk_of(f, 0)->count), 1);
	KT_EXPECT_EQ(le32_to_cpu(f->desc.nr_pages), 64);
	fake_kho_kexec();
	KT_EXPECT_EQ(fixture_restore(f), 0);
	KT_EXPECT(fixture_check(f, false));
	fixture_free(f);
	expect_clean(kt);
}

/* Many runs over several chunk pages, in the order they were added. */
static void kho_vmalloc_test_many_runs(KT_CTX)
{
	static const bool reverse[] = { false, true };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(reverse); i++) {
		struct fixture *f = fixture_new(MAX_RUNS, 3);
		unsigned int expect_chunks = DIV_ROUND_UP(MAX_RUNS,
							  KHO_VMALLOC_CHUNK_RUNS);

		KT_ASSERT(f);
		KT_EXPECT_EQ(fixture_preserve(f, reverse[i]), 0);
		KT_EXPECT_EQ(le32_to_cpu(f->desc.nr_chunks), expect_chunks);
		KT_EXPECT_EQ(f->nr_chunks, expect_chunks);
		KT_EXPECT_EQ(le32_to_cpu(f->desc.nr_pages),
			     MAX_RUNS / 2 * 3);
		fake_kho_kexec();
		KT_EXPECT_EQ(fixture_restore(f), 0);
		KT_EXPECT(fixture_check(f, reverse[i]));
		fixture_free(f);
		expect_clean(kt);
	}
}

/* Nothing to preserve, bad arguments: errors, and the writer undone. */
static void kho_vmalloc_test_invalid(KT_CTX)
{
	struct fixture *f = fixture_new(4, 2);
	struct kho_vmalloc_writer w;
	struct kho_vmalloc zero = {};

	KT_ASSERT(f);
	kho_vmalloc_writer_init(&w, &fake_kho_ops);
	KT_EXPECT_EQ(kho_vmalloc_writer_finish(&w, &f->desc), -EINVAL);
	KT_EXPECT_EQ(kho_vmalloc_writer_add(&w, f->run_phys[0], 0), -EINVAL);
	KT_EXPECT_EQ(kho_vmalloc_writer_add(&w, f->run_phys[0], 1), 0);
	KT_EXPECT_EQ(kho_vmalloc_writer_add(&w, f->run_phys[1], 1), 0);
	KT_EXPECT_EQ(kho_vmalloc_writer_add(&w, f->run_phys[2] + 8, 1), -EINVAL);
	KT_EXPECT_EQ(w.nr_chunks, 0);
	KT_EXPECT_EQ(fake_kho_pages(), f->total_pages);
	KT_EXPECT_EQ(kho_vmalloc_writer_add(&w, f->run_phys[0], 1), 0);
	KT_EXPECT_EQ(kho_vmalloc_writer_add(&w, f->run_phys[1], 1), 0);
	KT_EXPECT_EQ(kho_vmalloc_writer_add(&w, f->run_phys[2], UINT_MAX), -E2BIG);
	KT_EXPECT_EQ(fake_kho_pages(), f->total_pages);
	/* Abort after the first run was preserved. */
	KT_EXPECT_EQ(kho_vmalloc_writer_add(&w, f->run_phys[0], 1), 0);
	KT_EXPECT_EQ(kho_vmalloc_writer_add(&w, f->run_phys[1], 1), 0);
	KT_EXPECT_EQ(w.nr_chunks, 1);
	kho_vmalloc_writer_abort(&w);
	kho_vmalloc_writer_abort(&w);
	KT_EXPECT_EQ(fake_kho_pages(), f->total_pages);
	/* An all-zero handle: nothing to undo, nothing to restore. */
	kho_vmalloc_runs_unpreserve(&fake_kho_ops, &zero);
	fake_kho_kexec();
	KT_EXPECT_EQ(fixture_restore(f), -EINVAL);
	fixture_free(f);
	expect_clean(kt);
}

/* Unpreserve undoes everything; the handle then restores nothing. */
static void kho_vmalloc_test_unpreserve(KT_CTX)
{
	struct fixture *f = fixture_new(300, 2);
	struct kho_vmalloc saved;

	KT_ASSERT(f);
	KT_EXPECT_EQ(fixture_preserve(f, false), 0);
	KT_EXPECT_EQ(f->nr_chunks, 2);
	KT_EXPECT_EQ(fake_kho_pages(), f->total_pages + 2);
	saved = f->desc;
	kho_vmalloc_runs_unpreserve(&fake_kho_ops, &f->desc);
	KT_EXPECT_EQ(le32_to_cpu(f->desc.nr_chunks), 0);
	KT_EXPECT_EQ(fake_kho_pages(), f->total_pages);
	/* Twice is harmless: the handle was zeroed. */
	kho_vmalloc_runs_unpreserve(&fake_kho_ops, &f->desc);
	KT_EXPECT_EQ(fake_kho_misuse(), 0);
	/* Preserve again after an unpreserve, then unpreserve again. */
	KT_EXPECT_EQ(fixture_preserve(f, true), 0);
	kho_vmalloc_runs_unpreserve(&fake_kho_ops, &f->desc);
	fake_kho_kexec();
	f->desc = saved;
	f->nr_chunks = 0;
	KT_EXPECT_EQ(fixture_restore(f), -EINVAL);
	KT_EXPECT_EQ(f->nr_got, 0);
	fixture_free(f);
	expect_clean(kt);
}

/* Every allocation or preservation that fails leaves nothing behind. */
static void kho_vmalloc_test_enomem(KT_CTX)
{
	struct fixture *f = fixture_new(300, 2);
	unsigned int n;
	int err = -ENOMEM;

	KT_ASSERT(f);
	for (n = 0; n < 1000 && err; n++) {
		fake_kho_fail_after(n);
		err = fixture_preserve(f, false);
		fake_kho_fail_after(-1);
		KT_EXPECT(err == 0 || err == -ENOMEM);
		if (err) {
			KT_EXPECT_EQ(fake_kho_pages(), f->total_pages);
			KT_EXPECT_EQ(fake_kho_misuse(), 0);
		}
	}
	/* 300 ranges, and 2 chunk pages each allocated and preserved. */
	KT_EXPECT_EQ(n, 300 + 2 * 2 + 1);
	KT_EXPECT_EQ(err, 0);
	kho_vmalloc_runs_unpreserve(&fake_kho_ops, &f->desc);
	KT_EXPECT_EQ(fake_kho_pages(), f->total_pages);
	fixture_free(f);
	expect_clean(kt);
}

/*
 * The consumer of the runs fails halfway: the runs after the failing one
 * are claimed and freed too, nothing stays handed over.
 */
static void kho_vmalloc_test_callback_error(KT_CTX)
{
	static const unsigned int fail_at[] = { 0, 1, 127, 128, 260, 299 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fail_at); i++) {
		struct fixture *f = fixture_new(300, 2);

		KT_ASSERT(f);
		KT_EXPECT_EQ(fixture_preserve(f, false), 0);
		fake_kho_kexec();
		f->fail_at = fail_at[i];
		KT_EXPECT_EQ(fixture_restore(f), -EFAULT);
		KT_EXPECT_EQ(f->nr_got, fail_at[i]);
		/* Chunk pages and every run freed: only the gaps are left. */
		KT_EXPECT_EQ(fake_kho_handed(), 0);
		KT_EXPECT_EQ(fake_kho_pages(), fixture_gaps(f));
		fixture_free(f);
		expect_clean(kt);
	}
}

enum corruption {
	C_DESC_NO_CHUNKS, C_DESC_NO_PAGES, C_DESC_FEWER_CHUNKS,
	C_DESC_MORE_CHUNKS, C_DESC_MORE_PAGES, C_DESC_FEWER_PAGES,
	C_DESC_FIRST_ZERO, C_DESC_FIRST_UNALIGNED, C_DESC_FIRST_DATA,
	C_DESC_FIRST_SECOND, C_DESC_CHUNKS_ABOVE_PAGES,
	C_MAGIC, C_COUNT_ZERO, C_COUNT_HUGE, C_COUNT_SHORT, C_RUN_EMPTY,
	C_RUN_RESERVED, C_RUN_UNALIGNED, C_RUN_TOP, C_NEXT_SELF,
	C_NEXT_FIRST, C_NEXT_DATA, C_NEXT_UNALIGNED, C_LAST_NEXT,
	/* Structurally valid: caught when the runs are restored. */
	C_RUN_NOT_PRESERVED, C_RUN_TWICE, C_RUN_LONGER,
	C_NR_CORRUPTIONS
};

static void corrupt(struct fixture *f, enum corruption c)
{
	struct kho_vmalloc_chunk *c0 = chunk_of(f, 0), *c1 = chunk_of(f, 1);
	struct kho_vmalloc *d = &f->desc;

	switch (c) {
	case C_DESC_NO_CHUNKS:
		d->nr_chunks = 0;
		break;
	case C_DESC_NO_PAGES:
		d->nr_pages = 0;
		break;
	case C_DESC_FEWER_CHUNKS:
		d->nr_chunks = cpu_to_le32(1);
		break;
	case C_DESC_MORE_CHUNKS:
		d->nr_chunks = cpu_to_le32(3);
		break;
	case C_DESC_MORE_PAGES:
		d->nr_pages = cpu_to_le32(le32_to_cpu(d->nr_pages) + 1);
		break;
	case C_DESC_FEWER_PAGES:
		d->nr_pages = cpu_to_le32(le32_to_cpu(d->nr_pages) - 1);
		break;
	case C_DESC_FIRST_ZERO:
		d->first = 0;
		break;
	case C_DESC_FIRST_UNALIGNED:
		d->first = cpu_to_le64(f->chunk[0] + 16);
		break;
	case C_DESC_FIRST_DATA:
		d->first = cpu_to_le64(f->run_phys[0]);
		break;
	case C_DESC_FIRST_SECOND:
		d->first = cpu_to_le64(f->chunk[1]);
		break;
	case C_DESC_CHUNKS_ABOVE_PAGES:
		d->nr_chunks = cpu_to_le32(le32_to_cpu(d->nr_pages) + 1);
		break;
	case C_MAGIC:
		c1->magic ^= cpu_to_le32(0x100);
		break;
	case C_COUNT_ZERO:
		c1->count = 0;
		break;
	case C_COUNT_HUGE:
		c0->count = cpu_to_le32(KHO_VMALLOC_CHUNK_RUNS + 1);
		break;
	case C_COUNT_SHORT:
		c1->count = cpu_to_le32(le32_to_cpu(c1->count) - 1);
		break;
	case C_RUN_EMPTY:
		c1->runs[3].nr_pages = 0;
		break;
	case C_RUN_RESERVED:
		c0->runs[7].reserved = cpu_to_le32(1);
		break;
	case C_RUN_UNALIGNED:
		c0->runs[7].phys = cpu_to_le64(le64_to_cpu(c0->runs[7].phys) + 1);
		break;
	case C_RUN_TOP:
		c0->runs[7].phys = cpu_to_le64(~0ULL << PAGE_SHIFT);
		break;
	case C_NEXT_SELF:
		c0->next = cpu_to_le64(f->chunk[0]);
		break;
	case C_NEXT_FIRST:
		c1->next = cpu_to_le64(f->chunk[0]);
		break;
	case C_NEXT_DATA:
		c0->next = cpu_to_le64(f->run_phys[5]);
		break;
	case C_NEXT_UNALIGNED:
		c0->next = cpu_to_le64(f->chunk[1] + 8);
		break;
	case C_LAST_NEXT:
		c1->next = cpu_to_le64(f->chunk[1] + PAGE_SIZE);
		break;
	case C_RUN_NOT_PRESERVED:
		/* The page between two runs (stride 2) was never preserved. */
		c1->runs[10].phys = cpu_to_le64(le64_to_cpu(c1->runs[10].phys) +
						PAGE_SIZE);
		break;
	case C_RUN_TWICE:
		c1->runs[11].phys = c1->runs[10].phys;
		break;
	case C_RUN_LONGER:
		/* Sums still match, but neither run is a preserved range. */
		c1->runs[10].nr_pages = cpu_to_le32(2);
		c1->count = cpu_to_le32(le32_to_cpu(c1->count) - 1);
		break;
	case C_NR_CORRUPTIONS:
		break;
	}
}

/* Each kind of damage is rejected, nothing is leaked, nothing crashes. */
static void kho_vmalloc_test_corrupt(KT_CTX)
{
	unsigned int c;

	for (c = 0; c < C_NR_CORRUPTIONS; c++) {
		struct fixture *f = fixture_new(300, 2);
		int err;

		KT_ASSERT(f);
		KT_ASSERT(fixture_preserve(f, false) == 0 && f->nr_chunks == 2);
		fake_kho_kexec();
		corrupt(f, c);
		err = fixture_restore(f);
		if (err != -EINVAL) {
			/* Which case: c shows in the KUnit message. */
			KT_EXPECT_EQ(c, C_NR_CORRUPTIONS);
			KT_EXPECT_EQ(err, -EINVAL);
		}
		/*
		 * Every page claimed was freed: what is in use is what was
		 * never preserved plus what is still handed over.
		 */
		KT_EXPECT_EQ(fake_kho_pages(), fixture_gaps(f) + fake_kho_handed());
		/* Only runs that can be restored reach the consumer. */
		if (c < C_RUN_NOT_PRESERVED) {
			KT_EXPECT_EQ(f->nr_got, 0);
			/* A bad chain: no run is touched. */
			KT_EXPECT(fake_kho_handed() >= f->total_pages - fixture_gaps(f));
		} else {
			KT_EXPECT_EQ(f->nr_got, KHO_VMALLOC_CHUNK_RUNS + 10 +
				     (c == C_RUN_TWICE));
			/*
			 * Every run that is a preserved range is freed; left
			 * handed over: the page of the damaged run (and, for
			 * C_RUN_LONGER, of the run dropped by the count).
			 */
			KT_EXPECT_EQ(fake_kho_handed(), 1 + (c == C_RUN_LONGER));
		}
		fixture_free(f);
		expect_clean(kt);
	}
}

/*
 * A descriptor or chain that points at a preserved page of someone else:
 * refused without claiming that page, which its owner still gets.
 */
static void kho_vmalloc_test_foreign_page(KT_CTX)
{
	unsigned int c;

	for (c = 0; c < 3; c++) {
		struct fixture *f = fixture_new(300, 2);
		void *foreign = fake_kho_ops.alloc();
		phys_addr_t phys;

		KT_ASSERT(f && foreign);
		KT_ASSERT(fake_kho_ops.preserve(foreign) == 0);
		phys = fake_kho_ops.to_phys(foreign);
		KT_ASSERT(fixture_preserve(f, false) == 0 && f->nr_chunks == 2);
		fake_kho_kexec();
		if (c == 0)
			f->desc.first = cpu_to_le64(phys);
		else if (c == 1)
			chunk_of(f, 0)->next = cpu_to_le64(phys);
		else	/* a chunk-looking page, but a third one */
			chunk_of(f, 1)->next = cpu_to_le64(phys);
		KT_EXPECT_EQ(fixture_restore(f), -EINVAL);
		KT_EXPECT_EQ(f->nr_got, 0);
		foreign = fake_kho_ops.restore(phys);
		KT_EXPECT(foreign);
		if (foreign)
			fake_kho_ops.free(foreign);
		KT_EXPECT_EQ(fake_kho_pages(), fixture_gaps(f) + fake_kho_handed());
		fixture_free(f);
		expect_clean(kt);
	}
}

/* Dropping an area whose chain is valid frees every run and chunk. */
static void kho_vmalloc_test_drop(KT_CTX)
{
	struct fixture *f = fixture_new(300, 2);
	struct kho_vmalloc_reader r;

	KT_ASSERT(f);
	KT_ASSERT(fixture_preserve(f, false) == 0);
	fake_kho_kexec();
	KT_ASSERT(kho_vmalloc_reader_init(&r, &fake_kho_ops, &f->desc) == 0);
	KT_EXPECT_EQ(kho_vmalloc_reader_restore(&r, NULL, NULL), 0);
	kho_vmalloc_reader_release(&r);
	KT_EXPECT_EQ(fake_kho_handed(), 0);
	KT_EXPECT_EQ(fake_kho_pages(), fixture_gaps(f));
	fixture_free(f);
	expect_clean(kt);
}

/* Random damage: restored correctly or rejected; never a leak. */
static void kho_vmalloc_test_corrupt_random(KT_CTX)
{
	unsigned int i, ok = 0;
	u64 seed = 11;

	for (i = 0; i < 150; i++) {
		struct fixture *f = fixture_new(270, 2);
		unsigned int flips = 1 + kt_rand(&seed) % 3, j;
		int err;

		KT_ASSERT(f);
		KT_ASSERT(fixture_preserve(f, false) == 0 && f->nr_chunks == 2);
		fake_kho_kexec();
		for (j = 0; j < flips; j++) {
			unsigned int bit = kt_rand(&seed) % 8, off;
			u8 *p;

			switch (kt_rand(&seed) % 4) {
			case 0:
				p = (u8 *)&f->desc;
				off = kt_rand(&seed) % sizeof(f->desc);
				break;
			case 1:
				p = (u8 *)chunk_of(f, kt_rand(&seed) % 2);
				off = kt_rand(&seed) % 64;
				break;
			default:
				p = (u8 *)chunk_of(f, kt_rand(&seed) % 2);
				off = kt_rand(&seed) % PAGE_SIZE;
				break;
			}
			p[off] ^= 1 << bit;
		}
		err = fixture_restore(f);
		KT_EXPECT(err == 0 || err == -EINVAL);
		if (!err)
			ok++;
		else
			KT_EXPECT_EQ(fake_kho_pages(),
				     fixture_gaps(f) + fake_kho_handed());
		fixture_free(f);
		expect_clean(kt);
	}
	/* Flips in unused bytes of the last chunk page are harmless. */
	KT_EXPECT(ok > 0 && ok < 150);
}

KT_SUITE(kho_vmalloc,
	 KT_CASE(kho_vmalloc_test_one_run),
	 KT_CASE(kho_vmalloc_test_coalesce),
	 KT_CASE(kho_vmalloc_test_many_runs),
	 KT_CASE(kho_vmalloc_test_invalid),
	 KT_CASE(kho_vmalloc_test_unpreserve),
	 KT_CASE(kho_vmalloc_test_enomem),
	 KT_CASE(kho_vmalloc_test_callback_error),
	 KT_CASE(kho_vmalloc_test_corrupt),
	 KT_CASE(kho_vmalloc_test_foreign_page),
	 KT_CASE(kho_vmalloc_test_drop),
	 KT_CASE(kho_vmalloc_test_corrupt_random));
