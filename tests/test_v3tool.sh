#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_v3tool.sh - dgen-uring writes and verifies a mixed and skewed stream
# (doc/data-contract.md section 7), and dgen-inspect measures it
#
# A file in /dev/shm (O_DIRECT on tmpfs) is written with --compress-mix
# and --dedup-skew and verified; --verify-only with the options rebuilt
# from the JSON report's stream alone passes; without the skew it finds
# the copies foreign; a zeroed block is found and named; two burn-in
# passes verify; a tree verifies. dgen-inspect reads the file back: lz4
# and zstd per 4 KiB measure the report's mix_ratio within 3%, and dedup
# is d within 1% at every chunk size up to the exact unit.
#
# usage: test_v3tool.sh DGEN_URING DGEN_INSPECT
set -u
TOOL=$1
INSPECT=$2
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
D=$(mktemp -d /dev/shm/dgen-v3.XXXXXX)
trap 'rm -rf "$D"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
F=$D/disk
V3="--dedup 2 --compress-mix 1:0.2,1.5:0.3,3:0.3,8:0.2 --dedup-skew 1.2"

"$TOOL" --dev "$F" --size 64M --seed 77 $V3 --verify --json >"$D/w.json" 2>"$D/err" ||
	fail "write + verify: exit $?: $(cat "$D/err")"

# The stream's parameters from the report, and nothing else.
ARGS=$(python3 - "$D/w.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))['targets'][0]['stream']
assert s['format_version'] == 3, s
print('--seed %d --size %d --dedup %.17g --dedup-unit %d --compress-mix %s --dedup-skew %.17g'
      % (s['seed'], s['size'], s['dedup_ratio'], s['dedup_unit'],
         s['compress_mix'], s['dedup_skew']))
PY
) || fail "the report has no format 3 stream"
echo "from the report: $ARGS"
# shellcheck disable=SC2086
"$TOOL" --dev "$F" $ARGS --verify-only >"$D/out" 2>&1 ||
	fail "verify-only from the report's parameters: exit $?: $(tail -3 "$D/out")"
# shellcheck disable=SC2086
"$TOOL" --dev "$F" $(echo "$ARGS" | sed 's/ --dedup-skew [^ ]*//') --verify-only >"$D/out" 2>&1
rc=$?
# New pieces enter at the same slots either way; the copies differ.
[ $rc = 1 ] && grep -q "foreign [1-9]" "$D/out" ||
	fail "verify-only without the skew: exit $rc, not 1 with foreign blocks: $(grep mismatches "$D/out" | head -1)"

# One 4 KiB block zeroed at 40 MiB: found, zeroed, at its offset.
dd if=/dev/zero of="$F" bs=4096 seek=10240 count=1 conv=notrunc status=none
# shellcheck disable=SC2086
"$TOOL" --dev "$F" $ARGS --verify-only --json >"$D/v.json" 2>/dev/null
rc=$?
python3 - "$D/v.json" <<'PY' && [ $rc = 1 ] || fail "a zeroed block: exit $rc, not 1, or not reported"
import json, sys
r = json.dumps(json.load(open(sys.argv[1])))
assert '41943040' in r and '"zeroed": 1' in r, r[:2000]
PY

"$TOOL" --dev "$F" --size 64M --seed 78 $V3 --passes 2 --verify >"$D/out" 2>&1 ||
	fail "two passes: exit $?: $(tail -3 "$D/out")"
"$TOOL" --dir "$D/tree" --files 4 --file-size 1M --seed 79 $V3 --verify >"$D/out" 2>&1 ||
	fail "a tree: exit $?: $(tail -3 "$D/out")"

