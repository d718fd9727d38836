#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# inspect.sh - dgen-inspect's throughput side by side with plain sequential
# reads of the same file by fio (io_uring, O_DIRECT, 1 MiB, the same threads
# and depth), so the figure says what the hashing and compressing cost on
# top of the reads.
#
# usage: bench/inspect.sh [-b BUILDDIR] [-s SIZE] [-d DIR] [-r RUNS] [-t THREADS]
#
# Writes three files of SIZE to DIR: a libdgen stream with d = 3, c = 2, one
# with d = 1, c = 1 (unique, incompressible) and /dev/urandom bytes, then
# for each runs fio, dgen-inspect and dgen-inspect on one thread RUNS times,
# alternating, and prints the median GB/s of each, the ratio of
# dgen-inspect's to fio's, and dgen-inspect's CPU seconds per GB.
# Defaults: build/, 1 GiB, /dev/shm (so the reads cost little and the
# figure is the CPU's), 3 runs, all CPUs.
set -euo pipefail

BUILD=build
SIZE_MIB=1024
DIR=/dev/shm
RUNS=3
THREADS=$(nproc)

usage() {
	sed -n '4,17s/^# \{0,1\}//p' "$0"
	echo "defaults: -b $BUILD -s ${SIZE_MIB}M -d $DIR -r $RUNS -t $THREADS"
}

while getopts "b:s:d:r:t:h" o; do
	case $o in
	b) BUILD=$OPTARG ;;
	s) SIZE_MIB=$(numfmt --from=iec "$OPTARG"); SIZE_MIB=$((SIZE_MIB >> 20)) ;;
	d) DIR=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	t) THREADS=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."
INSPECT=$BUILD/tools/dgen-inspect
[[ -x $INSPECT ]] || { echo "inspect.sh: build first ($INSPECT missing)" >&2; exit 2; }
command -v fio >/dev/null || { echo "inspect.sh: fio is not installed" >&2; exit 2; }

tmp=$(mktemp -d "$DIR/dgen-bench-inspect.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# A stream writer of a few lines, built against the tree's libdgen, so the
# benchmark needs nothing but the library.
cat >"$tmp/gen.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <dgen/dgen.h>
int main(int argc, char **argv)
{
	static char buf[1 << 20];
	struct dgen_stream_params p;
	struct dgen_stream *s;
	char msg[256];

	dgen_stream_params_init(&p);
	p.seed = 1;
	p.size = strtoull(argv[1], NULL, 0) << 20;
	p.dedup_ratio = atof(argv[2]);
	p.compress_ratio = atof(argv[3]);
	if (dgen_stream_new(&s, &p, msg, sizeof(msg))) {
		fprintf(stderr, "%s\n", msg);
		return 1;
	}
	for (unsigned long long o = 0; o < p.size; o += sizeof(buf))
		if (dgen_stream_fill(s, buf, o, sizeof(buf)) ||
		    fwrite(buf, sizeof(buf), 1, stdout) != 1)
			return 1;
	return 0;
}
EOF
cc -O2 -Iinclude "$tmp/gen.c" -L"$BUILD/src" -ldgen -Wl,-rpath,"$PWD/$BUILD/src" -o "$tmp/gen"
"$tmp/gen" "$SIZE_MIB" 3 2 >"$tmp/d3c2"
"$tmp/gen" "$SIZE_MIB" 1 1 >"$tmp/d1c1"
head -c "${SIZE_MIB}M" /dev/urandom >"$tmp/urandom"

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

fio_gbps() {
	fio --name=read --filename="$1" --rw=read --bs=1M --direct=1 \
		--ioengine=io_uring --iodepth=4 --numjobs="$THREADS" \
		--offset_increment=$((SIZE_MIB / THREADS))M --size=$((SIZE_MIB / THREADS))M \
		--group_reporting --output-format=json 2>/dev/null |
		awk -F': *' '!done && /"bw_bytes"/ { gsub(/[ ,]/, "", $2); print $2 / 1e9; done = 1 }'
}

# GB/s, then the CPU seconds per GB it took (user + sys): on a shared
# machine the second moves less with the neighbours' load.
inspect_run() {
	local out cpu TIMEFORMAT='%U %S'

	{ cpu=$( { time "$INSPECT" --json --threads "$1" "$2" >"$tmp/out.json"; } 2>&1 ); }
	out=$(sed -n 's/.*"gb_per_s": \([0-9.]*\).*/\1/p' "$tmp/out.json")
	awk -v g="$out" -v c="$cpu" -v mib="$SIZE_MIB" \
		'BEGIN { split(c, t, " "); printf "%s %.3f\n", g, (t[1] + t[2]) / (mib * 1048576 / 1e9) }'
}

echo "dgen-inspect vs fio --rw=read (io_uring, O_DIRECT, bs 1M, qd 4): ${SIZE_MIB} MiB in $DIR, $THREADS threads, median of $RUNS"
printf '%-8s %9s %9s %9s %9s %12s\n' data "fio GB/s" "insp GB/s" "ratio" "1-thr GB/s" "insp CPU s/GB"
for f in d3c2 d1c1 urandom; do
	: >"$tmp/fio.txt"; : >"$tmp/ins.txt"; : >"$tmp/one.txt"; : >"$tmp/cpu.txt"
	for ((r = 0; r < RUNS; r++)); do
		fio_gbps "$tmp/$f" >>"$tmp/fio.txt"
		read -r g c < <(inspect_run "$THREADS" "$tmp/$f")
		echo "$g" >>"$tmp/ins.txt"
		echo "$c" >>"$tmp/cpu.txt"
		read -r g c < <(inspect_run 1 "$tmp/$f")
		echo "$g" >>"$tmp/one.txt"
	done
	a=$(median <"$tmp/fio.txt"); b=$(median <"$tmp/ins.txt")
	c=$(median <"$tmp/one.txt"); d=$(median <"$tmp/cpu.txt")
	printf '%-8s %9.2f %9.3f %9.4f %9.3f %12.3f\n' "$f" "$a" "$b" \
		"$(awk "BEGIN { print $b / $a }")" "$c" "$d"
done
