#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_like.sh - mimicry (doc/data-contract.md section 7.4): a sample's
# profile, a --like stream, and the mimic's profile side by side
#
# Three samples built from what every Debian machine has: the system's
# shared libraries, its documentation (with its first quarter again at
# the end: dedup 1.33), and a sqlite3 database this test makes (secure
# delete leaves zeroed free pages). For each: dgen-inspect --profile,
# dgen-uring --like writes and verifies a mimic on /dev/shm, and its
# profile must match the sample's: lz4, zstd per 4 KiB, zstd per 64 KiB
# and dedup per 4 KiB within 5%, histogram total variation <= 0.1, zero
# share within 1 point. dgen-inspect's xxhash counts at 512 B and 4 KiB
# show no aligned sector repeats beyond the asked copies (the zero
# blocks' sectors being the only all-zero ones). The database's mimic
# verifies again from its report and the profile alone, over two
# passes, and as a tree.
#
# usage: test_like.sh DGEN_URING DGEN_INSPECT
set -u
TOOL=$1
INSPECT=$2
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 (apt-get install sqlite3)"; exit 77; }
D=$(mktemp -d /dev/shm/dgen-like.XXXXXX)
trap 'rm -rf "$D"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

# The samples.
cat /usr/lib/x86_64-linux-gnu/*.so* 2>/dev/null | head -c 32M >"$D/libs"
find /usr/share/doc -type f | sort | xargs cat 2>/dev/null | head -c 24M >"$D/docs"
head -c 8M "$D/docs" >>"$D/docs"
sqlite3 "$D/db" "PRAGMA page_size=4096; PRAGMA secure_delete=ON;
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, qty INTEGER, price REAL,
	       note TEXT, b BLOB);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000)
INSERT INTO t SELECT x, 'customer-' || (x % 977), x % 13, (x % 1000) / 7.0,
	CASE x % 3 WHEN 0 THEN 'shipped on time' WHEN 1 THEN 'backorder' END,
	CASE WHEN x % 5 = 0 THEN randomblob(40) ELSE zeroblob(16) END FROM c;
CREATE INDEX ti ON t(name, qty);
DELETE FROM t WHERE id > 250000;" || fail "sqlite3 could not make the database"

for n in libs docs db; do
	size=$(stat -c %s "$D/$n")
	size=$((size / 1048576 * 1048576))
	if [ "$size" -lt 8388608 ]; then
		fail "sample $n is only $size bytes"
		continue
	fi
	"$INSPECT" --profile "$D/$n" >"$D/$n.json" 2>"$D/err" ||
		{ fail "profile of $n: $(cat "$D/err")"; continue; }
	"$TOOL" --dev "$D/m.$n" --size "$size" --seed 41 --like "$D/$n.json" \
		--verify --json >"$D/w.$n.json" 2>"$D/err" ||
		{ fail "--like $n: exit $?: $(tail -3 "$D/err")"; continue; }
	"$INSPECT" --profile "$D/m.$n" >"$D/m.$n.json" 2>"$D/err" ||
		fail "profile of the mimic of $n: $(cat "$D/err")"
	"$INSPECT" --json "$D/m.$n" >"$D/i.$n.json" 2>"$D/err" ||
		fail "inspect of the mimic of $n: $(cat "$D/err")"
	python3 - "$n" "$D/$n.json" "$D/m.$n.json" "$D/i.$n.json" \
		"$D/w.$n.json" <<'PY' || fail "mimicry of $n"
import json, sys
name, a, b, ins, rep = sys.argv[1], *(json.load(open(f)) for f in sys.argv[2:])
bad = []
print('%-10s %-12s %10s %10s %8s' % ('sample', 'measure', 'sample', 'mimic', 'gap'))
for k in ('lz4_4k', 'zstd_4k', 'zstd_64k', 'dedup_4k'):
    gap = b[k] / a[k] - 1
    print('%-10s %-12s %10.4f %10.4f %+7.2f%%' % (name, k, a[k], b[k], 100 * gap))
    if abs(gap) > 0.05:
        bad.append('%s off by %+.2f%%' % (k, 100 * gap))
z = b['zero_share'] - a['zero_share']
print('%-10s %-12s %10.4f %10.4f %+7.2f pt' % (name, 'zero_share', a['zero_share'], b['zero_share'], 100 * z))
if abs(z) > 0.01:
    bad.append('zero share off by %.2f points' % (100 * z))
tv = sum(abs(x - y) for x, y in zip(a['lz4_4k_hist'], b['lz4_4k_hist'])) / 2
print('%-10s %-12s %21s %8.4f' % (name, 'hist TV', '', tv))
for i, (x, y) in enumerate(zip(a['lz4_4k_hist'], b['lz4_4k_hist'])):
    print('%-10s %-12s %10.4f %10.4f' % (name, 'bucket %d' % i, x, y))
if tv > 0.1:
    bad.append('histogram TV %.4f' % tv)
# No aligned sector repeats beyond the asked copies: each distinct 4 KiB
# holds 8 distinct sectors, except the zero block whose 8 are one.
d = {e['unit']: e for e in ins['dedup']}
zero = 1 if ins['zero_sectors'] else 0
want = 8 * (d[4096]['distinct'] - zero) + zero
print('%-10s distinct 512 B sectors %d, from the 4 KiB blocks %d; zero sectors %d, same-filled %d'
      % (name, d[512]['distinct'], want, ins['zero_sectors'], ins['same_sectors']))
if d[512]['distinct'] != want:
    bad.append('sectors repeat: %d distinct, %d expected' % (d[512]['distinct'], want))
zb = round(b['zero_share'] * b['blocks_4k'])
if ins['zero_sectors'] != 8 * zb:
    bad.append('%d zero sectors outside the %d zero blocks' % (ins['zero_sectors'], zb))
if ins['same_sectors'] > ins['zero_sectors']:
    bad.append('same-filled sectors that are not zero')
s = rep['targets'][0]['stream']
if s['format_version'] != 3 or len(s['profile_digest']) != 32:
    bad.append('the report names no profile: %r' % s.get('profile_digest'))
for m in bad:
    print('FAIL:', name, m)
sys.exit(1 if bad else 0)
PY
done

# Incompressible data measures a little under 1: still a profile to mimic.
head -c 8M /dev/urandom >"$D/rand"
"$INSPECT" --profile "$D/rand" >"$D/rand.json" || fail "profile of random bytes"
"$TOOL" --dev "$D/m.rand" --size 8M --like "$D/rand.json" >"$D/out" 2>&1 ||
	fail "--like of random bytes: $(tail -2 "$D/out")"
# A file that is no profile is refused, and says why.
echo '{"profile_version": 7}' >"$D/bad.json"
"$TOOL" --dev "$D/m.bad" --size 8M --like "$D/bad.json" >"$D/out" 2>&1 &&
	fail "a version 7 profile was taken"
grep -q "not a version 1 profile" "$D/out" || fail "refusal unclear: $(cat "$D/out")"
# The profile sets both ratios: --dedup beside it, before or after, is
# refused rather than won or lost by the order of the options.
for args in "--dedup 2 --like $D/rand.json" "--like $D/rand.json --compress 2"; do
	"$TOOL" --dev "$D/m.both" --size 8M $args >"$D/out" 2>&1
	rc=$?
	[ "$rc" = 2 ] && grep -q "takes the dedup and compression from its profile" "$D/out" ||
		fail "$args: exit $rc: $(cat "$D/out")"
done

# The database's mimic again from its report's seed and size and the profile.
ARGS=$(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["targets"][0]["stream"]
print("--seed %d --size %d" % (s["seed"], s["size"]))' "$D/w.db.json") ||
	fail "no stream in the report"
"$TOOL" --dev "$D/m.db" $ARGS --like "$D/db.json" --verify-only >"$D/out" 2>&1 ||
	fail "verify-only from the report and the profile: $(tail -3 "$D/out")"
"$TOOL" --dev "$D/m.db" $ARGS --like "$D/db.json" --json --verify-only \
	>"$D/v.json" 2>/dev/null
python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["targets"][0]["stream"]["profile_digest"]
b = json.load(open(sys.argv[2]))["targets"][0]["stream"]["profile_digest"]
sys.exit(a != b)' "$D/w.db.json" "$D/v.json" || fail "the digest differs"
# One block zeroed: verify names it.
dd if=/dev/zero of="$D/m.db" bs=4096 seek=100 count=1 conv=notrunc 2>/dev/null
"$TOOL" --dev "$D/m.db" $ARGS --like "$D/db.json" --verify-only >"$D/out" 2>&1 &&
	fail "verify-only passed a zeroed block"
grep -q 409600 "$D/out" || fail "the zeroed block is not named: $(tail -3 "$D/out")"
"$TOOL" --dev "$D/m.db" --size 16M --seed 42 --like "$D/db.json" --passes 2 \
	--verify >"$D/out" 2>&1 || fail "two passes: $(tail -3 "$D/out")"
"$TOOL" --dir "$D/tree" --files 4 --file-size 1M --seed 43 --like "$D/db.json" \
	--verify >"$D/out" 2>&1 || fail "a tree: $(tail -3 "$D/out")"

[ "$FAILS" -eq 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "mimicry holds on three samples"
