// SPDX-License-Identifier: GPL-2.0
/*
 * memfd_bench: the guest half of `make bench` (tools/testing/vm/bench.sh).
 *
 *   memfd_bench meta 1       four memfd layouts, one session each: for each,
 *                            the folio list (pagemap, kpageflags), what
 *                            upstream's formats would hand over for it,
 *                            and the growth of our KHO map (debugfs)
 *   memfd_bench meta 2       retrieve and finish them (our metadata sizes
 *                            were printed by the freeze of the kernel before)
 *   memfd_bench time 1 MIB 4k|thp
 *                            fill a memfd of MIB MiB, time a page-cache walk
 *                            (mincore), a first touch of every page, a copy
 *                            into a fresh memfd, then PRESERVE_FD
 *   memfd_bench time 2 MIB 4k|thp
 *                            time RETRIEVE_SESSION + RETRIEVE_FD and the
 *                            first touch of every page (checking one word
 *                            of each), then FINISH
 *
 * Results are "BENCH key value" lines; times in ms, sizes in bytes.
 */
#define _GNU_SOURCE
#include <time.h>
#include "memfd_util.h"

#define SEED		0xbe7c4
#define KHO_MAP		"/sys/kernel/debug/kho/out/map"
#define KHO_FINALIZE	"/sys/kernel/debug/kho/out/finalize"

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h) */
#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16

/* Upstream layouts, see /work/shared/UPSTREAM-FACTS.md */
#define UP_FOLIO_SER		16	/* memfd-v1 struct memfd_luo_folio_ser */
#define UP_VMALLOC_PER_CHUNK	511	/* page addresses per kho_vmalloc chunk */
#define UP_BITMAP_BITS		32768	/* kho-v1: blocks per 4 KiB bitmap */
#define UP_PTRS_PER_CHUNK	255	/* kho-v1: bitmap pointers per chunk */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static unsigned long div_up(unsigned long a, unsigned long b)
{
	return (a + b - 1) / b;
}

/* A preserved folio as the handover sees it. */
struct folio_rec {
	unsigned long pfn;
	unsigned long nr;	/* pages */
	unsigned int order;
};

struct layout {
	const char *name;
	unsigned long size;	/* file size */
	unsigned long extent;	/* data extents of this many bytes... */
	unsigned long stride;	/* ...every @stride bytes */
	int thp;		/* written with shmem THP on */
	int punch_odd;		/* then every odd page punched out */
};

/*
 * Fragmented goes last: the pages it punches out are free memory between
 * its own, and a layout built after it would fill them. It is 4 MiB short
 * of 2 GiB so that its folio count differs from contig's: the freeze lines
 * of the kernel log are told apart by it.
 */
static const struct layout layouts[] = {
	{ "contig", GIB, GIB, GIB, 0, 0 },
	{ "thp", GIB, GIB, GIB, 1, 0 },
	{ "sparse", TIB, 64 * KIB, 256 * MIB, 0, 0 },
#define FRAG	(2 * GIB - 4 * MIB)
	{ "frag", FRAG, FRAG, FRAG, 0, 1 },
};

/*
 * Write the pattern's first word of every page of [@off, @off + @len);
 * the rest of each page is zero. The checks read only those words, and
 * generating whole pages of pattern is what made filling slow under TCG.
 * With @thp (@off 0) through a 2 MiB aligned mapping, so that shmem
 * allocates PMD-sized folios; else with pwrite(). 0 or -1.
 */
static int stamp(int fd, unsigned long off, unsigned long len, int thp)
{
	static unsigned long buf[CHUNK / 8];
	unsigned long done, i, n;
	unsigned char *map;

	if (thp) {
		map = shmem_thp(1) ? MAP_FAILED :
		      map_aligned(fd, len, PROT_READ | PROT_WRITE);
		if (map == MAP_FAILED)
			return -1;
		for (i = 0; i < len; i += PAGE)
			*(unsigned long *)(map + i) = pattern(i, SEED);
		munmap(map, len);
		return shmem_thp(0);
	}
	for (done = 0; done < len; done += n) {
		n = len - done < CHUNK ? len - done : CHUNK;
		for (i = 0; i < n; i += PAGE)
			buf[i / 8] = pattern(off + done + i, SEED);
		if (pwrite(fd, buf, n, off + done) != (ssize_t)n)
			return -1;
	}
	return 0;
}

static int page_has_data(const struct layout *l, unsigned long off)
{
	if (off % l->stride >= l->extent)
		return 0;
	return !l->punch_odd || !((off / PAGE) & 1);
}

