// SPDX-License-Identifier: GPL-2.0
/*
 * memfd across kexec, two stages (see luo_kexec.c for the pattern):
 *   memfd_kexec 1   create memfds, preserve them, leave a daemon
 *   memfd_kexec 2   retrieve and check every byte, size, position, seals
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "luo_util.h"

#define MIB		(1UL << 20)
#define SPARSE_SIZE	(1UL << 40)	/* 1 TiB file... */
#define SPARSE_DATA	(16 * MIB)	/* ...holding this, scattered */
#define SPARSE_CHUNK	(1 * MIB)

static int failures, checks;

static void check(int ok, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++checks, what);
	failures += !ok;
}

static unsigned long pattern(unsigned long off, unsigned long seed)
{
	return (off * 0x9e3779b97f4a7c15UL) ^ seed;
}

static int fill(int fd, unsigned long off, unsigned long len, unsigned long seed)
{
	static unsigned long buf[8192];
	unsigned long done, i, n;

	for (done = 0; done < len; done += n) {
		n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		for (i = 0; i < n / 8; i++)
			buf[i] = pattern(off + done + i * 8, seed);
		if (pwrite(fd, buf, n, off + done) != (ssize_t)n)
			return -1;
	}
	return 0;
}

static int verify(int fd, unsigned long off, unsigned long len,
		  unsigned long seed)
{
	static unsigned long buf[8192];
	unsigned long done, i, n;

	for (done = 0; done < len; done += n) {
		n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		if (pread(fd, buf, n, off + done) != (ssize_t)n)
			return 0;
		for (i = 0; i < n / 8; i++)
			if (buf[i] != pattern(off + done + i * 8, seed))
				return 0;
	}
	return 1;
}

static unsigned long sparse_off(int i)
{
	return (unsigned long)i * (SPARSE_SIZE / (SPARSE_DATA / SPARSE_CHUNK));
}

static void stage1(int luo)
{
	int s = luo_create_session(luo, "memfd");
	int empty = memfd_create("empty", 0);
	int one = memfd_create("one", MFD_ALLOW_SEALING);
	int sparse = memfd_create("sparse", 0);
	int i, err;

	check(s >= 0 && empty >= 0 && one >= 0 && sparse >= 0, "create");
	check(ftruncate(one, 4096) == 0 && fill(one, 0, 4096, 1) == 0 &&
	      lseek(one, 123, SEEK_SET) == 123 &&
	      fcntl(one, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0,
	      "one page, position 123, sealed");
	check(ftruncate(sparse, SPARSE_SIZE) == 0, "1 TiB size");
	for (i = 0; i < SPARSE_DATA / SPARSE_CHUNK; i++)
		if (fill(sparse, sparse_off(i), SPARSE_CHUNK, 3))
			break;
	check(i == SPARSE_DATA / SPARSE_CHUNK, "sparse data written");
	check(luo_preserve(s, empty, 1) == 0, "preserve empty");
	check(luo_preserve(s, one, 2) == 0, "preserve one page");
	check(luo_preserve(s, sparse, 3) == 0, "preserve sparse");
	check(ftruncate(sparse, 4096) == -1 && errno == EPERM, "no shrink");
	check(fallocate(sparse, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			4096) == -1 && errno == EPERM, "no hole punch");
	check(pwrite(empty, "x", 1, 0) == -1 && errno == EPERM, "no grow");
	/* Into a hole after preserve: picked up at kexec. */
	err = fill(sparse, SPARSE_SIZE / 2 + SPARSE_CHUNK, SPARSE_CHUNK, 4);
	check(!err, "write into a hole after preserve");
	close(luo);
	fflush(stdout);
	if (fork() == 0) {
		setsid();
		close(0);
		close(1);
		close(2);
		for (;;)
			pause();
	}
}

static void stage2(int luo)
{
	int s = luo_retrieve_session(luo, "memfd");
	int empty = s < 0 ? s : luo_retrieve(s, 1);
	int one = s < 0 ? s : luo_retrieve(s, 2);
	int sparse = s < 0 ? s : luo_retrieve(s, 3);
	struct stat st;
	int i;

	check(s >= 0 && empty >= 0 && one >= 0 && sparse >= 0, "retrieve");
	check(!fstat(empty, &st) && st.st_size == 0 && st.st_blocks == 0,
	      "empty memfd");
	check(!fstat(one, &st) && st.st_size == 4096 && verify(one, 0, 4096, 1),
	      "one page content");
	check(lseek(one, 0, SEEK_CUR) == 123, "position kept");
	check(fcntl(one, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW),
	      "seals kept");
	check(!fstat(sparse, &st) && st.st_size == (off_t)SPARSE_SIZE &&
	      st.st_blocks * 512 == SPARSE_DATA + SPARSE_CHUNK,
	      "1 TiB sparse: size and blocks");
	for (i = 0; i < SPARSE_DATA / SPARSE_CHUNK; i++)
		if (!verify(sparse, sparse_off(i), SPARSE_CHUNK, 3))
			break;
	check(i == SPARSE_DATA / SPARSE_CHUNK, "sparse content");
	check(verify(sparse, SPARSE_SIZE / 2 + SPARSE_CHUNK, SPARSE_CHUNK, 4),
	      "hole written after preserve");
	check(luo_finish(s) == 0, "finish");
	/* An ordinary memfd again. */
	check(ftruncate(sparse, 4096) == 0 && !fstat(sparse, &st) &&
	      st.st_blocks <= 8, "truncate after finish");
}

int main(int argc, char **argv)
{
	int luo = open(LUO_DEVICE, O_RDWR);

	if (argc < 2 || luo < 0) {
		fprintf(stderr, "usage: memfd_kexec 1|2 (%s)\n", strerror(errno));
		return 2;
	}
	if (!strcmp(argv[1], "1"))
		stage1(luo);
	else
		stage2(luo);
	printf("# %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
