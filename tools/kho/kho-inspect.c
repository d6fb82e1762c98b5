// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho-inspect: decode and check a KHO handover.
 *
 *   kho-inspect [--json] [--save DIR] [--bundle FILE] [--ram FILE] [PATH]
 *
 * PATH is a handover as debugfs shows it: /sys/kernel/debug/kho/out (the
 * default: what this kernel hands over), /sys/kernel/debug/kho/in (what
 * the previous kernel handed over), or a copy of either saved with
 * --save; or a bundle written with --bundle. The files read are fdt,
 * scratch, map, sub_fdts/NAME and mem (the memory of the finalized
 * handover, kho/out/mem; in a saved copy, the pages kho-inspect read);
 * the decoder is inspect.c.
 *
 * --ram FILE gives the System RAM ranges, as in /proc/iomem, to check
 * that preserved memory lies in RAM; by default /proc/iomem for a
 * debugfs PATH, the file ram of a saved copy.
 *
 * Exit status: 0 valid handover, 1 damaged (each problem is an error
 * line), 2 usage or I/O error.
 */
#define _GNU_SOURCE		/* memmem() */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect.h"

#define DEFAULT_PATH	"/sys/kernel/debug/kho/out"
#define DEBUGFS		"/sys/kernel/debug/"
#define MAX_FILE	(1UL << 20)	/* an FDT or a text file */
#define MAX_SUBS	256
#define MEM_MAGIC	"KHOMEM01"	/* a saved mem file */
#define MAX_MEM_PAGES	(1UL << 16)

struct mem {
	int fd;			/* kho/out/mem, or -1 */
	unsigned char *saved;	/* a saved mem file: pages after headers */
	size_t nr_saved;
};

static const char *prog = "kho-inspect";

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--json] [--save DIR] [--bundle FILE] [--ram FILE] [PATH]\n"
		"  PATH   kho debugfs directory (default %s, or .../kho/in),\n"
		"         a copy saved with --save, or a bundle file\n"
		"  --json        JSON instead of text\n"
		"  --save DIR    also save what was read as a directory PATH can name\n"
		"  --bundle FILE also save it as one file (the fuzz target's input)\n"
		"  --ram FILE    System RAM ranges in /proc/iomem format\n"
		"exit: 0 valid, 1 damaged handover, 2 error\n",
		prog, DEFAULT_PATH);
}

/*
 * Read a whole file of at most @max bytes (debugfs files say size 0: read
 * to the end). 0, or -errno; -ENOENT for a missing file.
 */
static int read_file_max(const char *path, size_t max, unsigned char **data,
			 size_t *len)
{
	size_t cap = 4096, n = 0;
	unsigned char *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			unsigned char *nb;

			if (cap >= max) {
				free(buf);
				close(fd);
				return -EFBIG;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			int err = -errno;

			free(buf);
			close(fd);
			return err;
		}
		if (!r)
			break;
		n += r;
	}
	close(fd);
	buf[n] = 0;	/* text files are used as strings */
	*data = buf;
	*len = n;
	return 0;
}

static int read_file(const char *path, unsigned char **data, size_t *len)
{
	return read_file_max(path, MAX_FILE, data, len);
}

static char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(KI_EXIT_ERROR);
	}
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* Optional file @name of @dir: 0 (NULL if missing), else an error. */
static int load(const char *dir, const char *name, unsigned char **data,
		size_t *len)
{
	char *p = path_join(dir, name);
	int err = read_file(p, data, len);

	if (err == -ENOENT) {
		*data = NULL;
		*len = 0;
		err = 0;
	} else if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, p, strerror(-err));
	}
	free(p);
	return err;
}

