// SPDX-License-Identifier: GPL-2.0
/*
 * memfd across kexec, two stages (see luo_kexec.c for the pattern), with
 * the default format (version 2 only):
 *   memfd_kexec 1        create memfds, preserve them, leave a daemon
 *   memfd_kexec refused  after a refused kexec: sessions intact; signal
 *                        the daemon (writes, closes the failing session)
 *   memfd_kexec 2        retrieve and check every byte, size, position,
 *                        seals
 *
 * Scenarios, each in its own session(s):
 *   memfd     empty, one page with position and seals, 1 TiB sparse, a
 *             hole written after preserve; a memfd cannot be preserved
 *             twice, a linked tmpfs file not at all
 *   thp       shmem THP: PMD-sized folios come back as such
 *   seals     each seal alone, and a sealable memfd without seals
 *   multi-*   several memfds in several sessions, the same token in two
 *   drop      preserved then the session closed: not carried, and the
 *             memfd grows again at once; then preserved in "again"
 *   huge      a hugetlb memfd is refused (EOPNOTSUPP, one log line), the
 *             session stays usable
 *   mapped    mapped by the daemon, written through the mapping after
 *             preserve (into data and into a hole)
 *   thp-eof   a PMD-sized folio past EOF (shmem THP "always")
 *   falloc    fallocated, never written pages read as zeroes
 *   refused   a refused kexec (a freeze fails) first; holes written
 *             before and after it both carried
 *   free      memory comes back: an unretrieved 64 MiB memfd (THP) at finish,
 *             a retrieved one at close (MemFree + per-CPU lists)
 */
#define _GNU_SOURCE
#include "memfd_util.h"

#define SPARSE_SIZE	TIB		/* 1 TiB file... */
#define SPARSE_DATA	(16 * MIB)	/* ...holding this, scattered */
#define SPARSE_CHUNK	(1 * MIB)

#define HUGETLB_MSG	"hugetlb_luo: preserving hugetlb memfds is not supported"
#define FREE_SIZE	(64 * MIB)

static long preserved;	/* memfds preserved now (stage 1) */

static int preserve(int s, int fd, __u64 token)
{
	int err = luo_preserve(s, fd, token);

	preserved += !err;
	return err;
}

static unsigned long sparse_off(int i)
{
	return (unsigned long)i * (SPARSE_SIZE / (SPARSE_DATA / SPARSE_CHUNK));
}

/* memfd: empty, one page, 1 TiB sparse, a hole written after preserve. */

static void basic1(int luo)
{
	int s = luo_create_session(luo, "memfd");
	int empty = memfd_create("empty", 0);
	int one = memfd_create("one", MFD_ALLOW_SEALING);
	int sparse = memfd_create("sparse", 0);
	int i, dup, tmp, err;

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
	check(preserve(s, empty, 1) == 0, "preserve empty");
	check(preserve(s, one, 2) == 0, "preserve one page");
	check(preserve(s, sparse, 3) == 0, "preserve sparse");
	check(luo_preserve(s, one, 4) == -EBUSY,
	      "same memfd again in the session: EBUSY");
	dup = luo_create_session(luo, "dup");
	check(dup >= 0 && luo_preserve(dup, one, 2) == -EBUSY,
	      "same memfd in another session: EBUSY");
	tmp = open("/tmp/not-a-memfd", O_RDWR | O_CREAT, 0600);
	err = tmp < 0 ? 0 : luo_preserve(dup, tmp, 1);
	check(err < 0, "a linked tmpfs file is refused (%d)", err);
	close(tmp);
	close(dup);
	check(ftruncate(sparse, 4096) == -1 && errno == EPERM, "no shrink");
	check(fallocate(sparse, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			4096) == -1 && errno == EPERM, "no hole punch");
	check(pwrite(empty, "x", 1, 0) == -1 && errno == EPERM, "no grow");
	check(pwrite(one, "y", 1, 4096) == -1 && errno == EPERM,
	      "no grow by write");
	/* Into a hole after preserve: picked up at kexec. */
	check(!fill(sparse, SPARSE_SIZE / 2 + SPARSE_CHUNK, SPARSE_CHUNK, 4),
	      "write into a hole after preserve");
}

