#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_like_btrfs.sh - a real filesystem's view of mimicry (contract 7.4):
# btrfs with compress-force=zstd, on a loop device over /dev/shm, stores
# a --like stream in the space it stores its sample in, within 5%, as
# compsize measures. Samples: the system's libraries and a sqlite3
# database (as test_like.sh makes them).
#
# usage: test_like_btrfs.sh DGEN_URING DGEN_INSPECT
set -u
TOOL=$1
INSPECT=$2
grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null
grep -qw btrfs /proc/filesystems || { echo "SKIP: the kernel has no btrfs"; exit 77; }
for t in mkfs.btrfs compsize losetup sqlite3 python3; do
	command -v $t >/dev/null || { echo "SKIP: no $t (btrfs-progs, btrfs-compsize, sqlite3)"; exit 77; }
done
D=$(mktemp -d /dev/shm/dgen-likefs.XXXXXX)
LOOP=
cleanup() {
	mountpoint -q "$D/mnt" && umount "$D/mnt"
	[ -n "$LOOP" ] && losetup -d "$LOOP"
	rm -rf "$D"
}
trap cleanup EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

cat /usr/lib/x86_64-linux-gnu/*.so* 2>/dev/null | head -c 32M >"$D/libs"
sqlite3 "$D/db" "PRAGMA page_size=4096; PRAGMA secure_delete=ON;
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, qty INTEGER, note TEXT, b BLOB);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000)
INSERT INTO t SELECT x, 'customer-' || (x % 977), x % 13,
	CASE x % 3 WHEN 0 THEN 'shipped on time' WHEN 1 THEN 'backorder' END,
	CASE WHEN x % 5 = 0 THEN randomblob(40) ELSE zeroblob(16) END FROM c;
DELETE FROM t WHERE id > 250000;" || fail "sqlite3 could not make the database"

truncate -s 512M "$D/fs.img"
LOOP=$(losetup --find --show "$D/fs.img") || { echo "SKIP: no loop device"; exit 77; }
mkfs.btrfs -q -f "$LOOP" >/dev/null || fail "mkfs.btrfs"
mkdir "$D/mnt"
mount -o compress-force=zstd "$LOOP" "$D/mnt" || { fail "mount"; exit 1; }

usage() { compsize -b "$1" | awk '$1 == "TOTAL" { print $3 }'; }
for n in libs db; do
	size=$(( $(stat -c %s "$D/$n") / 1048576 * 1048576 ))
	head -c "$size" "$D/$n" >"$D/mnt/$n"
	"$INSPECT" --profile "$D/$n" >"$D/$n.json" || { fail "profile $n"; continue; }
	"$TOOL" --dev "$D/mnt/m.$n" --size "$size" --seed 51 --like "$D/$n.json" \
		>/dev/null 2>"$D/err" || { fail "--like $n: $(tail -2 "$D/err")"; continue; }
	sync
	a=$(usage "$D/mnt/$n")
	b=$(usage "$D/mnt/m.$n")
	python3 -c '
import sys
n, size, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
gap = b / a - 1
print("%-6s btrfs zstd: %d bytes; sample stored in %d (%.3fx), mimic in %d (%.3fx): %+.2f%%"
      % (n, size, a, size / a, b, size / b, 100 * gap))
sys.exit(abs(gap) > 0.05)' "$n" "$size" "$a" "$b" || fail "$n: the mimic is not stored in the sample's space"
done
[ "$FAILS" -eq 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "btrfs stores each mimic in its sample's space"
