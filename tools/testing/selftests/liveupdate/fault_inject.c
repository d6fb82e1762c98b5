// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation-failure sweeps over the live update paths, run by
 * tools/testing/vm/tests/fault-inject.sh in the guest.
 *
 * For each path, step N makes the Nth allocation of the path fail
 * (/proc/thread-self/fail-nth: only this task, failslab and
 * fail_page_alloc counted in one sequence) for N = 1, 2, ... until the
 * path runs to its end without reaching the Nth allocation. At each step:
 * an injected failure must give an error and leave nothing behind, or a
 * success whose result is complete (checked); no error without an injected
 * failure. After the sweep, free/slab/vmalloc pages and preserved blocks
 * are back where they were (see TOLERANCE).
 *
 *   fault_inject 1   library and LUO paths, then the kexec itself:
 *                    reboot(KEXEC) with the Nth allocation of the freeze
 *                    failing must return an error with everything
 *                    intact; then a kexec without injection (loaded by
 *                    the script beforehand)
 *   fault_inject 2   retrieve sessions and fds, finish, all checked byte
 *                    for byte, each swept the same way
 *
 * Output: "fault-inject: PATH: N injection points (S slab, P page), T
 * tolerated" per path; "not ok" lines and exit status 1 on any failure.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <linux/reboot.h>
#include <sys/syscall.h>
#include "memfd_util.h"

#define HOOK		"/sys/kernel/debug/kho_fault/"
#define MAX_STEPS	5000
/*
 * Free pages may differ by what slab keeps cached (SLUB keeps a few empty
 * slabs per cache and node) and by page tables or kernel stacks of other
 * tasks. stage 1 measures the spread of the leak check over runs of
 * each library path without faults (measure_spread()), prints it, and
 * fails if it is not well below TOLERANCE: 0 to 5 pages measured (TCG
 * guest, 1 GiB). A leak of one page per failed step over a sweep of a
 * few dozen steps, or of anything sizeable once, exceeds it.
 */
#define TOLERANCE	256
/* Fault-free runs of a path per sample, about a sweep's steps. */
#define SPREAD_RUNS	40
#define SPREAD_ROUNDS	3
#define MEMFD_SIZE	(3 * MIB)
#define TOKEN_OBJ	0x1001
#define TOKEN_MEMFD	0x1002
/* Copies for the retrieve sweeps: more than their injection points. */
#define NR_OBJS		16
#define TOKEN_OBJS	0x2000
#define NR_MEMFDS	40
#define TOKEN_MEMFDS	0x3000
#define OBJ_TEXT	"fault-inject test object"

static int nth_fd, kmsg_fd, luo_fd = -1;
static int failed;

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("not ok fault-inject: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	failed++;
}

static void set_nth(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(nth_fd, buf, len, 0) != len) {
		perror("fail-nth");
		exit(1);
	}
}

/* Stop injecting; was the failure injected? */
static int injected(void)
{
	char buf[16] = "";

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) <= 0) {
		perror("fail-nth");
		exit(1);
	}
	set_nth(0);
	return atoi(buf) == 0;
}

/* Skip the kernel log so far. */
static void kmsg_skip(void)
{
	lseek(kmsg_fd, 0, SEEK_END);
}

/* Which fault attribute fired since kmsg_skip(): 's', 'p' or '?'. */
static char kmsg_kind(void)
{
	char rec[2048];
	char kind = '?';
	ssize_t n;

	for (;;) {
		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		if (strstr(rec, "name failslab"))
			kind = 's';
		else if (strstr(rec, "name fail_page_alloc"))
			kind = 'p';
	}
	return kind;
}

/*
 * The knobs written under injection are opened once: an open() would
 * allocate, and count as an injection point of the path.
 */
static int hook_fd, frozen_fd;

static int knob(int fd, const char *val)
{
	ssize_t n = write(fd, val, strlen(val));

	return n == (ssize_t)strlen(val) ? 0 : n < 0 ? -errno : -EIO;
}

