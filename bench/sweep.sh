#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# sweep.sh - I/O size x queue depth x threads, against the tool's default
#
# The profiling harness of the placement work: dgen-uring writes a fully
# unique stream (d = c = 1) at every point of BS x QD x THREADS on two
# targets, a loop device with direct I/O over a file on /dev/shm and the
# null target (generation and ring work, no device I/O), and, in the same
# run, with no --bs, --qd or --threads at all: the plan's default. Each
# point prints GB/s (10^9 B/s, the tool's own figure) and CPU seconds per
# GB, measured as bench/e2e.sh does: time(1) of the whole process, less
# that of a SMALL run of the same command (start-up, pool allocation), over
# the bytes written in between. Points are run REPS times, all points of a
# repetition before the next one (so drift on a shared machine spreads over
# every point alike), and the median is shown. At the end, per target: the
# best point by GB/s, the default, and default / best.
#
# The best of 40 noisy medians is biased upwards (the winner's curse: on a
# shared VM one point's median moves by 20-40% from run to run), so each
# target's best point and the default are then run head to head, CONFIRM
# times each, alternating, and default / best is given from those medians
# too; that is the fair ratio.
#
# Usage: bench/sweep.sh [BUILD_DIR]
#        (root; env SIZE=2G NULL_SIZE=16G REPS=3 BS="128K 256K 1M 4M"
#         QD="4 8 16 32 64" THREADS="1 2" CONFIRM=7)
set -euo pipefail

build=${1:-build}
size=${SIZE:-2G}
# The null target is fast: enough bytes for time(1)'s 10 ms ticks to matter little.
null_size=${NULL_SIZE:-16G}
reps=${REPS:-3}
confirm=${CONFIRM:-7}
bss=${BS:-128K 256K 1M 4M}
qds=${QD:-4 8 16 32 64}
threadss=${THREADS:-1 2}
small=64M
dgen=$build/tools/dgen-uring
img=/dev/shm/dgen-sweep.img
loop=

