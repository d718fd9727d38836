// SPDX-License-Identifier: MIT
/*
 * target.c - open and validate write targets: block devices, files, null
 *
 * Everything here runs before the first write, so a refusal leaves the
 * target as it was: block devices are opened O_EXCL (the kernel then
 * refuses a device that is mounted or claimed by LVM, md, a mapper or
 * another O_EXCL opener), probed for signatures (target_probe.c), and
 * sized; files are opened O_DIRECT, an existing one probed as a device
 * is, but only extended once every target has passed
 * (dgen_target_prepare). No file is made or used in devtmpfs:
 * a name there is a device, and a missing one is refused as such.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dgen/stream.h>
#include <dgen/target.h>

#include "devtmpfs.h"
#include "nvme_pt.h"
#include "refuse.h"
#include "target_impl.h"

static int open_block(struct dgen_target *t, unsigned int flags,
		      char *msg, size_t msglen)
{
	struct dgen_target_info *i = &t->info;
	uint64_t bytes;
	int lbs, ro = 0, r;

	t->fd = open(t->path, (flags & DGEN_TARGET_READ ? O_RDONLY : O_RDWR) |
		     O_DIRECT | O_EXCL | O_CLOEXEC);
	if (t->fd < 0) {
		r = -errno;
		if (r == -EBUSY)
			return dgen_refuse(r, msg, msglen,
					   "%s is in use (mounted, or held by a filesystem, LVM, md, a device mapper or another program): refusing to write to it",
					   t->path);
		return dgen_target_open_refusal(t, r, flags, msg, msglen);
	}
	if (!(flags & DGEN_TARGET_READ) && ioctl(t->fd, BLKROGET, &ro) == 0 && ro)
		return dgen_refuse(-EROFS, msg, msglen,
				   "%s is a read-only device: cannot write to it",
				   t->path);
	if (ioctl(t->fd, BLKGETSIZE64, &bytes) < 0 ||
	    ioctl(t->fd, BLKSSZGET, &lbs) < 0) {
		r = -errno;
		return dgen_refuse(r, msg, msglen, "cannot read the size of %s: %s",
				   t->path, strerror(-r));
	}
	i->dev_size = bytes;
	i->logical_block_size = (uint32_t)lbs;
	i->dio_offset_align = (uint32_t)lbs;
	i->dio_mem_align = (uint32_t)lbs;

	return dgen_target_refuse_signed(t->fd, t->path, flags, msg, msglen);
}

int dgen_target_refuse_signed(int fd, const char *path, unsigned int flags,
			      char *msg, size_t msglen)
{
	char found[400];
	int n;

	if (flags & (DGEN_TARGET_FORCE | DGEN_TARGET_READ))
		return 0;
	n = dgen_target_probe(fd, found, sizeof(found));
	if (n < 0)
		return dgen_refuse(n, msg, msglen, "cannot read %s to look for signatures: %s",
				   path, strerror(-n));
	if (n)
		return dgen_refuse(-EEXIST, msg, msglen,
				   "%s holds %s: refusing to overwrite %s (wipefs -a erases signatures)",
				   path, found, n > 1 ? "them" : "it");
	return 0;
}

static int open_file(struct dgen_target *t, unsigned int flags, char *msg,
		     size_t msglen)
{
	int r;

	if (flags & DGEN_TARGET_READ)
		t->fd = open(t->path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	else
		t->fd = open(t->path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (t->fd < 0 && errno == ENOENT && (flags & DGEN_TARGET_NOCREATE) &&
	    !(flags & DGEN_TARGET_READ)) {
		/* Would be made empty, with the sector as its alignment. */
		t->info.dio_offset_align = t->info.dio_mem_align = DGEN_SECTOR_SIZE;
		return 0;
	}
	if (t->fd < 0 && errno == ENOENT && !(flags & DGEN_TARGET_READ)) {
		t->fd = open(t->path, O_RDWR | O_DIRECT | O_CREAT | O_EXCL |
			     O_CLOEXEC, 0644);
		t->created = t->fd >= 0;
		/* Made by another opener in between (a rank of the same
		 * fleet): it is there now, and not ours to have created. */
		if (t->fd < 0 && errno == EEXIST)
			t->fd = open(t->path, O_RDWR | O_DIRECT | O_CLOEXEC);
	}
	if (t->fd < 0) {
		r = -errno;
		if (r == -EINVAL)
			return dgen_refuse(r, msg, msglen,
					   "%s: its filesystem does not support O_DIRECT",
					   t->path);
		return dgen_target_open_refusal(t, r, flags, msg, msglen);
	}
	/* A file can hold an image (of a filesystem, a disk) as a device
	 * does: one that was there is probed as a device is. */
	return t->created ? 0 :
	       dgen_target_refuse_signed(t->fd, t->path, flags, msg, msglen);
}

/* Size and O_DIRECT alignment; statx reports the alignment since 6.1. */
static int stat_target(struct dgen_target *t, char *msg, size_t msglen)
{
	struct dgen_target_info *i = &t->info;
	struct statx st;
	int r;

	if (statx(t->fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_DIOALIGN,
		  &st) < 0) {
		r = -errno;
		return dgen_refuse(r, msg, msglen, "cannot stat %s: %s", t->path,
				   strerror(-r));
	}
	if (i->type == DGEN_TARGET_FILE)
		i->dev_size = st.stx_size;
	if (st.stx_mask & STATX_DIOALIGN) {
		if (!st.stx_dio_offset_align)
			return dgen_refuse(-EINVAL, msg, msglen,
					   "%s: O_DIRECT is not supported on this file",
					   t->path);
		/* Block devices report it since 6.11; keep the larger. */
		if (st.stx_dio_offset_align > i->dio_offset_align)
			i->dio_offset_align = st.stx_dio_offset_align;
		if (st.stx_dio_mem_align > i->dio_mem_align)
			i->dio_mem_align = st.stx_dio_mem_align;
	}
	if (!i->dio_offset_align)
		i->dio_offset_align = DGEN_SECTOR_SIZE;
	if (!i->dio_mem_align)
		i->dio_mem_align = DGEN_SECTOR_SIZE;
	return 0;
}

