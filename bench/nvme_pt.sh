#!/bin/bash
# SPDX-License-Identifier: MIT
#
# nvme_pt.sh - NVMe passthrough (/dev/ngXnY, IORING_OP_URING_CMD) against
# the block path (/dev/nvmeXnY) on one emulated drive in the test VM:
# IOPS and CPU seconds per I/O of the tool, small and large writes, the
# two paths alternated in one boot. qemu runs under TCG here, so only the
# ratios within one run mean anything.
#
#   bench/nvme_pt.sh [TOOL] [KERNEL]   (default build/tools/dgen-uring, 6.12)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tool=$(realpath "${1:-$root/build/tools/dgen-uring}")
kernel=${2:-6.12}
reps=${REPS:-5}
work=$(mktemp -d /dev/shm/dgen-ptbench.XXXXXX)
trap '[ -n "${DGEN_BENCH_KEEP:-}" ] || rm -rf "$work"' EXIT
truncate -s 256M "$work/p.img"

# 4 KiB writes, and the largest one request carries on this drive (qemu's
# default MDTS of 512 KiB; a passthrough command is never split), each
# size with the same threads and depth on both paths.
cat > "$work/job.sh" <<JOB
g=\$(generic DGB) && b=\$(drive DGB) || exit 1
# Warm up both paths (the image's host pages, the guest's THP) first.
for dev in \$b \$g; do dgen-uring --dev \$dev --bs 512K --seed 5 >/dev/null 2>&1; done
for r in \$(seq $reps); do
	for bs in 4K 512K; do
		[ \$bs = 4K ] && s=32M || s=256M
		for dev in \$b \$g; do
			job "\$r \$bs \$dev" dgen-uring --dev \$dev --size \$s --bs \$bs --qd 16 --threads 1 --seed 5 --json
		done
	done
done
JOB
"$root/tests/vm/boot.sh" -k "$kernel" -t "$tool" -j "$work/job.sh" -o "$work/out" \
	-d "serial=DGB,img=$work/p.img" >&2
res=$work/out/results.txt
echo "kernel $(awk '/^@@boot/ { print $2 }' "$res"), $reps reps, 1 thread, qd 16"
printf '%-5s %-4s %12s %12s %14s %14s %8s %8s\n' bs rep "block IOPS" "pt IOPS" \
	"block us/IO" "pt us/IO" "IOPS x" "CPU/IO x"
for bs in 4K 512K; do
	for r in $(seq "$reps"); do
		vals=()
		for kind in nvme ng; do
			j=$(awk -v r="$r" -v bs="$bs" -v k="/dev/$kind" '
				$1 == "@@begin" && $2 == r && $3 == bs && index($4, k) == 1 { on = 1; next }
				$1 == "@@end" { on = 0 } on' "$res")
			vals+=("$(jq -r '[.iops, (.cpu.user_s + .cpu.sys_s) / .ops * 1e6] | @tsv' <<< "$j")")
		done
		read -r bi bc <<< "${vals[0]}"
		read -r pi pc <<< "${vals[1]}"
		printf '%-5s %-4s %12.0f %12.0f %14.1f %14.1f %8.2f %8.2f\n' "$bs" "$r" \
			"$bi" "$pi" "$bc" "$pc" "$(echo "$pi / $bi" | bc -l)" \
			"$(echo "$pc / $bc" | bc -l)"
	done | tee "$work/$bs.tsv"
	# The median of the per-rep ratios: one noisy rep moves it least.
	printf '%-5s %-4s %12s %12s %14s %14s %8.2f %8.2f\n' "$bs" median "" "" "" "" \
		"$(awk '{ print $7 }' "$work/$bs.tsv" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')" \
		"$(awk '{ print $8 }' "$work/$bs.tsv" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
done
