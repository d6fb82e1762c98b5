#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Remake handovers/*.bundle.gz, the real handovers inspect.sh tests
# kho-inspect on, from a run of the kho-inspect guest scenario: each
# KHO-INSPECT-DUMP block of its serial log is a tar of bundles (gzip,
# base64), and ok.txt the text the guest printed for the intact one. Run
# it after a change to a handover format.
#
#   update-handovers.sh [BUILD]   BUILD defaults to the project's build/
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
build=${1:-$top/build}
log=$build/vm/kho-inspect-dump.log
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

BUILD=$build "$top/tools/testing/vm/run-vm" --timeout 600 --log "$log" \
	--append lu.dump=1 kho-inspect
tr -d '\r' <"$log" | awk -v dir="$tmp" '
	/^KHO-INSPECT-DUMP-BEGIN/ { n++; on = 1; next }
	/^KHO-INSPECT-DUMP-END/ { on = 0; next }
	on { print > (dir "/dump" n ".b64") }'
for d in "$tmp"/dump*.b64; do
	base64 -d "$d" | tar -C "$tmp" -xzf -
done
mkdir -p "$here/handovers"
rm -f "$here"/handovers/*
# ok.txt: what the guest printed for the intact handover.
cp "$tmp/bundles/ok.txt" "$here/handovers/"
for b in "$tmp"/bundles/*; do
	name=${b##*/}
	[ "$name" = ok.txt ] ||
		gzip -9n <"$b" >"$here/handovers/$name.bundle.gz"
done
ls -l "$here/handovers"