/* Fill in and check the region [offset, offset + size) to be written. */
static int check_region(struct dgen_target *t, uint64_t offset,
			uint64_t size, char *msg, size_t msglen)
{
	struct dgen_target_info *i = &t->info;
	uint32_t a = i->dio_offset_align;

	if (!size) {
		if (i->type == DGEN_TARGET_NULL || offset >= i->dev_size)
			return dgen_refuse(-EINVAL, msg, msglen,
					   "%s: no size to write: give a size (it has %llu bytes from offset %llu)",
					   t->path, (unsigned long long)
					   (offset < i->dev_size ? i->dev_size - offset : 0),
					   (unsigned long long)offset);
		size = i->dev_size - offset;
	}
	if (offset % a || size % a)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "%s: offset %llu and size %llu must be multiples of %u bytes, its O_DIRECT alignment",
				   t->path, (unsigned long long)offset,
				   (unsigned long long)size, a);
	if (offset > UINT64_MAX - size || offset + size > (uint64_t)INT64_MAX)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "%s: offset %llu plus size %llu is beyond the largest file offset",
				   t->path, (unsigned long long)offset,
				   (unsigned long long)size);
	if ((i->type == DGEN_TARGET_BLOCK || i->type == DGEN_TARGET_NVME) &&
	    offset + size > i->dev_size)
		return dgen_refuse(-ENOSPC, msg, msglen,
				   "%s is too small: %llu bytes, but offset %llu plus size %llu needs %llu",
				   t->path, (unsigned long long)i->dev_size,
				   (unsigned long long)offset,
				   (unsigned long long)size,
				   (unsigned long long)(offset + size));
	i->offset = offset;
	i->size = size;
	return 0;
}

int dgen_target_open(struct dgen_target **out, const char *path,
		     uint64_t offset, uint64_t size, unsigned int flags,
		     char *msg, size_t msglen)
{
	struct dgen_target *t;
	struct stat st;
	int r, missing;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fd = -1;
	t->hold_fd = -1;
	t->path = strdup(path);
	if (!t->path) {
		r = -ENOMEM;
		goto err;
	}
	t->info.path = t->path;

	if (!strcmp(path, DGEN_TARGET_NULL_PATH)) {
		t->info.type = DGEN_TARGET_NULL;
		t->info.dio_offset_align = 1;
		t->info.dio_mem_align = 1;
	} else if ((missing = stat(path, &st) < 0) && errno != ENOENT) {
		r = dgen_refuse(-errno, msg, msglen, "cannot stat %s: %s", path,
				strerror(errno));
		goto err;
	} else if (missing && dgen_path_in_devtmpfs(path)) {
		/* A name in /dev that is not there is a missing device. */
		r = dgen_refuse(-ENODEV, msg, msglen,
				"%s: no such device (no file is made in devtmpfs, which holds device nodes only)",
				path);
		goto err;
	} else if (!missing && S_ISREG(st.st_mode) &&
		   dgen_dev_on_devtmpfs(st.st_dev)) {
		r = dgen_refuse(-ENODEV, msg, msglen,
				"%s: no such device: it is a regular file in devtmpfs, in RAM (remove it)",
				path);
		goto err;
	} else if (missing || S_ISREG(st.st_mode)) {
		t->info.type = DGEN_TARGET_FILE;
		r = open_file(t, flags, msg, msglen);
		if (r)
			goto err;
	} else if (S_ISBLK(st.st_mode)) {
		t->info.type = DGEN_TARGET_BLOCK;
		r = open_block(t, flags, msg, msglen);
		if (r)
			goto err;
	} else if (S_ISCHR(st.st_mode)) {
		/* NVMe generic devices (/dev/ngXnY): nvme_pt.c. */
		t->info.type = DGEN_TARGET_NVME;
		r = dgen_nvme_pt_open(t, flags, msg, msglen);
		if (r)
			goto err;
	} else {
		r = dgen_refuse(-EINVAL, msg, msglen,
				"%s is neither a block device nor a regular file",
				path);
		goto err;
	}
	if (t->fd >= 0) {
		r = stat_target(t, msg, msglen);
		if (r)
			goto err;
	}
	r = check_region(t, offset, size, msg, msglen);
	if (r)
		goto err;
	*out = t;
	return 0;
err:
	dgen_target_close(t);
	return r;
}

int dgen_target_prepare(struct dgen_target *t)
{
	const struct dgen_target_info *i = &t->info;
	struct stat st;

	t->prepared = 1;
	if (i->type != DGEN_TARGET_FILE)
		return 0;
	if (fstat(t->fd, &st) < 0)
		return -errno;
	/* Sparse extension: a full filesystem shows up as ENOSPC on a write. */
	if ((uint64_t)st.st_size < i->offset + i->size &&
	    ftruncate(t->fd, (off_t)(i->offset + i->size)) < 0)
		return -errno;
	return 0;
}

void dgen_target_close(struct dgen_target *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	if (t->hold_fd >= 0)
		close(t->hold_fd);
	/* A refused run leaves no empty file behind. */
	if (t->created && !t->prepared)
		unlink(t->path);
	free(t->path);
	free(t);
}

void dgen_target_info_get(const struct dgen_target *t,
			  struct dgen_target_info *out)
{
	*out = t->info;
}
