// SPDX-License-Identifier: GPL-2.0-only
/*
 * The LUO state of the previous kernel read back; see luo_state.h.
 */
#include <linux/err.h>
#include <linux/kho/abi/luo.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include "luo_state.h"

struct luo_session *luo_session_alloc(const char *name, bool incoming)
{
	struct luo_session *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	strscpy(s->name, name, sizeof(s->name));
	INIT_LIST_HEAD(&s->files);
	s->incoming = incoming;
	return s;
}

static bool luo_ser_string_ok(const char *str, size_t size)
{
	size_t len = strnlen(str, size);

	return len && len < size;
}

int luo_state_parse(const struct luo_state_ser *hdr, size_t size,
		    struct list_head *incoming)
{
	const struct luo_session_ser *ss = (const void *)(hdr + 1);
	const struct luo_file_ser *fs;
	u64 nr_sessions, nr_files, i, j, next = 0;

	if (size < sizeof(*hdr) || le32_to_cpu(hdr->magic) != LUO_STATE_MAGIC)
		return -EINVAL;
	nr_sessions = le32_to_cpu(hdr->nr_sessions);
	nr_files = le64_to_cpu(hdr->nr_files);
	if (nr_files > size / sizeof(*fs) ||
	    sizeof(*hdr) + nr_sessions * sizeof(*ss) + nr_files * sizeof(*fs) > size)
		return -EINVAL;
	fs = (const void *)(ss + nr_sessions);

	for (i = 0; i < nr_sessions; i++) {
		u64 first = le64_to_cpu(ss[i].first_file);
		u64 n = le64_to_cpu(ss[i].nr_files);
		struct luo_session *s;

		/*
		 * The writer puts the files of the sessions back to back, in
		 * session order: each file record has exactly one owner (two
		 * sessions sharing one would both give its memory back).
		 */
		if (first != next || n > nr_files - first ||
		    !luo_ser_string_ok(ss[i].name, sizeof(ss[i].name)))
			return -EINVAL;
		next = first + n;
		s = luo_session_alloc(ss[i].name, true);
		if (!s)
			return -ENOMEM;
		list_add_tail(&s->list, incoming);
		for (j = first; j < first + n; j++) {
			struct luo_file *f;

			if (!luo_ser_string_ok(fs[j].compatible,
					       sizeof(fs[j].compatible)))
				return -EINVAL;
			f = kzalloc(sizeof(*f), GFP_KERNEL);
			if (!f)
				return -ENOMEM;
			strscpy(f->compatible, fs[j].compatible,
				sizeof(f->compatible));
			f->token = le64_to_cpu(fs[j].token);
			f->data = le64_to_cpu(fs[j].data);
			list_add_tail(&f->list, &s->files);
			s->nr_files++;
		}
	}
	return next == nr_files ? 0 : -EINVAL;
}

/* A session or a file, its place in its list and, for a file, its token. */
struct luo_dup {
	void *obj;
	u64 token;
	unsigned long pos;
};

static int luo_cmp_u64(u64 a, u64 b)
{
	return (a > b) - (a < b);
}

static int luo_dup_cmp_name(const void *a, const void *b)
{
	const struct luo_dup *x = a, *y = b;
	const struct luo_session *sx = x->obj, *sy = y->obj;

	return strcmp(sx->name, sy->name) ?: luo_cmp_u64(x->pos, y->pos);
}

static int luo_dup_cmp_token(const void *a, const void *b)
{
	const struct luo_dup *x = a, *y = b;

	return luo_cmp_u64(x->token, y->token) ?: luo_cmp_u64(x->pos, y->pos);
}

/* Move every session of @incoming named like an earlier one to @rejected. */
static unsigned long luo_session_dups(struct list_head *incoming,
				      struct luo_dup *d, unsigned long n,
				      struct list_head *rejected)
{
	struct luo_session *s, *prev;
	unsigned long i = 0, nr = 0;

	list_for_each_entry(s, incoming, list) {
		d[i].obj = s;
		d[i].pos = i;
		i++;
	}
	sort(d, n, sizeof(*d), luo_dup_cmp_name, NULL);
	for (i = 1; i < n; i++) {
		s = d[i].obj;
		prev = d[i - 1].obj;
		if (!strcmp(s->name, prev->name)) {
			list_move_tail(&s->list, rejected);
			nr++;
		}
	}
	return nr;
}

/* Move every file of @s with the token of an earlier one to @rejected. */
static unsigned long luo_file_dups(struct luo_session *s, struct luo_dup *d,
				   struct list_head *rejected)
{
	unsigned long i = 0, n = s->nr_files, nr = 0;
	struct luo_file *f;

	list_for_each_entry(f, &s->files, list) {
		d[i].obj = f;
		d[i].token = f->token;
		d[i].pos = i;
		i++;
	}
	sort(d, n, sizeof(*d), luo_dup_cmp_token, NULL);
	for (i = 1; i < n; i++) {
		if (d[i].token == d[i - 1].token) {
			f = d[i].obj;
			list_move_tail(&f->list, rejected);
			nr++;
		}
	}
	s->nr_files -= nr;
	return nr;
}

/*
 * Names and tokens are how userspace finds what it preserved: a second
 * session of the same name or a second file of the same token in a
 * session could never be retrieved. Keep the first of each in
 * @incoming; move the other sessions to @sessions, the other files to
 * @files, and count them.
 */
int luo_state_find_dups(struct list_head *incoming, struct list_head *sessions,
			struct list_head *files, unsigned long *bad_sessions,
			unsigned long *bad_files)
{
	unsigned long nr_sessions = 0, max = 0;
	struct luo_session *s;
	struct luo_dup *d;

	list_for_each_entry(s, incoming, list) {
		nr_sessions++;
		max = max(max, s->nr_files);
	}
	max = max(max, nr_sessions);
	if (max < 2)
		return 0;
	d = kvmalloc_array(max, sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	*bad_sessions = luo_session_dups(incoming, d, nr_sessions, sessions);
	list_for_each_entry(s, incoming, list)
		*bad_files += luo_file_dups(s, d, files);
	kvfree(d);
	return 0;
}

/* Free every session of @incoming and its files. */
void luo_state_free(struct list_head *incoming)
{
	struct luo_session *s, *tmp;

	list_for_each_entry_safe(s, tmp, incoming, list) {
		struct luo_file *f, *ftmp;

		list_for_each_entry_safe(f, ftmp, &s->files, list)
			kfree(f);
		list_del(&s->list);
		kfree(s);
	}
}
