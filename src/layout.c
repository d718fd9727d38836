// SPDX-License-Identifier: MIT
/*
 * layout.c - how many blocks are distinct and how many bytes are zero
 *
 * Dedup (SPEC section 2): block i carries unique block u(i) = i mod U.
 * Aligned g-byte chunks (k = g / B blocks) then repeat exactly when k
 * divides U, and the stream's ratio at granularity g is N / U. So U is the
 * multiple of K = g_max / B nearest (in ratio) to N / d, where g_max is the
 * largest power of two up to 1 MiB of which the stream holds at least
 * 50 d chunks. The ratio error is then below K / (2 N / d) <= 1%.
 *
 * Compression (SPEC section 3): Z = round(U B (1 - 1/c)) zero bytes spread
 * over the T = U B / C chunks by Bresenham's rule (stream_impl.h). Z is
 * computed in integers from the double 1 - 1/c (as a 64-bit binary
 * fraction) so every machine derives the same Z.
 */
#include <dgen/stream.h>

#include "stream_impl.h"

static uint64_t unique_blocks(uint64_t N, uint64_t S, uint32_t B, double d)
{
	uint64_t g = DGEN_UNIT_MAX, K, U1, U2, best;
	double target = (double)N / d;

	/* The largest g (B <= g <= 1 MiB) with at least 50 d chunks. */
	while (g > B && (double)(S / g) < 50.0 * d)
		g >>= 1;
	K = g / B;
	if (d == 1.0)
		return N;

	U1 = (uint64_t)(target / (double)K) * K;
	U2 = U1 + K;
	if (U1 == 0)
		best = U2;
	else if (U2 > N)
		best = U1;
	else /* the one whose ratio N / U is nearer d */
		best = (double)N / (double)U1 - d <= d - (double)N / (double)U2 ?
		       U1 : U2;
	if (best > N)
		best = N;
	return best ? best : 1;
}

static uint64_t zero_bytes(uint64_t bytes, double c)
{
	double f = 1.0 - 1.0 / c;	/* in [0, 1) */
	uint64_t frac;

	if (f <= 0.0)
		return 0;
	/* f * 2^64 as an integer: exact for f >= 2^-11, truncated below. */
	frac = (uint64_t)__builtin_ldexp(f, 64);
	return (uint64_t)(((unsigned __int128)bytes * frac +
			   ((unsigned __int128)1 << 63)) >> 64);
}

void dgen_layout_compute(struct dgen_stream *s)
{
	const struct dgen_stream_params *p = &s->p;
	uint32_t B = p->dedup_unit, C = p->compress_chunk;

	s->unit_shift = (uint32_t)__builtin_ctz(B);
	s->chunk_shift = (uint32_t)__builtin_ctz(C);
	s->blocks = (p->size + B - 1) >> s->unit_shift;
	s->unique = unique_blocks(s->blocks, p->size, B, p->dedup_ratio);
	/* Chunks of g repeat exactly while g / B divides U. */
	s->exact_unit = B;
	while (s->exact_unit < DGEN_UNIT_MAX &&
	       s->unique % ((uint64_t)s->exact_unit * 2 / B) == 0)
		s->exact_unit *= 2;
	s->chunks = s->unique << (s->unit_shift - s->chunk_shift);
	s->zero_bytes = zero_bytes(s->unique << s->unit_shift,
				   p->compress_ratio);
	s->zero_q = s->zero_bytes / s->chunks;
	s->zero_r = s->zero_bytes % s->chunks;
}

void dgen_stream_layout_get(const struct dgen_stream *s,
			    struct dgen_stream_layout *out)
{
	uint64_t bytes = s->unique << s->unit_shift;

	*out = (struct dgen_stream_layout) {
		.blocks = s->blocks,
		.unique_blocks = s->unique,
		.chunks = s->chunks,
		.zero_bytes = s->zero_bytes,
		.dedup_exact_unit = s->exact_unit,
		.dedup_ratio = (double)s->blocks / (double)s->unique,
		.compress_ratio = (double)bytes / (double)(bytes - s->zero_bytes),
		.kernel = s->kernel->name,
	};
}
