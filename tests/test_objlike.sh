#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_objlike.sh - v3 streams in an object store (contract section 7.5),
# and a stopped process on objects
#
# On a real s3rver (npm, as the objstore tests): a tree of objects written
# and verified with --like PROFILE (a profile dgen-inspect makes of this
# machine's documentation), then with --compress-mix and --dedup-skew;
# each object read back by Debian's awscli must be byte for byte the
# --stdout of its stream (--stream + i, doc/objects.md). Then a run with
# --io-timeout 2 is stopped (SIGSTOP) three times for 5 s and continued:
# time while stopped is no request's (doc/objects.md), so it ends with
# exit 0 and verdict ok, not hung nor a timed-out try.
#
# usage: test_objlike.sh DGEN_URING DGEN_INSPECT NPM_CACHE
set -u
TOOL=$1
INSPECT=$2
CACHE=$3
AWS=/usr/bin/aws
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
[ -x "$AWS" ] || { echo "SKIP: Debian's awscli ($AWS) is absent: it reads the objects back"; exit 77; }
# shellcheck source=tests/objstore_servers.sh
. "$(dirname "$0")/objstore_servers.sh"
obj_npm "$CACHE"
case $? in
1) echo "SKIP: npm is absent: s3rver comes from npm (Debian: nodejs, npm)"; exit 77 ;;
0) ;;
*) echo "FAIL: could not install s3rver"; exit 1 ;;
esac
D=$(mktemp -d /dev/shm/dgen-objlike.XXXXXX)
OBJ_PID=
trap 'obj_kill "$OBJ_PID"; rm -rf "$D"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
obj_s3rver "$D/srv" bkt || { echo "FAIL: s3rver did not start"; exit 1; }
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
export AWS_DEFAULT_REGION=us-east-1 HOME=$D
export AWS_ENDPOINT_URL=http://127.0.0.1:$OBJ_PORT
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3 AWS_REGION
# jsn FILE PYEXPR: a value of the JSON report in FILE (d).
jsn() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# readback PREFIX N SIZE SEED STREAM ARGS...: object i of the tree under
# PREFIX against --stdout of stream STREAM + i with the same ARGS.
readback() {
	local prefix=$1 n=$2 size=$3 seed=$4 stream=$5 i bad=0
	shift 5
	for ((i = 0; i < n; i++)); do
		key=$(printf '%s/d000/f%06d' "$prefix" "$i")
		"$AWS" --endpoint-url "$AWS_ENDPOINT_URL" s3 cp "s3://bkt/$key" \
			"$D/obj" >/dev/null 2>"$D/aws.err" ||
			{ fail "aws s3 cp $key: $(cat "$D/aws.err")"; bad=1; continue; }
		"$TOOL" --stdout --seed "$seed" --stream $((stream + i)) \
			--size "$size" "$@" 2>"$D/err" | cmp -s - "$D/obj" ||
			{ fail "$key differs from --stdout --stream $((stream + i)) $*"; bad=1; }
	done
	return $bad
}

# --- --like: a profile of this machine's documentation ---
find /usr/share/doc -type f | sort | xargs cat 2>/dev/null | head -c 8M >"$D/docs"
"$INSPECT" --profile "$D/docs" >"$D/p.json" 2>"$D/err" ||
	{ echo "FAIL: dgen-inspect --profile: $(cat "$D/err")"; exit 1; }
if "$TOOL" --dir s3://bkt/like --files 4 --file-size 2M --seed 9 --stream 5 \
	--like "$D/p.json" --verify --json >"$D/r.json" 2>"$D/err"; then
	[ "$(jsn "$D/r.json" "d['status']")" = ok ] || fail "--like objects: status not ok"
	readback like 4 2M 9 5 --like "$D/p.json" &&
		ok "--like objects verified, each its stream's --stdout"
else
	fail "--like objects: exit $?: $(tail -3 "$D/err")"
fi
# The same tree verified again from the options alone.
"$TOOL" --dir s3://bkt/like --files 4 --file-size 2M --seed 9 --stream 5 \
	--like "$D/p.json" --verify-only >/dev/null 2>"$D/err" &&
	ok "--like objects --verify-only" ||
	fail "--like objects --verify-only: exit $?: $(tail -3 "$D/err")"
# A different profile's stream is not these objects: the verify must fail.
head -c 4M /dev/zero >"$D/zeros"
cat "$D/docs" >>"$D/zeros"
"$INSPECT" --profile "$D/zeros" >"$D/p2.json" 2>/dev/null
"$TOOL" --dir s3://bkt/like --files 4 --file-size 2M --seed 9 --stream 5 \
	--like "$D/p2.json" --verify-only >/dev/null 2>"$D/err"
[ $? = 1 ] && ok "another profile's verify finds bad objects" ||
	fail "verify with another profile did not exit 1: $(tail -3 "$D/err")"

# --- --compress-mix and --dedup-skew ---
# shellcheck disable=SC2054 # the commas are --compress-mix's
V3=(--dedup 2 --compress-mix 1:0.2,1.5:0.3,3:0.3,8:0.2 --dedup-skew 1.2)
if "$TOOL" --dir s3://bkt/mix --files 3 --file-size 3M --seed 12 \
	"${V3[@]}" --verify --json >"$D/r.json" 2>"$D/err"; then
	readback mix 3 3M 12 0 "${V3[@]}" &&
		ok "--compress-mix/--dedup-skew objects verified, each its --stdout"
else
	fail "--compress-mix objects: exit $?: $(tail -3 "$D/err")"
fi

# --- a stopped process is not a hung server ---
# 20 objects of 4 MiB rewritten and read back for 24 s, 16 requests in
# flight all along; stopped three times for 5 s, past the 2 s timeout and
# the tries' idle limit. Before the fix a run stopped twice so failed
# about one time in three (curl's low-speed timer failing a try across
# the stop, or the watchdog counting a stop that began before a job was
# attached): hence three stops.
"$TOOL" --dir s3://bkt/stop --files 20 --file-size 4M --seed 6 --threads 2 \
	--time 24 --io-timeout 2 --verify --json >"$D/r.json" 2>"$D/err" &
pid=$!
stops=0
for at in 2 2 2; do
	sleep "$at"
	kill -STOP "$pid" 2>/dev/null || break
	sleep 5
	kill -CONT "$pid"
	stops=$((stops + 1))
done
wait "$pid"
rc=$?
if [ $stops != 3 ]; then
	fail "the run ended before it was stopped three times (exit $rc)"
elif [ $rc = 0 ] && [ "$(jsn "$D/r.json" "d['status']")" = ok ] &&
     [ "$(jsn "$D/r.json" "[e['verdict'] for e in d['endpoints']]")" = "['ok']" ]; then
	ok "stopped three times 5 s with --io-timeout 2: exit 0, verdict ok"
else
	fail "stopped 5 s with --io-timeout 2: exit $rc: $(tail -3 "$D/err")"
fi

[ $FAILS = 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "all passed"
