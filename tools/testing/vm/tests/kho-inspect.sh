#!/bin/sh
# kho-inspect on real handovers. Stage 1: memfds preserved in both formats
# (memfd_versions both 1) and test files in sessions with names made to
# collide (luo_kexec corrupt), each leaving a daemon that holds its
# sessions. The handover is decoded before the freeze (no map yet), then
# frozen through liveupdate_test/frozen (the reboot path without the
# kexec) and checked field by field against what was preserved; a copy
# saved with --save decodes the same. Then each damage the kernel tests
# make (kho/out/corrupt, liveupdate_test/corrupt) must give exit 1 and its
# precise error line. Stage 2, after a clean kexec: the memfds come back
# (memfd_versions both 2) and kho/in decodes.
#
# lu.dump=1 also prints the saved copies as bundles (tar, gzip, base64)
# between KHO-INSPECT-DUMP lines: tools/kho/test/handovers/ is made from
# them (see tools/kho/test/inspect.sh).
. /tests/lib.sh
out=/sys/kernel/debug/kho/out
frozen=/sys/kernel/debug/liveupdate_test/frozen
luo_corrupt=/sys/kernel/debug/liveupdate_test/corrupt
mkdir -p /tmp/ki

# ki NAME RC [ARGS...]: run kho-inspect ARGS, text in /tmp/ki/NAME.txt,
# JSON in /tmp/ki/NAME.json; the text exit status must be RC.
ki() {
	local name=$1 want=$2
	shift 2
	kho-inspect "$@" >/tmp/ki/$name.txt 2>&1
	rc=$?
	kho-inspect --json "$@" >/tmp/ki/$name.json 2>/dev/null
	[ $rc = "$want" ] && return 0
	echo "kho-inspect $*: exit $rc, expected $want"
	cat /tmp/ki/$name.txt
	return 1
}

