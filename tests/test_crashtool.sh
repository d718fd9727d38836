#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_crashtool.sh - dgen-uring's power-loss verify against real faults
#
# The tool writes with --journal (on /var/tmp, another device than the
# targets in /dev/shm) and is crashed; dgen-uring --verify-crash then
# judges the targets from the journal alone:
#   - kill -9 at a random moment of a burn-in on a file and on a loop
#     device (losetup --direct-io=on over /dev/shm): exit 0, durable bytes
#     > 0; zeroing 4 KiB inside a durable range: exit 1, that offset lost;
#   - the power of cutfs (tests/cutfs.c: unsynced writes dropped on
#     SIGUSR1) cut in pass 2 with the target on it: exit 0, and the blocks
#     the cut dropped read back as pass 1's (old);
#   - cutfs lying (fsync acknowledged, nothing kept): exit 1, lost ranges
#     named.
# And the refusals: a journal on a target's device (exit 2).
#
# usage: test_crashtool.sh DGEN_URING CUTFS
set -u
TOOL=$1
CUTFS=$2
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (loop devices, FUSE)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
JDIR=$(mktemp -d /var/tmp/dgen-crashtool.XXXXXX)
D=$(mktemp -d /dev/shm/dgen-crashtool.XXXXXX)
[ "$(stat -c %d "$JDIR")" != "$(stat -c %d "$D")" ] ||
	{ rm -rf "$JDIR" "$D"; echo "SKIP: /var/tmp and /dev/shm are one device"; exit 77; }
LOOP=
MNT=
FS=
PID=
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "$LOOP" ] && losetup -d "$LOOP"
	if [ -n "$FS" ]; then
		kill -USR2 "$FS" 2>/dev/null
		for _ in $(seq 100); do umount "$MNT" 2>/dev/null && break; sleep 0.05; done
		wait "$FS" 2>/dev/null
	fi
	[ -n "$MNT" ] && rmdir "$MNT" 2>/dev/null
	rm -rf "$JDIR" "$D"
}
trap cleanup EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

# key FILE EXPR: a figure of a JSON report (EXPR in Python, the report d)
key() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# wait_for FILE PATTERN [N]: until FILE has N lines matching (30 s at most)
wait_for() {
	local n
	for _ in $(seq 600); do
		n=$(grep -c -- "$2" "$1" 2>/dev/null)
		[ "${n:-0}" -ge "${3:-1}" ] && return 0
		[ -n "$PID" ] && ! kill -0 "$PID" 2>/dev/null && break
		sleep 0.05
	done
	fail "no '$2' in $1: $(cat "$D/err" 2>/dev/null)"
	return 1
}

# crash_write TARGET JOURNAL ARGS...: a burn-in in the background, in $PID
crash_write() {
	local t=$1 j=$2
	shift 2
	"$TOOL" --dev "$t" --journal "$j" --seed 23 --dedup 2 --compress 2 \
		--bs 128K --qd 4 --threads 2 --flush-every 2M "$@" \
		>"$D/out" 2>"$D/err" &
	PID=$!
}

# verify_crash NAME JOURNAL WANT: --verify-crash's report into D/NAME.json
verify_crash() {
	local rc
	"$TOOL" --verify-crash "$2" --json >"$D/$1.json" 2>"$D/verr"
	rc=$?
	[ "$rc" = "$3" ] || { fail "$1: --verify-crash exit $rc, not $3: $(cat "$D/verr") $(head -c 2000 "$D/$1.json")"; return 1; }
}

