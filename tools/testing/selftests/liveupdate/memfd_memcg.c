// SPDX-License-Identifier: GPL-2.0
/*
 * Restored memfds are charged to the memory cgroup of the process that
 * retrieves them, and a retrieve that cannot be charged loses nothing
 * (cgroup v2 mounted on /sys/fs/cgroup by tests/memfd-memcg.sh):
 *
 *   memfd_memcg 1   preserve A (64 MiB of small pages), T (16 MiB of
 *                   PMD-sized folios) and F (1 MiB), leave a daemon
 *   memfd_memcg 2   in cgroup lu-a: A with memory.max 8 MiB, then 40 MiB
 *                   (the charge fails early, then midway): ENOMEM, and
 *                   memory.current, Shmem and free memory are back where
 *                   they were; T with 8 MiB (a large folio fails): same.
 *                   memory.max raised: A comes back, lu-a grew by 64 MiB,
 *                   every byte. T from another cgroup, lu-b, which grows
 *                   by 16 MiB instead. F with the Nth allocation of the
 *                   retrieve failing (fail-nth), N = 1, 2, ... until it
 *                   succeeds: every failure leaves it retrievable.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include "memfd_util.h"

#define CG		"/sys/fs/cgroup"
#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define FAILPAGE	"/sys/kernel/debug/fail_page_alloc/"

static const struct mf files[] = {
	{ .name = "A", .token = 1, .size = 64 * MIB, .len = 64 * MIB,
	  .seed = 0xa11 },
	{ .name = "T", .token = 2, .size = 16 * MIB, .len = 16 * MIB,
	  .seed = 0x7e2, .thp = 1 },
	{ .name = "F", .token = 3, .size = 1 * MIB, .len = 1 * MIB,
	  .seed = 0xf33 },
};

static long cg_long(const char *cg, const char *file)
{
	char path[256];

	snprintf(path, sizeof(path), CG "/%s/%s", cg, file);
	return read_long(path);
}

static int cg_write(const char *cg, const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), CG "/%s/%s", cg, file);
	return write_str(path, val);
}

/* Make cgroup @cg with memory.max @max and move this process into it. */
static int cg_enter(const char *cg, const char *max)
{
	char path[256], pid[32];

	snprintf(path, sizeof(path), CG "/%s", cg);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	return cg_write(cg, "memory.max", max) ?: cg_write(cg, "cgroup.procs", pid);
}

/* The "max" line of memory.events of @cg: times the limit was hit. */
static long cg_max_events(const char *cg)
{
	char path[256], line[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), CG "/%s/memory.events", cg);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "max ", 4))
			v = strtol(line + 4, NULL, 10);
	fclose(f);
	return v;
}

/*
 * A retrieve of @m from cgroup @cg (memory.max @max) that must fail with
 * ENOMEM and leave nothing behind: memory.current of @cg, Shmem and free
 * memory where they were (the folios stay with the incoming state).
 */
static void retrieve_fails(int s, const struct mf *m, const char *cg,
			   const char *max)
{
	long cur0, sh0, free0, ev0, cur1, sh1, free1;
	int fd;

	if (!check(cg_write(cg, "memory.max", max) == 0, "%s: %s memory.max %s",
		   m->name, cg, max))
		return;
	cur0 = cg_long(cg, "memory.current");
	ev0 = cg_max_events(cg);
	sh0 = meminfo_kb("Shmem");
	free0 = free_kb();
	fd = luo_retrieve(s, m->token);
	cur1 = cg_long(cg, "memory.current");
	sh1 = meminfo_kb("Shmem");
	/* Per-CPU LRU batches and RCU-freed xarray nodes settle late. */
	usleep(300000);
	free1 = free_kb();
	check(fd == -ENOMEM, "%s: retrieve in %s with memory.max %s: %s (want ENOMEM)",
	      m->name, cg, max, fd >= 0 ? "success" : strerror(-fd));
	if (fd >= 0)
		close(fd);
	check(cg_max_events(cg) > ev0, "%s: the charge reached memory.max (events %ld -> %ld)",
	      m->name, ev0, cg_max_events(cg));
	check(cur1 <= cur0 + 1024 * (long)KIB,
	      "%s: %s memory.current back: %ld -> %ld kB", m->name, cg,
	      cur0 / (long)KIB, cur1 / (long)KIB);
	check(labs(sh1 - sh0) <= 2048, "%s: Shmem back: %ld -> %ld kB",
	      m->name, sh0, sh1);
	check(labs(free1 - free0) <= 2048, "%s: free memory back: %ld -> %ld kB",
	      m->name, free0, free1);
}

/* Retrieve @m in @cg, which must grow by the size of the file. */
static int retrieve_charged(int s, const struct mf *m, const char *cg)
{
	long cur0 = cg_long(cg, "memory.current"), cur1;
	int fd = luo_retrieve(s, m->token);

	cur1 = cg_long(cg, "memory.current");
	if (!check(fd >= 0, "%s: retrieve in %s (%s)", m->name, cg,
		   fd >= 0 ? "ok" : strerror(-fd)))
		return -1;
	check(cur1 - cur0 >= (long)m->size - 256 * (long)KIB &&
	      cur1 - cur0 <= (long)(m->size + 4 * MIB),
	      "%s: %s memory.current grew by %ld kB (file %lu kB)", m->name,
	      cg, (cur1 - cur0) / (long)KIB, m->size / KIB);
	mf_check(fd, m, 0);
	return fd;
}

