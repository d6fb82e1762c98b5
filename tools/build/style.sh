#!/bin/bash
# checkpatch over every C source and header we own (the userspace shim
# imitates kernel headers and the guest programs are userspace: skipped).
#   style.sh TOP SRC
set -uo pipefail

top=$1 src=$2
cd "$top"
rc=0
for f in $(git ls-files '*.c' '*.h' | grep -v -e '^tools/testing/vm/' -e '^lib-tests/shim/'); do
	out=$("$src/scripts/checkpatch.pl" --no-tree -q --terse \
		--ignore MACRO_WITH_FLOW_CONTROL -f "$f" | grep -v '^total:')
	[ -z "$out" ] || { echo "$out"; rc=1; }
done
exit $rc
