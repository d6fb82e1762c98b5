#!/bin/bash
# Configure the kernel: tinyconfig + our fragments, later ones win.
#   config.sh SRC OBJ FRAGMENT...           generate OBJ/.config
#   config.sh --verify SRC OBJ FRAGMENT...  fail if an option of the
#                                           fragments did not survive
#                                           olddefconfig
set -euo pipefail

verify=0
if [ "$1" = --verify ]; then verify=1; shift; fi
src=$1 obj=$2
shift 2
frags=()
for f in "$@"; do frags+=("$(realpath "$f")"); done
# HOSTCC as in the Makefile's KMAKE, or fixdep is rebuilt every time.
kmake() { make -s -C "$src" O="$obj" ARCH=x86_64 HOSTCC="ccache gcc" "$@"; }

if [ $verify = 0 ]; then
	echo "  CONFIG  tinyconfig + ${frags[*]##*/}"
	kmake tinyconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"${frags[@]}" >/dev/null
	kmake olddefconfig >/dev/null
else
	# An edited Kconfig may add options: let olddefconfig settle them.
	kmake olddefconfig >/dev/null
fi

# The last line naming an option is the one that must hold.
bad=0
while read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qx "$line" "$obj/.config" || { echo "config: $line did not stick" >&2; bad=1; } ;;
	"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}
		grep -q "^$opt=" "$obj/.config" && { echo "config: $opt should be unset" >&2; bad=1; } ;;
	esac
done < <(cat "${frags[@]}" |
	sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=.*/\1 &/p; s/^# \(CONFIG_[A-Z0-9_]*\) is not set/\1 &/p' |
	tac | awk '!seen[$1]++' | cut -d' ' -f2-)
exit $bad