static void basic2(int luo)
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
	check(verify(sparse, SPARSE_SIZE / 2 + 2 * SPARSE_CHUNK, SPARSE_CHUNK, 0),
	      "hole next to it still reads zeroes");
	check(luo_finish(s) == 0, "finish");
	/* An ordinary memfd again. */
	check(ftruncate(sparse, 4096) == 0 && !fstat(sparse, &st) &&
	      st.st_blocks <= 8, "truncate after finish");
	check(pwrite(empty, "x", 1, 0) == 1, "empty memfd grows after finish");
	close(s);
	close(empty);
	close(one);
	close(sparse);
}

/*
 * thp: 16 MiB; 8 MiB of PMD-sized folios at 0 (fill_thp()), a hole,
 * 64 KiB of small pages at 12 MiB.
 */
#define THP_FILE	(16 * MIB)
#define THP_DATA	(8 * MIB)
#define THP_SMALL_OFF	(12 * MIB)
#define THP_SMALL	(64 * KIB)

static void thp1(int luo)
{
	int s = luo_create_session(luo, "thp");
	int fd = memfd_create("thp", 0), ok;
	long hp0 = meminfo_kb("ShmemHugePages"), hp1;
	struct stat st;

	check(s >= 0 && fd >= 0 && !ftruncate(fd, THP_FILE) &&
	      !fill_thp(fd, 0, THP_DATA, 5), "thp: written with shmem THP on");
	check(file_has(SHMEM_ENABLED, "[never]"), "thp: shmem THP off again");
	check(!fill(fd, THP_SMALL_OFF, THP_SMALL, 6), "thp: small pages written");
	hp1 = meminfo_kb("ShmemHugePages");
	check(hp1 - hp0 == THP_DATA / KIB, "thp: ShmemHugePages %ld -> %ld kB",
	      hp0, hp1);
	ok = !fstat(fd, &st) &&
	     st.st_blocks * 512 == (blkcnt_t)(THP_DATA + THP_SMALL);
	check(ok, "thp: %ld blocks", (long)st.st_blocks);
	check(preserve(s, fd, 1) == 0, "thp: preserve");
}

static void thp2(int luo)
{
	long hp0 = meminfo_kb("ShmemHugePages"), hp1, hp2;
	int s = luo_retrieve_session(luo, "thp");
	int fd = s < 0 ? s : luo_retrieve(s, 1);
	unsigned char *map = MAP_FAILED;
	struct stat st;
	int ok;

	hp1 = meminfo_kb("ShmemHugePages");
	check(hp0 == 0, "thp: no ShmemHugePages before retrieve (%ld kB)", hp0);
	check(fd >= 0 && hp1 == THP_DATA / KIB,
	      "thp: large folios back, ShmemHugePages %ld kB after retrieve",
	      hp1);
	st.st_blocks = -1;
	check(!fstat(fd, &st) && st.st_size == THP_FILE &&
	      st.st_blocks * 512 == (blkcnt_t)(THP_DATA + THP_SMALL),
	      "thp: size, blocks");
	check(verify(fd, 0, THP_DATA, 5) &&
	      verify(fd, THP_SMALL_OFF, THP_SMALL, 6) &&
	      verify(fd, THP_DATA, PAGE, 0) &&
	      verify(fd, THP_SMALL_OFF + THP_SMALL, PAGE, 0), "thp: content");
	if (fd >= 0)
		map = map_aligned(fd, THP_DATA, PROT_READ);
	check(map != MAP_FAILED && verify_map(map, 0, THP_DATA, 5),
	      "thp: content through a new mapping");
	printf("# ShmemPmdMapped %ld kB\n", meminfo_kb("ShmemPmdMapped"));
	if (map != MAP_FAILED)
		munmap(map, THP_DATA);
	check(luo_finish(s) == 0, "thp: finish");
	/* Splitting restored large folios: punch a page, truncate mid-folio. */
	check(!fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			 3 * MIB, PAGE) &&
	      verify(fd, 3 * MIB, PAGE, 0) && verify(fd, 2 * MIB, MIB, 5) &&
	      verify(fd, 3 * MIB + PAGE, MIB - PAGE, 5),
	      "thp: hole punched in a restored large folio");
	ok = !ftruncate(fd, MIB + PAGE) && !fstat(fd, &st);
	check(ok && st.st_blocks * 512 <= 2 * MIB && verify(fd, 0, MIB + PAGE, 5),
	      "thp: truncated in the middle of a restored large folio (%ld blocks)",
	      ok ? (long)st.st_blocks : -1L);
	close(s);
	close(fd);
	hp2 = meminfo_kb("ShmemHugePages");
	check(hp2 == 0, "thp: ShmemHugePages back to 0 after close (%ld kB)",
	      hp2);
}

