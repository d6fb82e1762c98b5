#!/bin/sh
# LUO across kexec. Stage 1 preserves sessions kept open by a daemon; a
# session whose freeze fails makes the kexec fail with everything intact;
# once it is closed the kexec goes through; stage 2 retrieves and checks.
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
	lu_boots 2 ;;
esac