# flat NAME: the JSON of NAME as path=value lines (kho-inspect prints one
# value per line), e.g. luo.sessions[0].files[1].token=2.
flat() {
	awk '
	{
		sub(/^ */, ""); sub(/,$/, "")
		if ($0 == "}" || $0 == "]") { d--; next }
		c = ""
		if (match($0, /^"[^"]*": /)) {
			c = "." substr($0, 2, RLENGTH - 4)
			$0 = substr($0, RLENGTH + 1)
		} else if (d > 0 && arr[d]) {
			c = "[" ++idx[d] "]"
		}
		if ($0 == "{" || $0 == "[") {
			name[++d] = c; arr[d] = $0 == "["; idx[d] = -1
			next
		}
		p = ""
		for (i = 1; i <= d; i++)
			p = p name[i]
		p = p c
		sub(/^\./, "", p)
		gsub(/"/, "")
		print p "=" $0
	}' "/tmp/ki/$1.json"
}

# has NAME REGEX...: each REGEX matches a line of the output of NAME.
has() {
	local name=$1 re
	shift
	for re in "$@"; do
		grep -Eq -- "$re" /tmp/ki/$name.txt /tmp/ki/$name.flat 2>/dev/null ||
			{ echo "kho-inspect $name: no line matching '$re'"; cat /tmp/ki/$name.txt; return 1; }
	done
}

freeze() {
	echo "$1" > $frozen || { echo "cannot write $1 to $frozen"; return 1; }
}

dump() {
	[ "$(lu_arg lu.dump)" = 1 ] || return 0
	# Kernel messages on the console would cut into the base64 lines.
	read -r level rest < /proc/sys/kernel/printk
	echo 1 > /proc/sys/kernel/printk
	echo "KHO-INSPECT-DUMP-BEGIN"
	tar -C /tmp/ki -cf - bundles | gzip -9 | base64
	echo "KHO-INSPECT-DUMP-END"
	echo "$level" > /proc/sys/kernel/printk
}

# The checks of a frozen handover holding what stage 1 preserved.
check_frozen() {
	local name=$1
	flat $name > /tmp/ki/$name.flat
	has $name '^valid=true$' '^map\.finalized=true$' '^map\.valid=true$' \
		'^luo\.sessions_count=4$' '^luo\.files_count=14$' \
		'^luo\.sessions\[0\]\.name=versions$' \
		'^luo\.sessions\[1\]\.name=cx-a$' \
		'^luo\.sessions\[2\]\.name=cx-a#dup$' \
		'^registry\.records_count=6$' || return 1
	# The six memfds: handler, token and both versions, in order.
	for i in 0 1 2 3 4 5; do
		f="luo.sessions\[0\]\.files\[$i\]"
		has $name "^$f\.token=$((i + 1))$" "^$f\.handler=memfd$" \
			"^$f\.format=memfd v[12],v[12]$" || return 1
	done
	has $name '^luo\.sessions\[1\]\.files\[0\]\.handler=liveupdate-test-v1$' ||
		return 1
	# Each memfd decodes the same from version 1 and version 2: every
	# (record, field, value) twice.
	sed -n 's/^registry\.records\[\([0-9]*\)\]\.versions\[[01]\]\.memfd\.\(size\|pos\|folios\|bytes_preserved\|hole_pages\|holes\)=/\1 \2 /p' \
		/tmp/ki/$name.flat | sort | uniq -c > /tmp/ki/$name.vers
	if [ "$(wc -l < /tmp/ki/$name.vers)" != 36 ] ||
	   grep -vq '^ *2 ' /tmp/ki/$name.vers; then
		echo "versions 1 and 2 decode differently:"
		cat /tmp/ki/$name.vers
		return 1
	fi
	# What memfd_versions.c preserved: size, pos, pages written, holes.
	for want in "1048576 4242 1048576 0 0" "8388608 0 4194304 1024 1" \
		"1073741824 9 1052672 261887 2" "0 0 0 0 0" \
		"33554432 0 33554432 0 0" "8192 1 4096 1 1"; do
		set -- $want
		r=$(sed -n "s/^registry\.records\[\([0-9]*\)\]\.versions\[0\]\.memfd\.size=$1$/\1/p" \
			/tmp/ki/$name.flat | head -n1)
		v="registry.records[$r].versions[0].memfd"
		[ -n "$r" ] && grep -qxF "$v.pos=$2" /tmp/ki/$name.flat &&
		grep -qxF "$v.bytes_preserved=$3" /tmp/ki/$name.flat &&
		grep -qxF "$v.hole_pages=$4" /tmp/ki/$name.flat &&
		grep -qxF "$v.holes=$5" /tmp/ki/$name.flat || {
			echo "memfd of size $1: expected pos $2, $3 bytes, $4 hole pages in $5 holes:"
			grep "^registry\.records\[$r\]" /tmp/ki/$name.flat
			return 1
		}
	done
	# The THP memfd: two folios of order 9.
	r=$(sed -n 's/^registry\.records\[\([0-9]*\)\]\.versions\[0\]\.memfd\.size=8388608$/\1/p' \
		/tmp/ki/$name.flat)
	has $name "^registry\.records\[$r\]\.versions\[0\]\.memfd\.folios_by_order\[0\]\.order=9$" \
		"^registry\.records\[$r\]\.versions\[0\]\.memfd\.folios_by_order\[0\]\.folios=2$"
}

# corrupt NAME KIND KNOB REGEX...: damage the handover (write KIND to
# KNOB), freeze, expect exit 1 and each REGEX; save it as bundle NAME,
# thaw, undamage.
corrupt() {
	local name=$1 kind=$2 knob=$3
	shift 3
	echo "$kind" > "$knob" || { echo "cannot write $kind to $knob"; return 1; }
	freeze 1 || return 1
	ki "bad-$name" 1 --bundle /tmp/ki/bundles/$name || return 1
	freeze 0 || return 1
	echo none > "$knob" || return 1
	echo "--- damaged: $name"
	grep '^error:' /tmp/ki/bad-$name.txt
	has "bad-$name" "$@" || return 1
	grep -q '"valid": false' /tmp/ki/bad-$name.json ||
		{ echo "$name: JSON does not say valid false"; return 1; }
}

case "$1" in
1)
	mkdir -p /tmp/ki/bundles
	memfd_versions both 1 || exit 1
	luo_kexec corrupt || exit 1
	# Not frozen: no map, no sessions written yet.
	ki open 0 || exit 1
	flat open > /tmp/ki/open.flat
	has open '^map\.finalized=false$' 'note: the map of preserved memory is not written yet' \
		'^subtrees\[[0-9]\]\.name=LUO$' || exit 1
	ki nomem 2 /nonexistent || exit 1

	freeze 1 || exit 1
	ki frozen 0 --save /tmp/ki/saved --bundle /tmp/ki/bundles/ok || exit 1
	freeze 0 || exit 1
	echo "--- kho-inspect $out (frozen)"
	cat /tmp/ki/frozen.txt
	cp /tmp/ki/frozen.txt /tmp/ki/bundles/ok.txt
	check_frozen frozen || exit 1
	# The saved copy and the bundle decode the same.
	ki saved 0 /tmp/ki/saved || exit 1
	ki bundle 0 /tmp/ki/bundles/ok || exit 1
	for c in saved bundle; do
		sed 1d /tmp/ki/frozen.txt > /tmp/ki/a
		sed 1d /tmp/ki/$c.txt > /tmp/ki/b
		cmp -s /tmp/ki/a /tmp/ki/b ||
			{ echo "$c decodes differently:"; diff /tmp/ki/a /tmp/ki/b; exit 1; }
	done

	corrupt magic magic $out/corrupt \
		'^error: map page 0 \(0x[0-9a-f]+\): bad magic 0x4d4f484a, expected 0x4d4f484b$' &&
	corrupt range range $out/corrupt \
		'^error: map page [0-9]+ \(0x[0-9a-f]+\): record at offset [0-9]+: window 0x[0-9a-f]+ of order [0-9]+ is beyond the physical address space$|is not inside System RAM$' &&
	corrupt fdt fdt $out/corrupt \
		'^error: root FDT: compatible is "kho-corrupt", expected "kho-lu612-v1"$' &&
	corrupt scratch scratch $out/corrupt \
		'^error: map: preserved run \[0x[0-9a-f]+, 0x[0-9a-f]+\) lies in scratch area \[0x[0-9a-f]+, 0x[0-9a-f]+\)$' &&
	corrupt overlap overlap $out/corrupt \
		'^error: map: preserved runs overlap: \[0x[0-9a-f]+, 0x[0-9a-f]+\) and \[0x[0-9a-f]+, 0x[0-9a-f]+\)$' &&
	corrupt luo-dups dups $luo_corrupt \
		'^error: LUO session [0-9]+ "cx-a": same name as session [0-9]+$' \
		'^error: LUO session "cx-a": files [0-9]+ and [0-9]+ have the same token 2$' &&
	corrupt luo-overlap overlap $luo_corrupt \
		'^error: LUO session 1 "cx-a": files \[0, \+[0-9]+\), expected to start at 6 \(files are back to back, 14 in all\)$' ||
		exit 1
	# Damaged copies: never a crash, always a precise error.
	mkdir -p /tmp/ki/saved-trunc/sub_fdts
	head -c 100 /tmp/ki/saved/fdt > /tmp/ki/saved-trunc/fdt
	ki trunc 1 /tmp/ki/saved-trunc || exit 1
	has trunc '^error: root FDT: the FDT header says [0-9]+ bytes, there are 100$' || exit 1
	# Nothing is damaged any more: the same handover as before.
	freeze 1 || exit 1
	ki again 0 || exit 1
	freeze 0 || exit 1
	dump
	lu_kexec 2
	exit 1 ;;
2)
	memfd_versions both 2 || exit 1
	ki in 0 /sys/kernel/debug/kho/in || exit 1
	echo "--- kho-inspect /sys/kernel/debug/kho/in"
	cat /tmp/ki/in.txt
	flat in > /tmp/ki/in.flat
	has in '^handover=incoming$' '^valid=true$' '^luo\.liveupdate_number=1$' \
		'^luo\.state=0x[0-9a-f]+$' '^registry\.index=0x[0-9a-f]+$' \
		'^root\.compatible=kho-lu612-v1$' \
		'note: incoming handover: debugfs keeps only the FDTs' || exit 1
	mkdir -p /tmp/ki/bundles
	ki in-saved 0 /sys/kernel/debug/kho/in --bundle /tmp/ki/bundles/in || exit 1
	dump
	lu_boots 2 ;;
esac
