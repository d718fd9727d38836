#!/bin/bash
# SPDX-License-Identifier: MIT
#
# boot.sh - boot a throwaway VM with emulated NVMe drives and run one job
# script in it.
#
#   tests/vm/boot.sh -k 6.1|6.12 -t TOOL -j JOB.sh -o OUTDIR [-n] [-m MiB]
#                    [-a KERNEL_ARGS] [-M MODULE ...] [-Q SOCKET]
#                    -d SPEC [-d SPEC ...]
#
# SPEC is serial=S,img=PATH[,lbs=4096][,node=1][,warn=N]: one NVMe
# controller with serial S (what job scripts find it by: vmlib.sh's
# drive S), one namespace over the raw image PATH (created at its size by
# the caller), LBA size lbs, behind a PCIe expander bridge on NUMA node 1
# (-n gives the guest two nodes, one CPU each), and smart_critical_warning
# N in its Health log. The initramfs holds busybox-static, TOOL with the
# shared libraries ldd names, init and vmlib.sh and JOB.sh; the kernel is
# a Debian cloud kernel (kernel.sh). The job's output lands in
# OUTDIR/results.txt (serial port 2), the kernel's console in
# OUTDIR/console.log. -M copies the kernel module MODULE (e.g. vfat) from
# the kernel's package to /modules/MODULE.ko, for the job to insmod. -Q
# opens qemu's QMP monitor on the unix SOCKET, for the host to change a
# drive while the job runs (controller k, in -d order, is
# /machine/peripheral/ck: qmp.py). Exit
# status: 0 when the job ran to its end (its
# own result is the "@@done rc=N" line), 1 when the VM did not get there,
# 77 when qemu cannot run here at all (no qemu-system-x86_64).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
series=6.12 tool= job= out= numa=0 mem=1024 extra= qmp= timeout=${DGEN_VM_TIMEOUT:-900}
drives=() modules=()
while getopts k:t:j:o:nm:a:d:M:Q: opt; do
	case $opt in
	k) series=$OPTARG ;;
	t) tool=$OPTARG ;;
	j) job=$OPTARG ;;
	o) out=$OPTARG ;;
	n) numa=1 ;;
	m) mem=$OPTARG ;;
	a) extra=$OPTARG ;;
	d) drives+=("$OPTARG") ;;
	M) modules+=("$OPTARG") ;;
	Q) qmp=$OPTARG ;;
	*) exit 2 ;;
	esac
done
[ -n "$tool" ] && [ -n "$job" ] && [ -n "$out" ] || {
	echo "usage: boot.sh -k 6.1|6.12 -t TOOL -j JOB -o OUTDIR [-n] [-d SPEC]..." >&2
	exit 2
}
qemu=$(command -v qemu-system-x86_64 || true)
if [ -z "$qemu" ]; then
	echo "boot.sh: qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)" >&2
	exit 77
fi
for p in busybox cpio; do
	command -v $p >/dev/null || { echo "boot.sh: $p is missing (.ci/packages)" >&2; exit 1; }
done
kernel=$("$here/kernel.sh" "$series")

mkdir -p "$out"
root=$out/root
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib64,lib/x86_64-linux-gnu}
cp "$(command -v busybox)" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$tool" "$root/bin/dgen-uring"
# The tool's libraries, libdgen included, wherever ldd finds them.
ldd "$tool" | awk '/=> \// { print $3 } /^\t\/lib64/ { print $1 }' |
while read -r lib; do
	case $lib in
	*/ld-linux*) cp -L "$lib" "$root/lib64/" ;;
	*) cp -L "$lib" "$root/lib/x86_64-linux-gnu/" ;;
	esac
done
mkdir -p "$root/modules"
for m in "${modules[@]}"; do
	ko=$(find "$(dirname "$kernel")/../lib/modules" -name "$m.ko" -o -name "$m.ko.xz" | head -n 1)
	[ -n "$ko" ] || { echo "boot.sh: no module $m in the kernel's package" >&2; exit 1; }
	case $ko in
	*.xz) xz -dc "$ko" > "$root/modules/$m.ko" ;;
	*) cp "$ko" "$root/modules/$m.ko" ;;
	esac
