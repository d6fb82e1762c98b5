#!/bin/sh
# KHO self-test over a chain of three kexecs (boot with kho_selftest=N):
# each kernel verifies every byte the previous one preserved, frees it,
# and preserves a new generation. Also reports the size of the map.
. /tests/lib.sh
stage=$1
dmesg | grep -E "kho_selftest:|KHO:|deferred pages"
lu_log "kho_selftest:.*FAIL" && exit 1
# Deferred struct page init ran (most of memory, where the preserved
# folios lie, was initialised by it, skipping them).
lu_expect_log "node 0 deferred pages initialised" || exit 1
lu_expect_log "kho_selftest: done: all passed" || exit 1
lu_expect_log "kho_selftest: negative checks: all passed" || exit 1
lu_expect_log "kho_selftest: generation $stage: preserved" || exit 1
if [ "$stage" -gt 1 ]; then
	lu_expect_log "kho_selftest: generation $((stage - 1)): every byte verified" || exit 1
	lu_expect_log "kho_selftest: generation $((stage - 1)): vmalloc [0-9]* MiB verified" || exit 1
fi
lu_expect_log "kho_selftest: finalize checks: all passed" || exit 1
lu_expect_log "kho_selftest: early preserve: kept" || exit 1
# Our root FDT layout has a name of its own, not upstream's "kho-v1".
grep -q "kho-lu612-v1" /sys/kernel/debug/kho/out/fdt ||
	{ echo "root FDT not compatible with kho-lu612-v1"; exit 1; }
echo 1 > /sys/kernel/debug/kho/out/finalize || exit 1
echo "map of preserved memory:" $(cat /sys/kernel/debug/kho/out/map)
# Finalized from debugfs, LUO could not freeze for the kexec: abort first.
echo 0 > /sys/kernel/debug/kho/out/finalize || exit 1
grep -qx "finalized 0" /sys/kernel/debug/kho/out/map || exit 1
if [ "$stage" -lt 4 ]; then
	lu_kexec $((stage + 1))
	exit 1
fi
lu_boots 4
