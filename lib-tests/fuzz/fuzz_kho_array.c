// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: kho_array_restore() from arbitrary bytes, page 0
 * being the head page (fuzz_pages.h). A restored array must iterate in
 * strictly increasing order of indices, with nonzero values that
 * kho_array_load() agrees with, as many as it says it holds; it must
 * pass kho_array_check(); its walk by runs must agree with the loads and
 * add up to nr_entries (in O(runs), however many entries the runs
 * claim); destroy must free every page restored.
 *
 * An input of whole pages then gets a range store with no page to
 * allocate: it must succeed or leave the array unchanged.
 *
 * Otherwise the array is changed: the bytes after the last page are a
 * script of operations (a byte: store, erase, range store or walk; an
 * index, fuzz_take_index(); their arguments), run with FUZZ_MAX_SPARE
 * pages to allocate and checked against a reference model:
 * the runs restored plus the values the script wrote. Every operation
 * must give the model's values at the indices it touched, or fail and
 * change nothing; counts and kho_array_check() must hold after each.
 */
#include <linux/errno.h>
#include <linux/kho_array.h>
#include "fuzz_pages.h"

/* Runs can stand for 2^62 entries: look at the first ones only. */
#define FUZZ_ARRAY_MAX_ITER	20000
/* Operations of a script. */
#define FUZZ_MAX_OPS		48

struct fuzz_run {
	unsigned long first, nr;
	u64 value, step;
};

/*
 * The model: runs as restored, then what was written since, newest last
 * (a value 0 for an erase).
 */
static struct fuzz_run fuzz_runs[FUZZ_ARRAY_MAX_ITER];
static unsigned long fuzz_nr_runs;
static struct fuzz_run fuzz_writes[FUZZ_MAX_OPS + 1];
static unsigned long fuzz_nr_writes;

static u64 fuzz_model_restored(unsigned long index)
{
	unsigned long lo = 0, hi = fuzz_nr_runs, mid;
	const struct fuzz_run *r;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = &fuzz_runs[mid];
		if (index < r->first)
			hi = mid;
		else if (index - r->first >= r->nr)
			lo = mid + 1;
		else
			return r->value + (index - r->first) * r->step;
	}
	return 0;
}

static u64 fuzz_model(unsigned long index)
{
	unsigned long i = fuzz_nr_writes;
	const struct fuzz_run *w;

	while (i--) {
		w = &fuzz_writes[i];
		if (index >= w->first && index - w->first < w->nr)
			return w->value ? w->value + (index - w->first) * w->step : 0;
	}
	return fuzz_model_restored(index);
}

static void fuzz_model_write(unsigned long first, unsigned long nr, u64 value,
			     u64 step)
{
	if (fuzz_nr_writes == ARRAY_SIZE(fuzz_writes))
		fuzz_fail("model full");
	fuzz_writes[fuzz_nr_writes++] = (struct fuzz_run){ first, nr, value, step };
}

/* The script: what is left of the input after its pages. */
struct fuzz_script {
	const u8 *p;
	size_t left;
};

static u64 fuzz_take(struct fuzz_script *sc, size_t bytes)
{
	u64 v = 0;

	bytes = min(bytes, sc->left);
	memcpy(&v, sc->p, bytes);
	sc->p += bytes;
	sc->left -= bytes;
	return v;
}

/*
 * An index near what is there: a restored run's first index (or the
 * last index written) plus a small signed offset, or any index.
 */
static unsigned long fuzz_take_index(struct fuzz_script *sc)
{
	u8 how = fuzz_take(sc, 1);
	long off = (s8)fuzz_take(sc, 1);
	unsigned long base = 0;

	switch (how & 3) {
	case 0:
		return fuzz_take(sc, 8);
	case 1:
		if (fuzz_nr_runs)
			base = fuzz_runs[(how >> 2) % fuzz_nr_runs].first;
		break;
	case 2:
		if (fuzz_nr_runs) {
			const struct fuzz_run *r = &fuzz_runs[(how >> 2) % fuzz_nr_runs];

			base = r->first + r->nr - 1;
		}
		break;
	case 3:
		if (fuzz_nr_writes)
			base = fuzz_writes[fuzz_nr_writes - 1].first;
		break;
	}
	return base + off;
}

/* Every index @first..@first + @nr - 1 (of a range) loads the model's value. */
static void fuzz_check_span(struct kho_array *a, unsigned long first,
			    unsigned long nr, const char *what)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		if (kho_array_load(a, first + i) != fuzz_model(first + i))
			fuzz_fail(what);
}

/* A walk by runs agrees with the model and adds up to nr_entries. */
static void fuzz_check_walk(struct kho_array *a)
{
	unsigned long first, nr, prev = 0, total = 0, n = 0;
	struct kho_array_iter it;
	u64 value, step;

	kho_array_for_each_run(a, &it, first, nr, value, step) {
		if ((n && first < prev) || !nr ||
		    fuzz_model(first) != value ||
		    fuzz_model(first + nr - 1) != value + (nr - 1) * step)
			fuzz_fail("walk after changes disagrees with the model");
		prev = first + nr;
		total += nr;
		if (++n == FUZZ_ARRAY_MAX_ITER)
			return;
	}
	if (total != a->nr_entries)
		fuzz_fail("walk after changes does not add up to nr_entries");
}

