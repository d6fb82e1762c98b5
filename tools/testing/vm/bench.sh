#!/bin/bash
# make bench: the benchmarks of issue 15, side by side, in one run.
# Guests (QEMU TCG, one at a time, all of BENCH_MEM) measure the kernel,
# the library benchmark runs in userspace; everything lands in
# BUILD/bench: report.md, the SVG plots, their .dat files and the logs.
#
#   bench.sh TOP BUILD
#
# Environment (defaults in brackets):
#   BENCH_SIZES      memfd sizes in MiB to time            [256 512 1024 2048 4096]
#   BENCH_ISOLATED   counts of isolated 4 KiB pages to boot with [262144 1048576]
#   BENCH_MEM        guest memory                          [10G]
#   BENCH_LIB        0 skips the kho_array/XArray benchmark [1]
#   BENCH_REPORT_ONLY  1 writes the report and plots again from the logs
#                    of the last run, measuring nothing [0]
set -uo pipefail

top=$1 build=$2
vm=$top/tools/testing/vm
out=$build/bench
export BUILD=$build
sizes=${BENCH_SIZES:-256 512 1024 2048 4096}
isolated=${BENCH_ISOLATED:-262144 1048576}
mem=${BENCH_MEM:-10G}
measure=1
[ "${BENCH_REPORT_ONLY:-0}" = 1 ] && measure=0
mkdir -p "$out"
[ $measure = 0 ] ||
	(cd "$out" && rm -f meta.* time-* isolated-* mem-* registry.* lib.txt \
		./*.dat ./*.svg report.md targets.md gnuplot.err)
start=$(date +%s)
failed=()
steps=()

# guest NAME LOG [run-vm options] TEST: one guest; its wall time is kept.
guest() {
	local name=$1 log=$2 t
	shift 2
	[ $measure = 1 ] || return 0
	echo "bench: $name..."
	t=$(date +%s)
	if ! "$vm/run-vm" --mem "$mem" --timeout 2400 --log "$log" "$@" \
		2>"${log%.log}.err"; then
		failed+=("$name")
		echo "bench: $name FAILED: $(tail -n1 "${log%.log}.err")"
	fi
	t=$(($(date +%s) - t))
	steps+=("| $name | $t |")
	echo "bench: $name: $t s"
}

# Values from the serial logs.
tval() { sed -n "s/^BENCH time $2 //p" "$1" 2>/dev/null | tail -n1; }
mval() { sed -n "s/^BENCH meta $2 $3 //p" "$1" 2>/dev/null | tail -n1; }
uptime_at() { sed -n "s/^LUTEST-STAGE $2 [^ ]* uptime //p" "$1" 2>/dev/null | tail -n1; }
# "runs pages" taken by the kernel booted for stage $2 (its boot log).
runs_at() {
	awk -v s="LUTEST-KEXEC to stage $2 " 'index($0, s) { on = 1 }
		on && /KHO: [0-9]+ preserved runs/ {
			sub(/.*KHO: /, ""); sub(/,/, "", $4); print $1, $4; exit }' \
		"$1" 2>/dev/null
}
# "metadata-bytes freeze-us" of the memfd of $2 folios (empty: the first
# memfd) frozen in log $1.
freeze_of() {
	sed -n 's/.*memfd_luo: \([0-9]*\) folios handed over, metadata \([0-9]*\) bytes, freeze \([0-9]*\) us.*/\1 \2 \3/p' \
		"$1" 2>/dev/null | awk -v n="$2" 'n == "" || $1 == n { print $2, $3; exit }'
}
calc() { awk "BEGIN { v = $1; printf \"%.${2:-1}f\", v }" 2>/dev/null || echo "?"; }
# Empty values make the row say "?" rather than a wrong number.
ok() { local v; for v; do [ -n "$v" ] || return 1; done; }

# 1. kho_array vs XArray, userspace.
if [ "${BENCH_LIB:-1}" != 0 ] && [ $measure = 1 ]; then
	echo "bench: kho_array vs XArray (userspace)..."
	t=$(date +%s)
	make -s -C "$top/lib-tests" bench O="$build/lib-tests" > "$out/lib.txt" 2>&1 ||
		failed+=("bench-lib")
	steps+=("| kho_array vs XArray (userspace) | $(($(date +%s) - t)) |")
