// SPDX-License-Identifier: GPL-2.0
/*
 * LUO across kexec, two stages:
 *
 *   luo_kexec 1 [fail]   create sessions and preserve test objects, then
 *                        leave a daemon holding the session fds (they
 *                        must stay open through the kexec); with "fail",
 *                        also a session whose freeze fails; SIGUSR1 makes
 *                        the daemon close that one
 *   luo_kexec intact     after a refused kexec: the sessions still exist
 *   luo_kexec 2          after the kexec: retrieve, check, finish
 *   luo_kexec frozen     freeze with the test knob: every ioctl fails
 *                        with EBUSY, a session closed and one whose
 *                        holder is killed stay preserved; abort: they
 *                        are unpreserved; leave a daemon as stage 1
 *   luo_kexec frozen-2   after the kexec: what was kept is there; an
 *                        incoming session closed while frozen is
 *                        finished at unfreeze, not before
 *   luo_kexec corrupt    sessions with duplicates once the test knob
 *                        "corrupt" is "dups" (see luo_test.c)
 *   luo_kexec corrupt-dups | corrupt-overlap   after the kexec with that
 *                        corruption: duplicates (or everything) rejected
 *
 * Prints "ok N what" / "not ok N what"; exits 1 on any failure.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "luo_util.h"

#define MANY_SESSIONS	100
#define MANY_FILES	10

static int failures, checks;

static void check(int ok, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++checks, what);
	failures += !ok;
}

static int failing_session = -1;

static void daemonize(void);

static void close_failing(int sig)
{
	close(failing_session);
}

/* Preserve a new object; the session holds it, its fd is closed. */
static int preserve_text(int session, __u64 token, const char *text)
{
	int obj = luo_test_object(text);
	int err = obj < 0 ? obj : luo_preserve(session, obj, token);

	if (obj >= 0)
		close(obj);
	return err;
}

static void stage1(int luo, int fail)
{
	int a, b, gone, busy, obj2, i, j;
	char name[64];

	a = luo_create_session(luo, "kexec-a");
	b = luo_create_session(luo, "kexec-b");
	gone = luo_create_session(luo, "gone");
	busy = luo_create_session(luo, "busy");
	check(a >= 0 && b >= 0 && gone >= 0 && busy >= 0, "create sessions");
	check(preserve_text(a, 1, "alpha") >= 0, "preserve token 1");
	obj2 = luo_test_object("beta");
	check(obj2 >= 0 && !luo_preserve(a, obj2, 2), "preserve token 2");
	/* Written after preserve: picked up at freeze. */
	check(pwrite(obj2, "beta-updated", 12, 0) == 12, "update token 2");
	check(preserve_text(a, 3, "never-retrieved") >= 0, "preserve token 3");
	check(preserve_text(b, 0x1A, "hello kexec world") >= 0, "preserve 0x1A");
	check(preserve_text(gone, 1, "gone") >= 0, "preserve in gone");
	close(gone);
	check(preserve_text(busy, 5, "busy-finish") >= 0, "preserve busy");
	for (i = 0; i < MANY_SESSIONS; i++) {
		int s;

		snprintf(name, sizeof(name), "many-%d", i);
		s = luo_create_session(luo, name);
		for (j = 0; j < MANY_FILES; j++) {
			snprintf(name, sizeof(name), "file-%d-%d", i, j);
			if (s < 0 || preserve_text(s, j, name) < 0)
				s = -1;
		}
		if (s < 0)
			break;
	}
	check(i == MANY_SESSIONS, "many sessions and files");
	if (fail) {
		failing_session = luo_create_session(luo, "failing");
		check(preserve_text(failing_session, 1, "fail-freeze") >= 0,
		      "preserve failing");
	}
	close(luo);
	daemonize();
}

