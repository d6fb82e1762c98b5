#!/bin/sh
# Registry across kexec (boot with kho_registry_selftest=1): objects in
# v2+v3, in v3 only, and in v1+v2 with v2 damaged; the next kernel reads
# no v3, refuses a handle for the wrong family, falls back from v2 to v1. Also the kexec guard:
# with a target catalog that cannot read kho-test the kexec is refused and
# nothing is lost. Scale: 100000 objects of kho-test-bulk stored,
# unstored, stored again, then restored in the next kernel; the selftest
# prints each time and fails above its bound (KT_BULK_MAX_MS).
. /tests/lib.sh
dmesg | grep "kho_registry"
lu_log "kho_registry_selftest: done: FAIL" && exit 1
lu_expect_log "kho_registry_selftest: done: all passed" || exit 1
case "$1" in
1)
	lu_expect_log "kho_registry_selftest: stored A" || exit 1
	lu_expect_log "kho_registry_selftest: bulk: stored 100000 objects" || exit 1
	[ "$(cat /sys/kernel/liveupdate/formats/kho-test-bulk/1/objects)" = 100000 ] ||
		{ echo "kho-test-bulk objects"; exit 1; }
	f=/sys/kernel/liveupdate/formats/kho-test
	echo "objects:" $(cat $f/2/objects $f/3/objects)
	[ "$(cat $f/3/objects)" = 2 ] || exit 1
	echo 0 > $f/2/write_enabled || exit 1
	echo 0 > $f/3/write_enabled && { echo "disabled the last writer"; exit 1; }
	echo 1 > $f/2/write_enabled || exit 1
	# The target is this kernel: it reads everything written.
	kho-compat check /boot/bzImage || { echo "kho-compat check: $?"; exit 1; }
	kho-compat catalog /boot/bzImage > /tmp/catalog || exit 1
	grep -qx "kho-test 3 rw" /tmp/catalog ||
		{ echo "no \"kho-test 3 rw\" in the catalog"; exit 1; }
	cp /sys/firmware/initrd /tmp/initrd
	# Targets that cannot read B (v3 only), then neither A nor B: the
	# kexec is refused, the family logged, nothing lost. An empty
	# catalog clears the check, hence the line of an unknown family.
	grep -v '^kho-test 3 ' /tmp/catalog > /tmp/cat-no-v3
	grep -v '^kho-test ' /tmp/catalog > /tmp/cat-no-kho-test
	[ -s /tmp/cat-no-kho-test ] || echo "none 1 rw" > /tmp/cat-no-kho-test
	for c in /tmp/cat-no-v3 /tmp/cat-no-kho-test; do
		msg="target kernel reads no version of family kho-test"
		n=$(dmesg | grep -c "$msg")
		cat $c > /sys/kernel/liveupdate/target_catalog || exit 1
		if kexec-load -e /boot/bzImage /tmp/initrd "$(cat /proc/cmdline)"; then
			echo "kexec was not refused"; exit 1
		fi
		[ "$(dmesg | grep -c "$msg")" -gt "$n" ] ||
			{ echo "$c: missing in kernel log: $msg"; exit 1; }
		[ "$(cat $f/3/objects)" = 2 ] || exit 1
	done
	echo > /sys/kernel/liveupdate/target_catalog
	lu_kexec 2 "kho_registry_unreadable=kho-test:3"
	exit 1 ;;
2)
	lu_expect_log "kho_registry_selftest: A refused for another family" || exit 1
	lu_expect_log "kho_registry_selftest: A restored from v2" || exit 1
	lu_expect_log "kho_registry_selftest: B: no readable version" || exit 1
	lu_expect_log "kho_registry_selftest: C restored from v1 after v2 failed" || exit 1
	lu_expect_log "kho_registry_selftest: bulk: restored 100000 of 100000 objects" || exit 1
	grep -q "^kho-test-bulk " /sys/kernel/liveupdate/unclaimed &&
		{ echo "bulk objects left unclaimed"; exit 1; }
	lu_boots 2 ;;
esac
