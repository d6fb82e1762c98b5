#!/bin/sh
# memfds across kexec: empty, one page with position and seals, 1 TiB
# sparse, a hole written after preserve.
. /tests/lib.sh
case "$1" in
1)
	memfd_kexec 1 || exit 1
	lu_kexec 2
	exit 1 ;;
2)
	dmesg | grep -E "memfd_luo|kho_registry|liveupdate:"
	memfd_kexec 2 || exit 1
	lu_boots 2 ;;
esac
