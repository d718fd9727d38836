#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_mpi.sh - dgen-uring as a fleet under Open MPI's mpirun on this one
# machine (2 to 4 ranks, a few MiB each, files in /dev/shm): a file per
# rank, one shared stream, verify-only, refusals, --time, --passes with
# --verify and the meetings before each pass and read-back, --stonewall,
# a killed rank (1, then 0), an I/O error on one rank, the fleet's --rate,
# a tree per rank, one path for two ranks, each rank's CPUs; and a plain
# start that stays plain.
# Every check runs the real tool and reads back real files: byte compares
# against --stdout, ratios measured by dgen-inspect (real lz4/zstd/xxhash).
#
# usage: test_mpi.sh DGEN_URING DGEN_INSPECT built|not-built
set -u
TOOL=$1
INSPECT=$2
if [ "${3:-built}" != built ]; then
	echo "SKIP: dgen-uring was built without MPI (meson feature 'mpi')"
	exit 77
fi
# We run as root in CI; these MCA settings make Open MPI work in a
# container (no single-copy CMA between ranks, shared memory and self only).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_plm_rsh_agent=
# Plugins stay loaded to the end, so LeakSanitizer can name their library.
export OMPI_MCA_mca_base_component_disable_dlclose=1
command -v mpirun >/dev/null || { echo "SKIP: no mpirun (openmpi-bin)"; exit 77; }
D=$(mktemp -d /dev/shm/dgen-mpi.XXXXXX)
trap 'rm -rf "$D"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
# mpirun with a wide bound: a hang fails the test instead of stalling it.
mpi() { local n=$1; shift; timeout -k 5 120 mpirun -n "$n" "$TOOL" "$@"; }

