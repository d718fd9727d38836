/* SPDX-License-Identifier: MIT */
/*
 * stream_impl.h - the inside of struct dgen_stream, shared by the stream
 * modules (layout, fill, compare)
 */
#ifndef DGEN_STREAM_IMPL_H
#define DGEN_STREAM_IMPL_H

#include <dgen/stream.h>

#include "kernel.h"

struct dgen_stream {
	struct dgen_stream_params p;	/* p.kernel points at kernel->name */
	const struct dgen_kernel *kernel;
	uint64_t root;			/* dgen_stream_root(seed, stream_id) */
	uint64_t blocks;		/* N */
	uint64_t unique;		/* U: the round-robin period */
	uint64_t body;			/* M: blocks in whole g_max-chunks */
	uint64_t fresh;			/* F: fresh blocks after the body */
	uint64_t distinct;		/* D = U + F */
	uint64_t chunks;		/* T = D * B / C */
	uint64_t zero_bytes;		/* Z */
	uint64_t zero_q, zero_r;	/* Z = zero_q * T + zero_r */
	uint32_t unit_shift;		/* log2 B */
	uint32_t chunk_shift;		/* log2 C */
	uint32_t exact_unit;
};

/*
 * Bresenham's schedule of zero bytes over the T chunks of the distinct
 * blocks (SPEC section 3): chunk g holds
 *	z(g) = floor((g + 1) Z / T) - floor(g Z / T)
 * zero bytes, which is zero_q plus one exactly when (g r mod T) + r >= T.
 * The iterator keeps acc = g r mod T so a walk costs no division.
 */
struct dgen_zero_iter {
	uint64_t acc;
};

static inline void dgen_zero_iter_start(const struct dgen_stream *s,
					struct dgen_zero_iter *it, uint64_t g)
{
	it->acc = (uint64_t)((unsigned __int128)g * s->zero_r % s->chunks);
}

static inline uint32_t dgen_zero_iter_next(const struct dgen_stream *s,
					   struct dgen_zero_iter *it)
{
	uint32_t z = (uint32_t)s->zero_q;

	it->acc += s->zero_r;
	if (it->acc >= s->chunks) {
		it->acc -= s->chunks;
		z++;
	}
	return z;
}

/* dgen_layout_compute - derive the layout fields of @s from s->p. */
void dgen_layout_compute(struct dgen_stream *s);

/*
 * dgen_block_run - the distinct block *@u that block @i carries, and how
 * many blocks from @i on carry u, u + 1, ... without a jump (layout.c).
 */
uint64_t dgen_block_run(const struct dgen_stream *s, uint64_t i, uint64_t *u);

/* dgen_fill_range - dgen_stream_fill without the range check. */
void dgen_fill_range(const struct dgen_stream *s, uint8_t *dst,
		     uint64_t offset, uint64_t len);

#endif /* DGEN_STREAM_IMPL_H */
