/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The decoder of kho-inspect: everything that reads handover data, with
 * no I/O of its own, so that the tool and its fuzz target run the same
 * code. The input is the set of files debugfs shows (kho/out or kho/in)
 * and a way to read the memory the handover points to.
 */
#ifndef _TOOLS_KHO_INSPECT_H
#define _TOOLS_KHO_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
/* lib-tests/shim's: the kernel's types and __packed, for the ABI headers. */
#include <linux/types.h>

#define KI_PAGE_SIZE	4096UL
#define KI_PAGE_SHIFT	12

/* Exit status of kho-inspect. */
#define KI_EXIT_VALID	0
#define KI_EXIT_DAMAGED	1
#define KI_EXIT_ERROR	2

struct ki_blob {
	unsigned char *data;
	size_t len;
};

struct ki_sub {
	char *name;
	struct ki_blob fdt;
};

/*
 * Read the page at @phys (page aligned) into @page: 0, or a negative
 * errno: -ENXIO not preserved memory, -ENODATA handover not finalized,
 * -ENOENT not in a saved copy.
 */
typedef int (*ki_read_page_fn)(void *arg, uint64_t phys, void *page);

/**
 * struct ki_input - a handover as debugfs shows it
 * @source: where it comes from, for the report
 * @incoming: kho/in (the previous kernel's): no map, scratch or memory
 * @fdt: the root FDT; @fdt.data NULL if missing
 * @subs: the sub_fdts files
 * @nr_subs: entries in @subs
 * @scratch: text of the scratch file, NULL if missing
 * @map: text of the map file, NULL if missing
 * @ram: "start-end : System RAM" lines (hex, as /proc/iomem), or NULL
 * @read_page: memory of the handover, NULL if not readable
 * @arg: for @read_page
 */
struct ki_input {
	const char *source;
	bool incoming;
	struct ki_blob fdt;
	struct ki_sub *subs;
	size_t nr_subs;
	const char *scratch;
	const char *map;
	const char *ram;
	ki_read_page_fn read_page;
	void *arg;
};

struct ki_report;

/*
 * Decode and check everything reachable from @in. Never fails: what is
 * wrong is in the report. NULL only if out of memory.
 */
struct ki_report *ki_decode(const struct ki_input *in);
/* Errors found: 0 for a valid handover. */
unsigned long ki_nr_errors(const struct ki_report *r);
void ki_print_text(const struct ki_report *r, FILE *out);
void ki_print_json(const struct ki_report *r, FILE *out);
/* Call @fn for each page the decoder read, in address order. */
typedef int (*ki_page_fn_t)(void *arg, uint64_t phys, const void *page);
int ki_pages_read(const struct ki_report *r, ki_page_fn_t fn, void *arg);
void ki_free(struct ki_report *r);

/*
 * A whole handover in one buffer, the input of the fuzz target and of
 * kho-inspect FILE (kho-inspect --bundle writes one). Little-endian:
 * the magic KI_BUNDLE_MAGIC, then records of a struct ki_bundle_rec,
 * @name_len bytes of name and @data_len bytes of data.
 */
#define KI_BUNDLE_MAGIC		"KHOINSP1"

enum ki_bundle_type {
	KI_BUNDLE_FDT = 1,	/* the root FDT */
	KI_BUNDLE_SUB,		/* a subtree FDT, @name its name */
	KI_BUNDLE_SCRATCH,	/* text of the scratch file */
	KI_BUNDLE_MAP,		/* text of the map file */
	KI_BUNDLE_RAM,		/* System RAM lines of /proc/iomem */
	KI_BUNDLE_PAGE,		/* a page of memory at @addr */
	KI_BUNDLE_INCOMING,	/* no data: the handover is kho/in */
};

struct ki_bundle_rec {
	uint32_t type;
	uint32_t name_len;
	uint64_t addr;
	uint32_t data_len;
} __packed;

struct ki_bundle;

/* NULL and *@why if @data is no bundle; the bundle copies what it needs. */
struct ki_bundle *ki_bundle_parse(const unsigned char *data, size_t len,
				  const char *source, const char **why);
const struct ki_input *ki_bundle_input(const struct ki_bundle *b);
void ki_bundle_free(struct ki_bundle *b);

#endif /* _TOOLS_KHO_INSPECT_H */
