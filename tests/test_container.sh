#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_container.sh - dgen-uring where io_uring is blocked, as in a
# container: under tests/noring (a seccomp filter denying the three
# io_uring calls with EPERM, as Docker's default profile does) every job
# runs on libaio, writes the same bytes, verifies, judges and watches as
# on io_uring, and each report says libaio and why.
#
# A write equal to --stdout of its stream; --verify-only clean, then a
# flipped byte found (exit 1); --passes 2 --verify; a raw tree; --rate
# with --trim; a fleet of two ranks under mpirun (when built); two loop
# devices, one throttled (cgroup io.max or blkio) and judged slow; a loop
# device throttled to 4 KiB/s reported hung within --io-timeout (exit 3);
# explicit --engine io_uring exits 3 naming the filter, --sqpoll and
# --iopoll are refused (exit 2); -n (ENOSYS) names a missing io_uring.
#
# usage: test_container.sh DGEN_URING NORING built|not-built (MPI)
set -u
TOOL=$1
NORING=$2
MPI=${3:-not-built}
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
"$NORING" true 2>/dev/null || { echo "SKIP: seccomp filters cannot be installed here"; exit 77; }
D=$(mktemp -d /dev/shm/dgen-container.XXXXXX)
LOOPS=
CG=
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for l in $LOOPS; do
		[ -n "$CG" ] && cg_limit "$l" 0 2>/dev/null
	done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	for l in $LOOPS; do losetup -d "$l" 2>/dev/null; done
	[ -n "$CG" ] && for _ in $(seq 100); do rmdir "$CG" 2>/dev/null && break; sleep 0.05; done
	rm -rf "$D"
}
trap cleanup EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }

# nr ARGS...: the tool under the filter, stdout to $D/out, stderr to $D/err
nr() {
	"$NORING" "$TOOL" "$@" >"$D/out" 2>"$D/err"
}

# libaio_said NAME: the JSON report in $D/out says libaio and the filter
libaio_said() {
	python3 - "$D/out" <<'PY' || fail "$1: report: $(head -c 600 "$D/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d['engine'] == 'libaio', d['engine']
assert 'seccomp' in d['engine_reason'] and 'io_uring_disabled is 0' in d['engine_reason'], d['engine_reason']
PY
}

# ===== The same bytes =====
nr --dev "$D/a" --size 24M --seed 11 --bs 64K --threads 2 --qd 3 --pattern rand --json
rc=$?
[ "$rc" = 0 ] || fail "write: exit $rc: $(cat "$D/err")"
libaio_said write
# One line on stderr, naming the cause.
[ "$(grep -c . "$D/err")" = 1 ] && grep -q "seccomp" "$D/err" && grep -q "libaio" "$D/err" ||
	fail "write: stderr is not one line naming seccomp and libaio: $(cat "$D/err")"
"$NORING" "$TOOL" --stdout --size 24M --seed 11 >"$D/a.ref" 2>/dev/null ||
	fail "--stdout under the filter failed"
cmp -s "$D/a" "$D/a.ref" && ok "libaio write equals --stdout" || fail "libaio write differs from --stdout"
rm -f "$D/a.ref"

# ===== Verify: clean, then one flipped byte =====
nr --dev "$D/a" --size 24M --seed 11 --verify-only --json
rc=$?
[ "$rc" = 0 ] || fail "verify-only clean: exit $rc: $(cat "$D/err")"
libaio_said verify-only
printf '\x5a' | dd of="$D/a" bs=1 seek=5000000 conv=notrunc status=none
nr --dev "$D/a" --size 24M --seed 11 --verify-only --json
rc=$?
[ "$rc" = 1 ] || fail "verify-only of a flipped byte: exit $rc, not 1"
python3 - "$D/out" <<'PY' || fail "flipped byte: $(head -c 800 "$D/out")"
import json, sys
d = json.load(open(sys.argv[1]))
p = d['passes'][0]
assert d['engine'] == 'libaio'
assert p['mismatches'] == 1, p
assert d['mismatch_list'][0]['offset'] == 5000000 // 4096 * 4096, d['mismatch_list'][0]
PY
[ "$FAILS" = 0 ] && ok "verify-only on libaio: clean, then the flipped byte"