/* Entries the model holds in [@first, @first + @nr). */
static unsigned long fuzz_model_count(unsigned long first, unsigned long nr)
{
	unsigned long i, n = 0;

	for (i = 0; i < nr; i++)
		n += !!fuzz_model(first + i);
	return n;
}

/* Run the script on @a, restored and checked, whose runs are the model's. */
static void fuzz_mutate(struct kho_array *a, struct fuzz_script *sc)
{
	unsigned long index, nr, before, entries, ops = 0;
	u64 value, step;
	int err;
	u8 op;

	while (sc->left && ops++ < FUZZ_MAX_OPS) {
		op = fuzz_take(sc, 1);
		index = fuzz_take_index(sc);
		switch (op % 4) {
		case 0:		/* store */
		case 1:		/* erase */
			value = op % 4 ? 0 : fuzz_take(sc, 8);
			nr = 1;
			step = 0;
			break;
		case 2:		/* range store */
			nr = 1 + fuzz_take(sc, 1);
			value = fuzz_take(sc, 8);
			step = (s64)(s8)fuzz_take(sc, 1) * (op & 0x80 ? PAGE_SIZE : 1);
			break;
		default:
			fuzz_check_walk(a);
			continue;
		}
		/* Stay within the array, so that the model can count. */
		if (index > KHO_ARRAY_MAX_INDEX)
			index &= KHO_ARRAY_MAX_INDEX;
		if (nr - 1 > KHO_ARRAY_MAX_INDEX - index)
			nr = KHO_ARRAY_MAX_INDEX - index + 1;
		entries = a->nr_entries;
		before = fuzz_model_count(index, nr);
		if (op % 4 == 1)
			err = kho_array_erase(a, index);
		else if (op % 4 == 0)
			err = kho_array_store(a, index, value);
		else
			err = kho_array_store_range(a, index, nr, value, step);
		if (!err) {
			if (op % 4 == 1 && !before)
				fuzz_fail("an erase of nothing succeeded");
			fuzz_model_write(index, nr, value, step);
			if (a->nr_entries != entries - before +
			    fuzz_model_count(index, nr))
				fuzz_fail("nr_entries wrong after a change");
		} else if (err != -ENOMEM && err != -EINVAL && err != -ENOENT) {
			fuzz_fail("unexpected error");
		} else if (a->nr_entries != entries) {
			fuzz_fail("a change that failed changed the count");
		} else if (err == -ENOENT && (op % 4 != 1 || before)) {
			fuzz_fail("-ENOENT from an erase of something there");
		} else if (err == -EINVAL && op % 4 == 1) {
			fuzz_fail("-EINVAL from an erase within the array");
		}
		fuzz_check_span(a, index, nr, "load after a change disagrees with the model");
		if (kho_array_check(a))
			fuzz_fail("a change broke the array");
	}
	fuzz_check_walk(a);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const unsigned long probes[] = {
		0, 1, 255, 256, 1UL << 20, 1UL << 40, KHO_ARRAY_MAX_INDEX,
		KHO_ARRAY_MAX_INDEX + 1, ~0UL,
	};
	struct fuzz_script sc = {
		.p = data + size / PAGE_SIZE * PAGE_SIZE,
		.left = size % PAGE_SIZE,
	};
	struct kho_array_iter it;
	struct kho_array a;
	unsigned long index = 0, prev = 0, n = 0, i, first, nr, total = 0;
	unsigned long entries;
	u64 value, step;
	int err;

	/* Pages to allocate only for a script: else none, as restoring. */
	fuzz_pages_init_spare(data, size, sc.left ? FUZZ_MAX_SPARE : 0);
	kho_array_init_ops(&a, &fuzz_page_ops);
	fuzz_nr_runs = 0;
	fuzz_nr_writes = 0;
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
			fuzz_runs[n] = (struct fuzz_run){ first, nr, value, step };
			prev = first + nr;
			total += nr;
			if (++n == FUZZ_ARRAY_MAX_ITER)
				break;
		}
		if (n < FUZZ_ARRAY_MAX_ITER && total != a.nr_entries)
			fuzz_fail("runs do not add up to nr_entries");
		fuzz_nr_runs = n;
		if (sc.left) {
			/* The model needs every run. */
			if (n < FUZZ_ARRAY_MAX_ITER)
				fuzz_mutate(&a, &sc);
		} else {
			/* No page can be allocated: it fits or changes nothing. */
			entries = a.nr_entries;
			first = index % (KHO_ARRAY_MAX_INDEX + 1);
			err = kho_array_store_range(&a, first, 1 + index % 1000, 1, 1);
			if (kho_array_check(&a) || (err && a.nr_entries != entries) ||
			    (err && err != -ENOMEM && err != -EINVAL) ||
			    (!err && kho_array_load(&a, first) != 1))
				fuzz_fail("range store into a restored array");
		}
	}
	kho_array_destroy(&a);
	fuzz_pages_done();
	return 0;
}
