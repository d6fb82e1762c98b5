#!/bin/sh
# make bench: preserve, freeze and retrieve of one memfd of lu.bench_mib
# MiB (lu.bench_mode=4k or thp) against a copy and a page-cache walk of
# it (memfd_bench time); the uptime of stage 2 at /init is the boot time
# with it preserved.
. /tests/lib.sh
mib=$(lu_arg lu.bench_mib)
mode=$(lu_arg lu.bench_mode)
case "$1" in
1)
	memfd_bench time 1 "$mib" "$mode" || exit 1
	lu_kexec 2
	exit 1 ;;
2)
	dmesg | grep -E "KHO: [0-9]* preserved runs"
	memfd_bench time 2 "$mib" "$mode" || exit 1
	lu_boots 2 ;;
esac
