#!/bin/sh
# KASLR across a chain of 10 kexecs (stages 1 -> 11), with memfds
# (memfd_chain) and kho_selftest data checked byte for byte and preserved
# again at every hop. Each kernel records where it runs (Kernel code to
# Kernel bss in /proc/iomem) and hands the list on, with its scratch
# areas, on the next kernel's command line. Fails if a kernel does not lie
# wholly inside one scratch area of the kernel that started it, or if all
# the kexec'd kernels ran at the same physical address (KASLR did not run).
. /tests/lib.sh
stage=$1
last=11

start=$(sed -n 's/^ *\([0-9a-f]*\)-[0-9a-f]* : Kernel code$/\1/p' /proc/iomem)
end=$(sed -n 's/^ *[0-9a-f]*-\([0-9a-f]*\) : Kernel bss$/\1/p' /proc/iomem)
[ -n "$start" ] && [ -n "$end" ] || { echo "no kernel in /proc/iomem"; exit 1; }
echo "LUTEST-KASLR stage $stage kernel 0x$start-0x$end"

if [ "$stage" -gt 1 ]; then
	inside=0
	for area in $(lu_arg lu.kaslr_scratch | tr , ' '); do
		a=${area%+*} s=${area#*+}
		[ $((0x$start)) -ge $((a)) ] &&
			[ $((0x$end)) -lt $((a + s)) ] && inside=1
	done
	if [ $inside = 0 ]; then
		echo "kernel 0x$start-0x$end is outside the scratch areas of the previous kernel: $(lu_arg lu.kaslr_scratch)"
		exit 1
	fi
	lu_expect_log "KHO: scratch" || exit 1
fi

memfd_chain "$stage" $last || exit 1
lu_log "kho_selftest:.*FAIL" && exit 1
lu_expect_log "kho_selftest: done: all passed" || exit 1
lu_expect_log "kho_selftest: generation $stage: preserved" || exit 1
if [ "$stage" -gt 1 ]; then
	lu_expect_log "kho_selftest: generation $((stage - 1)): every byte verified" || exit 1
fi

addrs=$(lu_arg lu.kaslr_addrs)
addrs=${addrs:+$addrs,}0x$start
if [ "$stage" -lt $last ]; then
	scratch=$(awk '{ printf "%s%s+%s", (NR > 1 ? "," : ""), $1, $2 }' \
		/sys/kernel/debug/kho/out/scratch)
	[ -n "$scratch" ] || { echo "no scratch areas"; exit 1; }
	# lu_kexec appends: drop the previous values to keep the line short.
	cmd=$(sed "s/lu\.stage=[0-9]*//; s/lu\.kaslr_[a-z]*=[^ ]*//g; s/  */ /g" \
		/proc/cmdline)
	cmd="$cmd lu.stage=$((stage + 1)) lu.kaslr_addrs=$addrs lu.kaslr_scratch=$scratch"
	cp /sys/firmware/initrd /tmp/initrd || exit 1
	echo "LUTEST-KEXEC to stage $((stage + 1)) uptime $(cut -d' ' -f1 /proc/uptime)"
	kexec-load -e /boot/bzImage /tmp/initrd "$cmd"
	echo "kexec failed"
	exit 1
fi

# Only the kernels started by kexec count: QEMU placed the first one.
distinct=$(echo "$addrs" | tr , '\n' | sed 1d | sort -u | wc -l)
echo "LUTEST-KASLR load addresses $addrs ($distinct distinct after kexec)"
if [ "$distinct" -lt 2 ]; then
	echo "every kexec'd kernel ran at 0x$start: KASLR did not move it"
	exit 1
fi
lu_boots $last
