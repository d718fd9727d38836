#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# verify.sh - dgen-uring's read-back verify against fio sequential read,
# same loop device, same run
#
# The target is a loop device with direct I/O over a file on /dev/shm. It
# is written once with dgen-uring (seed 1, DEDUP/COMPRESS as given), then
# each rep runs, interleaved:
#
#	dgen-uring --verify-only: O_DIRECT READ_FIXED reads of 1 MiB at depth
#	32 per thread, each compared on its thread with the regenerated
#	stream (the whole device);
#	fio --rw=read --direct=1 --ioengine=io_uring --fixedbufs
#	--registerfiles --bs=1M --iodepth=32 (QD), the same bytes, THREADS jobs
#	splitting the device as dgen-uring's threads do not (contiguous
#	ranges): the sink's ceiling for reading alone.
#
# and, as a ceiling of the compare itself, dgen-uring --verify-only on the
# null target (no read: each buffer is generated then compared).
# Median GB/s (10^9 B/s) of REPS each and the ratio verify / fio; the goal
# is >= 0.95, i.e. the compare is not the bottleneck.
#
# Usage: bench/verify.sh [BUILD_DIR]
#        (root; env SIZE=4G REPS=5 THREADS=1 QD=32 DEDUP=1 COMPRESS=1)
set -euo pipefail

build=${1:-build}
size=${SIZE:-4G}
reps=${REPS:-5}
threads=${THREADS:-1}
dedup=${DEDUP:-1}
compress=${COMPRESS:-1}
null_size=${NULL_SIZE:-32G}
bs=1M
qd=${QD:-32}
dgen=$build/tools/dgen-uring
img=/dev/shm/dgen-verify.img
loop=

[ -x "$dgen" ] || { echo "verify.sh: $dgen not built (ninja -C $build)" >&2; exit 2; }
command -v fio >/dev/null || { echo "verify.sh: fio is needed" >&2; exit 2; }
command -v jq >/dev/null || { echo "verify.sh: jq is needed" >&2; exit 2; }

cleanup() {
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
	rm -f "$img"
}
trap cleanup EXIT

truncate -s "$size" "$img"
loop=$(losetup --direct-io=on -f --show "$img")
data=(--seed 1 --dedup "$dedup" --compress "$compress")
io=(--bs $bs --qd $qd --threads "$threads")

"$dgen" --dev "$loop" "${data[@]}" "${io[@]}" --force --json >/dev/null

run_verify() { # target [size]
	local sz=()
	[ $# -gt 1 ] && sz=(--size "$2")
	"$dgen" --dev "$1" "${sz[@]}" "${data[@]}" "${io[@]}" --verify-only --json |
		jq -r 'if .mismatches != 0 or .status != "ok" then error("verify failed: \(.status)") else .passes[0].verify_gbps end'
}

run_fio() {
	local n=$(( $(numfmt --from=iec "$size") / threads ))

	fio --name=read --filename="$loop" --rw=read --direct=1 \
		--ioengine=io_uring --fixedbufs --registerfiles --bs=$bs \
		--iodepth=$qd --numjobs="$threads" --size=$n \
		--offset_increment=$n --output-format=json |
		jq -r '.jobs | map(.read.bw_bytes) | add / 1e9'
}

median() { sort -g | awk 'NF { v[++n] = $1 } END { print v[int((n + 1) / 2)] }'; }

# Warm-up of both readers, unmeasured.
run_verify "$loop" >/dev/null
run_fio >/dev/null

v= f= n=
for r in $(seq "$reps"); do
	v+="$(run_verify "$loop")"$'\n'
	f+="$(run_fio)"$'\n'
	n+="$(run_verify null "$null_size")"$'\n'
done
vm=$(median <<<"$v")
fm=$(median <<<"$f")
nm=$(median <<<"$n")

printf '# dgen-uring verify: loop (%s, dio, over /dev/shm), size %s, bs %s, qd %s, threads %s, dedup %s, compress %s, %s reps interleaved (median)\n' \
	"$loop" "$size" $bs $qd "$threads" "$dedup" "$compress" "$reps"
printf '# %s; %s; kernel %s\n' "$(date -u '+%F %T UTC')" "$(fio --version)" "$(uname -r)"
printf '| dgen-uring --verify-only GB/s | fio --rw=read GB/s | verify/fio | verify on null (compare alone) GB/s |\n'
printf '|---|---|---|---|\n'
printf '| %.2f | %.2f | %.3f | %.2f |\n' "$vm" "$fm" \
	"$(awk "BEGIN { print $vm / $fm }")" "$nm"
printf '\nper rep (verify, fio, null):\n'
paste <(echo -n "$v") <(echo -n "$f") <(echo -n "$n")
