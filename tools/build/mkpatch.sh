#!/bin/bash
# Write patches/NAME from the edits made to FILES in build/linux, diffed
# against the pristine base tarball. Each file belongs to one patch only.
#   tools/build/mkpatch.sh NAME FILE...
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
name=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/a" "$tmp/b"
tar -xf /usr/src/linux-source-6.12.tar.xz -C "$tmp/a" --strip-components=1 \
	$(printf 'linux-source-6.12/%s ' "$@")
for f in "$@"; do
	mkdir -p "$tmp/b/$(dirname "$f")"
	cp "$top/build/linux/$f" "$tmp/b/$f"
done
(cd "$tmp" && diff -rup a b || true) | sed -E 's/^(---|\+\+\+) ([^\t]*)\t.*/\1 \2/' > "$top/patches/$name"
grep -qx "$name" "$top/patches/series" || echo "$name" >> "$top/patches/series"
echo "patches/$name: $(grep -c '^[+-][^+-]' "$top/patches/$name") lines changed"
