// SPDX-License-Identifier: GPL-2.0
/*
 * A fragmented handover: a memfd whose pages are physically isolated, so
 * that every page is a run of its own in the map of preserved memory.
 *
 *   memfd_scale 1 PAGES [contig]  write 2 * PAGES pages, punch out every
 *                                 other one (with "contig": write PAGES
 *                                 pages, punch nothing), preserve the file
 *                                 in session "scale", leave a daemon
 *   memfd_scale 2 PAGES [contig]  retrieve it, check every byte of the
 *                                 file (data and holes), size and blocks
 *
 * Each stage prints its times as "# name: N ms" lines.
 */
#define _GNU_SOURCE
#include <time.h>
#include "memfd_util.h"

#define SEED	0x5ca1e

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Pages of the file, and whether page @i holds data. */
static unsigned long file_pages(unsigned long pages, int contig)
{
	return contig ? pages : 2 * pages;
}

static int has_data(unsigned long i, int contig)
{
	return contig || !(i & 1);
}

static int create(unsigned long pages, int contig)
{
	unsigned long n = file_pages(pages, contig), i;
	int fd = memfd_create("scale", 0);
	double t = now_ms();

	if (!check(fd >= 0 && ftruncate(fd, n * PAGE) == 0 &&
		   fill(fd, 0, n * PAGE, SEED) == 0, "write %lu pages", n))
		return -1;
	for (i = 0; i < n; i++) {
		if (has_data(i, contig))
			continue;
		if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      i * PAGE, PAGE)) {
			check(0, "punch page %lu: %s", i, strerror(errno));
			return -1;
		}
	}
	printf("# fill: %.0f ms\n", now_ms() - t);
	return fd;
}

/* Every byte: data pages hold the pattern, the others read as zero. */
static int verify_all(int fd, unsigned long pages, int contig)
{
	static unsigned char buf[CHUNK], want[CHUNK];
	unsigned long n = file_pages(pages, contig), off, i, bad = 0;
	struct stat st;

	for (off = 0; off < n * PAGE; off += CHUNK) {
		if (pread(fd, buf, CHUNK, off) != CHUNK)
			return check(0, "read at %lu", off);
		for (i = 0; i < CHUNK; i += PAGE) {
			if (has_data((off + i) / PAGE, contig))
				pattern_buf(want + i, off + i, PAGE, SEED);
			else
				memset(want + i, 0, PAGE);
		}
		if (memcmp(buf, want, CHUNK))
			bad++;
	}
	check(!bad, "every byte of %lu pages (%lu bad chunks)", n, bad);
	if (fstat(fd, &st))
		return check(0, "fstat: %s", strerror(errno));
	return check(st.st_size == (off_t)(n * PAGE) &&
		     st.st_blocks == (blkcnt_t)(pages * PAGE / 512),
		     "size %ld blocks %ld", (long)st.st_size,
		     (long)st.st_blocks);
}

int main(int argc, char **argv)
{
	int stage = argc > 2 ? atoi(argv[1]) : 0;
	unsigned long pages = argc > 2 ? strtoul(argv[2], NULL, 0) : 0;
	int contig = argc > 3 && !strcmp(argv[3], "contig");
	int luo = open(LUO_DEVICE, O_RDWR), s, fd;
	double t;

	if (luo < 0 || stage < 1 || stage > 2 || !pages ||
	    pages % (CHUNK / PAGE)) {
		fprintf(stderr, "usage: memfd_scale 1|2 PAGES [contig] (%s)\n",
			strerror(errno));
		return 2;
	}
	if (stage == 1) {
		fd = create(pages, contig);
		s = luo_create_session(luo, "scale");
		t = now_ms();
		check(fd >= 0 && s >= 0 && luo_preserve(s, fd, 1) == 0,
		      "preserve %lu %s pages", pages,
		      contig ? "contiguous" : "isolated");
		printf("# preserve: %.0f ms\n", now_ms() - t);
		close(luo);
		daemonize(NULL, NULL, NULL);
		return done();
	}
	t = now_ms();
	s = luo_retrieve_session(luo, "scale");
	fd = s < 0 ? s : luo_retrieve(s, 1);
	printf("# retrieve: %.0f ms\n", now_ms() - t);
	if (check(fd >= 0, "retrieve (%d)", fd)) {
		t = now_ms();
		verify_all(fd, pages, contig);
		printf("# verify: %.0f ms\n", now_ms() - t);
	}
	check(s >= 0 && luo_finish(s) == 0, "finish");
	return done();
}
