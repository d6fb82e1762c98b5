#!/bin/sh
# Library across kexec (boot with kho_lib_selftest=1): arrays of 1M sparse
# entries, a 1 GiB-long run and indices near 2^40 are preserved, restored
# after kexec and checked entry by entry; then once more.
. /tests/lib.sh
stage=$1
dmesg | grep "kho_lib_selftest:"
kho_lib_passed "$stage" || exit 1
if [ "$stage" -lt 3 ]; then
	lu_kexec $((stage + 1))
	exit 1
fi
lu_boots 3
