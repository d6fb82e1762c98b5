#!/bin/sh
# memfds across kexec with the default format (v2): empty, one page with
# position and seals, 1 TiB sparse, a hole written after preserve, shmem
# THP, each seal, several sessions, unpreserve (session closed) then kexec,
# a hugetlb memfd refused, a memfd mapped by the daemon, memory given back
# at finish and close. The first kexec is refused (a session whose freeze
# fails); then the daemon writes more and closes that session, and the
# second goes through. See memfd_kexec.c.
. /tests/lib.sh
case "$1" in
1)
	memfd_kexec 1 || exit 1
	cp /sys/firmware/initrd /tmp/initrd || exit 1
	if kexec-load -e /boot/bzImage /tmp/initrd "$(cat /proc/cmdline)"; then
		echo "kexec with a failing freeze went through"; exit 1
	fi
	lu_expect_log "liveupdate: session zz-failing: freeze of token 1 failed" ||
		exit 1
	memfd_kexec refused || exit 1
	lu_kexec 2
	exit 1 ;;
2)
	dmesg | grep -E "memfd_luo|hugetlb_luo|kho_registry|liveupdate:"
	memfd_kexec 2 || exit 1
	lu_boots 2 ;;
esac
