// SPDX-License-Identifier: GPL-2.0
/*
 * luo-agent: an example live update orchestrator.
 *
 *   luo-agent SOCKET
 *
 * Only one process can open /dev/liveupdate, so one process (the agent,
 * the role systemd plays) owns it and hands session file descriptors to
 * the services that want to keep something across a kexec. A service
 * connects to SOCKET (AF_UNIX, SOCK_SEQPACKET: one request per message)
 * and asks:
 *
 *   GET NAME       the session "luo-agent/NAME", passed with SCM_RIGHTS.
 *                  Answer "OK incoming" if the previous kernel handed it
 *                  over (retrieve what you preserved, then FINISH), "OK
 *                  new" if it was just created (preserve what you want to
 *                  keep), "OK held" if the agent already holds it.
 *   RELEASE NAME   the agent closes its descriptor: an outgoing session
 *                  is no longer handed over, an incoming one is gone once
 *                  the service closes its descriptors too.
 *
 * Errors are answered "ERR errno". The agent keeps a descriptor of every
 * session it handed out, so a service may exit or restart at any time:
 * what it preserved stays in its session and is handed over at the next
 * kexec, as long as the agent runs. After the kexec the agent starts
 * again and each service gets its session back with the same GET.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#define PREFIX		"luo-agent/"
#define MAX_NAME	(LIVEUPDATE_SESSION_NAME_LENGTH - sizeof(PREFIX))
#define MAX_SESSIONS	256

static struct held {
	char name[LIVEUPDATE_SESSION_NAME_LENGTH];
	int fd;
} held[MAX_SESSIONS];
static int nr_held;
static int luo;

/* Service names: letters, digits, '-', '_' and '.', not empty. */
static int valid_name(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > MAX_NAME)
		return 0;
	static const char ok[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

	return strspn(name, ok) == len;
}

static struct held *find(const char *session)
{
	for (int i = 0; i < nr_held; i++)
		if (!strcmp(held[i].name, session))
			return &held[i];
	return NULL;
}

static int reply(int conn, int fd, const char *fmt, ...)
{
	char buf[128], cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = buf };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	va_list ap;

	va_start(ap, fmt);
	iov.iov_len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (fd >= 0) {
		struct cmsghdr *c;

		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(conn, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* The session's fd and how it was obtained, or -errno. */
static int get_session(const char *session, const char **how)
{
	struct liveupdate_ioctl_retrieve_session rs = { .size = sizeof(rs) };
	struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };
	struct held *h = find(session);

	if (h) {
		*how = "held";
		return h->fd;
	}
	if (nr_held == MAX_SESSIONS)
		return -ENOSPC;
	snprintf((char *)rs.name, sizeof(rs.name), "%s", session);
	if (!ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &rs)) {
		*how = "incoming";
		h = &held[nr_held++];
		h->fd = rs.fd;
	} else if (errno == ENOENT) {
		snprintf((char *)cs.name, sizeof(cs.name), "%s", session);
		if (ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs))
			return -errno;
		*how = "new";
		h = &held[nr_held++];
		h->fd = cs.fd;
	} else {
		return -errno;
	}
	snprintf(h->name, sizeof(h->name), "%s", session);
	return h->fd;
}

static int release_session(const char *session)
{
	struct held *h = find(session);

	if (!h)
		return -ENOENT;
	close(h->fd);
	*h = held[--nr_held];
	return 0;
}

static void serve(int conn)
{
	char req[128], session[LIVEUPDATE_SESSION_NAME_LENGTH];
	const char *how = NULL, *name;
	ssize_t n;
	int ret;

	while ((n = recv(conn, req, sizeof(req) - 1, 0)) > 0) {
		req[n] = 0;
		req[strcspn(req, "\n")] = 0;
		name = strchr(req, ' ');
		if (!name || !valid_name(name + 1)) {
			reply(conn, -1, "ERR %d", EINVAL);
			continue;
		}
		name++;
		snprintf(session, sizeof(session), PREFIX "%s", name);
		if (!strncmp(req, "GET ", 4)) {
			ret = get_session(session, &how);
			if (ret >= 0 && !reply(conn, ret, "OK %s", how)) {
				fprintf(stderr, "luo-agent: %s: %s\n", session, how);
				continue;
			}
		} else if (!strncmp(req, "RELEASE ", 8)) {
			ret = release_session(session);
			if (!ret) {
				fprintf(stderr, "luo-agent: %s: released\n", session);
				reply(conn, -1, "OK");
				continue;
			}
		} else {
			ret = -EINVAL;
		}
		fprintf(stderr, "luo-agent: %s: %s\n", req, strerror(-ret));
		reply(conn, -1, "ERR %d", -ret);
	}
	close(conn);
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sock, conn;

	if (argc != 2 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: luo-agent SOCKET\n");
		return 2;
	}
	luo = open("/dev/liveupdate", O_RDWR | O_CLOEXEC);
	if (luo < 0) {
		perror("luo-agent: /dev/liveupdate");
		return 1;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", argv[1]);
	unlink(addr.sun_path);
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(sock, 16)) {
		perror("luo-agent: socket");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "luo-agent: serving %s\n", addr.sun_path);
	for (;;) {
		conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
		if (conn >= 0)
			serve(conn);
		else if (errno != EINTR)
			perror("luo-agent: accept");
	}
}
