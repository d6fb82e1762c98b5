// SPDX-License-Identifier: GPL-2.0-only
/*
 * kho-compat: read the kho_registry format catalog of a kernel image and
 * tell whether that kernel can read what the running one hands over.
 *
 *   kho-compat list FILE...                  the catalog, as a table
 *   kho-compat catalog FILE...               the catalog, in the format of
 *                                            /sys/kernel/liveupdate/target_catalog
 *   kho-compat check FILE... [--sysfs DIR]   compare with the running kernel
 *
 * FILE is a vmlinux, any 64-bit little-endian ELF object with a section
 * "kho_formats" (an array of struct kho_format, see
 * include/linux/kho/abi/registry.h) such as a module (.ko), or an x86
 * bzImage whose payload the usual tool (gzip, xz, zstd, bzip2, lz4, lzop)
 * decompresses. Several FILEs (a kernel and the modules it will load)
 * make one catalog; a format declared twice is an error, as the module
 * loader refuses it.
 *
 * Exit status: 0 compatible (or success), 1 not compatible, 2 error.
 */
#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* From include/linux/kho/abi/registry.h (ABI). */
#define KHO_FAMILY_LEN		32
#define KHO_FORMAT_ENTRY_SIZE	56
#define KHO_FORMAT_SECTION	"kho_formats"
#define KHO_FORMAT_READ		(1U << 0)
#define KHO_FORMAT_WRITE	(1U << 1)
#define KHO_FORMAT_WRITE_DEFAULT (1U << 2)

#define DEFAULT_SYSFS		"/sys/kernel/liveupdate/formats"
#define MAX_IMAGE		(1UL << 30)	/* decompressed kernel */

/* x86 boot protocol (Documentation/arch/x86/boot.rst). */
#define BOOT_SETUP_SECTS	0x1f1
#define BOOT_HEADER		0x202
#define BOOT_VERSION		0x206
#define BOOT_PAYLOAD_OFFSET	0x248
#define BOOT_PAYLOAD_LENGTH	0x24c

#define EXIT_COMPAT		0
#define EXIT_INCOMPAT		1
#define EXIT_ERROR		2

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

struct buf {
	unsigned char *data;
	size_t len;
};

struct format {
	char family[KHO_FAMILY_LEN];
	uint32_t version;
	uint32_t caps;
};

struct catalog {
	struct format *formats;
	size_t nr;
};

/* One version of a family in the running kernel's sysfs. */
struct sys_version {
	uint32_t version;
	unsigned long read, write, write_enabled, objects;
};

struct sys_family {
	char *name;
	struct sys_version *versions;
	size_t nr;
};

static const char *prog = "kho-compat";

static void help(FILE *f)
{
	fprintf(f,
		"usage: %s list FILE...\n"
		"       %s catalog FILE...\n"
		"       %s check FILE... [--sysfs DIR]\n"
		"FILE: vmlinux, an ELF object with a \"%s\" section (a module),\n"
		"      or a bzImage; several FILEs make one catalog\n"
		"DIR:  default %s\n"
		"exit: 0 compatible, 1 not compatible, 2 error\n",
		prog, prog, prog, KHO_FORMAT_SECTION, DEFAULT_SYSFS);
}

static uint16_t get16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const unsigned char *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Does [off, off + size) lie within a buffer of @len bytes? */
static bool in_bounds(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static int grow(struct buf *b, size_t *cap, size_t min_free)
{
	unsigned char *p;
	size_t n = *cap ? *cap : 1 << 20;

	while (n - b->len < min_free)
		n *= 2;
	if (n == *cap)
		return 0;
	if (n > MAX_IMAGE)
		return -EFBIG;
	p = realloc(b->data, n);
	if (!p)
		return -ENOMEM;
	b->data = p;
	*cap = n;
	return 0;
}

/* Read all of @fd into @b. */
static int read_fd(int fd, struct buf *b)
{
	size_t cap = 0;
	ssize_t n;
	int err;

	b->data = NULL;
	b->len = 0;
	for (;;) {
		err = grow(b, &cap, 1 << 16);
		if (err)
			goto fail;
		n = read(fd, b->data + b->len, cap - b->len);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto fail;
		}
		b->len += n;
	}
fail:
	free(b->data);
	b->data = NULL;
	return err;
}

static int read_file(const char *path, struct buf *b)
{
	int fd = open(path, O_RDONLY);
	int err;

	if (fd < 0)
		return -errno;
	err = read_fd(fd, b);
	close(fd);
	return err;
}

