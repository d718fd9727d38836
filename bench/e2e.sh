#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# e2e.sh - dgen-uring against fio, same targets, same run
#
# Targets: a loop device with direct I/O over a file on /dev/shm, an
# O_DIRECT file on /dev/shm, and the null target (fio: --ioengine=null).
# fio writes with io_uring, O_DIRECT, fixed buffers, registered files,
# 1 MiB writes at depth 32, either --zero_buffers (no data generation:
# the sink's ceiling) or --refill_buffers (a peer writing fresh random
# data per write). dgen-uring writes a fully unique stream (d = c = 1)
# with the same I/O size, depth and thread count.
#
# Each (target, tool) runs REPS times, interleaved, after one unmeasured
# warm-up that allocates the tmpfs pages; the median GB/s and CPU seconds
# per GB are shown. GB = 10^9 bytes. CPU time is time(1) of the whole
# process for both tools, less that of a small run (see below).
#
# The generator baseline for the null target: dgen-e2e-fill fills the same
# ring of QD buffers of BS bytes with as many threads, for 1 s, alternating
# REPS times with dgen-uring on the null target. The per-core figure is GB
# per CPU second, each process's getrusage over its run (the same method
# on both sides), since on a shared machine a thread does not always get
# a whole core.
#
# With BASE=<build dir of another commit>, that build's dgen-uring joins
# every rotation as one more tool ("base"), so before and after are
# measured under the same noise; the ratios dgen/base taken within each
# repetition are shown too (median, and min-max as the noise).
#
# TARGETS (default "loop file null") picks the targets to run.
#
# Usage: bench/e2e.sh [BUILD_DIR]
#        (root; env SIZE=4G NULL_SIZE=64G REPS=5 THREADS=1 BASE= TARGETS=)
set -euo pipefail

build=${1:-build}
size=${SIZE:-4G}
# The null target is fast: enough bytes for time(1)'s 10 ms ticks to matter little.
null_size=${NULL_SIZE:-64G}
reps=${REPS:-5}
threads=${THREADS:-1}
bs=1M
qd=32
dgen=$build/tools/dgen-uring
base=${BASE:+$BASE/tools/dgen-uring}
fill=$build/bench/dgen-e2e-fill
img=/dev/shm/dgen-e2e.img
file=/dev/shm/dgen-e2e.file
loop=

for t in "$dgen" "$fill" $base; do
	[ -x "$t" ] || { echo "e2e.sh: $t not built (ninja -C $build)" >&2; exit 2; }
done
command -v fio >/dev/null || { echo "e2e.sh: fio is needed" >&2; exit 2; }
command -v jq >/dev/null || { echo "e2e.sh: jq is needed" >&2; exit 2; }

cleanup() {
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
	rm -f "$img" "$file" "$tf"
}
trap cleanup EXIT

truncate -s "$size" "$img"
loop=$(losetup --direct-io=on -f --show "$img")
rm -f "$file"

# CPU time: /usr/bin/time around the whole process, for both tools alike,
# so every thread counts, io_uring's io-wq workers included (fio's own
# usr_cpu/sys_cpu leave them out: on the tmpfs file it reported 0.03 s
# where time(1) saw 0.86 s). Start-up is taken out by a second, small run
# of the same command (SMALL bytes): CPU s/GB = (cpu - cpu_small) /
# (bytes - bytes_small). The loop driver's kernel worker counts for
# neither tool. Each run prints "GB/s CPU-s/GB".
small=64M
tf=$(mktemp)

timed() { # jq filter giving "bytes gbps", then the command
	local q=$1 out
	shift
	out=$(/usr/bin/time -f "%U %S" -o "$tf" "$@")
	echo "$(jq -r "$q" <<<"$out") $(awk '{ print $1 + $2 }' "$tf")"
}

dgen_cmd() { # target size [binary]
	timed '"\(.bytes) \(.gbps)"' "${3:-$dgen}" --dev "$1" --size "$2" --bs $bs \
		--qd $qd --threads "$threads" --seed 1 --force --json
}

