#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_vm.sh - dgen-uring on emulated NVMe drives, in qemu (TCG), on
# Debian's 6.12 and 6.1 cloud kernels; one boot per kernel, several jobs
# per boot, then checks on the jobs' output and on the drives' images.
#
#   tests/vm/test_vm.sh TOOL
#
# Exit 0 when every check holds, 1 on the first that fails (named), 77
# (skip) only when qemu-system-x86_64 is not installed. A kernel that
# cannot be fetched is a failure, not a skip.
set -euo pipefail

tool=$(realpath "${1:?usage: test_vm.sh TOOL}")
here=$(cd "$(dirname "$0")" && pwd)
command -v qemu-system-x86_64 >/dev/null || {
	echo "SKIP: qemu-system-x86_64 is not installed"; exit 77; }
command -v jq >/dev/null || { echo "FAIL: jq is missing (.ci/packages)"; exit 1; }
work=$(mktemp -d /dev/shm/dgen-vm.XXXXXX)
flipper=
trap '[ -z "$flipper" ] || kill $flipper 2>/dev/null; [ -n "${DGEN_VM_KEEP:-}" ] || rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# section OUT NAME: the output of job NAME; rc OUT NAME: its exit status.
section() {
	awk -v n="$2" '$0 == "@@begin " n { on = 1; next }
		       $1 == "@@end" && $2 == n { on = 0 } on' "$1/results.txt"
}
rc() {
	local r
	r=$(awk -v n="$2" '$1 == "@@end" && $2 == n { sub("rc=", "", $3); print $3 }' "$1/results.txt")
	[ -n "$r" ] || fail "job $2 did not run ($1/results.txt)"
	echo "$r"
}
expect_rc() {	# OUT NAME WANT
	local r
	r=$(rc "$1" "$2")
	[ "$r" = "$3" ] || { section "$1" "$2" | tail -n 30; fail "job $2 exited $r, expected $3"; }
}
# same_as_stream IMG SIZE SEED STREAM: the image's first SIZE bytes are
# exactly the stream the tool writes to stdout with those parameters.
same_as_stream() {
	"$tool" --stdout --size "$2" --seed "$3" --stream "$4" 2>/dev/null |
		cmp -n "$(numfmt --from=iec "$2")" - "$1" ||
		fail "$1 does not hold stream $4 of seed $3 ($2)"
}
# check_iopoll OUT NAME MiB: a polled run finished, polled, in writes
# no larger than one request of the drive carries.
check_iopoll() {
	local j segs lim bs
	expect_rc "$1" "$2" 0
	j=$(section "$1" "$2")
	[ "$(jq '.bytes' <<< "$j")" = $(($3 << 20)) ] || fail "$2: not all written"
	jq -e '.job.ring | index("iopoll")' <<< "$j" >/dev/null ||
		fail "$2: the ring did not poll"
	segs=$(awk '$1 == "max_segments" { print $2 }' "$1/results.txt")
	lim=$(jq '.placement.targets[0].one_request_max' <<< "$j")
	bs=$(jq '.placement.targets[0].bs' <<< "$j")
	[ "$lim" -gt 0 ] && [ "$lim" -le $((segs * 4096)) ] && [ "$bs" -le "$lim" ] ||
		fail "$2: bs $bs, one request $lim, max_segments $segs"
}
# check_ptpoll OUT NAME: polled passthrough wrote and read back 8 MiB.
check_ptpoll() {
	expect_rc "$1" "$2" 0
	section "$1" "$2" | jq -e '.mismatches == 0 and .bytes_written == 8388608 and
		.bytes_verified == 8388608 and (.job.ring | index("iopoll")) and
		(.job.ring | index("uring_cmd"))' >/dev/null ||
		fail "$2: $(section "$1" "$2" | jq -c '{status, ring: .job.ring, bytes_written, bytes_verified, mismatches}')"
}
# flip_in_pass2 RESULTS SOCKET CONTROLLER: once job flip's status lines
# reach pass 2, make the controller report a temperature warning through
# QMP, as a drive that heats up during a burn-in would; "flipped" in
# $work says it was done. Gives up when the job script is done.
flip_in_pass2() {
	local i
	for i in $(seq 6000); do
		if awk '/^@@begin flip/ { on = 1 } on && /"pass": 2,/ { f = 1 } END { exit !f }' "$1" 2>/dev/null; then
			"$here/qmp.py" "$2" "/machine/peripheral/$3" smart_critical_warning 2 \
				2> "$work/qmp.err" && touch "$work/flipped"
			return 0
		fi
		grep -q '^@@done' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
}
boot() {	# OUT KERNEL ARGS...: boot, keep the output, die if the VM failed
	local out=$1 k=$2
	shift 2
	"$here/boot.sh" -k "$k" -t "$tool" -o "$out" "$@" ||
		fail "the $k VM did not finish its jobs"
	grep -q "^@@boot $k" "$out/results.txt" ||
		fail "the VM did not boot a $k kernel"
}