# kill_case NAME TARGET: kill -9 at a random moment of pass 2 or later,
# judge; then zero 4 KiB inside a durable range: lost, at that offset.
kill_case() {
	local name=$1 t=$2 j=$JDIR/$1.jsonl off
	crash_write "$t" "$j" --size 32M --passes 100 --rate 48M --pattern rand
	wait_for "$j" '"type": "durable", "target": 0, "pass": 2' || return
	sleep "0.$((RANDOM % 9 + 1))"
	# Some of the pass now in flight durable, so there is a range to zero.
	for _ in $(seq 2000); do
		tail -n 1 "$j" | grep -q '"type": "durable"' && break
		sleep 0.01
	done
	kill -9 "$PID"
	wait "$PID" 2>/dev/null
	PID=
	verify_crash "$name" "$j" 0 || return
	[ "$(key "$D/$name.json" "d['status']")" = ok ] || fail "$name: status not ok"
	[ "$(key "$D/$name.json" "d['targets'][0]['crash']['durable_bytes'] > 0")" = True ] ||
		fail "$name: nothing durable: $(cat "$D/$name.json")"
	[ "$(key "$D/$name.json" "d['targets'][0]['crash']['lost'] + d['targets'][0]['crash']['corrupt']")" = 0 ] ||
		fail "$name: lost or corrupt blocks after a kill"
	# A 4 KiB block in the middle of the first durable range, zeroed.
	off=$(key "$D/$name.json" "(lambda r: (r[0] + r[1] // 2) // 4096 * 4096)(d['targets'][0]['durable'][0])")
	dd if=/dev/zero of="$t" bs=4096 count=1 seek=$((off / 4096)) \
		conv=notrunc oflag=direct status=none || { fail "$name: dd"; return; }
	verify_crash "$name-zeroed" "$j" 1 || return
	[ "$(key "$D/$name-zeroed.json" "d['status']")" = lost-flushed ] ||
		fail "$name: zeroed block: status not lost-flushed"
	[ "$(key "$D/$name-zeroed.json" "[(m['offset'], m['kind']) for m in d['targets'][0]['mismatch_list']]")" = "[($off, 'lost')]" ] ||
		fail "$name: zeroed block at $off not the one lost: $(cat "$D/$name-zeroed.json")"
	[ "$(key "$D/$name-zeroed.json" "d['targets'][0]['crash']['lost']")" = 1 ] ||
		fail "$name: not exactly one lost block"
	"$TOOL" --verify-crash "$j" | grep -q "lost block at offset $off" ||
		fail "$name: the human report does not name offset $off"
	# The target read where a reboot would have moved it.
	[ "$name" = file ] || return
	cp "$t" "$D/moved"
	"$TOOL" --verify-crash "$j" --dev "$D/moved" | grep -q "lost block at offset $off" ||
		fail "$name: --dev PATH did not read the moved target"
	"$TOOL" --verify-crash "$j" --dev "$D/moved" --dev "$D/moved2" >/dev/null 2>"$D/err"
	[ $? = 2 ] && grep -q "one --dev per target" "$D/err" ||
		fail "$name: --dev paths not matching the journal's targets were taken"
	rm -f "$D/moved"
}

# Refusals: the journal on a target's device; the options' rules.
"$TOOL" --dev "$D/t0" --size 1M --journal "$D/j0" >/dev/null 2>"$D/err"
[ $? = 2 ] && grep -q "on the device of target" "$D/err" ||
	fail "a journal beside its target was not refused: $(cat "$D/err")"
[ ! -e "$D/j0" ] || fail "the refused journal was made"
"$TOOL" --verify-crash "$JDIR/none" --dir "$D/t0" --files 1 --file-size 4K >/dev/null 2>"$D/err"
[ $? = 2 ] || fail "--verify-crash with a tree was not refused"
"$TOOL" --verify-crash "$JDIR/none" >/dev/null 2>"$D/err"
[ $? = 2 ] || fail "--verify-crash of a missing journal: not exit 2"
"$TOOL" --dev "$D/t0" --size 1M --fail-on torn >/dev/null 2>"$D/err"
[ $? = 2 ] || fail "--fail-on torn without --verify-crash was not refused"

