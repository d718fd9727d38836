// SPDX-License-Identifier: MIT
/*
 * nvme_pt.c - NVMe passthrough targets: /dev/ngXnY through
 * IORING_OP_URING_CMD
 *
 * The generic char device takes NVMe commands straight from io_uring,
 * skipping the block layer: no bio, no request merging or splitting, so
 * each command must fit what one request carries (the plan sizes it as
 * for polled I/O). Byte x of the target is LBA x / lba_size of the
 * namespace, so the same stream bytes land at the same LBAs as through
 * the block device.
 *
 * The char device has no O_EXCL claim and no size, so the namespace's
 * block device (/dev/nvmeXnY, the same name with "nvme" for "ng", checked
 * by its namespace id) is opened O_EXCL beside it and held: it refuses a
 * mounted or claimed namespace, keeps others off it during the run, and
 * gives the size, the LBA size and the first sectors for the signature
 * check.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/fs.h>
#include <linux/nvme_ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dgen/nvme.h>
#include <dgen/writer.h>

#include "nvme_pt.h"
#include "refuse.h"
#include "target_impl.h"

#define NVME_CMD_WRITE	0x01
#define NVME_CMD_READ	0x02
#define NVME_CMD_DSM	0x09
#define DSM_RANGES	256u
#define DSM_RANGE_MAX	(1u << 30)	/* bytes per range, a round size */

int dgen_nvme_generic_block(const char *path, char *out, size_t outlen)
{
	char *dup = strdup(path), *base;
	struct stat st;
	int r = -ENOTTY;

	if (!dup)
		return -ENOMEM;
	base = basename(dup);
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
	    !strncmp(base, "ng", 2) && base[2] >= '0' && base[2] <= '9' &&
	    dgen_nvme_open(path) != -ENOTTY) {
		snprintf(out, outlen, "/dev/nvme%s", base + 2);
		r = 0;
	}
	free(dup);
	return r;
}