# ----- 6.12: two controllers (one on NUMA node 1, 4 KiB LBAs) -----
A=$work/a.img B=$work/b.img W=$work/w.img
truncate -s 128M "$A"
truncate -s 64M "$B"
truncate -s 16M "$W"
T=$work/t.img P=$work/p.img H=$work/h.img
truncate -s 32M "$T"
truncate -s 32M "$P"
truncate -s 16M "$H"
L=$work/l.img
truncate -s 32M "$L"
cat > "$work/job612.sh" <<'JOB'
a=$(drive DGA) && b=$(drive DGB) && w=$(drive DGW) && t=$(drive DGT) || exit 1
echo "drives $a $b $w $t"
job wv dgen-uring --dev $a --size 64M --seed 11 --verify --json
job passes dgen-uring --dev $a --size 16M --seed 19 --passes 3 --verify --json
# A polled write the kernel splits may never complete: bound it.
job iopoll timeout -s KILL 300 dgen-uring --dev $a --size 64M --seed 14 --iopoll --json
echo "max_segments $(cat /sys/block/${a#/dev/}/queue/max_segments)"
job lba4k dgen-uring --dev $b --offset 512 --size 1M --seed 1
job two dgen-uring --dev $a --dev $b --seed 12 --json
job warn dgen-uring --dev $w --seed 13 --json
job warnv dgen-uring --dev $w --seed 13 --verify
job warnp sh -c 'dgen-uring --dev $0 --size 4M --seed 13 --passes 3 --json 2>/tmp/warnp.err' $w
echo "warnp_err $(cat /tmp/warnp.err)"
# The host sets a critical warning on DGH during pass 2 (flip_in_pass2):
# passes of about 2 s leave it time, however loaded.
h=$(drive DGH) || exit 1
job flip sh -c 'dgen-uring --dev $0 --size 8M --seed 26 --passes 8 --rate 4M --status-interval 0.2 --json >/tmp/flip.json; r=$?; echo @@report; cat /tmp/flip.json; exit $r' $h
job t_write dgen-uring --dev $t --seed 15
job t_trim dgen-uring --dev $t --trim-only --size 16M --json
job t_check dgen-uring --dev $t --seed 15 --verify-only --json
job t_full dgen-uring --dev $t --seed 16 --trim --verify --json
# NVMe passthrough on the generic device of drive DGP.
g=$(generic DGP) && p=$(drive DGP) || exit 1
echo "generic $g block $p"
# Polled passthrough: bounded, as a polled write that never completes would hang.
job pt_poll timeout -s KILL 300 dgen-uring --dev $g --size 8M --seed 25 --iopoll --verify --json
job pt_w dgen-uring --dev $g --seed 18 --json
job pt_trim dgen-uring --dev $g --trim-only --size 8M --json
job pt_tc dgen-uring --dev $g --seed 18 --verify-only --json
mke2fs -q $p >/dev/null 2>&1 || mke2fs $p
job pt_sig dgen-uring --dev $g --seed 17
mkdir -p /mnt && mount -t ext2 $p /mnt || exit 1
job pt_held dgen-uring --dev $g --seed 17 --force
umount /mnt
job pt_wv dgen-uring --dev $g --seed 17 --verify --force --json
# io_uring off for the whole host (kernel.io_uring_disabled=2): the run
# falls back to libaio and says why; health is read as on io_uring.
l=$(drive DGL) || exit 1
job aio_wv sh -c 'echo 2 > /proc/sys/kernel/io_uring_disabled && dgen-uring --dev $0 --seed 28 --verify --json; r=$?; echo 0 > /proc/sys/kernel/io_uring_disabled; exit $r' $l
# Passthrough needs io_uring: refused on libaio, with a sentence.
job aio_pt sh -c 'echo 2 > /proc/sys/kernel/io_uring_disabled && dgen-uring --dev $0 --size 1M --seed 1; r=$?; echo 0 > /proc/sys/kernel/io_uring_disabled; exit $r' $g
JOB
mkdir -p "$work/o612"
flip_in_pass2 "$work/o612/results.txt" "$work/qmp.sock" c5 &
flipper=$!
boot "$work/o612" 6.12 -n -j "$work/job612.sh" -Q "$work/qmp.sock" \
	-d "serial=DGA,img=$A" -d "serial=DGB,img=$B,lbs=4096,node=1" \
	-d "serial=DGW,img=$W,warn=2" -d "serial=DGT,img=$T" -d "serial=DGP,img=$P" \
	-d "serial=DGH,img=$H" -d "serial=DGL,img=$L"
