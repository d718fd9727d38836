#!/bin/bash
# SPDX-License-Identifier: MIT
#
# fuzz.sh - fuzz the readers of untrusted input with libFuzzer (clang):
# the size and duration parsers (fuzz_parse), the options table
# (fuzz_opts), the --plot-from log reader (fuzz_series), the crash
# journal reader (fuzz_journal) and the --like profile reader
# (fuzz_profile), each tests/fuzz/fuzz_NAME.c.
#
# libdgen is built with clang into its own build dir (default build-fuzz),
# instrumented for libFuzzer's coverage and with ASan and UBSan; each
# target runs for SECONDS (default 120) from its corpus tests/fuzz/corpus/
# NAME/, where the new inputs it finds are kept (only those under 4 KiB:
# libFuzzer's -max_len). A crash, a leak or a broken invariant is written
# as crash-* in the build dir and the script ends non-zero; fix it, and
# copy the input into the corpus so that the normal suite's fuzz-NAME
# replays it for ever.
#
# usage: bench/fuzz.sh [SECONDS [NAME...]]   (from the repository root;
#        needs clang and libclang-rt-dev: apt-get install clang)
set -eu
SECS=${1:-120}
shift || true
NAMES=${*:-parse opts series journal profile}
B=${FUZZ_BUILD:-build-fuzz}
command -v clang >/dev/null || { echo "fuzz.sh: needs clang (apt-get install clang)"; exit 2; }
if [ ! -f "$B/build.ninja" ]; then
	CC=clang meson setup "$B" -Dwerror=false -Db_lundef=false \
		-Db_sanitize=address,undefined \
		-Dc_args='-fsanitize=fuzzer-no-link -fsanitize=float-cast-overflow -fno-sanitize-recover=all' >/dev/null
fi
ninja -C "$B" src/libdgen.so.0.1.0 >/dev/null
rc=0
for n in $NAMES; do
	exe=$B/fuzz_$n
	clang -g -O1 -fsanitize=fuzzer,address,undefined,float-cast-overflow \
		-fno-sanitize-recover=all -D_GNU_SOURCE -Iinclude \
		"tests/fuzz/fuzz_$n.c" -o "$exe" -L"$B/src" -ldgen \
		-Wl,-rpath,"$PWD/$B/src" -lm
	corpus=tests/fuzz/corpus/$n
	before=$(ls "$corpus" | wc -l)
	echo "== fuzz_$n: $SECS s from $before inputs"
	# One job: the machine is shared. -max_len keeps kept inputs small.
	if ! (cd "$B" && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		./"fuzz_$n" -max_total_time="$SECS" -max_len=4096 -timeout=10 \
		-print_final_stats=1 "$OLDPWD/$corpus" 2>"fuzz_$n.log"); then
		echo "fuzz_$n: FOUND a crash; see $B/fuzz_$n.log and $B/crash-*"
		rc=1
	fi
	grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$B/fuzz_$n.log" || true
	tail -n 3 "$B/fuzz_$n.log" | grep -E "^(#|Done)" || true
	echo "fuzz_$n: corpus $before -> $(ls "$corpus" | wc -l) inputs"
done
exit $rc
