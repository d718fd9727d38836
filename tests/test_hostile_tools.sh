#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test_hostile_tools.sh - what a hostile user tries (issue 21), through
# the built tools:
#  - every JSON the tools print is valid JSON for a path that is not UTF-8
#    (the report, the JSON status lines, the --log file, dgen-inspect
#    --json, the crash journal), with each such byte as \u00XX, so the
#    path comes back (--verify-crash finds the target from the journal);
#  - output that cannot be written is a failure: the report to /dev/full,
#    to a closed stdout, to a reader that left (`| true`), the log to
#    /dev/full and status lines to /dev/full exit 3 with a message, never
#    0 and never SIGPIPE; --stdout's reader that closes early stays 0;
#  - an overflowing --time (and other values past the clock or a uint64)
#    are refused with 2 and write nothing;
#  - dgen-inspect of /dev/zero with no size, or of a FIFO with no writer,
#    reports what it read on SIGINT and exits 130.
#
# usage: test_hostile_tools.sh DGEN_URING DGEN_INSPECT
set -u
TOOL=$1
INSPECT=$2
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
D=$(mktemp -d /dev/shm/dgen-hostile.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$D"
	[ -n "${J:-}" ] && rm -f "$J"
}
trap cleanup EXIT
FAIL=0
fail() { echo "FAIL: $*"; FAIL=1; }
ok() { echo "ok: $*"; }

# ===== Valid JSON for a path that is not UTF-8 =====

# A name with bytes 0xff, 0xfe (never UTF-8) and a lone continuation byte.
BAD=$D/$'t\xff\xfe-\x80'
"$TOOL" --dev "$BAD" --size 8M --rate 16M --json --status-interval 0.1 \
	--log "$D/log" >"$D/report" 2>"$D/status"
rc=$?
[ $rc = 0 ] || fail "a write to a non-UTF-8 path exits $rc"
"$INSPECT" --json "$BAD" >"$D/inspect"
rc=$?
[ $rc = 0 ] || fail "dgen-inspect of a non-UTF-8 path exits $rc"
if python3 - "$D" "$BAD" <<'EOF'
import json, os, sys
d, want = sys.argv[1], os.fsencode(sys.argv[2])
def back(s):
    # The documented rule: U+0080..U+00FF are the bytes that were not
    # UTF-8; everything else is UTF-8.
    return b''.join(bytes([ord(c)]) if 0x80 <= ord(c) <= 0xff else c.encode()
                    for c in s)
bad = []
rep = json.load(open(d + '/report', 'rb'))
if back(rep['targets'][0]['path']) != want:
    bad.append('report path %r' % rep['targets'][0]['path'])
lines = [l for l in open(d + '/status', 'rb').read().split(b'\n') if l.startswith(b'{')]
if not lines:
    bad.append('no JSON status line')
for l in lines:
    s = json.loads(l)
    if back(s['targets'][0]['path']) != want:
        bad.append('status path %r' % s['targets'][0]['path'])
rows = [json.loads(l) for l in open(d + '/log', 'rb') if l.strip()]
if not rows or any(back(r['target']) != want for r in rows if 'target' in r):
    bad.append('log rows %d' % len(rows))
ins = json.load(open(d + '/inspect', 'rb'))
if back(ins['path']) != want:
    bad.append('inspect path %r' % ins['path'])
print('; '.join(bad) if bad else 'all parsed')
sys.exit(1 if bad else 0)
EOF
then ok "report, status lines, log and dgen-inspect --json are valid JSON"
else fail "JSON with a non-UTF-8 path"; fi
grep -q 'u00ff' "$D/report" || fail "the report has no \\u00ff for byte 0xff"
# The crash journal keeps the path by the same rule, and its reader takes
# \u00XX back as the byte: --verify-crash finds and judges that target.
# (On another filesystem than the target, as --journal asks.)
J=$(mktemp /tmp/dgen-hostile-journal.XXXXXX)
rm -f "$J"
"$TOOL" --dev "$BAD" --size 4M --journal "$J" >/dev/null 2>"$D/err" ||
	fail "a journaled write to a non-UTF-8 path: $(cat "$D/err")"
"$TOOL" --verify-crash "$J" --json >"$D/vc" 2>"$D/err"
rc=$?
if [ $rc = 0 ] && python3 -c '
import json, os, sys
d = json.load(open(sys.argv[1], "rb"))
t = d["targets"][0]
p = bytes(ord(c) if ord(c) < 0x100 else 0 for c in t["path"])
sys.exit(0 if p == os.fsencode(sys.argv[2]) and t["verdict"] == "ok" else 1)' "$D/vc" "$BAD"
then ok "the journal gives the non-UTF-8 path back: --verify-crash judges it"
else fail "--verify-crash of a non-UTF-8 path: exit $rc, $(cat "$D/vc" "$D/err")"; fi
rm -f "$BAD" "$J"
# Valid UTF-8 (é, and a 4-byte emoji) is kept as it is, not escaped.
GOOD=$D/$'t-\xc3\xa9-\xf0\x9f\x98\x80'
"$TOOL" --dev "$GOOD" --size 1M --json >"$D/report" 2>/dev/null
if python3 -c '
import json, os, sys
d = json.load(open(sys.argv[1], "rb"))
sys.exit(0 if os.fsencode(d["targets"][0]["path"]) == os.fsencode(sys.argv[2]) else 1)' "$D/report" "$GOOD" &&
   grep -q $'\xc3\xa9-\xf0\x9f\x98\x80' "$D/report"