static int hook(const char *op)
{
	return knob(hook_fd, op);
}

struct stats {
	long free, slab, vmalloc, blocks, violations;
};

static void stats(struct stats *s, int drop)
{
	FILE *f;

	if (drop)
		write_str("/proc/sys/vm/drop_caches", "3");
	f = fopen(HOOK "stats", "r");
	if (!f || fscanf(f, "%ld %ld %ld %ld %ld", &s->free, &s->slab,
			 &s->vmalloc, &s->blocks, &s->violations) != 5) {
		perror(HOOK "stats");
		exit(1);
	}
	fclose(f);
}

struct path {
	const char *name;
	int (*op)(void);
	int (*check_ok)(void);		/* 0 if the result is complete */
	int (*check_err)(void);		/* 0 if nothing of the attempt is left */
	void (*undo)(void);		/* undo a success, no injection */
	int keep;			/* keep the last success */
};

/* Steps of the last sweep whose failure a fallback absorbed. */
static char tolerated_step[MAX_STEPS + 1];

/* Sweep @p; returns the number of steps. */
static int sweep(const struct path *p)
{
	int n, err, inj, points = 0, slab = 0, page = 0, tolerated = 0;
	struct stats s0, s1;
	char kind;

	/* Warm up caches and fixtures, so the baseline includes them. */
	err = p->op();
	if (err) {
		fail("%s: fails without injection: %d", p->name, err);
		return 0;
	}
	p->undo();
	stats(&s0, 1);
	memset(tolerated_step, 0, sizeof(tolerated_step));
	for (n = 1; n <= MAX_STEPS; n++) {
		kmsg_skip();
		set_nth(n);
		err = p->op();
		inj = injected();
		kind = kmsg_kind();
		if (inj) {
			points++;
			slab += kind == 's';
			page += kind == 'p';
		}
		if (err) {
			if (!inj)
				fail("%s: error %d without injected failure (step %d)",
				     p->name, err, n);
			else if (p->check_err && p->check_err())
				fail("%s: failure %d left state behind (step %d)",
				     p->name, err, n);
			if (!inj)
				return points;
			continue;
		}
		if (p->check_ok())
			fail("%s: success with an incomplete result (step %d, %s)",
			     p->name, n, inj ? "failure injected" : "no injection");
		p->undo();
		if (!inj)
			break;
		tolerated_step[n] = 1;
		tolerated++;
	}
	if (n > MAX_STEPS)
		fail("%s: more than %d steps", p->name, MAX_STEPS);
	stats(&s1, 1);
	printf("fault-inject: %s: %d injection points (%d slab, %d page), %d tolerated; delta free %ld slab %ld vmalloc %ld blocks %ld pages\n",
	       p->name, points, slab, page, tolerated, s1.free - s0.free,
	       s1.slab - s0.slab, s1.vmalloc - s0.vmalloc,
	       s1.blocks - s0.blocks);
	if (s1.violations)
		fail("%s: %ld violations in the kernel log", p->name,
		     s1.violations);
	if (s1.blocks != s0.blocks)
		fail("%s: %ld preserved blocks leaked", p->name,
		     s1.blocks - s0.blocks);
	if (s0.free + s0.slab - s1.free - s1.slab > TOLERANCE)
		fail("%s: %ld pages leaked", p->name,
		     s0.free + s0.slab - s1.free - s1.slab);
	if (s1.vmalloc - s0.vmalloc > 16)
		fail("%s: %ld vmalloc pages leaked", p->name,
		     s1.vmalloc - s0.vmalloc);
	if (p->keep && p->op())
		fail("%s: the result to hand over cannot be made", p->name);
	fflush(stdout);
	return n - 1;
}

/* Library paths, through the debugfs hook. */
static const char *lib_path;