/*
 * thp-eof: 3 MiB written with shmem THP "always", which allocates whole
 * PMD-sized folios even past i_size: the second one straddles EOF.
 */
#define EOF_SIZE	(3 * MIB)

static void eof1(int luo)
{
	int s = luo_create_session(luo, "thp-eof");
	int fd = memfd_create("thp-eof", 0), ok;
	long hp0 = meminfo_kb("ShmemHugePages"), hp1;
	struct stat st;

	ok = s >= 0 && fd >= 0 && !ftruncate(fd, EOF_SIZE) && !shmem_thp(1);
	ok = ok && !fill(fd, 0, EOF_SIZE, 80);
	check(!shmem_thp(0) && ok, "thp-eof: 3 MiB written with shmem THP on");
	hp1 = meminfo_kb("ShmemHugePages");
	ok = !fstat(fd, &st) && st.st_blocks * 512 == 4 * MIB;
	check(ok && hp1 - hp0 == 4 * MIB / KIB,
	      "thp-eof: 2 PMD-sized folios, one past EOF (%ld blocks, ShmemHugePages +%ld kB)",
	      (long)st.st_blocks, hp1 - hp0);
	check(preserve(s, fd, 1) == 0, "thp-eof: preserve");
}

static void eof2(int luo)
{
	int s = luo_retrieve_session(luo, "thp-eof");
	int fd = s < 0 ? s : luo_retrieve(s, 1);
	struct stat st;

	check(s >= 0 && fd >= 0, "thp-eof: retrieved (%d)", fd);
	check(fd >= 0 && !fstat(fd, &st) && st.st_size == EOF_SIZE &&
	      st.st_blocks * 512 == 4 * MIB && verify(fd, 0, EOF_SIZE, 80),
	      "thp-eof: size, blocks, content");
	check(meminfo_kb("ShmemHugePages") == 4 * MIB / KIB,
	      "thp-eof: both large folios back");
	check(luo_finish(s) == 0, "thp-eof: finish");
	close(fd);
	close(s);
	check(meminfo_kb("ShmemHugePages") == 0, "thp-eof: freed at close");
}

/* seals: each seal alone, then a sealable memfd without seals. */
static const unsigned int seal_list[] = {
	F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE,
	F_SEAL_FUTURE_WRITE, F_SEAL_EXEC, 0,
};
#define NR_SEALS	ARRAY_SIZE(seal_list)
#define SEAL_SIZE	(64 * KIB)

static struct mf seal_mf(unsigned int i)
{
	static char names[NR_SEALS][32];

	snprintf(names[i], sizeof(names[i]), "seal %#x", seal_list[i]);
	/*
	 * F_SEAL_EXEC on an executable memfd implies the write seals: make
	 * it non-executable first (like MFD_NOEXEC_SEAL), so it is alone.
	 */
	return (struct mf){ .name = names[i], .token = i + 1,
			    .size = SEAL_SIZE, .len = SEAL_SIZE,
			    .seed = 20 + i, .seals = seal_list[i],
			    .pos = 100 + i,
			    .mode = seal_list[i] == F_SEAL_EXEC ? 0666 : 0 };
}

static void seals1(int luo)
{
	int s = luo_create_session(luo, "seals");
	unsigned int i;

	check(s >= 0, "seals: session");
	for (i = 0; i < NR_SEALS; i++) {
		struct mf m = seal_mf(i);
		int fd = mf_create(&m);

		check(preserve(s, fd, m.token) == 0, "%s: preserve", m.name);
	}
}

/* What @seals forbid is refused with EPERM, what they allow works. */
static void seal_ops(int fd, const struct mf *m)
{
	unsigned int seals = m->seals;
	int writes = !(seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE));
	struct stat st;
	void *map;
	int r;

