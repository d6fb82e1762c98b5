// SPDX-License-Identifier: GPL-2.0
/*
 * luo-fuzz: a seeded random driver of /dev/liveupdate and session fds, with
 * a model of what must exist, run across kexecs.
 *
 *   luo-fuzz --seed S --ops N [--stage K] [--hold] [--verbose]
 *
 * Each stage runs N random operations: create/retrieve sessions,
 * preserve/retrieve fds, finish, close and dup fds in any order, with bad
 * sizes, non-zero tails, bad pointers and read-only arguments on every
 * ioctl, fds of every kind (memfds empty, sparse, sealed, hugetlb,
 * unlinked tmpfs files, pipes, /dev/null, /proc files, eventfds, closed
 * fds, sessions, /dev/liveupdate), the same memfd through two open files,
 * writes, truncates, seals and seeks on preserved memfds, children that
 * use inherited session fds and exit or are killed, and threads racing on
 * one session. Every result is checked against the model (exact errno).
 *
 * With --hold, the stage ends by writing the model into a memfd preserved
 * in session "luo-fuzz-model" and leaving a child holding every session
 * fd: the caller then kexecs. Stage K > 1 reads the model back, retrieves
 * every session and file it lists and checks size, seals, position and
 * every byte, checks that nothing else exists, then runs its own N
 * operations. Everything derives from S and K: a failure prints the seed,
 * the stage and the last operations.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#ifndef MFD_HUGETLB
#define MFD_HUGETLB		4U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif

#define PAGE		4096UL
#define NSLOTS		64
#define MAXFD		1024
#define NNAMES		12
#define NTOKENS		16
#define MAX_OBJS	160
#define MODEL_SESSION	"luo-fuzz-model"
#define LOGN		64

static uint64_t seed, nops = 20000;
static int stage = 1, hold, verbose;
static uint64_t rng;
static unsigned long op_no;
static char oplog[LOGN][200];
static int luo = -1;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rn(unsigned int n)
{
	return n ? rnd() % n : 0;
}

static int chance(int pct)
{
	return rn(100) < (unsigned int)pct;
}

static void logop(const char *fmt, ...)
{
	char *l = oplog[op_no % LOGN];
	va_list ap;
	int n;

	n = snprintf(l, sizeof(oplog[0]), "#%lu ", op_no);
	va_start(ap, fmt);
	vsnprintf(l + n, sizeof(oplog[0]) - n, fmt, ap);
	va_end(ap);
	if (verbose)
		printf("%s\n", l);
}

static void fail(const char *fmt, ...)
{
	unsigned long i, first = op_no >= LOGN ? op_no - LOGN + 1 : 0;
	va_list ap;

	printf("LUO-FUZZ FAIL seed %llu stage %d op %lu: ",
	       (unsigned long long)seed, stage, op_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\nlast operations:\n");
	for (i = first; i <= op_no; i++)
		printf("  %s\n", oplog[i % LOGN]);
	printf("reproduce: luo-fuzz --seed %llu --ops %llu (stage %d; in the VM: run-vm --append \"lu.seed=%llu lu.ops=%llu\" luo-fuzz)\n",
	       (unsigned long long)seed, (unsigned long long)nops, stage,
	       (unsigned long long)seed, (unsigned long long)nops);
	fflush(stdout);
	_exit(1);
}

static const char *err_name(int e)
{
	static char buf[16];

	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENOENT: return "ENOENT";
	case EFAULT: return "EFAULT";
	case E2BIG: return "E2BIG";
	case ENOTTY: return "ENOTTY";
	case EPERM: return "EPERM";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOMEM: return "ENOMEM";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

static void expect(const char *what, int got, int want)
{
	if (got != want)
		fail("%s: got %s, expected %s", what, err_name(got),
		     err_name(want));
}

/* Model of a memfd's contents: slot i is page i * stride. */
struct ino {
	uint64_t id;
	uint64_t size;
	uint64_t mask;		/* slots written */
	unsigned int stride;
	unsigned int seals;
	unsigned int npres;	/* open files of it in outgoing sessions */
	uint64_t held;		/* slots in the page cache at preserve */
	uint8_t ver[NSLOTS];
};

enum kind { K_FREE, K_MEMFD, K_HUGETLB, K_OTHER, K_SESSION, K_LUO, K_TEST };

#define TEXT_LEN	32

/* An open file: what the kernel's struct file is. */
struct ofile {
	int ino;
	uint64_t pos;
	int nfds;
	int held;		/* by an outgoing session */
	int rdonly;
	int checked;		/* retrieved, contents checked */
	char text[TEXT_LEN];	/* a /dev/liveupdate_test object: contents */
};

struct fdent {
	int kind;
	int idx;		/* ofile, or session */
	const char *what;
};

/* A file of a session: outgoing, the ofile held; incoming, the record. */
struct mfile {
	uint64_t token;
	int ofile;		/* -1: incoming, not retrieved */
	int ino;		/* -1: a test object */
	uint64_t pos;
	char text[TEXT_LEN];
};

enum { S_GONE, S_OUT, S_AVAIL, S_RETR, S_FINISHED };

struct sess {
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int incoming, state, nfds;
	int nfiles, cap;
	struct mfile *files;
};

static struct ino *inos;
static int ninos, cap_inos;
static struct ofile *ofs;
static int nofs, cap_ofs;
static struct sess *sess;
static int nsess, cap_sess;
static struct fdent fds[MAXFD];
static uint64_t next_id;
static int hugetlb_ok = 1, test_ok = 1;
static char *argbuf, *robuf;

#define GROW(arr, n, cap) do {						\
	if ((n) == (cap)) {						\
		(cap) = (cap) ? 2 * (cap) : 64;				\
		(arr) = realloc((arr), (cap) * sizeof(*(arr)));		\
		if (!(arr))						\
			fail("out of memory");				\
	}								\
} while (0)

static int new_ino(uint64_t size, unsigned int stride, unsigned int seals)
{
	struct ino *i;

	GROW(inos, ninos, cap_inos);
	i = &inos[ninos];
	memset(i, 0, sizeof(*i));
	i->id = next_id++;
	i->size = size;
	i->stride = stride;
	i->seals = seals;
	return ninos++;
}

static int new_ofile(int ino, int rdonly)
{
	GROW(ofs, nofs, cap_ofs);
	ofs[nofs] = (struct ofile){ .ino = ino, .rdonly = rdonly };
	return nofs++;
}

static int new_sess(const char *name, int incoming, int state)
{
	GROW(sess, nsess, cap_sess);
	memset(&sess[nsess], 0, sizeof(sess[0]));
	snprintf(sess[nsess].name, sizeof(sess[0].name), "%s", name);
	sess[nsess].incoming = incoming;
	sess[nsess].state = state;
	return nsess++;
}

static struct mfile *add_mfile(struct sess *s, uint64_t token)
{
	GROW(s->files, s->nfiles, s->cap);
	memset(&s->files[s->nfiles], 0, sizeof(s->files[0]));
	s->files[s->nfiles].token = token;
	return &s->files[s->nfiles++];
}

static void set_fd(int fd, int kind, int idx, const char *what)
{
	if (fd < 0 || fd >= MAXFD)
		fail("fd %d out of range", fd);
	if (fds[fd].kind != K_FREE)
		fail("fd %d given by the kernel is in use in the model", fd);
	fds[fd] = (struct fdent){ kind, idx, what };
	if (kind == K_MEMFD || kind == K_HUGETLB || kind == K_TEST)
		ofs[idx].nfds++;
	if (kind == K_SESSION)
		sess[idx].nfds++;
}

/* Contents: 8-byte words from the slot's identity and version. */
static void fill(uint64_t *buf, const struct ino *i, unsigned int slot)
{
	unsigned int w;

	for (w = 0; w < PAGE / 8; w++) {
		uint64_t z = i->id * 0x100000001b3ULL + slot * 0x10001ULL +
			     i->ver[slot] * 0x1000193ULL + w;

		z = (z ^ (z >> 31)) * 0x7fb5d329728ea185ULL;
		buf[w] = z ^ (z >> 27);
	}
}