static int lib_op(void)
{
	char op[64];

	snprintf(op, sizeof(op), "run %s", lib_path);
	return hook(op);
}

static int lib_check(void)
{
	struct stats s;

	stats(&s, 0);
	return s.violations != 0;
}

static void lib_undo(void)
{
	char op[64];

	snprintf(op, sizeof(op), "undo %s", lib_path);
	if (hook(op))
		fail("%s: undo failed", lib_path);
}

static const struct path lib = {
	.op = lib_op, .check_ok = lib_check, .check_err = lib_check,
	.undo = lib_undo, .keep = 1,
};

/* LUO: a session, a test object and a memfd preserved in it. */
static int session = -1, obj = -1, memfd = -1;

static int create_op(void)
{
	session = luo_create_session(luo_fd, "fault-inject");
	return session < 0 ? session : 0;
}

static int create_check(void)
{
	return session < 0;
}

static void close_session(void)
{
	close(session);
	session = -1;
}

static const struct path create_path = {
	.name = "luo-create-session", .op = create_op,
	.check_ok = create_check, .undo = close_session, .keep = 1,
};

static int preserve_obj_op(void)
{
	return luo_preserve(session, obj, TOKEN_OBJ);
}

static int preserved_objs(void)
{
	return luo_knob_read("preserved");
}

static int obj_check_ok(void)
{
	return preserved_objs() != 1;
}

static int obj_check_err(void)
{
	return preserved_objs() != 0;
}

/* A new empty session: closing the old one unpreserved its files. */
static void renew_session(void)
{
	close_session();
	if (create_op())
		fail("cannot create a session again");
}

static const struct path preserve_obj_path = {
	.name = "luo-preserve-fd", .op = preserve_obj_op,
	.check_ok = obj_check_ok, .check_err = obj_check_err,
	.undo = renew_session, .keep = 1,
};

/* A memfd: 1 MiB of data, a 1 MiB hole, 1 MiB of data. */
static int make_memfd(void)
{
	int fd = memfd_create("fault-inject", 0);

	if (fd < 0 || ftruncate(fd, MEMFD_SIZE) ||
	    fill(fd, 0, MIB, 7) || fill(fd, 2 * MIB, MIB, 8))
		return -1;
	return fd;
}

/* Written into the hole of the memfd after it is preserved. */
#define LATE		(256 * KIB)

static int memfd_check(int fd, int late)
{
	struct stat st;

	return !fstat(fd, &st) && st.st_size == MEMFD_SIZE &&
	       verify(fd, 0, MIB, 7) && verify(fd, MIB, LATE, late ? 9 : 0) &&
	       verify(fd, MIB + LATE, MIB - LATE, 0) &&
	       verify(fd, 2 * MIB, MIB, 8);
}

static int late_written;

/* The memfd of the LUO sweeps. */
static int memfd_intact(int fd)
{
	return memfd_check(fd, late_written);
}

/* A copy, as made. */
static int copy_intact(int fd)
{
	return memfd_check(fd, 0);
}

static int preserve_memfd_op(void)
{
	return luo_preserve(session, memfd, TOKEN_MEMFD);
}

/* Preserved: the size is locked. */
static int memfd_check_ok(void)
{
	return !memfd_intact(memfd) || !ftruncate(memfd, MEMFD_SIZE + PAGE);
}

/* Not preserved: the size can change again, the data is as it was. */
static int memfd_check_err(void)
{
	return !memfd_intact(memfd) || ftruncate(memfd, MEMFD_SIZE + PAGE) ||
	       ftruncate(memfd, MEMFD_SIZE);
}

/* Keep the test object preserved beside the memfd. */
static void renew_session_obj(void)
{
	renew_session();
	if (luo_preserve(session, obj, TOKEN_OBJ))
		fail("cannot preserve the test object again");
}

