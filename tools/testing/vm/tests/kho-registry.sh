#!/bin/sh
# Registry across kexec (boot with kho_registry_selftest=1): objects in
# v2+v3 and in v3 only; the next kernel reads no v3. Also the kexec guard:
# with a target catalog that cannot read kho-test the kexec is refused and
# nothing is lost.
. /tests/lib.sh
dmesg | grep "kho_registry"
lu_log "kho_registry_selftest: done: FAIL" && exit 1
lu_expect_log "kho_registry_selftest: done: all passed" || exit 1
case "$1" in
1)
	lu_expect_log "kho_registry_selftest: stored A" || exit 1
	f=/sys/kernel/liveupdate/formats/kho-test
	echo "objects:" $(cat $f/2/objects $f/3/objects)
	[ "$(cat $f/3/objects)" = 2 ] || exit 1
	echo 0 > $f/2/write_enabled || exit 1
	echo 0 > $f/3/write_enabled && { echo "disabled the last writer"; exit 1; }
	echo 1 > $f/2/write_enabled || exit 1
	echo "kho-test 1 rw" > /sys/kernel/liveupdate/target_catalog || exit 1
	cp /sys/firmware/initrd /tmp/initrd
	if kexec-load -e /boot/bzImage /tmp/initrd "$(cat /proc/cmdline)"; then
		echo "kexec was not refused"; exit 1
	fi
	lu_expect_log "target kernel reads no version of family kho-test" || exit 1
	echo > /sys/kernel/liveupdate/target_catalog
	lu_kexec 2 "kho_registry_unreadable=kho-test:3"
	exit 1 ;;
2)
	lu_expect_log "kho_registry_selftest: A restored from v2" || exit 1
	lu_expect_log "kho_registry_selftest: B: no readable version" || exit 1
	lu_boots 2 ;;
esac
