/* SPDX-License-Identifier: MIT */
/*
 * verify_impl.h - the read-back compare the writer runs in verify mode, and
 * the rate cap shared by its threads
 */
#ifndef DGEN_VERIFY_IMPL_H
#define DGEN_VERIFY_IMPL_H

#include <pthread.h>
#include <stdint.h>

#include <dgen/writer.h>

/* What one worker found; summed by dgen_writer_wait. */
struct dgen_verify_counts {
	uint64_t mismatches;
	uint64_t kinds[DGEN_MISMATCH_KINDS];
	uint64_t bad_sectors;
};

struct dgen_verify;

/*
 * dgen_verify_new - a verifier of @n streams (@prev: the previous pass's,
 * or NULL) keeping the @keep mismatches of lowest (target, offset) in
 * detail. Returns 0 or -ENOMEM.
 */
int dgen_verify_new(struct dgen_verify **out,
		    const struct dgen_stream *const *streams,
		    const struct dgen_stream *const *prev, unsigned int keep);

void dgen_verify_free(struct dgen_verify *v);

/*
 * dgen_verify_unit - compare @buf, read from target @target at byte
 * @base + @pos, with stream bytes [pos, pos + len); count each block that
 * differs in @c and keep it for the report if it is among the lowest.
 * @pos and @len are whole blocks (but for the stream's short last one).
 */
void dgen_verify_unit(struct dgen_verify *v, struct dgen_verify_counts *c,
		      unsigned int target, uint64_t base, const uint8_t *buf,
		      uint64_t pos, uint32_t len);

/*
 * dgen_verify_report - the kept mismatches, sorted by (target, offset);
 * valid until dgen_verify_free. Call once the workers have finished.
 */
unsigned int dgen_verify_report(struct dgen_verify *v,
				const struct dgen_verify_mismatch **out);

/*
 * A rate cap shared by threads (GCRA, the virtual-scheduling form of a
 * token bucket, ITU-T I.371): each I/O of b bytes books the next b / rate
 * seconds of a shared clock and may start when its booking starts. An
 * idle clock is pulled up to now, so idle time buys no burst.
 */
struct dgen_rate {
	uint64_t rate;			/* bytes per second; 0: no cap */
	uint64_t next_ns;		/* atomic: the clock's first free time */
};

/* dgen_rate_take - book @bytes; returns when (ns, CLOCK_MONOTONIC) to start. */
uint64_t dgen_rate_take(struct dgen_rate *r, uint64_t bytes, uint64_t now);

#endif /* DGEN_VERIFY_IMPL_H */