#define REFUSED(expr, forbidden) \
	((forbidden) ? (expr) == -1 && errno == EPERM : (expr) == 0)
	r = ftruncate(fd, SEAL_SIZE / 2);
	check(REFUSED(r, seals & F_SEAL_SHRINK), "%s: shrink %s", m->name,
	      seals & F_SEAL_SHRINK ? "refused" : "works");
	r = ftruncate(fd, 2 * SEAL_SIZE);
	check(REFUSED(r, seals & F_SEAL_GROW), "%s: grow %s", m->name,
	      seals & F_SEAL_GROW ? "refused" : "works");
	r = pwrite(fd, "w", 1, 0) == 1 ? 0 : -1;
	check(REFUSED(r, !writes), "%s: write %s", m->name,
	      writes ? "works" : "refused");
	map = mmap(NULL, SEAL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	r = map == MAP_FAILED ? -1 : 0;
	check(REFUSED(r, !writes), "%s: shared writable mapping %s", m->name,
	      writes ? "works" : "refused");
	if (map != MAP_FAILED)
		munmap(map, SEAL_SIZE);
	/* Toggling the exec bits, whatever they are. */
	r = fstat(fd, &st) ? -2 : fchmod(fd, (st.st_mode & 0777) ^ 0111);
	check(REFUSED(r, seals & F_SEAL_EXEC), "%s: chmod of x bits %s",
	      m->name, seals & F_SEAL_EXEC ? "refused" : "works");
	r = fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) ? -1 : 0;
	check(REFUSED(r, seals & F_SEAL_SEAL), "%s: adding a seal %s", m->name,
	      seals & F_SEAL_SEAL ? "refused" : "works");
#undef REFUSED
}

static void seals2(int luo)
{
	int s = luo_retrieve_session(luo, "seals");
	int fds[NR_SEALS];
	unsigned int i;

	check(s >= 0, "seals: session");
	for (i = 0; i < NR_SEALS; i++) {
		struct mf m = seal_mf(i);

		fds[i] = s < 0 ? s : luo_retrieve(s, m.token);
		mf_check(fds[i], &m, m.seals);
	}
	check(luo_finish(s) == 0, "seals: finish");
	for (i = 0; i < NR_SEALS; i++) {
		struct mf m = seal_mf(i);

		if (fds[i] >= 0)
			seal_ops(fds[i], &m);
		close(fds[i]);
	}
	close(s);
}

/*
 * falloc: 1 MiB fallocated (not uptodate, never written) but one page
 * written at 512 KiB: the rest must read as zeroes, never stale data.
 */
#define FALLOC_SIZE	MIB
#define FALLOC_DATA	(512 * KIB)

static void falloc1(int luo)
{
	int s = luo_create_session(luo, "falloc");
	int fd = memfd_create("falloc", 0);
	struct stat st;

	check(s >= 0 && fd >= 0 && !fallocate(fd, 0, 0, FALLOC_SIZE) &&
	      !fill(fd, FALLOC_DATA, PAGE, 90), "falloc: fallocated, one page written");
	check(!fstat(fd, &st) && st.st_size == FALLOC_SIZE &&
	      st.st_blocks * 512 == FALLOC_SIZE, "falloc: size, blocks");
	check(preserve(s, fd, 1) == 0, "falloc: preserve");
}

