#!/bin/sh
# LUO across kexec. Stage 1 preserves sessions kept open by a daemon; a
# session whose freeze fails makes the kexec fail with everything intact;
# once it is closed the kexec goes through; stage 2 retrieves and checks,
# and that the LUO FDT of both kernels is compatible with luo-lu612-v1.
. /tests/lib.sh
case "$1" in
1)
	luo_kexec 1 fail || exit 1
	cp /sys/firmware/initrd /tmp/initrd
	if kexec-load -e /boot/bzImage /tmp/initrd "$(cat /proc/cmdline)"; then
		echo "kexec with a failing freeze went through"; exit 1
	fi
	lu_expect_log "liveupdate: session failing: freeze of token 1 failed" || exit 1
	luo_kexec intact || exit 1
	killall -USR1 luo_kexec
	sleep 1
	lu_kexec 2
	exit 1 ;;
2)
	luo_kexec 2 || exit 1
	# Our own compatible in both kernels, never upstream's "luo-v1".
	for f in /sys/kernel/debug/kho/in/sub_fdts/LUO \
		 /sys/kernel/debug/kho/out/sub_fdts/LUO; do
		tr '\0' '\n' < $f | grep -qx "luo-lu612-v1" ||
			{ echo "$f: compatible is not luo-lu612-v1"; exit 1; }
	done
	lu_boots 2 ;;
esac
