#!/bin/sh
# A live update between different kernels: default -> debug -> default
# (boot the default kernel with the debug initramfs, which holds both).
# memfds (memfd_chain) and the library's arrays (kho_lib_selftest=1) are
# checked byte for byte and preserved again at every hop; the debug
# kernel is recognised by lockdep's /proc/lockdep.
. /tests/lib.sh
stage=$1
last=3

case $stage in
2) want=debug ;;
*) want=default ;;
esac
have=default
[ -e /proc/lockdep ] && have=debug
echo "LUTEST-CROSS stage $stage runs the $have kernel: $(cat /proc/version)"
[ "$have" = "$want" ] || { echo "stage $stage should run the $want kernel"; exit 1; }

memfd_chain "$stage" $last || exit 1
kho_lib_passed "$stage" || exit 1
case $stage in
1) lu_kexec 2 ;;
2) LU_IMAGE=/boot/bzImage-default lu_kexec 3 ;;
*) lu_boots $last; exit 0 ;;
esac
exit 1
