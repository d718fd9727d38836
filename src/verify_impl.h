/* SPDX-License-Identifier: MIT */
/*
 * verify_impl.h - the read-back compare the writer runs in verify mode
 */
#ifndef DGEN_VERIFY_IMPL_H
#define DGEN_VERIFY_IMPL_H

#include <pthread.h>
#include <stdint.h>

#include <dgen/rate.h>
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

#endif /* DGEN_VERIFY_IMPL_H */