/* Leave a daemon holding every open fd; the caller kexecs. */
static void daemonize(void)
{
	fflush(stdout);
	if (fork() == 0) {
		setsid();
		signal(SIGUSR1, close_failing);
		close(0);
		close(1);
		close(2);
		for (;;)
			pause();
	}
}

static const struct liveupdate_session_finish finish_args = {
	.size = sizeof(finish_args),
};

static void frozen1(int luo)
{
	int keep, closed, incoming, obj, s, ready[2];
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	char c = 'n';
	long before;
	pid_t holder;

	/* Forked first, so that it holds no fd of the other sessions. */
	check(!pipe(ready), "pipe");
	fflush(stdout);
	holder = fork();
	if (holder == 0) {
		s = luo_create_session(luo, "fz-killed");
		c = s >= 0 && preserve_text(s, 1, "killed") >= 0 ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	check(read(ready[0], &c, 1) == 1 && c == 'y', "holder preserves fz-killed");
	keep = luo_create_session(luo, "fz-keep");
	check(keep >= 0 && preserve_text(keep, 1, "kept") >= 0 &&
	      preserve_text(keep, 2, "kept-2") >= 0, "preserve in fz-keep");
	closed = luo_create_session(luo, "fz-closed");
	check(closed >= 0 && preserve_text(closed, 1, "closed") >= 0,
	      "preserve in fz-closed");
	incoming = luo_create_session(luo, "fz-incoming");
	check(incoming >= 0 && preserve_text(incoming, 1, "incoming") >= 0,
	      "preserve in fz-incoming");
	obj = luo_test_object("late");
	before = luo_knob_read("preserved");
	check(before >= 5, "preserved count");

	check(luo_knob_write("frozen", "1") == 0, "freeze");
	check(luo_create_session(luo, "fz-new") == -EBUSY, "create: EBUSY");
	check(luo_retrieve_session(luo, "fz-keep") == -EBUSY,
	      "retrieve session: EBUSY");
	check(luo_preserve(keep, obj, 3) == -EBUSY, "preserve: EBUSY");
	check(luo_retrieve(keep, 1) == -EBUSY, "retrieve fd: EBUSY");
	check(luo_ioctl(keep, LIVEUPDATE_SESSION_FINISH, (void *)&finish_args) ==
	      -EBUSY, "finish: EBUSY");
	check(luo_get_name(keep, name) == 0 && !strcmp(name, "fz-keep"),
	      "get name while frozen");
	close(closed);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	close(luo);
	luo = open(LUO_DEVICE, O_RDWR);
	check(luo >= 0 && luo_create_session(luo, "fz-closed") == -EBUSY,
	      "device reopened while frozen: EBUSY");
	check(luo_knob_read("preserved") == before,
	      "nothing unpreserved while frozen");

	check(luo_knob_write("frozen", "0") == 0, "abort");
	check(luo_knob_read("preserved") == before - 2,
	      "closed sessions unpreserved at unfreeze");
	s = luo_create_session(luo, "fz-closed");
	check(s >= 0, "fz-closed gone");
	close(s);
	s = luo_create_session(luo, "fz-killed");
	check(s >= 0, "fz-killed gone");
	close(s);
	check(luo_create_session(luo, "fz-keep") == -EEXIST, "fz-keep kept");
	check(luo_preserve(keep, obj, 3) == 0, "preserve after abort");
	close(obj);
	close(luo);
	daemonize();
}

static void frozen2(int luo)
{
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int keep, incoming, fd;
	long released;

	keep = luo_retrieve_session(luo, "fz-keep");
	check(keep >= 0, "retrieve fz-keep");
	check(luo_get_name(keep, name) == 0 && !strcmp(name, "fz-keep"),
	      "get name of an incoming session");
	fd = luo_retrieve(keep, 1);
	check(fd >= 0 && luo_test_check(fd, "kept"), "token 1");
	fd = luo_retrieve(keep, 2);
	check(fd >= 0 && luo_test_check(fd, "kept-2"), "token 2");
	fd = luo_retrieve(keep, 3);
	check(fd >= 0 && luo_test_check(fd, "late"), "token 3, preserved after abort");
	check(luo_retrieve_session(luo, "fz-closed") == -ENOENT, "fz-closed not handed over");
	check(luo_retrieve_session(luo, "fz-killed") == -ENOENT, "fz-killed not handed over");

	incoming = luo_retrieve_session(luo, "fz-incoming");
	check(incoming >= 0, "retrieve fz-incoming");
	released = luo_knob_read("released");
	check(luo_knob_write("frozen", "1") == 0, "freeze");
	check(luo_retrieve(incoming, 1) == -EBUSY, "retrieve fd: EBUSY");
	check(luo_ioctl(incoming, LIVEUPDATE_SESSION_FINISH,
			(void *)&finish_args) == -EBUSY, "finish: EBUSY");
	close(incoming);
	check(luo_knob_read("released") == released, "nothing finished while frozen");
	check(luo_knob_write("frozen", "0") == 0, "abort");
	check(luo_knob_read("released") == released + 1,
	      "closed session finished at unfreeze");
	check(luo_retrieve_session(luo, "fz-incoming") == -ENOENT,
	      "fz-incoming finished: gone");
	check(luo_finish(keep) == 0, "finish fz-keep");
}

#define DUP	(1ULL << 63)

/* With the knob "corrupt" at "dups", the kexec writes duplicates. */
static void corrupt1(int luo)
{
	int a = luo_create_session(luo, "cx-a");
	int d = luo_create_session(luo, "cx-a#dup");
	int b = luo_create_session(luo, "cx-b");

	check(a >= 0 && d >= 0 && b >= 0, "create sessions");
	check(!preserve_text(a, 1, "a-1") && !preserve_text(a, 2, "a-2") &&
	      !preserve_text(a, 2 | DUP, "a-2-dup") &&
	      !preserve_text(a, 3, "a-3"), "preserve in cx-a");
	check(!preserve_text(d, 1, "dup-1") && !preserve_text(d, 9, "dup-9"),
	      "preserve in cx-a#dup");
	check(!preserve_text(b, 1 | DUP, "b-1") && !preserve_text(b, 5, "b-5"),
	      "preserve in cx-b");
	close(luo);
	daemonize();
}

static void corrupt2(int luo, const char *how)
{
	int a, b, fd, i;
	static const char * const a_text[] = { "a-1", "a-2", "a-3" };

	/* Opening the device read the sessions: rejects are released. */
	if (!strcmp(how, "overlap")) {
		check(luo_retrieve_session(luo, "cx-a") == -ENOENT,
		      "nothing restored");
		check(luo_knob_read("released") == 0, "nothing released");
		return;
	}
	check(luo_knob_read("released") == 3, "3 rejected files released");
	a = luo_retrieve_session(luo, "cx-a");
	check(a >= 0, "retrieve cx-a");
	for (i = 0; i < 3; i++) {
		fd = luo_retrieve(a, i + 1);
		check(fd >= 0 && luo_test_check(fd, a_text[i]), a_text[i]);
	}
	check(luo_retrieve(a, 9) == -ENOENT, "no token of the rejected session");
	b = luo_retrieve_session(luo, "cx-b");
	fd = b < 0 ? b : luo_retrieve(b, 1);
	check(fd >= 0 && luo_test_check(fd, "b-1"), "b-1");
	fd = b < 0 ? b : luo_retrieve(b, 5);
	check(fd >= 0 && luo_test_check(fd, "b-5"), "b-5");
	check(!luo_finish(a) && !luo_finish(b), "finish");
	check(luo_knob_read("released") == 3, "no more released");
}

static void intact(int luo)
{
	check(luo_create_session(luo, "kexec-a") == -EEXIST,
	      "session kexec-a still there after the refused kexec");
	check(luo_create_session(luo, "failing") == -EEXIST,
	      "session failing still there");
}

static void stage2(int luo)
{
	int a, b, busy, fd, i, j;
	char name[64];

	a = luo_retrieve_session(luo, "kexec-a");
	check(a >= 0, "retrieve kexec-a");
	check(luo_retrieve_session(luo, "kexec-a") == -EINVAL, "retrieve twice");
	check(luo_retrieve_session(luo, "gone") == -ENOENT, "closed session gone");
	check(luo_retrieve_session(luo, "failing") == -ENOENT,
	      "failing session gone");
	check(luo_create_session(luo, "kexec-a") >= 0,
	      "outgoing names are separate");
	fd = luo_retrieve(a, 1);
	check(fd >= 0 && luo_test_check(fd, "alpha"), "token 1 content");
	fd = luo_retrieve(a, 1);
	check(fd >= 0 && luo_test_check(fd, "alpha"), "token 1 again");
	fd = luo_retrieve(a, 2);
	check(fd >= 0 && luo_test_check(fd, "beta-updated"), "token 2 updated");
	check(luo_retrieve(a, 99) == -ENOENT, "missing token");
	check(luo_preserve(a, fd, 7) == -EINVAL, "no preserve in incoming");

	b = luo_retrieve_session(luo, "kexec-b");
	fd = b < 0 ? b : luo_retrieve(b, 0x1A);
	check(fd >= 0 && luo_test_check(fd, "hello kexec world"), "token 0x1A");

	for (i = 0; i < MANY_SESSIONS; i++) {
		int s;

		snprintf(name, sizeof(name), "many-%d", i);
		s = luo_retrieve_session(luo, name);
		for (j = 0; j < MANY_FILES && s >= 0; j++) {
			snprintf(name, sizeof(name), "file-%d-%d", i, j);
			fd = luo_retrieve(s, j);
			if (fd < 0 || !luo_test_check(fd, name))
				s = -1;
			close(fd);
		}
		if (s < 0 || luo_finish(s))
			break;
		close(s);
	}
	check(i == MANY_SESSIONS, "many sessions and files back");

	/* Token 3 never retrieved: finish releases it. */
	check(luo_finish(a) == 0, "finish kexec-a");
	check(luo_retrieve(a, 1) == -ENOENT, "no retrieve after finish");
	check(luo_retrieve_session(luo, "kexec-a") == -ENOENT,
	      "finished session gone");
	check(luo_finish(a) == 0, "finish again");
	check(luo_finish(b) == 0, "finish kexec-b");

	busy = luo_retrieve_session(luo, "busy");
	fd = busy < 0 ? busy : luo_retrieve(busy, 5);
	check(fd >= 0 && luo_finish(busy) == -EBUSY, "can_finish refuses");
	check(pwrite(fd, "done", 4, 0) == 4 && luo_finish(busy) == 0,
	      "then finishes");
}

int main(int argc, char **argv)
{
	int luo = open(LUO_DEVICE, O_RDWR);

	if (argc < 2 || luo < 0) {
		fprintf(stderr, "usage: luo_kexec 1 [fail] | intact | 2 | frozen | frozen-2 | corrupt | corrupt-HOW (%s)\n",
			strerror(errno));
		return 2;
	}
	if (!strcmp(argv[1], "1"))
		stage1(luo, argc > 2 && !strcmp(argv[2], "fail"));
	else if (!strcmp(argv[1], "intact"))
		intact(luo);
	else if (!strcmp(argv[1], "frozen"))
		frozen1(luo);
	else if (!strcmp(argv[1], "frozen-2"))
		frozen2(luo);
	else if (!strcmp(argv[1], "corrupt"))
		corrupt1(luo);
	else if (!strncmp(argv[1], "corrupt-", 8))
		corrupt2(luo, argv[1] + 8);
	else
		stage2(luo);
	printf("# %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
