#!/bin/sh
# make bench: metadata handed over for four memfd layouts (memfd_bench
# meta), then a kexec with nothing preserved, to time that boot.
#   stage 1: build and preserve them; the freeze prints our sizes
#   stage 2: retrieve and finish them, kexec again
#   stage 3: nothing was preserved: its uptime at /init is the baseline
. /tests/lib.sh
case "$1" in
1)
	memfd_bench meta 1 || exit 1
	lu_kexec 2
	exit 1 ;;
2)
	dmesg | grep -E "KHO: [0-9]* preserved runs"
	memfd_bench meta 2 || exit 1
	lu_kexec 3
	exit 1 ;;
3)
	dmesg | grep -E "KHO: [0-9]* preserved runs"
	lu_boots 3 ;;
esac
