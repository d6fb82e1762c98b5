#!/bin/bash
# Link our sources into the base tree. Each file becomes a symlink, so
# editing it in the repo rebuilds incrementally; links whose target was
# removed from the repo are dropped.
set -euo pipefail

top=$1
src=$2

# repo path -> tree path
map=(
	"Kconfig:Kconfig.liveupdate"
	"kernel/liveupdate:kernel/liveupdate"
	"lib-tests:kernel/liveupdate/lib-tests"
	"mm:mm"
	"include:include"
	"Documentation:Documentation"
)

for m in "${map[@]}"; do
	from=$top/${m%%:*}
	to=$src/${m##*:}
	[ -e "$from" ] || continue
	if [ -d "$from" ]; then
		mkdir -p "$to"
		cp -rsf "$from/." "$to/"
		find "$to" -xtype l -delete
	else
		ln -sf "$from" "$to"
	fi
done