# --flush-every without a journal still flushes and reports its latency.
"$TOOL" --dev "$D/t1" --size 8M --flush-every 1M --bs 128K --json >"$D/fe.json" 2>"$D/err" ||
	fail "--flush-every: $(cat "$D/err")"
[ "$(key "$D/fe.json" "d['targets'][0]['flush']['count'] >= 8 and d['targets'][0]['durable'] == [[0, 8388608]]")" = True ] ||
	fail "--flush-every: flushes or durable ranges: $(cat "$D/fe.json")"
rm -f "$D/t1"

# The --log lines of a flushing run carry each interval's flushes: their
# count over the run is the report's, and the slowest is there.
"$TOOL" --dev "$D/t1" --size 16M --flush-every 1M --bs 128K --rate 8M --log "$D/fe.log" \
	--json >"$D/fe.json" 2>"$D/err" || fail "--flush-every --log: $(cat "$D/err")"
python3 - "$D/fe.log" "$D/fe.json" <<'PY' || fail "--flush-every --log: $(cat "$D/fe.log")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"event"' not in l]
rep = json.load(open(sys.argv[2]))['targets'][0]['flush']
assert len(rows) >= 2 and all('flushes' in r and 'flush_max_us' in r for r in rows), rows
assert sum(r['flushes'] for r in rows) <= rep['count'] and sum(r['flushes'] for r in rows) >= 8, (rows, rep)
assert max(r['flush_max_us'] for r in rows) > 0
PY
rm -f "$D/t1"

# --fua: durable when acknowledged, journaled without a device flush.
"$TOOL" --dev "$D/t2" --size 8M --fua --journal "$JDIR/fua.jsonl" --flush-every 1M >/dev/null 2>"$D/err" ||
	fail "--fua: $(cat "$D/err")"
grep -q '"flush_ns": 0' "$JDIR/fua.jsonl" || fail "--fua: no record without a flush"
grep -q '"options": {"argv": \[".*", "--dev", "'"$D/t2"'", "--size", "8M", "--fua",' "$JDIR/fua.jsonl" ||
	fail "the journal's header does not hold the command line: $(head -n 1 "$JDIR/fua.jsonl")"
verify_crash fua "$JDIR/fua.jsonl" 0
rm -f "$D/t2"

# A flush that fails (the engine's second one, DGEN_FAULT_FLUSH_EIO): an
# I/O error of its target, and what it would have made durable never is,
# even after the pass's last flush succeeds; the check still passes.
DGEN_FAULT_FLUSH_EIO=1 "$TOOL" --dev "$D/t3" --size 8M --flush-every 1M --bs 128K --threads 1 --qd 1 \
	--journal "$JDIR/eio.jsonl" --json >"$D/eiorun.json" 2>"$D/err"
[ $? = 3 ] || fail "a failed flush: not exit 3: $(cat "$D/err")"
[ "$(key "$D/eiorun.json" "(d['error']['target'], d['targets'][0]['flush_failed'], d['targets'][0]['durable'][0], d['targets'][0]['durable'][1][0])")" = "('$D/t3', 1, [0, 1048576], 2097152)" ] ||
	fail "a failed flush: its ranges claimed durable, or not counted: $(cat "$D/eiorun.json")"
verify_crash eio "$JDIR/eio.jsonl" 0 &&
	[ "$(key "$D/eio.json" "d['targets'][0]['durable']")" = "$(key "$D/eiorun.json" "d['targets'][0]['durable']")" ] ||
	fail "a failed flush: the journal's durable ranges are not the run's"
rm -f "$D/t3"

echo "kill -9 on a file ($SECONDS s in)"
kill_case file "$D/file"
rm -f "$D/file"

echo "kill -9 on a loop device ($SECONDS s in)"
truncate -s 32M "$D/backing"
LOOP=$(losetup --direct-io=on -f --show "$D/backing" 2>/dev/null)
if [ -n "$LOOP" ]; then
	kill_case loop "$LOOP"
	losetup -d "$LOOP"
