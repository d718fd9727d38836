#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_like_fleet.sh - --like in a fleet (contract section 7.5): two ranks
# under Open MPI's mpirun on this machine write and verify a file each in
# /dev/shm with --like PROFILE (a profile dgen-inspect makes of this
# machine's documentation); each rank's file must be byte for byte the
# --stdout of its stream (the report's seed and stream id) with the same
# --like, the two files differ, both ranks report the profile's digest,
# and the fleet verifies them again from the seed alone (--verify-only),
# and finds a file of another profile bad (exit 1).
#
# usage: test_like_fleet.sh DGEN_URING DGEN_INSPECT built|not-built
set -u
TOOL=$1
INSPECT=$2
if [ "${3:-built}" != built ]; then
	echo "SKIP: dgen-uring was built without MPI (meson feature 'mpi')"
	exit 77
fi
# As tests/test_mpi.sh: Open MPI as root in a container.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_plm_rsh_agent=
export OMPI_MCA_mca_base_component_disable_dlclose=1
command -v mpirun >/dev/null || { echo "SKIP: no mpirun (openmpi-bin)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
D=$(mktemp -d /dev/shm/dgen-likefleet.XXXXXX)
trap 'rm -rf "$D"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
mpi() { local n=$1; shift; timeout -k 5 120 mpirun -n "$n" "$TOOL" "$@"; }
# jsn FILE PYEXPR: a value of the JSON report in FILE (d), exactly
# (python3, not jq: jq reads 64-bit seeds as doubles).
jsn() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

find /usr/share/doc -type f | sort | xargs cat 2>/dev/null | head -c 8M >"$D/docs"
"$INSPECT" --profile "$D/docs" >"$D/p.json" 2>"$D/err" ||
	{ echo "FAIL: dgen-inspect --profile: $(cat "$D/err")"; exit 1; }
digest=$(jsn "$D/p.json" "d.get('digest', '')")

mpi 2 --dev "$D/f%r" --size 4M --like "$D/p.json" --verify --json \
	>"$D/r.json" 2>"$D/err"
rc=$?
if [ $rc != 0 ]; then
	fail "--like fleet: exit $rc: $(tail -3 "$D/err")"
else
	[ "$(jsn "$D/r.json" "len(d['ranks'])")" = 2 ] || fail "ranks in the report"
	seed=$(jsn "$D/r.json" "d['ranks'][0]['targets'][0]['stream']['seed']")
	for r in 0 1; do
		s="d['ranks'][$r]['targets'][0]"
		p=$(jsn "$D/r.json" "${s}['path']")
		[ "$p" = "$D/f$r" ] || fail "rank $r's path $p"
		id=$(jsn "$D/r.json" "${s}['stream']['stream_id']")
		[ "$(jsn "$D/r.json" "${s}['stream']['seed']")" = "$seed" ] ||
			fail "rank $r did not share rank 0's seed"
		[ "$(jsn "$D/r.json" "${s}['stream']['format_version']")" = 3 ] ||
			fail "rank $r's stream is not format 3"
		pd=$(jsn "$D/r.json" "${s}['stream']['profile_digest']")
		[ -n "$pd" ] && { [ -z "$digest" ] || [ "$pd" = "$digest" ]; } ||
			fail "rank $r's profile digest '$pd' (profile's '$digest')"
		"$TOOL" --stdout --seed "$seed" --stream "$id" --size 4M \
			--like "$D/p.json" 2>"$D/err" | cmp -s - "$p" &&
			ok "rank $r's file is --stdout --stream $id --like" ||
			fail "rank $r's file differs from --stdout --stream $id --like"
	done
	cmp -s "$D/f0" "$D/f1" && fail "the two ranks wrote the same bytes"
	mpi 2 --dev "$D/f%r" --size 4M --like "$D/p.json" --seed "$seed" \
		--verify-only >/dev/null 2>"$D/err" &&
		ok "the fleet verifies its --like files from the seed alone" ||
		fail "--like fleet --verify-only: exit $?: $(tail -3 "$D/err")"
	# Another profile's streams are not these files.
	head -c 4M /dev/zero >"$D/zeros"
	cat "$D/docs" >>"$D/zeros"
	"$INSPECT" --profile "$D/zeros" >"$D/p2.json" 2>/dev/null
	mpi 2 --dev "$D/f%r" --size 4M --like "$D/p2.json" --seed "$seed" \
		--verify-only >/dev/null 2>"$D/err"
	rc=$?
	[ $rc = 1 ] && ok "another profile's fleet verify finds the files bad" ||
		fail "verify with another profile: exit $rc (not 1): $(tail -3 "$D/err")"
fi

[ $FAILS = 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "all passed"
