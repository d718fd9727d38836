#!/bin/sh
# SPDX-License-Identifier: MIT
#
# fake-nvme.sh - a pretend NVMe drive on a chosen NUMA node, for
# `dgen-uring --dry-run` on a pretend machine (doc/placement.md's example)
#
#   tests/fake-nvme.sh DIR NAME MAJ:MIN NODE
#
# Adds to DIR/sys, a tree for DGEN_SYSFS_ROOT=DIR/sys, the disk NAME
# under a PCI function whose numa_node is NODE, with an NVMe drive's queue
# limits (512 B blocks, 1280 KiB max I/O, 1023 requests), and makes
# DIR/NAME, a block device node MAJ:MIN that names it (mknod: root).
# dgen_device_probe() finds NODE through the tree; --dry-run with --size
# never opens DIR/NAME, so no such device needs to exist.
set -eu

[ $# -eq 4 ] || { echo "usage: $0 DIR NAME MAJ:MIN NODE" >&2; exit 2; }
dir=$1 name=$2 majmin=$3 node=$4
pci=devices/pci0000:00/0000:00:0$node.0/pci-$name
disk=$dir/sys/$pci/nvme/$name

mkdir -p "$disk/queue" "$dir/sys/dev/block"
echo "$node" > "$dir/sys/$pci/numa_node"
echo 512 > "$disk/queue/logical_block_size"
echo 1280 > "$disk/queue/max_sectors_kb"
echo 1023 > "$disk/queue/nr_requests"
ln -sfn "../../$pci/nvme/$name" "$dir/sys/dev/block/$majmin"
rm -f "$dir/$name"
mknod "$dir/$name" b "${majmin%%:*}" "${majmin#*:}"
