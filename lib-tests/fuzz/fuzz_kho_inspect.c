// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the decoder of kho-inspect (tools/kho/inspect.c) over
 * arbitrary bundles (inspect.h): root FDT, subtrees, scratch and map
 * files and pages of memory, as kho-inspect --bundle writes them. The
 * seeds are bundles of real handovers saved in the test guest
 * (tools/kho/test/). Both printers run on every report, so every string
 * the decoder kept is printed once.
 */
#include <stdio.h>
#include "../../tools/kho/inspect.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static FILE *null;
	struct ki_bundle *b;
	struct ki_report *r;
	const char *why;

	if (!null)
		null = fopen("/dev/null", "w");
	b = ki_bundle_parse(data, size, "fuzz", &why);
	if (!b)
		return 0;
	r = ki_decode(ki_bundle_input(b));
	ki_print_text(r, null);
	ki_print_json(r, null);
	ki_free(r);
	ki_bundle_free(b);
	return 0;
}
