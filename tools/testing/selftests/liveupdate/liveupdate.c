// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/liveupdate uAPI tests within one boot: device, sessions, files,
 * argument structs, errors. Files are objects of the LUO test handler.
 */
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include "kselftest_harness.h"
#include "luo_util.h"

FIXTURE(luo) {
	int luo;
};

FIXTURE_SETUP(luo)
{
	self->luo = open(LUO_DEVICE, O_RDWR);
	if (self->luo < 0 && errno == ENOENT)
		SKIP(return, "no " LUO_DEVICE);
	ASSERT_GE(self->luo, 0);
}

FIXTURE_TEARDOWN(luo)
{
	if (self->luo >= 0)
		close(self->luo);
}

TEST_F(luo, exclusive_open)
{
	int fd = open(LUO_DEVICE, O_RDWR);

	ASSERT_LT(fd, 0);
	ASSERT_EQ(errno, EBUSY);
}

TEST_F(luo, reopen_after_close)
{
	close(self->luo);
	self->luo = open(LUO_DEVICE, O_RDWR);
	ASSERT_GE(self->luo, 0);
}

TEST_F(luo, sessions_distinct_and_duplicate)
{
	int a = luo_create_session(self->luo, "alpha");
	int b = luo_create_session(self->luo, "beta");

	ASSERT_GE(a, 0);
	ASSERT_GE(b, 0);
	ASSERT_EQ(luo_create_session(self->luo, "alpha"), -EEXIST);
	/* The fd is close-on-exec. */
	ASSERT_EQ(fcntl(a, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(a);
	/* Closing a session frees its name. */
	a = luo_create_session(self->luo, "alpha");
	ASSERT_GE(a, 0);
	close(a);
	close(b);
}

TEST_F(luo, session_names)
{
	struct liveupdate_ioctl_create_session a = { .size = sizeof(a) };

	memset(a.name, 'X', sizeof(a.name));
	ASSERT_EQ(luo_ioctl(self->luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &a),
		  -EINVAL);
	memset(a.name, 0, sizeof(a.name));
	ASSERT_EQ(luo_ioctl(self->luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &a),
		  -EINVAL);
	memset(a.name, 'Y', sizeof(a.name) - 1);
	ASSERT_EQ(luo_ioctl(self->luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &a), 0);
	close(a.fd);
}

TEST_F(luo, struct_sizes)
{
	struct {
		struct liveupdate_ioctl_create_session s;
		__u64 tail;
	} big = { .s.size = sizeof(big), .s.name = "sized" };
	struct liveupdate_ioctl_create_session small = { .size = 8 };

	ASSERT_EQ(luo_ioctl(self->luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &small),
		  -EINVAL);
	ASSERT_EQ(luo_ioctl(self->luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &big), 0);
	ASSERT_GE(big.s.fd, 0);
	close(big.s.fd);
	big.tail = 1;
	big.s.fd = -1;
	ASSERT_EQ(luo_ioctl(self->luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &big),
		  -E2BIG);
}

TEST_F(luo, unknown_ioctls)
{
	int s = luo_create_session(self->luo, "ioctls");
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	int dummy = 0;

	ASSERT_GE(s, 0);
	ASSERT_EQ(luo_ioctl(self->luo, _IO('x', 1), &dummy), -ENOTTY);
	ASSERT_EQ(luo_ioctl(self->luo, _IO(LIVEUPDATE_IOCTL_TYPE, 0x07), &dummy),
		  -EINVAL);
	ASSERT_EQ(luo_ioctl(s, _IO('x', 1), &dummy), -ENOTTY);
	ASSERT_EQ(luo_ioctl(s, _IO(LIVEUPDATE_IOCTL_TYPE, 0x7f), &dummy), -EINVAL);
	ASSERT_EQ(luo_ioctl(s, _IO(LIVEUPDATE_IOCTL_TYPE, 0x44), &dummy), -EINVAL);
	ASSERT_EQ(luo_ioctl(s, _IOW(LIVEUPDATE_IOCTL_TYPE, 0x43, int), &dummy),
		  -ENOTTY);
	/* Outgoing sessions can neither retrieve nor finish. */
	ASSERT_EQ(luo_retrieve(s, 1), -EINVAL);
	ASSERT_EQ(luo_ioctl(s, LIVEUPDATE_SESSION_FINISH, &fin), -EINVAL);
	fin.reserved = 1;
	ASSERT_EQ(luo_ioctl(s, LIVEUPDATE_SESSION_FINISH, &fin), -EINVAL);
	close(s);
}

TEST_F(luo, session_get_name)
{
	struct {
		struct liveupdate_session_get_name g;
		__u64 tail;
	} big;
	struct liveupdate_session_get_name g;
	char longest[LIVEUPDATE_SESSION_NAME_LENGTH];
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int s, t;

	memset(longest, 'L', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = 0;
	s = luo_create_session(self->luo, "named");
	t = luo_create_session(self->luo, longest);
	ASSERT_GE(s, 0);
	ASSERT_GE(t, 0);

	/* The whole name, the rest zeroed whatever the buffer held. */
	memset(&g, 0xff, sizeof(g));
	g.size = sizeof(g);
	g.reserved = 0;
	ASSERT_EQ(luo_ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &g), 0);
	memset(name, 0, sizeof(name));
	memcpy(name, "named", sizeof("named"));
	ASSERT_EQ(memcmp(g.name, name, sizeof(name)), 0);
	ASSERT_EQ(luo_get_name(t, name), 0);
	ASSERT_EQ(memcmp(name, longest, sizeof(longest)), 0);

	/* The minimum size is the full structure; reserved must be 0. */
	g.size = offsetof(struct liveupdate_session_get_name, name) +
		 LIVEUPDATE_SESSION_NAME_LENGTH - 1;
	ASSERT_EQ(luo_ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &g), -EINVAL);
	g.size = 8;
	ASSERT_EQ(luo_ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &g), -EINVAL);
	g.size = sizeof(g);
	g.reserved = 1;
	ASSERT_EQ(luo_ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &g), -EINVAL);

	/* A larger structure: zero tail accepted and left alone, else E2BIG. */
	memset(&big, 0, sizeof(big));
	big.g.size = sizeof(big);
	ASSERT_EQ(luo_ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &big), 0);
	ASSERT_STREQ((char *)big.g.name, "named");
	ASSERT_EQ(big.tail, 0);
	big.tail = 1;
	ASSERT_EQ(luo_ioctl(s, LIVEUPDATE_SESSION_GET_NAME, &big), -E2BIG);

	/* A session ioctl, not a device one. */
	g.size = sizeof(g);
	g.reserved = 0;
	ASSERT_EQ(luo_ioctl(self->luo, LIVEUPDATE_SESSION_GET_NAME, &g),
		  -EINVAL);
	close(s);
	close(t);
}

