/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the memfd kexec selftests (memfd_kexec, memfd_versions,
 * memfd_chain): TAP-like checks, data patterns, /proc/meminfo, sysfs, the
 * kernel log, memfds described by a struct mf, the daemon that keeps the
 * session fds open through the kexec. Define _GNU_SOURCE before including.
 */
#ifndef _MEMFD_UTIL_H
#define _MEMFD_UTIL_H

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "kselftest.h"	/* ARRAY_SIZE, __printf */
#include "luo_util.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC		0x0020
#endif

#define KIB		1024UL
#define MIB		(1UL << 20)
#define GIB		(1UL << 30)
#define TIB		(1UL << 40)
#define THP_SIZE	(2 * MIB)
#define PAGE		4096UL

#define FORMATS		"/sys/kernel/liveupdate/formats/memfd"
#define SHMEM_ENABLED	"/sys/kernel/mm/transparent_hugepage/shmem_enabled"

static int failures, checks;

/* One result line, "ok N what" or "not ok N what"; returns @ok. */
static inline __printf(2, 3)
int check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++checks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	failures += !ok;
	return ok;
}

static inline int done(void)
{
	printf("# %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}

/* The data at byte @off of a file filled with @seed (8-byte words). */
static inline unsigned long pattern(unsigned long off, unsigned long seed)
{
	return (off / 8 * 0x9e3779b97f4a7c15UL) ^ (seed * 0xbf58476d1ce4e5b9UL);
}

/* Fill @buf with the pattern of [@off, @off + @len); @off 8-aligned. */
static inline void pattern_buf(unsigned char *buf, unsigned long off,
			       unsigned long len, unsigned long seed)
{
	unsigned long i, w;

	for (i = 0; i < len; i += 8) {
		w = pattern(off + i, seed);
		memcpy(buf + i, &w, len - i < 8 ? len - i : 8);
	}
}

#define CHUNK	(256 * KIB)

/* pwrite the pattern of @seed at [@off, @off + @len); 0 or -1. */
static inline int fill(int fd, unsigned long off, unsigned long len,
		       unsigned long seed)
{
	static unsigned char buf[CHUNK];
	unsigned long done, n;

	for (done = 0; done < len; done += n) {
		n = len - done < CHUNK ? len - done : CHUNK;
		pattern_buf(buf, off + done, n, seed);
		if (pwrite(fd, buf, n, off + done) != (ssize_t)n)
			return -1;
	}
	return 0;
}

/* Does [@off, @off + @len) hold the pattern of @seed (0: zeroes)? */
static inline int verify(int fd, unsigned long off, unsigned long len,
			 unsigned long seed)
{
	static unsigned char buf[CHUNK], want[CHUNK];
	unsigned long done, n;

	for (done = 0; done < len; done += n) {
		n = len - done < CHUNK ? len - done : CHUNK;
		if (pread(fd, buf, n, off + done) != (ssize_t)n)
			return 0;
		if (seed)
			pattern_buf(want, off + done, n, seed);
		else
			memset(want, 0, n);
		if (memcmp(buf, want, n))
			return 0;
	}
	return 1;
}

/* The same through a mapping: @map is the file's offset 0. */
static inline void fill_map(unsigned char *map, unsigned long off,
			    unsigned long len, unsigned long seed)
{
	pattern_buf(map + off, off, len, seed);
}

static inline int verify_map(const unsigned char *map, unsigned long off,
			     unsigned long len, unsigned long seed)
{
	static unsigned char want[CHUNK];
	unsigned long done, n;

	for (done = 0; done < len; done += n) {
		n = len - done < CHUNK ? len - done : CHUNK;
		pattern_buf(want, off + done, n, seed);
		if (memcmp(map + off + done, want, n))
			return 0;
	}
	return 1;
}

/*
 * Map @len bytes of @fd shared at a 2 MiB aligned address, so that shmem
 * can fault in PMD-sized folios. MAP_FAILED on error.
 */
static inline void *map_aligned(int fd, unsigned long len, int prot)
{
	unsigned char *area, *map;
	unsigned long head;

	area = mmap(NULL, len + THP_SIZE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		return MAP_FAILED;
	map = (unsigned char *)(((unsigned long)area + THP_SIZE - 1) &
				~(THP_SIZE - 1));
	head = map - area;
	if (head)
		munmap(area, head);
	munmap(map + len, THP_SIZE - head);
	return mmap(map, len, prot, MAP_SHARED | MAP_FIXED, fd, 0);
}

/* A /proc/meminfo field in kB, or -1. */
static inline long meminfo_kb(const char *key)
{
	char line[128];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Pages on the per-CPU free lists of every zone (/proc/zoneinfo), kB. */
static inline long pcp_kb(void)
{
	char line[128];
	long pages = 0;
	FILE *f = fopen("/proc/zoneinfo", "r");
	char *p;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " ");
		if (!strncmp(p, "count:", 6))
			pages += strtol(p + 6, NULL, 10);
	}
	fclose(f);
	return pages * (PAGE / KIB);
}

/*
 * Free memory in kB: MemFree plus the per-CPU free lists, which MemFree
 * does not count and which may hold tens of MiB freed a moment ago (their
 * limit grows with frees, up to 1/8 of the zone split between the CPUs,
 * and decays only when vmstat work runs on that CPU).
 */
static inline long free_kb(void)
{
	return meminfo_kb("MemFree") + pcp_kb();
}

/*
 * Wait until free_kb() has grown by @bytes (less 1/16 of slack) since it
 * was @f0, at most 2 s (per-CPU LRU batches let go of their folios
 * later). Returns the growth in kB.
 */
static inline long free_wait(long f0, unsigned long bytes)
{
	long want = (bytes - bytes / 16) / KIB, d = 0;
	int i;

	for (i = 0; i < 20; i++) {
		d = free_kb() - f0;
		if (d >= want)
			break;
		usleep(100000);
	}
	return d;
}

/* Check that @bytes came back (less 1/16) since free_kb() was @f0. */
static inline void check_freed(long f0, unsigned long bytes, const char *what)
{
	long d = free_wait(f0, bytes);

	check(d * KIB >= (long)(bytes - bytes / 16),
	      "%s: %lu MiB back (MemFree+pcp +%ld kB)", what, bytes / MIB, d);
}

/* Close @fd, the last reference of a memfd of @bytes: Shmem and free memory. */
static inline void check_close_frees(int fd, unsigned long bytes,
				     const char *what)
{
	long f0 = free_kb(), sh0 = meminfo_kb("Shmem"), sh1;

	close(fd);
	sh1 = meminfo_kb("Shmem");
	check((sh0 - sh1) * (long)KIB >= (long)bytes - 2 * (long)MIB,
	      "%s: Shmem -%ld kB at close", what, sh0 - sh1);
	check_freed(f0, bytes, what);
}

/* The number in a sysfs or procfs file, or -1. */
static inline long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/* Write @s to @path; 0 or -errno. */
static inline int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		err = -errno;
	close(fd);
	return err;
}

/*
 * Shmem THP for what is written while @on: shmem_enabled "always" (the
 * test kernel has no madvise(), CONFIG_ADVISE_SYSCALLS=n, so "advise"
 * cannot be used); else "never", so other memfds keep small pages.
 */
static inline int shmem_thp(int on)
{
	return write_str(SHMEM_ENABLED, on ? "always" : "never");
}

/*
 * Write the pattern of @seed at [@off, @off + @len) (2 MiB aligned)
 * through a 2 MiB aligned shared mapping, with shmem THP on: every 2 MiB
 * is faulted in as one PMD-sized folio. 0 or -1.
 */
static inline int fill_thp(int fd, unsigned long off, unsigned long len,
			   unsigned long seed)
{
	unsigned char *map;
	int err = shmem_thp(1);

	map = err ? MAP_FAILED : map_aligned(fd, off + len,
					     PROT_READ | PROT_WRITE);
	if (map != MAP_FAILED) {
		/* Best effort: the test kernel has no madvise(). */
		madvise(map, off + len, MADV_HUGEPAGE);
		fill_map(map, off, len, seed);
		munmap(map, off + len);
	}
	return shmem_thp(0) || map == MAP_FAILED ? -1 : 0;
}

/* Does the file at @path contain @s? */
static inline int file_has(const char *path, const char *s)
{
	char buf[4096] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && strstr(buf, s);
}

/* Live objects of memfd format version @v (sysfs), or -1. */
static inline long format_objects(int v)
{
	char path[128];

	snprintf(path, sizeof(path), FORMATS "/%d/objects", v);
	return read_long(path);
}

/* 1 if version @v is written, 0 if not, -1 if this kernel lacks it. */
static inline long format_write_enabled(int v)
{
	char path[128];

	snprintf(path, sizeof(path), FORMATS "/%d/write_enabled", v);
	return read_long(path);
}

static inline int format_write_enable(int v, int on)
{
	char path[128];

	snprintf(path, sizeof(path), FORMATS "/%d/write_enabled", v);
	return write_str(path, on ? "1" : "0");
}

/* Lines of the kernel log that contain @s. */
static inline int klog_count(const char *s)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *p, *nl;
	int n, count = 0;

	if (size <= 0)
		return -1;
	buf = malloc(size + 1);
	if (!buf)
		return -1;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (n < 0) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	for (p = buf; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		count += !!strstr(p, s);
	}
	free(buf);
	return count;
}

