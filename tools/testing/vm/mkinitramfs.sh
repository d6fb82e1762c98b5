#!/bin/bash
# Build the test initramfs: busybox-static, /init, the guest test scripts,
# our static test programs and the kernel itself (for kexec).
#   mkinitramfs.sh TOP SRC BUILD         -> BUILD/initramfs.cpio
#   mkinitramfs.sh TOP SRC BUILD debug   -> BUILD/initramfs-debug.cpio:
#     the debug kernel as /boot/bzImage, its modules, and the default and
#     nov2 kernels as /boot/bzImage-default and /boot/bzImage-nov2 for
#     kexec between different kernels
set -euo pipefail

top=$1 src=$2 build=$3 flavor=${4:-}
vm=$top/tools/testing/vm
obj=$build/obj kernel=$build/bzImage cpio=$build/initramfs.cpio
if [ "$flavor" = debug ]; then
	obj=$build/obj-debug kernel=$build/bzImage-debug
	cpio=$build/initramfs-debug.cpio
fi
# The programs are shared by both flavors; the list is not.
out=$build/initramfs
list=$out/list${flavor:+-$flavor}
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

{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	for d in bin proc sys tmp tests boot; do echo "dir /$d 0755 0 0"; done
	echo "file /bin/busybox $(command -v busybox) 0755 0 0"
	echo "slink /bin/sh busybox 0777 0 0"
	echo "file /init $vm/init 0755 0 0"
	echo "file /boot/bzImage $kernel 0644 0 0"
	if [ "$flavor" = debug ]; then
		echo "file /boot/bzImage-default $build/bzImage 0644 0 0"
		echo "file /boot/bzImage-nov2 $build/bzImage-nov2 0644 0 0"
	fi
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
	find "$obj" -name '*.ko' | sort | while read -r f; do
		echo "file /lib/modules/${f##*/} $f 0644 0 0"
	done
} > "$list"

# Rebuild only when an input changed.
if [ -f "$cpio" ] &&
   [ -z "$(find $(awk '$1 == "file" { print $3 }' "$list") -newer "$cpio" 2>/dev/null | head -1)" ] &&
   cmp -s "$list" "$list.built"; then
	exit 0
fi
echo "  CPIO    build/${cpio##*/}"
"$gen" "$list" > "$cpio.tmp"
mv "$cpio.tmp" "$cpio"
cp "$list" "$list.built"
