// SPDX-License-Identifier: MIT
/*
 * target_poll.c - whether a target can take polled I/O (--iopoll)
 *
 * io_uring's IOPOLL ring completes I/O by polling the device's queues
 * instead of taking its interrupts. A block device without poll queues
 * (a loop device, an NVMe drive loaded without the nvme module's
 * poll_queues) fails every polled I/O with EOPNOTSUPP, and so does a file
 * on a filesystem that cannot poll (tmpfs, FUSE): that is a refusal to
 * make before anything runs, not an I/O error of the run. The block
 * layer says which queues poll in sysfs (queue/io_poll; a partition's is
 * its disk's). A file on a block filesystem is polled where its device
 * can and completed by interrupts where it cannot (ext4 on virtio-blk,
 * measured with fio --hipri): it is not refused. Where it cannot be told
 * (no sysfs), the run goes ahead and the kernel says.
 */
#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "refuse.h"
#include "sysfs.h"
#include "target_impl.h"

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC	0x65735546
#endif

/* queue/io_poll of block device @dev: 1, 0, or -errno when unknown. */
static int dev_io_poll(dev_t dev, char *path, size_t len)
{
	long v;

	if (dgen_pathf(path, len, "/sys/dev/block/%u:%u/queue/io_poll",
		       major(dev), minor(dev)))
		return -ENAMETOOLONG;
	if (!dgen_sysfs_read_long(path, &v))
		return v != 0;
	/* A partition: its disk's queue, one directory up. */
	if (dgen_pathf(path, len, "/sys/dev/block/%u:%u/../queue/io_poll",
		       major(dev), minor(dev)))
		return -ENAMETOOLONG;
	return dgen_sysfs_read_long(path, &v) ? -ENOENT : v != 0;
}

/* A file's filesystem has no block device of its own: those known not to poll. */
static const char *fs_cannot_poll(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf))
		return NULL;
	switch ((unsigned long)sf.f_type) {
	case TMPFS_MAGIC:
		return "tmpfs";
	case RAMFS_MAGIC:
		return "ramfs";
	case FUSE_SUPER_MAGIC:
		return "a FUSE filesystem";
	}
	return NULL;
}

int dgen_target_poll_check(const struct dgen_target *t, char *msg,
			   size_t msglen)
{
	const int fd = t->info.type == DGEN_TARGET_NVME ? t->hold_fd : t->fd;
	char path[128];
	const char *fs;
	struct stat st;

	if (t->info.type == DGEN_TARGET_NULL || fd < 0 || fstat(fd, &st))
		return 0;
	/* A file on a block filesystem polls where its device can and is
	 * completed by interrupts where it cannot: it works either way. */
	if (t->info.type == DGEN_TARGET_FILE) {
		fs = fs_cannot_poll(fd);
		return fs ? dgen_refuse(-EOPNOTSUPP, msg, msglen,
					"--iopoll: %s is on %s, which cannot poll: polled I/O needs a block device with poll queues",
					t->path, fs) : 0;
	}
	if (dev_io_poll(st.st_rdev, path, sizeof(path)) == 0)
		return dgen_refuse(-EOPNOTSUPP, msg, msglen,
				   "--iopoll: %s has no poll queues (%s is 0; an NVMe drive gets them with the nvme module's poll_queues)",
				   t->path, path);
	return 0;
}
