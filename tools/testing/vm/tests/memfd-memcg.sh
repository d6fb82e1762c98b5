#!/bin/sh
# Restored memfds are charged to the memory cgroup of the retriever; a
# retrieve whose charge fails (memory.max too small, or an allocation
# failing) returns ENOMEM, leaks nothing and can be retried. Mounts
# cgroup v2 itself. See memfd_memcg.c.
. /tests/lib.sh
case "$1" in
1)
	memfd_memcg 1 || exit 1
	lu_kexec 2
	exit 1 ;;
2)
	mount -t cgroup2 none /sys/fs/cgroup || { echo "cannot mount cgroup2"; exit 1; }
	memfd_memcg 2
	rc=$?
	dmesg | grep -E "memfd_luo|liveupdate:"
	[ $rc = 0 ] || exit 1
	lu_boots 2 ;;
esac
