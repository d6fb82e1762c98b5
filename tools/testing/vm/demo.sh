#!/bin/bash
# make demo: boot the kernel in QEMU, kexec into it once, report times.
set -euo pipefail

build=$1
here=$(cd "$(dirname "$0")" && pwd)
log=$build/vm/demo.log
export BUILD=$build

echo "demo: booting Linux $(cat "$build/obj/include/config/kernel.release") in QEMU (TCG, 2 vCPUs, 1 GiB)..."
start=$(date +%s.%N)
"$here/run-vm" --log "$log" kexec-smoke
wall=$(echo "$(date +%s.%N) - $start" | bc)

t1=$(sed -n 's/^LUTEST-STAGE 1 .* uptime //p' "$log")
tk=$(sed -n 's/^LUTEST-KEXEC .* uptime //p' "$log")
t2=$(sed -n 's/^LUTEST-STAGE 2 .* uptime //p' "$log")
cat <<REPORT

demo report
  first kernel: boot to /init          ${t1} s (guest clock)
  first kernel: /init to kexec reboot  $(printf '%.2f' "$(echo "$tk - $t1" | bc)") s
  second kernel: kexec to /init        ${t2} s (guest clock, from its start)
  whole run, QEMU start to exit        $(printf '%.1f' "$wall") s (host clock)
  verdict                              PASS (serial log: $log)
REPORT