/* ELF */

static bool is_elf(const struct buf *b)
{
	return b->len >= SELFMAG && !memcmp(b->data, ELFMAG, SELFMAG);
}

#define EHDR(p, field)	((p) + offsetof(Elf64_Ehdr, field))
#define SHDR(p, field)	((p) + offsetof(Elf64_Shdr, field))

static int bad_catalog(const char *name, const char *why)
{
	fprintf(stderr, "%s: %s: %s\n", prog, name, why);
	return -EINVAL;
}

static int check_family(const char *name, const unsigned char *fam,
			size_t idx)
{
	size_t i, n = strnlen((const char *)fam, KHO_FAMILY_LEN);

	if (!n || n == KHO_FAMILY_LEN)
		goto bad;
	for (i = 0; i < n; i++)
		if (!isgraph(fam[i]) || fam[i] == '/')
			goto bad;
	return 0;
bad:
	fprintf(stderr, "%s: %s: catalog entry %zu has no valid family name\n",
		prog, name, idx);
	return -EINVAL;
}

/* Find the section "kho_formats" of a 64-bit little-endian ELF file. */
static int elf_catalog(const char *name, const struct buf *b,
		       struct catalog *cat)
{
	const unsigned char *p = b->data, *sh, *strtab;
	uint64_t shoff, stroff, strsize, off, size;
	unsigned int shentsize, shnum, shstrndx, i;
	size_t j;

	if (b->len < sizeof(Elf64_Ehdr) || p[EI_CLASS] != ELFCLASS64 ||
	    p[EI_DATA] != ELFDATA2LSB)
		return bad_catalog(name, "not a 64-bit little-endian ELF file");
	shoff = get64(EHDR(p, e_shoff));
	shentsize = get16(EHDR(p, e_shentsize));
	shnum = get16(EHDR(p, e_shnum));
	shstrndx = get16(EHDR(p, e_shstrndx));
	if (!shoff || shentsize < sizeof(Elf64_Shdr) ||
	    !in_bounds(shoff, shentsize, b->len))
		return bad_catalog(name, "ELF file without section headers");
	/* More than SHN_LORESERVE sections: the real values are in #0. */
	sh = p + shoff;
	if (!shnum)
		shnum = get64(SHDR(sh, sh_size));
	if (shstrndx == SHN_XINDEX)
		shstrndx = get32(SHDR(sh, sh_link));
	if (!in_bounds(shoff, (uint64_t)shnum * shentsize, b->len) ||
	    shstrndx >= shnum)
		return bad_catalog(name, "truncated or corrupt ELF file");
	sh = p + shoff + (uint64_t)shstrndx * shentsize;
	stroff = get64(SHDR(sh, sh_offset));
	strsize = get64(SHDR(sh, sh_size));
	if (!in_bounds(stroff, strsize, b->len))
		return bad_catalog(name, "truncated or corrupt ELF file");
	strtab = p + stroff;

	for (i = 0; i < shnum; i++) {
		uint32_t sname;

		sh = p + shoff + (uint64_t)i * shentsize;
		sname = get32(SHDR(sh, sh_name));
		if (sname >= strsize ||
		    strnlen((const char *)strtab + sname, strsize - sname) !=
		    strlen(KHO_FORMAT_SECTION) ||
		    memcmp(strtab + sname, KHO_FORMAT_SECTION,
			   strlen(KHO_FORMAT_SECTION)))
			continue;
		off = get64(SHDR(sh, sh_offset));
		size = get64(SHDR(sh, sh_size));
		if (get32(SHDR(sh, sh_type)) == SHT_NOBITS ||
		    !in_bounds(off, size, b->len))
			return bad_catalog(name, "section " KHO_FORMAT_SECTION
					   " has no data in the file");
		if (size % KHO_FORMAT_ENTRY_SIZE)
			return bad_catalog(name, "section " KHO_FORMAT_SECTION
					   " is not an array of 56-byte entries");
		cat->nr = size / KHO_FORMAT_ENTRY_SIZE;
		cat->formats = calloc(cat->nr ? cat->nr : 1,
				      sizeof(*cat->formats));
		if (!cat->formats)
			return -ENOMEM;
		for (j = 0; j < cat->nr; j++) {
			const unsigned char *e = p + off +
						 j * KHO_FORMAT_ENTRY_SIZE;
			struct format *f = &cat->formats[j];

			if (check_family(name, e, j)) {
				free(cat->formats);
				return -EINVAL;
			}
			memcpy(f->family, e, KHO_FAMILY_LEN);
			f->version = get32(e + KHO_FAMILY_LEN);
			f->caps = get32(e + KHO_FAMILY_LEN + 4);
		}
		return 0;
	}
	fprintf(stderr, "%s: %s: no section \"%s\": not a kernel with kho_registry formats\n",
		prog, name, KHO_FORMAT_SECTION);
	return -ENOENT;
}

