// SPDX-License-Identifier: GPL-2.0
/*
 * memfd-demo: the memfd live update demo, two stages.
 *
 *   memfd-demo 1   build a 768 MiB memfd holding 512 MiB (4 KiB pages and
 *                  THP, with holes), checksum it, preserve it through
 *                  /dev/liveupdate, leave a daemon holding the session
 *   memfd-demo 2   after the kexec: retrieve it, verify every byte,
 *                  checksum it again, finish
 *
 * Prints "DEMO key value" lines for tools/testing/vm/demo.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#define MIB		(1UL << 20)
#define SIZE		(768 * MIB)
#define SMALL_END	(256 * MIB)	/* 4 KiB pages, every 16th MiB a hole */
#define THP_START	(384 * MIB)	/* THP from here... */
#define THP_END		(656 * MIB)	/* ...to here */
#define TOKEN		0xdeULL

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int has_data(unsigned long off)
{
	if (off < SMALL_END)
		return (off / MIB) % 16 != 15;
	return off >= THP_START && off < THP_END;
}

static unsigned long word(unsigned long off)
{
	return (off * 0x9e3779b97f4a7c15UL) ^ 0x5a5a5a5a5a5a5a5aUL;
}

static void fill(unsigned long *p, unsigned long off, unsigned long len)
{
	unsigned long i;

	for (i = 0; i < len / 8; i++)
		p[i] = word(off + i * 8);
}

/* FNV-1a over 64-bit words of the whole file, holes included. */
static unsigned long checksum(int fd, int verify, int *bad)
{
	static unsigned long buf[MIB / 8];
	unsigned long h = 0xcbf29ce484222325UL, off, i;

	for (off = 0; off < SIZE; off += MIB) {
		if (pread(fd, buf, MIB, off) != (ssize_t)MIB) {
			(*bad)++;
			return 0;
		}
		for (i = 0; i < MIB / 8; i++) {
			h = (h ^ buf[i]) * 0x100000001b3UL;
			if (verify && buf[i] != (has_data(off) ? word(off + i * 8) : 0))
				(*bad)++;
		}
	}
	return h;
}

static long meminfo_kb(const char *key)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = atol(line + strlen(key) + 1);
	if (f)
		fclose(f);
	return v;
}

static int shmem_thp(const char *mode)
{
	int fd = open("/sys/kernel/mm/transparent_hugepage/shmem_enabled",
		      O_WRONLY);
	int ok = fd >= 0 && write(fd, mode, strlen(mode)) == (ssize_t)strlen(mode);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static int die(const char *what)
{
	printf("DEMO error %s: %s\n", what, strerror(errno));
	return 1;
}

static int stage1(void)
{
	struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs),
						      .name = "demo" };
	struct liveupdate_session_preserve_fd pf = { .size = sizeof(pf),
						     .token = TOKEN };
	static unsigned long buf[MIB / 8];
	int fd, luo, bad = 0;
	unsigned long off, h;
	struct stat st;
	double t;

	fd = memfd_create("demo", MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, SIZE))
		return die("memfd");
	/* shmem picks the folio size when it allocates: 4 KiB, then THP. */
	for (off = 0; off < SIZE; off += MIB) {
		if (off == 0 && shmem_thp("never"))
			return die("shmem THP");
		if (off == THP_START && shmem_thp("always"))
			return die("shmem THP");
		if (!has_data(off))
			continue;
		fill(buf, off, MIB);
		if (pwrite(fd, buf, MIB, off) != (ssize_t)MIB)
			return die("write");
	}

	h = checksum(fd, 1, &bad);
	fstat(fd, &st);
	printf("DEMO size_mib %lu\n", SIZE / MIB);
	printf("DEMO data_mib %lu\n", (unsigned long)st.st_blocks * 512 / MIB);
	printf("DEMO thp_mib %ld\n", meminfo_kb("ShmemHugePages") / 1024);
	printf("DEMO checksum_before %016lx\n", h);
	if (bad)
		return die("pattern");

	luo = open("/dev/liveupdate", O_RDWR);
	if (luo < 0 || ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs))
		return die("session");
	pf.fd = fd;
	t = now();
	if (ioctl(cs.fd, LIVEUPDATE_SESSION_PRESERVE_FD, &pf))
		return die("preserve");
	printf("DEMO preserve_ms %.1f\n", (now() - t) * 1000);
	close(fd);
	close(luo);
	fflush(stdout);
	if (fork() == 0) {	/* keeps the session fd through the kexec */
		setsid();
		for (;;)
			pause();
	}
	return 0;
}

static int stage2(void)
{
	struct liveupdate_ioctl_retrieve_session rs = { .size = sizeof(rs),
							.name = "demo" };
	struct liveupdate_session_retrieve_fd rf = { .size = sizeof(rf),
						     .token = TOKEN };
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	struct timespec up;
	int luo, bad = 0;
	unsigned long h;
	double t;

	luo = open("/dev/liveupdate", O_RDWR);
	if (luo < 0 || ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &rs))
		return die("retrieve session");
	t = now();
	if (ioctl(rs.fd, LIVEUPDATE_SESSION_RETRIEVE_FD, &rf))
		return die("retrieve");
	printf("DEMO retrieve_ms %.1f\n", (now() - t) * 1000);
	clock_gettime(CLOCK_BOOTTIME, &up);
	printf("DEMO retrieved_uptime %.2f\n", up.tv_sec + up.tv_nsec / 1e9);
	printf("DEMO thp_mib_after %ld\n", meminfo_kb("ShmemHugePages") / 1024);
	t = now();
	h = checksum(rf.fd, 1, &bad);
	printf("DEMO verify_ms %.0f\n", (now() - t) * 1000);
	printf("DEMO checksum_after %016lx\n", h);
	printf("DEMO bad_words %d\n", bad);
	if (ioctl(rs.fd, LIVEUPDATE_SESSION_FINISH, &fin))
		return die("finish");
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	return argv[1][0] == '1' ? stage1() : stage2();
}
