#!/bin/sh
# A memfd pushed out to swap (zram) before it is preserved comes back
# complete after the kexec, and its restored pages can go to swap and
# come back again. See memfd_swap.c.
. /tests/lib.sh

swap_on() {
	echo 128M > /sys/block/zram0/disksize &&
	mkswap /dev/zram0 >/dev/null &&
	swapon /dev/zram0 || { echo "cannot start swap on zram"; return 1; }
}

case "$1" in
1)
	swap_on || exit 1
	memfd_swap 1 || exit 1
	lu_kexec 2
	exit 1 ;;
2)
	dmesg | grep -E "memfd_luo"
	swap_on || exit 1
	memfd_swap 2 || exit 1
	lu_boots 2 ;;
esac