wait $flipper || true
flipper=
o=$work/o612

expect_rc "$o" wv 0
j=$(section "$o" wv)
[ "$(jq -r '.mismatches' <<< "$j")" = 0 ] || fail "wv: mismatches"
[ "$(jq -r '.bytes_verified' <<< "$j")" = $((64 << 20)) ] ||
	fail "wv: not all 64 MiB verified"
# The drive names itself, and its Health log brackets the run: qemu's
# drive counts every 512 KiB write as one command and every 1000 sectors
# written as a data unit (rounded up).
[ "$(jq -r '.targets[0].nvme.serial' <<< "$j")" = DGA ] ||
	fail "wv: no serial DGA in the report"
[ "$(jq -r '.targets[0].nvme.model' <<< "$j")" = "QEMU NVMe Ctrl" ] ||
	fail "wv: no model in the report"
jq -e '.targets[0].nvme.firmware | length > 0' <<< "$j" >/dev/null ||
	fail "wv: no firmware in the report"
[ "$(jq -r '.targets[0].health.verdict' <<< "$j")" = ok ] ||
	fail "wv: verdict not ok"
du=$(jq '.targets[0].health.during.data_units_written' <<< "$j")
[ "$du" -ge $(((64 << 20) / 512000)) ] && [ "$du" -le $(((64 << 20) / 512000 + 130)) ] ||
	fail "wv: $du data units written for 64 MiB"
[ "$(jq '.targets[0].health.during.host_write_commands' <<< "$j")" -ge 128 ] ||
	fail "wv: fewer write commands than 64 MiB in 512 KiB writes"
jq -e '.targets[0].health.before.temperature_c > 0 and .targets[0].health.after.available_spare >= .targets[0].health.after.spare_threshold' <<< "$j" >/dev/null ||
	fail "wv: temperature or spare missing"
ok "write + verify on an emulated NVMe namespace, identity and health in the report"

