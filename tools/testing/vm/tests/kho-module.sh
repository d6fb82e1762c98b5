#!/bin/sh
# A kho_registry client built as a module (kho_registry_sample.ko, family
# kho-sample): its formats are in the catalog (sysfs, kho-compat) only
# while it is loaded; it cannot be unloaded while it has stored objects,
# nor loaded twice. Across kexec:
#   1 -> 2  objects wait, reserved, until the module is loaded; it
#           claims them and checks every byte
#   2 -> 3  the module is never loaded: release_unclaimed gives the
#           memory back, logged; two more objects are left unclaimed
#   3 -> 4  they are left unclaimed
#   4 -> 5  the kexec drops them with a log line and hands over only
#           what was stored in 4
. /tests/lib.sh
ko=/lib/modules/kho_registry_sample.ko
fam=/sys/kernel/liveupdate/formats/kho-sample
lu=/sys/kernel/liveupdate
ks=/sys/kernel/debug/kho_sample

fail() { echo "FAIL: $*"; exit 1; }
memtotal() { lu_memtotal_kb; }
store() { echo "$1 $2" > $ks/store || fail "store $1 $2"; }
unclaimed() { grep "^kho-sample " $lu/unclaimed | cut -d' ' -f2; }

# Objects of stage N: size seed, one per line.
objects_1="4194304 7
1048576 9
12345 3"
objects_2="2097152 21
65536 22
4096 23"

store_set() {
	echo "$1" | while read -r size seed; do store "$size" "$seed"; done
}

case "$1" in
1)
	[ -f $ko ] || fail "no $ko in the initramfs"
	[ -d $fam ] && fail "kho-sample listed before the module is loaded"
	# kho-compat reads the catalog of the .ko, alone and with the kernel.
	kho-compat list $ko | grep -Eq '^kho-sample +1  rwd$' ||
		fail "kho-compat list $ko"
	kho-compat catalog /boot/bzImage $ko > /tmp/cat-with-ko || fail "catalog"
	grep -qx "kho-sample 2 rw" /tmp/cat-with-ko || fail "catalog: no kho-sample 2"
	grep -q "^kho-test " /tmp/cat-with-ko || fail "catalog: no kho-test"

	insmod $ko || fail "insmod"
	[ "$(cat $fam/1/write_enabled) $(cat $fam/2/write_enabled)" = "1 0" ] ||
		fail "write_enabled of a module's formats"
	[ "$(cat $fam/1/read)" = 1 ] || fail "read"
	insmod $ko 2>/dev/null && fail "the module was loaded twice"
	[ "$(ls $fam)" = "1
2" ] || fail "formats after a refused second load: $(ls $fam)"

	# Unload with a stored object: refused, nothing lost.
	store 8192 1
	[ "$(cat $fam/1/objects)" = 1 ] || fail "objects"
	rmmod kho_registry_sample 2>/dev/null && fail "unloaded with a stored object"
	[ "$(cat $fam/1/objects)" = 1 ] || fail "objects after a refused rmmod"
	echo 1 > $ks/unstore || fail unstore
	[ "$(cat $fam/1/objects)" = 0 ] || fail "objects after unstore"
	rmmod kho_registry_sample || fail "rmmod"
	[ -d $fam ] && fail "kho-sample still listed after rmmod"
	lu_expect_log "kho_registry_sample: 2 formats removed from the catalog" ||
		exit 1

	insmod $ko || fail "insmod again"
	[ -d $fam/2 ] || fail "kho-sample not listed after the second insmod"
	# The first object in v1 and v2, the others in v1 only.
	echo 1 > $fam/2/write_enabled || fail "enable v2"
	store_set "$(echo "$objects_1" | head -n1)"
	echo 0 > $fam/2/write_enabled || fail "disable v2"
	store_set "$(echo "$objects_1" | tail -n +2)"
	[ "$(cat $fam/1/objects) $(cat $fam/2/objects)" = "3 1" ] ||
		fail "objects v1 v2: $(cat $fam/1/objects) $(cat $fam/2/objects)"

	# The kernel alone cannot read kho-sample: the check and the guard
	# say no; with the module they say yes.
	kho-compat check /boot/bzImage >/tmp/check; rc=$?
	[ $rc = 1 ] || { cat /tmp/check; fail "check without the module: $rc"; }
	kho-compat check /boot/bzImage $ko >/tmp/check ||
		{ cat /tmp/check; fail "check with the module"; }
	kho-compat catalog /boot/bzImage > $lu/target_catalog || fail "target"
	cp /sys/firmware/initrd /tmp/initrd
	kexec-load -e /boot/bzImage /tmp/initrd "$(cat /proc/cmdline)" &&
		fail "kexec into a kernel without kho-sample was not refused"
	lu_expect_log "target kernel reads no version of family kho-sample" ||
		exit 1
	cat /tmp/cat-with-ko > $lu/target_catalog || fail "target with module"
	lu_kexec 2
	exit 1 ;;
2)
	lu_expect_log "kho_registry: 3 objects of the previous kernel wait to be claimed" ||
		exit 1
	[ -d $fam ] && fail "kho-sample listed before insmod"
	[ "$(unclaimed)" = 3 ] || fail "unclaimed: $(cat $lu/unclaimed)"
	# Reserved, not freed: they come back into MemTotal when claimed.
	before=$(memtotal)
	insmod $ko || fail "insmod"
	after=$(memtotal)
	echo "MemTotal grew by $((after - before)) kB when the module claimed its objects"
	[ $((after - before)) -ge 5140 ] || fail "claimed less than 5 MiB"
	lu_expect_log "kho_sample: restored 3 of 3 objects" || exit 1
	lu_expect_log "restored from v2: 4194304 bytes, seed 7, every byte verified" ||
		exit 1
	lu_expect_log "restored from v1: 1048576 bytes, seed 9, every byte verified" ||
		exit 1
	lu_expect_log "restored from v1: 12345 bytes, seed 3, every byte verified" ||
		exit 1
	[ -z "$(unclaimed)" ] || fail "still unclaimed: $(cat $lu/unclaimed)"
	# Restored objects are the module's; storing holds it again.
	rmmod kho_registry_sample || fail "rmmod with restored objects only"
	insmod $ko || fail "insmod after rmmod"
	grep -q restored $ks/objects && fail "objects restored twice"
	echo 1 > $fam/2/write_enabled || fail "enable v2"
	store_set "$objects_2"
	lu_kexec 3
	exit 1 ;;