fi

# 2. Guests: metadata and the empty boot; timing per size; THP; isolated
# pages; memory after boot with and without KHO; the registry scenario.
guest "metadata, empty boot" "$out/meta.log" bench-meta
for s in $sizes; do
	guest "memfd $s MiB of 4 KiB pages" "$out/time-4k-$s.log" \
		--append "lu.bench_mib=$s lu.bench_mode=4k" bench-memfd
done
guest "memfd 1024 MiB of THP" "$out/time-thp-1024.log" \
	--append "lu.bench_mib=1024 lu.bench_mode=thp" bench-memfd
for n in $isolated; do
	guest "$n isolated pages" "$out/isolated-$n.log" \
		--append "lu.scale=$n" memfd-scale
done
guest "memory, kho=off" "$out/mem-off.log" --append "kho=off" bench-mem
guest "memory, KHO on" "$out/mem-on.log" bench-mem
guest "registry scenario" "$out/registry.log" \
	--append "kho_registry_selftest=1" kho-registry

# 3. The report.
report=$out/report.md
kib() { calc "$1 / 1024" "${2:-1}"; }
pergib() { calc "$1 * 1073741824 / $2 / 1024" 1; }	# bytes per GiB of data, in KiB
{
echo "# make bench report"
echo
echo "Kernel $(cat "$build/obj/include/config/kernel.release" 2>/dev/null),"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), host $(nproc) CPUs ($(sed -n 's/^model name.*: //p' /proc/cpuinfo | head -n1))."
echo "Guests: QEMU TCG, 2 vCPUs, $mem each, one at a time. TCG times are"
echo "slow and noisy; the ratios, measured in the same guest, are what to compare."
echo
} > "$report"

