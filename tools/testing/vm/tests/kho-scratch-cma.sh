#!/bin/sh
# KHO scratch serves movable allocations (MIGRATE_CMA pageblocks) in every
# kernel of a chain, four kernels:
# 1. first kernel, scratch allocated at boot: MemAvailable recorded; a
#    memfd filled until most of scratch is used is preserved: its folios
#    in scratch are migrated out first (memfd_scratch.c);
# 2. it comes back byte for byte;
# 3. a kernel booted from a handover with nothing preserved: MemAvailable
#    recorded; a memfd fill uses scratch here too;
# 4. the same kernel with kho=off: MemAvailable of kernels 1 and 3 must be
#    within 2% of it.
. /tests/lib.sh
stage=$1

memavail() {
	sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo
}

# pct_ok NAME ON OFF: is ON within 2% of OFF? Says by how much.
pct_ok() {
	diff=$(($3 - $2))
	[ $diff -lt 0 ] && diff=$((-diff))
	bp=$((diff * 10000 / $3))
	printf 'MemAvailable %s: %s kB, kho=off: %s kB, difference %d.%02d%%\n' \
		"$1" "$2" "$3" $((bp / 100)) $((bp % 100))
	[ $bp -le 200 ]
}

avail=$(memavail)
dmesg | grep -E "KHO:|memfd_luo:"
case "$stage" in
1)
	lu_expect_log "KHO: [0-9]* MiB of scratch serve movable allocations" ||
		exit 1
	memfd_scratch 1 || exit 1
	lu_kexec 2 "lu.avail1=$avail"
	exit 1 ;;
2)
	memfd_scratch 2 || exit 1
	lu_kexec 3
	exit 1 ;;
3)
	lu_expect_log "KHO: incoming scratch" || exit 1
	lu_expect_log "KHO: [0-9]* MiB of scratch serve movable allocations" ||
		exit 1
	memfd_scratch fill || exit 1
	lu_kexec 4 "lu.avail3=$avail kho=off"
	exit 1 ;;
4)
	lu_expect_log "kho=off: ignoring the handover" || exit 1
	grep -q "^CmaTotal: *0 kB" /proc/meminfo ||
		{ echo "kho=off: CMA memory: $(grep Cma /proc/meminfo)"; exit 1; }
	ok=0
	pct_ok "first kernel, KHO on" "$(lu_arg lu.avail1)" "$avail" || ok=1
	pct_ok "kernel booted from a handover" "$(lu_arg lu.avail3)" "$avail" ||
		ok=1
	[ $ok = 0 ] || exit 1
	lu_boots 4 ;;
esac
