#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_vm_crash.sh - a power cut of an emulated NVMe drive: qemu killed
# with SIGKILL in the middle of a journaled burn-in, the journal on a
# second drive (ext2 on another controller); a second boot judges the
# drive with --verify-crash, from the journal alone, then zeroes 4 KiB of
# a durable range and sees it named lost.
#
#   tests/vm/test_vm_crash.sh TOOL
#
# Exit 0 when every check holds, 1 on the first that fails (named), 77
# (skip) only when qemu-system-x86_64 is not installed.
set -euo pipefail

tool=$(realpath "${1:?usage: test_vm_crash.sh TOOL}")
here=$(cd "$(dirname "$0")" && pwd)
command -v qemu-system-x86_64 >/dev/null || {
	echo "SKIP: qemu-system-x86_64 is not installed"; exit 77; }
command -v jq >/dev/null || { echo "FAIL: jq is missing (.ci/packages)"; exit 1; }
work=$(mktemp -d /dev/shm/dgen-vmcrash.XXXXXX)
booter=
trap '[ -z "$booter" ] || kill $booter 2>/dev/null; [ -n "${DGEN_VM_KEEP:-}" ] || rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
section() {	# OUT NAME: the output of job NAME
	awk -v n="$2" '$0 == "@@begin " n { on = 1; next }
		       $1 == "@@end" && $2 == n { on = 0 } on' "$1/results.txt"
}
rc() {		# OUT NAME: its exit status
	awk -v n="$2" '$1 == "@@end" && $2 == n { sub("rc=", "", $3); print $3 }' "$1/results.txt"
}

A=$work/a.img J=$work/j.img
truncate -s 64M "$A"
truncate -s 16M "$J"
drives=(-d "serial=DGA,img=$A" -d "serial=DGJ,img=$J")

# ----- boot 1: write, journaled; the host cuts the power -----
cat > "$work/write.sh" <<'JOB'
a=$(drive DGA) && j=$(drive DGJ) || exit 1
mke2fs -q $j >/dev/null 2>&1 || mke2fs $j || exit 1
mkdir -p /mnt && mount -t ext2 $j /mnt || exit 1
echo "@@writing $a"
job write dgen-uring --dev $a --size 32M --seed 41 --passes 1000 --time 600 --rate 16M --bs 128K --flush-every 2M --journal /mnt/journal
JOB
mkdir -p "$work/o1"
DGEN_VM_TIMEOUT=900 "$here/boot.sh" -k 6.12 -t "$tool" -o "$work/o1" -j "$work/write.sh" "${drives[@]}" \
	>"$work/boot1.log" 2>&1 &