3)
	lu_expect_log "kho_registry: 3 objects of the previous kernel wait to be claimed" ||
		exit 1
	[ "$(unclaimed)" = 3 ] || fail "unclaimed: $(cat $lu/unclaimed)"
	# Never loaded: the release point gives the memory back.
	before=$(memtotal)
	echo 1 > $lu/release_unclaimed || fail "release_unclaimed"
	after=$(memtotal)
	echo "MemTotal grew by $((after - before)) kB at release_unclaimed"
	# Data 2 MiB + 64 KiB + 4 KiB, two headers each (v1, v2), and the
	# one record page of the 3 records (same family and versions).
	lu_expect_log "released 3 unclaimed objects of family kho-sample from the previous kernel: 2195456 bytes" ||
		exit 1
	[ $((after - before)) = 2144 ] || fail "released $((after - before)) kB, not 2144"
	[ -z "$(unclaimed)" ] || fail "unclaimed after release: $(cat $lu/unclaimed)"
	echo 1 > $lu/release_unclaimed || fail "release_unclaimed twice"
	# Two objects stored and left unclaimed by the next kernel.
	insmod $ko || fail "insmod"
	store_set "$(echo "$objects_2" | head -n2)"
	lu_kexec 4
	exit 1 ;;
4)
	[ "$(unclaimed)" = 2 ] || fail "unclaimed: $(cat $lu/unclaimed)"
	insmod $ko claim=0 || fail "insmod claim=0"
	[ "$(unclaimed)" = 2 ] || fail "claimed with claim=0"
	store 4096 40
	# A kexec attempt (refused by the guard) logs what it drops.
	echo "none 1 rw" > $lu/target_catalog
	cp /sys/firmware/initrd /tmp/initrd
	kexec-load -e /boot/bzImage /tmp/initrd "$(cat /proc/cmdline)" &&
		fail "kexec not refused"
	lu_expect_log "2 unclaimed objects of family kho-sample from the previous kernel are not handed over (dropped)" ||
		exit 1
	echo > $lu/target_catalog
	lu_kexec 5
	exit 1 ;;
5)
	# Only the object stored in stage 4 came over.
	lu_expect_log "kho_registry: 1 objects of the previous kernel wait to be claimed" ||
		exit 1
	[ "$(unclaimed)" = 1 ] || fail "unclaimed: $(cat $lu/unclaimed)"
	insmod $ko || fail "insmod"
	lu_expect_log "kho_sample: restored 1 of 1 objects" || exit 1
	lu_expect_log "restored from v1: 4096 bytes, seed 40, every byte verified" ||
		exit 1
	lu_boots 5 ;;
esac