static void falloc2(int luo)
{
	int s = luo_retrieve_session(luo, "falloc");
	int fd = s < 0 ? s : luo_retrieve(s, 1);
	unsigned char *map = MAP_FAILED;
	unsigned long i, zero = 1;
	struct stat st = { 0 };

	check(fd >= 0 && !fstat(fd, &st) && st.st_size == FALLOC_SIZE,
	      "falloc: retrieved, size");
	printf("# falloc: %ld blocks (fallocated pages kept: %d)\n",
	       (long)st.st_blocks, st.st_blocks * 512 == FALLOC_SIZE);
	check(verify(fd, 0, FALLOC_DATA, 0) &&
	      verify(fd, FALLOC_DATA, PAGE, 90) &&
	      verify(fd, FALLOC_DATA + PAGE, FALLOC_SIZE - FALLOC_DATA - PAGE, 0),
	      "falloc: zeroes and the page, by read");
	if (fd >= 0)
		map = mmap(NULL, FALLOC_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	for (i = 0; map != MAP_FAILED && i < FALLOC_SIZE; i++)
		if (map[i] && (i < FALLOC_DATA || i >= FALLOC_DATA + PAGE))
			zero = 0;
	check(map != MAP_FAILED && zero && verify_map(map, FALLOC_DATA, PAGE, 90),
	      "falloc: zeroes and the page, by mapping");
	if (map != MAP_FAILED)
		munmap(map, FALLOC_SIZE);
	check(luo_finish(s) == 0, "falloc: finish");
	close(fd);
	close(s);
}

/* Several memfds in several sessions; token 1 in two of them. */
static const char *const multi_sessions[] = { "multi-a", "multi-b", "multi-c" };
static const struct {
	int session;
	struct mf m;
} multi[] = {
	{ 0, { "a1", 1, 3 * MIB + 5, 0, 3 * MIB + 5, 31, 0, 3 * MIB + 5 } },
	{ 0, { "a2", 2, 256 * KIB, 128 * KIB, 128 * KIB, 32, 0, 0 } },
	{ 0, { "a3", 3, 2 * GIB, GIB, 8 * MIB, 33, 0, GIB } },
	{ 1, { "b1", 1, MIB, 0, MIB, 34, 0, 4095 } },
	{ 1, { "b-max", ~0ULL, PAGE, 0, PAGE, 35, 0, TIB + 1 } },
	{ 2, { "c42", 42, 5 * PAGE, PAGE, 2 * PAGE + 100, 36, 0, 2 } },
};
#define NR_MULTI	ARRAY_SIZE(multi)
#define NR_MULTI_S	ARRAY_SIZE(multi_sessions)

static void multi1(int luo)
{
	int s[NR_MULTI_S];
	unsigned int i;

	for (i = 0; i < NR_MULTI_S; i++)
		s[i] = luo_create_session(luo, multi_sessions[i]);
	check(s[0] >= 0 && s[1] >= 0 && s[2] >= 0, "multi: sessions");
	for (i = 0; i < NR_MULTI; i++) {
		int fd = mf_create(&multi[i].m);

		check(preserve(s[multi[i].session], fd, multi[i].m.token) == 0,
		      "%s: preserve in %s", multi[i].m.name,
		      multi_sessions[multi[i].session]);
	}
}

static void multi2(int luo)
{
	int s[NR_MULTI_S], fd;
	unsigned int i;

	/* In another order than stage 1. */
	for (i = NR_MULTI_S; i-- > 0;)
		s[i] = luo_retrieve_session(luo, multi_sessions[i]);
	check(s[0] >= 0 && s[1] >= 0 && s[2] >= 0, "multi: sessions back");
	for (i = NR_MULTI; i-- > 0;) {
		fd = luo_retrieve(s[multi[i].session], multi[i].m.token);
		mf_check(fd, &multi[i].m, 0);
		close(fd);
	}
	check(luo_retrieve(s[2], 1) == -ENOENT, "multi: token 1 not in multi-c");
	for (i = 0; i < NR_MULTI_S; i++) {
		check(luo_finish(s[i]) == 0, "%s: finish", multi_sessions[i]);
		close(s[i]);
	}
}

/*
 * drop: preserved, then its session closed: not carried, and the memfd
 * is as before (grows at once, holes can be punched); then preserved
 * again, grown, in session "again".
 */
static const struct mf drop_mf = {
	"drop", 1, MIB, 0, MIB, 40, 0, 777,
};
#define DROP_EXTRA	(MIB + MIB / 2)

static void drop1(int luo)
{
	int s = luo_create_session(luo, "drop"), again;
	int fd = mf_create(&drop_mf);
	long v2 = format_objects(2);

	check(s >= 0 && luo_preserve(s, fd, 1) == 0, "drop: preserve");
	check(format_objects(2) == v2 + 1, "drop: one more v2 object");
	check(ftruncate(fd, 2 * MIB) == -1 && errno == EPERM,
	      "drop: no grow while preserved");
	close(s);
	check(format_objects(2) == v2, "drop: session closed, object gone");
	check(ftruncate(fd, 2 * MIB) == 0, "drop: grows at once");
	check(!fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			 DROP_EXTRA, PAGE) &&
	      !fill(fd, DROP_EXTRA, PAGE, 41), "drop: punch hole, write");
	check(verify(fd, 0, MIB, drop_mf.seed) &&
	      lseek(fd, 0, SEEK_CUR) == drop_mf.pos &&
	      fcntl(fd, F_GET_SEALS) == 0, "drop: content, position, seals");
	again = luo_create_session(luo, "again");
	check(again >= 0 && preserve(again, fd, 1) == 0,
	      "drop: preserved again in another session");
}