static uint64_t slot_off(const struct ino *i, unsigned int slot)
{
	return (uint64_t)slot * i->stride * PAGE;
}

/* Check size, seals, and every byte of @fd against @i. */
static void check_contents(int fd, const struct ino *i, const char *what)
{
	static uint64_t want[PAGE / 8], got[PAGE / 8];
	off_t saved = lseek(fd, 0, SEEK_CUR), data, hole, end;
	unsigned int slot;
	struct stat st;
	int seals;

	if (fstat(fd, &st))
		fail("%s: fstat: %s", what, strerror(errno));
	if ((uint64_t)st.st_size != i->size)
		fail("%s: size %lld, expected %llu", what,
		     (long long)st.st_size, (unsigned long long)i->size);
	seals = fcntl(fd, F_GET_SEALS);
	if (seals != (int)i->seals)
		fail("%s: seals %#x, expected %#x", what, seals, i->seals);
	for (slot = 0; slot < NSLOTS; slot++) {
		uint64_t off = slot_off(i, slot);
		size_t len;

		if (off >= i->size)
			break;
		len = i->size - off < PAGE ? i->size - off : PAGE;
		if (i->mask & (1ULL << slot))
			fill(want, i, slot);
		else
			memset(want, 0, sizeof(want));
		if (pread(fd, got, len, off) != (ssize_t)len)
			fail("%s: short read at %llu", what,
			     (unsigned long long)off);
		if (memcmp(got, want, len))
			fail("%s: contents differ in page %llu (slot %u, %s)",
			     what, (unsigned long long)(off / PAGE), slot,
			     i->mask & (1ULL << slot) ? "data" : "hole");
	}
	/* Holes stay holes: data only in the pages written. */
	for (end = 0; end < (off_t)i->size; end = hole) {
		data = lseek(fd, end, SEEK_DATA);
		if (data < 0)
			break;
		hole = lseek(fd, data, SEEK_HOLE);
		for (; data < hole; data += PAGE) {
			uint64_t page = data / PAGE;

			if (page % i->stride || page / i->stride >= NSLOTS ||
			    !(i->mask & (1ULL << (page / i->stride))))
				fail("%s: data in page %llu, a hole in the model",
				     what, (unsigned long long)page);
		}
	}
	lseek(fd, saved, SEEK_SET);
}

/* ---- ioctl arguments: every variant of size, tail and pointer ---- */

enum variant { V_OK, V_BIG, V_SMALL, V_TAIL, V_NULL, V_FAULT, V_RO, NVAR };

static const char *const var_name[] = {
	"ok", "big-zero-tail", "small", "nonzero-tail", "null", "fault", "ro",
};

struct argv {
	void *p;
	int pre;	/* errno before anything else, or 0 */
	int ro;		/* copy back fails */
};

static enum variant pick_variant(void)
{
	return chance(75) ? V_OK : (enum variant)(1 + rn(NVAR - 1));
}

/* Lay @arg (of @len bytes, min @len) out as @v says. */
static struct argv make_arg(const void *arg, size_t len, enum variant v)
{
	struct argv a = { 0 };
	uint32_t size = len;
	char *p;

	switch (v) {
	case V_OK:
		p = argbuf;
		memcpy(p, arg, len);
		break;
	case V_BIG:
		size = len + 1 + rn(3 * PAGE);
		p = argbuf;
		memset(p, 0, size);
		memcpy(p, arg, len);
		break;
	case V_SMALL:
		size = rn(len);
		p = argbuf;
		memcpy(p, arg, len);
		a.pre = EINVAL;
		break;
	case V_TAIL:
		size = len + 1 + rn(PAGE);
		p = argbuf;
		memset(p, 0, size);
		memcpy(p, arg, len);
		p[len + rn(size - len)] = 1 + rn(255);
		a.pre = E2BIG;
		break;
	case V_NULL:
		a.p = NULL;
		a.pre = EFAULT;
		return a;
	case V_FAULT:
		/* Known part readable, the tail runs into a PROT_NONE page. */
		p = argbuf + 4 * PAGE - len - rn(8) * 8;
		memcpy(p, arg, len);
		memset(p + len, 0, argbuf + 4 * PAGE - p - len);
		size = len + PAGE;
		a.pre = EFAULT;
		break;
	default:
		mprotect(robuf, PAGE, PROT_READ | PROT_WRITE);
		p = robuf;
		memset(p, 0, PAGE);
		memcpy(p, arg, len);
		if (chance(30))
			size = len + rn(64);
		memcpy(p, &size, 4);
		mprotect(robuf, PAGE, PROT_READ);
		a.p = p;
		a.ro = 1;
		return a;
	}
	memcpy(p, &size, 4);
	a.p = p;
	return a;
}

static int do_ioctl(int fd, unsigned long cmd, void *p)
{
	return ioctl(fd, cmd, p) ? errno : 0;
}

/* ---- picking things ---- */

static const char *pool_name(unsigned int n)
{
	static char names[NNAMES][LIVEUPDATE_SESSION_NAME_LENGTH];

	if (!names[0][0]) {
		unsigned int k;

		for (k = 0; k < NNAMES - 1; k++)
			snprintf(names[k], sizeof(names[k]), "fz-%u", k);
		memset(names[k], 'L', LIVEUPDATE_SESSION_NAME_LENGTH - 1);
	}
	return names[n];
}

static uint64_t pick_token(void)
{
	static const uint64_t odd[] = { ~0ULL, 1ULL << 63, 0x100000000ULL };

	return chance(90) ? rn(NTOKENS) : odd[rn(3)];
}

/* A random open fd of @kind (K_FREE: any), or -1. */
static int pick_fd(int kind)
{
	int n = 0, fd, k;

	for (fd = 0; fd < MAXFD; fd++)
		n += fds[fd].kind != K_FREE && (!kind || fds[fd].kind == kind);
	if (!n)
		return -1;
	k = rn(n);
	for (fd = 0; fd < MAXFD; fd++)
		if (fds[fd].kind != K_FREE && (!kind || fds[fd].kind == kind) &&
		    !k--)
			return fd;
	return -1;
}

static int closed_fd(void)
{
	int fd = 200 + rn(MAXFD - 200);

	while (fds[fd].kind != K_FREE)
		fd = 200 + rn(MAXFD - 200);
	return fd;
}

static int nobjs(void)
{
	int fd, n = 0;

	for (fd = 0; fd < MAXFD; fd++)
		n += fds[fd].kind != K_FREE;
	return n;
}

static int find_out(const char *name)
{
	int k;

	for (k = 0; k < nsess; k++)
		if (sess[k].state == S_OUT && !strcmp(sess[k].name, name))
			return k;
	return -1;
}

static int find_in(const char *name)
{
	int k;

	for (k = 0; k < nsess; k++)
		if (sess[k].incoming && !strcmp(sess[k].name, name))
			return k;
	return -1;
}

static struct mfile *find_file(struct sess *s, uint64_t token)
{
	int k;

	for (k = 0; k < s->nfiles; k++)
		if (s->files[k].token == token)
			return &s->files[k];
	return NULL;
}

/* ---- objects ---- */

/* New contents for test object @of; no "fail-freeze": it blocks kexec. */
static void test_text(int of)
{
	snprintf(ofs[of].text, TEXT_LEN, "%s%llu",
		 chance(15) ? "busy-finish-" : "obj-",
		 (unsigned long long)next_id++);
}


static void write_slot(int fd, int ino, unsigned int slot, int want)
{
	static uint64_t buf[PAGE / 8];
	struct ino *i = &inos[ino];
	uint64_t off = slot_off(i, slot);
	size_t len = i->size - off < PAGE ? i->size - off : PAGE;
	uint8_t ver = i->ver[slot];
	ssize_t n;

	i->ver[slot] = ver + 1;
	fill(buf, i, slot);
	n = pwrite(fd, buf, len, off);
	if (want) {
		i->ver[slot] = ver;
		expect("write", n < 0 ? errno : 0, want);
		return;
	}
	if (n != (ssize_t)len)
		fail("write of slot %u: %zd of %zu (%s)", slot, n, len,
		     n < 0 ? strerror(errno) : "short");
	i->mask |= 1ULL << slot;
}

