#!/bin/bash
# Extract Debian's linux-source-6.12 into $1 and apply patches/series.
# A stamp records the base version and the patch set; when either changes
# the tree is extracted anew (object files in build/obj survive, so only
# what changed rebuilds).
set -euo pipefail

src=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
tarball=/usr/src/linux-source-6.12.tar.xz
version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
stamp="$version $(cd "$top/patches" && cat series $(grep -v '^#' series) | sha256sum | cut -c1-16)"

if [ -f "$src/.lu-base-stamp" ] && [ "$(cat "$src/.lu-base-stamp")" = "$stamp" ]; then
	exit 0
fi

echo "  BASE    linux-source-6.12 $version"
rm -rf "$src" "$src.tmp"
mkdir -p "$src.tmp"
tar -xf "$tarball" -C "$src.tmp" --strip-components=1
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	echo "  PATCH   $p"
	patch -d "$src.tmp" -p1 --fuzz=3 --no-backup-if-mismatch -s < "$top/patches/$p"
done < "$top/patches/series"
echo "$stamp" > "$src.tmp/.lu-base-stamp"
mv "$src.tmp" "$src"