# dgen-inspect on the file as written (seed 77 again, no damage).
"$TOOL" --dev "$F" --size 64M --seed 77 $V3 >/dev/null 2>&1 || fail "rewrite"
"$INSPECT" --json "$F" >"$D/i.json" 2>"$D/err" || fail "dgen-inspect: $(cat "$D/err")"
python3 - "$D/w.json" "$D/i.json" <<'PY' || fail "dgen-inspect's measures"
import json, sys
s = json.load(open(sys.argv[1]))['targets'][0]['stream']
i = json.load(open(sys.argv[2]))
want = s['mix_ratio']
for k in ('lz4_4k', 'zstd_4k'):
    got = i['compress'][k]
    print('%s %.4f, mix ratio %.4f' % (k, got, want))
    assert abs(got / want - 1) <= 0.03, k
for d in i['dedup']:
    if d['unit'] <= s['dedup_exact_unit']:
        print('dedup at %7d: %.4f' % (d['unit'], d['ratio']))
        assert abs(d['ratio'] / s['dedup_ratio'] - 1) <= 0.01, d
PY
# --dedup-scope run: three files, one dedup domain. Verified together;
# their union (cat) holds d at every chunk size up to the exact unit, and
# over half of the copies come from another file.
S3="--size 16M --seed 80 --dedup 3 --dedup-scope run --compress-mix 1:0.5,3:0.5 --dedup-skew 1"
"$TOOL" --dev "$D/s0" --dev "$D/s1" --dev "$D/s2" $S3 --verify --json >"$D/s.json" 2>"$D/err" ||
	fail "a dedup domain of three files: exit $?: $(cat "$D/err")"
"$TOOL" --dev "$D/s0" --dev "$D/s1" --dev "$D/s2" $S3 --verify-only >"$D/out" 2>&1 ||
	fail "verify-only of the domain: exit $?: $(tail -3 "$D/out")"
cat "$D/s0" "$D/s1" "$D/s2" >"$D/union"
"$INSPECT" --json "$D/union" >"$D/u.json" 2>"$D/err" || fail "dgen-inspect: $(cat "$D/err")"
python3 - "$D/s.json" "$D/u.json" <<'PY' || fail "the domain's measures"
import json, sys
ts = json.load(open(sys.argv[1]))['targets']
u = json.load(open(sys.argv[2]))
assert [t['stream']['scope_index'] for t in ts] == [0, 1, 2], ts
s = ts[0]['stream']
assert s['scope_targets'] == 3 and s['dedup_scope'] == 'run', s
print('cross share %.4f (floor %.4f)' % (s['cross_share'], 0.6 * (1 - 1 / 3)))
assert s['cross_share'] >= 0.6 * (1 - 1 / 3)
for k in ('lz4_4k', 'zstd_4k'):
    print('union %s %.4f, mix ratio %.4f' % (k, u['compress'][k], s['mix_ratio']))
    assert abs(u['compress'][k] / s['mix_ratio'] - 1) <= 0.03, k
for d in u['dedup']:
    if d['unit'] <= s['dedup_exact_unit']:
        print('union dedup at %7d: %.4f' % (d['unit'], d['ratio']))
        assert abs(d['ratio'] / 3 - 1) <= 0.01, d
PY
# One target of the domain alone, from the report: its stream id, and
# --dedup-scope run:T:I with its scope_targets and scope_index.
"$TOOL" --dev "$D/s1" --stream 1 --dedup-scope run:3:1 --size 16M --seed 80 --dedup 3 --compress-mix 1:0.5,3:0.5 --dedup-skew 1 \
	--verify-only >"$D/out" 2>&1 ||
	fail "target 1 alone: exit $?: $(tail -3 "$D/out")"
"$TOOL" --dev "$D/s1" --stream 1 --dedup-scope run --size 16M --seed 80 --dedup 3 --compress-mix 1:0.5,3:0.5 --dedup-skew 1 \
	--verify-only >"$D/out" 2>&1
rc=$?
[ $rc = 1 ] || fail "target 1 alone as a domain of one: exit $rc, not 1"
[ $FAILS = 0 ] || exit 1
echo "ok"