else
	echo "(no loop device: that case skipped)"
fi
LOOP=
rm -f "$D/backing"

# cut_case NAME MODE: the target on cutfs, its power cut in pass 2
cut_case() {
	local name=$1 mode=$2 j=$JDIR/$1.jsonl rc
	MNT=$(mktemp -d /tmp/dgen-crashtool-mnt.XXXXXX)
	truncate -s 16M "$D/$name.backing"
	"$CUTFS" "$MNT" "$D/$name.backing" "$mode" "$D/$name.drops" 2>"$D/fserr" &
	FS=$!
	for _ in $(seq 600); do
		[ -e "$MNT/disk" ] && break
		sleep 0.05
	done
	[ -e "$MNT/disk" ] || { fail "cutfs did not mount: $(cat "$D/fserr")"; return; }
	crash_write "$MNT/disk" "$j" --size 16M --passes 2 --rate 12M
	wait_for "$j" '"type": "durable", "target": 0, "pass": 2' || return
	kill -USR1 "$FS"
	if [ "$mode" = honest ]; then
		# Left to itself the tool sees its writes and flushes fail
		# (EIO) and ends with exit 3, claiming nothing more durable.
		for _ in $(seq 400); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
		kill -9 "$PID" 2>/dev/null
		wait "$PID"
		rc=$?
		[ "$rc" = 3 ] && grep -q "Input/output error" "$D/err" ||
			fail "$name: the tool after the cut: exit $rc, not 3: $(cat "$D/err")"
	else
		sleep 0.3
		kill -9 "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	PID=
	kill -USR2 "$FS"
	for _ in $(seq 100); do grep -q "powered 1" "$MNT/status" 2>/dev/null && break; sleep 0.05; done
	[ -s "$D/$name.drops" ] || fail "$name: the cut dropped nothing"
	if [ "$mode" = honest ]; then
		verify_crash "$name" "$j" 0 || return
		[ "$(key "$D/$name.json" "d['targets'][0]['crash']['old'] > 0 and d['targets'][0]['crash']['durable_bytes'] > 0")" = True ] ||
			fail "$name: no old blocks where the cut dropped writes: $(cat "$D/$name.json")"
		# What the cut dropped was never claimed durable.
		python3 - "$D/$name.json" "$D/$name.drops" <<'PY' || fail "$name: the cut dropped durable bytes"
import json, sys
dur = json.load(open(sys.argv[1]))['targets'][0]['durable']
for line in open(sys.argv[2]):
    o, n = map(int, line.split())
    for a, b in dur:
        if o < a + b and a < o + n:
            sys.exit(f'dropped [{o}, +{n}) meets durable [{a}, +{b})')
PY
	else
		verify_crash "$name" "$j" 1 || return
		[ "$(key "$D/$name.json" "d['status']")" = lost-flushed ] ||
			fail "$name: a lying drive not lost-flushed"
		[ "$(key "$D/$name.json" "len(d['targets'][0]['mismatch_list']) > 0 and all(m['kind'] == 'lost' for m in d['targets'][0]['mismatch_list'])")" = True ] ||
			fail "$name: lost ranges not named: $(cat "$D/$name.json")"
	fi
	for _ in $(seq 100); do umount "$MNT" 2>/dev/null && break; sleep 0.05; done
	wait "$FS" 2>/dev/null
	FS=
	rmdir "$MNT"
	MNT=
}

if [ -c /dev/fuse ] || modprobe fuse 2>/dev/null; then
	echo "cutfs: a power cut ($SECONDS s in)"
	cut_case cut honest
	echo "cutfs: a drive that lies ($SECONDS s in)"
	cut_case lie lie
else
	echo "(no /dev/fuse: the cutfs cases skipped)"
fi

[ "$FAILS" = 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "ok ($SECONDS s)"