static void drop2(int luo)
{
	int s = luo_retrieve_session(luo, "again");
	int fd = s < 0 ? s : luo_retrieve(s, 1);
	struct stat st;

	check(luo_retrieve_session(luo, "drop") == -ENOENT,
	      "drop: closed session not carried");
	check(fd >= 0 && !fstat(fd, &st) && st.st_size == 2 * MIB &&
	      st.st_blocks * 512 == MIB + PAGE, "again: size, blocks");
	check(verify(fd, 0, MIB, drop_mf.seed) &&
	      verify(fd, MIB, DROP_EXTRA - MIB, 0) &&
	      verify(fd, DROP_EXTRA, PAGE, 41) &&
	      lseek(fd, 0, SEEK_CUR) == drop_mf.pos, "again: content, position");
	check(luo_finish(s) == 0, "again: finish");
	close(fd);
	close(s);
}

/* huge: a hugetlb memfd is refused; the session goes on. */
static const struct mf huge_ok = { "after hugetlb", 2, PAGE, 0, PAGE, 50 };

static void huge1(int luo)
{
	int s = luo_create_session(luo, "huge"), fd, ok, n0, err;
	long nr;
	char *map;

	check(!write_str("/proc/sys/vm/nr_hugepages", "2"), "nr_hugepages=2");
	nr = read_long("/proc/sys/vm/nr_hugepages");
	fd = memfd_create("hugetlb", MFD_HUGETLB);
	ok = fd >= 0 && !ftruncate(fd, THP_SIZE);
	if (ok && nr > 0) {
		/* With a page in it, like a real user. */
		map = mmap(NULL, THP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, 0);
		ok = map != MAP_FAILED;
		if (ok) {
			map[0] = 1;
			munmap(map, THP_SIZE);
		}
	}
	check(s >= 0 && ok, "hugetlb memfd (%ld huge pages)", nr);
	n0 = klog_count(HUGETLB_MSG);
	err = luo_preserve(s, fd, 1);
	check(err == -EOPNOTSUPP, "hugetlb: preserve refused (%d)", err);
	check(klog_count(HUGETLB_MSG) == n0 + 1, "hugetlb: one log line");
	if (fd >= 0)
		close(fd);
	check(!write_str("/proc/sys/vm/nr_hugepages", "0") &&
	      meminfo_kb("HugePages_Total") == 0, "hugetlb: pool freed");
	fd = mf_create(&huge_ok);
	check(preserve(s, fd, huge_ok.token) == 0,
	      "hugetlb: session still takes a memfd");
}

static void huge2(int luo)
{
	int s = luo_retrieve_session(luo, "huge");
	int fd = s < 0 ? s : luo_retrieve(s, huge_ok.token);

	check(s >= 0 && luo_retrieve(s, 1) == -ENOENT,
	      "hugetlb: refused memfd not carried");
	mf_check(fd, &huge_ok, 0);
	check(luo_finish(s) == 0, "huge: finish");
	close(fd);
	close(s);
}

/*
 * mapped: 4 MiB, data in [0, 2 MiB), mapped shared. After preserve this
 * process writes [0, 1 MiB) through the mapping, then the daemon (which
 * keeps the mapping through the kexec) writes [1 MiB, 2 MiB) and a hole
 * at 3 MiB.
 */
#define MAPPED_FILE	(4 * MIB)
#define MAPPED_HOLE	(3 * MIB)
#define MAPPED_HOLE_LEN	(64 * KIB)

static unsigned char *mapped;

static int mapped_daemon(void *arg)
{
	fill_map(mapped, MIB, MIB, 62);
	fill_map(mapped, MAPPED_HOLE, MAPPED_HOLE_LEN, 62);
	return verify_map(mapped, 0, MIB, 61) &&
	       verify_map(mapped, MIB, MIB, 62);
}

