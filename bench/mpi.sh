#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# mpi.sh - a fleet of 2 ranks x 1 thread against 1 process x 2 threads on
# the null target, interleaved in every repetition of one run
#
#   fleet:  mpirun -n 2 dgen-uring --dev null --size SIZE --threads 1 $IO
#           (GB/s: fleet bytes over the wall from the first rank's start to
#           the last one's end; start skew and report cost from its report)
#   single: dgen-uring --dev null --size 2xSIZE --threads 2 $IO
#
# IO (default "--bs 256K --qd 4", what the plan picks for a null target
# on a machine with 1 MiB of L2 per core) gives both the same pool: under
# MPI a rank does not plan (it would pin every rank to the same CPU) and
# takes 1 MiB x 32 unless told.
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
ratios=() skews=() reports=() fl=() sg=()
for r in $(seq "$reps"); do
	f=$(mpirun -n 2 "$tool" --dev null --size "$size" --threads 1 --seed 1 $io --json)
	s=$("$tool" --dev null --size $((2 * bytes)) --threads 2 --seed 1 $io --json)
	fg=$(jq .gbps <<<"$f")
	sgb=$(jq .gbps <<<"$s")
	fl+=("$fg") sg+=("$sgb")
	ratios+=("$(awk -v a="$fg" -v b="$sgb" 'BEGIN { printf "%.3f", a / b }')")
	skews+=("$(jq '.start_skew_s * 1e3' <<<"$f")")
	reports+=("$(jq '.report_s * 1e3' <<<"$f")")
	echo "rep $r: fleet $fg GB/s (ranks' own: $(jq -c '[.ranks[].gbps]' <<<"$f"), bs $(jq .job.bs <<<"$f") qd $(jq .job.qd <<<"$f")), single $sgb GB/s (bs $(jq .job.bs <<<"$s") qd $(jq .job.qd <<<"$s")), ratio ${ratios[-1]}, skew ${skews[-1]} ms, gather ${reports[-1]} ms"
done
med() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%s (%s-%s)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
echo "fleet GB/s:        $(med "${fl[@]}")"
echo "single GB/s:       $(med "${sg[@]}")"
echo "ratio fleet/single: $(med "${ratios[@]}")"
echo "start skew ms:     $(med "${skews[@]}")"
echo "report gather ms:  $(med "${reports[@]}")"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