/* bzImage */

struct codec {
	const char *name;
	unsigned char magic[6];
	size_t magic_len;
	const char *const argv[4];
	bool size_appended;	/* kbuild appends the size (size_append) */
};

static const struct codec codecs[] = {
	{ "gzip", { 0x1f, 0x8b }, 2, { "gzip", "-dc" }, false },
	{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6, { "xz", "-dc" }, true },
	{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4, { "zstd", "-dc" }, true },
	{ "lzma", { 0x5d, 0, 0 }, 3, { "unlzma", "-c" }, true },
	{ "bzip2", { 'B', 'Z', 'h' }, 3, { "bzip2", "-dc" }, true },
	{ "lz4", { 0x02, 0x21, 0x4c, 0x18 }, 4, { "lz4", "-dc" }, true },
	{ "lzo", { 0x89, 'L', 'Z', 'O', 0 }, 5, { "lzop", "-dc" }, true },
};

static bool is_bzimage(const struct buf *b)
{
	return b->len > BOOT_PAYLOAD_LENGTH + 4 &&
	       !memcmp(b->data + BOOT_HEADER, "HdrS", 4);
}

/*
 * Run the decompressor on @in (written to an unlinked temporary file that
 * becomes its stdin) and read its stdout into @out. Return 0, or the
 * exit status of the tool (127: not found), or a negative errno.
 */
static int run_codec(const struct codec *c, const unsigned char *in,
		     size_t len, struct buf *out)
{
	const char *tmpdir = getenv("TMPDIR");
	char path[4096];
	int fd, pipefd[2], status, err;
	size_t done = 0;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/kho-compat.XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	unlink(path);
	while (done < len) {
		ssize_t n = write(fd, in + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto close_tmp;
		}
		done += n;
	}
	if (lseek(fd, 0, SEEK_SET) < 0 || pipe(pipefd) < 0) {
		err = -errno;
		goto close_tmp;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto close_pipe;
	}
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		if (dup2(fd, 0) < 0 || dup2(pipefd[1], 1) < 0 ||
		    (null >= 0 && dup2(null, 2) < 0))
			_exit(126);
		close(pipefd[0]);
		execvp(c->argv[0], (char *const *)c->argv);
		_exit(127);
	}
	close(pipefd[1]);
	err = read_fd(pipefd[0], out);
	close(pipefd[0]);
	close(fd);
	if (waitpid(pid, &status, 0) < 0)
		status = 1 << 8;
	if (!err && (!WIFEXITED(status) || WEXITSTATUS(status)))
		err = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	if (err)
		free(out->data);
	return err;

close_pipe:
	close(pipefd[0]);
	close(pipefd[1]);
close_tmp:
	close(fd);
	return err;
}

/* Replace the bzImage in @b by the ELF file its payload holds. */
static int bzimage_payload(const char *name, struct buf *b)
{
	const struct codec *c = NULL;
	uint64_t start, off, len;
	unsigned int sects, i;
	struct buf out;
	int err;

	if (get16(b->data + BOOT_VERSION) < 0x208)
		return bad_catalog(name, "bzImage too old: no payload fields (boot protocol < 2.08)");
	sects = b->data[BOOT_SETUP_SECTS] ? b->data[BOOT_SETUP_SECTS] : 4;
	start = (sects + 1) * 512ULL;
	off = get32(b->data + BOOT_PAYLOAD_OFFSET);
	len = get32(b->data + BOOT_PAYLOAD_LENGTH);
	if (!in_bounds(start + off, len, b->len) || len < 8)
		return bad_catalog(name, "bzImage payload lies outside the file");
	for (i = 0; i < ARRAY_SIZE(codecs) && !c; i++)
		if (!memcmp(b->data + start + off, codecs[i].magic,
			    codecs[i].magic_len))
			c = &codecs[i];
	if (!c)
		return bad_catalog(name, "bzImage payload in an unknown compression format");
	if (c->size_appended)
		len -= 4;

	err = run_codec(c, b->data + start + off, len, &out);
	if (err < 0) {
		fprintf(stderr, "%s: %s: cannot decompress the %s payload: %s\n",
			prog, name, c->name, strerror(-err));
		return err;
	}
	if (err) {
		if (err == 127)
			fprintf(stderr, "%s: %s: the bzImage payload is %s-compressed and \"%s\" is not installed; install it or pass the vmlinux\n",
				prog, name, c->name, c->argv[0]);
		else
			fprintf(stderr, "%s: %s: the bzImage payload is %s-compressed and \"%s %s\" failed (exit %d); pass the vmlinux\n",
				prog, name, c->name, c->argv[0], c->argv[1],
				err);
		return -ENOEXEC;
	}
	free(b->data);
	*b = out;
	return 0;
}

