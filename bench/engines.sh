#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# engines.sh - dgen-uring on libaio against fio on libaio and against
# itself on io_uring: same job, same bs / qd / threads, same targets
#
# Two targets: a loop device with direct I/O over a file in /dev/shm, and
# a file in /dev/shm (tmpfs takes O_DIRECT since Linux 6.6). Each rep
# runs, interleaved, on each target and under each CPU policy:
#
#	dgen-uring --engine libaio    the libaio engine (engine_aio.c)
#	dgen-uring --engine io_uring  the io_uring engine (engine_uring.c)
#	fio --ioengine=libaio --direct=1 --zero_buffers --rw=write, THREADS
#	    jobs on contiguous ranges: libaio's ceiling with nothing to
#	    generate
#
# Placement is held equal: fio's jobs get the CPUs of dgen-uring's plan
# (its report) with the same policy, --cpus-policy split against
# cpus_allowed_policy=split (each thread on its own CPU, dgen-uring's
# default) and shared against shared (each free on all of them).
#
# and prints the median GB/s (10^9 B/s) and CPU seconds per GB of each,
# then the ratios: ours on libaio / fio on libaio (goal >= 0.95) and ours
# on libaio / ours on io_uring (goal >= 0.8). dgen-uring's CPU is the
# process's (its report); fio's is its jobs' usr + sys.
#
# usage: bench/engines.sh [BUILD_DIR]
#        (root; env SIZE=2G REPS=5 THREADS=2 QD=32 BS=1M
#        TARGETS="loop file": which of the two to run;
#        POLICIES="split shared": the CPU policies to run;
#        FIO_BUF=--zero_buffers: fio's buffer option; --refill_buffers makes
#        fio generate (random bytes) into every buffer before its write, as
#        dgen-uring does, to see what generating costs next to the engine)
set -euo pipefail

build=${1:-build}
size=${SIZE:-2G}
reps=${REPS:-5}
threads=${THREADS:-2}
qd=${QD:-32}
bs=${BS:-1M}
fio_buf=${FIO_BUF:---zero_buffers}
targets=${TARGETS:-loop file}
policies=${POLICIES:-split shared}
dgen=$build/tools/dgen-uring
img=/dev/shm/dgen-engines.img
file=/dev/shm/dgen-engines.file
loop=

[ -x "$dgen" ] || { echo "engines.sh: $dgen not built (ninja -C $build)" >&2; exit 2; }
command -v fio >/dev/null || { echo "engines.sh: fio is needed" >&2; exit 2; }
command -v jq >/dev/null || { echo "engines.sh: jq is needed" >&2; exit 2; }

cleanup() {
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
	rm -f "$img" "$file"
}
trap cleanup EXIT

truncate -s "$size" "$img"
loop=$(losetup --direct-io=on -f --show "$img")

# ours ENGINE TARGET POLICY: "GB/s CPU-s/GB" of one plain write
ours() {
	"$dgen" --dev "$2" --size "$size" --bs "$bs" --qd "$qd" --threads "$threads" \
		--cpus-policy "$3" --seed 1 --engine "$1" --force --json |
		jq -r 'if .status != "ok" or .engine != "'"$1"'" then error("run failed: \(.status) \(.engine)") else "\(.gbps) \(.cpu.s_per_gb)" end'
}

# fio_aio TARGET POLICY: "GB/s CPU-s/GB" of the same job by fio on libaio,
# on the CPUs of dgen-uring's plan ($cpus)
fio_aio() {
	local n=$(( $(numfmt --from=iec "$size") / threads ))

	fio --name=write --filename="$1" --rw=write --direct=1 --ioengine=libaio \
		--cpus_allowed="$cpus" --cpus_allowed_policy="$2" \
		"$fio_buf" --bs="$bs" --iodepth="$qd" --numjobs="$threads" \
		--size=$n --offset_increment=$n --output-format=json |
		jq -r '(.jobs | map(.write.io_bytes) | add) as $b
		       | (.jobs | map((.usr_cpu + .sys_cpu) / 100 * .job_runtime / 1000) | add) as $cpu
		       | (.jobs | map(.job_runtime) | max / 1000) as $s
		       | "\($b / $s / 1e9) \($cpu / ($b / 1e9))"'
}

median() { sort -g | awk 'NF { v[++n] = $1 } END { print v[int((n + 1) / 2)] }'; }
col() { awk -v c="$1" '{ print $c }'; }

printf '# engines: size %s, bs %s, qd %s, threads %s, %s reps interleaved (median); %s; %s; kernel %s; %s CPUs\n' \
	"$size" "$bs" "$qd" "$threads" "$reps" "$(date -u '+%F %T UTC')" \
	"$(fio --version) $fio_buf" "$(uname -r)" "$(nproc)"
printf '| target | cpus | libaio GB/s | io_uring GB/s | fio libaio GB/s | libaio CPU s/GB | io_uring CPU s/GB | fio CPU s/GB | libaio/fio | libaio/io_uring |\n'
printf '|---|---|---|---|---|---|---|---|---|---|\n'
for t in $targets; do
	dev=$loop
	[ $t = file ] && dev=$file
	# Warm-up, unmeasured: the file is laid out, the caches are hot; the
	# plan's CPUs, for fio's jobs.
	cpus=$("$dgen" --dev "$dev" --size "$size" --bs "$bs" --qd "$qd" \
		--threads "$threads" --seed 1 --engine libaio --force --json |
		jq -r '.placement.threads | map(.cpu) | join(",")')
	fio_aio "$dev" split >/dev/null
	for pol in $policies; do
		a= u= f=
		for _ in $(seq "$reps"); do
			a+="$(ours libaio "$dev" "$pol")"$'\n'
			u+="$(ours io_uring "$dev" "$pol")"$'\n'
			f+="$(fio_aio "$dev" "$pol")"$'\n'
		done
		ag=$(col 1 <<<"$a" | median) ac=$(col 2 <<<"$a" | median)
		ug=$(col 1 <<<"$u" | median) uc=$(col 2 <<<"$u" | median)
		fg=$(col 1 <<<"$f" | median) fc=$(col 2 <<<"$f" | median)
		printf '| %s | %s %s | %.2f | %.2f | %.2f | %.3f | %.3f | %.3f | %.3f | %.3f |\n' \
			"$t ($dev)" "$cpus" "$pol" "$ag" "$ug" "$fg" "$ac" "$uc" "$fc" \
			"$(awk "BEGIN { print $ag / $fg }")" "$(awk "BEGIN { print $ag / $ug }")"
		printf '<!-- %s %s per rep (GB/s CPU-s/GB): libaio: %s; io_uring: %s; fio: %s -->\n' "$t" "$pol" \
			"$(tr '\n' ';' <<<"$a")" "$(tr '\n' ';' <<<"$u")" "$(tr '\n' ';' <<<"$f")"
	done
done
