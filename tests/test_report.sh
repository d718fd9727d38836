#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_report.sh - every kind of job's JSON report against doc/report.md
#
# Runs the built tool once or more for each kind of report (a plain write,
# with --trim, --log and --plot, an I/O error, a hang; write + verify,
# verify-only with bad blocks, passes with --time, --trim with --verify,
# --steady-state, trees raw and npz with framing errors, a read error, a
# hang; a tree written once, and one that fills its filesystem; stdout to
# a pipe and to /dev/full; --trim-only; a fleet of files and of trees
# under mpirun when built with MPI), then tests/report_keys.py checks
# every report's keys against the document, both ways. I/O errors and
# hangs come from tests/eiofs (FUSE): a range that fails, or whose I/O
# waits until a gate file holds data.
#
# usage: test_report.sh DGEN_URING EIOFS DOC built|not-built
set -u
TOOL=$1
EIOFS=$2
DOC=$3
MPI=${4:-not-built}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (FUSE mounts, a small tmpfs)"; exit 77; }
[ -c /dev/fuse ] || modprobe fuse 2>/dev/null
[ -c /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
D=$(mktemp -d /dev/shm/dgen-report.XXXXXX)
R=$D/reports
M=$D/mnt
mkdir -p "$R" "$M" "$D/small"
EP=
cleanup() {
	[ -n "$EP" ] && { umount "$M" 2>/dev/null || umount -l "$M"; wait "$EP" 2>/dev/null; }
	umount "$D/small" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

# run KIND NAME EXIT ARGS...: the tool's JSON report into R/KIND.NAME.json
run() {
	local kind=$1 name=$2 want=$3 rc
	shift 3
	"$TOOL" "$@" --json >"$R/$kind.$name.json" 2>"$D/err"
	rc=$?
	[ "$rc" = "$want" ] || fail "$kind $name: exit $rc, not $want: $(cat "$D/err")"
}

# mount_eiofs MODE [GATE]: a 4 MiB disk whose MODE I/O to [1M, 1M + 4K) fails
mount_eiofs() {
	"$EIOFS" "$M" 4194304 1048576 4096 "$@" 2>/dev/null &
	EP=$!
	for _ in $(seq 600); do
		[ "$(stat -c %s "$M/disk" 2>/dev/null)" = 4194304 ] && return 0
		sleep 0.05
	done
	fail "eiofs did not mount"
	return 1
}
umount_eiofs() {
	for _ in $(seq 100); do umount "$M" 2>/dev/null && break; sleep 0.05; done
	wait "$EP" 2>/dev/null
	EP=
}

# hang KIND NAME ARGS...: a write that waits on the gate is reported hung
# (exit 3); then the gate opens and the process goes.
hang() {
	local kind=$1 name=$2 pid rc
	shift 2
	rm -f "$D/gate"
	mount_eiofs write "$D/gate" || return
	"$TOOL" --dev "$M/disk" "$@" --io-timeout 1 --json >"$R/$kind.$name.json" 2>"$D/err" &
	pid=$!
	for _ in $(seq 300); do
		grep -q '"status"' "$R/$kind.$name.json" 2>/dev/null && break
		sleep 0.1
	done
	echo data >"$D/gate"
	wait $pid
	rc=$?
	[ $rc = 3 ] || fail "$kind $name: exit $rc, not 3: $(cat "$D/err")"
	umount_eiofs
}

S="--seed 42 --threads 1"
# --- write ---
run write plain 0 --dev "$D/w1" --dev null --size 2M $S --bs 256K
run write trim 0 --dev "$D/w1" --size 2M --trim $S
run write log 0 --dev "$D/w1" --dev "$D/w2" --size 2M $S --log "$D/log" --plot "$D/p.svg"
mount_eiofs write && run write error 3 --dev "$M/disk" $S --qd 1 --bs 64K
umount_eiofs
hang write hung $S --qd 1 --bs 64K
# --- passes ---
run passes verify 0 --dev "$D/v" --size 2M $S --dedup 2 --compress 2 --verify
printf '\377' | dd of="$D/v" bs=1 seek=70000 conv=notrunc status=none
run passes verify-only 1 --dev "$D/v" $S --dedup 2 --compress 2 --verify-only
run passes time 0 --dev "$D/v" --dev null --size 1M $S --passes 2 --time 1h
run passes trim 0 --dev "$D/v" --size 1M $S --trim --verify
run passes steady 0 --dev "$D/v" --size 4M $S --time 1.5 --steady-state --log-interval 0.1 --rate 8M
run passes tree 0 --dir "$D/tv" --files 3 --fanout 2 --file-size 16K $S --verify
run passes npz 0 --dir "$D/tn" --files 2 --file-size 10000 --format npz $S --verify
printf '\377' | dd of="$D/tn/d000/f000001.npz" bs=1 seek=20 conv=notrunc status=none
run passes framing 1 --dir "$D/tn" --files 2 --file-size 10000 --format npz $S --verify-only
mount_eiofs read && run passes read-error 3 --dev "$M/disk" $S --qd 1 --bs 64K --verify
umount_eiofs
hang passes hung $S --qd 1 --bs 64K --verify
# --- tree ---
run tree raw 0 --dir "$D/tr" --files 3 --fanout 2 --file-size 16K $S
run tree npz 0 --dir "$D/tz" --files 2 --file-size 10000 --format npz $S
mount -t tmpfs -o size=64k tmpfs "$D/small" || fail "cannot mount a small tmpfs"
run tree full 3 --dir "$D/small/t" --files 8 --file-size 16K $S
# --- stdout ---
"$TOOL" --stdout --size 1M --seed 5 --json 2>"$R/stdout.pipe.json" | cat >/dev/null
"$TOOL" --stdout --size 1M --seed 5 --json 2>"$D/err" >/dev/full
[ $? = 3 ] || fail "stdout to /dev/full did not fail"
# The report follows the line that says what failed.
sed -n '/^{/,$p' "$D/err" >"$R/stdout.full.json"
# --- trim-only ---
run trim-only files 0 --dev "$D/w1" --dev "$D/w2" --size 2M --trim-only
# --- fleet ---
SKIP=
if [ "$MPI" = built ] && command -v mpirun >/dev/null; then
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
	export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_plm_rsh_agent=
	timeout -k 5 120 mpirun -n 2 "$TOOL" --dev "$D/f%r" --size 1M $S --json >"$R/fleet.files.json" 2>"$D/err" ||
		fail "fleet of files: $(cat "$D/err")"
	timeout -k 5 120 mpirun -n 2 "$TOOL" --dir "$D/ft%r" --files 2 --file-size 8K $S --verify --json >"$R/fleet.trees.json" 2>"$D/err" ||
		fail "fleet of trees: $(cat "$D/err")"
else
	SKIP="--skip fleet"
	echo "fleet: not built with MPI, not checked"
fi
# shellcheck disable=SC2086
python3 "$(dirname "$0")/report_keys.py" $SKIP "$DOC" "$R"/*.json || FAILS=$((FAILS + 1))
[ $FAILS = 0 ] && echo "ok: every report's keys are doc/report.md's"
exit $((FAILS > 0))
