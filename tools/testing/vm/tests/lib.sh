# Helpers for guest test scripts (sourced).

# lu_kexec NEXT_STAGE [EXTRA_CMDLINE]: kexec into the same initramfs and
# the kernel $LU_IMAGE (default /boot/bzImage, the one that booted), with
# lu.stage=NEXT_STAGE. Returns only on failure.
lu_kexec() {
	cmd=$(sed "s/lu\.stage=[0-9]*//; s/  */ /g" /proc/cmdline)
	cmd="$cmd lu.stage=$1 $2"
	# The initramfs stays readable thanks to retain_initrd.
	cp /sys/firmware/initrd /tmp/initrd || return 1
	echo "LUTEST-KEXEC to stage $1 uptime $(cut -d' ' -f1 /proc/uptime)"
	kexec-load -e "${LU_IMAGE:-/boot/bzImage}" /tmp/initrd "$cmd"
	echo "kexec failed"
	return 1
}

# lu_boots N: tell the runner this is the Nth boot of the test, which it
# checks against the number of kernels that printed a banner.
lu_boots() {
	echo "LUTEST-BOOTS $1"
}

# lu_arg NAME: value of NAME= on the kernel command line.
lu_arg() {
	tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -n1
}

# lu_log PATTERN: true if the kernel log has a line matching PATTERN.
lu_log() {
	dmesg | grep -q -- "$1"
}

# lu_expect_log PATTERN: like lu_log, but says what is missing.
lu_expect_log() {
	lu_log "$1" || { echo "missing in kernel log: $1"; return 1; }
}

# kho_lib_passed STAGE: kho_lib_selftest=1 passed in this kernel and, after
# a kexec, verified each array the previous kernel handed over.
kho_lib_passed() {
	lu_log "kho_lib_selftest:.*FAIL" && return 1
	lu_expect_log "kho_lib_selftest: done: all passed" || return 1
	[ "$1" -gt 1 ] || return 0
	for a in sparse run high; do
		lu_expect_log "kho_lib_selftest: generation $(($1 - 1)): array $a: .* verified" ||
			return 1
	done
}

lu_memtotal_kb() {
	sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo
}
