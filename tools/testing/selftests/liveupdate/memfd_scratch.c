// SPDX-License-Identifier: GPL-2.0
/*
 * KHO scratch serves movable allocations (MIGRATE_CMA pageblocks), and a
 * memfd preserved while some of its pages lie there comes back whole:
 *
 *   memfd_scratch 1     check that CmaTotal is the size of the scratch
 *                       areas; fill a filler memfd until movable
 *                       allocations reach scratch, then a memfd "scratch"
 *                       until most of scratch is used; count its pages
 *                       in scratch (/proc/self/pagemap); free the filler,
 *                       preserve the memfd: the kernel log says how many
 *                       folios it migrated out of scratch, and none of
 *                       its pages is left there; every byte checked;
 *                       leave a daemon
 *   memfd_scratch 2     retrieve it, check every byte, finish
 *   memfd_scratch fill  fill a memfd until half of scratch is used
 *                       (fails if free memory runs out first), free it
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include "memfd_util.h"

#define SEED		0x5c7a
#define STEP		(4 * MIB)
#define MAX_SIZE	(512 * MIB)
#define SCRATCH_FILE	"/sys/kernel/debug/kho/out/scratch"
#define MIGRATED	" folios migrated out of KHO scratch before preserve"

static unsigned long scratch[8][2];	/* start, end */
static int nr_scratch;

/* Read the scratch areas; their total size in bytes. */
static unsigned long read_scratch(void)
{
	unsigned long addr, size, total = 0;
	FILE *f = fopen(SCRATCH_FILE, "r");

	if (!f)
		return 0;
	while (nr_scratch < 8 && fscanf(f, "%lx %lx", &addr, &size) == 2) {
		scratch[nr_scratch][0] = addr;
		scratch[nr_scratch][1] = addr + size;
		nr_scratch++;
		total += size;
	}
	fclose(f);
	return total;
}

static int pfn_in_scratch(unsigned long pfn)
{
	unsigned long phys = pfn * PAGE;
	int i;

	for (i = 0; i < nr_scratch; i++)
		if (phys >= scratch[i][0] && phys < scratch[i][1])
			return 1;
	return 0;
}

/*
 * Pages of the first @size bytes of @fd that lie in scratch, from the
 * physical addresses /proc/self/pagemap gives root; -1 on error.
 * *@present: pages found in memory.
 */
static long pages_in_scratch(int fd, unsigned long size,
			     unsigned long *present)
{
	unsigned long n = size / PAGE, i, e;
	unsigned long *ent = malloc(n * sizeof(*ent));
	unsigned char *map;
	long count = 0;
	int pm;

	*present = 0;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	pm = open("/proc/self/pagemap", O_RDONLY);
	if (!ent || map == MAP_FAILED || pm < 0 ||
	    pread(pm, ent, n * sizeof(*ent),
		  (unsigned long)map / PAGE * sizeof(*ent)) !=
	    (ssize_t)(n * sizeof(*ent)))
		count = -1;
	for (i = 0; count >= 0 && i < n; i++) {
		e = ent[i];
		if (!(e >> 63))
			continue;
		(*present)++;
		count += pfn_in_scratch(e & ((1UL << 55) - 1));
	}
	if (pm >= 0)
		close(pm);
	if (map != MAP_FAILED)
		munmap(map, size);
	free(ent);
	return count;
}

/*
 * Grow @fd by STEP: the pattern of @seed, or (0) pages fallocate()
 * allocates without writing them, faster under TCG. 0 or -1.
 */
static int grow(int fd, unsigned long *size, unsigned long seed)
{
	if (seed ? ftruncate(fd, *size + STEP) || fill(fd, *size, STEP, seed) :
		   fallocate(fd, 0, *size, STEP))
		return -1;
	*size += STEP;
	return 0;
}

/* The count in the last kernel log line holding MIGRATED, or -1. */
static long migrated_logged(void)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *p, *line;
	long n = -1;
	int len;

	if (size <= 0)
		return -1;
	buf = malloc(size + 1);
	if (!buf)
		return -1;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	buf[len > 0 ? len : 0] = '\0';
	for (p = buf; (p = strstr(p, MIGRATED)); p++) {
		for (line = p; line > buf && line[-1] != ' '; line--)
			;
		n = strtol(line, NULL, 10);
	}
	free(buf);
	return n;
}

/* Check that CmaTotal is the total size of the scratch areas. */
static unsigned long check_cma_total(void)
{
	unsigned long total = read_scratch();
	long cma = meminfo_kb("CmaTotal");

	check(total && cma * KIB == (long)total,
	      "CmaTotal %ld kB, scratch areas %lu kB in %d areas", cma,
	      total / KIB, nr_scratch);
	return total;
}

