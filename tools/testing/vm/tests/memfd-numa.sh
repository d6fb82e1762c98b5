#!/bin/sh
# Two NUMA nodes (run-vm --numa 2) with deferred struct page init, four
# kernels:
# - a memfd written half on each node comes back byte for byte, on the
#   same nodes (memfd_numa.c, stages 1 -> 2);
# - the first kernel reserves scratch on each node and the next kernels
#   get it (and keep node 1's data on node 1);
# - kho_selftest preserves a run of the map that crosses the node
#   boundary as soon as the memory there is free, and the next kernel
#   restores it byte for byte; lu.straddled=N on the command line says
#   which generation did it. The first kernel has its node data there
#   and holds the rest free, so generation 2 always does it.
. /tests/lib.sh
stage=$1
dmesg | grep -E "KHO:|kho_selftest:|NODE_DATA|deferred pages"
lu_expect_log "node 1 deferred pages initialised" || exit 1
lu_log "NODE_DATA(1) on node" && { echo "node 1 data not on node 1"; exit 1; }
lu_log "kho_selftest:.*FAIL" && exit 1
lu_expect_log "kho_selftest: done: all passed" || exit 1
if [ "$stage" = 1 ]; then
	lu_expect_log "KHO: per-node scratch of .* on node 0" || exit 1
	lu_expect_log "KHO: per-node scratch of .* on node 1" || exit 1
	memfd_numa 1 || exit 1
else
	for n in 0 1; do
		lu_expect_log "KHO: incoming scratch .* on node $n" || exit 1
	done
	lu_expect_log "kho_selftest: generation $((stage - 1)): every byte verified" ||
		exit 1
fi
if [ "$stage" = 2 ]; then
	lu_expect_log "kho_selftest: generation 2: preserved a run across nodes 0 and 1" ||
		exit 1
	memfd_numa 2 || exit 1
fi
if [ "$stage" -lt 4 ]; then
	extra=""
	lu_log "kho_selftest: generation $stage: preserved a run across nodes 0 and 1" &&
		extra="lu.straddled=$stage"
	lu_kexec $((stage + 1)) "$extra"
	exit 1
fi
straddled=$(lu_arg lu.straddled)
[ -n "$straddled" ] || { echo "no generation preserved a run across the nodes"; exit 1; }
echo "generation $straddled preserved a run across the node boundary, restored by the next"
lu_boots 4
