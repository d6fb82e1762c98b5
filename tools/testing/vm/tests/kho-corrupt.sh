#!/bin/sh
# The next kernel must reject a damaged handover with one error line, keep
# booting, and reserve nothing of it. lu.corrupt= picks the damage (see
# kho/out/corrupt), or "off" boots the next kernel with kho=off.
# Boot with kho_selftest=N kho_selftest_mb=M so that memory is preserved.
. /tests/lib.sh
how=$(lu_arg lu.corrupt)
case "$1" in
1)
	lu_expect_log "kho_selftest: generation 1: preserved" || exit 1
	if [ "$how" = off ]; then
		lu_kexec 2 "kho=off lu.mem1=$(lu_memtotal_kb)"
	else
		echo "$how" > /sys/kernel/debug/kho/out/corrupt || exit 1
		lu_kexec 2 "lu.mem1=$(lu_memtotal_kb)"
	fi
	exit 1 ;;
2)
	dmesg | grep -E "kho_selftest:|KHO:"
	case "$how" in
	magic|range) lu_expect_log "KHO: invalid map of preserved memory" ;;
	overlap) lu_expect_log "KHO: invalid map of preserved memory (-22, preserved runs overlap)" ;;
	fdt) lu_expect_log "KHO: invalid handover from the previous kernel" ;;
	scratch)
		lu_expect_log "KHO: scratch areas of [0-9]* MiB exceed" &&
		lu_expect_log "KHO: invalid handover from the previous kernel" ;;
	off) lu_expect_log "KHO: kho=off: ignoring the handover" ;;
	esac || exit 1
	if [ "$how" = off ]; then
		lu_expect_log "kho_selftest: skipped" || exit 1
	else
		lu_expect_log "kho_selftest: nothing handed over" || exit 1
		lu_expect_log "kho_selftest: done: all passed" || exit 1
	fi
	# Preserved memory that stayed reserved would be missing here. (A
	# KHO boot has slightly more, its kernel and initramfs being in
	# scratch.)
	mem1=$(lu_arg lu.mem1) mem2=$(lu_memtotal_kb)
	echo "MemTotal before $mem1 kB, after $mem2 kB"
	[ "$mem2" -ge $((mem1 - 8192)) ] || exit 1
	lu_boots 2 ;;
esac