static int cmp_format(const void *a, const void *b)
{
	const struct format *x = a, *y = b;
	int c = strcmp(x->family, y->family);

	if (c)
		return c;
	return x->version < y->version ? -1 : x->version > y->version;
}

/* Read the catalog of @name, sorted by family and version. */
static int load_catalog(const char *name, struct catalog *cat)
{
	struct buf b;
	int err = read_file(name, &b);

	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, name, strerror(-err));
		return err;
	}
	if (!is_elf(&b) && is_bzimage(&b)) {
		err = bzimage_payload(name, &b);
		if (err)
			goto out;
		if (!is_elf(&b)) {
			err = bad_catalog(name, "the bzImage payload is not an ELF file");
			goto out;
		}
	}
	if (!is_elf(&b)) {
		err = bad_catalog(name, "neither an ELF file nor a bzImage");
		goto out;
	}
	err = elf_catalog(name, &b, cat);
	if (!err)
		qsort(cat->formats, cat->nr, sizeof(*cat->formats), cmp_format);
out:
	free(b.data);
	return err;
}

static const char *caps_str(uint32_t caps, char *s)
{
	s[0] = caps & KHO_FORMAT_READ ? 'r' : '-';
	s[1] = caps & KHO_FORMAT_WRITE ? 'w' : '-';
	s[2] = caps & KHO_FORMAT_WRITE_DEFAULT ? 'd' : '-';
	s[3] = '\0';
	return s;
}

static int cmd_list(const struct catalog *cat)
{
	char caps[4];
	size_t i;

	printf("%-31s %7s  %s\n", "FAMILY", "VERSION", "CAPS");
	for (i = 0; i < cat->nr; i++)
		printf("%-31s %7u  %s\n", cat->formats[i].family,
		       cat->formats[i].version,
		       caps_str(cat->formats[i].caps, caps));
	printf("(caps: r read, w write, d written by default)\n");
	return EXIT_COMPAT;
}

/* One "family version caps" line per format that reads or writes. */
static int cmd_catalog(const struct catalog *cat)
{
	size_t i;

	for (i = 0; i < cat->nr; i++) {
		const struct format *f = &cat->formats[i];

		if (!(f->caps & (KHO_FORMAT_READ | KHO_FORMAT_WRITE)))
			continue;
		printf("%s %u %s%s\n", f->family, f->version,
		       f->caps & KHO_FORMAT_READ ? "r" : "",
		       f->caps & KHO_FORMAT_WRITE ? "w" : "");
	}
	return EXIT_COMPAT;
}

/* sysfs of the running kernel */

static int read_ulong(const char *dir, const char *file, unsigned long *val)
{
	char path[4096];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -errno;
	}
	ok = fscanf(f, "%lu", val) == 1;
	fclose(f);
	if (!ok) {
		fprintf(stderr, "%s: %s: not a number\n", prog, path);
		return -EINVAL;
	}
	return 0;
}