static const struct path preserve_memfd_path = {
	.name = "memfd-preserve", .op = preserve_memfd_op,
	.check_ok = memfd_check_ok, .check_err = memfd_check_err,
	.undo = renew_session_obj, .keep = 1,
};

/*
 * The reboot path without the kexec: LUO freeze, KHO finalize. A memfd
 * unchanged since its last store costs nothing at freeze: move its
 * position first, so that each freeze stores it anew.
 */
static int touch_memfd(void)
{
	static off_t pos;

	pos += 8;
	return lseek(memfd, pos, SEEK_SET) == pos ? 0 : -errno;
}

static int freeze_op(void)
{
	return touch_memfd() ?: knob(frozen_fd, "1");
}

static int frozen_check_ok(void)
{
	return luo_knob_read("frozen") != 1;
}

/* Unfrozen: sessions can be created again, everything intact. */
static int frozen_check_err(void)
{
	int s;

	if (luo_knob_read("frozen") != 0 || !memfd_intact(memfd) ||
	    !luo_test_check(obj, OBJ_TEXT))
		return 1;
	s = luo_create_session(luo_fd, "fault-inject-probe");
	if (s < 0)
		return 1;
	close(s);
	return 0;
}

static void unfreeze(void)
{
	if (knob(frozen_fd, "0"))
		fail("knob frozen: cannot write 0");
}

static const struct path freeze_path = {
	.name = "luo-freeze", .op = freeze_op, .check_ok = frozen_check_ok,
	.check_err = frozen_check_err, .undo = unfreeze,
};

/* Copies for the retrieve sweeps of the next kernel, no injection. */
static int preserve_copies(void)
{
	int i, fd;

	for (i = 0; i < NR_OBJS; i++) {
		fd = luo_test_object(OBJ_TEXT);
		if (fd < 0 || luo_preserve(session, fd, TOKEN_OBJS + i)) {
			fail("cannot preserve test object %d", i);
			return 1;
		}
		close(fd);
	}
	for (i = 0; i < NR_MEMFDS; i++) {
		fd = make_memfd();
		if (fd < 0 || luo_preserve(session, fd, TOKEN_MEMFDS + i)) {
			fail("cannot preserve memfd %d", i);
			return 1;
		}
		close(fd);
	}
	return 0;
}

static void setup_attrs(void)
{
	static const char * const knobs[][2] = {
		{ "failslab/ignore-gfp-wait", "N" },
		{ "failslab/verbose", "1" },
		{ "failslab/verbose_ratelimit_interval_ms", "0" },
		{ "fail_page_alloc/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "fail_page_alloc/min-order", "0" },
		{ "fail_page_alloc/verbose", "1" },
		{ "fail_page_alloc/verbose_ratelimit_interval_ms", "0" },
	};
	char path[128];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s", knobs[i][0]);
		if (write_str(path, knobs[i][1])) {
			fail("cannot set %s", path);
			exit(1);
		}
	}
}

/*
 * What the leak check of sweep() sees without faults: free + slab pages
 * lost over SPREAD_RUNS runs and undos of each library path.
 */
