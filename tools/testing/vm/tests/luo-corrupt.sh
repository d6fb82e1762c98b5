#!/bin/sh
# The next kernel must reject what is inconsistent in the LUO state it is
# handed: lu.luo_corrupt=dups writes a duplicate session name and a
# duplicate token (only those are rejected, with one log line, and their
# memory is given back), lu.luo_corrupt=overlap two sessions sharing file
# records (everything is rejected).
. /tests/lib.sh
how=$(lu_arg lu.luo_corrupt)
case "$1" in
1)
	luo_kexec corrupt || exit 1
	echo "$how" > /sys/kernel/debug/liveupdate_test/corrupt || exit 1
	lu_kexec 2
	exit 1 ;;
2)
	luo_kexec "corrupt-$how" || exit 1
	dmesg | grep "liveupdate:"
	case "$how" in
	dups) lu_expect_log "liveupdate: rejected from the previous kernel (the first of each is kept): sessions with a duplicate name: 1, files with a duplicate token: 1; of their files 3 released, 0 without a handler (memory stays reserved)" ;;
	overlap) lu_expect_log "liveupdate: invalid sessions from the previous kernel (-22), none restored" ;;
	esac || exit 1
	lu_boots 2 ;;
esac
