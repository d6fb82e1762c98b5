#!/bin/bash
# Run the uAPI fuzzer (luo-fuzz scenario) in the guest with fresh seeds
# until SECONDS have passed; print each seed and its verdict, keep the
# log of every failing seed. Exit status 1 if any seed failed.
#   fuzz-guest.sh TOP BUILD SECONDS [OPS]
set -uo pipefail
top=$1 build=$2 budget=$3 ops=${4:-20000}
export BUILD=$build
end=$(($(date +%s) + budget)) runs=0 failed=0
mkdir -p "$build/fuzz-guest"
while [ "$(date +%s)" -lt "$end" ]; do
	seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	log=$build/fuzz-guest/seed-$seed.log
	if "$top/tools/testing/vm/run-vm" --log "$log" \
		--append "lu.seed=$seed lu.ops=$ops" luo-fuzz 2>/dev/null; then
		echo "seed $seed: PASS"
		rm -f "$log"
	else
		echo "seed $seed: FAIL, log $log"
		grep -m1 -A80 'LUO-FUZZ FAIL' "$log"
		failed=$((failed + 1))
	fi
	runs=$((runs + 1))
done
echo "fuzz-guest: $runs seeds, $failed failed (ops $ops per stage)"
[ "$failed" = 0 ]
