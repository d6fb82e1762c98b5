// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: kho_array_restore() from arbitrary bytes, page 0
 * being the head page (fuzz_pages.h). A restored array must iterate in
 * strictly increasing order of indices, with nonzero values that
 * kho_array_load() agrees with, as many as it says it holds; destroy
 * must free every page restored.
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
	unsigned long index, prev = 0, n = 0, i;
	u64 value;

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
	}
	kho_array_destroy(&a);
	fuzz_pages_done();
	return 0;
}
