/* SPDX-License-Identifier: MIT */
/*
 * target_impl.h - what the writer needs to know about an open target
 */
#ifndef DGEN_TARGET_IMPL_H
#define DGEN_TARGET_IMPL_H

#include <dgen/target.h>

/*
 * Open as the real open would, but make no file: a missing one passes as
 * empty (a dry run's checks, run.c). Not public: only the run dries.
 */
#define DGEN_TARGET_NOCREATE	(1u << 31)

struct dgen_target {
	struct dgen_target_info info;
	char *path;
	int fd;				/* -1 for the null target */
	int created;			/* dgen_target_open made the file */
	int prepared;			/* a writer extended it: keep it */
	/* DGEN_TARGET_NVME (nvme_pt.c): */
	int hold_fd;			/* its block device, held O_EXCL; -1 */
	uint32_t nsid;			/* namespace id */
	uint32_t lba_shift;		/* log2 of the LBA size */
};

/*
 * dgen_target_prepare - extend a regular file to offset + size, so that
 * O_DIRECT writes land inside it. Returns 0 or a negative errno.
 */
int dgen_target_prepare(struct dgen_target *t);

/*
 * dgen_target_refuse_signed - unless @flags force or only read, refuse
 * the open @fd of @path when libblkid finds a signature on it: -EEXIST
 * with every signature and its offset in @msg, as wipefs lists them.
 */
int dgen_target_refuse_signed(int fd, const char *path, unsigned int flags,
			      char *msg, size_t msglen);

/*
 * dgen_target_poll_check - refuse the open target @t for polled I/O
 * (--iopoll) where it cannot take it: a block device without poll queues,
 * a file on tmpfs, FUSE and the like. 0 where it can or cannot be told;
 * -EOPNOTSUPP with a sentence in @msg (target_poll.c).
 */
int dgen_target_poll_check(const struct dgen_target *t, char *msg,
			   size_t msglen);

/*
 * dgen_target_open_refusal - the sentence for open(2)'s error @err (a
 * negative errno) on @t opened with @flags: read-only, permission denied
 * with its cause (mode bits and uid, chattr +i or +a, a security
 * module), a running program's file, or the bare error. Returns @err.
 */
int dgen_target_open_refusal(const struct dgen_target *t, int err,
			     unsigned int flags, char *msg, size_t msglen);

#endif /* DGEN_TARGET_IMPL_H */