static int build(const struct layout *l)
{
	int fd = memfd_create(l->name, 0);
	unsigned long off, i;
	int ok = fd >= 0 && !ftruncate(fd, l->size);

	for (off = 0; ok && off < l->size; off += l->stride)
		ok = !stamp(fd, off, l->extent, l->thp);
	for (i = 1; ok && l->punch_odd && i < l->size / PAGE; i += 2)
		ok = !fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				i * PAGE, PAGE);
	if (!check(ok, "%s: built", l->name)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* 8-byte entries of a /proc file, read 512 at a time and kept. */
struct proc_cache {
	int fd;
	unsigned long base, nr;
	unsigned long ent[512];
};

static int proc_ent(struct proc_cache *c, unsigned long i, unsigned long *v)
{
	ssize_t n;

	if (i < c->base || i >= c->base + c->nr) {
		c->base = i & ~511UL;
		n = pread(c->fd, c->ent, sizeof(c->ent), c->base * 8);
		c->nr = n > 0 ? n / 8 : 0;
		if (i >= c->base + c->nr)
			return -1;
	}
	*v = c->ent[i - c->base];
	return 0;
}

/*
 * The pfn of the page mapped at @p. A page being migrated (compaction)
 * shows as a migration entry, not present: touch it again and retry.
 */
static int present(struct proc_cache *pm, unsigned char *p, unsigned long *pfn)
{
	unsigned long ent = 0;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		if (proc_ent(pm, (unsigned long)p / PAGE, &ent))
			return 0;
		if (ent >> 63 && ent & ((1UL << 55) - 1))
			break;
		pm->nr = 0;	/* read it again */
		usleep(1000);
		ent = __atomic_load_n(p, __ATOMIC_RELAXED);
	}
	*pfn = ent & ((1UL << 55) - 1);
	return ent >> 63;
}

/*
 * The folios of @fd in file order: map the data pages (a read fault on
 * a present page allocates nothing), take each page's pfn from pagemap
 * and its compound state from kpageflags.
 */
static long folio_list(const struct layout *l, int fd, struct folio_rec **out)
{
	static struct proc_cache pm, kf;
	unsigned char *map = mmap(NULL, l->size, PROT_READ, MAP_SHARED, fd, 0);
	unsigned long off, cap = l->size / PAGE, n = 0, ent, flags, pages = 0;
	unsigned long sum = 0;	/* of the bytes read, keeps the reads */
	struct folio_rec *f;

	pm.fd = open("/proc/self/pagemap", O_RDONLY);
	kf.fd = open("/proc/kpageflags", O_RDONLY);
	pm.nr = kf.nr = 0;
	if (l->size > 4 * GIB)	/* sparse: at most the present pages */
		cap = l->size / l->stride * (l->extent / PAGE);
	f = calloc(cap, sizeof(*f));
	if (pm.fd < 0 || kf.fd < 0 || map == MAP_FAILED || !f) {
		check(0, "%s: pagemap, kpageflags, mmap: %s", l->name,
		      strerror(errno));
		return -1;
	}
	/* fault in the data pages first: pagemap is read ahead of them */
	for (off = 0; off < l->size; off += PAGE) {
		if (off % l->stride >= l->extent)	/* skip the gap */
			off += l->stride - off % l->stride - PAGE;
		else if (page_has_data(l, off))
			sum += map[off];
	}
	for (off = 0; off < l->size; off += PAGE) {
		if (off % l->stride >= l->extent) {
			off += l->stride - off % l->stride - PAGE;
			continue;
		}
		if (!page_has_data(l, off))
			continue;
		if (!present(&pm, map + off, &ent))
			break;
		ent &= (1UL << 55) - 1;
		if (proc_ent(&kf, ent, &flags))
			break;
		pages++;
		/* in file order, the tails of a folio follow its head */
		if (flags & (1UL << KPF_COMPOUND_TAIL) && n &&
		    ent == f[n - 1].pfn + f[n - 1].nr) {
			f[n - 1].nr++;
			continue;
		}
		f[n].pfn = ent;
		f[n].nr = 1;
		n++;
	}
	for (ent = 0; ent < n; ent++)
		f[ent].order = 63 - __builtin_clzl(f[ent].nr);
	munmap(map, l->size);
	close(pm.fd);
	close(kf.fd);
	if (!check(off >= l->size, "%s: %lu folios over %lu pages (sum %lu)",
		   l->name, n, pages, sum)) {
		free(f);
		return -1;
	}
	*out = f;
	return n;
}

