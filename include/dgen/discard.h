/* SPDX-License-Identifier: MIT */
/*
 * dgen/discard.h - discard (TRIM, deallocate) a target's range before it
 * is written
 *
 * A flash drive written over stale data measures its garbage collection;
 * one discarded first measures a fresh drive. Discarded blocks read back
 * as zeros on every device this supports (block devices that advertise
 * discard with zeroing, files with holes), which verify reports as
 * "zeroed".
 */
#ifndef DGEN_DISCARD_H
#define DGEN_DISCARD_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/writer.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dgen_discard_result {
	uint64_t bytes;			/* discarded: the target's size */
	double seconds;			/* the call's wall time */
	const char *how;		/* "BLKDISCARD", "punch hole", ... */
};

/*
 * dgen_target_discard_check - whether dgen_target_discard can work on @t,
 * found out without changing anything: a block device must advertise
 * discard (queue/discard_max_bytes), a file's filesystem must punch holes
 * (tried past the end of the file and of the range), the null target has
 * nothing to discard. Returns 0, or -EOPNOTSUPP (or -errno) with a
 * sentence in @msg.
 */
int dgen_target_discard_check(const struct dgen_target *t, char *msg,
			      size_t msglen);

/*
 * dgen_target_discard - discard [offset, offset + size) of @t: BLKDISCARD
 * on a block device, fallocate(PUNCH_HOLE | KEEP_SIZE) on a file. Returns
 * 0 and fills @res, or -errno with a sentence in @msg.
 */
int dgen_target_discard(struct dgen_target *t,
			struct dgen_discard_result *res, char *msg,
			size_t msglen);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_DISCARD_H */
