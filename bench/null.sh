#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# null.sh - the null target against the generator alone and memset, same run
#
# One thread, interleaved in every repetition:
#   - dgen-uring --dev null --threads 1 with its default sizing (the plan's
#     bs x qd, read from its report), fully unique data (d = c = 1);
#   - the generator alone on that footprint: dgen-e2e-fill BS QD, qd
#     buffers of bs bytes refilled in the writer's order;
#   - memset on one 1 MiB buffer (dgen-e2e-fill 1M 1 ... memset);
#   - dgen-uring --dev null --threads 1 --bs 4K: I/Os per second.
# With BASE=<build dir of another commit>, its dgen-uring runs the same two
# null runs right after this build's, in every repetition: before and after
# under the same noise.
#
# All figures are per CPU second of the process (getrusage), since on a
# shared 2-vCPU machine a thread does not always get a whole core; wall
# figures are shown too. dgen-uring's start-up (stream, plan, ring, buffer
# registration) is taken out as bench/e2e.sh does: a small run of the same
# command is subtracted, (cpu - cpu_small) / (bytes - bytes_small). The
# ratios are taken within each repetition and their median is shown, with
# the spread (min-max) as the measure of noise. GB = 10^9 bytes.
#
# Last, dgen-entercost measures one system call and one io_uring_enter
# carrying a round of qd NOPs, and the bound that enter sets: with one
# enter per round of qd x bs bytes, the null target can reach at most
# t_gen / (t_gen + t_enter) of the generator alone, t_gen being the
# generator's CPU time for one round.
#
# Usage: bench/null.sh [BUILD_DIR]
#        (env REPS=7 SIZE=32G SIZE_4K=4G FILL_SECONDS=0.5 BASE=)
set -euo pipefail

build=${1:-build}
reps=${REPS:-7}
size=${SIZE:-32G}
size_4k=${SIZE_4K:-4G}
secs=${FILL_SECONDS:-0.5}
base=${BASE:-}
small=256M
fill=$build/bench/dgen-e2e-fill
enter=$build/bench/dgen-entercost
tools=(new)
declare -A dgen=([new]=$build/tools/dgen-uring)
if [ -n "$base" ]; then
	tools+=(base)
	dgen[base]=$base/tools/dgen-uring
fi

for t in "${dgen[@]}" "$fill" "$enter"; do
	[ -x "$t" ] || { echo "null.sh: $t not built" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "null.sh: jq is needed" >&2; exit 2; }

# dgen-uring on null: "bs qd bytes cpu_s ops wall_s"
null_run() { # binary size extra-args...
	local bin=$1 sz=$2
	shift 2
	"$bin" --dev null --size "$sz" --threads 1 --seed 1 --json "$@" |
		jq -r '"\(.job.bs) \(.job.qd) \(.bytes) \(.cpu.user_s + .cpu.sys_s) \(.ops) \(.seconds)"'
}

# "bs qd GB-per-cpu-s Mops-per-cpu-s wall-GB/s wall-Miops", start-up taken out
null_marginal() { # binary size extra-args...
	local bin=$1 sz=$2 big sm
	shift 2
	big=$(null_run "$bin" "$sz" "$@")
	sm=$(null_run "$bin" $small "$@")
	awk '{ db = $3 - $9; dc = $4 - $10; do_ = $5 - $11;
	       printf "%s %s %.4f %.4f %.4f %.4f\n", $1, $2, db / 1e9 / dc,
		      do_ / 1e6 / dc, $3 / 1e9 / $6, $5 / 1e6 / $6 }' <<<"$big $sm"
}

fill_run() { # bs qd [memset] -> "GB-per-cpu-s wall-GB/s"
	"$fill" "$1" "$2" "$secs" 1 ${3:-} | jq -r '"\(.bytes / 1e9 / .cpu_s) \(.gbps)"'
}

median() { sort -g | awk 'NF { v[++n] = $1 } END { print v[int((n + 1) / 2)] }'; }
spread() { sort -g | awk 'NF { v[++n] = $1 } END { printf "%.3f-%.3f", v[1], v[n] }'; }
col() { awk -v c="$1" '{ print $c }'; }

