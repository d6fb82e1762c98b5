#!/bin/bash
# Install the Debian packages the build, the VM and the tests need.
# Idempotent: does nothing when everything is present; runs apt-get update
# once when something is missing.
set -euo pipefail

pkgs=(linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev
      ccache qemu-system-x86 busybox-static libfdt-dev clang libclang-rt-dev
      sparse cpio
      xz-utils python3 perl liburcu-dev kexec-tools gnuplot-nox)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "  DEPS    installing: ${missing[*]}"
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
