#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Userspace tests of kho-inspect on handovers saved in the test guest
# (handovers/*.bundle.gz, made by tools/testing/vm/tests/kho-inspect.sh
# with lu.dump=1): the intact one, each damage the kernel tests make, the
# incoming side; and damage done here to a saved copy of the intact one,
# one field at a time. The decoder also runs under ASan and UBSan on
# random mutations of the intact handover.
#
#   inspect.sh [KHO_INSPECT]   default: $BUILD/tools/kho-inspect, BUILD
#                              defaulting to the project's build/
#
# Prints "ok N name" / "not ok N name" (TAP-like); exits 1 on any failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
build=${BUILD:-$top/build}
ki=${1:-$build/tools/kho-inspect}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 failed=0
pass() { n=$((n + 1)); echo "ok $n $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; }

# run CMD...: stdout and stderr to $tmp/out, status in $rc.
run() { "$@" >"$tmp/out" 2>&1; rc=$?; }

# expect NAME RC [REGEX...]: the last run exited RC and printed a line
# matching each extended REGEX.
expect() {
	local name=$1 want=$2 p why=
	shift 2
	[ "$rc" = "$want" ] || why="exit $rc, expected $want"
	for p in "$@"; do
		[ -n "$why" ] || grep -Eq -- "$p" "$tmp/out" ||
			why="no line matching '$p'"
	done
	if [ -z "$why" ]; then
		pass "$name"
	else
		fail "$name"
		echo "# $why; output:"
		sed 's/^/#   /' "$tmp/out" | head -n 60
	fi
}

# same NAME FILE: the last run exited 0 and printed FILE, but for the
# first line (the source).
same() {
	if [ "$rc" = 0 ] && cmp -s <(sed 1d "$2") <(sed 1d "$tmp/out"); then
		pass "$1"
	else
		fail "$1"
		echo "# exit $rc; diff expected actual:"
		diff <(sed 1d "$2") <(sed 1d "$tmp/out") | sed 's/^/#   /' | head -n 40
	fi
}

if [ ! -x "$ki" ]; then
	fail "kho-inspect built ($ki missing)"
	echo "$n tests: $failed failed"
	exit 1
fi

h=$here/handovers
for f in "$h"/*.bundle.gz; do
	b=${f##*/}
	gzip -dc "$f" >"$tmp/${b%.gz}"
done

# --- the intact handover, frozen in the guest ---
run "$ki" "$tmp/ok.bundle"
expect "intact: valid" 0 '^handover valid$'
cp "$tmp/out" "$tmp/ok.txt"
run cat "$tmp/ok.txt"
same "intact: the text the guest printed" "$h/ok.txt"
run "$ki" --json "$tmp/ok.bundle"
expect "intact: JSON" 0 '^  "valid": true$' '"name": "versions",' \
	'"format": "memfd v[12],v[12]"' '"handler": "liveupdate-test-v1",'
run "$ki" --save "$tmp/ok" "$tmp/ok.bundle"
expect "intact: --save" 0
run "$ki" "$tmp/ok"
same "intact: the saved copy decodes the same" "$tmp/ok.txt"
run "$ki" --bundle "$tmp/again.bundle" "$tmp/ok"
run "$ki" "$tmp/again.bundle"
same "intact: bundle of the saved copy" "$tmp/ok.txt"
run "$ki" --ram "$tmp/ok/ram" "$tmp/ok"
same "intact: --ram" "$tmp/ok.txt"

# --- the incoming side, stage 2 of the guest ---
run "$ki" "$tmp/in.bundle"
expect "incoming: valid, what debugfs keeps" 0 '^handover: incoming$' \
	'^  liveupdate_number: 1$' '^note: incoming handover' '^handover valid$'

# --- damage made by the kernel (kho/out/corrupt, liveupdate_test/corrupt) ---
hex='0x[0-9a-f]+'
run "$ki" "$tmp/magic.bundle"
expect "kernel damage: map magic" 1 \
	"^error: map page 0 \($hex\): bad magic 0x4d4f484a, expected 0x4d4f484b$" \
	'^handover DAMAGED: 1 error$'
run "$ki" "$tmp/range.bundle"
expect "kernel damage: block beyond memory" 1 \
	"^error: map page [0-9]+ \($hex\): record at offset [0-9]+: window $hex of order [0-9]+ is beyond the physical address space$|is not inside System RAM$"
run "$ki" "$tmp/fdt.bundle"
expect "kernel damage: root compatible" 1 \
	'^error: root FDT: compatible is "kho-corrupt", expected "kho-lu612-v1"$'
run "$ki" "$tmp/scratch.bundle"
expect "kernel damage: scratch over preserved memory" 1 \
	"^error: map: preserved run \[$hex, $hex\) lies in scratch area \[$hex, $hex\)$"