/* Arm fail-nth of this thread: the @n-th fault-injection point fails. */
static int fail_nth(unsigned int n)
{
	char v[16];

	snprintf(v, sizeof(v), "%u", n);
	return write_str("/proc/thread-self/fail-nth", v);
}

/*
 * Every allocation of a retrieve fails once, in turn: each failure must
 * leave the file retrievable, and the retrieve that finally goes through
 * returns every byte.
 */
static int retrieve_fail_nth(int s, const struct mf *m)
{
	static const char *const knobs[] = {
		FAILSLAB "ignore-gfp-wait", FAILSLAB "verbose",
		FAILPAGE "ignore-gfp-wait", FAILPAGE "ignore-gfp-highmem",
		FAILPAGE "min-order", FAILPAGE "verbose",
	};
	static const char *const vals[] = { "N", "0", "N", "N", "0", "0" };
	unsigned int n, failed = 0, other = 0;
	long sh0 = meminfo_kb("Shmem");
	int fd = -1, err = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(knobs) && !err; i++)
		err = write_str(knobs[i], vals[i]);
	if (!check(!err, "fault injection set up (%s)", strerror(-err)))
		return -1;
	for (n = 1; n <= 2000 && fd < 0; n++) {
		if (fail_nth(n))
			break;
		fd = luo_retrieve(s, m->token);
		fail_nth(0);
		if (fd < 0) {
			failed++;
			/* shmem: ENOSPC if the inode cannot be allocated */
			other += fd != -ENOMEM && fd != -ENOSPC;
			if (fd != -ENOMEM && fd != -ENOSPC)
				printf("# %s: failure %u: %s\n", m->name, n,
				       strerror(-fd));
		}
	}
	check(fd >= 0 && failed > 0 && !other,
	      "%s: retrieve with the Nth allocation failing: %u failures (%u neither ENOMEM nor ENOSPC), then %s",
	      m->name, failed, other, fd >= 0 ? "success" : "still failing");
	check(meminfo_kb("Shmem") - sh0 <= (long)(m->size / KIB + 512),
	      "%s: Shmem grew by %ld kB (file %lu kB)", m->name,
	      meminfo_kb("Shmem") - sh0, m->size / KIB);
	if (fd >= 0)
		mf_check(fd, m, 0);
	return fd;
}

int main(int argc, char **argv)
{
	int stage = argc > 1 ? atoi(argv[1]) : 0;
	int luo = open(LUO_DEVICE, O_RDWR), s, fds[ARRAY_SIZE(files)];
	size_t i;

	if (luo < 0 || stage < 1 || stage > 2) {
		fprintf(stderr, "usage: memfd_memcg 1|2 (%s)\n", strerror(errno));
		return 2;
	}
	if (stage == 1) {
		s = luo_create_session(luo, "memcg");
		check(s >= 0, "session (%d)", s);
		for (i = 0; i < ARRAY_SIZE(files) && s >= 0; i++) {
			fds[i] = mf_create(&files[i]);
			check(fds[i] >= 0 && luo_preserve(s, fds[i], files[i].token) == 0,
			      "%s: preserved", files[i].name);
		}
		close(luo);
		daemonize(NULL, NULL, NULL);
		return done();
	}
	s = luo_retrieve_session(luo, "memcg");
	if (!check(s >= 0, "retrieve session (%d)", s))
		return done();
	if (!check(cg_write("", "cgroup.subtree_control", "+memory") == 0 &&
		   cg_enter("lu-a", "8M") == 0 && cg_enter("lu-b", "max") == 0 &&
		   cg_enter("lu-a", "8M") == 0, "cgroups lu-a and lu-b, in lu-a"))
		return done();
	retrieve_fails(s, &files[0], "lu-a", "8M");
	retrieve_fails(s, &files[0], "lu-a", "40M");
	retrieve_fails(s, &files[1], "lu-a", "8M");
	check(klog_count("memfd_luo: retrieve") >= 3,
	      "a log line for each failed charge (%d)",
	      klog_count("memfd_luo: retrieve"));
	cg_write("lu-a", "memory.max", "max");
	fds[0] = retrieve_charged(s, &files[0], "lu-a");
	check(cg_enter("lu-b", "max") == 0, "moved to lu-b");
	fds[1] = retrieve_charged(s, &files[1], "lu-b");
	fds[2] = retrieve_fail_nth(s, &files[2]);
	check(luo_finish(s) == 0, "finish");
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		if (fds[i] < 0)
			continue;
		check(verify(fds[i], 0, files[i].size, files[i].seed),
		      "%s: every byte after finish", files[i].name);
		check_close_frees(fds[i], files[i].size, files[i].name);
	}
	return done();
}
