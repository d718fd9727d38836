# SPDX-License-Identifier: MIT
# vmlib.sh - helpers for the job scripts of the NVMe test VM (sourced).
#
#   drive SERIAL      the namespace block device of the controller with
#                     that serial (controller numbers change between boots)
#   generic SERIAL    its NVMe generic char device (/dev/ngXnY)
#   job NAME CMD...   run CMD, its output between "@@begin NAME" and
#                     "@@end NAME rc=N" for the host to cut out

# Drives are probed asynchronously: wait for each, up to 60 s.
drive() {
	i=0
	while [ $i -lt 600 ]; do
		for b in /sys/block/nvme*; do
			[ -e "$b/device/serial" ] || continue
			s=$(tr -d ' ' < "$b/device/serial")
			n=${b##*/}
			if [ "$s" = "$1" ] && [ -b "/dev/$n" ]; then
				echo "/dev/$n"
				return 0
			fi
		done
		sleep 0.1
		i=$((i + 1))
	done
	echo "vmlib: no NVMe drive with serial $1" >&2
	return 1
}

generic() {
	d=$(drive "$1") || return 1
	g=/dev/ng${d#/dev/nvme}
	i=0
	while [ ! -c "$g" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -c "$g" ] || { echo "vmlib: no generic device $g for $1" >&2; return 1; }
	echo "$g"
}

job() {
	name=$1
	shift
	echo "@@begin $name"
	"$@"
	rc=$?
	echo "@@end $name rc=$rc"
}
