/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the LUO selftests. */
#ifndef _LUO_UTIL_H
#define _LUO_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#define LUO_DEVICE	"/dev/liveupdate"
#define LUO_TEST_DEVICE	"/dev/liveupdate_test"
#define LUO_TEST_KNOBS	"/sys/kernel/debug/liveupdate_test/"

/* ioctl() returning -errno, so tests can compare with one value. */
static inline int luo_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static inline int luo_create_session(int luo, const char *name)
{
	struct liveupdate_ioctl_create_session a = { .size = sizeof(a) };
	int err;

	snprintf((char *)a.name, sizeof(a.name), "%s", name);
	err = luo_ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &a);
	return err ? err : a.fd;
}

static inline int luo_retrieve_session(int luo, const char *name)
{
	struct liveupdate_ioctl_retrieve_session a = { .size = sizeof(a) };
	int err;

	snprintf((char *)a.name, sizeof(a.name), "%s", name);
	err = luo_ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &a);
	return err ? err : a.fd;
}

static inline int luo_preserve(int session, int fd, __u64 token)
{
	struct liveupdate_session_preserve_fd a = {
		.size = sizeof(a), .fd = fd, .token = token,
	};

	return luo_ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &a);
}

static inline int luo_retrieve(int session, __u64 token)
{
	struct liveupdate_session_retrieve_fd a = {
		.size = sizeof(a), .token = token,
	};
	int err = luo_ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &a);

	return err ? err : a.fd;
}

static inline int luo_finish(int session)
{
	struct liveupdate_session_finish a = { .size = sizeof(a) };

	return luo_ioctl(session, LIVEUPDATE_SESSION_FINISH, &a);
}

/* The name of @session into @name (64 bytes), or -errno. */
static inline int luo_get_name(int session, char *name)
{
	struct liveupdate_session_get_name a = { .size = sizeof(a) };
	int err = luo_ioctl(session, LIVEUPDATE_SESSION_GET_NAME, &a);

	if (!err)
		memcpy(name, a.name, sizeof(a.name));
	return err;
}

/* A test object holding @text, or -errno. */
static inline int luo_test_object(const char *text)
{
	int fd = open(LUO_TEST_DEVICE, O_RDWR);

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/* Does the object behind @fd hold exactly @text? */
static inline int luo_test_check(int fd, const char *text)
{
	char buf[1100];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	return n == (ssize_t)strlen(text) && !memcmp(buf, text, n);
}

/* Write @val to the debugfs knob @name of the test handler: 0 or -errno. */
static inline int luo_knob_write(const char *name, const char *val)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), LUO_TEST_KNOBS "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		err = -errno;
	close(fd);
	return err;
}

/* The value of the debugfs knob @name of the test handler, or -errno. */
static inline long luo_knob_read(const char *name)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), LUO_TEST_KNOBS "%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

#endif /* _LUO_UTIL_H */
