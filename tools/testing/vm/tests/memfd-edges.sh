#!/bin/sh
# memfd edge cases across kexec (see memfd_edges.c): a page past EOF,
# pages dirty only in the page tables, holes filled before a held folio,
# and a kexec while a process holds a preserved memfd's inode lock: it
# must fail at once (not hang), and go through once the lock is free;
# the freeze skips a memfd left alone and carries changes to the others.
. /tests/lib.sh
case "$1" in
1)
	memfd_edges 1 || exit 1
	memfd_edges hold || exit 1
	cp /sys/firmware/initrd /tmp/initrd || exit 1
	cmd=$(sed "s/lu\.stage=[0-9]*//" /proc/cmdline)
	start=$(cut -d' ' -f1 /proc/uptime)
	if kexec-load -e /boot/bzImage /tmp/initrd "$cmd lu.stage=9"; then
		echo "kexec with a held inode lock went through"; exit 1
	fi
	echo "refused kexec took $start -> $(cut -d' ' -f1 /proc/uptime) s"
	lu_expect_log "memfd_luo: freeze: inode lock busy" || exit 1
	lu_expect_log "liveupdate: session edges: freeze of token 4 failed" ||
		exit 1
	# "still" was left alone since preserve: nothing to store again.
	lu_expect_log "memfd_luo: 3 folios handed over, .* (unchanged)" || exit 1
	kill "$(cat /tmp/memfd_hold.pid)"
	i=0
	while ! lu_log "memfd_luo: test: inode lock released"; do
		i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1
	done
	lu_kexec 2
	exit 1 ;;
2)
	dmesg | grep -E "memfd_luo|liveupdate:"
	memfd_edges 2 || exit 1
	lu_boots 2 ;;
*)
	echo "unexpected stage $1"
	exit 1 ;;
esac