/* A shmem file of a random shape, written in some slots. */
static int make_memfd(int *inop, const char **what)
{
	static const unsigned int strides[] = { 1, 1, 3, 64, 4096 };
	unsigned int stride = strides[rn(5)], seals = F_SEAL_SEAL, flags = 0;
	uint64_t size;
	int fd, ino, k;

	switch (rn(8)) {
	case 0:
		size = 0;
		break;
	case 1:
		size = 1 + rn(PAGE * 2);
		break;
	default:
		size = (1 + rn(NSLOTS * stride)) * PAGE;
	}
	if (chance(15)) {
		char path[64];

		snprintf(path, sizeof(path), "/tmp/luo-fuzz.%d", getpid());
		fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0 || unlink(path))
			fail("unlinked tmpfs file: %s", strerror(errno));
		*what = "unlinked-tmpfs";
	} else {
		if (chance(60)) {
			flags |= MFD_ALLOW_SEALING;
			seals = 0;
		}
		fd = memfd_create("luo-fuzz", flags);
		if (fd < 0)
			fail("memfd_create: %s", strerror(errno));
		*what = seals ? "memfd" : "memfd-sealable";
	}
	if (ftruncate(fd, size))
		fail("ftruncate: %s", strerror(errno));
	ino = new_ino(size, stride, seals);
	for (k = rn(8); k > 0; k--) {
		unsigned int slot = rn(NSLOTS);

		if (slot_off(&inos[ino], slot) < size)
			write_slot(fd, ino, slot, 0);
	}
	if (!seals && chance(30)) {
		unsigned int add = F_SEAL_GROW | F_SEAL_SHRINK;

		if (chance(30))
			add |= F_SEAL_WRITE;
		if (fcntl(fd, F_ADD_SEALS, add))
			fail("F_ADD_SEALS: %s", strerror(errno));
		inos[ino].seals |= add;
		*what = "memfd-sealed";
	}
	*inop = ino;
	return fd;
}

static void op_new_obj(void)
{
	int fd = -1, p[2], ino, k = rn(12), of;
	const char *what = "?";

	if (nobjs() > MAX_OBJS)
		return;
	if (k == 5 && test_ok) {
		fd = open("/dev/liveupdate_test", O_RDWR);
		if (fd < 0) {
			test_ok = 0;
			return;
		}
		of = new_ofile(-1, 0);
		test_text(of);
		logop("new test object fd %d \"%s\"", fd, ofs[of].text);
		set_fd(fd, K_TEST, of, "test-object");
		if (pwrite(fd, ofs[of].text, strlen(ofs[of].text), 0) !=
		    (ssize_t)strlen(ofs[of].text))
			fail("write of a new test object: %s", strerror(errno));
		return;
	}
	if (k < 6) {
		fd = make_memfd(&ino, &what);
		of = new_ofile(ino, 0);
		if (chance(20)) {
			ofs[of].pos = rn(inos[ino].size + 2 * PAGE);
			lseek(fd, ofs[of].pos, SEEK_SET);
		}
		logop("new %s fd %d ino %d size %llu stride %u seals %#x",
		      what, fd, ino, (unsigned long long)inos[ino].size,
		      inos[ino].stride, inos[ino].seals);
		set_fd(fd, K_MEMFD, of, what);
		return;
	}
	switch (k) {
	case 6:
		if (!hugetlb_ok)
			return;
		fd = memfd_create("luo-fuzz-huge", MFD_HUGETLB);
		if (fd < 0) {
			hugetlb_ok = 0;
			return;
		}
		of = new_ofile(new_ino(0, 1, F_SEAL_SEAL), 0);
		logop("new hugetlb memfd fd %d", fd);
		set_fd(fd, K_HUGETLB, of, "hugetlb");
		return;
	case 7:
		if (pipe(p))
			fail("pipe: %s", strerror(errno));
		logop("new pipe %d %d", p[0], p[1]);
		set_fd(p[0], K_OTHER, 0, "pipe");
		set_fd(p[1], K_OTHER, 0, "pipe");
		return;
	case 8:
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, p) == 0) {
			logop("new socketpair %d %d", p[0], p[1]);
			set_fd(p[0], K_OTHER, 0, "socket");
			set_fd(p[1], K_OTHER, 0, "socket");
			return;
		}
		fd = eventfd(0, 0);
		what = "eventfd";
		break;
	case 9:
		fd = open("/dev/null", O_RDWR);
		what = "/dev/null";
		break;
	case 10:
		fd = open(chance(50) ? "/proc/self/status" : "/init", O_RDONLY);
		what = "regular file";
		break;
	default: {
		/* Another open file of an existing memfd: same inode. */
		char path[64];
		int old = pick_fd(K_MEMFD), rdonly = chance(50);

		if (old < 0)
			return;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", old);
		fd = open(path, rdonly ? O_RDONLY : O_RDWR);
		if (fd < 0)
			fail("reopen %s: %s", path, strerror(errno));
		of = new_ofile(ofs[fds[old].idx].ino, rdonly);
		logop("reopen memfd fd %d as fd %d%s", old, fd,
		      rdonly ? " read-only" : "");
		set_fd(fd, K_MEMFD, of, "memfd-reopened");
		return;
	}
	}
	if (fd < 0)
		fail("open %s: %s", what, strerror(errno));
	logop("new %s fd %d", what, fd);
	set_fd(fd, K_OTHER, 0, what);
}

static void op_test_write(void)
{
	int fd = pick_fd(K_TEST), of;
	ssize_t n;

	if (fd < 0)
		return;
	of = fds[fd].idx;
	test_text(of);
	logop("write fd %d (%s) \"%s\"", fd, fds[fd].what, ofs[of].text);
	n = pwrite(fd, ofs[of].text, strlen(ofs[of].text), 0);
	if (n != (ssize_t)strlen(ofs[of].text))
		fail("write of a test object: %s", n < 0 ? strerror(errno) :
		     "short");
}

/* ---- sessions ---- */

/* Does a retrieved test object of @s refuse to finish (can_finish)? */
static int session_busy(struct sess *s)
{
	int k;

	for (k = 0; k < s->nfiles; k++)
		if (s->files[k].ino < 0 && s->files[k].ofile >= 0 &&
		    !strncmp(ofs[s->files[k].ofile].text, "busy-finish", 11))
			return 1;
	return 0;
}

/* Drop the model's fd @fd; the kernel's close has happened. */
static void model_close(int fd)
{
	struct fdent e = fds[fd];
	struct sess *s;
	int k;

	fds[fd].kind = K_FREE;
	if (e.kind == K_MEMFD || e.kind == K_HUGETLB || e.kind == K_TEST)
		ofs[e.idx].nfds--;
	if (e.kind == K_LUO && fd == luo)
		luo = pick_fd(K_LUO);
	if (e.kind != K_SESSION)
		return;
	s = &sess[e.idx];
	if (--s->nfds)
		return;
	if (s->state == S_OUT) {
		for (k = 0; k < s->nfiles; k++) {
			struct ofile *o = &ofs[s->files[k].ofile];

			o->held = 0;
			if (o->ino >= 0 && !--inos[o->ino].npres)
				inos[o->ino].held = 0;
		}
		s->nfiles = 0;
		s->state = S_GONE;
	} else if (s->state == S_RETR) {
		/* A handler not ready: not finished, available again. */
		s->state = session_busy(s) ? S_AVAIL : S_FINISHED;
	}
}

static void op_close(void)
{
	int fd = pick_fd(0);

	if (fd < 0)
		return;
	logop("close fd %d (%s)", fd, fds[fd].what);
	if (close(fd))
		fail("close %d: %s", fd, strerror(errno));
	model_close(fd);
}

