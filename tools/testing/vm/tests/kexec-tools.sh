#!/bin/sh
# A live update driven by Debian's kexec-tools, as users run it: memfds
# preserved through /dev/liveupdate (memfd_versions v2), `kexec -l`
# (classic kexec_load) refused at `kexec -e` with nothing lost, then
# `kexec -s -l --reuse-cmdline` and `kexec -e` hand everything over.
. /tests/lib.sh
kexec=/usr/sbin/kexec
case "$1" in
1)
	memfd_versions v2 1 || exit 1
	cp /sys/firmware/initrd /tmp/initrd || exit 1
	$kexec -l /boot/bzImage --initrd=/tmp/initrd --reuse-cmdline \
		--append="lu.stage=2" || { echo "kexec -l did not load"; exit 1; }
	if out=$($kexec -e 2>&1); then
		echo "classic kexec -e went through"; exit 1
	fi
	echo "$out"
	case "$out" in
	*"Operation not supported"*) ;;
	*) echo "kexec -e of a classic image: wrong error"; exit 1 ;;
	esac
	lu_expect_log "KHO: a kexec_load() image cannot carry the handover" ||
		exit 1
	$kexec -u || { echo "kexec -u failed"; exit 1; }
	$kexec -s -l /boot/bzImage --initrd=/tmp/initrd --reuse-cmdline \
		--append="lu.stage=2" || { echo "kexec -s -l failed"; exit 1; }
	echo "LUTEST-KEXEC to stage 2 uptime $(cut -d' ' -f1 /proc/uptime)"
	$kexec -e
	echo "kexec -s -e failed"
	exit 1 ;;
2)
	dmesg | grep -E "memfd_luo|kho_registry"
	memfd_versions v2 2 || exit 1
	lu_boots 2 ;;
esac
