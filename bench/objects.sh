#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# objects.sh - libdgen's S3 client against awscli and curl, same server,
# same run
#
# One s3rver (npm, from the build's npm-cache, installed there if need be)
# on 127.0.0.1 with its data on /dev/shm. Three cases, REPS rounds each,
# interleaved; medians:
#   many:  OBJECTS objects of OSIZE: dgen-objbench (THREADS threads, depth
#          DEPTH), and dgen-uring --dir s3:// (a run: --threads THREADS
#          --qd DEPTH, its report's write figures), against `aws s3 cp
#          --recursive` of the same bytes (made first with dgen-uring
#          --stdout, not timed), awscli at its defaults (10 requests in
#          flight);
#   big:   one object of BIG, 16 MiB parts on both sides (awscli's
#          multipart_chunksize set to match);
#   cpu:   one object of CSIZE in a single PUT: CPU seconds per GB of
#          dgen-objbench (generating the bytes included) against
#          `curl -T` of a file holding them (read from the page cache).
# GB/s and objects/s are each tool's bytes over its wall time (awscli,
# curl: the process's, from time(1); dgen-objbench: its job's clock); the
# server's CPU seconds (utime + stime of the node process, from /proc) are
# given for each, as on loopback the server is the ceiling.
# GB = 10^9 bytes.
#
# Usage: bench/objects.sh [BUILD_DIR]
#   (env OBJECTS=256 OSIZE=1M BIG=512M CSIZE=256M REPS=3 THREADS=2 DEPTH=8)
set -euo pipefail

build=${1:-build}
objects=${OBJECTS:-256}
osize=${OSIZE:-1M}
big=${BIG:-512M}
csize=${CSIZE:-256M}
reps=${REPS:-3}
threads=${THREADS:-2}
depth=${DEPTH:-8}
bench=$build/bench/dgen-objbench
dgen=$build/tools/dgen-uring
cache=$build/npm-cache
aws=/usr/bin/aws
scratch=/dev/shm/dgen-objbench-$$

[ -x "$bench" ] && [ -x "$dgen" ] || { echo "objects.sh: build first (ninja -C $build)" >&2; exit 2; }
[ -x "$aws" ] || { echo "objects.sh: Debian's awscli ($aws) is needed" >&2; exit 2; }
command -v npm >/dev/null || { echo "objects.sh: npm is needed (s3rver)" >&2; exit 2; }
command -v curl >/dev/null || { echo "objects.sh: curl is needed" >&2; exit 2; }
if [ ! -x "$cache/node_modules/.bin/s3rver" ]; then
	npm install --prefix "$cache" --no-audit --no-fund --loglevel=error s3rver@3.7.1 azurite@3.35.0 >&2
fi

bytes() { numfmt --from=iec "$1"; }
mkdir -p "$scratch/data" "$scratch/src" "$scratch/home/.aws"
srv=
trap '[ -n "$srv" ] && kill "$srv" 2>/dev/null; wait 2>/dev/null; rm -rf "$scratch"' EXIT
"$cache/node_modules/.bin/s3rver" -d "$scratch/data" -a 127.0.0.1 -p 0 --silent \
	--configure-bucket bench > "$scratch/s3rver.log" 2>&1 &
srv=$!
for _ in $(seq 300); do
	port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$scratch/s3rver.log" | cut -d: -f2 || true)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "${port:-}" ] || { echo "objects.sh: s3rver did not start" >&2; exit 3; }