static void op_dup(void)
{
	int fd = pick_fd(chance(60) ? K_SESSION : 0), nfd;
	struct fdent e;

	if (fd < 0 || nobjs() > MAX_OBJS)
		return;
	e = fds[fd];
	nfd = dup(fd);
	logop("dup fd %d (%s) -> %d", fd, e.what, nfd);
	if (nfd < 0)
		fail("dup: %s", strerror(errno));
	set_fd(nfd, e.kind, e.idx, e.what);
}

static void fill_name(uint8_t *name, const char **shown, int *bad)
{
	memset(name, 0, LIVEUPDATE_SESSION_NAME_LENGTH);
	*bad = 0;
	if (chance(5)) {
		*bad = 1;
		*shown = "<empty>";
		if (chance(50))
			memset(name + 1, 'x', 10);
		return;
	}
	if (chance(5)) {
		*bad = 1;
		*shown = "<unterminated>";
		memset(name, 'u', LIVEUPDATE_SESSION_NAME_LENGTH);
		return;
	}
	*shown = pool_name(rn(NNAMES));
	memcpy(name, *shown, strlen(*shown));
}

/* The fd LUO ioctls go to: usually right, sometimes anything. */
static int pick_target(int want_kind)
{
	int fd = pick_fd(want_kind);

	if (fd < 0 || chance(8))
		fd = chance(30) ? closed_fd() : pick_fd(0);
	if (fd < 0)
		fd = closed_fd();
	return fd;
}

/* What any ioctl on a fd that is not the right kind answers, or -1. */
static int wrong_target(int fd, int want_kind)
{
	int kind = fds[fd].kind;

	if (kind == K_FREE)
		return EBADF;
	if (kind == want_kind)
		return -1;
	if (kind == K_SESSION || kind == K_LUO)
		return EINVAL;
	return ENOTTY;
}

static void op_session_cmd(int retrieve)
{
	struct liveupdate_ioctl_create_session a = { .size = sizeof(a) };
	unsigned long cmd = retrieve ? LIVEUPDATE_IOCTL_RETRIEVE_SESSION :
				       LIVEUPDATE_IOCTL_CREATE_SESSION;
	int target = luo >= 0 && chance(95) ? luo : pick_target(K_LUO);
	enum variant v = pick_variant();
	const char *name;
	struct argv arg;
	int bad, want, got, k = -1;

	fill_name(a.name, &name, &bad);
	arg = make_arg(&a, sizeof(a), v);
	want = wrong_target(target, K_LUO);
	if (want < 0)
		want = arg.pre;
	if (!want && bad)
		want = EINVAL;
	if (!want && !retrieve && find_out(name) >= 0)
		want = EEXIST;
	if (!want && retrieve) {
		k = find_in(name);
		if (k < 0 || sess[k].state == S_FINISHED)
			want = ENOENT;
		else if (sess[k].state != S_AVAIL)
			want = EINVAL;
	}
	if (!want && arg.ro)
		want = EFAULT;
	logop("%s \"%.20s\" on fd %d (%s) arg %s", retrieve ? "retrieve-session" :
	      "create-session", name, target,
	      fds[target].kind ? fds[target].what : "closed", var_name[v]);
	got = do_ioctl(target, cmd, arg.p);
	expect(retrieve ? "RETRIEVE_SESSION" : "CREATE_SESSION", got, want);
	if (got)
		return;
	memcpy(&a, arg.p, sizeof(a));
	if (!retrieve)
		k = new_sess(name, 0, S_OUT);
	else
		sess[k].state = S_RETR;
	set_fd(a.fd, K_SESSION, k, retrieve ? "session-in" : "session-out");
}

/* Expected result of preserving @fd in @s under @token (no arg errors). */
static int preserve_expect(struct sess *s, int fd, uint64_t token)
{
	struct fdent *e;

	if (s->incoming)
		return EINVAL;
	if (find_file(s, token))
		return EEXIST;
	if (fd < 0 || fd >= MAXFD || fds[fd].kind == K_FREE)
		return EBADF;
	e = &fds[fd];
	if ((e->kind == K_MEMFD || e->kind == K_HUGETLB || e->kind == K_TEST) &&
	    ofs[e->idx].held)
		return EBUSY;
	if (e->kind == K_TEST)
		return 0;
	if (e->kind == K_HUGETLB)
		return EOPNOTSUPP;
	if (e->kind != K_MEMFD)
		return ENOENT;
	if (inos[ofs[e->idx].ino].npres)
		return EBUSY;
	return 0;
}

static void model_preserve(int si, int fd, uint64_t token)
{
	struct mfile *f = add_mfile(&sess[si], token);
	int of = fds[fd].idx;

	f->ofile = of;
	f->ino = ofs[of].ino;
	ofs[of].held = 1;
	if (f->ino >= 0 && !inos[f->ino].npres++)
		inos[f->ino].held = inos[f->ino].mask;
}

static void op_preserve(void)
{
	struct liveupdate_session_preserve_fd a = { .size = sizeof(a) };
	int target = pick_target(K_SESSION), want, got, fd;
	enum variant v = pick_variant();
	struct argv arg;

	switch (rn(10)) {
	case 0:
		fd = closed_fd();
		break;
	case 1:
		fd = pick_fd(0);
		break;
	default:
		fd = pick_fd(chance(80) ? K_MEMFD : 0);
	}
	if (fd < 0)
		fd = closed_fd();
	a.fd = fd;
	a.token = pick_token();
	arg = make_arg(&a, sizeof(a), v);
	want = wrong_target(target, K_SESSION);
	if (want < 0)
		want = arg.pre;
	if (!want)
		want = preserve_expect(&sess[fds[target].idx], fd, a.token);
	logop("preserve fd %d (%s) token %llu in fd %d (%s%s%s) arg %s", fd,
	      fds[fd].kind ? fds[fd].what : "closed",
	      (unsigned long long)a.token, target,
	      fds[target].kind ? fds[target].what : "closed",
	      fds[target].kind == K_SESSION ? " " : "",
	      fds[target].kind == K_SESSION ? sess[fds[target].idx].name : "",
	      var_name[v]);
	got = do_ioctl(target, LIVEUPDATE_SESSION_PRESERVE_FD, arg.p);
	expect("PRESERVE_FD", got, want);
	if (!got)
		model_preserve(fds[target].idx, fd, a.token);
}

/* An incoming file retrieved as @fd: the first time, check it all. */
static void retrieved(struct mfile *f, int fd, const char *what)
{
	int of, other = -1, k;
	struct stat a, b;

	if (f->ofile < 0) {
		f->ofile = new_ofile(f->ino, 0);
		ofs[f->ofile].pos = f->pos;
		memcpy(ofs[f->ofile].text, f->text, TEXT_LEN);
	}
	of = f->ofile;
	if (f->ino < 0) {
		char buf[1100];
		ssize_t n;

		set_fd(fd, K_TEST, of, "test-retrieved");
		n = pread(fd, buf, sizeof(buf), 0);
		if (n != (ssize_t)strlen(ofs[of].text) ||
		    memcmp(buf, ofs[of].text, n))
			fail("%s: test object holds \"%.*s\", expected \"%s\"",
			     what, n < 0 ? 0 : (int)n, buf, ofs[of].text);
		return;
	}
	for (k = 0; k < MAXFD; k++)
		if (fds[k].kind == K_MEMFD && fds[k].idx == of)
			other = k;
	if (other >= 0 &&
	    (fstat(fd, &a) || fstat(other, &b) || a.st_ino != b.st_ino))
		fail("%s: second retrieval is another file", what);
	set_fd(fd, K_MEMFD, of, "memfd-retrieved");
	if ((uint64_t)lseek(fd, 0, SEEK_CUR) != ofs[of].pos)
		fail("%s: position %lld, expected %llu", what,
		     (long long)lseek(fd, 0, SEEK_CUR),
		     (unsigned long long)ofs[of].pos);
	if (!ofs[of].checked)
		check_contents(fd, &inos[f->ino], what);
	ofs[of].checked = 1;
}

