#!/bin/sh
# Boot, kexec into the same kernel with a stage marker, check the marker.
. /tests/lib.sh
case "$1" in
1) lu_kexec 2 ;;
2) grep -q "lu.stage=2" /proc/cmdline && lu_boots 2 ;;
*) false ;;
esac
