#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_signature.sh - every signature Debian's tools can make is refused
#
# For each kind, a real image made by its own tool (mkfs.*, mksquashfs,
# mkswap, pvcreate, mdadm, cryptsetup, sfdisk; a ceph bluestore label by
# hand, as ceph is not installable here) in a sparse file on /dev/shm:
#   - as a regular file and through a loop device over it, dgen-uring
#     without --force exits 2, names the type libblkid gives it (as wipefs
#     does) with its offset, and leaves every byte as it was;
#   - with --force, it writes (exit 0) and the signature is gone.
# A tool that is missing skips its kind with a line saying so; the test
# fails if a kind that could be made is not refused.
#
# usage: test_signature.sh DGEN_URING
set -u
TOOL=$1
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (loop devices)"; exit 77; }
command -v losetup >/dev/null || { echo "SKIP: no losetup"; exit 77; }
D=$(mktemp -d /dev/shm/dgen-sig.XXXXXX)
LOOPS=
cleanup() {
	for l in $LOOPS; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$D"
}
trap cleanup EXIT
FAIL=0
DONE=0
fail() { echo "FAIL: $*"; FAIL=1; }
have() { command -v "$1" >/dev/null || { echo "skip $2: no $1"; return 1; }; }
attach() {
	local l
	l=$(losetup -f --show --direct-io=on "$1" 2>/dev/null) || return 1
	LOOPS="$LOOPS $l"
	echo "$l"
}
detach() { losetup -d "$1"; LOOPS=${LOOPS/ $1/}; }

# check KIND TYPE IMG: IMG holds a KIND whose libblkid type is TYPE.
check() {
	local kind=$1 type=$2 img=$3 copy=$D/copy loop h out rc
	if ! blkid -p "$img" >/dev/null 2>&1 && ! wipefs -n "$img" | grep -q .; then
		fail "$kind: the image made has no signature libblkid sees"
		return
	fi
	cp --sparse=always "$img" "$copy"
	h=$(sha1sum < "$img")
	for target in file block; do
		if [ $target = block ]; then
			loop=$(attach "$img") || { echo "skip $kind on a loop device: cannot attach"; continue; }
			dev=$loop
		else
			dev=$img
		fi
		out=$("$TOOL" --dev "$dev" --size 1M --seed 5 2>&1 >/dev/null)
		rc=$?
		[ $rc = 2 ] || fail "$kind ($target): exit $rc, not 2: $out"
		case $out in
		*"$type at offset 0x"*"--force"*) ;;
		*) fail "$kind ($target): the refusal does not name $type at its offset: $out" ;;
		esac
		[ "$(sha1sum < "$img")" = "$h" ] || fail "$kind ($target): refused, yet written"
		[ $target = block ] && detach "$loop"
	done
	# --force goes ahead: on the loop device, then on the file's copy.
	for target in block file; do
		if [ $target = block ]; then
			loop=$(attach "$img") || continue
			dev=$loop
		else
			dev=$copy
		fi
		out=$("$TOOL" --dev "$dev" --size 1M --seed 5 --force 2>&1 >/dev/null)
		rc=$?
		[ $rc = 0 ] || fail "$kind ($target) --force: exit $rc: $out"
		[ $target = block ] && detach "$loop"
	done
	[ "$(sha1sum < "$img")" != "$h" ] || fail "$kind: --force did not write"
	echo "ok $kind: $type refused as a file and a device, written with --force"
	DONE=$((DONE + 1))
	rm -f "$copy"
}

# mk NAME SIZE: a fresh sparse image.
mk() { rm -f "$D/$1"; truncate -s "$2" "$D/$1"; echo "$D/$1"; }
q() { "$@" >/dev/null 2>&1; }

mkdir -p "$D/tree" && echo hello > "$D/tree/a"

have mkfs.ext4 ext4 && img=$(mk ext4 64M) && q mkfs.ext4 -F -q "$img" && check ext4 ext4 "$img"
have mkfs.xfs xfs && img=$(mk xfs 320M) && q mkfs.xfs -f "$img" && check xfs xfs "$img"
have mkfs.btrfs btrfs && img=$(mk btrfs 320M) && q mkfs.btrfs -f "$img" && check btrfs btrfs "$img"
have mkfs.vfat vfat && img=$(mk vfat 64M) && q mkfs.vfat "$img" && check vfat vfat "$img"
have mkfs.exfat exfat && img=$(mk exfat 64M) && q mkfs.exfat "$img" && check exfat exfat "$img"
if have mksquashfs squashfs; then
	img=$D/squashfs; rm -f "$img"
	q mksquashfs "$D/tree" "$img" -noappend && truncate -s 64M "$img" && check squashfs squashfs "$img"
