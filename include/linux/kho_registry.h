/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kho_registry: versioned formats for objects handed over by KHO.
 *
 * A format is (family, version, capabilities, ops), declared with
 * KHO_FORMAT(); the declaration also lands in the vmlinux catalog (ELF
 * section "kho_formats"), so tools can tell before a kexec which formats
 * the target kernel reads. Storing an object writes it in every
 * write-enabled version of its family and returns one handle; the next
 * kernel restores the newest version it can read (an older one if that
 * fails) and discards the rest.
 * See Documentation/liveupdate/registry.rst.
 */
#ifndef _LINUX_KHO_REGISTRY_H
#define _LINUX_KHO_REGISTRY_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/kho/abi/registry.h>

struct kho_format;
struct kho_page_ops;
struct kobject;
struct module;

/**
 * struct kho_format_ops - what a format does with an object
 * @store: old kernel: write @obj in this version, preserving what it
 *         needs; set @handle to what the next kernel gets
 * @unstore: old kernel: undo @store (the object is not handed over)
 * @restore: new kernel: rebuild the object from @handle; ERR_PTR on error
 *           (then everything of @handle it claimed is released, and the
 *           registry tries an older version)
 * @discard: new kernel: release everything of @handle, unused
 * @extents: optional, old kernel before a kexec: call @add for every
 *           block preserved behind @handle, so that the next kernel can
 *           release an unclaimed object without this code; 0 or an error
 */
struct kho_format_ops {
	int (*store)(const struct kho_format *fmt, void *obj, u64 *handle);
	void (*unstore)(const struct kho_format *fmt, void *obj, u64 handle);
	void *(*restore)(const struct kho_format *fmt, u64 handle);
	void (*discard)(const struct kho_format *fmt, u64 handle);
	int (*extents)(const struct kho_format *fmt, u64 handle,
		       int (*add)(void *arg, phys_addr_t phys,
				  unsigned int order), void *arg);
};

/**
 * struct kho_format_state - run-time state of a format
 * @write_enabled: stores write this version
 * @unreadable: treated as not readable (debug: kho_registry_unreadable=)
 * @objects: live objects written in this version by this kernel
 */
struct kho_format_state {
	bool write_enabled;
	bool unreadable;
	unsigned long objects;
};

/**
 * struct kho_format - a format; its first fields are the catalog entry
 * @family: family name, NUL-terminated
 * @version: version within the family; higher is newer
 * @caps: KHO_FORMAT_READ, KHO_FORMAT_WRITE, KHO_FORMAT_WRITE_DEFAULT
 * @ops: the operations
 * @state: run-time state
 */
struct kho_format {
	char family[KHO_FAMILY_LEN];
	u32 version;
	u32 caps;
	const struct kho_format_ops *ops;
	struct kho_format_state *state;
} __aligned(8);

/**
 * KHO_FORMAT() - declare a format
 * @name: C identifier of the format
 * @fam: family name (string literal, < KHO_FAMILY_LEN)
 * @ver: version
 * @caps_: capabilities
 * @ops_: pointer to its struct kho_format_ops
 */
#define KHO_FORMAT(name, fam, ver, caps_, ops_)				\
	static struct kho_format_state __kho_state_##name = {		\
		.write_enabled = !!((caps_) & KHO_FORMAT_WRITE_DEFAULT),\
	};								\
	/* Aligned by hand: the catalog is an array, no padding allowed. */ \
	static const struct kho_format name __used __aligned(8)	\
	__section(KHO_FORMAT_SECTION) = {				\
		.family = fam, .version = ver, .caps = caps_,		\
		.ops = ops_, .state = &__kho_state_##name,		\
	}

/**
 * struct kho_catalog - the formats a module declares
 * @formats: its section kho_formats
 * @nr_formats: entries in @formats
 * @owner: the module
 * @kobjs: sysfs directory of each format (kernel's registry)
 * @next: the next module's catalog
 */
struct kho_catalog {
	const struct kho_format *formats;
	unsigned int nr_formats;
	struct module *owner;
	struct kobject **kobjs;
	struct kho_catalog *next;
};

struct kho_record_class;
struct kho_record_pg;