then ok "valid UTF-8 in a path is written as it is"
else fail "valid UTF-8 path: $(cat "$D/report")"; fi
rm -f "$GOOD"

# ===== Output that cannot be written =====

F=$D/out
check3() {	# NAME RC STDERR-FILE WORDS
	if [ "$2" = 3 ] && grep -q "$4" "$3"; then ok "$1: exit 3, said"
	else fail "$1: exit $2, stderr: $(cat "$3")"; fi
}
"$TOOL" --dev "$F" --size 1M >/dev/full 2>"$D/err"
check3 "report to /dev/full" $? "$D/err" "cannot write the report.*No space left"
"$TOOL" --dev "$F" --size 1M --json >&- 2>"$D/err"
check3 "report to a closed stdout" $? "$D/err" "cannot write the report"
"$TOOL" --dev "$F" --size 1M 2>"$D/err" | true
check3 "report to a reader that left" "${PIPESTATUS[0]}" "$D/err" "cannot write the report.*Broken pipe"
"$TOOL" --dev "$F" --size 1M --log /dev/full >/dev/null 2>"$D/err"
check3 "--log /dev/full" $? "$D/err" "cannot write the log /dev/full: No space left"
"$TOOL" --dev "$F" --size 8M --rate 16M --status-interval 0.1 >/dev/null 2>/dev/full
rc=$?
[ $rc = 3 ] && ok "status lines to /dev/full: exit 3" || fail "status lines to /dev/full: exit $rc"
"$TOOL" --dev "$F" --size 1M --dry-run >/dev/full 2>"$D/err"
check3 "a dry run's plan to /dev/full" $? "$D/err" "cannot write"
# A closed stdout is not a file for the next open to take: the target
# file holds the stream only, the report is nowhere in it.
if grep -qa "dgen-uring" "$F"; then fail "the report went into the target"; fi
# --stdout's reader that closes the pipe early: still its documented 0.
"$TOOL" --stdout --size 64M 2>"$D/err" | head -c 1M >/dev/null
rc=${PIPESTATUS[0]}
if [ "$rc" = 0 ] && grep -q "reader closed the pipe" "$D/err"; then
	ok "--stdout | head: exit 0, reader closed"
else fail "--stdout | head: exit $rc, $(cat "$D/err")"; fi

# ===== Values past what the clock or a uint64 holds =====

rm -f "$F"
for a in "--time 1000000d" "--time 1e300" "--time 1e-12" "--size 16384P" \
	 "--rate 18446744073709551616" "--status-interval 1e19" \
	 "--io-timeout 1e400" "--offset 17179869184G"; do
	"$TOOL" --dev "$F" --size 1M $a >"$D/out1" 2>"$D/err"
	rc=$?
	if [ $rc = 2 ] && [ ! -e "$F" ] && grep -q "^dgen-uring: --" "$D/err"; then
		ok "$a refused"
	else fail "$a: exit $rc, $(cat "$D/err" "$D/out1")"; fi
	rm -f "$F"
done

# ===== dgen-inspect stopped by SIGINT =====

# Job control: a background job of a script otherwise starts with SIGINT
# ignored, and the tools keep an inherited ignore (signals.h).
set -m

"$INSPECT" --json /dev/zero >"$D/zero" 2>"$D/err" &
P=$!; PIDS="$PIDS $P"
sleep 1
kill -INT $P
wait $P
rc=$?
if [ $rc = 130 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["interrupted"] and d["bytes"] > 0 and d["zero_sectors"] == d["sectors"] else 1)' "$D/zero"
then ok "dgen-inspect /dev/zero: SIGINT reports what it read, exit 130"
else fail "dgen-inspect /dev/zero on SIGINT: exit $rc, $(cat "$D/zero" "$D/err")"; fi
mkfifo "$D/fifo"
"$INSPECT" "$D/fifo" >"$D/fifo.out" 2>"$D/err" &
P=$!; PIDS="$PIDS $P"
sleep 1
kill -INT $P
wait $P
rc=$?
if [ $rc = 130 ] && grep -q "read 0 B.*interrupted" "$D/fifo.out"; then
	ok "dgen-inspect of a FIFO with no writer: SIGINT reports, exit 130"
else fail "dgen-inspect FIFO on SIGINT: exit $rc, $(cat "$D/fifo.out" "$D/err")"; fi

exit $FAIL
