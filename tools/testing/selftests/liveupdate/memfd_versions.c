// SPDX-License-Identifier: GPL-2.0
/*
 * memfd format versions across kexec (family "memfd" of the registry:
 * version 1 = dense folio array, no seals; version 2 = kho_array with the
 * seals, the only one written by default):
 *
 *   memfd_versions MODE 1   enable the versions of MODE, preserve memfds,
 *                           check which versions hold them, leave a daemon
 *   memfd_versions MODE 2   retrieve; check the version that was read
 *
 *   MODE  written   next kernel                          reads
 *   v1    1         normal                               1 (seals lost)
 *   v2    2         normal                               2
 *   both  1 and 2   normal                               2
 *   both-read-v1    kho_registry_unreadable=memfd:2      1
 *
 * Which version was read shows in the seals: kept by version 2 only.
 */
#define _GNU_SOURCE
#include "memfd_util.h"

#define UNREADABLE_MSG	"kho_registry: memfd:2 made unreadable (debug)"
#define FREE_SIZE	(32 * MIB)

static const struct mf mfs[] = {
	{ "sealed", 1, MIB, 0, MIB, 1, F_SEAL_GROW | F_SEAL_SHRINK, 4242 },
	{ "thp", 2, 8 * MIB, 0, 4 * MIB, 2, 0, 0, 1 },
	{ "sparse", 3, GIB, GIB / 2, MIB + 8, 3, 0, 9 },
	{ "empty", 4, 0, 0, 0, 4 },
	{ "free", 5, FREE_SIZE, 0, FREE_SIZE, 5 },
	{ "sealable", 6, 2 * PAGE, PAGE, PAGE, 6, 0, 1 },
};
#define NR_MFS	ARRAY_SIZE(mfs)

static int writes_v1(const char *mode)
{
	return strcmp(mode, "v2") != 0;
}

static int writes_v2(const char *mode)
{
	return strcmp(mode, "v1") != 0;
}

static int reads_v2(const char *mode)
{
	return !strcmp(mode, "v2") || !strcmp(mode, "both");
}

static void stage1(int luo, const char *mode)
{
	int s = luo_create_session(luo, "versions");
	unsigned int i;
	int fd;

	/* Enable first: the last writer of a family cannot be disabled. */
	check(!format_write_enable(1, writes_v1(mode)) &&
	      !format_write_enable(2, writes_v2(mode)) &&
	      read_long(FORMATS "/1/write_enabled") == writes_v1(mode) &&
	      read_long(FORMATS "/2/write_enabled") == writes_v2(mode),
	      "%s: write_enabled v1=%d v2=%d", mode, writes_v1(mode),
	      writes_v2(mode));
	check(s >= 0, "session");
	for (i = 0; i < NR_MFS; i++) {
		fd = mf_create(&mfs[i]);
		check(luo_preserve(s, fd, mfs[i].token) == 0, "%s: preserve",
		      mfs[i].name);
	}
	check(format_objects(1) == (writes_v1(mode) ? (long)NR_MFS : 0) &&
	      format_objects(2) == (writes_v2(mode) ? (long)NR_MFS : 0),
	      "objects: %ld in v1, %ld in v2", format_objects(1),
	      format_objects(2));
	close(luo);
	daemonize(NULL, NULL, NULL);
}

static void stage2(int luo, const char *mode)
{
	int v2 = reads_v2(mode), unreadable = !strcmp(mode, "both-read-v1");
	int s = luo_retrieve_session(luo, "versions");
	long hp0 = meminfo_kb("ShmemHugePages");
	int fds[NR_MFS];
	unsigned int i, seals;

	check(klog_count(UNREADABLE_MSG) == unreadable, "%s: log line \"%s\" %s",
	      mode, UNREADABLE_MSG, unreadable ? "present" : "absent");
	check(s >= 0, "session back");
	for (i = 0; i < NR_MFS; i++) {
		/* Version 1 files come back like shmem_file_setup() ones. */
		seals = v2 ? mfs[i].seals : F_SEAL_SEAL;
		fds[i] = luo_retrieve(s, mfs[i].token);
		mf_check(fds[i], &mfs[i], seals);
	}
	check(hp0 == 0 && meminfo_kb("ShmemHugePages") == 4 * MIB / KIB,
	      "thp: large folios back (ShmemHugePages %ld -> %ld kB)", hp0,
	      meminfo_kb("ShmemHugePages"));
	check(klog_count("cannot restore") == 0 &&
	      klog_count("no readable version") == 0, "no restore error logged");
	check(luo_finish(s) == 0, "finish");
	/* Seals decide: grow the sealed file and seal the sealable one. */
	if (v2) {
		check(ftruncate(fds[0], 2 * MIB) == -1 && errno == EPERM,
		      "sealed: still cannot grow (v2 read)");
		check(fcntl(fds[5], F_ADD_SEALS, F_SEAL_GROW) == 0,
		      "sealable: still sealable (v2 read)");
	} else {
		check(ftruncate(fds[0], 2 * MIB) == 0,
		      "sealed: grows, seals not kept (v1 read)");
		check(fcntl(fds[5], F_ADD_SEALS, F_SEAL_GROW) == -1 &&
		      errno == EPERM, "sealable: no longer sealable (v1 read)");
	}
	check_close_frees(fds[4], FREE_SIZE, "free");
	for (i = 0; i < NR_MFS; i++)
		if (i != 4)
			close(fds[i]);
	check(meminfo_kb("ShmemHugePages") == 0, "thp: freed at close");
	close(s);
}

int main(int argc, char **argv)
{
	int luo = open(LUO_DEVICE, O_RDWR);
	const char *mode = argc > 1 ? argv[1] : "";

	if (argc < 3 || luo < 0 ||
	    (strcmp(mode, "v1") && strcmp(mode, "v2") && strcmp(mode, "both") &&
	     strcmp(mode, "both-read-v1"))) {
		fprintf(stderr, "usage: memfd_versions v1|v2|both|both-read-v1 1|2 (%s)\n",
			strerror(errno));
		return 2;
	}
	if (!strcmp(argv[2], "1"))
		stage1(luo, mode);
	else
		stage2(luo, mode);
	return done();
}