fi
have mkfs.minix minix && img=$(mk minix 64M) && q mkfs.minix "$img" && check minix minix "$img"
if have mkfs.cramfs cramfs; then
	img=$D/cramfs; rm -f "$img"
	q mkfs.cramfs "$D/tree" "$img" && truncate -s 64M "$img" && check cramfs cramfs "$img"
fi
have mkfs.bfs bfs && img=$(mk bfs 64M) && q mkfs.bfs "$img" && check bfs bfs "$img"
have mkswap swap && img=$(mk swap 64M) && q mkswap "$img" && check swap swap "$img"
have mkntfs ntfs && img=$(mk ntfs 64M) && q mkntfs -F -f -q "$img" && check ntfs ntfs "$img"
have mkfs.f2fs f2fs && img=$(mk f2fs 320M) && q mkfs.f2fs -f "$img" && check f2fs f2fs "$img"
have mkfs.nilfs2 nilfs2 && img=$(mk nilfs2 320M) && q mkfs.nilfs2 -f "$img" && check nilfs2 nilfs2 "$img"
if have pvcreate LVM; then
	img=$(mk lvm 64M)
	if l=$(attach "$img"); then
		q pvcreate -ff -y "$l"; detach "$l"
		check LVM LVM2_member "$img"
	fi
fi
if have mdadm "md RAID"; then
	img=$(mk md 64M)
	l=$(attach "$img") || l=
	if [ -n "$l" ] && q mdadm --create /dev/md/dgensig --run --force --level=1 \
			--raid-devices=1 --metadata=1.2 "$l"; then
		q mdadm --stop /dev/md/dgensig
		detach "$l"
		check "md RAID" linux_raid_member "$img"
	else
		[ -n "$l" ] && detach "$l"
		# No md in this kernel (/proc/mdstat): mdadm cannot write
		# its superblock, so a 1.2 superblock is made as mdadm lays
		# it out (4 KiB in, its checksum right) for libblkid to find.
		echo "note md RAID: mdadm --create failed (no md driver?): a hand-made 1.2 superblock"
		python3 - "$img" <<'PY' && check "md RAID" linux_raid_member "$img"
import struct, sys
sb = bytearray(256 + 2 * 1)
struct.pack_into('<IIII', sb, 0, 0xa92b4efc, 1, 0, 0)
sb[16:32] = bytes(range(1, 17))
sb[32:44] = b'dgen:sig'.ljust(12, b'\0')
struct.pack_into('<QiiQii', sb, 64, 0, 1, 0, 131072 - 2048, 0, 1)
struct.pack_into('<QQQQ', sb, 128, 2048, 131072 - 2048, 8, 0)
struct.pack_into('<I', sb, 160, 0)
struct.pack_into('<I', sb, 220, 1)            # max_dev
struct.pack_into('<H', sb, 256, 0)            # dev_roles[0]
# The kernel's calc_sb_1_csum: 32-bit words, a 16-bit tail, folded.
s = sum(struct.unpack_from('<%dI' % (len(sb) // 4), sb))
if len(sb) % 4 == 2:
    s += struct.unpack_from('<H', sb, len(sb) - 2)[0]
s = (s & 0xffffffff) + (s >> 32)
struct.pack_into('<I', sb, 216, s & 0xffffffff)
with open(sys.argv[1], 'r+b') as f:
    f.seek(4096); f.write(sb)
PY
	fi
fi
if have cryptsetup LUKS; then
	img=$(mk luks 64M)
	echo -n secret > "$D/key"
	q cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
		--key-file "$D/key" "$img" && check LUKS crypto_LUKS "$img"
fi
if have sfdisk "GPT and DOS tables"; then
	img=$(mk gpt 64M)
	echo 'label: gpt
start=2048, size=8192' | q sfdisk --wipe never "$img" && check GPT gpt "$img"
	img=$(mk dos 64M)
	echo 'label: dos
start=2048, size=8192, type=83' | q sfdisk --wipe never "$img" && check DOS dos "$img"
fi
img=$(mk bluestore 64M)
printf 'bluestore block device\n' | dd of="$img" conv=notrunc status=none
check "ceph bluestore" ceph_bluestore "$img"

echo "$DONE kinds checked"
[ $DONE -ge 10 ] || fail "only $DONE kinds could be made"
exit $FAIL
