// SPDX-License-Identifier: GPL-2.0
/*
 * memfd edge cases across kexec, two stages (see memfd-edges.sh):
 *   memfd_edges 1        create and preserve, start the daemon
 *   memfd_edges hold     a process holds the inode lock of "lock" (test
 *                        knob, up to 30 s); its pid in /tmp/memfd_hold.pid
 *   memfd_edges 2        retrieve and check
 *
 * Scenarios, all in session "edges":
 *   eof      a page past EOF (fallocate FALLOC_FL_KEEP_SIZE): restored
 *            with every byte, size and blocks
 *   dirty    pages read through a shared writable mapping, then written
 *            through it (dirty only in the page tables; the daemon keeps
 *            the mapping through the kexec): restored dirty, so that
 *            drop_caches cannot drop them
 *   room     64 pages preserved at the end, then 100 holes before them
 *            filled: the freeze walk appends 100 new folios before the 64
 *            held ones, in an array with room for 128 at first
 *   lock     its inode lock held during a kexec: the kexec fails at once
 *            and goes through once it is released
 *   moved    position moved and a seal added after preserve
 *   fwrite   fallocated (not uptodate) at preserve, written after
 *   still    3 pages, preserved first and left alone: the freeze skips it
 * The last two changed in ways the page count does not show: carried.
 */
#define _GNU_SOURCE
#include "memfd_util.h"

#define EOF_FALLOC	MIB
#define DIRTY_SIZE	(64 * KIB)
#define ROOM_SIZE	MIB
#define ROOM_HELD	64
#define ROOM_NEW	100
#define LOCK_SIZE	(64 * KIB)

#define KPF_DIRTY	4
#define HOLD_KNOB	"/sys/kernel/debug/memfd_luo/hold_inode_lock"
#define HOLD_MSG	"memfd_luo: test: holding an inode lock"

#define MOVED_POS	777
#define FWRITE_SIZE	(64 * KIB)

#define STILL_SIZE	(3 * PAGE)

enum { T_EOF = 1, T_DIRTY, T_ROOM, T_LOCK, T_MOVED, T_FWRITE, T_STILL };

static int dirty_fd;

/* In the daemon: fault every page in by reading, then store through it. */
static int dirty_daemon(void *arg)
{
	unsigned char *map = mmap(NULL, DIRTY_SIZE, PROT_READ | PROT_WRITE,
				  MAP_SHARED, dirty_fd, 0);
	unsigned long off, sum = 0;

	if (map == MAP_FAILED)
		return 0;
	for (off = 0; off < DIRTY_SIZE; off += PAGE)
		sum += __atomic_load_n(map + off, __ATOMIC_RELAXED);
	fill_map(map, 0, DIRTY_SIZE, 61);
	/* The mapping stays: unmapping would move the dirty bits to the folios. */
	return sum == 0 && verify(dirty_fd, 0, DIRTY_SIZE, 61);
}