TEST_F(luo, retrieve_missing_session)
{
	ASSERT_EQ(luo_retrieve_session(self->luo, "no-such-session"), -ENOENT);
}

TEST_F(luo, preserve_errors)
{
	int s = luo_create_session(self->luo, "errors");
	int t = luo_create_session(self->luo, "errors-2");
	int obj = luo_test_object("hello");
	int null = open("/dev/null", O_RDWR);

	ASSERT_GE(s, 0);
	ASSERT_GE(t, 0);
	ASSERT_GE(obj, 0);
	ASSERT_EQ(luo_preserve(s, null, 1), -ENOENT);
	ASSERT_EQ(luo_preserve(s, 9999, 1), -EBADF);
	ASSERT_EQ(luo_preserve(s, obj, 1), 0);
	ASSERT_EQ(luo_preserve(s, obj, 2), -EBUSY);
	ASSERT_EQ(luo_preserve(t, obj, 1), -EBUSY);
	ASSERT_EQ(luo_preserve(s, null, 1), -EEXIST);
	/* Closing the session unpreserves: the file is free again. */
	close(s);
	ASSERT_EQ(luo_preserve(t, obj, 7), 0);
	/* The file stays usable by its owner. */
	ASSERT_TRUE(luo_test_check(obj, "hello"));
	close(t);
	close(obj);
	close(null);
}

TEST_F(luo, many_sessions_and_files)
{
	static int sessions[1000];
	char name[32];
	int i, j;

	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "many-%d", i);
		sessions[i] = luo_create_session(self->luo, name);
		ASSERT_GE(sessions[i], 0);
	}
	for (i = 0; i < 5000; i++) {
		int obj = luo_test_object("x");

		ASSERT_GE(obj, 0);
		ASSERT_EQ(luo_preserve(sessions[i % 10], obj, i), 0);
		close(obj);	/* the session holds it */
	}
	for (j = 0; j < 1000; j++)
		close(sessions[j]);
}

TEST_HARNESS_MAIN