# ===== Burn-in passes =====
nr --dev "$D/b" --size 16M --passes 2 --verify --json
rc=$?
[ "$rc" = 0 ] || fail "passes: exit $rc: $(cat "$D/err")"
libaio_said passes
python3 - "$D/out" <<'PY' || fail "passes: $(head -c 800 "$D/out")"
import json, sys
d = json.load(open(sys.argv[1]))
ps = d['passes']
assert len(ps) == 2 and all(p['written'] == p['verified'] == 16 << 20 and p['mismatches'] == 0 for p in ps), ps
PY

# ===== A raw tree =====
nr --dir "$D/tree" --files 12 --file-size 256K --fanout 4 --verify --json
rc=$?
[ "$rc" = 0 ] || fail "tree: exit $rc: $(cat "$D/err")"
libaio_said tree
[ "$(find "$D/tree" -type f | wc -l)" = 12 ] || fail "tree: not 12 files"
rm -rf "$D/tree"

# ===== Flushes and the power-loss journal =====
# The flush is libaio's IOCB_CMD_FDSYNC, --fua its RWF_DSYNC; the journal
# (on /var/tmp, another device than the target) proves what they made
# durable, and --verify-crash reads it back with every block new. One
# thread at qd 8 with a flush every 4 units: the flushes take entries of
# the engine's fixed set of libaio control blocks beside the units (a
# unit once found none and was lost, and the run hung); every crossing
# still gets its flush, in turn.
J=$(mktemp /var/tmp/dgen-container-journal.XXXXXX)
rm -f "$J"
nr --dev "$D/j" --size 32M --seed 5 --threads 1 --qd 8 --journal "$J" --flush-every 4M \
	--io-timeout 10 --json
rc=$?
[ "$rc" = 0 ] || fail "journal: exit $rc: $(cat "$D/err")"
libaio_said journal
python3 - "$D/out" <<'PY' || fail "journal: $(head -c 1500 "$D/out")"
import json, sys
t = json.load(open(sys.argv[1]))['targets'][0]
assert t['flush']['count'] >= 8 and t['durable_bytes'] == 32 << 20, (t['flush'], t['durable_bytes'])
PY
"$TOOL" --verify-crash "$J" --json >"$D/out" 2>"$D/err"
rc=$?
[ "$rc" = 0 ] || fail "verify-crash after libaio: exit $rc: $(cat "$D/err")"
python3 - "$D/out" <<'PY' || fail "verify-crash: $(head -c 1500 "$D/out")"
import json, sys
c = json.load(open(sys.argv[1]))['targets'][0]['crash']
assert c['durable_bytes'] == 32 << 20 and c['lost'] == c['corrupt'] == 0, c
PY
nr --dev "$D/j" --size 8M --seed 5 --fua --force --json
rc=$?
[ "$rc" = 0 ] || fail "fua: exit $rc: $(cat "$D/err")"
rm -f "$J" "$D/j"
[ "$FAILS" = 0 ] && ok "libaio: flushes, --fua and the journal, judged clean by --verify-crash"

# ===== A rate cap and a discard =====
nr --dev "$D/r" --size 8M --rate 16M --trim --json
rc=$?
[ "$rc" = 0 ] || fail "rate + trim: exit $rc: $(cat "$D/err")"
libaio_said rate
python3 - "$D/out" <<'PY' || fail "rate + trim: $(head -c 1500 "$D/out")"
import json, sys
d = json.load(open(sys.argv[1]))
t = d['targets'][0]
assert t['trim']['how'] == 'punch hole' and t['trim']['bytes'] == 8 << 20, t['trim']
assert d['bytes_written'] == 8 << 20 and d['seconds'] >= 0.4, (d['bytes_written'], d['seconds'])
PY
rm -f "$D/r"