# The --stdout stream of a target, from its stream object in the JSON
# report on stdin. (python3, not jq: jq reads 64-bit seeds as doubles.)
regen() {
	local args
	args=$(python3 -c '
import json, sys
s = json.load(sys.stdin)
print("--seed %d --stream %d --size %d --dedup %s --dedup-unit %d --compress %s --dedup-window %d" %
      (s["seed"], s["stream_id"], s["size"], s["dedup_ratio"], s["dedup_unit"],
       s["compress_ratio"], s["dedup_window"]))')
	# shellcheck disable=SC2086
	"$TOOL" --stdout $args 2>/dev/null
}
# jsn FILE PYEXPR: a value of the JSON report in FILE (d), exactly.
jsn() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# --- a plain start stays plain: no MPI, no expansion, no fleet options ---
"$TOOL" --dev "$D/plain%r" --size 1M --seed 1 >/dev/null 2>&1 &&
	[ -f "$D/plain%r" ] && ok "plain run writes the path as given" ||
	fail "plain run with %r in the path"
"$TOOL" --dev "$D/x" --size 1M --shared >/dev/null 2>"$D/err"
[ $? = 2 ] && grep -q "MPI launcher" "$D/err" && ok "--shared refused outside MPI" ||
	fail "--shared outside MPI: $(cat "$D/err")"
rm -f "$D"/plain* "$D/x" "$D/err"

# --- a file per rank: 4 ranks, 4 stream ids, each file its --stdout ---
mpi 4 --dev "$D/f%r" --size 4M --dedup 2 --json >"$D/r.json" 2>"$D/r.err"
rc=$?
if [ $rc != 0 ]; then
	fail "file per rank: exit $rc: $(cat "$D/r.err")"
else
	[ "$(jq '.ranks | length' "$D/r.json")" = 4 ] || fail "ranks in the report"
	[ "$(jq .bytes "$D/r.json")" = $((16 << 20)) ] || fail "fleet bytes"
	[ "$(jq '[.ranks[].targets[].stream.stream_id] | unique | length' "$D/r.json")" = 4 ] ||
		fail "stream ids not distinct"
	[ "$(jq '[.ranks[].targets[].stream.seed] | unique | length' "$D/r.json")" = 1 ] ||
		fail "ranks did not share rank 0's seed"
	for r in 0 1 2 3; do
		p=$(jq -r ".ranks[$r].targets[0].path" "$D/r.json")
		[ "$p" = "$D/f$r" ] || fail "rank $r's path $p"
		jsn "$D/r.json" "json.dumps(d['ranks'][$r]['targets'][0]['stream'])" | regen | cmp -s - "$p" ||
			fail "rank $r's file differs from --stdout with its parameters"
	done
	ok "file per rank: $(jq -c '[.ranks[].targets[].stream.stream_id]' "$D/r.json"), $(jq .bytes "$D/r.json") bytes, skew $(jq .start_skew_s "$D/r.json") s"
fi

# --- verify-only: clean, then one flipped byte in rank 2's file ---
S=$(jsn "$D/r.json" "d['seed']")
mpi 4 --dev "$D/f%r" --size 4M --dedup 2 --seed "$S" --verify-only >/dev/null 2>"$D/v.err"
rc=$?
[ $rc = 0 ] && ok "verify-only clean" || fail "verify-only clean: exit $rc $(cat "$D/v.err")"
printf '\x5a' | dd of="$D/f2" bs=1 seek=$((3 << 20)) conv=notrunc 2>/dev/null
cmp -s "$D/f2" <(jsn "$D/r.json" "json.dumps(d['ranks'][2]['targets'][0]['stream'])" | regen) &&
	fail "the flip did not change the file"
mpi 4 --dev "$D/f%r" --size 4M --dedup 2 --seed "$S" --verify-only --json >"$D/v.json" 2>"$D/v.err"
rc=$?
if [ $rc = 1 ] && grep -q "rank 2 .*$D/f2" "$D/v.err" &&
   [ "$(jq '.ranks[2].mismatches' "$D/v.json")" -ge 1 ] &&
   [ "$(jq '[.ranks[0,1,3].mismatches] | add' "$D/v.json")" = 0 ]; then
	ok "verify-only: $(grep "rank 2" "$D/v.err")"
else
	fail "verify-only after a flip: exit $rc, $(cat "$D/v.err")"
fi
rm -f "$D"/f*

# --- shared: 3 ranks, one file, the single-process stream ---
mpi 3 --dev "$D/shared" --shared --size 24M --dedup 2 --compress 2 \
	--dedup-window 4M --json >"$D/s.json" 2>"$D/s.err"
rc=$?
if [ $rc != 0 ]; then
	fail "shared: exit $rc: $(cat "$D/s.err")"
else
	jsn "$D/s.json" "json.dumps(d['ranks'][0]['targets'][0]['stream'])" | regen | cmp - "$D/shared" &&
		ok "shared file equals the single-process stream" ||
		fail "shared file differs from the single-process stream"
	[ "$(jq '[.ranks[].targets[0].stream_origin] | unique | length' "$D/s.json")" = 3 ] ||
		fail "shared: ranks did not write distinct slices"
	"$INSPECT" --json "$D/shared" >"$D/i.json" 2>/dev/null
	dd=$(jq '.dedup[] | select(.unit == 4096) | .ratio' "$D/i.json")
	lz=$(jq '.compress.zstd_64k' "$D/i.json")
	awk -v d="$dd" -v z="$lz" 'BEGIN { exit !(d == 2 && z > 1.8 && z < 2.3) }' &&
		ok "shared ratios on the whole file: dedup $dd, zstd 64k $lz" ||
		fail "shared ratios: dedup $dd, zstd $lz"
fi
# verify-only of the shared file, every rank its slice
mpi 2 --dev "$D/shared" --shared --size 24M --dedup 2 --compress 2 \
	--dedup-window 4M --seed "$(jsn "$D/s.json" "d['seed']")" --verify-only >/dev/null 2>"$D/s.err" &&
	ok "shared verify-only with 2 ranks" || fail "shared verify-only: $(cat "$D/s.err")"
rm -f "$D/shared"

# --- a refused target on rank 1: nobody writes ---
mkdir "$D/r1"
mpi 4 --dev "$D/r%r" --size 4M >/dev/null 2>"$D/ref.err"
rc=$?
if [ $rc = 2 ] && grep -q "rank 1 ([^)]*): $D/r1" "$D/ref.err" &&
   [ ! -e "$D/r0" ] && [ ! -e "$D/r2" ] && [ ! -e "$D/r3" ]; then
	ok "refusal: $(grep "rank 1" "$D/ref.err")"
else
	fail "refusal: exit $rc, $(cat "$D/ref.err"), $(ls "$D")"
fi
rmdir "$D/r1"

# --- --passes 2 --verify and --time across ranks ---
mpi 2 --dev "$D/p%r" --size 2M --passes 2 --verify --json >"$D/p.json" 2>"$D/p.err"
rc=$?
[ $rc = 0 ] && [ "$(jq '[.ranks[].passes] | unique' -c "$D/p.json")" = "[2]" ] &&
	[ "$(jq '.read == .written and .written == 2 * 2 * 2 * 1048576' "$D/p.json")" = true ] &&
	ok "--passes 2 --verify: $(jq -c '{written, read, mismatches}' "$D/p.json")" ||
	fail "--passes 2 --verify: exit $rc $(cat "$D/p.err")"
mpi 2 --dev "$D/p%r" --size 2M --time 1 --json >"$D/t.json" 2>"$D/t.err"
rc=$?
[ $rc = 0 ] && jq -e '.seconds >= 1 and .seconds < 60 and ([.ranks[].passes] | min) >= 1' "$D/t.json" >/dev/null &&
	ok "--time 1: $(jq -c '{seconds, passes: [.ranks[].passes]}' "$D/t.json")" ||
	fail "--time 1: exit $rc $(cat "$D/t.err")"
rm -f "$D"/p*
# The ranks meet before each pass and read-back: rank 0's small file
# waits for rank 1's big one at the start of pass 2 and both read-backs.
# At 2 MiB/s a rank (4M fleet-wide), rank 1 writes or reads its 2 MiB in
# ~1 s, rank 0 its 256 KiB in ~0.13 s: rank 0 waits ~2.6 s (0 without).
truncate -s 256K "$D/m0"
truncate -s 2M "$D/m1"
mpi 2 --dev "$D/m%r" --passes 2 --verify --rate 4M --bs 64K --json >"$D/m.json" 2>"$D/m.err"
rc=$?
[ $rc = 0 ] && jq -e '.ranks[0].waited_s >= 1.5 and .ranks[0].waited_s > .ranks[1].waited_s and
	.ranks[0].seconds >= 2.5 and .ranks[0].slow == false and
	.read == .written and .written == 2 * (262144 + 2097152)' "$D/m.json" >/dev/null &&
	ok "meetings before passes and read-backs: $(jq -c '[.ranks[] | {rank, seconds, waited_s}]' "$D/m.json")" ||
	fail "meetings: exit $rc $(cat "$D/m.err") $(jq -c '[.ranks[] | {rank, seconds, waited_s, slow}]' "$D/m.json")"
rm -f "$D"/m*

# --- stonewall: rank 0's small file ends the run of rank 1's big one ---
"$TOOL" --dev "$D/w0" --size 1M >/dev/null 2>&1
truncate -s 1G "$D/w1"
mpi 2 --dev "$D/w%r" --stonewall --rate 64M --json >"$D/w.json" 2>"$D/w.err"
rc=$?
[ $rc = 0 ] && jq -e '.mpi.stonewall and .ranks[1].status == "stonewalled" and .ranks[1].written < 1073741824' "$D/w.json" >/dev/null &&
	ok "stonewall: $(jq -c '[.ranks[] | {rank, status, written}]' "$D/w.json")" ||
	fail "stonewall: exit $rc $(cat "$D/w.err") $(jq -c '.ranks[] | {status, written}' "$D/w.json")"
rm -f "$D"/w*

# --- a rank killed mid-run: the job ends, a report names it ---
# Open MPI stops the others with SIGTERM and SIGKILLs them a second later
# (odls_base_sigkill_timeout); the report needs half of that, and a
# loaded machine under ASan may need more: 3 s here. Rank 0 reports when
# rank 1 dies; rank 1 does when rank 0 does.
written() { [ "$(du -k "$1" 2>/dev/null | cut -f1)" -gt 0 ] 2>/dev/null; }
for victim_rank in 1 0; do
	reporter=$((1 - victim_rank))
	OMPI_MCA_odls_base_sigkill_timeout=3 \
		mpi 3 --dev "$D/k%r" --size 64M --time 100 --json >"$D/k.out" 2>"$D/k.err" &
	job=$!
	victim=
	for _ in $(seq 600); do
		for p in $(pgrep -x dgen-uring); do
			if tr '\0' '\n' </proc/$p/cmdline 2>/dev/null | grep -qx "$D/k%r" &&
			   tr '\0' '\n' </proc/$p/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$victim_rank"; then
				victim=$p
			fi
		done
		# every rank has data on its file (tmpfs allocates as written)
		[ -n "$victim" ] && written "$D/k0" && written "$D/k1" && written "$D/k2" && break
		sleep 0.1
	done
	if [ -z "$victim" ]; then
		fail "killed rank $victim_rank: it never started"
		kill "$job" 2>/dev/null
		wait "$job"
		continue
	fi
	kill -9 "$victim"
	wait "$job"
	rc=$?
	# rank 2 may be lost too when its figures are slow to come; the
	# killed rank must be, and the reporter is not
	if [ $rc != 0 ] && [ $rc != 124 ] && grep -q "rank $victim_rank: lost" "$D/k.err" &&
	   jq -e --argjson v $victim_rank --argjson r $reporter \
		'.signalled and .lost_ranks >= 1 and .ranks[$v].status == "lost" and
		 .ranks[$r].status == "stopped" and .ranks[$r].signalled and
		 .ranks[$r].written > 0 and .status == "lost"' "$D/k.out" >/dev/null; then
		ok "killed rank $victim_rank: exit $rc, rank $reporter reports $(jq -c '[.ranks[] | {rank, status, written}]' "$D/k.out")"
	else
		fail "killed rank $victim_rank: exit $rc, $(cat "$D/k.err") $(cat "$D/k.out")"
	fi
	rm -f "$D"/k*
done

# --- an I/O error on one rank stops the others; each reports its bytes ---
# rank 1's file is on a 4 MiB tmpfs: ENOSPC past it (root: a mount)
if [ "$(id -u)" = 0 ] && mkdir -p "$D/m0" "$D/m1" &&
   mount -t tmpfs -o size=4m dgen-mpi "$D/m1" 2>/dev/null; then
	mpi 2 --dev "$D/m%r/f" --size 16M --time 60 --json >"$D/e.json" 2>"$D/e.err"
	rc=$?
	if [ $rc = 3 ] && grep -q "rank 1 ([^)]*): $D/m1/f at offset [0-9]* failed: No space left" "$D/e.err" &&
	   jq -e '.status == "error" and .ranks[1].status == "error" and
		  .ranks[0].status == "stopped" and .ranks[0].stopped_by == 1 and
		  .seconds < 60 and .written == ([.ranks[].written] | add)' "$D/e.json" >/dev/null; then
		ok "error stops the fleet: $(grep "rank 1" "$D/e.err"), $(jq -c '[.ranks[] | {rank, status, stopped_by, written}]' "$D/e.json")"
	else
		fail "error on rank 1: exit $rc, $(cat "$D/e.err") $(cat "$D/e.json")"
	fi
	# a tree's error names its file
	rm -f "$D/m0/f" "$D/m1/f"
	mpi 2 --dir "$D/m%r/t" --files 32 --file-size 256K >/dev/null 2>"$D/e.err"
	rc=$?
	[ $rc = 3 ] && grep -q "rank 1 ([^)]*): $D/m1/t/d000/f0000[0-9][0-9] at offset [0-9]* failed: No space left" "$D/e.err" &&
		ok "error in a tree: $(grep "rank 1" "$D/e.err")" ||
		fail "error in rank 1's tree: exit $rc, $(cat "$D/e.err")"
	umount "$D/m1"
else
	echo "skip: an I/O error on one rank needs root to mount a small tmpfs"
fi
rm -rf "$D"/m? "$D"/e.*

# --- --rate is the fleet's: 2 ranks at 4 MiB/s take 2 MiB/s each ---
# 4 MiB per rank in 256 KiB writes: ~1.9 s at 2 MiB/s (~0.9 s were each
# rank to take the whole rate)
mpi 2 --dev "$D/q%r" --size 4M --bs 256K --rate 4M --json >"$D/q.json" 2>"$D/q.err"
rc=$?
[ $rc = 0 ] && jq -e '.mpi.rate_scope == "fleet" and .mpi.rate == 4194304 and
	([.ranks[].seconds] | min) >= 1.4 and .written == 2 * 4194304' "$D/q.json" >/dev/null &&
	ok "--rate 4M over 2 ranks: $(jq -c '[.ranks[].seconds]' "$D/q.json") s" ||
	fail "--rate across ranks: exit $rc $(cat "$D/q.err") $(jq -c '.ranks[].seconds' "$D/q.json")"
rm -f "$D"/q*

# --- a tree per rank: --dir with %r, streams after the lower ranks' ---
mpi 2 --dir "$D/t%r" --files 3 --file-size 256K --dedup 2 --json >"$D/t.json" 2>"$D/t.err"
rc=$?
if [ $rc != 0 ]; then
	fail "tree per rank: exit $rc: $(cat "$D/t.err")"
else
	[ "$(jq -c '[.ranks[].targets[0].tree.first_stream]' "$D/t.json")" = "[0,3]" ] ||
		fail "tree per rank: first streams $(jq -c '[.ranks[].targets[0].tree.first_stream]' "$D/t.json")"
	[ "$(jq .written "$D/t.json")" = $((2 * 3 * 256 * 1024)) ] || fail "tree per rank: bytes"
	for r in 0 1; do
		for i in 0 2; do
			f=$D/t$r/d000/f00000$i
			jsn "$D/t.json" "json.dumps(dict(d['ranks'][$r]['targets'][0]['stream'], stream_id=d['ranks'][$r]['targets'][0]['stream']['stream_id'] + $i))" |
				regen | cmp -s - "$f" || fail "tree per rank: $f differs from --stdout of its stream"
		done
	done
	TS=$(jsn "$D/t.json" "d['seed']")
	mpi 2 --dir "$D/t%r" --files 3 --file-size 256K --dedup 2 --seed "$TS" --verify-only >/dev/null 2>"$D/t.err" ||
		fail "tree per rank: verify-only: $(cat "$D/t.err")"
	printf '\x5a' | dd of="$D/t1/d000/f000002" bs=1 seek=70000 conv=notrunc 2>/dev/null
	mpi 2 --dir "$D/t%r" --files 3 --file-size 256K --dedup 2 --seed "$TS" --verify-only >/dev/null 2>"$D/t.err"
	rc=$?
	# and from this host alone, as one rank's tree is checked later
	"$TOOL" --dir "$D/t1" --files 3 --file-size 256K --dedup 2 --seed "$TS" \
		--stream "$(jq '.ranks[1].targets[0].tree.first_stream' "$D/t.json")" --verify-only >/dev/null 2>&1
	rc1=$?
	"$TOOL" --dir "$D/t0" --files 3 --file-size 256K --dedup 2 --seed "$TS" --verify-only >/dev/null 2>&1
	rc0=$?
	[ $rc = 1 ] && [ $rc1 = 1 ] && [ $rc0 = 0 ] &&
		grep -q "rank 1 ([^)]*): $D/t1/d000/f000002: bad blocks, the first at offset $((70000 / 4096 * 4096))" "$D/t.err" &&
		ok "tree per rank: streams $(jq -c '[.ranks[].targets[0].tree.first_stream]' "$D/t.json"), $(grep "rank 1" "$D/t.err")" ||
		fail "tree per rank after a flip: exit $rc (alone: $rc0, $rc1), $(cat "$D/t.err")"
fi
rm -rf "$D"/t*

# --- two ranks on one host, one path, no --shared: refused ---
mpi 2 --dev "$D/same" --size 1M >/dev/null 2>"$D/c.err"
rc=$?
[ $rc = 2 ] && grep -q "rank 1 ([^)]*): $D/same is rank 0's target too" "$D/c.err" &&
	[ ! -s "$D/same" ] && ok "one path for two ranks: $(grep "rank 1" "$D/c.err")" ||
	fail "one path for two ranks: exit $rc, $(cat "$D/c.err")"
rm -f "$D/same" "$D/c.err"

# --- placement: each rank plans on its own share of the host's CPUs ---
# Default options (no --threads, --bs, --qd): each rank's plan is in the
# report, and with 2 or more CPUs here the two ranks' CPUs are disjoint.
mpi 2 --dev "$D/c%r" --size 2M --json >"$D/c.json" 2>"$D/c.err"
rc=$?
if [ $rc = 0 ] && jq -e '[.ranks[] | .threads >= 1 and (.cpus | length) > 0 and
		       .bs > 0 and .qd > 0] | all' "$D/c.json" >/dev/null; then
	shared=$(jsn "$D/c.json" '
len(set.intersection(*[{c for i in r["cpus"].split(",")
	for c in range(int(i.split("-")[0]), int(i.split("-")[-1]) + 1)}
	for r in d["ranks"]]))')
	if [ "$(nproc)" -lt 2 ] || [ "$shared" = 0 ]; then
		ok "placement: $(jq -c '[.ranks[] | {rank, threads, cpus}]' "$D/c.json")"
	else
		fail "placement: ranks share $shared CPUs: $(jq -c '[.ranks[] | {threads, cpus}]' "$D/c.json")"
	fi
else
	fail "placement: exit $rc $(cat "$D/c.err") $(jq -c '[.ranks[] | {threads, cpus}]' "$D/c.json")"
fi
rm -f "$D"/c*
# a rank that cannot plan refuses like any other: nothing written anywhere
DGEN_HWLOC_SYNTHETIC="core:4 pu:2" mpi 2 --dev "$D/c%r" --size 2M >/dev/null 2>"$D/cr.err"
rc=$?
[ $rc = 2 ] && grep -q "rank 1 ([^)]*): the topology is a pretend machine" "$D/cr.err" &&
	[ ! -e "$D/c0" ] && [ ! -e "$D/c1" ] && ok "placement refused: $(grep "rank 0" "$D/cr.err")" ||
	fail "placement refused: exit $rc $(cat "$D/cr.err")"
rm -f "$D"/c*
# --- end of placement ---

[ $FAILS = 0 ] || { echo "$FAILS failed"; exit 1; }
echo "all passed"
