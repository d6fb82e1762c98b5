// SPDX-License-Identifier: GPL-2.0
/*
 * A memfd whose pages are in swap when it is preserved (swap on zram,
 * started by tests/memfd-swap.sh):
 *
 *   memfd_swap 1   fill the first 32 MiB of a 40 MiB memfd, push it out
 *                  with MADV_PAGEOUT, check that most of it left memory,
 *                  preserve it; then write the last 8 MiB (new folios,
 *                  which the freeze must pick up) and push the whole file
 *                  out again: the new folios go to swap, the held ones
 *                  to the swap cache; leave a daemon
 *   memfd_swap 2   retrieve it, check every byte, finish; then push the
 *                  restored pages out again and check every byte once
 *                  more (restored folios are ordinary shmem folios)
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include "memfd_util.h"

#define DATA	(32 * MIB)	/* written before preserve */
#define EXTRA	(8 * MIB)	/* written after preserve */
#define SIZE	(DATA + EXTRA)
#define SEED	0x5a9

/* Pages of [@map, @map + @len) in memory (or in the swap cache). */
static unsigned long resident(void *map, unsigned long len)
{
	static unsigned char vec[SIZE / PAGE];
	unsigned long i, n = 0;

	if (mincore(map, len, vec))
		return ~0UL;
	for (i = 0; i < len / PAGE; i++)
		n += vec[i] & 1;
	return n;
}

/*
 * Push [@off, @off + @len) of the file out to swap. If @check_left, most
 * of it must have left memory (held folios stay: in the swap cache).
 */
static int page_out(int fd, unsigned long off, unsigned long len,
		    int check_left, const char *when)
{
	long swap0 = meminfo_kb("SwapFree");
	/* MADV_PAGEOUT acts on the pages mapped: map them all. */
	void *map = mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE,
			 fd, off);
	unsigned long left;

	if (map == MAP_FAILED)
		return check(0, "%s: mmap: %s", when, strerror(errno));
	if (madvise(map, len, MADV_PAGEOUT)) {
		munmap(map, len);
		return check(0, "%s: MADV_PAGEOUT: %s", when, strerror(errno));
	}
	left = resident(map, len);
	munmap(map, len);
	return check(!check_left || left < len / PAGE / 4,
		     "%s: %lu of %lu pages left in memory, swap used %ld kB",
		     when, left, len / PAGE, swap0 - meminfo_kb("SwapFree"));
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
			   fill(fd, 0, DATA, SEED) == 0, "fill %lu MiB",
			   DATA / MIB))
			return done();
		page_out(fd, 0, DATA, 1, "before preserve");
		s = luo_create_session(luo, "swap");
		/* Not read again here: that would bring it back from swap. */
		check(s >= 0 && luo_preserve(s, fd, 1) == 0,
		      "preserve a memfd that is in swap");
		check(fill(fd, DATA, EXTRA, SEED) == 0,
		      "fill the last %lu MiB after preserve", EXTRA / MIB);
		page_out(fd, DATA, EXTRA, 1, "new folios, after preserve");
		page_out(fd, 0, SIZE, 0, "held folios, after preserve");
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
	page_out(fd, 0, SIZE, 1, "after restore");
	check(verify(fd, 0, SIZE, SEED), "every byte after swap-in");
	return done();
}
