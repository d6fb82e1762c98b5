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
	fflush(stdout);

	/* The daemon keeps every fd; the caller kexecs. */
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
	check(luo_retrieve(a, 1) == -EINVAL, "no retrieve after finish");
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
		fprintf(stderr, "usage: luo_kexec 1 [fail] | intact | 2 (%s)\n",
			strerror(errno));
		return 2;
	}
	if (!strcmp(argv[1], "1"))
		stage1(luo, argc > 2 && !strcmp(argv[2], "fail"));
	else if (!strcmp(argv[1], "intact"))
		intact(luo);
	else
		stage2(luo);
	printf("# %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