# Health around each pass: three logs per drive, each pass's counters
# those of its own 16 MiB written and read (a data unit is 1000 sectors,
# rounded up: a pass's difference is within one of its bytes / 512000),
# and the passes' differences add up to the whole run's.
expect_rc "$o" passes 0
j=$(section "$o" passes)
jq -e '.targets[0].health as $h | $h.verdict == "ok" and $h.first_unhealthy_pass == null and
	($h.passes | length) == 3 and ([$h.passes[].pass] == [1, 2, 3]) and
	all($h.passes[]; .verdict == "ok" and .reasons == "") and
	([$h.passes[].during.data_units_written] | add) == $h.during.data_units_written and
	([$h.passes[].during.host_write_commands] | add) == $h.during.host_write_commands and
	([$h.passes[].during.data_units_read] | add) == $h.during.data_units_read' <<< "$j" >/dev/null ||
	fail "passes: $(jq -c '.targets[0].health | {verdict, during, passes: [.passes[]? | {pass, verdict, during}]}' <<< "$j")"
bs=$(jq '.job.bs' <<< "$j")
for i in 0 1 2; do
	jq -e --argjson i $i --argjson bs "$bs" '.targets[0].health.passes[$i].during as $d |
		.passes[$i].written as $w | .passes[$i].verified as $v |
		($d.data_units_written * 512000 - $w | fabs) <= 512000 and
		($d.data_units_read * 512000 - $v | fabs) <= 512000 and
		$d.host_write_commands >= ($w / $bs | ceil) and
		$d.host_write_commands <= $w / 4096' <<< "$j" >/dev/null ||
		fail "passes: pass $((i + 1)) counted $(jq -c --argjson i $i '.targets[0].health.passes[$i].during' <<< "$j") for $(jq -c --argjson i $i '.passes[$i] | {written, verified}' <<< "$j") in writes of $bs"
done
ok "health around each pass of a burn-in: each pass's counters match its own bytes, and add up to the run's"

check_iopoll "$o" iopoll 64
ok "6.12: --iopoll with the default sizes completes, each write one request"

expect_rc "$o" lba4k 2
section "$o" lba4k | grep -q 'multiples of 4096' ||
	fail "lba4k: the refusal does not name the 4 KiB alignment"
ok "a 4 KiB-LBA namespace refuses a 512-byte offset"

expect_rc "$o" two 0
j=$(section "$o" two)
[ "$(jq '[.targets[].bytes] | add' <<< "$j")" = $((192 << 20)) ] ||
	fail "two: not every byte of both drives written"
same_as_stream "$A" 128M 12 0
same_as_stream "$B" 64M 12 1
ok "two controllers: each image equals --stdout of its stream"

# The controller behind the node-1 bridge: its target on node 1, its
# threads there and running there.
[ "$(jq '.placement.targets[1].node' <<< "$j")" = 1 ] ||
	fail "two: the node-1 controller's target is not on node 1"
