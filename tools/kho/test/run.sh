#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Userspace tests of kho-compat: catalogs in small ELF objects made here,
# fake sysfs trees, fake bzImages in every compression whose tool is
# installed, and the built kernel (build/vmlinux, build/bzImage).
#
#   run.sh [KHO_COMPAT]   default: $BUILD/tools/kho-compat, BUILD defaulting
#                         to the project's build/
#
# Prints "ok N name" / "not ok N name" (TAP-like); exits 1 on any failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$(cd "$here/../../.." && pwd)/build}
kc=${1:-$build/tools/kho-compat}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 failed=0
pass() { n=$((n + 1)); echo "ok $n $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; }
skip() { n=$((n + 1)); echo "ok $n $1 # SKIP $2"; }

# run CMD...: stdout to $tmp/out, stderr to $tmp/err, status in $rc.
run() { "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }

# expect NAME RC [PATTERN...]: the last run exited RC and its output
# (stdout and stderr) has a line matching each extended regex PATTERN.
expect() {
	local name=$1 want=$2 p why=
	shift 2
	[ "$rc" = "$want" ] || why="exit $rc, expected $want"
	for p in "$@"; do
		[ -n "$why" ] || cat "$tmp/out" "$tmp/err" | grep -Eq -- "$p" ||
			why="no line matching '$p'"
	done
	if [ -z "$why" ]; then
		pass "$name"
	else
		fail "$name"
		echo "# $why; output:"
		sed 's/^/#   /' "$tmp/out" "$tmp/err"
	fi
}

# same NAME FILE: the last run exited 0 and printed exactly FILE.
same() {
	if [ "$rc" = 0 ] && cmp -s "$2" "$tmp/out"; then
		pass "$1"
	else
		fail "$1"
		echo "# exit $rc; diff expected actual:"
		diff "$2" "$tmp/out" | sed 's/^/#   /'
		sed 's/^/#   /' "$tmp/err"
	fi
}

if [ ! -x "$kc" ]; then
	fail "kho-compat built ($kc missing)"
	echo "1 tests: $failed failed"
	exit 1
fi

# Catalog objects: entries laid out like struct kho_format (56 bytes).
cat >"$tmp/catalog.c" <<'EOF'
#include <stdint.h>

struct kho_format {
	char family[32];
	uint32_t version;
	uint32_t caps;
	const void *ops;
	void *state;
};
_Static_assert(sizeof(struct kho_format) == 56, "catalog entry size");

#define RWD 7	/* READ | WRITE | WRITE_DEFAULT */
int fake_ops;
#define E(fam, ver, caps) { fam, ver, caps, &fake_ops, 0 }

#ifndef NOSEC
static const struct kho_format catalog[]
__attribute__((section("kho_formats"), used, aligned(8))) = {
#if defined(NEW)	/* out of order on purpose: the tool sorts */
	E("memfd", 1, RWD), E("kho-test", 3, RWD), E("kho-test", 2, RWD),
	E("kho-test", 4, 0),
#elif defined(OLD)
	E("kho-test", 1, RWD), E("memfd", 1, RWD),
#elif defined(MID)
	E("kho-test", 2, RWD), E("kho-test", 3, 2), E("memfd", 1, RWD),
#elif defined(MOD)	/* a module's catalog */
	E("kho-sample", 2, 3), E("kho-sample", 1, RWD),
#elif defined(BADNAME)
	E("kho-test", 1, RWD), E("0123456789abcdef0123456789abcdef", 1, 1),
#endif
};
#endif
EOF
for v in NEW OLD MID MOD BADNAME NOSEC; do
	gcc -c -O2 -D$v -o "$tmp/$v.o" "$tmp/catalog.c" 2>"$tmp/cc.err" ||
		{ fail "compile catalog $v"; sed 's/^/#   /' "$tmp/cc.err"; }
done

# mkver ROOT FAMILY VERSION READ WRITE WRITE_ENABLED OBJECTS
mkver() {
	local d=$1/$2/$3
	mkdir -p "$d"
	echo "$4" >"$d/read"
	echo "$5" >"$d/write"
	echo "$6" >"$d/write_enabled"
	echo "$7" >"$d/objects"
}
s=$tmp/sysfs
# in use: kho-test objects in v2 (1) and v3 (2), both written
mkver "$s/inuse" kho-test 1 1 1 0 0
mkver "$s/inuse" kho-test 2 1 1 1 1
mkver "$s/inuse" kho-test 3 1 1 1 2
mkver "$s/inuse" memfd 1 1 1 1 0
# transition: every object in v2 and v3
mkver "$s/both" kho-test 2 1 1 1 2
mkver "$s/both" kho-test 3 1 1 1 2
# objects in v2 and v3, new ones written in v3 only
mkver "$s/v3only" kho-test 2 1 1 0 1
mkver "$s/v3only" kho-test 3 1 1 1 1
# nothing in use
mkver "$s/idle" kho-test 1 1 1 0 0
mkver "$s/idle" kho-test 2 1 1 1 0
mkver "$s/idle" kho-test 3 1 1 1 0
mkver "$s/idle" memfd 1 1 1 1 0
mkdir -p "$s/empty"
mkver "$s/noobjects" kho-test 1 1 1 1 0
rm "$s/noobjects/kho-test/1/objects"
mkver "$s/badver" kho-test one 1 1 1 0

# list / catalog
run "$kc" list "$tmp/NEW.o"
cat >"$tmp/want" <<'EOF'
FAMILY                          VERSION  CAPS
kho-test                              2  rwd
kho-test                              3  rwd
kho-test                              4  ---
memfd                                 1  rwd
(caps: r read, w write, d written by default)
EOF
same "list: table sorted by family and version" "$tmp/want"

run "$kc" catalog "$tmp/NEW.o"
printf 'kho-test 2 rw\nkho-test 3 rw\nmemfd 1 rw\n' >"$tmp/want"
same "catalog: family version caps lines" "$tmp/want"
run "$kc" catalog "$tmp/MID.o"
printf 'kho-test 2 rw\nkho-test 3 w\nmemfd 1 rw\n' >"$tmp/want"
same "catalog: write-only version" "$tmp/want"

# several files (a kernel and its modules) make one catalog
run "$kc" catalog "$tmp/MOD.o" "$tmp/OLD.o"
printf 'kho-sample 1 rw\nkho-sample 2 rw\nkho-test 1 rw\nmemfd 1 rw\n' >"$tmp/want"
same "catalog: kernel and module files together" "$tmp/want"
run "$kc" list "$tmp/NEW.o" "$tmp/MID.o"
expect "error: a format declared in two files" 2 \
	'MID.o: format kho-test 2 is declared twice'
run "$kc" list "$tmp/MOD.o" "$tmp/NOSEC.o"
expect "error: second file without the section" 2 'no section "kho_formats"'
mkver "$s/module" kho-sample 1 1 1 1 3
mkver "$s/module" kho-test 2 1 1 1 0
run "$kc" check "$tmp/NEW.o" --sysfs "$s/module"
expect "check: module family, kernel alone" 1 \
	'^kho-sample .* INCOMPATIBLE' '^verdict: NOT compatible \(kho-sample\)$'
run "$kc" check "$tmp/NEW.o" --sysfs "$s/module" "$tmp/MOD.o"
expect "check: module family, kernel and module" 0 \
	'^kho-sample +v1\(3\)\* +v1 v2 +ok$' '^verdict: compatible$'

# check
run "$kc" check "$tmp/NEW.o" --sysfs "$s/inuse"
expect "check: compatible target" 0 '^kho-test +v2\(1\)\* v3\(2\)\* +v2 v3 +ok$' \
	'^memfd .* ok \(not in use\)$' '^verdict: compatible$'
run "$kc" check --sysfs "$s/inuse" "$tmp/OLD.o"
expect "check: target lacks the versions in use" 1 \
	'^kho-test .* v1 +INCOMPATIBLE' '^verdict: NOT compatible \(kho-test\)$'
run "$kc" check "$tmp/MID.o" --sysfs "$s/inuse"
expect "check: more objects in an unread version than in read ones" 1 \
	'^kho-test .*INCOMPATIBLE: objects would be lost'
run "$kc" check "$tmp/MID.o" --sysfs "$s/both"
expect "check: transition, objects also in a read version" 0 \
	'^kho-test .* ok, see note$' '^note: ' '^verdict: compatible$'
run "$kc" check "$tmp/MID.o" --sysfs "$s/v3only"
expect "check: new objects in a version the target does not read" 1 \
	'INCOMPATIBLE: new objects would not be read'
run "$kc" check "$tmp/OLD.o" --sysfs "$s/idle"
expect "check: nothing in use never fails" 0 \
	'^kho-test .* would fail once used$' '^verdict: compatible$'
run "$kc" check "$tmp/OLD.o" --sysfs "$s/empty"
expect "check: no family at all" 0 '^verdict: compatible$'

# errors
run "$kc" list "$here/run.sh"
expect "error: not an ELF file" 2 'neither an ELF file nor a bzImage'
run "$kc" check "$here/run.sh" --sysfs "$s/inuse"
expect "error: check of a non-ELF file" 2
run "$kc" list "$tmp/NOSEC.o"
expect "error: ELF without the section" 2 'no section "kho_formats"'
run "$kc" list "$tmp/BADNAME.o"
expect "error: family name without NUL" 2 'entry 1 has no valid family name'
head -c 100 "$tmp/NEW.o" >"$tmp/trunc.o"
run "$kc" list "$tmp/trunc.o"
expect "error: truncated ELF" 2
run "$kc" list "$tmp/nonexistent"
expect "error: missing file" 2 'No such file'
run "$kc" check "$tmp/NEW.o" --sysfs "$s/nonexistent"
expect "error: no sysfs directory" 2
run "$kc" check "$tmp/NEW.o" --sysfs "$s/noobjects"
expect "error: sysfs without objects file" 2 'objects: No such file'
run "$kc" check "$tmp/NEW.o" --sysfs "$s/badver"
expect "error: sysfs with a bad version" 2 'not a version'
run "$kc" list "$tmp/NEW.o" "$tmp/nonexistent"
expect "error: second file missing" 2 'nonexistent: No such file'
for args in "" "list" "frob $tmp/NEW.o" "list $tmp/NEW.o -x" \
	"check $tmp/NEW.o --sysfs" "catalog --sysfs $s/idle $tmp/NEW.o"; do
	# shellcheck disable=SC2086
	run "$kc" $args
	expect "usage: '${args//$tmp/TMP}'" 2 '^usage: '
done
run "$kc" --help
expect "usage: --help" 0 '^usage: '

# bzImage: boot header + payload (kbuild appends the size to all but gzip)
le32() {
	printf '%b' "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) \
		$(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"
}
poke() { printf '%b' "$3" | dd of="$1" bs=1 seek=$(($2)) conv=notrunc status=none; }
mkbz() { # OUT PAYLOAD: 1 setup sector, payload 0x100 into the kernel
	head -c 1280 /dev/zero >"$1"
	poke "$1" 0x1f1 '\x01'
	poke "$1" 0x202 'HdrS\x0f\x02'
	le32 256 | dd of="$1" bs=1 seek=$((0x248)) conv=notrunc status=none
	le32 "$(stat -c %s "$2")" |
		dd of="$1" bs=1 seek=$((0x24c)) conv=notrunc status=none
	cat "$2" >>"$1"
}
run "$kc" list "$tmp/NEW.o"
cp "$tmp/out" "$tmp/list.want"
size=$(stat -c %s "$tmp/NEW.o")
for c in "gzip:gzip -9c:0" "xz:xz -c --check=crc32 --x86 --lzma2=dict=1MiB:1" \
	"lzma:xz -c --format=lzma:1" "zstd:zstd -q -c:1" "bzip2:bzip2 -9c:1" \
	"lz4:lz4 -q -l -9 -c:1" "lzo:lzop -9c:1"; do
	IFS=: read -r name cmd append <<<"$c"
	if ! command -v "${cmd%% *}" >/dev/null; then
		skip "bzImage $name" "${cmd%% *} not installed"
		continue
	fi
	$cmd <"$tmp/NEW.o" >"$tmp/payload"
	[ "$append" = 0 ] || le32 "$size" >>"$tmp/payload"
	mkbz "$tmp/bz-$name" "$tmp/payload"
	run "$kc" list "$tmp/bz-$name"
	same "bzImage $name" "$tmp/list.want"
done
run env PATH=/nonexistent "$kc" list "$tmp/bz-gzip"
expect "bzImage: decompressor not installed" 2 '"gzip" is not installed'
head -c 64 /dev/urandom >"$tmp/payload"
poke "$tmp/payload" 0 '\x1f\x8b'
mkbz "$tmp/bz-bad" "$tmp/payload"
run "$kc" list "$tmp/bz-bad"
expect "bzImage: corrupt payload" 2 'gzip -dc" failed'
head -c 64 /dev/zero >"$tmp/payload"
mkbz "$tmp/bz-unknown" "$tmp/payload"
run "$kc" list "$tmp/bz-unknown"
expect "bzImage: unknown compression" 2 'unknown compression'
gzip -9c <"$here/run.sh" >"$tmp/payload"
mkbz "$tmp/bz-text" "$tmp/payload"
run "$kc" list "$tmp/bz-text"
expect "bzImage: payload not ELF" 2 'payload is not an ELF file'

# the built kernel: kho-test v1..3
vmlinux=$build/vmlinux bzimage=$build/bzImage
if [ -f "$vmlinux" ]; then
	run "$kc" list "$vmlinux"
	expect "vmlinux: list" 0 '^kho-test +1  rw-$' '^kho-test +2  rwd$' \
		'^kho-test +3  rwd$'
	cp "$tmp/out" "$tmp/list.vmlinux"
	run "$kc" check "$vmlinux" --sysfs "$s/idle"
	expect "vmlinux: check, nothing in use" 0 '^verdict: compatible$'
	run "$kc" check "$vmlinux" --sysfs "$s/inuse"
	expect "vmlinux: check, kho-test in use" 0 '^kho-test .* ok$' \
		'^verdict: compatible$'
	if [ -x "$kc.static" ]; then
		run "$kc.static" list "$vmlinux"
		same "vmlinux: static build" "$tmp/list.vmlinux"
	else
		skip "vmlinux: static build" "no $kc.static"
	fi
	if [ -f "$bzimage" ]; then
		run "$kc" list "$bzimage"
		same "bzImage: same catalog as vmlinux" "$tmp/list.vmlinux"
	else
		skip "bzImage: same catalog as vmlinux" "no $bzimage"
	fi
	# In the guest only busybox decompresses; its xz lacks the x86 BCJ
	# filter of the kernel's payload, so the static build has liblzma.
	if [ -f "$bzimage" ] && [ -x "$kc.static" ] &&
	   command -v busybox >/dev/null; then
		mkdir -p "$tmp/bb"
		for a in gzip xz unlzma bzip2; do
			ln -s "$(command -v busybox)" "$tmp/bb/$a"
		done
		run env PATH="$tmp/bb" "$kc.static" list "$bzimage"
		same "bzImage: static build with busybox tools only (guest)" \
			"$tmp/list.vmlinux"
	else
		skip "bzImage: static build with busybox tools only (guest)" \
			"no bzImage, static build or busybox"
	fi
else
	skip "vmlinux" "no $vmlinux (make kernel)"
fi

# A module of the build: its catalog is read from the .ko (relocatable
# ELF), alone and with the kernel's.
ko=$build/obj/kernel/liveupdate/kho_registry_sample.ko
if [ -f "$ko" ] && [ -f "$vmlinux" ]; then
	run "$kc" list "$ko"
	expect "module: list the .ko" 0 '^kho-sample +1  rwd$' \
		'^kho-sample +2  rw-$'
	run "$kc" catalog "$vmlinux" "$ko"
	expect "module: catalog of vmlinux and the .ko" 0 '^kho-sample 1 rw$' \
		'^kho-test 3 rw$'
	run "$kc" check "$vmlinux" "$ko" --sysfs "$s/module"
	expect "module: check with the .ko" 0 '^verdict: compatible$'
	run "$kc" list "$ko" "$ko"
	expect "module: the same .ko twice" 2 'declared twice'
else
	skip "module" "no $ko or $vmlinux (make kernel)"
fi

echo "$n tests: $failed failed"
[ "$failed" = 0 ]