static int retrieve_expect(struct sess *s, uint64_t token)
{
	if (!s->incoming)
		return EINVAL;
	if (s->state == S_FINISHED)
		return ENOENT;
	return find_file(s, token) ? 0 : ENOENT;
}

static void op_retrieve_fd(void)
{
	struct liveupdate_session_retrieve_fd a = { .size = sizeof(a) };
	int target = pick_target(K_SESSION), want, got;
	enum variant v = pick_variant();
	struct mfile *f = NULL;
	struct argv arg;
	struct sess *s;
	char what[96];

	a.token = pick_token();
	a.fd = rn(3) - 1;
	arg = make_arg(&a, sizeof(a), v);
	want = wrong_target(target, K_SESSION);
	if (want < 0)
		want = arg.pre;
	s = fds[target].kind == K_SESSION ? &sess[fds[target].idx] : NULL;
	if (!want) {
		want = retrieve_expect(s, a.token);
		if (!want && arg.ro)
			want = EFAULT;
	}
	if (s && s->incoming)
		f = find_file(s, a.token);
	logop("retrieve-fd token %llu in fd %d (%s%s%s) arg %s",
	      (unsigned long long)a.token, target,
	      fds[target].kind ? fds[target].what : "closed", s ? " " : "",
	      s ? s->name : "", var_name[v]);
	got = do_ioctl(target, LIVEUPDATE_SESSION_RETRIEVE_FD, arg.p);
	expect("RETRIEVE_FD", got, want);
	snprintf(what, sizeof(what), "session %.20s token %llu",
		 s ? s->name : "", (unsigned long long)a.token);
	if (got == EFAULT && arg.ro && f && f->ofile < 0) {
		/* Retrieved all the same; the next RETRIEVE_FD returns it. */
		f->ofile = new_ofile(f->ino, 0);
		ofs[f->ofile].pos = f->pos;
		memcpy(ofs[f->ofile].text, f->text, TEXT_LEN);
		return;
	}
	if (got)
		return;
	memcpy(&a, arg.p, sizeof(a));
	retrieved(f, a.fd, what);
}

/* Incoming session finished: records of files not retrieved are gone. */
static void model_finish(struct sess *s)
{
	s->state = S_FINISHED;
}

static void op_finish(void)
{
	struct liveupdate_session_finish a = { .size = sizeof(a) };
	int target = pick_target(K_SESSION), want, got;
	enum variant v = pick_variant();
	struct argv arg;
	struct sess *s;

	if (chance(10))
		a.reserved = 1 + rn(0xffff);
	arg = make_arg(&a, sizeof(a), v);
	want = wrong_target(target, K_SESSION);
	if (want < 0)
		want = arg.pre;
	s = fds[target].kind == K_SESSION ? &sess[fds[target].idx] : NULL;
	if (!want && (a.reserved || !s->incoming))
		want = EINVAL;
	if (!want && s->state != S_FINISHED && session_busy(s))
		want = EBUSY;
	logop("finish fd %d (%s%s%s) reserved %u arg %s", target,
	      fds[target].kind ? fds[target].what : "closed", s ? " " : "",
	      s ? s->name : "", a.reserved, var_name[v]);
	got = do_ioctl(target, LIVEUPDATE_SESSION_FINISH, arg.p);
	expect("FINISH", got, want);
	if (!got)
		model_finish(s);
}

/* Random command numbers on any fd. */
static void op_badcmd(void)
{
	static const unsigned int other_types[] = { 0x02, 0x03, 0xB9, 0xBB,
						    0x41, 0xFF };
	int fd = pick_target(chance(50) ? K_SESSION : K_LUO), want, got;
	unsigned int type, nr, dir, size;
	unsigned long cmd;

	type = chance(70) ? LIVEUPDATE_IOCTL_TYPE : other_types[rn(6)];
	nr = chance(50) ? rn(0x50) : rn(256);
	dir = chance(60) ? _IOC_NONE : rn(4);
	size = dir == _IOC_NONE && chance(70) ? 0 : rn(1 << _IOC_SIZEBITS);
	cmd = _IOC(dir, type, nr, size);
	if (cmd == LIVEUPDATE_IOCTL_CREATE_SESSION ||
	    cmd == LIVEUPDATE_IOCTL_RETRIEVE_SESSION ||
	    (nr >= LIVEUPDATE_CMD_SESSION_PRESERVE_FD &&
	     nr <= LIVEUPDATE_CMD_SESSION_GET_NAME && dir == _IOC_NONE &&
	     !size && type == LIVEUPDATE_IOCTL_TYPE))
		return;
	switch (fds[fd].kind) {
	case K_FREE:
		want = EBADF;
		break;
	case K_LUO:
		want = type == LIVEUPDATE_IOCTL_TYPE &&
		       nr > LIVEUPDATE_CMD_RETRIEVE_SESSION ? EINVAL : ENOTTY;
		break;
	case K_SESSION:
		want = type != LIVEUPDATE_IOCTL_TYPE ? ENOTTY :
		       nr < LIVEUPDATE_CMD_SESSION_BASE ||
		       nr > LIVEUPDATE_CMD_SESSION_GET_NAME ? EINVAL : ENOTTY;
		break;
	default:
		return;
	}
	logop("ioctl %#lx on fd %d (%s)", cmd, fd,
	      fds[fd].kind ? fds[fd].what : "closed");
	got = do_ioctl(fd, cmd, argbuf);
	expect("unknown ioctl", got, want);
}

/* ---- memfd operations while (maybe) preserved ---- */

static int pick_memfd(void)
{
	int fd = pick_fd(K_MEMFD);

	return fd;
}

