#!/bin/sh
# A kexec that cannot carry the handover is refused while anything is
# preserved (boot with kho_selftest=N): a kexec_load() image fails with
# EOPNOTSUPP and one log line, the map is not written, nothing is lost;
# and so does a kexec jump; then a kexec_file_load() kexec hands
# everything over. (A kexec_load() image that ran would reset the
# machine: see kexec-load -c.)
. /tests/lib.sh
case "$1" in
1)
	lu_expect_log "kho_selftest: generation 1: preserved" || exit 1
	kexec-load -c || exit 1
	if out=$(kexec-load -c -e 2>&1); then
		echo "classic kexec went through"; exit 1
	fi
	echo "$out"
	case "$out" in
	*"reboot(KEXEC): Operation not supported"*) ;;
	*) echo "classic kexec: wrong error"; exit 1 ;;
	esac
	lu_expect_log "KHO: a kexec_load() image cannot carry the handover" ||
		exit 1
	# A kexec jump comes back to this kernel: refused the same way.
	kexec-load -c -j || exit 1
	if out=$(kexec-load -c -j -e 2>&1); then
		echo "kexec jump went through"; exit 1
	fi
	echo "$out"
	case "$out" in
	*"reboot(KEXEC): Operation not supported"*) ;;
	*) echo "kexec jump: wrong error"; exit 1 ;;
	esac
	lu_expect_log "KHO: a kexec jump cannot carry the handover" || exit 1
	grep -qx "finalized 0" /sys/kernel/debug/kho/out/map ||
		{ echo "refused kexec left the map written"; exit 1; }
	lu_kexec 2
	exit 1 ;;
2)
	dmesg | grep -E "kho_selftest:|KHO:"
	lu_expect_log "kho_selftest: generation 1: every byte verified" ||
		exit 1
	lu_expect_log "kho_selftest: done: all passed" || exit 1
	lu_boots 2 ;;
esac
