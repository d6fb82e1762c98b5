#!/bin/sh
# memfd format versions across kexec; lu.memfd=MODE on the command line
# (v1, v2, both, both-read-v1) says which are written and which the next
# kernel reads. See memfd_versions.c.
. /tests/lib.sh
mode=$(lu_arg lu.memfd)
case "$1" in
1)
	memfd_versions "$mode" 1 || exit 1
	next=
	[ "$mode" = both-read-v1 ] && next="kho_registry_unreadable=memfd:2"
	lu_kexec 2 "$next"
	exit 1 ;;
2)
	dmesg | grep -E "memfd_luo|kho_registry"
	memfd_versions "$mode" 2 || exit 1
	lu_boots 2 ;;
esac