run "$ki" "$tmp/overlap.bundle"
expect "kernel damage: runs overlap" 1 \
	"^error: map: preserved runs overlap: \[$hex, $hex\) and \[$hex, $hex\)$"
run "$ki" "$tmp/luo-dups.bundle"
expect "kernel damage: LUO duplicates" 1 \
	'^error: LUO session [0-9]+ "cx-a": same name as session [0-9]+$' \
	'^error: LUO session "cx-a": files [0-9]+ and [0-9]+ have the same token 2$'
run "$ki" "$tmp/luo-overlap.bundle"
expect "kernel damage: LUO sessions sharing files" 1 \
	'^error: LUO session 1 "cx-a": files \[0, \+[0-9]+\), expected to start at 6 \(files are back to back, 14 in all\)$'

# --- damage done here, to a copy of the intact handover ---
# jget EXPR: a field of the intact handover's JSON, j being the object.
"$ki" --json "$tmp/ok.bundle" >"$tmp/ok.json"
jget() {
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print('"$1"')' \
		"$tmp/ok.json"
}

# damaged NAME: a fresh copy of the intact handover in $tmp/d.
damaged() { rm -rf "$tmp/d"; cp -r "$tmp/ok" "$tmp/d"; }

# page_off PHYS: offset in $tmp/d/mem of the saved page holding PHYS.
page_off() {
	local want=$(($1 & ~4095)) i=0 size p
	size=$(stat -c %s "$tmp/d/mem")
	while [ $((8 + i * 4104)) -lt "$size" ]; do
		p=$(od -An -t u8 -j $((8 + i * 4104)) -N 8 "$tmp/d/mem" | tr -d ' ')
		if [ "$p" = "$want" ]; then
			echo $((8 + i * 4104 + 8 + ($1 & 4095)))
			return
		fi
		i=$((i + 1))
	done
	echo -1
}

# poke PHYS BYTES: write BYTES (printf escapes) at PHYS in $tmp/d/mem.
poke() {
	local off
	off=$(page_off "$1")
	[ "$off" -ge 0 ] || { echo "# no saved page at $1"; return 1; }
	printf '%b' "$2" | dd of="$tmp/d/mem" bs=1 seek="$off" conv=notrunc status=none
}

# drop PHYS: remove the saved page holding PHYS.
drop() {
	local off
	off=$(page_off "$1")
	off=$((off - ($1 & 4095) - 8))
	{ head -c "$off" "$tmp/d/mem"; tail -c +$((off + 4104 + 1)) "$tmp/d/mem"; } >"$tmp/mem"
	mv "$tmp/mem" "$tmp/d/mem"
}

index=$(jget 'j["registry"]["index"]')
state=$(jget 'j["luo"]["state"]')
record=$(jget 'j["registry"]["records"][0]["handle"]')
v2=$(jget '[v["handle"] for v in j["registry"]["records"][0]["versions"] if v["version"] == 2][0]')
first_map=$(jget 'j["map"]["first_page"]')

damaged
head -c 100 "$tmp/ok/fdt" >"$tmp/d/fdt"
run "$ki" "$tmp/d"
expect "copy: root FDT cut short" 1 '^error: root FDT: the FDT header says [0-9]+ bytes, there are 100$'

damaged
sed -i 's/^pages .*/pages 99/' "$tmp/d/map"
run "$ki" "$tmp/d"
expect "copy: map file disagrees" 1 '^error: map file says 99 pages, the root FDT [0-9]+$'

damaged
rm "$tmp/d/mem"
run "$ki" "$tmp/d"
expect "copy: no memory, FDTs only" 0 '^note: no memory of the handover' \
	'^handover valid$'

damaged
drop "$index"
run "$ki" "$tmp/d"
expect "copy: registry index page missing" 1 \
	"^error: registry index: page $hex not in the saved copy$"

damaged
poke $((record & ~4095)) '\x00'
run "$ki" "$tmp/d"
expect "copy: record page magic" 1 \
	"^error: registry record 0: record page $hex: bad magic 0x31505200, expected 0x3150524b$" \
	"^error: LUO session \"versions\": memfd token [0-9]+: data $hex is no record of the registry index$"

damaged
poke $(((record & ~4095) + 8)) 'x\x00'
run "$ki" "$tmp/d"
expect "copy: record of another family: not decoded, still valid" 0 \
	'^ *- handle: 0x[0-9a-f]+$' '^ *family: x$' '^handover valid$'

damaged
poke $((v2 + 20)) '\xff\x0f'
run "$ki" "$tmp/d"
expect "copy: memfd v2 mode" 1 '^error: memfd v2: mode 07777 has bits beyond 0777$'

