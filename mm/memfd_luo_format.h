/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading back the memfd handover formats (include/linux/kho/abi/memfd.h):
 * every check on what the previous kernel wrote and the claim of its
 * folios, up to a struct memfd_luo_in, with no page cache or file. Built
 * in the kernel (for memfd_luo.c) and in userspace, where a libFuzzer
 * target runs it against a fake KHO (lib-tests/fuzz/fuzz_memfd.c).
 */
#ifndef _MM_MEMFD_LUO_FORMAT_H
#define _MM_MEMFD_LUO_FORMAT_H

#include <linux/fcntl.h>
#include <linux/list.h>
#include <linux/types.h>

struct kho_array;
struct memfd_luo_v2;

/* The seals version 2 may carry. */
#define MEMFD_LUO_SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | \
			 F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)

/**
 * struct memfd_luo_in - a memfd of the previous kernel, not retrieved yet
 * @list: in memfd_luo_incoming
 * @handle: its serialized data (the registry handle)
 * @folios: its folios, claimed from KHO and linked by their lru field
 *          (they are on no LRU until a file takes them), each with its
 *          page index in ->index, uptodate if it holds data
 * @nr: folios in @folios
 * @pages: pages of @folios
 * @size: file size
 * @pos: file position
 * @seals: seals of the file
 * @mode: permission bits, or -1 to keep shmem's
 *
 * A retrieve that fails for want of memory (a memory cgroup at its
 * limit, an allocation failing) leaves it here as it was: nothing is
 * lost, and the next retrieve, maybe from another cgroup, tries again.
 * Finish releases what nobody retrieved.
 */
struct memfd_luo_in {
	struct list_head list;
	u64 handle;
	struct list_head folios;
	unsigned long nr;
	unsigned long pages;
	u64 size;
	u64 pos;
	unsigned int seals;
	int mode;
};

/*
 * Memory for a struct memfd_luo_in, and its release: defined by the user
 * of this file (memfd_luo.c keeps a spare, the fuzzer counts them).
 */
struct memfd_luo_in *memfd_luo_in_alloc(void);
void memfd_luo_in_free(struct memfd_luo_in *in);

/* Free the folios of @in, then @in with memfd_luo_in_free(). */
void memfd_luo_in_put(struct memfd_luo_in *in);

/*
 * Restore the record at @handle: the file state with every folio claimed,
 * or an ERR_PTR with everything the record names that could be claimed
 * freed. Discard frees it all.
 */
struct memfd_luo_in *memfd_luo_v1_read(u64 handle);
void memfd_luo_v1_discard(u64 handle);
struct memfd_luo_in *memfd_luo_v2_read(u64 handle);
void memfd_luo_v2_discard(u64 handle);

bool memfd_v2_valid(const struct memfd_luo_v2 *ser,
		    const struct kho_array *pages);

#endif /* _MM_MEMFD_LUO_FORMAT_H */
