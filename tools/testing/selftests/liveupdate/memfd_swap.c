// SPDX-License-Identifier: GPL-2.0
/*
 * A memfd whose pages are in swap when it is preserved (swap on zram,
 * started by tests/memfd-swap.sh):
 *
 *   memfd_swap 1   fill a memfd, push it out with MADV_PAGEOUT, check
 *                  that most of it left memory, preserve it, leave a
 *                  daemon
 *   memfd_swap 2   retrieve it, check every byte, finish; then push the
 *                  restored pages out again and check every byte once
 *                  more (restored folios are ordinary shmem folios)
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include "memfd_util.h"

#define SIZE	(32 * MIB)
#define SEED	0x5a9

/* Pages of [@map, @map + SIZE) in memory. */
static unsigned long resident(void *map)
{
	static unsigned char vec[SIZE / PAGE];
	unsigned long i, n = 0;

	if (mincore(map, SIZE, vec))
		return ~0UL;
	for (i = 0; i < SIZE / PAGE; i++)
		n += vec[i] & 1;
	return n;
}

/* Push the file out to swap; report how much stayed in memory. */
static int page_out(int fd, const char *when)
{
	long swap0 = meminfo_kb("SwapFree");
	/* MADV_PAGEOUT acts on the pages mapped: map them all. */
	void *map = mmap(NULL, SIZE, PROT_READ, MAP_SHARED | MAP_POPULATE,
			 fd, 0);
	unsigned long left;

	if (map == MAP_FAILED)
		return check(0, "%s: mmap: %s", when, strerror(errno));
	if (madvise(map, SIZE, MADV_PAGEOUT)) {
		munmap(map, SIZE);
		return check(0, "%s: MADV_PAGEOUT: %s", when, strerror(errno));
	}
	left = resident(map);
	munmap(map, SIZE);
	return check(left < SIZE / PAGE / 4,
		     "%s: %lu of %lu pages left in memory, swap used %ld kB",
		     when, left, SIZE / PAGE, swap0 - meminfo_kb("SwapFree"));
}

int main(int argc, char **argv)
{
	int stage = argc > 1 ? atoi(argv[1]) : 0;
	int luo = open(LUO_DEVICE, O_RDWR), s, fd;

	if (luo < 0 || stage < 1 || stage > 2) {
		fprintf(stderr, "usage: memfd_swap 1|2 (%s)\n", strerror(errno));
		return 2;
	}
	if (stage == 1) {
		fd = memfd_create("swapped", 0);
		if (!check(fd >= 0 && ftruncate(fd, SIZE) == 0 &&
			   fill(fd, 0, SIZE, SEED) == 0, "fill %lu MiB",
			   SIZE / MIB))
			return done();
		page_out(fd, "before preserve");
		s = luo_create_session(luo, "swap");
		/* Not read again here: that would bring it back from swap. */
		check(s >= 0 && luo_preserve(s, fd, 1) == 0,
		      "preserve a memfd that is in swap");
		close(luo);
		daemonize(NULL, NULL, NULL);
		return done();
	}
	s = luo_retrieve_session(luo, "swap");
	fd = s < 0 ? s : luo_retrieve(s, 1);
	if (!check(fd >= 0, "retrieve (%d)", fd))
		return done();
	check(verify(fd, 0, SIZE, SEED), "every byte after the kexec");
	check(luo_finish(s) == 0, "finish");
	page_out(fd, "after restore");
	check(verify(fd, 0, SIZE, SEED), "every byte after swap-in");
	return done();
}