static void op_write(void)
{
	int fd = pick_memfd(), want = 0;
	struct ino *i;
	unsigned int slot;

	if (fd < 0)
		return;
	i = &inos[ofs[fds[fd].idx].ino];
	slot = rn(NSLOTS);
	if (slot_off(i, slot) >= i->size)
		return;
	if (ofs[fds[fd].idx].rdonly)
		want = EBADF;
	else if (i->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		want = EPERM;
	logop("write fd %d (%s) slot %u page %llu%s", fd, fds[fd].what, slot,
	      (unsigned long long)(slot_off(i, slot) / PAGE),
	      i->npres ? " preserved" : "");
	write_slot(fd, ofs[fds[fd].idx].ino, slot, want);
}

static void op_truncate(void)
{
	int fd = pick_memfd(), want = 0, got;
	uint64_t size;
	struct ino *i;
	unsigned int slot;

	if (fd < 0 || ofs[fds[fd].idx].rdonly)
		return;
	i = &inos[ofs[fds[fd].idx].ino];
	size = chance(20) ? i->size : rn(NSLOTS * i->stride + 1) * PAGE;
	/* The model keeps whole pages: a partial last page never grows. */
	if (i->size % PAGE && size > i->size)
		return;
	if (size < i->size && (i->seals & F_SEAL_SHRINK))
		want = EPERM;
	else if (size > i->size && (i->seals & F_SEAL_GROW))
		want = EPERM;
	else if (size != i->size && i->npres)
		want = EPERM;
	logop("ftruncate fd %d (%s) %llu -> %llu%s", fd, fds[fd].what,
	      (unsigned long long)i->size, (unsigned long long)size,
	      i->npres ? " preserved" : "");
	got = ftruncate(fd, size) ? errno : 0;
	expect("ftruncate", got, want);
	if (got)
		return;
	/* Aligned sizes only: a page is either kept whole or dropped. */
	for (slot = 0; slot < NSLOTS; slot++)
		if (slot_off(i, slot) >= size)
			i->mask &= ~(1ULL << slot);
	i->size = size;
}

static void op_seal(void)
{
	static const unsigned int seals[] = { F_SEAL_SEAL, F_SEAL_SHRINK,
		F_SEAL_GROW, F_SEAL_WRITE, F_SEAL_FUTURE_WRITE };
	int fd = pick_memfd(), want = 0, got;
	unsigned int add;
	struct ino *i;

	if (fd < 0)
		return;
	i = &inos[ofs[fds[fd].idx].ino];
	add = seals[rn(5)] | (chance(30) ? seals[rn(5)] : 0);
	if (ofs[fds[fd].idx].rdonly || (i->seals & F_SEAL_SEAL))
		want = EPERM;
	/*
	 * The folios held by the preservation have a reference more than
	 * the page cache's: F_SEAL_WRITE takes them for pins and, after
	 * waiting about 150 ms for them to go, fails.
	 */
	else if ((add & F_SEAL_WRITE) && !(i->seals & F_SEAL_WRITE) &&
		 i->held)
		want = EBUSY;
	logop("add seals %#x to fd %d (%s, seals %#x)", add, fd, fds[fd].what,
	      i->seals);
	got = fcntl(fd, F_ADD_SEALS, add) ? errno : 0;
	expect("F_ADD_SEALS", got, want);
	if (!got)
		i->seals |= add;
}

static void op_seek(void)
{
	int fd = pick_memfd();
	struct ofile *o;

	if (fd < 0)
		return;
	o = &ofs[fds[fd].idx];
	o->pos = rn(inos[o->ino].size + 3 * PAGE);
	logop("seek fd %d (%s) to %llu", fd, fds[fd].what,
	      (unsigned long long)o->pos);
	if ((uint64_t)lseek(fd, o->pos, SEEK_SET) != o->pos)
		fail("lseek: %s", strerror(errno));
}

static void op_check(void)
{
	int fd = pick_memfd();
	char what[64];

	if (fd < 0)
		return;
	logop("check fd %d (%s)", fd, fds[fd].what);
	snprintf(what, sizeof(what), "fd %d (%s)", fd, fds[fd].what);
	check_contents(fd, &inos[ofs[fds[fd].idx].ino], what);
}

static void op_reopen_luo(void)
{
	int fd, want;

	want = pick_fd(K_LUO) >= 0 ? EBUSY : 0;
	logop("open /dev/liveupdate (%s)", luo >= 0 ? "open" : "closed");
	fd = open("/dev/liveupdate", O_RDWR);
	expect("open /dev/liveupdate", fd < 0 ? errno : 0, want);
	if (fd >= 0) {
		luo = fd;
		set_fd(fd, K_LUO, 0, "/dev/liveupdate");
	} else if (chance(50)) {
		while ((fd = pick_fd(K_LUO)) >= 0) {
			logop("close /dev/liveupdate fd %d", fd);
			close(fd);
			model_close(fd);
		}
	}
}

/* ---- children holding inherited fds ---- */

/* Plain ioctls for children and threads: 0 or errno; a new fd or -errno. */
static int luo_preserve(int s, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd a = {
		.size = sizeof(a), .fd = fd, .token = token,
	};

	return do_ioctl(s, LIVEUPDATE_SESSION_PRESERVE_FD, &a);
}

static int luo_create(const char *name)
{
	struct liveupdate_ioctl_create_session a = { .size = sizeof(a) };
	int err;

	snprintf((char *)a.name, sizeof(a.name), "%s", name);
	err = do_ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &a);
	return err ? -err : a.fd;
}

static int luo_retrieve_session(const char *name)
{
	struct liveupdate_ioctl_retrieve_session a = { .size = sizeof(a) };
	int err;

	snprintf((char *)a.name, sizeof(a.name), "%s", name);
	err = do_ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &a);
	return err ? -err : a.fd;
}

static int luo_retrieve(int s, uint64_t token)
{
	struct liveupdate_session_retrieve_fd a = {
		.size = sizeof(a), .token = token,
	};
	int err = do_ioctl(s, LIVEUPDATE_SESSION_RETRIEVE_FD, &a);

	return err ? -err : a.fd;
}

static int luo_finish(int s)
{
	struct liveupdate_session_finish a = { .size = sizeof(a) };

	return do_ioctl(s, LIVEUPDATE_SESSION_FINISH, &a);
}

static int free_token(struct sess *s)
{
	uint64_t t;

	for (t = 0; t < NTOKENS; t++)
		if (!find_file(s, t))
			return t;
	return -1;
}

static int free_name(void)
{
	int n;

	for (n = 0; n < NNAMES; n++)
		if (find_out(pool_name(n)) < 0)
			return n;
	return -1;
}

/*
 * A child preserves a new memfd in an inherited session, creates a session
 * of its own with a file in it, maybe finishes an incoming session, then
 * exits or is killed. Its session dies with it; what it put in ours stays.
 */
static void op_fork(void)
{
	int sfd = pick_fd(K_SESSION), killed = chance(50), token, name;
	int p[2], ino, ino2, mfd, mfd2, fin = -1, st;
	const char *what;
	char res = 1;
	pid_t pid;

	if (sfd < 0 || sess[fds[sfd].idx].state != S_OUT || luo < 0)
		return;
	token = free_token(&sess[fds[sfd].idx]);
	name = free_name();
	if (token < 0 || name < 0)
		return;
	fin = pick_fd(K_SESSION);
	if (fin >= 0 && (sess[fds[fin].idx].state != S_RETR ||
			 session_busy(&sess[fds[fin].idx])))
		fin = -1;
	/* The child's memfds are made here, so the model knows them. */
	mfd = make_memfd(&ino, &what);
	mfd2 = make_memfd(&ino2, &what);
	logop("fork: child preserves ino %d token %d in %s, creates \"%s\"%s%s",
	      ino, token, sess[fds[sfd].idx].name, pool_name(name),
	      fin >= 0 ? ", finishes an incoming session" : "",
	      killed ? ", is killed" : ", exits");
	if (pipe(p))
		fail("pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (!pid) {
		int s;

		close(p[0]);
		res = !!luo_preserve(sfd, mfd, token);
		s = luo_create(pool_name(name));
		res |= (s < 0) << 1;
		if (s >= 0)
			res |= !!luo_preserve(s, mfd2, 1) << 2;
		if (fin >= 0)
			res |= !!luo_finish(fin) << 3;
		if (write(p[1], &res, 1) != 1)
			_exit(2);
		if (killed)
			for (;;)
				pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &res, 1) != 1)
		res = 2;
	close(p[0]);
	if (killed)
		kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) != pid)
		fail("waitpid: %s", strerror(errno));
	close(mfd);
	close(mfd2);
	if (res)
		fail("child: an ioctl failed (%d)", res);
	if (!killed && (!WIFEXITED(st) || WEXITSTATUS(st)))
		fail("child: exit status %#x", st);
	/* The child's session is gone; our session holds the memfd. */
	{
		int of = new_ofile(ino, 0);
		struct mfile *f = add_mfile(&sess[fds[sfd].idx], token);

		f->ofile = of;
		f->ino = ino;
		ofs[of].held = 1;
		if (!inos[ino].npres++)
			inos[ino].held = inos[ino].mask;
	}
	if (fin >= 0)
		model_finish(&sess[fds[fin].idx]);
}

/* ---- frozen: the reboot path without the kexec ---- */

static int knob(const char *val)
{
	int fd = open("/sys/kernel/debug/liveupdate_test/frozen", O_WRONLY);
	int err = 0;

	if (fd < 0)
		return -1;
	if (write(fd, val, 1) != 1)
		err = errno;
	close(fd);
	return err;
}

/*
 * Freeze as the reboot path does (test knob), check that every ioctl
 * answers EBUSY, maybe close a session fd (takes effect at unfreeze),
 * then abort. Freeze and abort must both succeed.
 */
