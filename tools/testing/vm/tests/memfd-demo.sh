#!/bin/sh
# The make demo scenario: a 768 MiB memfd holding 512 MiB of 4 KiB pages
# and THP with holes, preserved across one kexec and verified.
. /tests/lib.sh
case "$1" in
1)
	memfd-demo 1 || exit 1
	lu_kexec 2
	exit 1 ;;
2)
	memfd-demo 2 || exit 1
	lu_boots 2 ;;
esac
