// SPDX-License-Identifier: MIT
/*
 * layout.c - which distinct block each block carries, and how many bytes
 * are zero
 *
 * Dedup (SPEC section 2). Let g_max be the largest power of two up to
 * 1 MiB of which the stream holds at least 50 d whole chunks, K = g_max / B,
 * and M the blocks covered by whole g_max-chunks (a multiple of K). Then
 *
 *	body   i <  M:		u(i) = i mod U		(round robin)
 *	tail   M <= i < M + F:	u(i) = U + (i - M)	(fresh blocks)
 *	       i >= M + F:	u(i) = i mod U		(copies, as the body)
 *
 * with U a multiple of K. Aligned g-chunks (k = g / B blocks, g <= g_max)
 * of the body repeat exactly since k divides U, so the body alone gives
 * ratio M / U at every such g. The tail (fewer than K blocks) holds whole
 * chunks only at the smaller g; were they all copies, as with plain round
 * robin, they would push those ratios up by up to 1/(50 d) - 2% at d near 1
 * when S is not a multiple of g. Giving a share F of the tail fresh blocks
 * keeps every ratio near d. At granularity g the stream holds
 * T_g = floor(S / g) whole chunks, of which
 *
 *	D_g = U / k + min(T_g - M / k, ceil(F / k))
 *
 * are distinct (tail chunks touching the fresh blocks are new, the others
 * copy body chunks). (U, F) is chosen to minimise the largest |T_g / D_g - d|
 * over the g the spec promises; a model over many random and adversarial
 * sizes found the optimum always within 1%.
 *
 * Compression (SPEC section 3): Z = round(D B (1 - 1/c)) zero bytes, for the
 * D = U + F distinct blocks, spread over their T = D B / C chunks by
 * Bresenham's rule (stream_impl.h). Z is computed in integers from the
 * double 1 - 1/c (as a 64-bit binary fraction) so every machine derives the
 * same Z.
 */
#include <math.h>

#include <dgen/stream.h>

#include "stream_impl.h"

#define PROMISE_CHUNKS	50.0	/* SPEC 2: the ratio holds from 50 d chunks */

struct dedup_goal {
	uint64_t size;		/* S */
	uint64_t body;		/* M */
	uint32_t unit;		/* B */
	uint32_t g_max;
	double d;
};

/* The largest relative ratio error over the promised g, for (U, F). */
static double dedup_error(const struct dedup_goal *goal, uint64_t U, uint64_t F)
{
	double worst = 0.0;
	uint64_t g;

	for (g = goal->unit; g <= goal->g_max; g <<= 1) {
		uint64_t k = g / goal->unit, T = goal->size / g;
		uint64_t tail = T - goal->body / k, fresh = (F + k - 1) / k;
		uint64_t D = U / k + (tail < fresh ? tail : fresh);
		double err = fabs((double)T / (double)D / goal->d - 1.0);

		if (err > worst)
			worst = err;
	}
	return worst;
}

static void dedup_plan(struct dgen_stream *s)
{
	const uint32_t B = s->p.dedup_unit;
	const double d = s->p.dedup_ratio;
	const uint64_t whole = s->p.size >> s->unit_shift;
	struct dedup_goal goal = { .size = s->p.size, .unit = B, .d = d };
	uint64_t K, cand[2], F, best_U = 0, best_F = 0;
	double best = INFINITY;
	unsigned int i;

	/* g_max: no g may be promised (stream too short), then aim at g = B. */
	goal.g_max = DGEN_UNIT_MAX;
	while (goal.g_max > B &&
	       (double)(s->p.size / goal.g_max) < PROMISE_CHUNKS * d)
		goal.g_max >>= 1;
	K = goal.g_max / B;
	goal.body = whole / K * K;
	s->body = goal.body;

	if (goal.body == 0) {
		/* Shorter than one block: nothing to repeat. */
		s->unique = 1;
		s->fresh = 0;
		return;
	}
	if (d == 1.0) {
		/* Every block distinct, the partial last one too. */
		s->unique = goal.body;
		s->fresh = s->blocks - goal.body;
		return;
	}

	cand[0] = (uint64_t)((double)goal.body / d / (double)K) * K;
	cand[1] = cand[0] + K;
	for (i = 0; i < 2; i++) {
		uint64_t U = cand[i];

		if (U < K || U > goal.body)
			continue;
		for (F = 0; F <= s->blocks - goal.body; F++) {
			double err = dedup_error(&goal, U, F);

			if (err < best) {
				best = err;
				best_U = U;
				best_F = F;
			}
		}
	}
	s->unique = best_U;
	s->fresh = best_F;
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
	dedup_plan(s);
	s->distinct = s->unique + s->fresh;
	/* Chunks of g repeat exactly while g / B divides U. */
	s->exact_unit = B;
	while (s->exact_unit < DGEN_UNIT_MAX &&
	       s->unique % ((uint64_t)s->exact_unit * 2 / B) == 0)
		s->exact_unit *= 2;
	s->chunks = s->distinct << (s->unit_shift - s->chunk_shift);
	s->zero_bytes = zero_bytes(s->distinct << s->unit_shift,
				   p->compress_ratio);
	s->zero_q = s->zero_bytes / s->chunks;
	s->zero_r = s->zero_bytes % s->chunks;
}

uint64_t dgen_block_run(const struct dgen_stream *s, uint64_t i, uint64_t *u)
{
	if (i >= s->body && i < s->body + s->fresh) {
		*u = s->unique + (i - s->body);
		return s->body + s->fresh - i;
	}
	*u = i % s->unique;
	if (i < s->body && s->body - i < s->unique - *u)
		return s->body - i;
	return s->unique - *u;
}

void dgen_stream_layout_get(const struct dgen_stream *s,
			    struct dgen_stream_layout *out)
{
	uint64_t bytes = s->distinct << s->unit_shift;

	*out = (struct dgen_stream_layout) {
		.blocks = s->blocks,
		.unique_blocks = s->distinct,
		.chunks = s->chunks,
		.zero_bytes = s->zero_bytes,
		.dedup_exact_unit = s->exact_unit,
		.dedup_ratio = (double)s->blocks / (double)s->distinct,
		.compress_ratio = (double)bytes / (double)(bytes - s->zero_bytes),
		.kernel = s->kernel->name,
	};
}
