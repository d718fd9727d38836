/* SPDX-License-Identifier: MIT */
/*
 * inspect_impl.h - what dgen_inspect_read's files share: the source being
 * read and how a failure is recorded
 *
 * inspect_read.c (the readers, their pool, the merge) opens its source
 * through inspect_source.c; nothing calls back.
 */
#ifndef DGEN_INSPECT_IMPL_H
#define DGEN_INSPECT_IMPL_H

#include <stdint.h>

#include <dgen/inspect.h>

#define BLOCK		DGEN_INSPECT_ALIGN	/* bytes per read */
/* O_DIRECT wants offsets and lengths aligned to the logical block size;
 * 4 KiB covers every device in use. */
#define DIRECT_ALIGN	4096u

struct source {
	const char *path;
	int fd;
	int seekable;			/* file or device: the threaded path */
	uint64_t blocks;		/* ceil(len / BLOCK) */
	struct dgen_inspect_read_report *rep;	/* kind, direct, range */
};

/* inspect_fail - record in @rep where the read failed, and @err; returns @err. */
static inline int inspect_fail(struct dgen_inspect_read_report *rep,
			       enum dgen_inspect_read_fail where, int err)
{
	rep->fail = where;
	rep->err = err;
	return err;
}

/*
 * inspect_source_open - open @o->path (stdin for "-") into @src, whose
 * rep is set: its kind, size and range, and O_DIRECT where the file or
 * device takes it (tried with one read, reopened without if refused).
 * Returns 0 or -errno, recorded in src->rep; src->fd is the descriptor
 * to close (stdin aside), or -1.
 */
int inspect_source_open(struct source *src,
			const struct dgen_inspect_read_opts *o);

/*
 * inspect_source_sample - the dedup sampling rate: @asked if given, else
 * every chunk unless the worst case (nothing repeats) would not fit in
 * half the RAM.
 */
uint32_t inspect_source_sample(const struct source *src, uint32_t asked);

#endif /* DGEN_INSPECT_IMPL_H */