done
install -m 0755 "$here/init" "$root/init"
cp "$here/vmlib.sh" "$root/vmlib.sh"
cp "$job" "$root/job.sh"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$out/initrd.cpio"
rm -rf "$root"

# One host thread runs both vCPUs (thread=single): qemu 7.2's multi-threaded
# TCG let a 6.12 guest oops while patching its own code at boot
# (sched_clock_cpu, "Fatal exception in interrupt"), and once crashed qemu
# itself (SIGSEGV), in 2 of some 15 boots on a loaded 2-core host. On such a
# host the second vCPU thread bought no time: test_vm_crash.sh took 28 to
# 29 s either way beside two busy loops.
args=(-machine q35 -accel tcg,thread=single -cpu max -m "$mem" -smp 2
      -display none -monitor none -no-reboot
      -kernel "$kernel" -initrd "$out/initrd.cpio"
      -serial "file:$out/console.log" -serial "file:$out/results.txt")
[ -n "$qmp" ] && args+=(-qmp "unix:$qmp,server=on,wait=off")
if [ $numa = 1 ]; then
	half=$((mem / 2))
	args+=(-object memory-backend-ram,id=m0,size=${half}M
	       -object memory-backend-ram,id=m1,size=$((mem - half))M
	       -numa node,nodeid=0,cpus=0,memdev=m0
	       -numa node,nodeid=1,cpus=1,memdev=m1
	       -device pxb-pcie,id=pxb1,bus_nr=128,numa_node=1,bus=pcie.0)
fi
i=0
for spec in "${drives[@]}"; do
	serial= img= lbs= node=0 warn=
	IFS=, read -ra kv <<< "$spec"
	for f in "${kv[@]}"; do
		case $f in
		serial=*) serial=${f#serial=} ;;
		img=*) img=${f#img=} ;;
		lbs=*) lbs=${f#lbs=} ;;
		node=*) node=${f#node=} ;;
		warn=*) warn=${f#warn=} ;;
		*) echo "boot.sh: bad drive field $f" >&2; exit 2 ;;
		esac
	done
	ctrl="nvme,id=c$i,serial=$serial"
	[ -n "$warn" ] && ctrl+=",smart_critical_warning=$warn"
	if [ "$node" = 1 ]; then
		[ $numa = 1 ] || { echo "boot.sh: node=1 needs -n" >&2; exit 2; }
		args+=(-device pcie-root-port,id=rp$i,bus=pxb1,chassis=$((i + 1)),slot=0)
		ctrl+=",bus=rp$i"
	else
		ctrl+=",bus=pcie.0"
	fi
	ns="nvme-ns,drive=d$i,bus=c$i,nsid=1"
	[ -n "$lbs" ] && ns+=",logical_block_size=$lbs,physical_block_size=$lbs"
	args+=(-drive "file=$img,if=none,id=d$i,format=raw,cache=unsafe,discard=unmap"
	       -device "$ctrl" -device "$ns")
	i=$((i + 1))
done
# poll_queues: --iopoll needs polled queues; quiet keeps the console short.
args+=(-append "console=ttyS0 quiet panic=-1 nvme.poll_queues=2 $extra")

rm -f "$out/console.log" "$out/results.txt"
start=$(date +%s)
set +e
timeout -k 10 "$timeout" "$qemu" "${args[@]}" > "$out/qemu.log" 2>&1
qrc=$?
set -e
echo "boot.sh: kernel $series, $((i)) drive(s), $(( $(date +%s) - start )) s, qemu exit $qrc" >&2
# The guest's tty ends lines in CR LF.
[ -f "$out/results.txt" ] && sed -i 's/\r$//' "$out/results.txt"
if ! grep -q '^@@done rc=' "$out/results.txt" 2>/dev/null; then
	echo "boot.sh: the job did not finish (qemu exit $qrc${qrc:+; 124 is the ${timeout} s timeout})" >&2
	echo "--- qemu" >&2; tail -n 20 "$out/qemu.log" >&2 || true
	echo "--- console" >&2; tail -n 40 "$out/console.log" >&2 || true
	echo "--- results" >&2; tail -n 40 "$out/results.txt" >&2 || true
	exit 1
fi
