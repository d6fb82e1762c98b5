#!/bin/sh
# The orchestrator model (tools/liveupdate/luo-agent.c): an agent owns
# /dev/liveupdate and hands sessions to two services over a Unix socket;
# each keeps a cache in a memfd, preserved in its session, and exits.
# Debian's kexec-tools does the kexec (kexec -s -l, kexec -e). In the next
# kernel the agent starts again and each service gets its session back,
# verifies every byte of its cache, finishes and releases it.
. /tests/lib.sh
sock=/tmp/luo-agent.sock
start_agent() {
	luo-agent $sock 2>/tmp/agent.log &
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ -S $sock ] && return 0
		sleep 1
	done
	echo "agent did not start"; cat /tmp/agent.log
	return 1
}
case "$1" in
1)
	start_agent || exit 1
	luo-cache $sock web-cache fill 24 || exit 1
	luo-cache $sock db.buffers fill 40 || exit 1
	# A second agent cannot own the device; a bad name is refused.
	luo-agent /tmp/other.sock 2>&1 | grep -q "Device or resource busy" ||
		{ echo "second agent not refused"; exit 1; }
	if luo-cache $sock "bad/name" fill 1 2>&1; then
		echo "bad name accepted"; exit 1
	fi
	cp /sys/firmware/initrd /tmp/initrd || exit 1
	/usr/sbin/kexec -s -l /boot/bzImage --initrd=/tmp/initrd \
		--reuse-cmdline --append="lu.stage=2" || exit 1
	echo "LUTEST-KEXEC to stage 2 uptime $(cut -d' ' -f1 /proc/uptime)"
	/usr/sbin/kexec -e
	echo "kexec -e failed"; cat /tmp/agent.log
	exit 1 ;;
2)
	start_agent || exit 1
	luo-cache $sock db.buffers check 40 || exit 1
	luo-cache $sock web-cache check 24 || exit 1
	cat /tmp/agent.log
	grep -q "luo-agent/web-cache: released" /tmp/agent.log || exit 1
	lu_boots 2 ;;
esac
