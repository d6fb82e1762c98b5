#!/bin/bash
# Build the test initramfs: busybox-static, /init, the guest test scripts,
# our static test programs and the kernel itself (for kexec).
#   mkinitramfs.sh TOP SRC BUILD   -> BUILD/initramfs.cpio
set -euo pipefail

top=$1 src=$2 build=$3
vm=$top/tools/testing/vm
out=$build/initramfs
mkdir -p "$out/bin"

# gen_init_cpio writes device nodes without root privileges.
gen=$build/gen_init_cpio
[ "$gen" -nt "$src/usr/gen_init_cpio.c" ] ||
	gcc -O2 -o "$gen" "$src/usr/gen_init_cpio.c"

static_progs=("$vm/kexec-load.c" "$vm/memfd-demo.c" "$vm/luo-fuzz.c"
	"$top/tools/liveupdate/luo-agent.c" "$top/tools/liveupdate/luo-cache.c")
for c in "${static_progs[@]}"; do
	bin=$out/bin/$(basename "$c" .c)
	if [ ! "$bin" -nt "$c" ]; then
		echo "  CC      initramfs/bin/${bin##*/}"
		gcc -static -O2 -Wall -I "$top/include/uapi" -o "$bin" "$c"
	fi
done
make -s -C "$top/tools/testing/selftests/liveupdate" O="$out/bin" \
	KSFT="$src/tools/testing/selftests"

list=$out/list
{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	for d in bin proc sys tmp tests boot; do echo "dir /$d 0755 0 0"; done
	echo "file /bin/busybox $(command -v busybox) 0755 0 0"
	echo "slink /bin/sh busybox 0777 0 0"
	echo "file /init $vm/init 0755 0 0"
	echo "file /boot/bzImage $build/bzImage 0644 0 0"
	for f in "$out"/bin/*; do echo "file /bin/${f##*/} $f 0755 0 0"; done
	echo "file /bin/kho-compat $build/tools/kho-compat.static 0755 0 0"
	echo "file /bin/kho-inspect $build/tools/kho-inspect.static 0755 0 0"
	# Debian's kexec-tools as users run it: dynamic, with its libraries.
	for d in /usr /usr/sbin /lib /lib64 /lib/x86_64-linux-gnu; do
		echo "dir $d 0755 0 0"
	done
	echo "file /usr/sbin/kexec $(command -v kexec) 0755 0 0"
	ldd "$(command -v kexec)" | grep -o '/[^ ]*' | sort -u |
		while read -r lib; do
			echo "file $lib $(realpath "$lib") 0755 0 0"
		done
	for f in "$vm"/tests/*; do echo "file /tests/${f##*/} $f 0755 0 0"; done
	# Modules of the kernel, for busybox insmod: /lib/modules/NAME.ko.
	echo "dir /lib 0755 0 0"
	echo "dir /lib/modules 0755 0 0"
	find "$build/obj" -name '*.ko' | sort | while read -r f; do
		echo "file /lib/modules/${f##*/} $f 0644 0 0"
	done
} > "$list"

# Rebuild only when an input changed.
if [ -f "$build/initramfs.cpio" ] &&
   [ -z "$(find $(awk '$1 == "file" { print $3 }' "$list") "$list" -newer "$build/initramfs.cpio" 2>/dev/null | head -1)" ] &&
   cmp -s "$list" "$out/list.built"; then
	exit 0
fi
echo "  CPIO    build/initramfs.cpio"
"$gen" "$list" > "$build/initramfs.cpio.tmp"
mv "$build/initramfs.cpio.tmp" "$build/initramfs.cpio"
cp "$list" "$out/list.built"
