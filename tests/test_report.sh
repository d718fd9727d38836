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
# under mpirun when built with MPI; objects on s3rver and Azurite: a tree
# written once, one object verified, two endpoints with a log and a plot,
# bad objects, a framing error, --time with --steady-state, a server
# killed and one stopped), then tests/report_keys.py checks
# every report's keys against the document, both ways. I/O errors and
# hangs come from tests/eiofs (FUSE): a range that fails, or whose I/O
# waits until a gate file holds data.
#
# usage: test_report.sh DGEN_URING EIOFS DOC built|not-built [NPM_CACHE]
set -u
TOOL=$1
EIOFS=$2
DOC=$3
MPI=${4:-not-built}
NPM=${5:-}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (FUSE mounts, a small tmpfs)"; exit 77; }
[ -c /dev/fuse ] || modprobe fuse 2>/dev/null
[ -c /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
D=$(mktemp -d /dev/shm/dgen-report.XXXXXX)
R=$D/reports
M=$D/mnt
mkdir -p "$R" "$M" "$D/small"
EP=
SERVERS=
cleanup() {
	for s in $SERVERS; do obj_kill "$s"; done
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

# objects_bg NAME WANT SERVER SIGNAL ARGS...: a run over objects in the
# background; SIGNAL hits its server once it has begun; it must end with
# WANT within --io-timeout (a wide bound).
objects_bg() {
	local name=$1 want=$2 srv=$3 sig=$4 pid rc t0
	shift 4
	"$TOOL" "$@" --json >"$R/objects.$name.json" 2>"$D/err" &
	pid=$!
	sleep 1.5
	kill -"$sig" "$srv"
	t0=$(date +%s)
	wait $pid
	rc=$?
	[ "$rc" = "$want" ] || fail "objects $name: exit $rc, not $want: $(cat "$D/err")"
	[ $(($(date +%s) - t0)) -lt 30 ] || fail "objects $name: not ended within the bound"
}

# Every kind of run over objects the report has keys for.
objects_reports() {
	local s3 s3b az conn E
	obj_s3rver "$D/s3" rep || return 1
	s3=$OBJ_PID
	SERVERS="$SERVERS $s3"
	E="--endpoint http://127.0.0.1:$OBJ_PORT"
	export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
	       AWS_DEFAULT_REGION=us-east-1 HOME="$D"
	run objects tree 0 --dir s3://rep/t --files 3 --fanout 2 --file-size 16K $S $E
	run objects one 0 --dev s3://rep/one --size 6M --part-size 5M $S $E --verify
	run objects endpoints 0 --dir s3://rep/two --files 4 --file-size 64K $S $E \
		--endpoint "http://localhost:$OBJ_PORT" --log "$D/olog" --plot "$D/o.svg" --verify
	run objects steady 0 --dir s3://rep/st --files 32 --file-size 64K $S $E \
		--time 1.5 --steady-state --log-interval 0.1 --rate 4M
	# Bad objects: one replaced by another stream's bytes, one missing;
	# an npz object whose header lost a byte.
	"$TOOL" --stdout --size 16K --seed 42 --stream 7 >"$D/other" 2>/dev/null
	/usr/bin/aws --endpoint-url "http://127.0.0.1:$OBJ_PORT" s3 cp --only-show-errors \
		"$D/other" s3://rep/t/d000/f000001 || fail "aws s3 cp"
	run objects bad 1 --dir s3://rep/t --files 4 --fanout 2 --file-size 16K $S $E --verify-only
	run objects npz 0 --dir s3://rep/z --files 2 --file-size 10000 --format npz $S $E
	/usr/bin/aws --endpoint-url "http://127.0.0.1:$OBJ_PORT" s3 cp --only-show-errors \
		s3://rep/z/d000/f000001.npz "$D/z.npz" || fail "aws s3 cp"
	printf '\377' | dd of="$D/z.npz" bs=1 seek=20 conv=notrunc status=none
	/usr/bin/aws --endpoint-url "http://127.0.0.1:$OBJ_PORT" s3 cp --only-show-errors \
		"$D/z.npz" s3://rep/z/d000/f000001.npz || fail "aws s3 cp"
	run objects framing 1 --dir s3://rep/z --files 2 --file-size 10000 --format npz $S $E --verify-only
	run objects v3tree 0 --dir s3://rep/v3 --files 2 --file-size 16K $S $E $V3
	run objects v3one 0 --dev s3://rep/v3one --size 6M --part-size 5M $S $E $V3 --verify
	# A server killed, one stopped: an error, a hang.
	obj_s3rver "$D/s3b" rep || return 1
	s3b=$OBJ_PID
	SERVERS="$SERVERS $s3b"
	objects_bg error 3 "$s3b" KILL --dir s3://rep/e --files 400 --file-size 64K $S \
		--endpoint "http://127.0.0.1:$OBJ_PORT" --rate 1M --io-timeout 5
	obj_s3rver "$D/s3c" rep || return 1
	SERVERS="$SERVERS $OBJ_PID"
	objects_bg hung 3 "$OBJ_PID" STOP --dir s3://rep/h --files 400 --file-size 64K $S \
		--endpoint "http://127.0.0.1:$OBJ_PORT" --rate 1M --io-timeout 1
	obj_kill "$OBJ_PID"
	# Azure: a container made with the SDK, a tree verified.
	obj_azurite "$D/az" || return 1
	az=$OBJ_PID
	SERVERS="$SERVERS $az"
	conn="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$OBJ_PORT/devstoreaccount1;"
	/usr/bin/python3 -c "from azure.storage.blob import BlobServiceClient as B; B.from_connection_string('$conn').create_container('rep')" ||
		fail "the Azure SDK could not make the container"
	AZURE_STORAGE_CONNECTION_STRING=$conn run objects azure 0 --dir az://rep/t --files 3 --file-size 16K $S --verify
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
# --- format 3: a compress mix and skewed copies, in every stream object ---
V3="--dedup 2 --compress-mix 1:0.5,4:0.5 --dedup-skew 1"
run write v3 0 --dev "$D/w1" --size 2M $S $V3
run passes v3tree 0 --dir "$D/t3" --files 2 --file-size 16K $S $V3 --verify
run tree v3 0 --dir "$D/t3t" --files 2 --file-size 16K $S $V3
run passes v3 0 --dev "$D/v" --size 2M $S $V3 --verify
run write v3scope 0 --dev "$D/w1" --dev "$D/w2" --size 2M $S --dedup 2 --dedup-scope run
run passes v3scope 0 --dev "$D/w1" --dev "$D/w2" --size 2M $S --dedup 2 --dedup-scope run --verify
"$TOOL" --stdout --size 1M --seed 5 $V3 --json 2>"$R/stdout.v3.json" | cat >/dev/null
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
	timeout -k 5 120 mpirun -n 2 "$TOOL" --dev "$D/f%r" --size 1M $S $V3 --json >"$R/fleet.v3.json" 2>"$D/err" ||
		fail "fleet of files, format 3: $(cat "$D/err")"
	timeout -k 5 120 mpirun -n 2 "$TOOL" --dev "$D/f%r" --size 1M $S --dedup 2 --dedup-scope run --json >"$R/fleet.v3scope.json" 2>"$D/err" ||
		fail "fleet of files, one dedup domain: $(cat "$D/err")"
else
	SKIP="--skip fleet"
	echo "fleet: not built with MPI, not checked"
fi
# --- objects ---
# shellcheck source=tests/objstore_servers.sh
. "$(dirname "$0")/objstore_servers.sh"
if [ -n "$NPM" ] && obj_npm "$NPM"; then
	objects_reports || fail "objects: a server did not start"
elif [ $? = 2 ]; then
	fail "objects: npm could not install the servers"
else
	SKIP="$SKIP --skip objects"
	echo "objects: npm is absent (Debian: nodejs, npm), not checked"
fi
# --- verify-crash, and the flushes of writes (the journal on another device) ---
JR=$(mktemp -d /var/tmp/dgen-report-journal.XXXXXX)
run write journal 0 --dev "$D/c" --size 2M $S --bs 256K --journal "$JR/j" --flush-every 512K
run passes journal 0 --dev "$D/c2" --size 2M $S --bs 256K --passes 2 --flush-every 512K --fua
run verify-crash ok 0 --verify-crash "$JR/j"
dd if=/dev/zero of="$D/c" bs=4096 count=1 seek=8 conv=notrunc status=none
run verify-crash lost 1 --verify-crash "$JR/j" --fail-on torn
rm -f "$D/c"
run verify-crash error 3 --verify-crash "$JR/j"
rm -rf "$JR"
# shellcheck disable=SC2086
python3 "$(dirname "$0")/report_keys.py" $SKIP "$DOC" "$R"/*.json || FAILS=$((FAILS + 1))
[ $FAILS = 0 ] && echo "ok: every report's keys are doc/report.md's"
exit $((FAILS > 0))