static int stage1(int luo)
{
	long cma_total = check_cma_total() / KIB, in_scratch, after, migrated;
	unsigned long filler_size = 0, size = 0, present;
	int filler, fd, s;

	shmem_thp(0);
	filler = memfd_create("filler", 0);
	fd = memfd_create("scratch", 0);
	if (!check(filler >= 0 && fd >= 0, "create"))
		return done();
	/*
	 * Movable allocations take scratch once the other free memory runs
	 * low (or CMA holds over half of what is free): fill until then.
	 */
	while (meminfo_kb("CmaFree") > cma_total - 4 * (long)(MIB / KIB) &&
	       meminfo_kb("MemFree") > 64 * (long)(MIB / KIB) &&
	       !grow(filler, &filler_size, 0))
		;
	printf("# filler %lu MiB, CmaFree %ld kB, MemFree %ld kB\n",
	       filler_size / MIB, meminfo_kb("CmaFree"), meminfo_kb("MemFree"));
	while (size < MAX_SIZE && meminfo_kb("CmaFree") > cma_total / 4 &&
	       meminfo_kb("MemFree") > 48 * (long)(MIB / KIB) &&
	       !grow(fd, &size, SEED))
		;
	printf("# memfd %lu MiB, CmaFree %ld kB of %ld, MemFree %ld kB\n",
	       size / MIB, meminfo_kb("CmaFree"), cma_total,
	       meminfo_kb("MemFree"));
	in_scratch = pages_in_scratch(fd, size, &present);
	if (!check(in_scratch > 0 && present == size / PAGE,
		   "%ld of the %lu pages of the memfd in scratch before preserve",
		   in_scratch, present))
		return done();
	/* Room outside scratch for the migration. */
	close(filler);
	s = luo_create_session(luo, "scratch");
	if (!check(s >= 0 && luo_preserve(s, fd, 1) == 0, "preserve: %s",
		   strerror(errno)))
		return done();
	migrated = migrated_logged();
	check(migrated >= in_scratch / 2 && migrated <= (long)present,
	      "preserve migrated %ld folios out of scratch (%ld pages were there)",
	      migrated, in_scratch);
	after = pages_in_scratch(fd, size, &present);
	check(after == 0 && present == size / PAGE,
	      "%ld pages of the memfd in scratch after preserve", after);
	check(verify(fd, 0, size, SEED), "every byte after the migration");
	close(luo);
	daemonize(NULL, NULL, NULL);
	return done();
}

static int stage2(int luo)
{
	struct stat st;
	int s, fd;

	check_cma_total();
	s = luo_retrieve_session(luo, "scratch");
	fd = s < 0 ? s : luo_retrieve(s, 1);
	if (!check(fd >= 0 && !fstat(fd, &st) && st.st_size > 0,
		   "retrieve (%d)", fd))
		return done();
	check(verify(fd, 0, st.st_size, SEED),
	      "every byte of %ld MiB after the kexec", (long)(st.st_size / MIB));
	check(luo_finish(s) == 0, "finish");
	close(fd);
	close(s);
	return done();
}

/* A movable fill reaches scratch in this kernel too. */
static int stage_fill(void)
{
	long cma_total = check_cma_total() / KIB, cma_free;
	unsigned long size = 0;
	int fd = memfd_create("fill", 0);

	if (!check(fd >= 0, "create"))
		return done();
	while (meminfo_kb("CmaFree") > cma_total / 2 &&
	       meminfo_kb("MemFree") > 32 * (long)(MIB / KIB) &&
	       !grow(fd, &size, 0))
		;
	cma_free = meminfo_kb("CmaFree");
	check(cma_free <= cma_total / 2,
	      "a %lu MiB memfd brings CmaFree to %ld kB of %ld (MemFree %ld kB)",
	      size / MIB, cma_free, cma_total, meminfo_kb("MemFree"));
	close(fd);
	return done();
}

int main(int argc, char **argv)
{
	const char *stage = argc > 1 ? argv[1] : "";
	int luo;

	if (!strcmp(stage, "fill"))
		return stage_fill();
	luo = open(LUO_DEVICE, O_RDWR);
	if (luo < 0 || (strcmp(stage, "1") && strcmp(stage, "2"))) {
		fprintf(stderr, "usage: memfd_scratch 1|2|fill (%s)\n",
			strerror(errno));
		return 2;
	}
	return *stage == '1' ? stage1(luo) : stage2(luo);
}