# ===== A fleet under mpirun, each rank on libaio =====
if [ "$MPI" = built ] && command -v mpirun >/dev/null; then
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
	export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_plm_rsh_agent=
	timeout -k 5 120 mpirun -n 2 "$NORING" "$TOOL" --dev "$D/f%r" --size 4M --seed 5 --verify --json >"$D/out" 2>"$D/err"
	rc=$?
	[ "$rc" = 0 ] || fail "fleet: exit $rc: $(cat "$D/err")"
	libaio_said fleet
	python3 -c "
import json
d = json.load(open('$D/out'))
assert d['written'] == d['read'] == 8 << 20 and d['mismatches'] == 0, d
" || fail "fleet: $(head -c 800 "$D/out")"
	for r in 0 1; do
		"$TOOL" --stdout --size 4M --seed 5 --stream $r 2>/dev/null | cmp -s - "$D/f$r" ||
			fail "fleet: rank $r's file differs from --stdout of stream $r"
	done
	rm -f "$D"/f?
	[ "$FAILS" = 0 ] && ok "fleet of 2 ranks on libaio: written, verified, each file its stream"
else
	echo "skip: fleet (no mpirun, or built without MPI)"
fi

# ===== What needs io_uring =====
nr --dev "$D/c" --size 4M --engine io_uring --json
rc=$?
[ "$rc" = 3 ] || fail "--engine io_uring under the filter: exit $rc, not 3"
grep -q "seccomp" "$D/err" && ! grep -q "see the sysctl" "$D/err" ||
	fail "--engine io_uring: stderr does not name the filter: $(cat "$D/err")"
python3 - "$D/out" <<'PY' || fail "--engine io_uring report: $(head -c 600 "$D/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d['status'] == 'error' and d['engine'] == 'io_uring' and 'seccomp' in d['engine_reason'], d
PY
for opt in --sqpoll --iopoll; do
	nr --dev "$D/c" --size 4M "$opt"
	rc=$?
	[ "$rc" = 2 ] && grep -q "needs io_uring" "$D/err" ||
		fail "$opt under the filter: exit $rc: $(cat "$D/err")"
done
"$TOOL" --dev "$D/c" --size 4M --engine libaio --sqpoll >/dev/null 2>"$D/err"
rc=$?
[ "$rc" = 2 ] && grep -q "needs io_uring" "$D/err" || fail "--engine libaio --sqpoll: exit $rc"
"$NORING" -n "$TOOL" --dev "$D/c" --size 4M --json >"$D/out" 2>"$D/err"
rc=$?
[ "$rc" = 0 ] && python3 -c "
import json, sys
d = json.load(open('$D/out'))
assert d['engine'] == 'libaio' and 'Function not implemented' in d['engine_reason'], d['engine_reason']
" || fail "ENOSYS: exit $rc: $(cat "$D/err")"
rm -f "$D/c"
[ "$FAILS" = 0 ] && ok "what needs io_uring is refused or names its cause"

# ===== Throttled loop devices =====
if [ "$(id -u)" != 0 ]; then
	echo "skip: throttled devices need root"
	[ "$FAILS" = 0 ]; exit
fi
if [ -e /sys/fs/cgroup/blkio/blkio.throttle.write_bps_device ]; then
	CG=/sys/fs/cgroup/blkio/dgen-container-$$
	V2=0
elif [ -e /sys/fs/cgroup/cgroup.controllers ] &&
     { grep -qw io /sys/fs/cgroup/cgroup.subtree_control || echo +io > /sys/fs/cgroup/cgroup.subtree_control; } 2>/dev/null; then
	CG=/sys/fs/cgroup/dgen-container-$$
	V2=1
