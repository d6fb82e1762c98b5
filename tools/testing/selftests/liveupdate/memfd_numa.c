// SPDX-License-Identifier: GPL-2.0
/*
 * A memfd spread over two NUMA nodes (run-vm --numa 2):
 *
 *   memfd_numa 1   fill a memfd one MiB at a time, the task bound to node
 *                  0 and 1 in turn (set_mempolicy MPOL_BIND), check with
 *                  move_pages() that both nodes hold a good part of it,
 *                  preserve it, leave a daemon
 *   memfd_numa 2   retrieve it, check every byte and that every page is
 *                  still on the node it was written on (same physical
 *                  memory), finish
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/mempolicy.h>
#include "memfd_util.h"

#define SIZE	(64 * MIB)
#define STEP	MIB
#define SEED	0x7e3a
#define NPAGES	(SIZE / PAGE)

/* Node each page was written on: the chunk number, modulo 2. */
static int want_node(unsigned long page)
{
	return (page * PAGE / STEP) % 2;
}

static int bind_node(int node)
{
	unsigned long mask = 1UL << node;

	return syscall(SYS_set_mempolicy, MPOL_BIND, &mask, 8 * sizeof(mask));
}

/* Check that every page of the file is on the node it was written on. */
static int check_nodes(int fd, const char *when)
{
	static void *pages[NPAGES];
	static int status[NPAGES];
	unsigned long i, on[2] = {}, wrong = 0;
	unsigned char *map = mmap(NULL, SIZE, PROT_READ,
				  MAP_SHARED | MAP_POPULATE, fd, 0);

	if (map == MAP_FAILED)
		return check(0, "%s: mmap: %s", when, strerror(errno));
	for (i = 0; i < NPAGES; i++)
		pages[i] = map + i * PAGE;
	if (syscall(SYS_move_pages, 0, NPAGES, pages, NULL, status, 0)) {
		munmap(map, SIZE);
		return check(0, "%s: move_pages: %s", when, strerror(errno));
	}
	munmap(map, SIZE);
	for (i = 0; i < NPAGES; i++) {
		if (status[i] == 0 || status[i] == 1)
			on[status[i]]++;
		if (status[i] != want_node(i))
			wrong++;
	}
	return check(!wrong && on[0] == NPAGES / 2 && on[1] == NPAGES / 2,
		     "%s: %lu pages on node 0, %lu on node 1, %lu not where written",
		     when, on[0], on[1], wrong);
}

int main(int argc, char **argv)
{
	int stage = argc > 1 ? atoi(argv[1]) : 0;
	int luo = open(LUO_DEVICE, O_RDWR), s, fd;
	unsigned long off;

	if (luo < 0 || stage < 1 || stage > 2) {
		fprintf(stderr, "usage: memfd_numa 1|2 (%s)\n", strerror(errno));
		return 2;
	}
	if (stage == 1) {
		fd = memfd_create("numa", 0);
		if (!check(fd >= 0 && ftruncate(fd, SIZE) == 0, "create"))
			return done();
		for (off = 0; off < SIZE; off += STEP)
			if (bind_node(want_node(off / PAGE)) ||
			    fill(fd, off, STEP, SEED))
				break;
		if (!check(off == SIZE, "fill %lu MiB over two nodes: %s",
			   SIZE / MIB, strerror(errno)))
			return done();
		syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0);
		check_nodes(fd, "before preserve");
		s = luo_create_session(luo, "numa");
		check(s >= 0 && luo_preserve(s, fd, 1) == 0, "preserve");
		close(luo);
		daemonize(NULL, NULL, NULL);
		return done();
	}
	s = luo_retrieve_session(luo, "numa");
	fd = s < 0 ? s : luo_retrieve(s, 1);
	if (!check(fd >= 0, "retrieve (%d)", fd))
		return done();
	check(verify(fd, 0, SIZE, SEED), "every byte after the kexec");
	check_nodes(fd, "after the kexec");
	check(luo_finish(s) == 0, "finish");
	return done();
}