static void stage1(int luo)
{
	int s = luo_create_session(luo, "edges");
	int eof = memfd_create("eof", 0), room = memfd_create("room", 0);
	int lock = memfd_create("lock", 0);
	int still = memfd_create("still", 0);
	int moved, fwrite;
	struct stat st;
	int i, ok;

	check(still >= 0 && !ftruncate(still, STILL_SIZE) &&
	      !fill(still, 0, STILL_SIZE, 66) &&
	      !luo_preserve(s, still, T_STILL), "still: preserve");

	dirty_fd = memfd_create("dirty", 0);
	check(s >= 0 && eof >= 0 && room >= 0 && lock >= 0 && dirty_fd >= 0,
	      "create");

	ok = !ftruncate(eof, PAGE) && !fill(eof, 0, PAGE, 60) &&
	     !fallocate(eof, FALLOC_FL_KEEP_SIZE, EOF_FALLOC, PAGE);
	check(ok && !fstat(eof, &st) && st.st_size == PAGE &&
	      st.st_blocks * 512 == 2 * PAGE,
	      "eof: one page of data, one fallocated past EOF");
	check(!luo_preserve(s, eof, T_EOF), "eof: preserve");

	check(!ftruncate(dirty_fd, DIRTY_SIZE) &&
	      !luo_preserve(s, dirty_fd, T_DIRTY), "dirty: preserve");

	check(!ftruncate(room, ROOM_SIZE) &&
	      !fill(room, ROOM_SIZE - ROOM_HELD * PAGE, ROOM_HELD * PAGE, 62) &&
	      !luo_preserve(s, room, T_ROOM), "room: last %d pages, preserve",
	      (int)ROOM_HELD);
	for (i = 0; i < ROOM_NEW; i++)
		if (fill(room, i * PAGE, PAGE, 62))
			break;
	check(i == ROOM_NEW, "room: %d holes before it filled", ROOM_NEW);

	check(!ftruncate(lock, LOCK_SIZE) && !fill(lock, 0, LOCK_SIZE, 63) &&
	      !luo_preserve(s, lock, T_LOCK), "lock: preserve");

	moved = memfd_create("moved", MFD_ALLOW_SEALING);
	check(moved >= 0 && !ftruncate(moved, PAGE) && !fill(moved, 0, PAGE, 64) &&
	      !luo_preserve(s, moved, T_MOVED) &&
	      lseek(moved, MOVED_POS, SEEK_SET) == MOVED_POS &&
	      !fcntl(moved, F_ADD_SEALS, F_SEAL_GROW),
	      "moved: preserved, then position and seal");
	fwrite = memfd_create("fwrite", 0);
	check(fwrite >= 0 && !fallocate(fwrite, 0, 0, FWRITE_SIZE) &&
	      !luo_preserve(s, fwrite, T_FWRITE) &&
	      !fill(fwrite, 0, FWRITE_SIZE, 65),
	      "fwrite: fallocated, preserved, then written");

	close(luo);
	daemonize(dirty_daemon, NULL,
		  "dirty: read then written through a shared mapping");
}

/* Start a process holding the inode lock of "lock" (in the daemon). */
static void start_holder(void)
{
	char path[64], cmd[32];
	FILE *f = fopen("/tmp/memfd_kexec.pid", "r");
	int daemon = 0, fd = -1, i;
	pid_t pid;

	if (f) {
		if (fscanf(f, "%d", &daemon) != 1)
			daemon = 0;
		fclose(f);
	}
	/* The daemon's fds: luo, session, eof, room, lock: find "lock". */
	for (i = 3; i < 16 && fd < 0; i++) {
		char link[128] = "";

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", daemon, i);
		if (readlink(path, link, sizeof(link) - 1) > 0 &&
		    strstr(link, "memfd:lock"))
			fd = open(path, O_RDWR);
	}
	if (!check(fd >= 0, "hold: the daemon's memfd \"lock\" opened"))
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int knob = open(HOLD_KNOB, O_WRONLY);

		snprintf(cmd, sizeof(cmd), "%d 30000", fd);
		_exit(knob >= 0 && write(knob, cmd, strlen(cmd)) > 0 ? 0 : 1);
	}
	f = fopen("/tmp/memfd_hold.pid", "w");
	if (f) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	for (i = 0; i < 100 && klog_count(HOLD_MSG) < 1; i++)
		usleep(50000);
	check(klog_count(HOLD_MSG) == 1, "hold: inode lock held");
}

/* Is the page mapped at @addr dirty: 1, 0, or -1 (cannot tell)? */
static int kpageflags_dirty(const unsigned char *addr)
{
	unsigned long long pm = 0, flags = 0;
	int pagemap = open("/proc/self/pagemap", O_RDONLY);
	int kpf = open("/proc/kpageflags", O_RDONLY);
	int ok;

	ok = pagemap >= 0 && kpf >= 0 &&
	     pread(pagemap, &pm, 8, (unsigned long)addr / PAGE * 8) == 8 &&
	     (pm >> 63) && (pm & ((1ULL << 55) - 1)) &&
	     pread(kpf, &flags, 8, (pm & ((1ULL << 55) - 1)) * 8) == 8;
	if (!ok)
		printf("# pagemap %#llx kpageflags %#llx: %s\n", pm, flags,
		       strerror(errno));
	close(pagemap);
	close(kpf);
	return ok ? !!(flags & (1ULL << KPF_DIRTY)) : -1;
}