static int cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Distinct values of @k[0..n) >> @shift (sorts @k). */
static unsigned long distinct(unsigned long *k, long n, unsigned int shift)
{
	unsigned long d = 0;
	long i;

	qsort(k, n, sizeof(*k), cmp_ul);
	for (i = 0; i < n; i++)
		d += !i || (k[i] >> shift) != (k[i - 1] >> shift);
	return d;
}

/*
 * What upstream would hand over for the same folios (data folios only;
 * its own metadata pages would add a window or two):
 * memfd-v1: a one-page memfd_luo_ser, a vmalloc array of 16 bytes per
 * folio, and the kho_vmalloc chunks listing that array's pages;
 * kho-v1 (6.16 to 6.19): per order, a 4 KiB bitmap for each window of
 * 32768 blocks holding a preserved one, and a 16-byte pointer to it in
 * one-page chunks of 255; kho-v2 (7.x): the same leaf bitmaps in a radix
 * tree of one-page nodes of 512 entries, keyed as in the facts file.
 */
static void upstream(const char *name, struct folio_rec *f, long n)
{
	unsigned long *key = calloc(n ? n : 1, sizeof(*key));
	unsigned long arr = div_up(n * UP_FOLIO_SER, PAGE), v1 = 0, v2 = 1;
	unsigned int o, lvl;
	long i, m;

	for (o = 0; o <= 10; o++) {
		for (i = 0, m = 0; i < n; i++)
			if (f[i].order == o)
				key[m++] = (f[i].pfn >> o) | (1UL << (52 - o));
		if (!m)
			continue;
		/* per order: windows of 32768 blocks, pointers in chunks */
		v1 += distinct(key, m, 15) * PAGE +
		      div_up(distinct(key, m, 15), UP_PTRS_PER_CHUNK) * PAGE;
	}
	/* kho-v2: one tree over all orders; leaves, then 5 levels of nodes */
	for (i = 0; i < n; i++)
		key[i] = (f[i].pfn >> f[i].order) | (1UL << (52 - f[i].order));
	for (lvl = 0; lvl < 5 && n; lvl++)
		v2 += distinct(key, n, 15 + 9 * lvl);
	printf("BENCH meta %s upstream_memfd_v1 %lu\n", name,
	       (1 + arr + div_up(arr, UP_VMALLOC_PER_CHUNK)) * PAGE);
	printf("BENCH meta %s upstream_kho_v1 %lu\n", name, v1);
	printf("BENCH meta %s upstream_kho_v2 %lu\n", name, v2 * PAGE);
	free(key);
}

/* Bytes of the KHO map if it were written now (finalize, read, abort). */
static long map_bytes(void)
{
	char buf[256], *p;
	long v = -1;
	int fd;
	ssize_t n;

	if (write_str(KHO_FINALIZE, "1"))
		return -1;
	fd = open(KHO_MAP, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		p = strstr(buf, "bytes ");
		if (p)
			v = atol(p + 6);
	}
	if (fd >= 0)
		close(fd);
	if (write_str(KHO_FINALIZE, "0"))
		return -1;
	return v;
}

static int metadata(int stage, int luo)
{
	struct folio_rec *f;
	unsigned int i;
	long n, before, after;
	int fd, s;

	if (stage == 2) {
		for (i = 0; i < ARRAY_SIZE(layouts); i++) {
			s = luo_retrieve_session(luo, layouts[i].name);
			fd = s < 0 ? s : luo_retrieve(s, 1);
			check(fd >= 0 && !luo_finish(s), "%s: retrieved",
			      layouts[i].name);
			close(fd);
			close(s);
		}
		return done();
	}
	shmem_thp(0);
	for (i = 0; i < ARRAY_SIZE(layouts); i++) {
		const struct layout *l = &layouts[i];
		unsigned long pages = 0, p;

		fd = build(l);
		n = fd < 0 ? -1 : folio_list(l, fd, &f);
		if (n < 0)
			return done();
		for (p = 0; p < (unsigned long)n; p++)
			pages += f[p].nr;
		printf("BENCH meta %s folios %ld\n", l->name, n);
		printf("BENCH meta %s bytes %lu\n", l->name, pages * PAGE);
		printf("BENCH meta %s file_bytes %lu\n", l->name, l->size);
		upstream(l->name, f, n);
		free(f);
		before = map_bytes();
		s = luo_create_session(luo, l->name);
		check(s >= 0 && !luo_preserve(s, fd, 1), "%s: preserved", l->name);
		after = map_bytes();
		check(before >= 0 && after >= 0, "%s: KHO map %ld -> %ld bytes",
		      l->name, before, after);
		printf("BENCH meta %s kho_map %ld\n", l->name,
		       after - before);
		close(fd);
		fflush(stdout);
	}
	close(luo);
	daemonize(NULL, NULL, NULL);
	return done();
}

