/* SPDX-License-Identifier: MIT */
/*
 * nvme_pt.h - NVMe passthrough targets (/dev/ngXnY): open, the io_uring
 * commands that write and read them, and Dataset Management
 */
#ifndef DGEN_NVME_PT_H
#define DGEN_NVME_PT_H

#include <liburing.h>
#include <stddef.h>
#include <stdint.h>

struct dgen_target;

/*
 * dgen_nvme_pt_open - open the generic device t->path for passthrough,
 * and hold its namespace's block device open O_EXCL for the target's
 * life, so a mounted or otherwise held namespace is refused and stays
 * unclaimed while it is written; the block device also gives the size,
 * the LBA size and the signature check, as for a block target. Sets
 * t->fd, t->hold_fd, t->nsid, t->lba_shift and the info. Returns 0 or
 * -errno with a sentence in @msg.
 */
int dgen_nvme_pt_open(struct dgen_target *t, unsigned int flags, char *msg,
		      size_t msglen);

/*
 * dgen_nvme_pt_prep - an NVMe Write (or Read, @read) of @len bytes at
 * byte @off of @t's namespace from @buf, as IORING_OP_URING_CMD on @fd
 * (a fixed file index when @fixed_file), with registered buffer
 * @buf_index (IORING_URING_CMD_FIXED) unless it is negative. The ring
 * must have 128-byte SQEs and 32-byte CQEs.
 */
void dgen_nvme_pt_prep(struct io_uring_sqe *sqe, const struct dgen_target *t,
		       int fd, int fixed_file, void *buf, uint32_t len,
		       uint64_t off, int buf_index, int read);

/*
 * dgen_nvme_pt_flush_prep - an NVMe Flush of @t's namespace as
 * IORING_OP_URING_CMD on @fd (a fixed file index when @fixed_file): every
 * write completed before it is in non-volatile media when it completes.
 */
void dgen_nvme_pt_flush_prep(struct io_uring_sqe *sqe,
			     const struct dgen_target *t, int fd,
			     int fixed_file);

/*
 * dgen_nvme_pt_res - a passthrough completion as a read/write result:
 * 0 (the command succeeded) is all @len bytes, a positive NVMe status is
 * -EIO, a negative errno stays.
 */
static inline int dgen_nvme_pt_res(int res, uint32_t len)
{
	return res == 0 ? (int)len : res > 0 ? -5 /* EIO */ : res;
}

/* dgen_nvme_pt_discard - Dataset Management (deallocate) of the
 * target's range. 0 or -errno (-EIO for an NVMe status). */
int dgen_nvme_pt_discard(struct dgen_target *t);

#endif /* DGEN_NVME_PT_H */