# 3.1 Metadata.
layouts="contig thp sparse frag"
{
echo "## 1. Metadata handed over per GiB of memfd data"
echo
echo "One guest (bench-meta): each layout in its own session. Ours: the memfd"
echo "record and folio array (from the freeze line of the kernel log) plus what"
echo "preserving the file adds to the KHO map (debugfs kho/out/map, finalized"
echo "before and after). Upstream: computed by memfd_bench from the real folio"
echo "list (pagemap + kpageflags) with the layouts of UPSTREAM-FACTS.md:"
echo "memfd-v1 = one-page memfd_luo_ser + vmalloc array of 16 B per folio +"
echo "kho_vmalloc chunks; kho-v1 (6.16-6.19) = a 4 KiB bitmap per order per"
echo "32768-block window + 16 B pointers in 255-entry chunk pages; kho-v2 (7.x) ="
echo "the same leaf bitmaps in a 6-level radix tree of 4 KiB nodes. Upstream's"
echo "own metadata pages in its map are not counted (a window or two)."
echo
echo "Sizes in KiB per GiB of data present."
echo
echo "| layout | data MiB | folios | ours: memfd | ours: KHO map | **ours total** | upstream memfd-v1 | + kho-v1 bitmaps | **upstream v1 total** | upstream/ours | + kho-v2 tree | upstream v2 total | upstream/ours |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} >> "$report"
: > "$out/meta.dat"
for l in $layouts; do
	log=$out/meta.log
	n=$(mval "$log" $l folios) b=$(mval "$log" $l bytes)
	map=$(mval "$log" $l kho_map) uv1=$(mval "$log" $l upstream_memfd_v1)
	k1=$(mval "$log" $l upstream_kho_v1) k2=$(mval "$log" $l upstream_kho_v2)
	read -r ours _ < <(freeze_of "$log" "$n"; echo)
	if ok "$n" "$b" "$map" "$uv1" "$k1" "$k2" "$ours"; then
		o=$((ours + map)) u1=$((uv1 + k1)) u2=$((uv1 + k2))
		echo "| $l | $((b >> 20)) | $n | $(pergib $ours $b) | $(pergib $map $b) | **$(pergib $o $b)** | $(pergib $uv1 $b) | $(pergib $k1 $b) | **$(pergib $u1 $b)** | $(calc "$u1 / $o" 1)x | $(pergib $k2 $b) | $(pergib $u2 $b) | $(calc "$u2 / $o" 1)x |" >> "$report"
		echo "$l $(pergib $o $b) $(pergib $u1 $b) $(pergib $u2 $b)" >> "$out/meta.dat"
	else
		echo "| $l | ? (see meta.log) | | | | | | | | | | | |" >> "$report"
	fi
done
fb=$(mval "$out/meta.log" sparse file_bytes) sb=$(mval "$out/meta.log" sparse bytes)
fr=$(mval "$out/meta.log" frag file_bytes) frb=$(mval "$out/meta.log" frag bytes)
{
echo
echo "Upstream memfd-v1 pins the whole file (memfd_pin_folios() allocates every"
echo "hole), so on top of the rows above, which count the same folios as ours:"
if ok "$fb" "$sb" "$fr" "$frb"; then
	echo "the sparse file would first grow to $(calc "$fb / 2^30" 0) GiB of memory"
	echo "($(calc "($fb - $sb) / 4096" 0) more folios, a $(calc "($fb / 4096) * 16 / 2^30" 1) GiB array), which does not"
	echo "fit this guest; the fragmented one would double to $(calc "$fr / 2^20" 0) MiB."
fi
echo
} >> "$report"

# 3.2 Time per GiB.
{
echo "## 2. Preserve, freeze and retrieve time per GiB"
echo
echo "One guest per size (bench-memfd), 4 KiB pages written with pwrite(). walk:"
echo "mincore() over a fresh mapping (a page-cache lookup per page); touch: read"
echo "one word of every page through a fresh mapping; copy: memcpy into a fresh"
echo "memfd (allocation included); preserve: PRESERVE_FD; freeze: the memfd's"
echo "freeze at reboot (kernel log); retrieve: RETRIEVE_SESSION + RETRIEVE_FD"
echo "in the next kernel, + touch: the first touch of every page after it."
echo
echo "| size MiB | preserve ms | walk ms | touch ms | preserve/walk | preserve/touch | freeze ms | retrieve ms | + touch ms | copy ms | copy/(retrieve+touch) | preserve ms/GiB | retrieve+touch ms/GiB | copy ms/GiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} >> "$report"
# ms per GiB; the first line names the columns (gnuplot columnhead).
echo "MiB preserve freeze retrieve+touch copy walk(mincore) touch" > "$out/time.dat"
time_row() { # log label size-mib
	local log=$1 s=$3 p w t c r rt fr
	p=$(tval "$log" preserve_ms) w=$(tval "$log" walk_ms) t=$(tval "$log" touch_ms)
	c=$(tval "$log" copy_ms) r=$(tval "$log" retrieve_ms) rt=$(tval "$log" retrieve_touch_ms)
	read -r _ fr < <(freeze_of "$log" ""; echo)
	[ -n "$fr" ] && fr=$(calc "$fr / 1000" 1)
	if ! ok "$p" "$w" "$t" "$c" "$r" "$rt" "$fr"; then
		echo "| $s${2:+ $2} | ? (see ${log##*/}) | | | | | | | | | | | | |"
		return 1
	fi
	echo "| $s${2:+ $2} | $p | $w | $t | $(calc "$p / $w" 1)x | $(calc "$p / $t" 1)x | $fr | $r | $rt | $c | $(calc "$c / ($r + $rt)" 1)x | $(calc "$p * 1024 / $s" 0) | $(calc "($r + $rt) * 1024 / $s" 0) | $(calc "$c * 1024 / $s" 0) |"
	[ "$2" = thp ] || echo "$s $(calc "$p * 1024 / $s") $(calc "$fr * 1024 / $s") $(calc "($r + $rt) * 1024 / $s") $(calc "$c * 1024 / $s") $(calc "$w * 1024 / $s") $(calc "$t * 1024 / $s")" >> "$out/time.dat"
}
for s in $sizes; do
	time_row "$out/time-4k-$s.log" "" "$s" >> "$report"
done
time_row "$out/time-thp-1024.log" thp 1024 >> "$report"
echo >> "$report"

# 3.3 Boot time.
{
echo "## 3. Next-kernel boot time to /init"
echo
echo "Uptime of the next kernel when it runs /init, all guests $mem. Runs and"
echo "pages: what that kernel took from the map of preserved memory (its"
echo "\"KHO: N preserved runs\" line); nothing preserved still hands over LUO's"
echo "and KHO's own pages. Isolated: the memfd-scale scenario of make bench-scale"
echo "(every other page of a file punched out)."
echo
echo "| preserved | runs | pages | boot s | vs nothing |"
echo "|---|---|---|---|---|"
} >> "$report"
: > "$out/boot.dat"
base=$(uptime_at "$out/meta.log" 3)
boot_row() { # label plot-label log stage
	local up r
	up=$(uptime_at "$3" "$4")
	read -r r p < <(runs_at "$3" "$4"; echo)
	if ok "$up" "$r"; then
		echo "| $1 | $r | $p | $up | $(ok "$base" && calc "$up / $base" 2)x |"
		echo "$r $up \"$2\"" >> "$out/boot.dat"
	else
		echo "| $1 | ? | | | |"
	fi
}
{
boot_row "nothing" "none" "$out/meta.log" 3
boot_row "the 4 layouts of section 1" "layouts" "$out/meta.log" 2
for s in $sizes; do
	boot_row "$s MiB of 4 KiB pages" "${s}M" "$out/time-4k-$s.log" 2
done
boot_row "1 GiB of THP" "1G THP" "$out/time-thp-1024.log" 2
for n in $isolated; do
	boot_row "$n isolated 4 KiB pages" "$((n / 1024))k isolated" \
		"$out/isolated-$n.log" 2
done
echo
} >> "$report"

# 3.4 kho_array vs XArray: the benchmark's own output, and the ratios of
# the dense workload (consecutive indices, random values) from its
# summary: "workload metric kho_array xarray unit ratio ...".
summary=$build/lib-tests/bench/summary.tsv
lib() { # workload metric -> "kho_array xarray"
	awk -v w="$1" -v m="$2" '$1 == w && $2 == m { print $3, $4; exit }' \
		"$summary" 2>/dev/null
}
read -r ks xs < <(lib dense store_random; echo)
read -r kl xl < <(lib dense load; echo)
read -r km xm < <(lib dense memory_random; echo)
# Memory per entry left after erasing 99%, over memory per entry before.
read -r shd _ < <(lib dense shrink; echo)
read -r shs _ < <(lib sparse shrink; echo)
{
echo "## 4. kho_array vs XArray (userspace, make bench-lib)"
echo
if ok "$ks" "$xs" "$kl" "$xl" "$km" "$xm"; then
	echo "Dense (consecutive indices), random values: store $ks vs $xs ns/entry"
	echo "($(calc "$ks / $xs" 2)x), load $kl vs $xl ns/entry ($(calc "$kl / $xl" 2)x), memory"
	echo "$km vs $xm B/entry ($(calc "$km / $xm" 2)x). The whole output:"
else
	echo "The benchmark's output (its format changed or it failed: no ratios"
	echo "picked out):"
fi
echo
echo '```'
cat "$out/lib.txt" 2>/dev/null | grep -v '^  CC ' || echo "(not run)"
echo '```'
echo
} >> "$report"

# 3.5 Registry. Hook: any line of the kho-registry scenario's kernel log
# that times its objects ("kho_registry_selftest: ... N objects ... ms").
{
echo "## 5. Registry, 100k objects"
echo
reg=$(grep -E 'kho_registry_selftest: .*[0-9]+ objects.*[0-9] ?(ms|us|ns)' "$out/registry.log" 2>/dev/null | sed 's/^\[[^]]*\] //' | sort -u)
if [ -n "$reg" ]; then
	echo "From the kho-registry scenario (kho_registry_selftest=1):"
	echo
	echo '```'
	echo "$reg"
	echo '```'
else
	echo "Not measured: the kho-registry scenario prints no timed run of many"
	echo "objects yet. bench.sh includes here every line of its kernel log matching"
	echo "\"kho_registry_selftest: ... N objects ... ms|us\"."
fi
echo
} >> "$report"

# 3.6 Memory after boot.
mem_kb() { sed -n "s/^BENCH mem $2 //p" "$1" 2>/dev/null | tail -n1; }
aoff=$(mem_kb "$out/mem-off.log" MemAvailable) aon=$(mem_kb "$out/mem-on.log" MemAvailable)
{
echo "## 6. Memory after boot, KHO off vs on"
echo
if ok "$aoff" "$aon"; then
	echo "MemAvailable right after boot, $mem guest: kho=off $((aoff / 1024)) MiB, KHO on"
	echo "$((aon / 1024)) MiB: $(((aoff - aon) / 1024)) MiB less ($(calc "($aoff - $aon) * 100 / $aoff" 2)%); CmaTotal with KHO on"
	cma=$(mem_kb "$out/mem-on.log" CmaTotal)
	echo "$((${cma:-0} / 1024)) MiB. Scratch: $(grep -h 'KHO: .*scratch' "$out/mem-on.log" | sed 's/^\[[^]]*\] //' | sort -u | paste -sd';' | sed 's/;/; /g')"
else
	echo "? (see mem-off.log, mem-on.log)"
fi
echo
} >> "$report"

# 3.7 Targets of the issue.
t_row() { echo "| $1 | $2 | $3 |"; }
p=$(tval "$out/time-4k-1024.log" preserve_ms) w=$(tval "$out/time-4k-1024.log" walk_ms)
t=$(tval "$out/time-4k-1024.log" touch_ms) c=$(tval "$out/time-4k-1024.log" copy_ms)
r=$(tval "$out/time-4k-1024.log" retrieve_ms) rt=$(tval "$out/time-4k-1024.log" retrieve_touch_ms)
verdict() { awk "BEGIN { exit !($1) }" 2>/dev/null && echo met || echo "**missed**"; }
targets=$out/targets.md
{
echo "## Targets of issue 15"
echo
echo "| target | measured | verdict |"
echo "|---|---|---|"
if ok "$p" "$w" "$t"; then
	t_row "preserve 1 GiB of 4 KiB pages within 2x of the bare page-cache walk" \
		"$p ms vs touch $t ms: $(calc "$p / $t" 1)x; vs mincore walk $w ms: $(calc "$p / $w" 1)x" \
		"vs touch: $(verdict "$p <= 2 * $t"); vs mincore: $(verdict "$p <= 2 * $w")"
else
	t_row "preserve 1 GiB within 2x of the page-cache walk" "? (1024 MiB not run)" "?"
fi
if ok "$c" "$r" "$rt"; then
	t_row "retrieve 1 GiB (with first touch) at least 20x faster than copying it" \
		"copy $c ms / (retrieve $r + touch $rt ms) = $(calc "$c / ($r + $rt)" 1)x" \
		"$(verdict "$c >= 20 * ($r + $rt)")"
else
	t_row "retrieve 1 GiB at least 20x faster than copying it" "?" "?"
fi
if ok "$aoff" "$aon"; then
	t_row "scratch: MemAvailable with KHO on within 2% of kho=off" \
		"$(calc "($aoff - $aon) * 100 / $aoff" 2)% less" "$(verdict "($aoff - $aon) * 100 <= 2 * $aoff")"
else
	t_row "scratch: MemAvailable within 2%" "?" "?"
fi
t_row "scratch: movable allocations can use it; preserve migrates out of it" \
	"not timed here: make check's kho-scratch-cma fills scratch with a memfd and preserves it" \
	"see make check"
if ok "$ks" "$xs" "$kl" "$xl" "$km" "$xm"; then
	t_row "kho_array dense random store within 1.5x of XArray" "$(calc "$ks / $xs" 2)x" "$(verdict "$ks <= 1.5 * $xs")"
	t_row "kho_array dense random load within 1.5x of XArray" "$(calc "$kl / $xl" 2)x" "$(verdict "$kl <= 1.5 * $xl")"
	t_row "kho_array memory within 1.5x of XArray (dense)" "$(calc "$km / $xm" 2)x" "$(verdict "$km <= 1.5 * $xm")"
else
	t_row "kho_array within 1.5x of XArray" "? (see section 4)" "?"
fi
if ok "$shd" "$shs"; then
	t_row "kho_array memory proportional to what remains after erasing 99%" \
		"per entry left vs per entry before: dense $(calc "$shd" 2)x, sparse $(calc "$shs" 2)x" \
		"$(verdict "$shd <= 2 && $shs <= 2")"
else
	t_row "kho_array memory after erasing 99%" "? (see section 4)" "?"
fi
rs=$(echo "$reg" | sed -n 's/.*stored \([0-9]*\) objects in \([0-9]*\) ms, unstored them in \([0-9]*\) ms.*/\1 \2 \3/p')
rr=$(echo "$reg" | sed -n 's/.*restored [0-9]* of [0-9]* objects in \([0-9]*\) ms.*/\1/p')
read -r rn rst run < <(echo "$rs")
if ok "$rn" "$rst" "$run" "$rr"; then
	t_row "registry: 100k objects store/unstore/restore under 1 s of TCG" \
		"$rn objects: store $rst ms, unstore $run ms, restore $rr ms" \
		"$(verdict "$rn >= 100000 && $rst < 1000 && $run < 1000 && $rr < 1000")"
else
	t_row "registry: 100k objects under 1 s" "? (see section 5)" "?"
fi
echo
} > "$targets"

# 4. Plots.
# plot NAME: the gnuplot script on stdin, kept as NAME.gp next to NAME.svg.
plot() { cat > "$out/$1.gp" && gnuplot "$out/$1.gp" 2>>"$out/gnuplot.err"; }
term='set terminal svg size 800,480 dynamic font "sans,12" background "white"'
[ "$(wc -l < "$out/time.dat")" -gt 1 ] && plot time <<EOF
$term
set output "$out/time.svg"
set title "memfd of 4 KiB pages: time per GiB (QEMU TCG)"
set xlabel "memfd size (MiB)"; set ylabel "ms per GiB"
set logscale xy 2; set logscale y 10; set grid; set key outside right
plot for [i=2:7] "$out/time.dat" using 1:i with linespoints lw 2 title columnhead(i)
EOF
[ -s "$out/boot.dat" ] && plot boot <<EOF
$term
set output "$out/boot.svg"
set title "Next-kernel boot time to /init vs preserved runs ($mem TCG guest)"
set xlabel "preserved runs in the map (log)"; set ylabel "uptime at /init (s)"
set logscale x; set grid; set key off; set yrange [0:*]
set offsets graph 0.05, graph 0.15, graph 0.15, 0
plot "$out/boot.dat" using 1:2 with points pt 7 ps 1.2, \
     "" using 1:2:3 with labels offset 0,1 rotate by 30 left font "sans,9"
EOF
[ -s "$out/meta.dat" ] && plot metadata <<EOF
$term
set output "$out/metadata.svg"
set title "Metadata handed over per GiB of memfd data"
set ylabel "KiB per GiB (log)"; set logscale y; set grid y
set style data histograms; set style histogram clustered gap 1
set style fill solid 0.8 border -1; set key below
plot "$out/meta.dat" using 2:xtic(1) title "ours", "" using 3 title "upstream memfd-v1 + kho-v1", "" using 4 title "upstream memfd-v1 + kho-v2"
EOF

# The steps of the run that measured (kept for BENCH_REPORT_ONLY).
total=$(($(date +%s) - start))
[ $measure = 0 ] || {
	echo "| step | wall s |"
	echo "|---|---|"
	printf '%s\n' "${steps[@]}"
	echo
	echo "Total: $((total / 60)) min $((total % 60)) s. Failed steps: ${failed[*]:-none}."
} > "$out/steps.md"
{
cat "$targets"
echo "## Steps"
echo
cat "$out/steps.md"
echo "Plots: time.svg, boot.svg, metadata.svg; logs and .dat files next to this report."
} > "$out/tail.md"
# Targets first, then the sections, then the steps.
{ sed -n '1,/^## 1\./{/^## 1\./!p}' "$report"; cat "$targets"; sed -n '/^## 1\./,$p' "$report"; sed -n '/^## Steps/,$p' "$out/tail.md"; } > "$report.tmp"
mv "$report.tmp" "$report"
rm -f "$out/tail.md"
cat "$report"
[ ${#failed[@]} = 0 ]