/* One word of each page read through a fresh mapping, checked. */
static double touch(int fd, unsigned long size, unsigned long *bad)
{
	unsigned char *map = map_aligned(fd, size, PROT_READ);
	unsigned long off;
	double t = now_ms();

	if (map == MAP_FAILED)
		return -1;
	for (off = 0; off < size; off += PAGE)
		*bad += *(unsigned long *)(map + off) != pattern(off, SEED);
	t = now_ms() - t;
	munmap(map, size);
	return t;
}

/* mincore() over a fresh mapping: one page-cache lookup per page. */
static double walk(int fd, unsigned long size)
{
	unsigned char *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	unsigned char *vec = malloc(size / PAGE);
	unsigned long i, resident = 0;
	double t = now_ms();

	if (map == MAP_FAILED || !vec || mincore(map, size, vec))
		return -1;
	t = now_ms() - t;
	for (i = 0; i < size / PAGE; i++)
		resident += vec[i] & 1;
	check(resident == size / PAGE, "mincore: %lu resident pages", resident);
	munmap(map, size);
	free(vec);
	return t;
}

/* memcpy of the whole file into a fresh memfd, freed afterwards. */
static double copy(int fd, unsigned long size, int thp)
{
	int dst = memfd_create("copy", 0);
	unsigned char *from, *to;
	double t;

	if (dst < 0 || ftruncate(dst, size) || (thp && shmem_thp(1)))
		return -1;
	from = map_aligned(fd, size, PROT_READ);
	to = map_aligned(dst, size, PROT_READ | PROT_WRITE);
	if (from == MAP_FAILED || to == MAP_FAILED)
		return -1;
	t = now_ms();
	memcpy(to, from, size);
	t = now_ms() - t;
	munmap(from, size);
	munmap(to, size);
	close(dst);
	shmem_thp(0);
	return t;
}

static int timing(int stage, int luo, unsigned long size, int thp)
{
	unsigned long bad = 0;
	double t;
	int fd, s;

	if (stage == 2) {
		t = now_ms();
		s = luo_retrieve_session(luo, "bench");
		fd = s < 0 ? s : luo_retrieve(s, 1);
		t = now_ms() - t;
		if (!check(fd >= 0, "retrieve (%d)", fd))
			return done();
		printf("BENCH time retrieve_ms %.1f\n", t);
		printf("BENCH time retrieve_touch_ms %.1f\n", touch(fd, size, &bad));
		check(!bad, "first word of every page (%lu bad)", bad);
		check(!luo_finish(s), "finish");
		return done();
	}
	shmem_thp(0);
	t = now_ms();
	fd = memfd_create("bench", 0);
	if (!check(fd >= 0 && !ftruncate(fd, size) && !stamp(fd, 0, size, thp),
		   "fill %lu MiB", size / MIB))
		return done();
	printf("BENCH time fill_ms %.1f\n", now_ms() - t);
	printf("BENCH time thp_kb %ld\n", meminfo_kb("ShmemHugePages"));
	printf("BENCH time walk_ms %.1f\n", walk(fd, size));
	printf("BENCH time touch_ms %.1f\n", touch(fd, size, &bad));
	check(!bad, "first word of every page (%lu bad)", bad);
	printf("BENCH time copy_ms %.1f\n", copy(fd, size, thp));
	s = luo_create_session(luo, "bench");
	t = now_ms();
	check(s >= 0 && !luo_preserve(s, fd, 1), "preserve");
	printf("BENCH time preserve_ms %.1f\n", now_ms() - t);
	close(fd);
	close(luo);
	fflush(stdout);
	daemonize(NULL, NULL, NULL);
	return done();
}

int main(int argc, char **argv)
{
	int stage = argc > 2 ? atoi(argv[2]) : 0;
	int luo = open(LUO_DEVICE, O_RDWR);

	if (luo < 0 || stage < 1 || stage > 2)
		goto usage;
	if (!strcmp(argv[1], "meta"))
		return metadata(stage, luo);
	if (!strcmp(argv[1], "time") && argc == 5)
		return timing(stage, luo, strtoul(argv[3], NULL, 0) * MIB,
			      !strcmp(argv[4], "thp"));
usage:
	fprintf(stderr, "usage: memfd_bench meta 1|2 | time 1|2 MIB 4k|thp (%s)\n",
		strerror(errno));
	return 2;
}
