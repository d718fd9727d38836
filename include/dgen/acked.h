/* SPDX-License-Identifier: MIT */
/*
 * dgen/acked.h - which writes each target acknowledged, and which of them
 * a completed flush made durable
 *
 * A drive promises that a write it acknowledged survives a power cut once
 * a flush issued after that acknowledgement has completed (NVMe Flush,
 * SCSI SYNCHRONIZE CACHE, fsync of a block device or file). To prove the
 * promise after a cut, a run must know, for every completed flush, which
 * writes had been acknowledged before that flush was issued. The tracker
 * keeps exactly that: the engine's completion path marks each write unit
 * acknowledged (lock-free: one atomic OR on a bitmap word), a flush takes
 * a snapshot of what was acknowledged since the previous one before it is
 * issued, and its completion moves that snapshot to the durable set and
 * hands the ranges to the journal (dgen/journal.h).
 *
 * The order matters and is the caller's: dgen_acked_snapshot, then issue
 * the flush, then, once it completed, dgen_acked_flushed (or
 * dgen_acked_discard when it failed). A unit acknowledged while the
 * snapshot is taken lands in this snapshot or the next one, never in none.
 */
#ifndef DGEN_ACKED_H
#define DGEN_ACKED_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/latency.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A byte range of a target: [offset, offset + length). */
struct dgen_range {
	uint64_t offset;
	uint64_t length;
};

/* One target as the tracker sees it. */
struct dgen_acked_target {
	uint64_t offset;		/* the region the run writes: first byte */
	uint64_t size;			/* its bytes, > 0 */
	uint32_t unit;			/* the engine's write unit, > 0: units
					   start at offset, offset + unit, ...
					   (the last one may be shorter) */
	uint64_t flush_every;		/* bytes acknowledged between two
					   flushes (dgen_acked_add's answer);
					   0: never asks */
};

/*
 * The tracker keeps four bits per unit (about 512 KiB per TiB at 1 MiB
 * units); a target of more units than this is refused.
 */
#define DGEN_ACKED_UNITS_MAX	(1ull << 32)

struct dgen_acked;

/*
 * dgen_acked_new - a tracker for @n targets described by @t (copied).
 *
 * Returns 0 and sets *@out, -EINVAL with a sentence in @msg (a zero size
 * or unit, a region that overflows, more than DGEN_ACKED_UNITS_MAX units),
 * or -ENOMEM.
 */
int dgen_acked_new(struct dgen_acked **out, const struct dgen_acked_target *t,
		   unsigned int n, char *msg, size_t msglen);

/* dgen_acked_free - release @a; NULL is allowed. */
void dgen_acked_free(struct dgen_acked *a);

/*
 * dgen_acked_add - the engine acknowledged the write of target bytes
 * [@off, @off + @len) of target @k. Every unit the range covers whole is
 * marked (the region's shorter last unit included); a unit covered only
 * in part is not, so acknowledge whole units (the engine does, once a
 * unit's short writes are all done). Lock-free and safe from any number
 * of threads at once, with the snapshots too.
 *
 * Returns 1 when this call took the bytes acknowledged on @k in this pass
 * across a multiple of its flush_every (time to issue a flush), 0
 * otherwise, or -EINVAL when @k or the range is outside the targets.
 */
int dgen_acked_add(struct dgen_acked *a, unsigned int k, uint64_t off,
		   uint64_t len);

/*
 * dgen_acked_snapshot - call right before issuing a flush on target @k:
 * what @k acknowledged since the previous snapshot is held under a new
 * ticket, returned in *@ticket (tickets of a target increase from 1).
 * Takes @k's lock, not the adders'. Returns 0, -EINVAL (no target @k) or
 * -ENOMEM.
 */
int dgen_acked_snapshot(struct dgen_acked *a, unsigned int k,
			uint64_t *ticket);

/*
 * dgen_acked_flushed - the flush issued after snapshot @ticket of @k
 * completed in @flush_ns nanoseconds (0: no device flush, as for writes
 * that were durable when acknowledged; not counted in the latency): what
 * @ticket and every earlier ticket of @k still held is now durable. The
 * newly durable ranges, coalesced and ascending, are returned in *@out
 * and *@n (none when an earlier call took them); valid until the next
 * call of dgen_acked_flushed on @k. Returns 0, -EINVAL (no target @k)
 * or -ENOMEM.
 */
int dgen_acked_flushed(struct dgen_acked *a, unsigned int k, uint64_t ticket,
		       uint64_t flush_ns, const struct dgen_range **out,
		       size_t *n);

/*
 * dgen_acked_discard - the flush issued after snapshot @ticket of @k
 * failed: what @ticket and earlier tickets held is forgotten and never
 * reported durable (after a failed fsync Linux may have dropped those
 * pages, and a later successful one says nothing about them).
 */
void dgen_acked_discard(struct dgen_acked *a, unsigned int k, uint64_t ticket);

/*
 * dgen_acked_reset - a new pass begins on @k: forget its acknowledgements,
 * snapshots, durable set, byte count and flush latencies. No other call
 * on @k may run at the same time.
 */
void dgen_acked_reset(struct dgen_acked *a, unsigned int k);

/* What the tracker knows of one target in the current pass. */
struct dgen_acked_stats {
	uint64_t acked_bytes;		/* bytes acknowledged (dgen_acked_add) */
	uint64_t durable_bytes;		/* bytes of the durable ranges */
	uint64_t flushes;		/* dgen_acked_flushed calls */
	uint64_t discarded;		/* dgen_acked_discard calls */
	struct dgen_latency flush_latency; /* flush_ns of each flushed call */
};

/* dgen_acked_stats_get - @k's figures into @out (under @k's lock; zeros
 * for a target that is not there). */
void dgen_acked_stats_get(struct dgen_acked *a, unsigned int k,
			  struct dgen_acked_stats *out);

/*
 * dgen_acked_durable - @k's durable set in this pass: coalesced ascending
 * ranges in *@out and *@n, valid until the next call of this function on
 * @k. For the report, once the pass has ended. Returns 0, -EINVAL (no
 * target @k) or -ENOMEM.
 */
int dgen_acked_durable(struct dgen_acked *a, unsigned int k,
		       const struct dgen_range **out, size_t *n);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_ACKED_H */
