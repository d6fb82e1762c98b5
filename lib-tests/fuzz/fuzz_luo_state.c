// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the LUO state of the previous kernel read back
 * (kernel/liveupdate/luo_state.c, the code the kernel runs) from
 * arbitrary bytes. Byte 0 makes the allocation of that number fail (0:
 * none); the rest is the state buffer, padded with zeroes to whole pages
 * as kho_restore_vmalloc() maps it.
 *
 * Whatever the input: no crash, no leak (LeakSanitizer), nothing read
 * past the buffer. A state accepted must come back as written: every
 * session with its name and its files, with their compatible, token and
 * data, in order, names and compatibles nonempty and terminated. The
 * duplicates found must be exactly the later sessions of a name and the
 * later files of a token in a session, the first of each kept in order.
 */
#include <linux/err.h>
#include <linux/kho/abi/luo.h>
#include <linux/slab.h>
#include "fuzz_pages.h"
#include "luo_state.h"

static unsigned int fuzz_alloc_nr, fuzz_alloc_fail;

bool shim_fail_alloc(void)
{
	return ++fuzz_alloc_nr == fuzz_alloc_fail;
}

static unsigned long fuzz_list_len(const struct list_head *head)
{
	const struct list_head *p;
	unsigned long n = 0;

	for (p = head->next; p != head; p = p->next)
		n++;
	return n;
}

/* The parse of @hdr (valid, @nr_sessions) as written, into @incoming. */
static void fuzz_check_parse(const struct luo_state_ser *hdr,
			     struct list_head *incoming)
{
	u32 nr_sessions = le32_to_cpu(hdr->nr_sessions);
	const struct luo_session_ser *ss = (const void *)(hdr + 1);
	const struct luo_file_ser *fs = (const void *)(ss + nr_sessions);
	const struct luo_session *s;
	const struct luo_file *f;
	u64 i = 0, j = 0;

	list_for_each_entry(s, incoming, list) {
		if (i == nr_sessions || !s->incoming ||
		    !s->name[0] || strnlen(s->name, sizeof(s->name)) == sizeof(s->name) ||
		    strncmp(s->name, ss[i].name, sizeof(ss[i].name)) ||
		    s->nr_files != fuzz_list_len(&s->files) ||
		    s->nr_files != le64_to_cpu(ss[i].nr_files))
			fuzz_fail("session not as written");
		list_for_each_entry(f, &s->files, list) {
			if (!f->compatible[0] ||
			    strnlen(f->compatible, sizeof(f->compatible)) ==
			    sizeof(f->compatible) ||
			    strncmp(f->compatible, fs[j].compatible,
				    sizeof(fs[j].compatible)) ||
			    f->token != le64_to_cpu(fs[j].token) ||
			    f->data != le64_to_cpu(fs[j].data) || f->fh ||
			    f->file || f->status)
				fuzz_fail("file not as written");
			j++;
		}
		i++;
	}
	if (i != nr_sessions || j != le64_to_cpu(hdr->nr_files))
		fuzz_fail("sessions or files missing");
}

/* The first session of its name in @hdr, or the first file of its token? */
static bool fuzz_first_session(const struct luo_session_ser *ss, u32 i)
{
	u32 k;

	for (k = 0; k < i; k++)
		if (!strncmp(ss[k].name, ss[i].name, sizeof(ss[i].name)))
			return false;
	return true;
}

static bool fuzz_first_file(const struct luo_file_ser *fs, u64 first, u64 j)
{
	u64 k;

	for (k = first; k < j; k++)
		if (fs[k].token == fs[j].token)
			return false;
	return true;
}

/*
 * What luo_state_find_dups() kept (@incoming) and moved out (@sessions,
 * @files) against the state as written.
 */
static void fuzz_check_dups(const struct luo_state_ser *hdr,
			    struct list_head *incoming,
			    struct list_head *sessions, struct list_head *files,
			    unsigned long bad_sessions, unsigned long bad_files)
{
	u32 nr_sessions = le32_to_cpu(hdr->nr_sessions), i;
	const struct luo_session_ser *ss = (const void *)(hdr + 1);
	const struct luo_file_ser *fs = (const void *)(ss + nr_sessions);
	const struct luo_session *s = list_first_entry(incoming,
						      struct luo_session, list);
	unsigned long kept_files = 0, moved_files = fuzz_list_len(files);
	const struct luo_session *r;
	const struct luo_file *f;
	u64 j, first;

	for (i = 0; i < nr_sessions; i++) {
		if (!fuzz_first_session(ss, i))
			continue;
		if (&s->list == incoming ||
		    strncmp(s->name, ss[i].name, sizeof(ss[i].name)))
			fuzz_fail("not the first session of a name kept");
		first = le64_to_cpu(ss[i].first_file);
		f = list_first_entry(&s->files, struct luo_file, list);
		for (j = first; j < first + le64_to_cpu(ss[i].nr_files); j++) {
			if (!fuzz_first_file(fs, first, j))
				continue;
			if (&f->list == &s->files ||
			    f->token != le64_to_cpu(fs[j].token) ||
			    f->data != le64_to_cpu(fs[j].data))
				fuzz_fail("not the first file of a token kept");
			f = list_next_entry(f, list);
			kept_files++;
		}
		if (&f->list != &s->files || s->nr_files != fuzz_list_len(&s->files))
			fuzz_fail("a duplicate file kept");
		s = list_next_entry(s, list);
	}
	if (&s->list != incoming)
		fuzz_fail("a duplicate session kept");
	if (bad_sessions != fuzz_list_len(sessions) || bad_files != moved_files)
		fuzz_fail("duplicates miscounted");
	list_for_each_entry(r, sessions, list)
		moved_files += fuzz_list_len(&r->files);
	if (kept_files + moved_files != le64_to_cpu(hdr->nr_files))
		fuzz_fail("files lost in the search for duplicates");
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	unsigned long bad_sessions = 0, bad_files = 0;
	struct luo_file *f, *ftmp;
	LIST_HEAD(incoming);
	LIST_HEAD(sessions);
	LIST_HEAD(files);
	size_t len;
	void *buf;
	int err;

	if (!size)
		return 0;
	fuzz_alloc_nr = 0;
	fuzz_alloc_fail = data[0];
	len = round_up(size - 1, PAGE_SIZE);
	buf = calloc(1, len ?: 1);
	if (!buf)
		fuzz_fail("out of memory");
	memcpy(buf, data + 1, size - 1);

	err = luo_state_parse(buf, len, &incoming);
	if (!err) {
		fuzz_check_parse(buf, &incoming);
		err = luo_state_find_dups(&incoming, &sessions, &files,
					  &bad_sessions, &bad_files);
		if (!err)
			fuzz_check_dups(buf, &incoming, &sessions, &files,
					bad_sessions, bad_files);
		else if (err != -ENOMEM || !fuzz_alloc_fail)
			fuzz_fail("unexpected error from the search for duplicates");
	} else if (err != -EINVAL && (err != -ENOMEM || !fuzz_alloc_fail)) {
		fuzz_fail("unexpected error from the parse");
	}
	luo_state_free(&incoming);
	luo_state_free(&sessions);
	list_for_each_entry_safe(f, ftmp, &files, list) {
		list_del(&f->list);
		kfree(f);
	}
	free(buf);
	return 0;
}
