#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# mpi.sh - a fleet of 2 ranks against 1 process with the same total
# threads on the null target, interleaved in every repetition of one run,
# twice: with the defaults and with explicit I/O options
#
#   default:  mpirun -n 2 dgen-uring --dev null --size SIZE
#             dgen-uring --dev null --size 2xSIZE
#             (each rank plans on its share of the host, one thread per
#             core of it; the single process one per core of the host)
#   explicit: mpirun -n 2 dgen-uring --dev null --size SIZE --threads 1 $IO
#             dgen-uring --dev null --size 2xSIZE --threads 2 $IO
#
# Fleet GB/s: fleet bytes over the wall from the first rank's start to the
# last one's end; start skew and report cost from its report. IO (default
# "--bs 256K --qd 4", what the plan picks for a null target on a machine
# with 1 MiB of L2 per core) gives both the same pool.
#
# The ratio fleet / single is taken within each repetition; the median and
# the spread (min-max) are shown. GB = 10^9 bytes.
#
# Usage: bench/mpi.sh [BUILD_DIR]   (env REPS=5 SIZE=4G IO="--bs 256K --qd 4")
set -euo pipefail

build=${1:-build}
reps=${REPS:-5}
size=${SIZE:-4G}
io=${IO:---bs 256K --qd 4}
tool=$build/tools/dgen-uring
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_rmaps_base_oversubscribe=1

bytes=$(numfmt --from=iec "$size")
declare -A fl sg ratios skews reports
modes=(default explicit)
echo "start: $(date -u +%FT%TZ), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$reps"); do
	for m in "${modes[@]}"; do
		if [ "$m" = default ]; then
			fa=() sa=()
		else
			# shellcheck disable=SC2206
			fa=(--threads 1 $io) sa=(--threads 2 $io)
		fi
		f=$(mpirun -n 2 "$tool" --dev null --size "$size" --seed 1 "${fa[@]}" --json)
		s=$("$tool" --dev null --size $((2 * bytes)) --seed 1 "${sa[@]}" --json)
		fg=$(jq .gbps <<<"$f")
		sgb=$(jq .gbps <<<"$s")
		ratio=$(awk -v a="$fg" -v b="$sgb" 'BEGIN { printf "%.3f", a / b }')
		skew=$(jq '.start_skew_s * 1e6 | round / 1e3' <<<"$f")
		rep=$(jq '.report_s * 1e6 | round / 1e3' <<<"$f")
		fl[$m]+="$fg " sg[$m]+="$sgb " ratios[$m]+="$ratio "
		skews[$m]+="$skew " reports[$m]+="$rep "
		echo "rep $r $m: fleet $fg GB/s (ranks: $(jq -c '[.ranks[] | {gbps, threads, cpus, bs, qd}]' <<<"$f")), single $sgb GB/s ($(jq -c '{threads: .job.threads, bs: .job.bs, qd: .job.qd}' <<<"$s")), ratio $ratio, skew $skew ms, gather $rep ms"
	done
done
med() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%s (%s-%s)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
for m in "${modes[@]}"; do
	# shellcheck disable=SC2086
	{
	echo "$m:"
	echo "  fleet GB/s:         $(med ${fl[$m]})"
	echo "  single GB/s:        $(med ${sg[$m]})"
	echo "  ratio fleet/single: $(med ${ratios[$m]})"
	echo "  start skew ms:      $(med ${skews[$m]})"
	echo "  report gather ms:   $(med ${reports[$m]})"
	}
done
echo "end: $(date -u +%FT%TZ), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