static void op_frozen(void)
{
	int sfd = pick_fd(K_SESSION), err, k;

	if (!test_ok)
		return;
	logop("freeze (test knob)");
	err = knob("1");
	if (err < 0) {
		test_ok = 0;
		return;
	}
	expect("freeze", err, 0);
	/* The freeze holds the folios written since preserve as well. */
	for (k = 0; k < ninos; k++)
		if (inos[k].npres)
			inos[k].held = inos[k].mask;
	if (luo >= 0) {
		expect("CREATE_SESSION frozen", -luo_create(pool_name(rn(NNAMES))),
		       EBUSY);
		expect("RETRIEVE_SESSION frozen",
		       -luo_retrieve_session(pool_name(rn(NNAMES))), EBUSY);
	}
	if (sfd >= 0) {
		k = pick_fd(chance(50) ? K_MEMFD : K_TEST);
		expect("PRESERVE_FD frozen",
		       luo_preserve(sfd, k < 0 ? closed_fd() : k, pick_token()),
		       EBUSY);
		expect("RETRIEVE_FD frozen", -luo_retrieve(sfd, rn(NTOKENS)),
		       EBUSY);
		expect("FINISH frozen", luo_finish(sfd), EBUSY);
		if (chance(50)) {
			logop("close fd %d (%s) while frozen", sfd,
			      fds[sfd].what);
			close(sfd);
			model_close(sfd);
		}
	}
	logop("unfreeze (test knob)");
	expect("unfreeze", knob("0"), 0);
}

/* ---- threads racing on one session ---- */

struct race {
	pthread_barrier_t *bar;
	int session, fd, what;
	uint64_t token;
	int ret;
};

static void *race_thread(void *p)
{
	struct race *r = p;

	pthread_barrier_wait(r->bar);
	switch (r->what) {
	case 0:
		r->ret = luo_preserve(r->session, r->fd, r->token);
		break;
	case 1:
		r->ret = -luo_retrieve(r->session, r->token);
		break;
	default:
		r->ret = luo_finish(r->session);
	}
	return NULL;
}

/*
 * Seven threads on one outgoing session: two preserve different memfds
 * under one token (one wins, the other gets EEXIST), two preserve one
 * memfd under two tokens (one wins, EBUSY), one preserves alone, one
 * retrieves and one finishes (EINVAL: outgoing).
 */
static void op_threads(void)
{
	int sfd = pick_fd(K_SESSION), m[4], ino[4], k, si;
	struct race r[7];
	pthread_barrier_t bar;
	pthread_t th[7];
	uint64_t base;
	const char *what;

	if (sfd < 0 || sess[fds[sfd].idx].state != S_OUT ||
	    nobjs() > MAX_OBJS)
		return;
	si = fds[sfd].idx;
	base = (rnd() | 1ULL << 62) & ~0xfULL;
	for (k = 0; k < 4; k++) {
		m[k] = make_memfd(&ino[k], &what);
		set_fd(m[k], K_MEMFD, new_ofile(ino[k], 0), what);
	}
	logop("threads on %s: tokens %#llx..+4, fds %d %d %d %d", sess[si].name,
	      (unsigned long long)base, m[0], m[1], m[2], m[3]);
	pthread_barrier_init(&bar, NULL, 7);
	r[0] = (struct race){ &bar, sfd, m[0], 0, base };
	r[1] = (struct race){ &bar, sfd, m[1], 0, base };
	r[2] = (struct race){ &bar, sfd, m[2], 0, base + 2 };
	r[3] = (struct race){ &bar, sfd, m[2], 0, base + 3 };
	r[4] = (struct race){ &bar, sfd, m[3], 0, base + 4 };
	r[5] = (struct race){ &bar, sfd, -1, 1, base };
	r[6] = (struct race){ &bar, sfd, -1, 2, 0 };
	for (k = 0; k < 7; k++)
		if (pthread_create(&th[k], NULL, race_thread, &r[k]))
			fail("pthread_create");
	for (k = 0; k < 7; k++)
		pthread_join(th[k], NULL);
	pthread_barrier_destroy(&bar);
	if (!((r[0].ret == 0 && r[1].ret == EEXIST) ||
	      (r[1].ret == 0 && r[0].ret == EEXIST)))
		fail("threads: one token twice: %s and %s", err_name(r[0].ret),
		     err_name(r[1].ret));
	if (!((r[2].ret == 0 && r[3].ret == EBUSY) ||
	      (r[3].ret == 0 && r[2].ret == EBUSY)))
		fail("threads: one memfd twice: %s and %s", err_name(r[2].ret),
		     err_name(r[3].ret));
	expect("threads: preserve", r[4].ret, 0);
	expect("threads: retrieve on outgoing", r[5].ret, EINVAL);
	expect("threads: finish on outgoing", r[6].ret, EINVAL);
	model_preserve(si, r[0].ret ? m[1] : m[0], base);
	model_preserve(si, m[2], r[2].ret ? base + 3 : base + 2);
	model_preserve(si, m[3], base + 4);
}

/* ---- the model across the kexec ---- */

static void save_model(void)
{
	int mfd, s, k, j, n = 0;
	FILE *f;

	mfd = memfd_create("luo-fuzz-model", 0);
	f = mfd < 0 ? NULL : fdopen(dup(mfd), "w");
	if (!f)
		fail("model memfd: %s", strerror(errno));
	fprintf(f, "luo-fuzz-model seed %llu stage %d next_id %llu\n",
		(unsigned long long)seed, stage, (unsigned long long)next_id);
	for (k = 0; k < nsess; k++) {
		struct sess *ss = &sess[k];

		if (ss->state != S_OUT)
			continue;
		n++;
		fprintf(f, "session %s %d\n", ss->name, ss->nfiles);
		for (j = 0; j < ss->nfiles; j++) {
			struct ofile *o = &ofs[ss->files[j].ofile];
			struct ino *i = &inos[o->ino < 0 ? 0 : o->ino];
			int v;

			if (o->ino < 0) {
				fprintf(f, "test %llu %s\n",
					(unsigned long long)ss->files[j].token,
					o->text);
				continue;
			}
			fprintf(f, "file %llu %llu %u %llu %llx %x %llu ",
				(unsigned long long)ss->files[j].token,
				(unsigned long long)i->id, i->stride,
				(unsigned long long)i->size,
				(unsigned long long)i->mask, i->seals,
				(unsigned long long)o->pos);
			for (v = 0; v < NSLOTS; v++)
				fprintf(f, "%02x", i->ver[v]);
			fputc('\n', f);
		}
	}
	fprintf(f, "end\n");
	if (fclose(f))
		fail("model write: %s", strerror(errno));
	/* The position is handed over too: the next stage reads from 0. */
	if (lseek(mfd, 0, SEEK_SET))
		fail("model rewind: %s", strerror(errno));
	if (luo < 0) {
		luo = open("/dev/liveupdate", O_RDWR);
		if (luo < 0)
			fail("/dev/liveupdate: %s", strerror(errno));
		set_fd(luo, K_LUO, 0, "/dev/liveupdate");
	}
	s = luo_create(MODEL_SESSION);
	if (s < 0)
		fail("model session: %s", err_name(-s));
	k = luo_preserve(s, mfd, 0);
	if (k)
		fail("model preserve: %s", err_name(k));
	printf("luo-fuzz: %d sessions handed over\n", n);
}

