#!/bin/sh
# Scratch too small for the next kernel (booted with kho_scratch= below
# what its memory map needs): the kexec is refused with ENOSPC and one log
# line instead of kexecing into a kernel that cannot boot; this kernel
# keeps running and its preserved memory stays preserved.
. /tests/lib.sh
[ "$1" = 1 ] || exit 1
lu_expect_log "kho_selftest: generation 1: preserved" || exit 1
cp /sys/firmware/initrd /tmp/initrd || exit 1
if kexec-load -e /boot/bzImage /tmp/initrd "$(cat /proc/cmdline) lu.stage=2"; then
	echo "kexec went through"
	exit 1
fi
lu_expect_log "KHO: scratch of .* MiB cannot boot the next kernel" || exit 1
lu_expect_log "kho_selftest: generation 1: preserved" || exit 1
lu_boots 1
