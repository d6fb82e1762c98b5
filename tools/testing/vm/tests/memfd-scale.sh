#!/bin/sh
# A fragmented handover: lu.scale=PAGES physically isolated 4 KiB pages
# (every other page of a 2 * PAGES file punched out; lu.scale_mode=contig:
# PAGES contiguous pages instead) preserved, kexec, every byte checked.
# The next kernel must boot and hand the file back; the stage lines give
# the uptime at /init. See memfd_scale.c.
. /tests/lib.sh
pages=$(lu_arg lu.scale)
mode=$(lu_arg lu.scale_mode)
case "$1" in
1)
	memfd_scale 1 "$pages" $mode || exit 1
	lu_kexec 2
	exit 1 ;;
2)
	dmesg | grep -E "KHO: |memfd_luo"
	memfd_scale 2 "$pages" $mode || exit 1
	lu_boots 2 ;;
esac
