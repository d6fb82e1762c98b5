// SPDX-License-Identifier: GPL-2.0
/*
 * The same memfds through a chain of kexecs:
 *
 *   memfd_chain 1 LAST   create memfds, preserve them in sessions
 *                        chain-a-1 and chain-b-1, leave a daemon
 *   memfd_chain N LAST   (1 < N < LAST) retrieve chain-*-(N-1), check
 *                        every byte, size, position, seals and large
 *                        folios, finish, preserve the same files again in
 *                        chain-*-N, leave a daemon
 *   memfd_chain LAST LAST  retrieve, check, finish, free
 *
 * A third argument V1_FROM says that from stage V1_FROM on the files came
 * through a kernel that writes only version 1, which hands no seals over:
 * they are back with a new file's F_SEAL_SEAL only.
 */
#define _GNU_SOURCE
#include "memfd_util.h"

static const struct {
	char session;
	struct mf m;
} chain[] = {
	{ 'a', { "page", 1, PAGE, 0, PAGE, 1,
		 F_SEAL_SHRINK | F_SEAL_GROW, 123 } },
	{ 'a', { "sparse", 2, TIB, TIB / 2, 4 * MIB, 2, 0, 77 } },
	{ 'a', { "write-sealed", 3, 256 * KIB, 0, 256 * KIB, 3,
		 F_SEAL_WRITE | F_SEAL_SEAL, 5 } },
	{ 'b', { "thp", 1, 8 * MIB, 2 * MIB, 4 * MIB, 4, 0, 0, 1 } },
	{ 'b', { "big", 2, 32 * MIB, 0, 32 * MIB, 5, 0, 32 * MIB } },
	{ 'b', { "empty", 3, 0, 0, 0, 6, 0, 0 } },
};
#define NR_CHAIN	ARRAY_SIZE(chain)
#define THP_KB		(4 * MIB / KIB)

static int fds[NR_CHAIN];

static void session_name(char *buf, size_t len, char which, int stage)
{
	snprintf(buf, len, "chain-%c-%d", which, stage);
}

/* Preserve every file in new sessions chain-a-@stage and chain-b-@stage. */
static void preserve_all(int luo, int stage)
{
	char name[32];
	int a, b, s, v;
	unsigned int i;

	session_name(name, sizeof(name), 'a', stage);
	a = luo_create_session(luo, name);
	session_name(name, sizeof(name), 'b', stage);
	b = luo_create_session(luo, name);
	check(a >= 0 && b >= 0, "stage %d: sessions created", stage);
	for (i = 0; i < NR_CHAIN; i++) {
		s = chain[i].session == 'a' ? a : b;
		check(fds[i] >= 0 && luo_preserve(s, fds[i], chain[i].m.token) == 0,
		      "stage %d: %s preserved", stage, chain[i].m.name);
	}
	for (v = 1; v <= 2; v++)
		if (format_write_enabled(v) == 1)
			check(format_objects(v) == (long)NR_CHAIN,
			      "stage %d: %ld v%d objects", stage,
			      format_objects(v), v);
	close(luo);
	daemonize(NULL, NULL, NULL);
}

static void retrieve_all(int luo, int stage, int v1_from)
{
	long hp0 = meminfo_kb("ShmemHugePages"), hp1;
	char name[32];
	int a, b, s;
	unsigned int i;

	session_name(name, sizeof(name), 'a', stage - 1);
	a = luo_retrieve_session(luo, name);
	session_name(name, sizeof(name), 'b', stage - 1);
	b = luo_retrieve_session(luo, name);
	check(a >= 0 && b >= 0, "stage %d: sessions of stage %d back", stage,
	      stage - 1);
	if (stage > 2) {
		session_name(name, sizeof(name), 'a', stage - 2);
		check(luo_retrieve_session(luo, name) == -ENOENT,
		      "stage %d: %s (finished a kernel ago) not carried", stage,
		      name);
	}
	for (i = 0; i < NR_CHAIN; i++) {
		s = chain[i].session == 'a' ? a : b;
		fds[i] = s < 0 ? s : luo_retrieve(s, chain[i].m.token);
		mf_check(fds[i], &chain[i].m, v1_from && stage >= v1_from ?
			 F_SEAL_SEAL : chain[i].m.seals);
	}
	hp1 = meminfo_kb("ShmemHugePages");
	check(hp0 == 0 && hp1 == THP_KB,
	      "stage %d: large folios back (ShmemHugePages %ld -> %ld kB)",
	      stage, hp0, hp1);
	check(luo_finish(a) == 0 && luo_finish(b) == 0, "stage %d: finish",
	      stage);
	close(a);
	close(b);
	printf("# stage %d: MemTotal %ld kB, MemFree+pcp %ld kB\n", stage,
	       meminfo_kb("MemTotal"), free_kb());
}

int main(int argc, char **argv)
{
	int luo = open(LUO_DEVICE, O_RDWR);
	int stage = argc > 1 ? atoi(argv[1]) : 0;
	int last = argc > 2 ? atoi(argv[2]) : 0;
	int v1_from = argc > 3 ? atoi(argv[3]) : 0;
	unsigned int i;
	long m0;

	if (luo < 0 || stage < 1 || last < 2 || stage > last) {
		fprintf(stderr, "usage: memfd_chain STAGE LAST [V1_FROM] (%s)\n",
			strerror(errno));
		return 2;
	}
	if (stage == 1) {
		for (i = 0; i < NR_CHAIN; i++)
			fds[i] = mf_create(&chain[i].m);
		preserve_all(luo, 1);
		return done();
	}
	retrieve_all(luo, stage, v1_from);
	if (stage < last) {
		preserve_all(luo, stage);
		return done();
	}
	m0 = free_kb();
	for (i = 0; i < NR_CHAIN; i++)
		close(fds[i]);
	check_freed(m0, 40 * MIB, "last stage: close");
	check(meminfo_kb("ShmemHugePages") == 0, "last stage: thp freed");
	return done();
}
