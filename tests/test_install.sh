#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_install.sh - install the project to a temporary prefix and use it the
# way someone outside the tree would: build doc/library.md's example
# (examples/dgen-example.c) with `pkg-config --cflags --libs dgen`, run it,
# link it against the static library too, and check that the programs, the
# headers and the man pages are where they belong.
#
# usage: test_install.sh SOURCE_DIR
#
# A fresh build directory configured with --prefix is used rather than
# `meson install --destdir` of the tree under test: that tree may be built
# with sanitizers (the CI's second pass), whose libraries a plain `cc` cannot
# link, and a --prefix install needs no root and no PKG_CONFIG_SYSROOT_DIR.
# It is also the suite's release build (see below).
set -euo pipefail

src=$(cd "${1:?usage: test_install.sh SOURCE_DIR}" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dgen-install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

fail() {
	echo "test_install: $*" >&2
	exit 1
}

# Sanitizer and coverage settings of the calling build stay out of this one.
unset CFLAGS LDFLAGS CPPFLAGS PKG_CONFIG_PATH LD_LIBRARY_PATH
unset ASAN_OPTIONS UBSAN_OPTIONS MALLOC_PERTURB_

# A release build, as packagers make it, of everything (tests and bench
# included: `meson install` builds all default targets first). Warnings
# that only -O3 shows (-Wformat-truncation, -Wstringop-*) fail it here.
meson setup "$tmp/build" "$src" --prefix="$prefix" --libdir=lib \
	--buildtype=release -Dwerror=true >"$tmp/setup.log" 2>&1 ||
	{ cat "$tmp/setup.log"; fail "meson setup failed"; }
meson install -C "$tmp/build" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "meson install failed"; }

# What an install must hold. dgen-uring comes from the writer's part of
# tools/; expect it whenever the tree has it.
want=(
	bin/dgen-inspect
	lib/libdgen.so
	lib/libdgen.a
	lib/pkgconfig/dgen.pc
	share/man/man1/dgen-uring.1
	share/man/man1/dgen-inspect.1
	share/man/man3/libdgen.3
)
[[ -e $src/tools/dgen-uring.c ]] && want+=(bin/dgen-uring)
# Every public header but the static libraries' (see below).
for h in "$src"/include/dgen/*.h; do
	[[ $h == */inspect.h || $h == */fleet_mpi.h ]] || want+=("include/dgen/${h##*/}")
done
for f in "${want[@]}"; do
	[[ -e $prefix/$f ]] || fail "$f is not installed"
done
# The inspector and the MPI fleet are internal: their headers and
# libraries stay out.
[[ ! -e $prefix/include/dgen/inspect.h ]] || fail "dgen/inspect.h was installed"
[[ ! -e $prefix/include/dgen/fleet_mpi.h ]] || fail "dgen/fleet_mpi.h was installed"

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
[[ $(pkg-config --modversion dgen) == "$(sed -n "s/^#define DGEN_VERSION_STRING[[:space:]]*\"\(.*\)\"/\1/p" "$src/include/dgen/dgen.h")" ]] ||
	fail "dgen.pc has version $(pkg-config --modversion dgen), dgen.h another"

check_output() {
	local out=$1
	grep -q '^libdgen [0-9.]*, kernel ' <<<"$out" || fail "no version line in: $out"
	grep -q '^4096 blocks of 4096 bytes, 2048 distinct: dedup 2.00, compress 2.00$' <<<"$out" ||
		fail "wrong layout in: $out"
	grep -q 'compared: 0 blocks differ$' <<<"$out" || fail "compare failed in: $out"
}

# doc/library.md shows the example verbatim, below a marker line.
awk '/^<!-- examples\/dgen-example.c/ { f = 1; getline; next }
     f && /^```$/ { exit } f' "$src/doc/library.md" >"$tmp/doc-example.c"
cmp -s "$tmp/doc-example.c" "$src/examples/dgen-example.c" ||
	fail "doc/library.md does not show examples/dgen-example.c verbatim: $(diff "$tmp/doc-example.c" "$src/examples/dgen-example.c" | head -5)"

# doc/library.md's command, word for word apart from the names.
cd "$tmp"
cp "$src/examples/dgen-example.c" example.c
# shellcheck disable=SC2046
cc example.c $(pkg-config --cflags --libs dgen) -o example-shared
out=$(LD_LIBRARY_PATH=$prefix/lib ./example-shared)
echo "$out"
check_output "$out"
# (grep -q reads from variables: with pipefail, an early exit would fail
# the pipe.)
libs=$(LD_LIBRARY_PATH=$prefix/lib ldd ./example-shared)
grep -q "=> $prefix/lib/libdgen.so" <<<"$libs" ||
	fail "example-shared does not load the installed libdgen.so"

# The static library, with libdgen's own private libraries and the shared
# ones of the packages it requires privately. (`pkg-config --static` would
# ask for those packages' static archives too, e.g. libudev.a behind hwloc,
# which Debian does not ship.)
own=$(sed -n 's/^Libs.private: *//p' "$PKG_CONFIG_PATH/dgen.pc")
req=$(pkg-config --print-requires-private dgen | awk '{ print $1 }')
deps=
[[ -z $req ]] || deps=$(pkg-config --libs $req)
# shellcheck disable=SC2046,SC2086
cc example.c $(pkg-config --cflags dgen) "$prefix/lib/libdgen.a" $own $deps \
	-o example-static
libs=$(ldd ./example-static)
grep -q libdgen <<<"$libs" && fail "example-static loads libdgen.so"
check_output "$(./example-static)"

# The installed tools run, and find libdgen through the prefix alone.
out=$(LD_LIBRARY_PATH=$prefix/lib "$prefix/bin/dgen-inspect" --version)
grep -q '^dgen-inspect ' <<<"$out" || fail "installed dgen-inspect does not run"
out=$(head -c 3M /dev/zero | LD_LIBRARY_PATH=$prefix/lib "$prefix/bin/dgen-inspect" --json)
grep -q '"zero_sectors": 6144' <<<"$out" || fail "installed dgen-inspect miscounts zeros: $out"

# The man pages are well-formed roff.
if command -v groff >/dev/null; then
	for m in man1/dgen-uring.1 man1/dgen-inspect.1 man3/libdgen.3; do
		w=$(groff -man -Tutf8 -ww -z "$prefix/share/man/$m" 2>&1)
		[[ -z $w ]] || fail "$m: $w"
	done
fi
echo "test_install: ok ($prefix)"