declare -A fig
t0=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq "$reps"); do
	declare -A now=()
	for t in "${tools[@]}"; do
		out=$(null_marginal "${dgen[$t]}" "$size")
		fig[$t,null]+="$out"$'\n'
		read -r bs qd now[$t] _ <<<"$out"
	done
	g=$(fill_run "$bs" "$qd")
	m=$(fill_run $((1 << 20)) 1 memset)
	fig[gen]+="$g"$'\n'
	fig[memset]+="$m"$'\n'
	for t in "${tools[@]}"; do
		fig[$t,vs_gen]+="$(awk "BEGIN { print ${now[$t]} / ${g% *} }")"$'\n'
		fig[$t,vs_mem]+="$(awk "BEGIN { print ${now[$t]} / ${m% *} }")"$'\n'
		fig[$t,4k]+="$(null_marginal "${dgen[$t]}" "$size_4k" --bs 4K)"$'\n'
	done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

printf '# dgen-uring null target, 1 thread: %s reps (median, min-max), %s s\n' \
	"$reps" $(( $(date +%s) - t0 ))
printf '# %s; kernel %s; load average %s at the start, %s at the end\n' \
	"$(date -u '+%F %T UTC')" "$(uname -r)" "$load0" "$load1"
printf '# default sizing: bs %s x qd %s; null runs %s (4 KiB: %s), less a %s run\n' \
	"$bs" "$qd" "$size" "$size_4k" $small
printf '| what | GB per CPU s | wall GB/s |\n|---|---|---|\n'
printf '| memset, one 1 MiB buffer | %.1f (%s) | %.1f |\n' \
	"$(col 1 <<<"${fig[memset]}" | median)" "$(col 1 <<<"${fig[memset]}" | spread)" \
	"$(col 2 <<<"${fig[memset]}" | median)"
printf '| generator alone, %s x %s B buffers | %.1f (%s) | %.1f |\n' "$qd" "$bs" \
	"$(col 1 <<<"${fig[gen]}" | median)" "$(col 1 <<<"${fig[gen]}" | spread)" \
	"$(col 2 <<<"${fig[gen]}" | median)"
for t in "${tools[@]}"; do
	printf '| dgen-uring --dev null (%s: %s) | %.1f (%s) | %.1f |\n' "$t" "${dgen[$t]}" \
		"$(col 3 <<<"${fig[$t,null]}" | median)" "$(col 3 <<<"${fig[$t,null]}" | spread)" \
		"$(col 5 <<<"${fig[$t,null]}" | median)"
done
printf '\n| build | null / generator | null / memset 1 MiB | 4 KiB: M IOPS per CPU s | 4 KiB: wall M IOPS |\n|---|---|---|---|---|\n'
for t in "${tools[@]}"; do
	printf '| %s | %.3f (%s) | %.3f (%s) | %.2f (%s) | %.2f |\n' "$t" \
		"$(median <<<"${fig[$t,vs_gen]}")" "$(spread <<<"${fig[$t,vs_gen]}")" \
		"$(median <<<"${fig[$t,vs_mem]}")" "$(spread <<<"${fig[$t,vs_mem]}")" \
		"$(col 4 <<<"${fig[$t,4k]}" | median)" "$(col 4 <<<"${fig[$t,4k]}" | spread)" \
		"$(col 6 <<<"${fig[$t,4k]}" | median)"
done

# The enter's cost and the bound it sets (see the top of this file).
gen_med=$(col 1 <<<"${fig[gen]}" | median)
read -r sys_us enter_us < <("$enter" "$qd" | jq -r '"\(.syscall_us) \(.enter_us)"')
awk -v g="$gen_med" -v bs="$bs" -v qd="$qd" -v s="$sys_us" -v e="$enter_us" 'BEGIN {
	t = bs * qd / (g * 1e9) * 1e6
	printf "\none system call: %.3f us of CPU; one io_uring_enter with %d NOPs: %.3f us\n", s, qd, e
	printf "generator alone: %.2f us per round of %d x %d B; bound on null / generator: %.3f\n", t, qd, bs, t / (t + e)
}'