fio_cmd() { # target zero|refill size-per-job
	local eng=(--ioengine=io_uring --direct=1 --fixedbufs --registerfiles)
	[ "$1" = null ] && eng=(--ioengine=null)
	timed '"\(.jobs | map(.write.io_bytes) | add) \(.jobs | map(.write.bw_bytes) | add / 1e9)"' \
		fio --name=e2e --filename="$1" --rw=write "${eng[@]}" --bs=$bs \
		--iodepth=$qd --size="$3" --numjobs="$threads" \
		--offset_increment="$3" --"$2"_buffers --output-format=json
}

# "bytes gbps cpu" of a full and a small run -> "gbps cpu-s/GB"
marginal() {
	awk '{ print $2, ($3 - $6) / (($1 - $4) / 1e9) }' <<<"$1 $2"
}

sz() { [ "$1" = null ] && echo "$null_size" || echo "$size"; }

run_dgen() { # target [binary]
	marginal "$(dgen_cmd "$1" "$(sz "$1")" "${2:-}")" \
		"$(dgen_cmd "$1" $small "${2:-}")"
}

run_fio() { # target zero|refill
	local n=$(( $(numfmt --from=iec "$(sz "$1")") / threads ))

	marginal "$(fio_cmd "$1" "$2" $n)" \
		"$(fio_cmd "$1" "$2" $(( $(numfmt --from=iec $small) / threads )))"
}

# GB per CPU second, both from getrusage inside the process over the run.
run_fill() {
	"$fill" $((1 << 20)) $qd 1 "$threads" | jq -r '.bytes / 1e9 / .cpu_s'
}

run_null() { # [binary]
	"${1:-$dgen}" --dev null --size "$null_size" --bs $bs --qd $qd \
		--threads "$threads" --seed 1 --json |
		jq -r '.bytes / 1e9 / (.cpu.user_s + .cpu.sys_s)'
}

median() { sort -g | awk 'NF { v[++n] = $1 } END { print v[int((n + 1) / 2)] }'; }
spread() { sort -g | awk 'NF { v[++n] = $1 } END { printf "%.3f-%.3f", v[1], v[n] }'; }

# Warm-up: allocate the tmpfs pages behind the loop device and the file.
targets=()
for t in ${TARGETS:-loop file null}; do
	case $t in
	loop) targets+=("$loop") ;;
	file) targets+=("$file") ;;
	null) targets+=(null) ;;
	*) echo "e2e.sh: unknown target '$t' in TARGETS" >&2; exit 2 ;;
	esac
done
case " ${targets[*]} " in *" $loop "*) run_dgen "$loop" >/dev/null ;; esac
case " ${targets[*]} " in *" $file "*) run_dgen "$file" >/dev/null ;; esac

declare -A gbps cpu last pair
# Per core on the null target: alternate the generator alone and the run.
case " ${targets[*]} " in *" null "*) per_core=$reps ;; *) per_core=0 ;; esac
for r in $(seq "$per_core"); do
	gbps[fill]+="$(run_fill)"$'\n'
	gbps[null]+="$(run_null)"$'\n'
	if [ -n "$base" ]; then
		gbps[null_base]+="$(run_null "$base")"$'\n'
	fi
done
tools=(dgen zero refill)
[ -n "$base" ] && tools=(dgen base zero refill)
for target in "${targets[@]}"; do
	for r in $(seq "$reps"); do
		order=("${tools[@]}")
		# Every other repetition the base goes first: no build always
		# follows fio's refill run.
		[ -n "$base" ] && [ $((r % 2)) = 0 ] && order=(base dgen zero refill)
		for tool in "${order[@]}"; do
			if [ $tool = dgen ]; then
				out=$(run_dgen "$target")
			elif [ $tool = base ]; then
				out=$(run_dgen "$target" "$base")
			else
				out=$(run_fio "$target" $tool)
			fi
			gbps[$target,$tool]+="${out% *}"$'\n'
			cpu[$target,$tool]+="${out#* }"$'\n'
			last[$tool]=$out
		done
		# Before/after within the repetition: dgen / base.
		if [ -n "$base" ]; then
			pair[$target,gbps]+="$(awk '{ print $1 / $3 }' <<<"${last[dgen]} ${last[base]}")"$'\n'
			pair[$target,cpu]+="$(awk '{ print ($4 > 0 ? $2 / $4 : 0) }' <<<"${last[dgen]} ${last[base]}")"$'\n'
		fi
	done
