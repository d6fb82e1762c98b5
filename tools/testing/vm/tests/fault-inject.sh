#!/bin/sh
# Allocation failures at every allocation of each live update path
# (fault_inject.c): the library through the kho_fault debugfs hook, LUO
# and memfd through /dev/liveupdate, the freeze through the test knob and
# through kexec itself (each failure aborts the kexec with everything
# intact). Stage 1 ends with a kexec without injection; stage 2 checks
# what was handed over and sweeps retrieve and finish.
. /tests/lib.sh
case "$1" in
1)
	cmd=$(sed "s/lu\.stage=[0-9]*//; s/  */ /g" /proc/cmdline)
	cp /sys/firmware/initrd /tmp/initrd || exit 1
	kexec-load /boot/bzImage /tmp/initrd "$cmd lu.stage=2" || exit 1
	fault_inject 1
	echo "kexec did not happen"
	exit 1 ;;
2)
	fault_inject 2 || exit 1
	lu_boots 2 ;;
esac