[ -x "$dgen" ] || { echo "sweep.sh: $dgen not built (ninja -C $build)" >&2; exit 2; }
command -v jq >/dev/null || { echo "sweep.sh: jq is needed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "sweep.sh: /usr/bin/time is needed" >&2; exit 2; }

tf=$(mktemp)
cleanup() {
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
	rm -f "$img" "$tf"
}
trap cleanup EXIT

truncate -s "$size" "$img"
loop=$(losetup --direct-io=on -f --show "$img")

# "bytes gbps cpu bs qd threads" of one run: target size [options...]
timed() {
	local dev=$1 sz=$2 out
	shift 2
	out=$(/usr/bin/time -f "%U %S" -o "$tf" "$dgen" --dev "$dev" --size "$sz" \
		--seed 1 --force --json "$@")
	echo "$(jq -r '"\(.bytes) \(.gbps)"' <<<"$out") $(awk '{ print $1 + $2 }' "$tf") $(jq -r '"\(.job.bs) \(.job.qd) \(.job.threads)"' <<<"$out")"
}

sz() { [ "$1" = null ] && echo "$null_size" || echo "$size"; }

# "gbps cpu-s/GB bs qd threads" of one point: target [options...]
point() {
	local dev=$1 big smallr
	shift
	big=$(timed "$dev" "$(sz "$dev")" "$@")
	smallr=$(timed "$dev" $small "$@")
	awk '{ print $2, ($3 - $9) / (($1 - $7) / 1e9), $4, $5, $6 }' <<<"$big $smallr"
}

median() { sort -g | awk 'NF { v[++n] = $1 } END { print v[int((n + 1) / 2)] }'; }

targets=("$loop" null)
# Warm-up: allocate the tmpfs pages behind the loop device.
point "$loop" >/dev/null

declare -A gbps cpu
declare -A defjob
t0=$(date +%s)
for r in $(seq "$reps"); do
	for dev in "${targets[@]}"; do
		for th in $threadss; do
			for bs in $bss; do
				for qd in $qds; do
					out=$(point "$dev" --bs "$bs" --qd "$qd" --threads "$th")
					k="$dev $bs $qd $th"
					gbps[$k]+="${out%% *}"$'\n'
					cpu[$k]+="$(awk '{ print $2 }' <<<"$out")"$'\n'
				done
			done
		done
		out=$(point "$dev")
		k="$dev default"
		gbps[$k]+="${out%% *}"$'\n'
		cpu[$k]+="$(awk '{ print $2 }' <<<"$out")"$'\n'
		defjob[$dev]=$(awk '{ print $3, $4, $5 }' <<<"$out")
	done
done
t1=$(date +%s)

name() { [ "$1" = null ] && echo null || echo "loop (dio, /dev/shm)"; }
# 1048576 -> 1M, 131072 -> 128K, as the sweep's own BS values read.
human() { awk '{ if ($1 % 1048576 == 0) print $1 / 1048576 "M"; else print $1 / 1024 "K" }' <<<"$1"; }

printf '# dgen-uring sweep: size %s per point (null: %s), unique data, %s reps (median); %s s\n' \
	"$size" "$null_size" "$reps" $((t1 - t0))
printf '# %s; kernel %s; %s\n' "$(date -u '+%F %T UTC')" "$(uname -r)" \
	"$("$dgen" --version)"
printf '| target | threads | bs | qd | GB/s | CPU s/GB |\n|---|---|---|---|---|---|\n'
for dev in "${targets[@]}"; do
	for th in $threadss; do
		for bs in $bss; do
			for qd in $qds; do
				k="$dev $bs $qd $th"
				printf '| %s | %s | %s | %s | %.2f | %.4f |\n' "$(name "$dev")" \
					"$th" "$bs" "$qd" "$(median <<<"${gbps[$k]}")" \
					"$(median <<<"${cpu[$k]}")"
			done
		done
	done
	read -r dbs dqd dth <<<"${defjob[$dev]}"
	k="$dev default"
	printf '| %s | **default: %s** | **%s** | **%s** | **%.2f** | **%.4f** |\n' \
		"$(name "$dev")" "$dth" "$(human "$dbs")" "$dqd" \
		"$(median <<<"${gbps[$k]}")" "$(median <<<"${cpu[$k]}")"
done
echo
for dev in "${targets[@]}"; do
	best= bestk=
	for k in "${!gbps[@]}"; do
		[ "${k%% *}" = "$dev" ] || continue
		[ "$k" = "$dev default" ] && continue
		g=$(median <<<"${gbps[$k]}")
		if [ -z "$best" ] || awk "BEGIN { exit !($g > $best) }"; then
			best=$g
			bestk=$k
		fi
	done
	read -r _ bbs bqd bth <<<"$bestk"
	read -r dbs dqd dth <<<"${defjob[$dev]}"
	d=$(median <<<"${gbps[$dev default]}")
	printf '%s: best %.2f GB/s at threads %s bs %s qd %s (%.4f CPU s/GB); default (threads %s bs %s qd %s) %.2f GB/s (%.4f CPU s/GB); default/best %.3f\n' \
		"$(name "$dev")" "$best" "$bth" "$bbs" "$bqd" \
		"$(median <<<"${cpu[$bestk]}")" "$dth" "$(human "$dbs")" "$dqd" "$d" \
		"$(median <<<"${cpu[$dev default]}")" "$(awk "BEGIN { print $d / $best }")"
	# Head to head: the best point and the default, alternating.
	hb= hd= cb= cd=
	for r in $(seq "$confirm"); do
		out=$(point "$dev" --bs "$bbs" --qd "$bqd" --threads "$bth")
		hb+="${out%% *}"$'\n'
		cb+="$(awk '{ print $2 }' <<<"$out")"$'\n'
		out=$(point "$dev")
		hd+="${out%% *}"$'\n'
		cd+="$(awk '{ print $2 }' <<<"$out")"$'\n'
	done
	b=$(median <<<"$hb")
	d=$(median <<<"$hd")
	printf '%s, head to head (%s alternating runs each, median): best point %.2f GB/s (%.4f CPU s/GB), default %.2f GB/s (%.4f CPU s/GB); default/best %.3f\n' \
		"$(name "$dev")" "$confirm" "$b" "$(median <<<"$cb")" "$d" \
		"$(median <<<"$cd")" "$(awk "BEGIN { print $d / $b }")"
done
