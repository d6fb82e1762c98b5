// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: kho_array_restore() from arbitrary bytes, page 0
 * being the head page (fuzz_pages.h). A restored array must iterate in
 * strictly increasing order of indices, with nonzero values that
 * kho_array_load() agrees with, as many as it says it holds; it must
 * pass kho_array_check(); its walk by runs must agree with the loads and
 * add up to nr_entries (in O(runs), however many entries the runs
 * claim); a range store into it (pages cannot be allocated here) must
 * succeed or leave it unchanged; destroy must free every page restored.
 */
#include <linux/errno.h>
#include <linux/kho_array.h>
#include "fuzz_pages.h"

/* Runs can stand for 2^62 entries: look at the first ones only. */
#define FUZZ_ARRAY_MAX_ITER	20000

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const unsigned long probes[] = {
		0, 1, 255, 256, 1UL << 20, 1UL << 40, KHO_ARRAY_MAX_INDEX,
		KHO_ARRAY_MAX_INDEX + 1, ~0UL,
	};
	struct kho_array_iter it;
	struct kho_array a;
	unsigned long index = 0, prev = 0, n = 0, i, first, nr, total = 0;
	unsigned long entries;
	u64 value, step;
	int err;

	fuzz_pages_init(data, size);
	kho_array_init_ops(&a, &fuzz_page_ops);
	if (!kho_array_restore(&a, PAGE_SIZE)) {
		kho_array_for_each(&a, &it, index, value) {
			if ((n && index <= prev) || !value ||
			    index > KHO_ARRAY_MAX_INDEX)
				fuzz_fail("iteration out of order or zero value");
			if (kho_array_load(&a, index) != value)
				fuzz_fail("load disagrees with iteration");
			prev = index;
			if (++n == FUZZ_ARRAY_MAX_ITER)
				break;
		}
		if (n < FUZZ_ARRAY_MAX_ITER && n != a.nr_entries)
			fuzz_fail("iteration count differs from nr_entries");
		for (i = 0; i < ARRAY_SIZE(probes); i++)
			kho_array_load(&a, probes[i]);
		if (size >= sizeof(index)) {
			memcpy(&index, data + size - sizeof(index), sizeof(index));
			kho_array_load(&a, index);
		}
		if (kho_array_check(&a))
			fuzz_fail("restore accepted what kho_array_check() rejects");
		n = 0;
		kho_array_for_each_run(&a, &it, first, nr, value, step) {
			if ((n && first < prev) || !nr ||
			    nr - 1 > KHO_ARRAY_MAX_INDEX - first ||
			    (nr == 1 && step) ||
			    kho_array_load(&a, first) != value ||
			    kho_array_load(&a, first + nr - 1) !=
			    value + (nr - 1) * step)
				fuzz_fail("run out of order or not what loads say");
			prev = first + nr;
			total += nr;
			if (++n == FUZZ_ARRAY_MAX_ITER)
				break;
		}
		if (n < FUZZ_ARRAY_MAX_ITER && total != a.nr_entries)
			fuzz_fail("runs do not add up to nr_entries");
		/* No page can be allocated: it fits or changes nothing. */
		entries = a.nr_entries;
		first = index % (KHO_ARRAY_MAX_INDEX + 1);
		err = kho_array_store_range(&a, first, 1 + index % 1000, 1, 1);
		if (kho_array_check(&a) || (err && a.nr_entries != entries) ||
		    (err && err != -ENOMEM && err != -EINVAL) ||
		    (!err && kho_array_load(&a, first) != 1))
			fuzz_fail("range store into a restored array");
	}
	kho_array_destroy(&a);
	fuzz_pages_done();
	return 0;
}