static bool is_number(const char *s)
{
	if (!*s || strlen(s) > 10)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static int cmp_version(const void *a, const void *b)
{
	const struct sys_version *x = a, *y = b;

	return x->version < y->version ? -1 : x->version > y->version;
}

static int skip_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int read_family(const char *root, struct sys_family *fam)
{
	struct dirent **ents;
	char dir[4096], vdir[4096 + 256];
	int n, i, err = 0;

	snprintf(dir, sizeof(dir), "%s/%s", root, fam->name);
	n = scandir(dir, &ents, skip_dots, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return -errno;
	}
	fam->versions = calloc(n ? n : 1, sizeof(*fam->versions));
	if (!fam->versions)
		err = -ENOMEM;
	for (i = 0; i < n; i++) {
		struct sys_version *v = &fam->versions[fam->nr];
		unsigned long ver;

		if (err)
			goto next;
		ver = strtoul(ents[i]->d_name, NULL, 10);
		if (!is_number(ents[i]->d_name) || ver > UINT32_MAX) {
			fprintf(stderr, "%s: %s/%s: not a version\n", prog, dir,
				ents[i]->d_name);
			err = -EINVAL;
			goto next;
		}
		v->version = ver;
		snprintf(vdir, sizeof(vdir), "%s/%s", dir, ents[i]->d_name);
		err = read_ulong(vdir, "read", &v->read) ?:
		      read_ulong(vdir, "write", &v->write) ?:
		      read_ulong(vdir, "write_enabled", &v->write_enabled) ?:
		      read_ulong(vdir, "objects", &v->objects);
		if (!err)
			fam->nr++;
next:
		free(ents[i]);
	}
	free(ents);
	qsort(fam->versions, fam->nr, sizeof(*fam->versions), cmp_version);
	return err;
}

static void free_families(struct sys_family *fams, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(fams[i].name);
		free(fams[i].versions);
	}
	free(fams);
}

static int read_sysfs(const char *root, struct sys_family **out, size_t *nr)
{
	struct sys_family *fams;
	struct dirent **ents;
	int n, i, err = 0;

	n = scandir(root, &ents, skip_dots, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s: %s (is this a kernel with kho_registry?)\n",
			prog, root, strerror(errno));
		return -errno;
	}
	fams = calloc(n ? n : 1, sizeof(*fams));
	*nr = 0;
	if (!fams)
		err = -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!err) {
			fams[*nr].name = strdup(ents[i]->d_name);
			if (!fams[*nr].name)
				err = -ENOMEM;
			else
				err = read_family(root, &fams[(*nr)++]);
		}
		free(ents[i]);
	}
	free(ents);
	if (err) {
		if (fams)
			free_families(fams, *nr);
		return err;
	}
	*out = fams;
	return 0;
}

static bool target_reads(const struct catalog *cat, const char *family,
			 uint32_t version)
{
	size_t i;

	for (i = 0; i < cat->nr; i++)
		if (cat->formats[i].version == version &&
		    cat->formats[i].caps & KHO_FORMAT_READ &&
		    !strcmp(cat->formats[i].family, family))
			return true;
	return false;
}

/*
 * Judge one family; return true if compatible. Only counts per version
 * are visible, not which versions each object was written in: an object
 * may be lost when the target does not read some version holding objects
 * (certainly if that version holds more objects than all those the
 * target reads together). The kernel guard (target_catalog) checks each
 * object; here such a family passes with a note.
 */
static bool judge(const struct catalog *cat, const struct sys_family *fam,
		  const char **verdict, bool *maybe)
{
	unsigned long read_objs = 0, unread_max = 0, in_use = 0;
	bool reads_obj = false, reads_new = false, writes_new = false;
	size_t i;

	for (i = 0; i < fam->nr; i++) {
		const struct sys_version *v = &fam->versions[i];
		bool r = target_reads(cat, fam->name, v->version);

		in_use += v->objects;
		if (v->objects && r) {
			reads_obj = true;
			read_objs += v->objects;
		} else if (v->objects && v->objects > unread_max) {
			unread_max = v->objects;
		}
		if (v->write_enabled) {
			writes_new = true;
			reads_new |= r;
		}
	}
	*maybe = false;
	if (!in_use) {
		*verdict = !writes_new ? "ok (not written)" :
			   reads_new ? "ok (not in use)" :
			   "would fail once used";
		return true;
	}
	if (!reads_obj || unread_max > read_objs) {
		*verdict = "INCOMPATIBLE: objects would be lost";
		return false;
	}
	if (writes_new && !reads_new) {
		*verdict = "INCOMPATIBLE: new objects would not be read";
		return false;
	}
	*maybe = unread_max > 0;
	*verdict = *maybe ? "ok, see note" : "ok";
	return true;
}