done


printf '# dgen-uring e2e: size %s per target (null: %s), bs %s, qd %s, threads %s, %s reps (median)\n' \
	"$size" "$null_size" $bs $qd "$threads" "$reps"
printf '# %s; %s; kernel %s\n' "$(date -u '+%F %T UTC')" "$(fio --version)" "$(uname -r)"
printf '| target | dgen GB/s | fio zero GB/s | fio refill GB/s | dgen/zero | dgen CPU s/GB | fio zero CPU s/GB | fio refill CPU s/GB |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for target in "${targets[@]}"; do
	name=$target
	[ "$target" = "$loop" ] && name="loop ($loop, dio, over /dev/shm)"
	[ "$target" = "$file" ] && name="O_DIRECT file on /dev/shm"
	[ "$target" = null ] && name="null (fio: ioengine=null)"
	d=$(median <<<"${gbps[$target,dgen]}")
	z=$(median <<<"${gbps[$target,zero]}")
	f=$(median <<<"${gbps[$target,refill]}")
	printf '| %s | %.2f | %.2f | %.2f | %.3f | %.4f | %.4f | %.4f |\n' "$name" \
		"$d" "$z" "$f" "$(awk "BEGIN { print $d / $z }")" \
		"$(median <<<"${cpu[$target,dgen]}")" \
		"$(median <<<"${cpu[$target,zero]}")" \
		"$(median <<<"${cpu[$target,refill]}")"
done
d=$(median <<<"${gbps[null]:-}")
g=$(median <<<"${gbps[fill]:-}")
[ "$per_core" = 0 ] || printf '\nnull target per core (getrusage in each process, %s alternating runs, median): dgen-uring %.2f GB per CPU second, generator alone (dgen-e2e-fill: %s buffers of 1 MiB per thread, %s threads, 1 s) %.2f; ratio %.3f\n' \
	"$reps" "$d" $qd "$threads" "$g" "$(awk "BEGIN { print $d / $g }")"
[ -n "$base" ] || exit 0
printf '\nbefore/after, same rotations (base: %s)\n' "$base"
printf '| target | dgen GB/s | base GB/s | dgen/base | dgen CPU s/GB | base CPU s/GB | per rep GB/s dgen/base | per rep CPU s/GB dgen/base |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for target in "${targets[@]}"; do
	name=$target
	[ "$target" = "$loop" ] && name="loop ($loop, dio, over /dev/shm)"
	[ "$target" = "$file" ] && name="O_DIRECT file on /dev/shm"
	d=$(median <<<"${gbps[$target,dgen]}")
	b=$(median <<<"${gbps[$target,base]}")
	printf '| %s | %.2f | %.2f | %.3f | %.4f | %.4f | %.3f (%s) | %.3f (%s) |\n' "$name" "$d" "$b" \
		"$(awk "BEGIN { print $d / $b }")" \
		"$(median <<<"${cpu[$target,dgen]}")" \
		"$(median <<<"${cpu[$target,base]}")" \
		"$(median <<<"${pair[$target,gbps]}")" "$(spread <<<"${pair[$target,gbps]}")" \
		"$(median <<<"${pair[$target,cpu]}")" "$(spread <<<"${pair[$target,cpu]}")"
done
[ "$per_core" = 0 ] || printf '\nnull target per core, base: %.2f GB per CPU second\n' \
	"$(median <<<"${gbps[null_base]}")"
