#!/bin/sh
# make bench: memory left to userspace after boot (run once with kho=off,
# once with KHO on), to price the scratch reservation.
for k in MemTotal MemFree MemAvailable CmaTotal CmaFree; do
	echo "BENCH mem $k $(sed -n "s/^$k: *\([0-9]*\) kB/\1/p" /proc/meminfo)"
done
dmesg | grep -E "KHO: .*scratch"
exit 0
