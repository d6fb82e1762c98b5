# Helpers for guest test scripts (sourced).

# lu_kexec NEXT_STAGE [EXTRA_CMDLINE]: kexec into the same kernel and
# initramfs, with lu.stage=NEXT_STAGE. Returns only on failure.
lu_kexec() {
	cmd=$(sed "s/lu\.stage=[0-9]*//; s/  */ /g" /proc/cmdline)
	cmd="$cmd lu.stage=$1 $2"
	# The initramfs stays readable thanks to retain_initrd.
	cp /sys/firmware/initrd /tmp/initrd || return 1
	echo "LUTEST-KEXEC to stage $1 uptime $(cut -d' ' -f1 /proc/uptime)"
	kexec-load -e /boot/bzImage /tmp/initrd "$cmd"
	echo "kexec failed"
	return 1
}

# lu_boots N: tell the runner this is the Nth boot of the test, which it
# checks against the number of kernels that printed a banner.
lu_boots() {
	echo "LUTEST-BOOTS $1"
}