else
	echo "skip: no blkio or io cgroup controller"
	[ "$FAILS" = 0 ]; exit
fi
mkdir "$CG" || { CG=; fail "cannot make a cgroup"; exit 1; }
# cg_limit DEV BPS: limit writes to DEV (0: lift)
cg_limit() {
	local mm
	mm=$(printf '%d:%d' "0x$(stat -c %t "$1")" "0x$(stat -c %T "$1")")
	if [ "$V2" = 1 ]; then
		[ "$2" = 0 ] && echo "$mm wbps=max" >"$CG/io.max" || echo "$mm wbps=$2" >"$CG/io.max"
	else
		echo "$mm $2" >"$CG/blkio.throttle.write_bps_device"
	fi
}
# loop_make NAME SIZE: a direct-I/O loop device over a file in $D
loop_make() {
	truncate -s "$2" "$D/$1" && losetup --direct-io=on -f --show "$D/$1" 2>/dev/null
}
# spawn ARGS...: the tool under the filter in the cgroup, in the background
spawn() {
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$CG" "$NORING" "$TOOL" "$@" >"$D/out" 2>"$D/err" &
	PID=$!
	PIDS="$PIDS $PID"
}
LA=$(loop_make la 128M) && LB=$(loop_make lb 128M) || { echo "skip: no loop device"; [ "$FAILS" = 0 ]; exit; }
LOOPS="$LA $LB"
cg_limit "$LB" 50000000
spawn --dev "$LA" --dev "$LB" --size 128M --json
wait "$PID"
rc=$?
[ "$rc" = 0 ] || fail "slow: exit $rc: $(cat "$D/err")"
libaio_said slow
python3 - "$D/out" <<'PY' || fail "slow: $(head -c 1500 "$D/out")"
import json, sys
d = json.load(open(sys.argv[1]))
a, b = d['targets']
assert a['verdict'] == 'ok' and b['verdict'] == 'slow', (a['verdict'], b['verdict'])
assert 0.02 < b['gbps'] < 0.08 and a['gbps'] > 2 * b['gbps'], (a['gbps'], b['gbps'])
assert a['bytes'] == b['bytes'] == 128 << 20
PY
[ "$FAILS" = 0 ] && ok "libaio: the throttled target is slow, the other ok"

# A hang: 4 KiB/s, --io-timeout 3. The report comes while the write is
# held; the process goes once the throttle is lifted (libaio's io_destroy,
# like the kernel's exit, waits for I/O in flight: the tool never calls it
# on a hung run).
cg_limit "$LB" 0
cg_limit "$LA" 4096
T0=$(date +%s)
spawn --dev "$LA" --size 64M --io-timeout 3 --json
for _ in $(seq 1200); do
	python3 -c "import json,sys; json.load(open('$D/out'))" 2>/dev/null && break
	sleep 0.1
done
T1=$(date +%s)
python3 - "$D/out" "$LA" <<'PY' || fail "hang: $(head -c 1500 "$D/out")"
import json, sys
d = json.load(open(sys.argv[1]))
h = d['hang']
assert d['engine'] == 'libaio' and 'seccomp' in d['engine_reason']
assert d['status'] == 'hung' and h['target'] == sys.argv[2] and 3 <= h['seconds'] < 30, (d['status'], h)
assert d['targets'][0]['verdict'] == 'hung'
PY
[ $((T1 - T0)) -lt 60 ] || fail "hang: reported after $((T1 - T0)) s"
cg_limit "$LA" 0
wait "$PID"
rc=$?
[ "$rc" = 3 ] || fail "hang: exit $rc after the throttle was lifted, not 3"
grep -q "hung" "$D/err" || fail "hang: stderr does not say hung: $(cat "$D/err")"
[ "$FAILS" = 0 ] && ok "libaio: a held write is reported hung within --io-timeout, exit 3"
[ "$FAILS" = 0 ]