static void measure_spread(const char * const *paths, int nr)
{
	long d, lo = LONG_MAX, hi = LONG_MIN;
	struct stats s0, s1;
	int i, r, k;

	for (r = 0; r < SPREAD_ROUNDS; r++) {
		for (i = 0; i < nr; i++) {
			lib_path = paths[i];
			/* As in sweep(): the baseline includes the caches. */
			if (lib_op()) {
				fail("%s: fails without injection", lib_path);
				return;
			}
			lib_undo();
			stats(&s0, 1);
			for (k = 0; k < SPREAD_RUNS; k++) {
				if (lib_op()) {
					fail("%s: fails without injection",
					     lib_path);
					return;
				}
				lib_undo();
			}
			stats(&s1, 1);
			d = s0.free + s0.slab - s1.free - s1.slab;
			printf("fault-inject: spread: %s round %d: %ld\n",
			       lib_path, r, d);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
	}
	printf("fault-inject: spread without faults: %ld to %ld pages lost over %d runs (%d samples), tolerance %d\n",
	       lo, hi, SPREAD_RUNS, SPREAD_ROUNDS * nr, TOLERANCE);
	if (hi > TOLERANCE / 2 || -lo > TOLERANCE / 2)
		fail("spread without faults too close to the tolerance");
}

static void total(const char *name, int points)
{
	printf("fault-inject: %s: %d injection points in all\n", name, points);
}

static int stage1(void)
{
	static const char * const lib_paths[] = {
		"kho-preserve", "kho-vmalloc", "kho-array", "registry",
	};
	struct path p = lib;
	int n, err, inj, steps, points = 0, all = 0;
	unsigned int i;

	measure_spread(lib_paths, ARRAY_SIZE(lib_paths));
	for (i = 0; i < ARRAY_SIZE(lib_paths); i++) {
		lib_path = p.name = lib_paths[i];
		all += sweep(&p);
	}
	obj = luo_test_object(OBJ_TEXT);
	memfd = make_memfd();
	if (obj < 0 || memfd < 0) {
		fail("cannot make the test files");
		return 1;
	}
	all += sweep(&create_path);
	all += sweep(&preserve_obj_path);
	all += sweep(&preserve_memfd_path);
	/* Folios that appear after preserve are taken in at freeze. */
	if (fill(memfd, MIB, LATE, 9)) {
		fail("cannot write into the preserved memfd");
		return 1;
	}
	late_written = 1;
	steps = sweep(&freeze_path);
	all += steps;

	/*
	 * The same allocations in kernel_kexec(): each failure aborts it.
	 * A failure a fallback absorbed would let the kexec go through.
	 */
	for (n = 1; n <= steps; n++) {
		if (tolerated_step[n])
			continue;
		points++;
		if (touch_memfd())
			fail("lseek");
		set_nth(n);
		err = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1,
			      LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, 0);
		err = err ? -errno : 0;
		inj = injected();
		if (!inj || !err || frozen_check_err())
			fail("kexec with failure %d: error %d, injected %d, not intact",
			     n, err, inj);
	}
	total("kexec-freeze", points);
	if (preserve_copies())
		return 1;
	if (hook("handover"))
		fail("hook handover");
	printf("fault-inject: %d injection points, %d failures; kexec\n", all,
	       failed);
	fflush(stdout);
	if (failed)
		return 1;
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, 0);
	fail("kexec without injection: %s", strerror(errno));
	return 1;
}

/*
 * Next kernel. A failed retrieve of a file either stays failed (LUO keeps
 * the error, the handler has released what was handed over) or can be
 * retried (the handler kept everything): step N retrieves its own copy,
 * token base + N - 1, so that both work. Sessions are retried in place: a
 * failed retrieve changes nothing.
 */
static int retrieve_session_op(void)
{
	session = luo_retrieve_session(luo_fd, "fault-inject");
	return session < 0 ? session : 0;
}

static int finish_op(void)
{
	return luo_finish(session);
}

/* Sweep an operation that can be retried until it succeeds. */
static int sweep_retry(const char *name, int (*op)(void))
{
	int n, err, inj, points = 0;

	for (n = 1; n <= MAX_STEPS; n++) {
		set_nth(n);
		err = op();
		inj = injected();
		points += inj;
		if (err && !inj) {
			fail("%s: error %d without injected failure (step %d)",
			     name, err, n);
			break;
		}
		if (!err)
			break;
	}
	printf("fault-inject: %s: %d injection points\n", name, points);
	fflush(stdout);
	return points;
}