ep=http://127.0.0.1:$port
tck=$(getconf CLK_TCK)
server_cpu() { awk -v t="$tck" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$srv/stat"; }

export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL=$ep HOME=$scratch/home
printf '[default]\ns3 =\n  multipart_chunksize = 16MB\n  multipart_threshold = 16MB\n' > "$scratch/home/.aws/config"
awsrun() { env -i PATH=/usr/bin:/bin HOME="$HOME" AWS_ACCESS_KEY_ID=S3RVER \
	AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 \
	/usr/bin/time -f '%e %U %S' -o "$scratch/time" "$aws" --endpoint-url "$ep" s3 "$@" --only-show-errors; }

# The bytes awscli and curl send: what dgen-objbench generates (seed 1).
ob=$(bytes "$osize")
for ((i = 0; i < objects; i++)); do
	d=$(printf '%s/src/many/d%03d' "$scratch" $((i / 1000)))
	mkdir -p "$d"
	"$dgen" --stdout --size "$ob" --seed 1 --stream $i 2>/dev/null > "$(printf '%s/f%06d' "$d" $i)"
done
"$dgen" --stdout --size "$(bytes "$big")" --seed 1 2>/dev/null > "$scratch/src/big"
"$dgen" --stdout --size "$(bytes "$csize")" --seed 1 2>/dev/null > "$scratch/src/cpu"

echo "# objects.sh: s3rver 3.7.1 (node $(node --version)) on 127.0.0.1, data on /dev/shm; $("$aws" --version 2>&1 | cut -d' ' -f1) ($aws); $(curl --version | head -1 | cut -d' ' -f1-2)"
echo "# $(nproc) CPUs, $(date -u '+%F %T UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "case tool rep GB/s objects/s cpu_s cpu_s/GB server_cpu_s"
for ((r = 1; r <= reps; r++)); do
	# many: ours, then awscli
	c0=$(server_cpu)
	j=$("$bench" s3://bench/dgen/many "$objects" "$osize" --threads "$threads" --depth "$depth" --force --json)
	c1=$(server_cpu)
	echo "$j" | jq -r --arg r $r --arg s "$(echo "$c1 - $c0" | bc)" \
		'"many dgen \($r) \(.gbps) \(.objects_per_s) \(.cpu_user_s + .cpu_sys_s) \(.cpu_s_per_gb) \($s)"'
	c0=$(server_cpu)
	j=$("$dgen" --dir s3://bench/tool/many --files "$objects" --file-size "$osize" \
		--seed 1 --threads "$threads" --qd "$depth" --force --json)
	c1=$(server_cpu)
	echo "$j" | jq -r --arg r $r --arg s "$(echo "$c1 - $c0" | bc)" \
		'"many tool \($r) \(.write.gbps) \(.write.objects_per_s) \(.cpu.user_s + .cpu.sys_s) \(.cpu.s_per_gb) \($s)"'
	c0=$(server_cpu)
	awsrun cp --recursive "$scratch/src/many" s3://bench/aws/many
	c1=$(server_cpu)
	read -r e u s < "$scratch/time"
	echo "many aws $r $(echo "scale=4; $objects * $ob / $e / 10^9" | bc) $(echo "scale=1; $objects / $e" | bc) $(echo "$u + $s" | bc) $(echo "scale=3; ($u + $s) / ($objects * $ob / 10^9)" | bc) $(echo "$c1 - $c0" | bc)"
	# big: one multipart object
	c0=$(server_cpu)
	j=$("$bench" s3://bench/dgen/big 1 "$big" --threads "$threads" --depth "$depth" --force --json)
	c1=$(server_cpu)
	echo "$j" | jq -r --arg r $r --arg s "$(echo "$c1 - $c0" | bc)" \
		'"big dgen \($r) \(.gbps) \(.objects_per_s) \(.cpu_user_s + .cpu_sys_s) \(.cpu_s_per_gb) \($s)"'
	c0=$(server_cpu)
	awsrun cp "$scratch/src/big" s3://bench/aws/big
	c1=$(server_cpu)
	read -r e u s < "$scratch/time"
	gb=$(echo "scale=6; $(bytes "$big") / 10^9" | bc)
	echo "big aws $r $(echo "scale=4; $gb / $e" | bc) $(echo "scale=2; 1 / $e" | bc) $(echo "$u + $s" | bc) $(echo "scale=3; ($u + $s) / $gb" | bc) $(echo "$c1 - $c0" | bc)"
	# cpu: one single PUT each
	cb=$(bytes "$csize")
	c0=$(server_cpu)
	j=$("$bench" s3://bench/dgen/cpu 1 "$csize" --part-size "$csize" --force --json)
	c1=$(server_cpu)
	echo "$j" | jq -r --arg r $r --arg s "$(echo "$c1 - $c0" | bc)" \
		'"cpu dgen \($r) \(.gbps) \(.objects_per_s) \(.cpu_user_s + .cpu_sys_s) \(.cpu_s_per_gb) \($s)"'
	c0=$(server_cpu)
	/usr/bin/time -f '%e %U %S' -o "$scratch/time" curl -sS -o /dev/null -T "$scratch/src/cpu" \
		--aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$ep/bench/curl/cpu"
	c1=$(server_cpu)
	read -r e u s < "$scratch/time"
	gb=$(echo "scale=6; $cb / 10^9" | bc)
	echo "cpu curl $r $(echo "scale=4; $gb / $e" | bc) $(echo "scale=2; 1 / $e" | bc) $(echo "$u + $s" | bc) $(echo "scale=3; ($u + $s) / $gb" | bc) $(echo "$c1 - $c0" | bc)"
done | tee "$scratch/rows"
echo "# medians: case tool GB/s objects/s cpu_s/GB server_cpu_s"
for c in many big cpu; do
	for t in dgen tool aws curl; do
		grep -q "^$c $t " "$scratch/rows" || continue
		med() { grep "^$c $t " "$scratch/rows" | awk "{ print \$$1 }" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
		echo "$c $t $(med 4) $(med 5) $(med 7) $(med 8)"
	done
done
