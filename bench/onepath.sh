#!/bin/bash
# SPDX-License-Identifier: MIT
#
# onepath.sh - a plain write by two builds of dgen-uring, alternated: the
# null target (the tool's own cost) and a 2 GiB file in /dev/shm, each
# line "TARGET old|new GB/s CPU-s/GB". For a change of the run path (the
# old build's tool drove the writer itself; the new one runs dgen_run).
#
# usage: onepath.sh OLD_DGEN_URING NEW_DGEN_URING [REPS]
OLD=$1 NEW=$2 REPS=${3:-7}
for i in $(seq $REPS); do
	for b in old new; do
		bin=$OLD; [ $b = new ] && bin=$NEW
		$bin --dev null --size 64G --threads 2 --seed 1 --json | python3 -c "import json,sys; d=json.load(sys.stdin); print('null', '$b', d['gbps'], d['cpu']['s_per_gb'])"
		$bin --dev /dev/shm/house-bench --size 2G --threads 2 --seed 1 --json | python3 -c "import json,sys; d=json.load(sys.stdin); print('shm', '$b', d['gbps'], d['cpu']['s_per_gb'])"
		rm -f /dev/shm/house-bench
	done
done