static void load_model(void)
{
	char buf[512], name[LIVEUPDATE_SESSION_NAME_LENGTH + 1], vers[200];
	unsigned long long tok, id, size, mask, pos, nid;
	int s, mfd, nfiles, k, si = -1, n = 0;
	unsigned int stride, seals;
	FILE *f;

	s = luo_retrieve_session(MODEL_SESSION);
	if (s < 0)
		fail("model session of the previous stage: %s", err_name(-s));
	mfd = luo_retrieve(s, 0);
	if (mfd < 0)
		fail("model memfd: %s", err_name(-mfd));
	expect("finish model session", luo_finish(s), 0);
	close(s);
	f = fdopen(mfd, "r");
	if (!f || !fgets(buf, sizeof(buf), f) ||
	    sscanf(buf, "luo-fuzz-model seed %*u stage %*d next_id %llu",
		   &nid) != 1)
		fail("model: bad header");
	next_id = nid;
	while (fgets(buf, sizeof(buf), f)) {
		if (!strcmp(buf, "end\n")) {
			n = -1;
			break;
		}
		if (sscanf(buf, "session %64s %d", name, &nfiles) == 2) {
			si = new_sess(name, 1, S_AVAIL);
			continue;
		}
		if (si >= 0 && sscanf(buf, "test %llu %31s", &tok, vers) == 2) {
			struct mfile *mf = add_mfile(&sess[si], tok);

			mf->ofile = -1;
			mf->ino = -1;
			snprintf(mf->text, TEXT_LEN, "%s", vers);
			continue;
		}
		if (si < 0 || sscanf(buf, "file %llu %llu %u %llu %llx %x %llu %199s",
				     &tok, &id, &stride, &size, &mask, &seals,
				     &pos, vers) != 8 || strlen(vers) != 2 * NSLOTS)
			fail("model: bad line %s", buf);
		k = new_ino(size, stride, seals);
		inos[k].id = id;
		inos[k].mask = mask;
		for (n = 0; n < NSLOTS; n++) {
			unsigned int v;

			sscanf(vers + 2 * n, "%2x", &v);
			inos[k].ver[n] = v;
		}
		{
			struct mfile *mf = add_mfile(&sess[si], tok);

			mf->ofile = -1;
			mf->ino = k;
			mf->pos = pos;
		}
	}
	if (n != -1)
		fail("model: truncated");
	fclose(f);
	next_id = nid;
}

/* Retrieve every file of incoming session @si not retrieved yet; check. */
static void retrieve_all(int si, int sfd)
{
	struct sess *s = &sess[si];
	char what[96];
	uint64_t t;
	int k, fd;

	for (k = 0; k < s->nfiles; k++) {
		struct mfile *f = &s->files[k];

		if (f->ofile >= 0)
			continue;
		snprintf(what, sizeof(what), "session %.20s token %llu",
			 s->name, (unsigned long long)f->token);
		logop("retrieve-fd %s", what);
		fd = luo_retrieve(sfd, f->token);
		if (fd < 0)
			fail("%s: %s", what, err_name(-fd));
		retrieved(f, fd, what);
	}
	for (t = 0; t < NTOKENS; t++) {
		if (find_file(s, t))
			continue;
		logop("retrieve-fd session %.20s token %llu (absent)", s->name,
		      (unsigned long long)t);
		fd = luo_retrieve(sfd, t);
		expect("RETRIEVE_FD of a token never preserved", -fd, ENOENT);
	}
}

/* What the model says exists does; nothing else does. */
static void verify_incoming(void)
{
	int n, k, fd;

	for (n = 0; n < NNAMES; n++) {
		const char *name = pool_name(n);

		k = find_in(name);
		logop("retrieve-session %.20s (%s)", name,
		      k < 0 ? "absent" : "present");
		if (k < 0) {
			fd = luo_retrieve_session(name);
			expect("RETRIEVE_SESSION of a session not handed over",
			       fd < 0 ? -fd : 0, ENOENT);
			continue;
		}
		/* Leave some to the random operations. */
		if (chance(20))
			continue;
		fd = luo_retrieve_session(name);
		if (fd < 0)
			fail("RETRIEVE_SESSION %s: %s", name, err_name(-fd));
		sess[k].state = S_RETR;
		set_fd(fd, K_SESSION, k, "session-in");
		expect("second RETRIEVE_SESSION", -luo_retrieve_session(name),
		       EINVAL);
		retrieve_all(k, fd);
	}
}

/* At the end: check what the random operations left unretrieved. */
static void sweep_incoming(void)
{
	int k, fd;

	for (k = 0; k < nsess; k++) {
		struct sess *s = &sess[k];

		if (s->state == S_AVAIL) {
			if (luo < 0) {
				luo = open("/dev/liveupdate", O_RDWR);
				if (luo < 0)
					fail("/dev/liveupdate: %s",
					     strerror(errno));
				set_fd(luo, K_LUO, 0, "/dev/liveupdate");
			}
			fd = luo_retrieve_session(s->name);
			if (fd < 0)
				fail("RETRIEVE_SESSION %s: %s", s->name,
				     err_name(-fd));
			s->state = S_RETR;
			set_fd(fd, K_SESSION, k, "session-in");
		} else if (s->state == S_RETR) {
			for (fd = 0; fd < MAXFD; fd++)
				if (fds[fd].kind == K_SESSION &&
				    fds[fd].idx == k)
					break;
		} else {
			continue;
		}
		retrieve_all(k, fd);
	}
}

static void run_ops(void)
{
	static const struct {
		void (*fn)(void);
		int weight;
	} ops[] = {
		{ op_new_obj, 140 }, { op_close, 80 }, { op_dup, 40 },
		{ op_preserve, 200 }, { op_retrieve_fd, 100 },
		{ op_finish, 40 }, { op_write, 80 }, { op_truncate, 40 },
		{ op_seal, 30 }, { op_seek, 30 }, { op_check, 40 },
		{ op_badcmd, 40 }, { op_reopen_luo, 15 }, { op_fork, 4 },
		{ op_threads, 4 }, { op_test_write, 20 }, { op_frozen, 3 },
	};
	unsigned int total = 0, k, r;

	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
		total += ops[k].weight;
	for (op_no = 0; op_no < nops; op_no++) {
		oplog[op_no % LOGN][0] = 0;
		r = rn(total + 130);
		if (r >= total) {
			/* The session ioctls of /dev/liveupdate. */
			op_session_cmd(r - total < 50);
			continue;
		}
		for (k = 0; r >= (unsigned int)ops[k].weight; k++)
			r -= ops[k].weight;
		ops[k].fn();
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double t0;
	int k;

	seed = (uint64_t)time(NULL) ^ getpid();
	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--seed") && k + 1 < argc)
			seed = strtoull(argv[++k], NULL, 0);
		else if (!strcmp(argv[k], "--ops") && k + 1 < argc)
			nops = strtoull(argv[++k], NULL, 0);
		else if (!strcmp(argv[k], "--stage") && k + 1 < argc)
			stage = atoi(argv[++k]);
		else if (!strcmp(argv[k], "--hold"))
			hold = 1;
		else if (!strcmp(argv[k], "--verbose"))
			verbose = 1;
		else {
			fprintf(stderr, "usage: luo-fuzz [--seed S] [--ops N] [--stage K] [--hold] [--verbose]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("luo-fuzz: seed %llu stage %d ops %llu\n",
	       (unsigned long long)seed, stage, (unsigned long long)nops);
	rng = seed * 0x2545f4914f6cdd1dULL + stage;
	signal(SIGPIPE, SIG_IGN);

	argbuf = mmap(NULL, 5 * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	robuf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (argbuf == MAP_FAILED || robuf == MAP_FAILED ||
	    mprotect(argbuf + 4 * PAGE, PAGE, PROT_NONE))
		fail("mmap: %s", strerror(errno));
	luo = open("/dev/liveupdate", O_RDWR);
	if (luo < 0)
		fail("/dev/liveupdate: %s", strerror(errno));
	set_fd(luo, K_LUO, 0, "/dev/liveupdate");
	next_id = (uint64_t)stage << 40;

	t0 = now();
	if (stage > 1) {
		load_model();
		verify_incoming();
		printf("luo-fuzz: stage %d: handover checked in %.2f s\n",
		       stage, now() - t0);
	}
	t0 = now();
	run_ops();
	sweep_incoming();
	t0 = now() - t0;
	printf("luo-fuzz: stage %d: %llu operations in %.2f s, %.0f ops/s\n",
	       stage, (unsigned long long)nops, t0, nops / t0);
	if (!hold)
		return 0;
	save_model();
	fflush(stdout);
	if (fork() == 0) {
		/* Holds every session fd until the kexec. */
		for (;;)
			pause();
	}
	printf("luo-fuzz: stage %d: a child holds the sessions, kexec now\n",
	       stage);
	return 0;
}
