// SPDX-License-Identifier: GPL-2.0
/*
 * luo-cache: an example service of luo-agent that keeps a cache in a memfd
 * across a kexec.
 *
 *   luo-cache SOCKET NAME fill MIB    build a MIB MiB cache, preserve it
 *                                     in the session the agent gives NAME
 *   luo-cache SOCKET NAME check MIB   after the kexec: get the cache back
 *                                     from the agent, verify every byte,
 *                                     finish and release the session
 *
 * The cache content is a function of NAME and the offset, so the check
 * needs nothing but its arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/liveupdate.h>

#define TOKEN	1

static int die(const char *what)
{
	fprintf(stderr, "luo-cache: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Send REQ, return the answer in ANS and a passed fd (or -1). */
static int ask(int sock, const char *req, char *ans, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = ans, .iov_len = len - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	ssize_t n;
	int fd = -1;

	if (send(sock, req, strlen(req), 0) < 0)
		return -1;
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return -1;
	ans[n] = 0;
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static uint64_t pattern(const char *name, uint64_t off)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	return (h ^ off) * 0x9e3779b97f4a7c15ULL;
}

static int fill(int session, const char *name, size_t size)
{
	struct liveupdate_session_preserve_fd pf = {
		.size = sizeof(pf), .token = TOKEN,
	};
	uint64_t *p;
	int mfd = memfd_create(name, 0);

	if (mfd < 0 || ftruncate(mfd, size))
		return die("memfd");
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (p == MAP_FAILED)
		return die("mmap");
	for (size_t i = 0; i < size / 8; i++)
		p[i] = pattern(name, i * 8);
	munmap(p, size);
	pf.fd = mfd;
	if (ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &pf))
		return die("preserve");
	printf("cache %s: %zu MiB preserved\n", name, size >> 20);
	return 0;
}

static int check(int session, const char *name, size_t size)
{
	struct liveupdate_session_retrieve_fd rf = {
		.size = sizeof(rf), .token = TOKEN,
	};
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	struct stat st;
	uint64_t *p;

	if (ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &rf))
		return die("retrieve");
	if (fstat(rf.fd, &st) || (size_t)st.st_size != size) {
		fprintf(stderr, "luo-cache: %s: size %lld, expected %zu\n",
			name, (long long)st.st_size, size);
		return 1;
	}
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, rf.fd, 0);
	if (p == MAP_FAILED)
		return die("mmap");
	for (size_t i = 0; i < size / 8; i++)
		if (p[i] != pattern(name, i * 8)) {
			fprintf(stderr, "luo-cache: %s: wrong data at %zu\n",
				name, i * 8);
			return 1;
		}
	munmap(p, size);
	if (ioctl(session, LIVEUPDATE_SESSION_FINISH, &fin))
		return die("finish");
	printf("cache %s: %zu MiB verified\n", name, size >> 20);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char req[128], ans[64] = "";
	const char *name, *want;
	int sock, session, ret;
	size_t size;

	if (argc != 5 || strlen(argv[1]) >= sizeof(addr.sun_path) ||
	    (strcmp(argv[3], "fill") && strcmp(argv[3], "check"))) {
		fprintf(stderr, "usage: luo-cache SOCKET NAME fill|check MIB\n");
		return 2;
	}
	name = argv[2];
	size = strtoul(argv[4], NULL, 0) << 20;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", argv[1]);
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)))
		return die("connect");
	snprintf(req, sizeof(req), "GET %s", name);
	session = ask(sock, req, ans, sizeof(ans));
	want = strcmp(argv[3], "fill") ? "OK incoming" : "OK new";
	if (session < 0 || strcmp(ans, want)) {
		fprintf(stderr, "luo-cache: %s: agent said \"%s\", expected \"%s\"\n",
			name, session < 0 && !*ans ? "nothing" : ans, want);
		return 1;
	}
	if (!strcmp(argv[3], "fill"))
		return fill(session, name, size);
	ret = check(session, name, size);
	snprintf(req, sizeof(req), "RELEASE %s", name);
	if (!ret && (ask(sock, req, ans, sizeof(ans)), strcmp(ans, "OK"))) {
		fprintf(stderr, "luo-cache: release: %s\n", ans);
		return 1;
	}
	return ret;
}
