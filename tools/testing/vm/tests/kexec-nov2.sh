#!/bin/sh
# Version negotiation between real builds: default -> nov2 -> default
# (boot the default kernel with the debug initramfs, which holds the
# nov2 kernel, built with CONFIG_LIVEUPDATE_MEMFD_V2=n). The default
# kernel writes memfds in version 2 only: kho-compat finds nov2
# incompatible and, with nov2's catalog as target, the kernel refuses
# the kexec with ENOEXEC and keeps everything. Once version 1 is written
# too, the kexec goes through and nov2 restores from version 1; it hands
# the memfds back in version 1, which the default kernel reads.
. /tests/lib.sh
stage=$1
last=3
fmt=/sys/kernel/liveupdate/formats/memfd
nov2=/boot/bzImage-nov2

case $stage in
2) want=nov2 ;;
*) want=default ;;
esac
have=default
[ -d $fmt/2 ] || have=nov2
echo "LUTEST-NOV2 stage $stage runs the $have kernel: $(cat /proc/version)"
[ "$have" = "$want" ] || { echo "stage $stage should run the $want kernel"; exit 1; }
[ -d $fmt/1 ] || { echo "no memfd format 1"; exit 1; }

# nov2 (stage 2) and the kernel after it get the files from version 1.
memfd_chain "$stage" $last 2 || exit 1

case $stage in
1)
	cat $fmt/2/objects $fmt/1/write_enabled
	kho-compat check $nov2 > /tmp/check; rc=$?
	cat /tmp/check
	[ $rc = 1 ] || { echo "kho-compat check: $rc, expected 1"; exit 1; }
	kho-compat catalog $nov2 > /sys/kernel/liveupdate/target_catalog ||
		exit 1
	grep -q "^memfd 2" /sys/kernel/liveupdate/target_catalog &&
		{ echo "nov2 catalog lists memfd 2"; exit 1; }
	cp /sys/firmware/initrd /tmp/initrd || exit 1
	cmd=$(sed "s/lu\.stage=[0-9]*//; s/  */ /g" /proc/cmdline)
	kexec-load -e $nov2 /tmp/initrd "$cmd lu.stage=2" && exit 1
	lu_expect_log "kho_registry: the target kernel reads no version of family memfd" ||
		exit 1
	echo "kexec refused, as it must be; writing version 1 too"
	echo 1 > $fmt/1/write_enabled || exit 1
	LU_IMAGE=$nov2 lu_kexec 2 ;;
2)
	# Restored from version 1; this kernel writes nothing else.
	[ "$(cat $fmt/1/write_enabled)" = 1 ] || exit 1
	LU_IMAGE=/boot/bzImage-default lu_kexec 3 ;;
*)
	lu_boots $last
	exit 0 ;;
esac
exit 1
