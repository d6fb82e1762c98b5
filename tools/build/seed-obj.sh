#!/bin/bash
# Start a kernel object directory from a copy of another one, for a flavor
# whose configuration differs in a few options: Kbuild then rebuilds only
# what those options touch.
#   seed-obj.sh FROM TO
set -euo pipefail
from=$1 to=$2

echo "  SEED    ${to##*/} from ${from##*/}"
cp -a "$from" "$to"
# The host tools' build (objtool) records absolute paths; with the old
# ones it would rebuild objtool, on which every kernel object depends.
# Keep the files' times so that nothing looks changed.
{ grep -rlF --include='.*.cmd' "$from/" "$to/tools" || true; } |
while read -r f; do
	sed "s#$from/#$to/#g" "$f" >"$f.seed"
	touch -r "$f" "$f.seed"
	mv "$f.seed" "$f"
done