static void dirty2(int fd)
{
	unsigned char *map = MAP_FAILED;
	unsigned long off, sum = 0;
	int d, clean = 0, unknown = 0;

	if (fd >= 0)
		map = mmap(NULL, DIRTY_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	for (off = 0; map != MAP_FAILED && off < DIRTY_SIZE; off += PAGE) {
		sum += __atomic_load_n(map + off, __ATOMIC_RELAXED);	/* faults */
		d = kpageflags_dirty(map + off);
		clean += d == 0;
		unknown += d < 0;
	}
	check(map != MAP_FAILED && !clean && !unknown,
	      "dirty: every restored page is dirty (%d clean, %d unknown, sum %lu)",
	      clean, unknown, sum);
	if (map != MAP_FAILED)
		munmap(map, DIRTY_SIZE);
	check(!write_str("/proc/sys/vm/drop_caches", "3") &&
	      verify(fd, 0, DIRTY_SIZE, 61), "dirty: content after drop_caches");
}

static void stage2(int luo)
{
	int s = luo_retrieve_session(luo, "edges");
	int eof = s < 0 ? s : luo_retrieve(s, T_EOF);
	int dirty = s < 0 ? s : luo_retrieve(s, T_DIRTY);
	int room = s < 0 ? s : luo_retrieve(s, T_ROOM);
	int lock = s < 0 ? s : luo_retrieve(s, T_LOCK);
	int moved = s < 0 ? s : luo_retrieve(s, T_MOVED);
	int fwrite = s < 0 ? s : luo_retrieve(s, T_FWRITE);
	int still = s < 0 ? s : luo_retrieve(s, T_STILL);
	struct stat st = { 0 };
	int ok;

	check(s >= 0, "session");
	check(eof >= 0, "eof: retrieved (%d)", eof);
	ok = eof >= 0 && !fstat(eof, &st);
	check(ok && st.st_size == PAGE && st.st_blocks * 512 == 2 * PAGE &&
	      verify(eof, 0, PAGE, 60), "eof: size %ld, %ld blocks, content",
	      (long)st.st_size, (long)st.st_blocks);

	check(dirty >= 0, "dirty: retrieved (%d)", dirty);
	dirty2(dirty);

	st.st_blocks = -1;
	ok = room >= 0 && !fstat(room, &st);
	check(ok && st.st_blocks * 512 == (ROOM_NEW + ROOM_HELD) * PAGE &&
	      verify(room, 0, ROOM_NEW * PAGE, 62) &&
	      verify(room, ROOM_NEW * PAGE,
		     ROOM_SIZE - (ROOM_NEW + ROOM_HELD) * PAGE, 0) &&
	      verify(room, ROOM_SIZE - ROOM_HELD * PAGE, ROOM_HELD * PAGE, 62),
	      "room: every byte, %ld blocks", (long)st.st_blocks);

	check(lock >= 0 && verify(lock, 0, LOCK_SIZE, 63), "lock: content");
	check(moved >= 0 && verify(moved, 0, PAGE, 64) &&
	      lseek(moved, 0, SEEK_CUR) == MOVED_POS &&
	      fcntl(moved, F_GET_SEALS) == F_SEAL_GROW,
	      "moved: content, position, seal");
	check(fwrite >= 0 && verify(fwrite, 0, FWRITE_SIZE, 65),
	      "fwrite: content");
	check(still >= 0 && verify(still, 0, STILL_SIZE, 66), "still: content");
	check(luo_finish(s) == 0, "finish");

	/* The page past EOF was fallocated, never written: zeroes. */
	check(eof >= 0 && !ftruncate(eof, 2 * MIB) && !fstat(eof, &st) &&
	      st.st_blocks * 512 == 2 * PAGE && verify(eof, 0, PAGE, 60) &&
	      verify(eof, PAGE, 2 * MIB - PAGE, 0),
	      "eof: grown after finish, fallocated page reads zeroes");
}

int main(int argc, char **argv)
{
	int luo = open(LUO_DEVICE, O_RDWR);

	if (argc < 2 || luo < 0) {
		fprintf(stderr, "usage: memfd_edges 1|hold|2 (%s)\n",
			strerror(errno));
		return 2;
	}
	if (!strcmp(argv[1], "1"))
		stage1(luo);
	else if (!strcmp(argv[1], "hold"))
		start_holder();
	else
		stage2(luo);
	return done();
}