booter=$!
# A pass from the second on under way, with at least two durable records
# of it and few enough that it will not end in the next moments: then the
# power goes (qemu killed: nothing of the guest's is flushed after). The
# image holds the journal file's blocks in no set order, so the pass
# begun last is the highest number seen, not the last record. Two
# durable records, because the host sees a record's bytes in the image
# while the guest's fdatasync of it may still be writing the file's size;
# the journal appends one record at a time, each after the one before is
# durable, so the first of two surely is in the file.
qemu=
for _ in $(seq 6000); do
	if [ -z "$qemu" ]; then
		for p in $(pgrep -f -- "$work/o1/initrd.cpio" || true); do
			[ "$(cat /proc/$p/comm 2>/dev/null)" = qemu-system-x86 ] && qemu=$p
		done
	fi
	cut=$(grep -a -o '{"v": 1, "type": "[a-z]*", "target": 0, "pass": [0-9]*' "$J" |
	      awk '{ p = $0; sub(/.*"pass": /, "", p); p += 0 }
		   /"type": "pass"/ && p > last { last = p }
		   /"type": "durable"/ { n[p]++ }
		   END { if (last >= 2 && n[last] >= 2 && n[last] <= 6) print last }' || true)
	[ -n "$cut" ] && break
	kill -0 $booter 2>/dev/null || { cat "$work/boot1.log"; fail "the first boot ended before pass 2: $(tail -n 20 "$work/o1/results.txt" 2>/dev/null)"; }
	sleep 0.1
done
[ -n "$qemu" ] || fail "no qemu process found"
sleep "0.$((RANDOM % 3))"
kill -9 "$qemu"
wait $booter || true
booter=
grep -q '^@@done' "$work/o1/results.txt" && fail "the write finished before the cut"
ok "qemu killed in pass $cut ($(grep -a -c '"type": "durable"' "$J") durable records)"

# ----- boot 2: judge, then zero 4 KiB of the last durable range -----
cat > "$work/judge.sh" <<'JOB'
a=$(drive DGA) && j=$(drive DGJ) || exit 1
mkdir -p /mnt && mount -t ext2 $j /mnt || exit 1
job judge dgen-uring --verify-crash /mnt/journal --dev $a --json
# The first durable range of the last pass begun.
p=$(grep '"type": "pass"' /mnt/journal | tail -n 1 | sed 's/.*"pass": \([0-9]*\),.*/\1/')
off=$(grep "\"type\": \"durable\", \"target\": 0, \"pass\": $p," /mnt/journal | head -n 1 | sed 's/.*"ranges": \[\[\([0-9]*\),.*/\1/')
echo "@@zeroed $off"
dd if=/dev/zero of=$a bs=4096 count=1 seek=$((off / 4096)) conv=notrunc,fsync 2>/dev/null
job lost dgen-uring --verify-crash /mnt/journal --dev $a --json
# Flushes on NVMe passthrough (an NVMe Flush command through the ring),
# and FUA writes there (journals on the guest's tmpfs).
g=$(generic DGA) || exit 1
job pt dgen-uring --dev $g --size 8M --seed 5 --flush-every 1M --journal /tmp/pt.jsonl --json
job ptv dgen-uring --verify-crash /tmp/pt.jsonl --json
job ptfua dgen-uring --dev $g --size 8M --seed 6 --fua --journal /tmp/fua.jsonl --flush-every 1M --json
job ptfuav dgen-uring --verify-crash /tmp/fua.jsonl --json
JOB
mkdir -p "$work/o2"
"$here/boot.sh" -k 6.12 -t "$tool" -o "$work/o2" -j "$work/judge.sh" "${drives[@]}" ||
	fail "the second boot did not finish its jobs"
r=$(rc "$work/o2" judge)
[ "$r" = 0 ] || { section "$work/o2" judge | tail -n 40; fail "--verify-crash after the cut exited $r"; }
j=$(section "$work/o2" judge)
d=$(jq '.targets[0].crash.durable_bytes' <<< "$j")
[ "$d" -gt 0 ] || fail "nothing durable after the cut"
ok "after the cut: $(jq -c '.targets[0].crash | {durable_bytes, new, old, torn, lost, corrupt}' <<< "$j"), atomic $(jq -c '.targets[0].atomic' <<< "$j")"
jq -e '.targets[0].atomic.awupf > 0' <<< "$j" >/dev/null || fail "no atomic write sizes for an NVMe drive"
off=$(awk '$1 == "@@zeroed" { print $2 }' "$work/o2/results.txt")
[ "$(rc "$work/o2" lost)" = 1 ] || fail "a zeroed durable block was not found lost"
[ "$(section "$work/o2" lost | jq -c '[.targets[0].mismatch_list[] | [.offset, .kind]]')" = "[[$off,\"lost\"]]" ] ||
	fail "the zeroed block at $off is not the one named lost: $(section "$work/o2" lost)"
ok "a zeroed durable block at $off is named lost"
for n in pt ptv ptfua ptfuav; do
	[ "$(rc "$work/o2" $n)" = 0 ] || { section "$work/o2" $n | tail -n 30; fail "job $n exited $(rc "$work/o2" $n)"; }
done
[ "$(section "$work/o2" pt | jq '.targets[0].flush.count >= 8 and .targets[0].durable == [[0, 8388608]]')" = true ] ||
	fail "passthrough: not flushed every 1M, or not all durable: $(section "$work/o2" pt | jq -c '.targets[0] | {flush, durable}')"
[ "$(section "$work/o2" ptv | jq '.targets[0].crash.new == 2048 and .targets[0].crash.durable_bytes == 8388608')" = true ] ||
	fail "passthrough: the check does not find every block new and durable"
[ "$(section "$work/o2" ptfua | jq '.targets[0].flush.count == 0 and .targets[0].durable_bytes == 8388608')" = true ] ||
	fail "passthrough --fua: flushed, or not all durable"
ok "NVMe passthrough: flushes (p99 $(section "$work/o2" pt | jq '.targets[0].flush.p99') us) and FUA writes, every block durable and checked"
