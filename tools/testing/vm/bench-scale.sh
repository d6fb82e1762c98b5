#!/bin/bash
# make bench-scale: boot time of the next kernel with a fragmented
# handover against a contiguous one. Two guests of the same size each
# preserve PAGES 4 KiB pages in a memfd (isolated: every other page of a
# file of 2 * PAGES pages punched out, so each page is a run of its own;
# contiguous: PAGES pages written in one go), kexec, and check every byte.
# Reported: the uptime at which the next kernel runs /init, and the ratio.
#   bench-scale.sh BUILD [PAGES] [MEM]
set -euo pipefail

build=$1 pages=${2:-1048576} mem=${3:-10G}
here=$(cd "$(dirname "$0")" && pwd)
out=$build/bench
export BUILD=$build
mkdir -p "$out"

# uptime of the second kernel at /init, and its KHO line
run() { # mode log
	local extra=
	[ "$1" = contig ] && extra=" lu.scale_mode=contig"
	"$here/run-vm" --mem "$mem" --timeout 1800 --log "$2" \
		--append "lu.scale=$pages$extra" memfd-scale >/dev/null
}
stage2() { sed -n 's/^LUTEST-STAGE 2 memfd-scale uptime //p' "$1"; }
kho() { sed -n 's/.*KHO: \([0-9]* preserved runs.*\)/\1/p' "$1" | head -n1; }
ms() { sed -n "s/^# $2: \\([0-9]*\\) ms/\\1/p" "$1" | tail -n1; }

for mode in isolated contig; do
	echo "bench-scale: $pages $mode pages in a $mem guest..."
	run $mode "$out/scale-$mode.log"
done
iso=$(stage2 "$out/scale-isolated.log") con=$(stage2 "$out/scale-contig.log")
ratio=$(echo "scale=2; $iso / $con" | bc)
{
	echo "# Next-kernel boot with a fragmented handover"
	echo
	echo "$pages pages of 4 KiB preserved in one memfd, $mem TCG guest."
	echo
	echo "| handover | boot to /init (s) | preserve (ms) | retrieve (ms) | map taken at boot |"
	echo "|---|---|---|---|---|"
	for mode in isolated contig; do
		l=$out/scale-$mode.log
		echo "| $mode | $(stage2 "$l") | $(ms "$l" preserve) | $(ms "$l" retrieve) | $(kho "$l") |"
	done
	echo
	echo "isolated / contiguous boot time: **$ratio** (target: at most 2)"
} > "$out/scale.md"
cat "$out/scale.md"