/* Retrieve copy N - 1 of @base with the Nth allocation failing. */
static int sweep_copies(const char *name, __u64 base, int copies,
			int (*intact)(int fd))
{
	int n, fd, again, inj, points = 0, tolerated = 0, sticky = 0;
	int retried = 0;

	for (n = 1; n <= copies; n++) {
		set_nth(n);
		fd = luo_retrieve(session, base + n - 1);
		inj = injected();
		points += inj;
		if (fd < 0 && !inj) {
			fail("%s: error %d without injected failure (step %d)",
			     name, fd, n);
			break;
		}
		if (fd < 0) {
			/*
			 * Either failed for good, with the same error from
			 * then on, or the retry gives the complete data:
			 * never a partial file.
			 */
			again = luo_retrieve(session, base + n - 1);
			if (again < 0 && again != fd)
				fail("%s: error %d, then %d on retry (step %d)",
				     name, fd, again, n);
			if (again < 0) {
				sticky++;
				continue;
			}
			if (!intact(again))
				fail("%s: retry after error %d gives an incomplete result (step %d)",
				     name, fd, n);
			close(again);
			retried++;
			continue;
		}
		if (!intact(fd))
			fail("%s: success with an incomplete result (step %d)",
			     name, n);
		close(fd);
		if (!inj)
			break;
		tolerated++;
	}
	if (n > copies)
		fail("%s: more than %d injection points, not all covered", name,
		     copies);
	printf("fault-inject: %s: %d injection points, %d tolerated, %d failed for good, %d retried\n",
	       name, points, tolerated, sticky, retried);
	fflush(stdout);
	return points;
}

static int obj_intact(int fd)
{
	return luo_test_check(fd, OBJ_TEXT);
}

static int stage2(void)
{
	struct stats s0, s1;
	int fd, all = 0;
	long freed;

	if (hook("verify"))
		fail("library results of the previous kernel");
	stats(&s0, 1);
	all += sweep_retry("luo-retrieve-session", retrieve_session_op);
	fd = luo_retrieve(session, TOKEN_OBJ);
	if (fd < 0 || !obj_intact(fd))
		fail("the test object preserved under injection is not intact");
	close(fd);
	fd = luo_retrieve(session, TOKEN_MEMFD);
	if (fd < 0 || !memfd_check(fd, 1))
		fail("the memfd preserved under injection is not intact");
	close(fd);
	all += sweep_copies("luo-retrieve-fd", TOKEN_OBJS, NR_OBJS, obj_intact);
	all += sweep_copies("memfd-retrieve", TOKEN_MEMFDS, NR_MEMFDS,
			    copy_intact);
	all += sweep_retry("luo-finish", finish_op);
	close_session();
	stats(&s1, 1);
	/* Every memfd came back and was closed, or was released. */
	freed = s1.free + s1.slab - s0.free - s0.slab;
	printf("fault-inject: stage 2: %ld pages freed, %d memfds of %lu pages\n",
	       freed, NR_MEMFDS + 1, 2 * MIB / PAGE);
	if (freed < (NR_MEMFDS + 1) * (long)(2 * MIB / PAGE) - TOLERANCE)
		fail("%ld pages of the handed-over memfds not freed",
		     (NR_MEMFDS + 1) * (long)(2 * MIB / PAGE) - freed);
	printf("fault-inject: %d injection points, %d failures\n", all, failed);
	return failed != 0;
}

int main(int argc, char **argv)
{
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	luo_fd = open(LUO_DEVICE, O_RDWR);
	hook_fd = open(HOOK "op", O_WRONLY);
	frozen_fd = open(LUO_TEST_KNOBS "frozen", O_WRONLY);
	if (argc != 2 || nth_fd < 0 || kmsg_fd < 0 || luo_fd < 0 ||
	    hook_fd < 0 || frozen_fd < 0) {
		fprintf(stderr, "usage: fault_inject 1|2 (needs fail-nth, /dev/kmsg, %s, debugfs)\n",
			LUO_DEVICE);
		return 2;
	}
	setup_attrs();
	return atoi(argv[1]) == 1 ? stage1() : stage2();
}