damaged
pages=$(od -An -t u8 -j $(($(page_off "$v2") + 32)) -N 8 "$tmp/d/mem" | tr -d ' ')
poke "$pages" 'X'
run "$ki" "$tmp/d"
expect "copy: kho_array head magic" 1 \
	"^error: memfd v2: page array: head at $hex: magic 0x414f4858 version 1 height [0-9]+ root $hex: not a kho_array head$"

damaged
poke "$state" '\x00\x00\x00\x00'
run "$ki" "$tmp/d"
expect "copy: LUO state chunk magic" 1 \
	"^error: LUO state: chunk 0 at $hex: bad magic 0x00000000, expected 0x314d564b$"

damaged
poke "$first_map" '\x4b\x48\x4f\x4d\x02'
run "$ki" "$tmp/d"
expect "copy: map version" 1 "^error: map page 0 \($hex\): version 2, this tool reads 1$"

damaged
echo "0x1000 0x10000" >"$tmp/d/scratch"
echo "0x2000 0x1000" >>"$tmp/d/scratch"
run "$ki" "$tmp/d"
expect "copy: scratch areas overlap" 1 '^error: scratch areas 0 and 1 overlap$'

damaged
echo "4096 4096" >"$tmp/d/scratch"
run "$ki" "$tmp/d"
expect "copy: scratch file garbage" 1 '^error: scratch file: line 1 is not "0xADDR 0xSIZE"$'

damaged
rm "$tmp/d/sub_fdts/LUO"
run "$ki" "$tmp/d"
expect "copy: LUO subtree missing" 1 \
	'^error: subtree LUO: no sub_fdts/LUO \(missing from the copy\)$'

damaged
cp "$tmp/d/sub_fdts/LUO" "$tmp/d/sub_fdts/extra"
run "$ki" "$tmp/d"
expect "copy: a subtree the root does not name" 1 \
	'^error: sub_fdts/extra: no such subtree in the root FDT$'

damaged
echo "00001000-0009ffff : System RAM" >"$tmp/d/ram"
run "$ki" "$tmp/d"
expect "copy: preserved memory outside RAM" 1 \
	"^error: map: preserved run \[$hex, $hex\) is not inside System RAM$"

damaged
printf 'KHOMEM01xyz' >"$tmp/d/mem"
run "$ki" "$tmp/d"
expect "copy: mem file garbage" 2 'not a saved mem file$'

# --- usage ---
run "$ki" --frob
expect "usage: unknown option" 2 '^usage: '
run "$ki" "$tmp/ok" "$tmp/ok"
expect "usage: two paths" 2 '^usage: '
run "$ki" "$tmp/nonexistent"
expect "usage: no such path" 2 'No such file or directory$'
run "$ki" "$here/inspect.sh"
expect "usage: neither a directory nor a bundle" 2 'not a kho-inspect bundle'
mkdir -p "$tmp/empty"
run "$ki" "$tmp/empty"
expect "usage: a directory without fdt" 2 'no file fdt: not a KHO handover directory$'
run "$ki" --help
expect "usage: --help" 0 '^usage: '

# --- random damage, under ASan and UBSan: exit 0 or 1, nothing else ---
asan=$tmp/kho-inspect-asan
if gcc -std=gnu11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-I "$top/lib-tests/shim" -I "$top/include" -o "$asan" \
	"$top/tools/kho/kho-inspect.c" "$top/tools/kho/inspect.c" -lfdt \
	2>"$tmp/cc.err"; then
	size=$(stat -c %s "$tmp/ok.bundle")
	bad=0
	for i in $(seq 1 200); do
		cp "$tmp/ok.bundle" "$tmp/m.bundle"
		for j in 1 2 3 4; do
			off=$(( (RANDOM * 32768 + RANDOM) % size ))
			printf '%b' "\\x$(printf %02x $((RANDOM % 256)))" |
				dd of="$tmp/m.bundle" bs=1 seek="$off" conv=notrunc status=none
		done
		ASAN_OPTIONS=exitcode=99 UBSAN_OPTIONS=exitcode=99 \
			"$asan" --json "$tmp/m.bundle" >/dev/null 2>"$tmp/m.err"
		rc=$?
		if [ "$rc" -gt 2 ]; then
			bad=$((bad + 1))
			cp "$tmp/m.bundle" "$build/kho-inspect-crash-$i.bundle" 2>/dev/null
			sed 's/^/#   /' "$tmp/m.err" | head -n 20
		fi
	done
	run test "$bad" = 0
	expect "200 random mutations of 4 bytes, ASan+UBSan: no crash" 0
else
	fail "ASan build"
	sed 's/^/#   /' "$tmp/cc.err"
fi

echo "$n tests: $failed failed"
[ "$failed" = 0 ]
