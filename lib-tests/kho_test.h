/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One test source, two backends: built in the kernel (__KERNEL__) a test
 * file is a KUnit suite; built by lib-tests/Makefile it is a userspace
 * program run under ASan/UBSan against the shim headers in shim/.
 *
 * Test bodies use KT_EXPECT*() (record a failure, go on) and KT_ASSERT()
 * (record a failure, leave the test; only in the test function itself).
 * KT_CASE_SLOW() marks a case KUnit should report as slow (taking more
 * than a second); in userspace it is KT_CASE().
 * Pages come from kt_alloc_page(), which counts them for the leak check
 * every test ends with (kt_pages_in_use()) and fails on request
 * (kt_fail_alloc_after()) to exercise error paths.
 */
#ifndef _KHO_LIB_TEST_H
#define _KHO_LIB_TEST_H

#ifdef __KERNEL__

#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>

#define KT_CTX			struct kunit *kt
#define KT_EXPECT(c)		KUNIT_EXPECT_TRUE_MSG(kt, (c), "%s", #c)
#define KT_ASSERT(c)		KUNIT_ASSERT_TRUE_MSG(kt, (c), "%s", #c)
#define KT_EXPECT_EQ(a, b)	KUNIT_EXPECT_EQ(kt, (long long)(a), (long long)(b))
#define KT_CASE(fn)		KUNIT_CASE(fn)
#define KT_CASE_SLOW(fn)	KUNIT_CASE_SLOW(fn)
#define KT_SUITE(sname, ...)						\
	static struct kunit_case sname##_cases[] = { __VA_ARGS__, {} };	\
	static struct kunit_suite sname##_suite = {			\
		.name = #sname,						\
		.init = kt_reset,					\
		.test_cases = sname##_cases,				\
	};								\
	kunit_test_suite(sname##_suite);				\
	MODULE_DESCRIPTION("KUnit test " #sname);			\
	MODULE_LICENSE("GPL")

static inline void *kt_raw_alloc_page(void)
{
	return (void *)get_zeroed_page(GFP_KERNEL);
}

static inline void kt_raw_free_page(void *p)
{
	free_page((unsigned long)p);
}

static inline phys_addr_t kt_virt_to_phys(void *p)
{
	return virt_to_phys(p);
}

static inline void *kt_raw_alloc_block(unsigned long nr_pages)
{
	return alloc_pages_exact(nr_pages * PAGE_SIZE, GFP_KERNEL | __GFP_ZERO);
}

static inline void kt_raw_free_block(void *p, unsigned long nr_pages)
{
	free_pages_exact(p, nr_pages * PAGE_SIZE);
}

#else /* userspace */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kt_state {
	const char *name;
	int failed;
};

#define KT_CTX			struct kt_state *kt
#define KT_FAIL(c)		kt_report(kt, __FILE__, __LINE__, c)
#define KT_EXPECT(c)		do { if (!(c)) KT_FAIL(#c); } while (0)
#define KT_ASSERT(c)		do { if (!(c)) { KT_FAIL(#c); return; } } while (0)
#define KT_EXPECT_EQ(a, b)	KT_EXPECT((long long)(a) == (long long)(b))

static inline void kt_report(struct kt_state *kt, const char *file, int line,
			     const char *what)
{
	fprintf(stderr, "    # %s: %s:%d: expected %s\n", kt->name, file, line,
		what);
	kt->failed = 1;
}

struct kt_case {
	void (*fn)(struct kt_state *kt);
	const char *name;
};

#define KT_CASE(fn)		{ fn, #fn }
#define KT_CASE_SLOW(fn)	KT_CASE(fn)
#define KT_SUITE(sname, ...)						\
	static const struct kt_case sname##_cases[] = { __VA_ARGS__ };	\
	int main(void)							\
	{								\
		unsigned int i, n = sizeof(sname##_cases) /		\
				    sizeof(sname##_cases[0]);		\
		int failed = 0;						\
									\
		printf("KTAP version 1\n1..1\n");			\
		printf("    KTAP version 1\n    # Subtest: %s\n    1..%u\n",\
		       #sname, n);					\
		for (i = 0; i < n; i++) {				\
			struct kt_state st = { sname##_cases[i].name, 0 };\
									\
			kt_reset(NULL);					\
			sname##_cases[i].fn(&st);			\
			failed += st.failed;				\
			printf("    %sok %u %s\n", st.failed ? "not " : "",\
			       i + 1, st.name);				\
		}							\
		printf("%sok 1 %s\n", failed ? "not " : "", #sname);	\
		return failed ? 1 : 0;					\
	}

static inline void *kt_raw_alloc_page(void)
{
	void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);

	if (p)
		memset(p, 0, PAGE_SIZE);
	return p;
}

static inline void kt_raw_free_page(void *p)
{
	free(p);
}

static inline phys_addr_t kt_virt_to_phys(void *p)
{
	return (phys_addr_t)(unsigned long)p;
}

static inline void *kt_raw_alloc_block(unsigned long nr_pages)
{
	void *p = aligned_alloc(PAGE_SIZE, nr_pages * PAGE_SIZE);

	if (p)
		memset(p, 0, nr_pages * PAGE_SIZE);
	return p;
}

static inline void kt_raw_free_block(void *p, unsigned long nr_pages)
{
	free(p);
}

#endif /* __KERNEL__ */

static long kt_pages __maybe_unused;
static long kt_allocs_left __maybe_unused = -1;

/* Reset counters before each test; fits a KUnit suite's .init. */
static inline int kt_reset(KT_CTX)
{
	(void)kt;
	kt_pages = 0;
	kt_allocs_left = -1;
	return 0;
}

/* The next @n page allocations succeed, the ones after fail. */
static inline void kt_fail_alloc_after(long n)
{
	kt_allocs_left = n;
}

static inline void *kt_alloc_page(void)
{
	void *p;

	if (kt_allocs_left == 0)
		return NULL;
	if (kt_allocs_left > 0)
		kt_allocs_left--;
	p = kt_raw_alloc_page();
	if (p)
		kt_pages++;
	return p;
}

static inline void kt_free_page(void *p)
{
	kt_pages--;
	kt_raw_free_page(p);
}

static inline long kt_pages_in_use(void)
{
	return kt_pages;
}

/* Deterministic xorshift so a failure reproduces in both backends. */
static inline u64 kt_rand(u64 *state)
{
	u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

#endif /* _KHO_LIB_TEST_H */
