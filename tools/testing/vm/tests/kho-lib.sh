#!/bin/sh
# Library across kexec (boot with kho_lib_selftest=1): arrays of 1M sparse
# entries, a 1 GiB-long run and indices near 2^40 are preserved, restored
# after kexec and checked entry by entry; then once more.
. /tests/lib.sh
stage=$1
dmesg | grep "kho_lib_selftest:"
lu_log "kho_lib_selftest:.*FAIL" && exit 1
lu_expect_log "kho_lib_selftest: done: all passed" || exit 1
if [ "$stage" -gt 1 ]; then
	for a in sparse run high; do
		lu_expect_log "kho_lib_selftest: generation $((stage - 1)): array $a: .* verified" || exit 1
	done
fi
if [ "$stage" -lt 3 ]; then
	lu_kexec $((stage + 1))
	exit 1
fi
lu_boots 3
