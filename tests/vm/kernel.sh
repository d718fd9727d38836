#!/bin/sh
# SPDX-License-Identifier: MIT
#
# kernel.sh - fetch a Debian cloud kernel for the NVMe test VM and print
# the path of its vmlinuz.
#
#   tests/vm/kernel.sh 6.1|6.12 [CACHE_DIR]
#
# 6.1 is bookworm's own kernel (linux-image-cloud-amd64), 6.12 the one
# bookworm carries for its next point releases (linux-image-6.12-cloud-amd64).
# The package is downloaded with apt-get download and unpacked with
# dpkg-deb -x: nothing is installed on the host. The cache (default
# /var/cache/dgen-vm, or $DGEN_VM_CACHE) keeps it for the next run. Any
# failure exits 1 with the reason: the tests then fail, they do not skip.
set -eu

series=${1:?usage: kernel.sh 6.1|6.12 [CACHE_DIR]}
cache=${2:-${DGEN_VM_CACHE:-/var/cache/dgen-vm}}

case $series in
6.1)	meta=linux-image-cloud-amd64 ;;
6.12)	meta=linux-image-6.12-cloud-amd64 ;;
*)	echo "kernel.sh: unknown kernel series $series (6.1 or 6.12)" >&2; exit 1 ;;
esac

# The concrete package the meta-package points at, e.g.
# linux-image-6.1.0-57-cloud-amd64.
pkg=$(apt-cache depends "$meta" 2>/dev/null |
      awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$pkg" ]; then
	echo "kernel.sh: apt knows no $meta (run apt-get update; is bookworm-security or bookworm-updates in the sources?)" >&2
	exit 1
fi
dir=$cache/$pkg
# The vm tests may boot at once: one fetches, the others wait for it and
# find the kernel there (the lock goes with this script's exit).
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
vmlinuz=$(ls "$dir"/boot/vmlinuz-* 2>/dev/null | head -n 1 || true)
if [ -z "$vmlinuz" ]; then
	tmp=$(mktemp -d "$cache/dl.XXXXXX")
	# apt's _apt user may not write the cache: fetch as is, quietly.
	if ! (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>"$tmp/err"); then
		cat "$tmp/err" >&2
		echo "kernel.sh: apt-get download $pkg failed" >&2
		rm -rf "$tmp"
		exit 1
	fi
	dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/x"
	rm -rf "$dir"
	mv "$tmp/x" "$dir"
	rm -rf "$tmp"
	vmlinuz=$(ls "$dir"/boot/vmlinuz-* | head -n 1)
fi
# The harness needs these built in (there are no modules in the initramfs).
config=$(ls "$dir"/boot/config-* | head -n 1)
for opt in CONFIG_BLK_DEV_NVME CONFIG_IO_URING CONFIG_DEVTMPFS \
	   CONFIG_SERIAL_8250_CONSOLE CONFIG_BLK_DEV_INITRD; do
	if ! grep -q "^$opt=y" "$config"; then
		echo "kernel.sh: $pkg does not build in $opt" >&2
		exit 1
	fi
done
echo "$vmlinuz"
