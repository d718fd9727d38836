#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tree.sh - a tree of many small files: dgen-uring --dir against fio
#
# Both write FILES files of FSIZE on /dev/shm with io_uring and O_DIRECT,
# 1 MiB writes at depth 32, THREADS threads, all files open at once
# (fio: --nrfiles, --openfiles=FILES, --registerfiles, --fixedbufs).
# fio runs with --refill_buffers (fresh random data per write: a peer
# generating data) and with --zero_buffers (no generation: the ceiling).
# dgen-uring writes a fully unique stream per file (d = c = 1).
#
# Every run starts from an empty directory (rm -rf), and fio runs with
# --fallocate=none (its default would allocate every page while laying the
# files out, before its clock starts), so the tmpfs pages are allocated by
# the timed writes on both sides. Two figures per run:
#   - GB/s from each tool's own clock over the writes (fio: bw_bytes;
#     dgen-uring: "gbps"), files made and opened before it starts;
#   - files/s over the whole process (elapsed time of time(1)), making,
#     opening and closing the files included.
# Runs are interleaved, REPS of each; medians. GB = 10^9 bytes.
# Then the read-back: dgen-uring --verify-only on its tree against fio
# --rw=read on its own (see below).
#
# Usage: bench/tree.sh [BUILD_DIR]   (env FILES=2048 FSIZE=1M REPS=5 THREADS=1)
set -euo pipefail

build=${1:-build}
files=${FILES:-2048}
fsize=${FSIZE:-1M}
reps=${REPS:-5}
threads=${THREADS:-1}
dgen=$build/tools/dgen-uring
dir=/dev/shm/dgen-tree-bench
tf=$(mktemp)

[ -x "$dgen" ] || { echo "tree.sh: $dgen not built (ninja -C $build)" >&2; exit 2; }
command -v fio >/dev/null || { echo "tree.sh: fio is needed" >&2; exit 2; }
command -v jq >/dev/null || { echo "tree.sh: jq is needed" >&2; exit 2; }
trap 'rm -rf "$dir" "$tf"' EXIT
ulimit -n $((files + 256)) 2>/dev/null || true

# Each prints "GB/s files/s(elapsed)".
run_dgen() {
	local out
	rm -rf "$dir"
	out=$(/usr/bin/time -f %e -o "$tf" "$dgen" --dir "$dir" --files "$files" \
		--file-size "$fsize" --bs 1M --qd 32 --threads "$threads" --seed 1 --json)
	echo "$(jq -r .gbps <<<"$out") $(awk -v n="$files" '{ print n / $1 }' "$tf")"
}

run_fio() { # --refill_buffers or --zero_buffers
	local out
	rm -rf "$dir"
	mkdir -p "$dir"
	out=$(/usr/bin/time -f %e -o "$tf" fio --name=tree --directory="$dir" \
		--ioengine=io_uring --direct=1 --rw=write --bs=1M --iodepth=32 \
		--nrfiles=$((files / threads)) --filesize="$fsize" \
		--openfiles=$((files / threads)) --numjobs="$threads" \
		--registerfiles --fixedbufs --fallocate=none --group_reporting "$1" \
		--output-format=json)
	echo "$(jq -r '.jobs[0].write.bw_bytes / 1e9' <<<"$out") $(awk -v n="$files" '{ print n / $1 }' "$tf")"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A gb fps
for ((r = 0; r < reps; r++)); do
	for tool in dgen fio-refill fio-zero; do
		case $tool in
		dgen) res=$(run_dgen) ;;
		fio-refill) res=$(run_fio --refill_buffers) ;;
		fio-zero) res=$(run_fio --zero_buffers) ;;
		esac
		gb[$tool]+="${res% *} "
		fps[$tool]+="${res#* } "
		echo "rep $r $tool: $res" >&2
	done
done

printf '%s files of %s, %s thread(s), bs 1M, qd 32, %s reps, median\n' \
	"$files" "$fsize" "$threads" "$reps"
printf '%-12s %8s %14s\n' tool GB/s files/s-wall
for tool in dgen fio-refill fio-zero; do
	g=$(tr ' ' '\n' <<<"${gb[$tool]}" | grep . | median)
	f=$(tr ' ' '\n' <<<"${fps[$tool]}" | grep . | median)
	printf '%-12s %8.3f %14.0f\n' "$tool" "$g" "$f"
	eval "m_${tool//-/_}_g=$g m_${tool//-/_}_f=$f"
done
awk -v d="$m_dgen_g" -v r="$m_fio_refill_g" -v z="$m_fio_zero_g" \
    -v df="$m_dgen_f" -v rf="$m_fio_refill_f" -v zf="$m_fio_zero_f" 'BEGIN {
	printf "dgen/fio-refill: %.2fx GB/s, %.2fx files/s; dgen/fio-zero: %.2fx GB/s, %.2fx files/s\n",
		d / r, df / rf, d / z, df / zf }'

# Read-back of the tree: dgen-uring --verify-only (read and compare every
# file with its stream) against fio --rw=read over its own tree of the same
# shape (read only, nothing checked: the ceiling), files open at once,
# registered files and buffers, at each depth of RQD (default "32 8": the
# trees' default depth, and one whose buffers stay in cache). Each tool
# lays its tree out once; the depths' runs are interleaved.
run_dgen_verify() { # depth
	"$dgen" --dir "$dir" --files "$files" --file-size "$fsize" --bs 1M \
		--qd "$1" --threads "$threads" --seed 1 --verify-only --json |
		jq -r '.passes[0].verify_gbps'
}

run_fio_read() { # depth
	fio --name=tree --directory="$dir" --ioengine=io_uring --direct=1 \
		--rw=read --bs=1M --iodepth="$1" --nrfiles=$((files / threads)) \
		--filesize="$fsize" --openfiles=$((files / threads)) \
		--numjobs="$threads" --registerfiles --fixedbufs \
		--group_reporting --output-format=json |
		jq -r '.jobs[0].read.bw_bytes / 1e9'
}

declare -A rb
rm -rf "$dir"
"$dgen" --dir "$dir" --files "$files" --file-size "$fsize" --seed 1 >/dev/null
for ((r = 0; r < reps; r++)); do
	for qd in ${RQD:-32 8}; do
		v=$(run_dgen_verify "$qd"); rb[dgen$qd]+="$v "
		echo "rep $r dgen --verify-only qd $qd: $v" >&2
	done
done
run_fio --refill_buffers >/dev/null	# lays out fio's tree
for ((r = 0; r < reps; r++)); do
	for qd in ${RQD:-32 8}; do
		v=$(run_fio_read "$qd"); rb[fio$qd]+="$v "
		echo "rep $r fio --rw=read qd $qd: $v" >&2
	done
done
for qd in ${RQD:-32 8}; do
	md=$(tr ' ' '\n' <<<"${rb[dgen$qd]}" | grep . | median)
	mf=$(tr ' ' '\n' <<<"${rb[fio$qd]}" | grep . | median)
	printf 'read-back qd %2s, median GB/s: dgen --verify-only %.3f, fio --rw=read %.3f, dgen/fio %.2fx\n' \
		"$qd" "$md" "$mf" "$(awk -v a="$md" -v b="$mf" 'BEGIN { print a / b }')"
done
