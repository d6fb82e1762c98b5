/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SHIM_LINUX_BITMAP_H
#define _SHIM_LINUX_BITMAP_H

#include <linux/kernel.h>

#define BITS_TO_LONGS(n)	DIV_ROUND_UP(n, BITS_PER_LONG)

static inline bool test_bit(unsigned long nr, const unsigned long *map)
{
	return (map[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1;
}

static inline void __set_bit(unsigned long nr, unsigned long *map)
{
	map[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}

static inline void __clear_bit(unsigned long nr, unsigned long *map)
{
	map[nr / BITS_PER_LONG] &= ~(1UL << (nr % BITS_PER_LONG));
}

static inline bool __test_and_set_bit(unsigned long nr, unsigned long *map)
{
	bool old = test_bit(nr, map);

	__set_bit(nr, map);
	return old;
}

static inline unsigned long find_next_bit(const unsigned long *map,
					  unsigned long size, unsigned long b)
{
	for (; b < size; b++)
		if (test_bit(b, map))
			return b;
	return size;
}

static inline unsigned long find_next_zero_bit(const unsigned long *map,
					       unsigned long size,
					       unsigned long b)
{
	for (; b < size; b++)
		if (!test_bit(b, map))
			return b;
	return size;
}

static inline void bitmap_set(unsigned long *map, unsigned long start,
			      unsigned long n)
{
	while (n--)
		__set_bit(start++, map);
}

static inline void bitmap_clear(unsigned long *map, unsigned long start,
				unsigned long n)
{
	while (n--)
		__clear_bit(start++, map);
}

static inline void bitmap_fill(unsigned long *map, unsigned long n)
{
	memset(map, 0xff, BITS_TO_LONGS(n) * sizeof(long));
}

static inline bool bitmap_equal(const unsigned long *a, const unsigned long *b,
				unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (test_bit(i, a) != test_bit(i, b))
			return false;
	return true;
}

/* Only whole, aligned 64-bit reads are used. */
static inline unsigned long bitmap_read(const unsigned long *map,
					unsigned long start, unsigned long n)
{
	assert(n == BITS_PER_LONG && start % BITS_PER_LONG == 0);
	return map[start / BITS_PER_LONG];
}

#endif /* _SHIM_LINUX_BITMAP_H */
