#!/bin/sh
# Nothing changes while LUO is frozen (the reboot path ran, the kexec has
# not happened): the test knob freezes without kexecing. Every ioctl
# fails with EBUSY, closed sessions stay preserved until the freeze is
# aborted; a kexec while frozen fails; then a real kexec hands over what
# is left, and stage 2 checks an incoming session closed while frozen.
. /tests/lib.sh
knob=/sys/kernel/debug/liveupdate_test/frozen
case "$1" in
1)
	luo_kexec frozen || exit 1
	cp /sys/firmware/initrd /tmp/initrd
	echo 1 > $knob || exit 1
	if kexec-load -e /boot/bzImage /tmp/initrd "$(cat /proc/cmdline)"; then
		echo "kexec while frozen went through"; exit 1
	fi
	echo 0 > $knob || exit 1
	lu_kexec 2
	exit 1 ;;
2)
	luo_kexec frozen-2 || exit 1
	lu_boots 2 ;;
esac