n=$(jq '[.placement.threads[] | select(.targets | index(1))] |
	map(select(.node == 1 and .cpu_seen == 1)) | length' <<< "$j")
[ "$n" -ge 1 ] || fail "two: no thread of the node-1 drive ran on node 1"
[ "$(jq '[.placement.threads[] | select(.targets | index(1)) | select(.node != 1)] | length' <<< "$j")" = 0 ] ||
	fail "two: a thread of the node-1 drive is off node 1"
ok "the node-1 controller gets node-1 threads"

# smart_critical_warning=2 (temperature): the run completes, the drive is
# judged unhealthy, exit 4, in both the plain and the verify report.
expect_rc "$o" warn 4
j=$(section "$o" warn)
[ "$(jq -r '.status' <<< "$j")" = unhealthy ] || fail "warn: status not unhealthy"
[ "$(jq -r '.targets[0].health.verdict' <<< "$j")" = unhealthy ] ||
	fail "warn: verdict not unhealthy"
jq -e '.targets[0].health.after.warnings == ["temperature"]' <<< "$j" >/dev/null ||
	fail "warn: the temperature warning bit is not named"
[ "$(jq '.bytes' <<< "$j")" = $((16 << 20)) ] || fail "warn: the run did not complete"
expect_rc "$o" warnv 4
section "$o" warnv | grep -q 'health: UNHEALTHY (critical warning 0x02 (temperature); first in pass 1)' ||
	fail "warnv: the human report does not say why"
# Over passes, the first pass is judged unhealthy, named, and ends the run.
expect_rc "$o" warnp 4
j=$(section "$o" warnp)
jq -e '.status == "unhealthy" and (.passes | length) == 1 and
	.targets[0].health.first_unhealthy_pass == 1 and
	.targets[0].health.passes[0].verdict == "unhealthy" and
	(.targets[0].health.reasons | test("first in pass 1"))' <<< "$j" >/dev/null ||
	fail "warnp: $(jq -c '{status, passes: (.passes | length), h: (.targets[0].health | {verdict, reasons, first_unhealthy_pass})}' <<< "$j")"
grep -q '^warnp_err .*unhealthy in pass 1: critical warning 0x02 (temperature); the run ends after this pass' "$o/results.txt" ||
	fail "warnp: stderr does not name the pass: $(grep '^warnp_err' "$o/results.txt")"
ok "a drive with a critical warning: exit 4, unhealthy"

# A drive that turns unhealthy during a burn-in: the passes before are
# ok, the pass it happened in is unhealthy and named, the run ends after
# it, exit 4.
[ -f "$work/flipped" ] || fail "flip: the host could not set the warning: $(cat "$work/qmp.err" 2>/dev/null)"
expect_rc "$o" flip 4
j=$(section "$o" flip | sed '1,/^@@report$/d')
fp=$(jq '.targets[0].health.first_unhealthy_pass' <<< "$j")
jq -e '.targets[0].health as $h | .status == "unhealthy" and $h.verdict == "unhealthy" and
	$h.first_unhealthy_pass >= 2 and (.passes | length) == $h.first_unhealthy_pass and
	($h.passes | length) == $h.first_unhealthy_pass and all(.passes[]; .complete) and
	$h.before.critical_warning == 0 and $h.passes[0].after.critical_warning == 0 and
	all($h.passes[:-1][]; .verdict == "ok") and $h.passes[-1].verdict == "unhealthy" and
	$h.passes[-1].after.warnings == ["temperature"]' <<< "$j" >/dev/null ||
	fail "flip: $(jq -c '{status, passes: (.passes | length), h: (.targets[0].health | {verdict, reasons, first_unhealthy_pass, p: [.passes[] | {pass, verdict, reasons}]})}' <<< "$j")"
# (grep without -q: it must read the whole section, or the long section's
# writer dies of SIGPIPE and pipefail fails the check.)
section "$o" flip | grep "is unhealthy in pass $fp: critical warning 0x02 (temperature)" >/dev/null ||
	fail "flip: stderr does not name pass $fp: $(section "$o" flip | grep -v '^{"time' | cut -c1-200 | head -n 5)"
ok "a drive that turns unhealthy in pass $fp of a burn-in: that pass named, the run ends there, exit 4"

# --trim-only discards the first 16 MiB: verify-only finds each of its
# 4 KiB blocks zeroed (the drive reads deallocated blocks as zeros) and
# the rest intact; --trim before a write + verify says how long it took.
expect_rc "$o" t_write 0
expect_rc "$o" t_trim 0
j=$(section "$o" t_trim)
jq -e '.targets[0].trim.how == "BLKDISCARD" and .targets[0].trim.bytes == 16777216 and .targets[0].trim.seconds >= 0' <<< "$j" >/dev/null ||
	fail "t_trim: no trim in the report"
expect_rc "$o" t_check 1
j=$(section "$o" t_check)
[ "$(jq '.zeroed' <<< "$j")" = 4096 ] && [ "$(jq '.mismatches' <<< "$j")" = 4096 ] ||
	fail "t_check: $(jq -c '{mismatches, zeroed, stale, foreign}' <<< "$j"), expected 4096 zeroed blocks only"
expect_rc "$o" t_full 0
j=$(section "$o" t_full)
jq -e '.targets[0].trim.bytes == 33554432 and .mismatches == 0 and .bytes_verified == 33554432' <<< "$j" >/dev/null ||
	fail "t_full: trim + write + verify"
same_as_stream "$T" 32M 16 0
ok "--trim-only, then verify-only finds every trimmed block zeroed; --trim before write + verify"

# Passthrough: IORING_OP_URING_CMD with big SQEs/CQEs writes the same
# stream bytes at the same LBAs (the host image equals --stdout), verify
# reads them back, Dataset Management trims, and the namespace's block
# device is checked for a signature and held like a block target.
expect_rc "$o" pt_w 0
j=$(section "$o" pt_w)
jq -e '.targets[0].type == "nvme-generic" and (.job.ring | index("uring_cmd")) and (.job.ring | index("fixed_buffers")) and .bytes == 33554432 and .targets[0].nvme.serial == "DGP"' <<< "$j" >/dev/null ||
	fail "pt_w: $(jq -c '{type: .targets[0].type, ring: .job.ring, bytes}' <<< "$j")"
expect_rc "$o" pt_trim 0
[ "$(section "$o" pt_trim | jq -r '.targets[0].trim.how')" = "Dataset Management" ] ||
	fail "pt_trim: not trimmed with Dataset Management"
expect_rc "$o" pt_tc 1
j=$(section "$o" pt_tc)
[ "$(jq '.zeroed' <<< "$j")" = 2048 ] && [ "$(jq '.mismatches' <<< "$j")" = 2048 ] ||
	fail "pt_tc: $(jq -c '{mismatches, zeroed, stale, foreign}' <<< "$j"), expected the 2048 trimmed blocks zeroed, the rest intact"
expect_rc "$o" pt_sig 2
section "$o" pt_sig | grep -q 'holds ext2 at offset 0x438 (filesystem)' || fail "pt_sig: no signature refusal"
expect_rc "$o" pt_held 2
section "$o" pt_held | grep -q 'is in use' || fail "pt_held: a mounted namespace was not refused"
expect_rc "$o" pt_wv 0
j=$(section "$o" pt_wv)
jq -e '.mismatches == 0 and .bytes_verified == 33554432' <<< "$j" >/dev/null || fail "pt_wv: verify"
same_as_stream "$P" 32M 17 0
check_ptpoll "$o" pt_poll
ok "NVMe passthrough (/dev/ngXnY): write, verify, polled write + verify, trim, signature and held checks; the image equals --stdout"

expect_rc "$o" aio_wv 0
j=$(section "$o" aio_wv | sed -n '/^{/,$p')
jq -e '.engine == "libaio" and (.engine_reason | test("io_uring_disabled is 2"))
	and .mismatches == 0 and .bytes_verified == 33554432
	and .targets[0].nvme.serial == "DGL" and .targets[0].health.verdict == "ok"
	and .targets[0].health.during.host_write_commands >= 64' <<< "$j" >/dev/null ||
	fail "aio_wv: $(jq -c '{engine, engine_reason, mismatches, bytes_verified, health: .targets[0].health.verdict}' <<< "$j" 2>&1 || section "$o" aio_wv | tail -n 20)"
section "$o" aio_wv | grep -q 'io_uring_disabled is 2.*writing with libaio' ||
	fail "aio_wv: no notice naming the sysctl on stderr"
same_as_stream "$L" 32M 28 0
ok "kernel.io_uring_disabled=2: write + verify of a namespace on libaio, health in the report, the image equals --stdout"
expect_rc "$o" aio_pt 2
section "$o" aio_pt | grep -q 'NVMe passthrough device.*libaio' ||
	fail "aio_pt: passthrough on libaio not refused with its sentence: $(section "$o" aio_pt | tail -n 5)"
ok "kernel.io_uring_disabled=2: passthrough (/dev/ngXnY) is refused, exit 2"

# ----- 6.1: Debian 12's own kernel -----
C=$work/c.img F=$work/f.img
truncate -s 64M "$C"
truncate -s 16M "$F"
cat > "$work/job61.sh" <<'JOB'
c=$(drive DGC) || exit 1
job iopoll timeout -s KILL 300 dgen-uring --dev $c --size 32M --seed 22 --iopoll --json
job iopollv timeout -s KILL 300 dgen-uring --dev $c --size 32M --seed 22 --iopoll --verify-only --json
job iopollbs timeout -s KILL 300 dgen-uring --dev $c --size 32M --seed 22 --iopoll --bs 512K
echo "max_segments $(cat /sys/block/${c#/dev/}/queue/max_segments)"
job wv dgen-uring --dev $c --seed 21 --verify --json
g=$(generic DGC) || exit 1
job pt_poll timeout -s KILL 300 dgen-uring --dev $g --size 8M --seed 25 --iopoll --verify --json
job pt_wv dgen-uring --dev $g --seed 24 --verify --json
# vfat takes O_DIRECT but cannot punch holes: --trim is refused there.
f=$(drive DGF) || exit 1
for m in fat vfat nls_cp437 nls_ascii; do insmod /modules/$m.ko || exit 1; done
mkdosfs $f >/dev/null && mkdir -p /mnt && mount -t vfat $f /mnt || exit 1
job fat_trim dgen-uring --dev /mnt/data --size 1M --seed 23 --trim
echo "fat_left $(ls /mnt | wc -l)"
job fat_plain dgen-uring --dev /mnt/data --size 1M --seed 23
umount /mnt
JOB
boot "$work/o61" 6.1 -j "$work/job61.sh" -d "serial=DGC,img=$C" \
	-d "serial=DGF,img=$F" -M fat -M vfat -M nls_cp437 -M nls_ascii
o=$work/o61
check_iopoll "$o" iopoll 32
expect_rc "$o" iopollv 0
[ "$(section "$o" iopollv | jq -r '.bytes_verified')" = $((32 << 20)) ] ||
	fail "6.1 iopollv: not all verified"
[ "$(section "$o" iopollv | jq -r '.mismatches')" = 0 ] || fail "6.1 iopollv: mismatches"
# 6.1 allows 127 segments (508 KiB): a 512 KiB polled write is refused.
if [ "$(awk '$1 == "max_segments" { print $2 }' "$o/results.txt")" = 127 ]; then
	expect_rc "$o" iopollbs 2
	section "$o" iopollbs | grep -q 'split polled I/O can hang' ||
		fail "6.1 iopollbs: the refusal does not say why"
fi
ok "6.1: --iopoll with the default sizes completes and verifies; --bs 512K is refused"
expect_rc "$o" wv 0
[ "$(section "$o" wv | jq -r '.mismatches')" = 0 ] || fail "6.1 wv: mismatches"
expect_rc "$o" pt_wv 0
j=$(section "$o" pt_wv)
jq -e '.mismatches == 0 and .bytes_verified == 67108864 and (.job.ring | index("uring_cmd"))' <<< "$j" >/dev/null ||
	fail "6.1 pt_wv: passthrough write + verify"
same_as_stream "$C" 64M 24 0
check_ptpoll "$o" pt_poll
ok "6.1: write + verify on the block and the generic device, the image equals --stdout; polled passthrough"
expect_rc "$o" fat_trim 2
section "$o" fat_trim | grep -q 'cannot punch holes' ||
	fail "fat_trim: the refusal does not say why"
grep -qx 'fat_left 0' "$o/results.txt" || fail "fat_trim: the refused run left a file"
expect_rc "$o" fat_plain 0
ok "--trim is refused on vfat (no hole punching), nothing left behind; a plain write works there"
echo "all VM checks passed"