/**
 * struct mf - a memfd of a test
 * @name: for memfd_create and the result lines
 * @token: its LUO token
 * @size: file size
 * @off: data at [@off, @off + @len), 8-aligned; the rest are holes
 * @len: see @off
 * @seed: pattern of the data
 * @seals: added once written
 * @pos: file position
 * @thp: write the data with fill_thp() (2 MiB aligned
 *       @off and @len: every 2 MiB is then a PMD-sized folio)
 * @mode: if set, chmod to it before sealing (and check it is kept)
 */
struct mf {
	const char *name;
	__u64 token;
	unsigned long size, off, len, seed;
	unsigned int seals;
	off_t pos;
	int thp;
	unsigned int mode;
};

/* Pages touched by the data of @m. */
static inline unsigned long mf_pages(const struct mf *m)
{
	if (!m->len)
		return 0;
	return (m->off + m->len + PAGE - 1) / PAGE - m->off / PAGE;
}

/* Create and fill @m; its fd, or -1 (reported). */
static inline int mf_create(const struct mf *m)
{
	int fd = memfd_create(m->name, MFD_ALLOW_SEALING);
	int ok = fd >= 0 && !ftruncate(fd, m->size);

	if (ok && m->len && m->thp)
		ok = !fill_thp(fd, m->off, m->len, m->seed);
	else if (ok && m->len)
		ok = !fill(fd, m->off, m->len, m->seed);
	ok = ok && lseek(fd, m->pos, SEEK_SET) == m->pos &&
	     (!m->mode || !fchmod(fd, m->mode)) &&
	     (!m->seals || !fcntl(fd, F_ADD_SEALS, m->seals));
	if (!check(ok, "%s: created (%lu bytes of data)", m->name, m->len)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Check a restored @m: size, blocks, data, holes next to it, position
 * and @seals (what the format kept). Returns the number of failures.
 */
static inline int mf_check(int fd, const struct mf *m, unsigned int seals)
{
	int before = failures, data;
	struct stat st;

	if (!check(fd >= 0, "%s: retrieved (%d)", m->name, fd))
		return 1;
	if (fstat(fd, &st))
		memset(&st, 0xff, sizeof(st));
	check(st.st_size == (off_t)m->size &&
	      st.st_blocks == (blkcnt_t)(mf_pages(m) * PAGE / 512),
	      "%s: size %lu, %lu blocks (want %lu, %lu)", m->name,
	      (unsigned long)st.st_size, (unsigned long)st.st_blocks, m->size,
	      mf_pages(m) * PAGE / 512);
	data = verify(fd, m->off, m->len, m->seed);
	/* The holes around the data read as zeroes. */
	if (m->off >= PAGE)
		data = data && verify(fd, m->off / PAGE * PAGE - PAGE, PAGE, 0);
	if (m->off + m->len + PAGE <= m->size)
		data = data && verify(fd, (m->off + m->len + PAGE - 1) / PAGE *
				      PAGE, PAGE, 0);
	check(data, "%s: content", m->name);
	check(lseek(fd, 0, SEEK_CUR) == m->pos, "%s: position %ld", m->name,
	      (long)m->pos);
	check(fcntl(fd, F_GET_SEALS) == (int)seals, "%s: seals %#x (want %#x)",
	      m->name, fcntl(fd, F_GET_SEALS), seals);
	/* The mode matters with F_SEAL_EXEC (MFD_NOEXEC_SEAL makes 0666). */
	if (m->mode)
		check((st.st_mode & 07777) == m->mode, "%s: mode %#o (want %#o)",
		      m->name, (unsigned int)st.st_mode & 07777, m->mode);
	return failures - before;
}

/*
 * Leave a daemon holding every fd open so far (sessions must stay open
 * through the kexec). It first runs @fn (if any), whose verdict comes
 * back to this process as a result line named @what. Its pid goes to
 * /tmp/memfd_kexec.pid. Signal dispositions set before are kept.
 */
static inline void daemonize(int (*fn)(void *), void *arg, const char *what)
{
	int p[2];
	char c = 0;

	fflush(stdout);
	if (pipe(p)) {
		check(0, "daemon pipe");
		return;
	}
	if (fork() == 0) {
		FILE *f = fopen("/tmp/memfd_kexec.pid", "w");

		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
		setsid();
		c = fn ? '0' + !!fn(arg) : '1';
		if (write(p[1], &c, 1) != 1)
			exit(1);
		close(0);
		close(1);
		close(2);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		c = 0;
	close(p[0]);
	if (fn)
		check(c == '1', "%s", what);
	else if (c != '1')
		check(0, "daemon started");
}

#endif /* _MEMFD_UTIL_H */
