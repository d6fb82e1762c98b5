#!/bin/bash
# make demo: boot our kernel in QEMU, put 512 MiB in a memfd, preserve it
# through /dev/liveupdate, kexec, get it back and verify every byte.
set -euo pipefail

build=$1
here=$(cd "$(dirname "$0")" && pwd)
log=$build/vm/demo.log
export BUILD=$build

echo "demo: Linux $(cat "$build/obj/include/config/kernel.release") in QEMU (TCG, 2 vCPUs, 2 GiB): memfd, kexec, memfd back..."
start=$(date +%s.%N)
"$here/run-vm" --mem 2G --timeout 600 --log "$log" memfd-demo
wall=$(echo "$(date +%s.%N) - $start" | bc)

val() { sed -n "s/^DEMO $1 //p" "$log" | tail -n1; }
logval() { sed -n "s/.*$1//p" "$log" | head -n1; }
map=$(logval 'KHO: map of preserved memory: ')
meta=$(logval 'memfd_luo: [0-9]* folios handed over, metadata ' | sed 's/,.*//')
freeze=$(sed -n 's/.*memfd_luo: [0-9]* folios handed over, .*, freeze \([0-9]*\) us.*/\1/p' "$log" | tail -n1)
boot=$(sed -n 's/^LUTEST-STAGE 2 .* uptime //p' "$log")
blackout=$(echo "${freeze:-0} / 1000000 + ${boot:-0} + $(val retrieve_ms) / 1000" | bc -l)
tk=$(sed -n 's/^LUTEST-KEXEC .* uptime //p' "$log")
same=no
[ "$(val checksum_before)" = "$(val checksum_after)" ] && same=yes

cat <<REPORT

demo report
  memfd size                        $(val size_mib) MiB, $(val data_mib) MiB of data (rest: holes)
  of which THP (shmem huge pages)   $(val thp_mib) MiB before, $(val thp_mib_after) MiB after the kexec
  memfd metadata handed over        ${meta:-?} (registry family memfd, v2)
  KHO map of preserved memory       ${map:-?}
  time to preserve (PRESERVE_FD)    $(val preserve_ms) ms
  blackout, reboot() to data usable:
    freeze (kernel, at reboot)      ${freeze:-?} us
    kernel boot to /init            ${boot:-?} s (uptime of the new kernel)
    retrieve (RETRIEVE_FD)          $(val retrieve_ms) ms
    sum (without the kexec itself)  $(printf '%.2f' "$blackout") s
  /init to kexec (stage 1)          ${tk} s of guest uptime
  kexec to memfd retrieved          $(val retrieved_uptime) s (uptime of the new kernel)
  time to verify every byte         $(val verify_ms) ms
  checksum before                   $(val checksum_before)
  checksum after                    $(val checksum_after)   same: $same
  bad words                         $(val bad_words)
  whole run, QEMU start to exit     $(printf '%.1f' "$wall") s (host clock, TCG)
  serial log                        $log
REPORT
[ "$same" = yes ]