int dgen_nvme_pt_open(struct dgen_target *t, unsigned int flags, char *msg,
		      size_t msglen)
{
	struct dgen_target_info *i = &t->info;
	const int rd = flags & DGEN_TARGET_READ;
	char blk[4096];
	uint64_t bytes;
	int lbs, nsid, bnsid, r;

	if (dgen_nvme_generic_block(t->path, blk, sizeof(blk)))
		return dgen_refuse(-EINVAL, msg, msglen,
				   "%s is a char device but not an NVMe generic device (/dev/ngXnY)",
				   t->path);
	t->fd = open(t->path, (rd ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (t->fd < 0) {
		r = -errno;
		return dgen_refuse(r, msg, msglen, "cannot open %s: %s", t->path,
				   strerror(-r));
	}
	nsid = ioctl(t->fd, NVME_IOCTL_ID);
	if (nsid <= 0) {
		r = nsid < 0 ? -errno : -EINVAL;
		return dgen_refuse(r, msg, msglen, "%s: cannot read its namespace id: %s",
				   t->path, strerror(-r));
	}
	t->hold_fd = open(blk, (rd ? O_RDONLY : O_RDWR) | O_DIRECT | O_EXCL |
			  O_CLOEXEC);
	if (t->hold_fd < 0) {
		r = -errno;
		if (r == -EBUSY)
			return dgen_refuse(r, msg, msglen,
					   "%s is in use (its namespace %s is mounted, or held by a filesystem, LVM, md, a device mapper or another program): refusing to write to it",
					   t->path, blk);
		return dgen_refuse(r, msg, msglen,
				   "%s: cannot open its namespace's block device %s: %s",
				   t->path, blk, strerror(-r));
	}
	bnsid = ioctl(t->hold_fd, NVME_IOCTL_ID);
	if (bnsid != nsid)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "%s is namespace %d but %s is namespace %d: cannot tell which block device it is",
				   t->path, nsid, blk, bnsid);
	if (ioctl(t->hold_fd, BLKGETSIZE64, &bytes) < 0 ||
	    ioctl(t->hold_fd, BLKSSZGET, &lbs) < 0 || lbs < 512 ||
	    (lbs & (lbs - 1))) {
		r = -errno;
		return dgen_refuse(r ? r : -EINVAL, msg, msglen,
				   "cannot read the size of %s", blk);
	}
	t->nsid = (uint32_t)nsid;
	t->lba_shift = (uint32_t)__builtin_ctz((unsigned int)lbs);
	i->dev_size = bytes;
	i->logical_block_size = (uint32_t)lbs;
	i->dio_offset_align = (uint32_t)lbs;
	/* The kernel maps the buffer's pages for the command: page-aligned
	 * buffers, which the writer's are, satisfy NVMe's PRP rules. */
	i->dio_mem_align = 4096;
	return dgen_target_refuse_signed(t->hold_fd, t->path, flags, msg, msglen);
}

void dgen_nvme_pt_prep(struct io_uring_sqe *sqe, const struct dgen_target *t,
		       int fd, int fixed_file, void *buf, uint32_t len,
		       uint64_t off, int buf_index, int read)
{
	struct nvme_uring_cmd *c;
	uint64_t slba = off >> t->lba_shift;
	uint32_t nlb = len >> t->lba_shift;

	memset(sqe, 0, 2 * sizeof(*sqe));	/* a 128-byte SQE */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = NVME_URING_CMD_IO;
	if (fixed_file)
		sqe->flags |= IOSQE_FIXED_FILE;
	if (buf_index >= 0) {
		sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
		sqe->buf_index = (uint16_t)buf_index;
	}
	c = (struct nvme_uring_cmd *)sqe->cmd;
	c->opcode = read ? NVME_CMD_READ : NVME_CMD_WRITE;
	c->nsid = t->nsid;
	c->addr = (uint64_t)(uintptr_t)buf;
	c->data_len = len;
	c->cdw10 = (uint32_t)slba;
	c->cdw11 = (uint32_t)(slba >> 32);
	c->cdw12 = nlb - 1;			/* 0's based */
}

void dgen_nvme_pt_flush_prep(struct io_uring_sqe *sqe,
			     const struct dgen_target *t, int fd,
			     int fixed_file)
{
	struct nvme_uring_cmd *c;

	memset(sqe, 0, 2 * sizeof(*sqe));	/* a 128-byte SQE */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = NVME_URING_CMD_IO;
	if (fixed_file)
		sqe->flags |= IOSQE_FIXED_FILE;
	c = (struct nvme_uring_cmd *)sqe->cmd;
	c->opcode = 0x00;			/* Flush (NVM command set) */
	c->nsid = t->nsid;
}

/* One Dataset Management range (NVMe base spec, figure "Range"). */
struct dsm_range {
	uint32_t cattr;
	uint32_t nlb;				/* not 0's based */
	uint64_t slba;
};

int dgen_nvme_pt_discard(struct dgen_target *t)
{
	const struct dgen_target_info *i = &t->info;
	struct dsm_range *rg;
	uint64_t off = i->offset, end = i->offset + i->size;
	int r = 0;

	if (posix_memalign((void **)&rg, 4096, DSM_RANGES * sizeof(*rg)))
		return -ENOMEM;
	while (off < end && !r) {
		struct nvme_passthru_cmd64 c;
		unsigned int n = 0;

		memset(rg, 0, DSM_RANGES * sizeof(*rg));
		for (; n < DSM_RANGES && off < end; n++) {
			uint64_t len = end - off < DSM_RANGE_MAX ? end - off : DSM_RANGE_MAX;

			rg[n].slba = off >> t->lba_shift;
			rg[n].nlb = (uint32_t)(len >> t->lba_shift);
			off += len;
		}
		memset(&c, 0, sizeof(c));
		c.opcode = NVME_CMD_DSM;
		c.nsid = t->nsid;
		c.addr = (uint64_t)(uintptr_t)rg;
		c.data_len = n * (uint32_t)sizeof(*rg);
		c.cdw10 = n - 1;
		c.cdw11 = 1u << 2;			/* AD: deallocate */
		r = ioctl(t->fd, NVME_IOCTL_IO64_CMD, &c);
		r = r < 0 ? -errno : r > 0 ? -EIO : 0;
	}
	free(rg);
	return r;
}