static void mapped1(int luo)
{
	int s = luo_create_session(luo, "mapped");
	int fd = memfd_create("mapped", 0);

	check(s >= 0 && fd >= 0 && !ftruncate(fd, MAPPED_FILE) &&
	      !fill(fd, 0, 2 * MIB, 60), "mapped: created");
	mapped = mmap(NULL, MAPPED_FILE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(mapped != MAP_FAILED, "mapped: mapped");
	check(preserve(s, fd, 1) == 0, "mapped: preserve while mapped");
	if (mapped != MAP_FAILED)
		fill_map(mapped, 0, MIB, 61);
}

static void mapped2(int luo)
{
	int s = luo_retrieve_session(luo, "mapped");
	int fd = s < 0 ? s : luo_retrieve(s, 1);
	struct stat st;

	check(fd >= 0 && !fstat(fd, &st) && st.st_size == MAPPED_FILE &&
	      st.st_blocks * 512 == 2 * MIB + MAPPED_HOLE_LEN,
	      "mapped: size, blocks");
	check(verify(fd, 0, MIB, 61), "mapped: written after preserve");
	check(verify(fd, MIB, MIB, 62), "mapped: written by the daemon");
	check(verify(fd, MAPPED_HOLE, MAPPED_HOLE_LEN, 62),
	      "mapped: hole written by the daemon");
	check(verify(fd, 2 * MIB, MAPPED_HOLE - 2 * MIB, 0) &&
	      verify(fd, MAPPED_HOLE + MAPPED_HOLE_LEN,
		     MAPPED_FILE - MAPPED_HOLE - MAPPED_HOLE_LEN, 0), "mapped: holes");
	check(luo_finish(s) == 0, "mapped: finish");
	close(fd);
	close(s);
}

/*
 * refused: the kexec is first refused (session "zz-failing", created
 * last, holds a LUO test object whose freeze fails, after the memfds
 * were frozen); the memfd, written into a hole before that attempt and
 * into another after it (by the daemon, on SIGUSR1, which also closes
 * zz-failing), carries both to the next kernel.
 */
#define REFUSED_FILE	(4 * MIB)
#define REFUSED_HOLE_A	MIB
#define REFUSED_HOLE_B	(2 * MIB)
#define REFUSED_HOLE	(64 * KIB)
#define DAEMON_PID	"/tmp/memfd_kexec.pid"
#define DAEMON_DONE	"/tmp/memfd_kexec.usr1"

static int refused_fd = -1, failing = -1;

static void refused1(int luo)
{
	int s = luo_create_session(luo, "refused");

	refused_fd = memfd_create("refused", 0);
	check(s >= 0 && refused_fd >= 0 && !ftruncate(refused_fd, REFUSED_FILE) &&
	      !fill(refused_fd, 0, MIB, 100), "refused: created");
	check(preserve(s, refused_fd, 1) == 0, "refused: preserve");
	check(!fill(refused_fd, REFUSED_HOLE_A, REFUSED_HOLE, 101),
	      "refused: hole A written after preserve");
}

static void failing1(int luo)
{
	int obj = luo_test_object("fail-freeze");

	failing = luo_create_session(luo, "zz-failing");
	check(failing >= 0 && obj >= 0 && !luo_preserve(failing, obj, 1),
	      "zz-failing: a session whose freeze fails");
	close(obj);
}

/* SIGUSR1 in the daemon, after the refused kexec. */
static void daemon_usr1(int sig)
{
	int ok = !fill(refused_fd, REFUSED_HOLE_B, REFUSED_HOLE, 102);
	int fd;

	close(failing);
	fd = open(DAEMON_DONE, O_WRONLY | O_CREAT, 0600);
	if (fd >= 0) {
		if (write(fd, ok ? "1" : "0", 1) != 1)
			ok = 0;
		close(fd);
	}
}

/* Between the refused kexec and the next one (memfd_kexec refused). */
static void refused_between(int luo)
{
	char buf[32] = "";
	int fd, i, n;
	pid_t pid;

	check(luo_create_session(luo, "refused") == -EEXIST &&
	      luo_create_session(luo, "zz-failing") == -EEXIST,
	      "refused: sessions still there after the refused kexec");
	fd = open(DAEMON_PID, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	pid = n > 0 ? atoi(buf) : 0;
	check(pid > 0 && !kill(pid, SIGUSR1), "refused: daemon %d signalled",
	      (int)pid);
	for (i = 0; i < 50 && access(DAEMON_DONE, F_OK); i++)
		usleep(100000);
	check(file_has(DAEMON_DONE, "1"),
	      "refused: daemon wrote hole B and closed zz-failing");
	fd = luo_create_session(luo, "zz-failing");
	check(fd >= 0, "refused: zz-failing gone");
	close(fd);
}

static void refused2(int luo)
{
	int s = luo_retrieve_session(luo, "refused");
	int fd = s < 0 ? s : luo_retrieve(s, 1);
	struct stat st;

	check(luo_retrieve_session(luo, "zz-failing") == -ENOENT,
	      "zz-failing: not carried");
	check(fd >= 0 && !fstat(fd, &st) && st.st_size == REFUSED_FILE &&
	      st.st_blocks * 512 == MIB + 2 * REFUSED_HOLE,
	      "refused: size, blocks");
	check(verify(fd, 0, MIB, 100), "refused: data");
	check(verify(fd, REFUSED_HOLE_A, REFUSED_HOLE, 101),
	      "refused: hole A (before the refused kexec)");
	check(verify(fd, REFUSED_HOLE_B, REFUSED_HOLE, 102),
	      "refused: hole B (after the refused kexec)");
	check(luo_finish(s) == 0, "refused: finish");
	close(fd);
	close(s);
}

/* free: memory comes back to the system. */
static const struct mf free_mf[] = {
	{ "free-retrieved", 1, FREE_SIZE, 0, FREE_SIZE, 70 },
	{ "free-unretrieved", 2, FREE_SIZE, 0, FREE_SIZE, 71, 0, 0, 1 },
};

static void free1(int luo)
{
	int s = luo_create_session(luo, "free");
	int i, fd;

	for (i = 0; i < 2; i++) {
		fd = mf_create(&free_mf[i]);
		check(s >= 0 && preserve(s, fd, free_mf[i].token) == 0,
		      "%s: preserve", free_mf[i].name);
	}
}

static void free2(int luo)
{
	int s = luo_retrieve_session(luo, "free");
	int fd = s < 0 ? s : luo_retrieve(s, 1);
	long m0, t0 = meminfo_kb("MemTotal");

	mf_check(fd, &free_mf[0], 0);
	m0 = free_kb();
	check(luo_finish(s) == 0, "free: finish");
	check_freed(m0, FREE_SIZE, "free: unretrieved memfd at finish");
	check_close_frees(fd, FREE_SIZE, "free: retrieved memfd");
	printf("# MemTotal %ld -> %ld kB\n", t0, meminfo_kb("MemTotal"));
	close(s);
}

static void stage1(int luo)
{
	basic1(luo);
	thp1(luo);
	eof1(luo);
	seals1(luo);
	falloc1(luo);
	multi1(luo);
	drop1(luo);
	huge1(luo);
	free1(luo);
	refused1(luo);
	mapped1(luo);
	failing1(luo);
	check(format_objects(2) == preserved && format_objects(1) == 0,
	      "formats: %ld objects in v2, %ld in v1 (want %ld, 0)",
	      format_objects(2), format_objects(1), preserved);
	close(luo);
	signal(SIGUSR1, daemon_usr1);
	daemonize(mapped_daemon, NULL, "mapped: daemon wrote through its mapping");
}

static void stage2(int luo)
{
	thp2(luo);	/* first: no other large folio yet */
	eof2(luo);
	basic2(luo);
	seals2(luo);
	falloc2(luo);
	multi2(luo);
	drop2(luo);
	huge2(luo);
	mapped2(luo);
	refused2(luo);
	free2(luo);
}

int main(int argc, char **argv)
{
	int luo = open(LUO_DEVICE, O_RDWR);

	if (argc < 2 || luo < 0) {
		fprintf(stderr, "usage: memfd_kexec 1|refused|2 (%s)\n",
			strerror(errno));
		return 2;
	}
	if (!strcmp(argv[1], "1"))
		stage1(luo);
	else if (!strcmp(argv[1], "refused"))
		refused_between(luo);
	else
		stage2(luo);
	return done();
}