static int cmd_check(const char *name, const struct catalog *cat,
		     const char *sysfs)
{
	const char *bad = NULL;
	struct sys_family *fams = NULL;
	size_t nr = 0, i, j;
	bool any_maybe = false;
	int nbad = 0;

	if (read_sysfs(sysfs, &fams, &nr))
		return EXIT_ERROR;
	printf("target: %s\n", name);
	printf("%-24s %-24s %-16s %s\n", "FAMILY", "WRITTEN", "TARGET READS",
	       "VERDICT");
	for (i = 0; i < nr; i++) {
		const struct sys_family *fam = &fams[i];
		char written[256] = "", reads[256] = "";
		size_t wl = 0, rl = 0;
		const char *verdict;
		bool maybe;

		for (j = 0; j < fam->nr; j++) {
			const struct sys_version *v = &fam->versions[j];

			if ((v->objects || v->write_enabled) &&
			    wl < sizeof(written))
				wl += snprintf(written + wl, sizeof(written) - wl,
					       "%sv%u(%lu)%s", wl ? " " : "",
					       v->version, v->objects,
					       v->write_enabled ? "*" : "");
		}
		for (j = 0; j < cat->nr; j++) {
			const struct format *f = &cat->formats[j];

			if (!strcmp(f->family, fam->name) &&
			    f->caps & KHO_FORMAT_READ && rl < sizeof(reads))
				rl += snprintf(reads + rl, sizeof(reads) - rl,
					       "%sv%u", rl ? " " : "",
					       f->version);
		}
		if (!judge(cat, fam, &verdict, &maybe)) {
			if (!nbad++)
				bad = fam->name;
		}
		any_maybe |= maybe;
		printf("%-24s %-24s %-16s %s\n", fam->name,
		       wl ? written : "-", rl ? reads : "-", verdict);
	}
	printf("(written: vN(objects in it), * = written for new objects)\n");
	if (any_maybe)
		printf("note: some objects are in versions the target does not read: fine if\n"
		       "  each is also in one it reads; to have the kernel check every object:\n"
		       "  %s catalog %s > /sys/kernel/liveupdate/target_catalog\n",
		       prog, name);
	if (nbad)
		printf("verdict: NOT compatible (%s%s)\n", bad,
		       nbad > 1 ? " and others" : "");
	else
		printf("verdict: compatible\n");
	free_families(fams, nr);
	return nbad ? EXIT_INCOMPAT : EXIT_COMPAT;
}

/* Append the catalog of @name to @cat; no format may be in both. */
static int add_catalog(const char *name, struct catalog *cat)
{
	struct catalog more;
	struct format *all;
	size_t i;

	if (load_catalog(name, &more))
		return -1;
	all = realloc(cat->formats, (cat->nr + more.nr + 1) * sizeof(*all));
	if (!all) {
		free(more.formats);
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	memcpy(all + cat->nr, more.formats, more.nr * sizeof(*all));
	cat->formats = all;
	cat->nr += more.nr;
	free(more.formats);
	qsort(cat->formats, cat->nr, sizeof(*cat->formats), cmp_format);
	for (i = 1; i < cat->nr; i++) {
		if (!cmp_format(&cat->formats[i - 1], &cat->formats[i])) {
			fprintf(stderr, "%s: %s: format %s %u is declared twice\n",
				prog, name, cat->formats[i].family,
				cat->formats[i].version);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd, *file = NULL, *sysfs = DEFAULT_SYSFS;
	struct catalog cat = { NULL, 0 };
	int i, ret, first = 0;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		help(stdout);
		return EXIT_COMPAT;
	}
	if (argc < 3)
		goto bad_args;
	cmd = argv[1];
	for (i = 2; i < argc; i++) {
		if (!strcmp(cmd, "check") && !strcmp(argv[i], "--sysfs") &&
		    i + 1 < argc)
			sysfs = argv[++i];
		else if (argv[i][0] != '-' && !file)
			file = argv[first = i];
		else if (argv[i][0] == '-')
			goto bad_args;
	}
	if (!file || (strcmp(cmd, "list") && strcmp(cmd, "catalog") &&
		      strcmp(cmd, "check")))
		goto bad_args;

	for (i = first; i < argc; i++) {
		if (!strcmp(argv[i], "--sysfs")) {
			i++;
			continue;
		}
		if (add_catalog(argv[i], &cat)) {
			free(cat.formats);
			return EXIT_ERROR;
		}
	}
	if (!strcmp(cmd, "list"))
		ret = cmd_list(&cat);
	else if (!strcmp(cmd, "catalog"))
		ret = cmd_catalog(&cat);
	else
		ret = cmd_check(file, &cat, sysfs);
	free(cat.formats);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the output\n", prog);
		return EXIT_ERROR;
	}
	return ret;

bad_args:
	help(stderr);
	return EXIT_ERROR;
}