/**
 * struct kho_registry - a set of formats and the objects stored with them
 * @formats: the formats (the vmlinux catalog for the kernel's registry)
 * @nr_formats: their number
 * @modules: catalogs of loaded modules, NULL if none
 * @ops: where record pages live
 * @classes: classes of the live records (family and versions written)
 * @buckets: hash table of the record pages this registry holds, stored
 *           ones and claimed ones of the previous kernel, by address
 * @nr_buckets: its size, 0 or a power of two
 * @nr_pages: record pages in it
 * @nr_live: records stored and not unstored
 */
struct kho_registry {
	const struct kho_format *formats;
	unsigned int nr_formats;
	struct kho_catalog *modules;
	const struct kho_page_ops *ops;
	struct kho_record_class *classes;
	struct kho_record_pg **buckets;
	unsigned long nr_buckets;
	unsigned long nr_pages;
	unsigned long nr_live;
};

/**
 * struct kho_record_info - a record, read out of its record page
 * @family: family name
 * @nr: versions written
 * @versions: the versions
 * @handles: what the store op of each returned
 */
struct kho_record_info {
	char family[KHO_FAMILY_LEN];
	unsigned int nr;
	u32 versions[KHO_RECORD_MAX_VERSIONS];
	u64 handles[KHO_RECORD_MAX_VERSIONS];
};

/**
 * struct kho_target_format - a format the target kernel knows
 * @family: family name
 * @version: version
 * @caps: capabilities there
 */
struct kho_target_format {
	char family[KHO_FAMILY_LEN];
	u32 version;
	u32 caps;
};

/**
 * struct kho_format_iter - position in the formats of a registry
 * @cat: module catalog walked, NULL for the registry's own formats
 * @i: next entry in it
 */
struct kho_format_iter {
	const struct kho_catalog *cat;
	unsigned int i;
};

const struct kho_format *kho_format_next(const struct kho_registry *r,
					 struct kho_format_iter *it);

/* Every format of @r: its own, then those of each module catalog. */
#define kho_for_each_format(r, it, f)					\
	for ((it)->cat = NULL, (it)->i = 0,				\
	     (f) = kho_format_next(r, it); (f);				\
	     (f) = kho_format_next(r, it))

int kho_registry_store(const char *family, void *obj, u64 *handle);
int kho_registry_unstore(u64 handle, void *obj);
void *kho_registry_restore(const char *family, u64 handle);
void kho_registry_discard(u64 handle);
unsigned long kho_registry_incoming(const char *family, u64 *handles,
				    unsigned long max);
int kho_registry_check_target(void);

/* The same on a given registry (tests). */
int __kho_registry_store(struct kho_registry *r, const char *family,
			 void *obj, u64 *handle);
int __kho_registry_unstore(struct kho_registry *r, u64 handle, void *obj);
void *__kho_registry_restore(struct kho_registry *r, const char *family,
			     u64 handle);
void __kho_registry_discard(struct kho_registry *r, u64 handle);
int __kho_registry_check(struct kho_registry *r,
			 const struct kho_target_format *target,
			 unsigned int nr_target);
const struct kho_format *kho_registry_find(struct kho_registry *r,
					   const char *family, u32 version);
const struct kho_catalog *kho_registry_catalog_of(struct kho_registry *r,
						  const struct kho_format *f);
bool kho_registry_knows_family(struct kho_registry *r, const char *family);
int __kho_registry_live(struct kho_registry *r, u64 handle,
			struct kho_record_info *info);
int __kho_registry_peek(struct kho_registry *r, u64 handle,
			struct kho_record_info *info);
/* Called with a live record and its handle; an error stops the walk. */
typedef int (*kho_record_fn_t)(void *arg, u64 handle,
			     const struct kho_record_info *info);
int __kho_registry_walk_live(struct kho_registry *r, kho_record_fn_t fn,
				 void *arg);
bool __kho_registry_drop(struct kho_registry *r, u64 handle);
unsigned long __kho_registry_forget(struct kho_registry *r,
				    const struct kho_catalog *c);

#ifdef CONFIG_KEXEC_HANDOVER
int kho_registry_add_module(struct module *mod,
			    const struct kho_format *formats, unsigned int nr);
#else
static inline int kho_registry_add_module(struct module *mod,
					  const struct kho_format *formats,
					  unsigned int nr)
{
	return 0;
}
#endif
void kho_registry_destroy(struct kho_registry *r);

#endif /* _LINUX_KHO_REGISTRY_H */