static int mem_read_page(void *arg, uint64_t phys, void *page)
{
	struct mem *m = arg;
	size_t lo = 0, hi = m->nr_saved, done = 0;

	if (m->fd >= 0) {
		while (done < KI_PAGE_SIZE) {
			ssize_t r = pread(m->fd, (char *)page + done,
					  KI_PAGE_SIZE - done, phys + done);

			if (r < 0)
				return -errno;
			if (!r)
				return -ENXIO;
			done += r;
		}
		return 0;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		unsigned char *rec = m->saved + mid * (8 + KI_PAGE_SIZE);
		uint64_t p;

		memcpy(&p, rec, 8);
		p = le64toh(p);
		if (p == phys) {
			memcpy(page, rec + 8, KI_PAGE_SIZE);
			return 0;
		}
		if (p < phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

/* The mem file: kho/out/mem itself (size 0), or a saved one. */
static int load_mem(const char *dir, struct mem *m, bool *have)
{
	char *p = path_join(dir, "mem");
	unsigned char *data;
	struct stat st;
	size_t len, i;
	int err = 0;

	*have = false;
	if (stat(p, &st)) {
		err = errno == ENOENT ? 0 : -errno;
		goto out;
	}
	*have = true;
	if (!st.st_size) {
		m->fd = open(p, O_RDONLY);
		if (m->fd < 0)
			err = -errno;
		goto out;
	}
	err = read_file_max(p, 8 + MAX_MEM_PAGES * (8 + KI_PAGE_SIZE), &data,
			    &len);
	if (err)
		goto out;
	if (len < 8 || memcmp(data, MEM_MAGIC, 8) || (len - 8) % (8 + KI_PAGE_SIZE)) {
		fprintf(stderr, "%s: %s: not a saved mem file\n", prog, p);
		free(data);
		err = -EINVAL;
		goto out;
	}
	m->nr_saved = (len - 8) / (8 + KI_PAGE_SIZE);
	m->saved = data + 8;
	for (i = 1; i < m->nr_saved; i++) {
		uint64_t a, b;

		memcpy(&a, m->saved + (i - 1) * (8 + KI_PAGE_SIZE), 8);
		memcpy(&b, m->saved + i * (8 + KI_PAGE_SIZE), 8);
		if (le64toh(a) >= le64toh(b)) {
			fprintf(stderr, "%s: %s: pages not sorted\n", prog, p);
			free(data);
			m->saved = NULL;
			err = -EINVAL;
			goto out;
		}
	}
	free(p);
	return 0;
out:
	if (err && err != -EINVAL)
		fprintf(stderr, "%s: %s: %s\n", prog, p, strerror(-err));
	free(p);
	return err;
}

static bool safe_name(const char *name)
{
	return name[0] && name[0] != '.' && !strchr(name, '/');
}

static int load_subs(const char *dir, struct ki_input *in)
{
	char *sd = path_join(dir, "sub_fdts");
	DIR *d = opendir(sd);
	struct dirent *e;
	int err = 0;

	if (!d) {
		err = errno == ENOENT ? 0 : -errno;
		if (err)
			fprintf(stderr, "%s: %s: %s\n", prog, sd, strerror(-err));
		free(sd);
		return err;
	}
	while ((e = readdir(d))) {
		struct ki_sub *s;

		if (!safe_name(e->d_name))
			continue;
		if (in->nr_subs == MAX_SUBS) {
			fprintf(stderr, "%s: %s: more than %d subtrees\n", prog, sd,
				MAX_SUBS);
			err = -E2BIG;
			break;
		}
		in->subs = realloc(in->subs, (in->nr_subs + 1) * sizeof(*s));
		if (!in->subs) {
			err = -ENOMEM;
			break;
		}
		s = &in->subs[in->nr_subs];
		s->name = strdup(e->d_name);
		err = load(sd, e->d_name, &s->fdt.data, &s->fdt.len);
		if (err || !s->name)
			break;
		in->nr_subs++;
	}
	closedir(d);
	free(sd);
	return err;
}

static bool is_debugfs(const char *path)
{
	char real[4096];

	return realpath(path, real) && !strncmp(real, DEBUGFS, strlen(DEBUGFS));
}

static int load_dir(const char *dir, const char *ram_file, struct ki_input *in,
		    struct mem *m)
{
	unsigned char *t;
	size_t len;
	bool have_mem;
	int err;

	in->source = dir;
	err = load(dir, "fdt", &in->fdt.data, &in->fdt.len);
	err = err ?: load(dir, "scratch", &t, &len);
	in->scratch = (char *)t;
	err = err ?: load(dir, "map", &t, &len);
	in->map = (char *)t;
	if (err)
		return err;
	if (!in->fdt.data) {
		fprintf(stderr, "%s: %s: no file fdt: not a KHO handover directory\n",
			prog, dir);
		return -ENOENT;
	}
	/* kho/in has neither map nor scratch: the previous kernel's. */
	in->incoming = !in->map && !in->scratch;
	if (ram_file) {
		err = read_file(ram_file, &t, &len);
		if (err) {
			fprintf(stderr, "%s: %s: %s\n", prog, ram_file, strerror(-err));
			return err;
		}
	} else if (is_debugfs(dir)) {
		if (read_file("/proc/iomem", &t, &len))
			t = NULL;
	} else {
		err = load(dir, "ram", &t, &len);
		if (err)
			return err;
	}
	in->ram = (char *)t;
	err = load_subs(dir, in);
	err = err ?: load_mem(dir, m, &have_mem);
	if (err)
		return err;
	if (have_mem) {
		in->read_page = mem_read_page;
		in->arg = m;
	}
	return 0;
}

static int write_file(const char *dir, const char *name, const void *data,
		      size_t len)
{
	char *p = path_join(dir, name);
	FILE *f = fopen(p, "w");
	int err = 0;

	if (!f || (len && fwrite(data, len, 1, f) != 1))
		err = -errno ?: -EIO;
	if (f && fclose(f) && !err)
		err = -errno;
	if (err)
		fprintf(stderr, "%s: %s: %s\n", prog, p, strerror(-err));
	free(p);
	return err;
}

struct page_out {
	FILE *f;
	bool bundle;
};

static int put_page(void *arg, uint64_t phys, const void *page)
{
	struct page_out *o = arg;
	uint64_t le = htole64(phys);

	if (o->bundle) {
		struct ki_bundle_rec rec = {
			.type = htole32(KI_BUNDLE_PAGE),
			.addr = le,
			.data_len = htole32(KI_PAGE_SIZE),
		};

		if (fwrite(&rec, sizeof(rec), 1, o->f) != 1)
			return -EIO;
	} else if (fwrite(&le, 8, 1, o->f) != 1) {
		return -EIO;
	}
	return fwrite(page, KI_PAGE_SIZE, 1, o->f) == 1 ? 0 : -EIO;
}

/* The System RAM lines of the ram text, for a copy. */
static char *ram_lines(const char *ram)
{
	size_t n = 0;
	char *out = malloc(ram ? strlen(ram) + 1 : 1);
	const char *p = ram;

	if (!out)
		return NULL;
	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (p[0] != ' ' && memmem(p, l, " : System RAM", 13)) {
			memcpy(out + n, p, l);
			n += l;
			out[n++] = '\n';
		}
		p = e ? e + 1 : NULL;
	}
	out[n] = 0;
	return out;
}

static int save_dir(const char *dir, const struct ki_input *in,
		    const struct ki_report *r)
{
	struct page_out o = {};
	char *sd, *p;
	size_t i;
	int err;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return -errno;
	}
	err = write_file(dir, "fdt", in->fdt.data, in->fdt.len);
	if (!err && in->scratch)
		err = write_file(dir, "scratch", in->scratch, strlen(in->scratch));
	if (!err && in->map)
		err = write_file(dir, "map", in->map, strlen(in->map));
	if (!err && in->ram) {
		char *lines = ram_lines(in->ram);

		err = lines ? write_file(dir, "ram", lines, strlen(lines)) : -ENOMEM;
		free(lines);
	}
	if (err)
		return err;
	sd = path_join(dir, "sub_fdts");
	if (mkdir(sd, 0755) && errno != EEXIST) {
		fprintf(stderr, "%s: %s: %s\n", prog, sd, strerror(errno));
		free(sd);
		return -EIO;
	}
	for (i = 0; i < in->nr_subs && !err; i++)
		if (safe_name(in->subs[i].name))
			err = write_file(sd, in->subs[i].name, in->subs[i].fdt.data,
					 in->subs[i].fdt.len);
	free(sd);
	if (err || !in->read_page)
		return err;
	p = path_join(dir, "mem");
	o.f = fopen(p, "w");
	if (!o.f || fwrite(MEM_MAGIC, 8, 1, o.f) != 1 ||
	    ki_pages_read(r, put_page, &o) || fclose(o.f)) {
		fprintf(stderr, "%s: %s: cannot write\n", prog, p);
		err = -EIO;
	}
	free(p);
	return err;
}

static int put_rec(FILE *f, uint32_t type, const char *name, uint64_t addr,
		   const void *data, size_t len)
{
	struct ki_bundle_rec rec = {
		.type = htole32(type),
		.name_len = htole32(name ? strlen(name) : 0),
		.addr = htole64(addr),
		.data_len = htole32(len),
	};

	return fwrite(&rec, sizeof(rec), 1, f) == 1 &&
	       (!name || !*name || fwrite(name, strlen(name), 1, f) == 1) &&
	       (!len || fwrite(data, len, 1, f) == 1) ? 0 : -EIO;
}

static int save_bundle(const char *file, const struct ki_input *in,
		       const struct ki_report *r)
{
	struct page_out o = { .bundle = true };
	char *lines = NULL;
	size_t i;
	int err;

	o.f = fopen(file, "w");
	if (!o.f) {
		fprintf(stderr, "%s: %s: %s\n", prog, file, strerror(errno));
		return -errno;
	}
	err = fwrite(KI_BUNDLE_MAGIC, strlen(KI_BUNDLE_MAGIC), 1, o.f) == 1 ? 0 : -EIO;
	if (!err && in->incoming)
		err = put_rec(o.f, KI_BUNDLE_INCOMING, NULL, 0, NULL, 0);
	if (!err)
		err = put_rec(o.f, KI_BUNDLE_FDT, NULL, 0, in->fdt.data, in->fdt.len);
	for (i = 0; i < in->nr_subs && !err; i++)
		err = put_rec(o.f, KI_BUNDLE_SUB, in->subs[i].name, 0,
			      in->subs[i].fdt.data, in->subs[i].fdt.len);
	if (!err && in->scratch)
		err = put_rec(o.f, KI_BUNDLE_SCRATCH, NULL, 0, in->scratch,
			      strlen(in->scratch));
	if (!err && in->map)
		err = put_rec(o.f, KI_BUNDLE_MAP, NULL, 0, in->map, strlen(in->map));
	if (!err && in->ram) {
		lines = ram_lines(in->ram);
		err = lines ? put_rec(o.f, KI_BUNDLE_RAM, NULL, 0, lines,
				      strlen(lines)) : -ENOMEM;
		free(lines);
	}
	if (!err && in->read_page)
		err = ki_pages_read(r, put_page, &o);
	if (fclose(o.f) && !err)
		err = -EIO;
	if (err)
		fprintf(stderr, "%s: %s: cannot write\n", prog, file);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "save", required_argument, NULL, 's' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "ram", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *path = DEFAULT_PATH, *save = NULL, *bundle = NULL, *ram = NULL;
	struct ki_input dir_in = {};
	const struct ki_input *in = &dir_in;
	struct ki_bundle *b = NULL;
	struct mem m = { .fd = -1 };
	struct ki_report *r;
	struct stat st;
	bool json = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			save = optarg;
			break;
		case 'b':
			bundle = optarg;
			break;
		case 'r':
			ram = optarg;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return KI_EXIT_ERROR;
		}
	}
	if (optind + 1 < argc) {
		print_usage(stderr);
		return KI_EXIT_ERROR;
	}
	if (optind < argc)
		path = argv[optind];
	if (stat(path, &st)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return KI_EXIT_ERROR;
	}
	if (S_ISDIR(st.st_mode)) {
		if (load_dir(path, ram, &dir_in, &m))
			return KI_EXIT_ERROR;
	} else {
		unsigned char *data;
		const char *why;
		size_t len;
		int err = read_file(path, &data, &len);

		if (err) {
			fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(-err));
			return KI_EXIT_ERROR;
		}
		b = ki_bundle_parse(data, len, path, &why);
		free(data);
		if (!b) {
			fprintf(stderr, "%s: %s: %s\n", prog, path, why);
			return KI_EXIT_ERROR;
		}
		in = ki_bundle_input(b);
	}
	r = ki_decode(in);
	if (json)
		ki_print_json(r, stdout);
	else
		ki_print_text(r, stdout);
	rc = ki_nr_errors(r) ? KI_EXIT_DAMAGED : KI_EXIT_VALID;
	if ((save && save_dir(save, in, r)) ||
	    (bundle && save_bundle(bundle, in, r)))
		rc = KI_EXIT_ERROR;
	if (fflush(stdout))
		rc = KI_EXIT_ERROR;
	ki_free(r);
	ki_bundle_free(b);
	return rc;
}
