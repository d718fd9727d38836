// SPDX-License-Identifier: MIT
/*
 * test_dedup.c - the dedup ratio is exact at every granularity (SPEC 2)
 *
 * Streams of 256 MiB are generated 8 MiB at a time and every aligned chunk
 * of every power-of-two size g from 512 B to 1 MiB is hashed with
 * XXH3-128; sorting the hashes counts the distinct chunks. The measured
 * ratio total / distinct must be
 *   - d within 1% wherever the stream holds at least 50 d chunks of g,
 *   - exactly layout.dedup_ratio (N / U) for g up to dedup_exact_unit,
 *   - and below B exact as well: only the intended copies repeat, so the
 *     distinct g-pieces are exactly U * B / g.
 * Copies of a block are spread as far apart as possible (U blocks), never
 * adjacent. Below B, at unaligned shifts and with content-defined chunking,
 * equal pieces occur only one stream period (U * B bytes) apart.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>

#include "testutil.h"

#define PIECE		(8 * MIB)
#define G_MIN		512u
#define G_MAX		(1u << 20)
#define LEVELS		12		/* 512 B .. 1 MiB */

struct dedup_case {
	uint64_t size;
	uint32_t B;
	double d;
};

static struct dedup_case dedup_cases[] = {
	{ 256 * MIB, 4096, 1.0 },
	{ 256 * MIB, 4096, 1.5 },
	{ 256 * MIB, 4096, 2.0 },
	{ 256 * MIB, 4096, 3.0 },
	{ 256 * MIB, 4096, 7.3 },
	{ 256 * MIB, 512, 2.0 },
	{ 256 * MIB, 512, 7.3 },
	{ 256 * MIB, 65536, 1.5 },
	{ 256 * MIB, 65536, 3.0 },
	/* A size that is no multiple of 1 MiB, B or 512: the last block is
	 * partial and only whole chunks are counted. */
	{ 256 * MIB + 40 * KIB + 1000, 4096, 2.5 },
};

ParameterizedTestParameters(dedup, ratio_every_granularity)
{
	return cr_make_param_array(struct dedup_case, dedup_cases,
				   sizeof(dedup_cases) / sizeof(dedup_cases[0]));
}

/*
 * Distinct aligned g-pieces (g < B) that the layout intends: every unique
 * block's B/g pieces once, the partial last block adding its own whole
 * pieces only when it is the sole copy of its unique block.
 */
static uint64_t intended_below_B(uint64_t S, uint32_t B, uint64_t U,
				 uint32_t g)
{
	uint64_t full = S / B, tail = S % B;

	if (full >= U)
		return U * (B / g);
	/* full = U - 1: the last block holds unique block U - 1, in part. */
	return full * (B / g) + tail / g;
}

ParameterizedTest(struct dedup_case *dc, dedup, ratio_every_granularity)
{
	struct dgen_stream_params p = test_params(dc->size, dc->B, 4096, dc->d,
						  1.0);
	struct hrec *h[LEVELS], dup[2];
	uint64_t total[LEVELS];
	struct dgen_stream_layout l;
	struct dgen_stream *s;
	uint8_t *buf = xmalloc(PIECE);
	uint64_t N, U, off;
	unsigned int L;

	if (p.compress_chunk > p.dedup_unit)
		p.compress_chunk = p.dedup_unit;
	p.seed = 0x5eed0000ull + (uint64_t)(dc->d * 10);
	p.stream_id = dc->B;
	s = stream_make(&p);
	l = stream_layout(s);
	N = l.blocks;
	U = l.unique_blocks;
	cr_log_info("S %" PRIu64 " B %u d %g: N %" PRIu64 " U %" PRIu64
		    " layout ratio %.6f exact to g %u", dc->size, dc->B, dc->d,
		    N, U, l.dedup_ratio, l.dedup_exact_unit);

	for (L = 0; L < LEVELS; L++) {
		total[L] = dc->size / ((uint64_t)G_MIN << L);
		h[L] = xmalloc(total[L] * sizeof(struct hrec));
	}
	/* PIECE is a multiple of every g, so no chunk straddles two pieces. */
	for (off = 0; off < dc->size; off += PIECE) {
		uint64_t n = dc->size - off < PIECE ? dc->size - off : PIECE;

		stream_fill(s, buf, off, n);
		for (L = 0; L < LEVELS; L++) {
			uint64_t g = (uint64_t)G_MIN << L, x;

			for (x = 0; x + g <= n; x += g)
				h[L][(off + x) / g] = hrec_of(buf + x, g,
							      (off + x) / g);
		}
	}

	for (L = 0; L < LEVELS; L++) {
		const uint32_t g = G_MIN << L;
		uint64_t distinct, t = total[L];
		double ratio;

		if (g == dc->B) {
			uint64_t i, min_gap = UINT64_MAX;

			/* Block i and i + 1 never hold the same content. */
			for (i = 0; U > 1 && i + 1 < t; i++)
				cr_assert(!hrec_same(&h[L][i], &h[L][i + 1]),
					  "blocks %" PRIu64 " and %" PRIu64
					  " are equal (U %" PRIu64 ")", i,
					  i + 1, U);
			distinct = hrec_distinct(h[L], t, NULL);
			/* Copies of one block lie U blocks apart, the most
			 * any layout of U distinct blocks allows, less the
			 * few fresh tail blocks (fewer than K <= U / 50)
			 * that keep the ratio exact at odd sizes (layout.c). */
			for (i = 1; i < t; i++)
				if (hrec_same(&h[L][i], &h[L][i - 1]) &&
				    h[L][i].pos - h[L][i - 1].pos < min_gap)
					min_gap = h[L][i].pos - h[L][i - 1].pos;
			if (min_gap != UINT64_MAX) {
				cr_assert(min_gap * 50 >= U * 49, "two copies "
					  "of a block only %" PRIu64 " blocks "
					  "apart (U %" PRIu64 ")", min_gap, U);
				cr_log_info("d %g B %u: copies at least %"
					    PRIu64 " blocks apart", dc->d,
					    dc->B, min_gap);
			}
		} else {
			distinct = hrec_distinct(h[L], t, dup);
		}
		ratio = (double)t / (double)distinct;
		cr_log_info("d %g B %u g %7u: %8" PRIu64 " / %8" PRIu64
			    " = %.6f (%+.3f%% from d)", dc->d, dc->B, g, t,
			    distinct, ratio, 100.0 * (ratio / dc->d - 1.0));

		if (g < dc->B) {
			uint64_t want = intended_below_B(dc->size, dc->B, U, g);

			cr_assert(distinct == want,
				  "d %g B %u g %u: %" PRIu64 " distinct pieces, "
				  "want U B / g = %" PRIu64, dc->d, dc->B, g,
				  distinct, want);
		}
		if (g <= l.dedup_exact_unit && dc->size % g == 0)
			cr_assert((unsigned __int128)t * U ==
				  (unsigned __int128)distinct * N &&
				  ratio == l.dedup_ratio,
				  "d %g B %u g %u (exact to %u): ratio %"
				  PRIu64 "/%" PRIu64 " = %.9f, layout says "
				  "%.9f", dc->d, dc->B, g, l.dedup_exact_unit,
				  t, distinct, ratio, l.dedup_ratio);
		if (g >= dc->B && (double)t >= 50.0 * dc->d)
			cr_assert(fabs(ratio - dc->d) <= 0.01 * dc->d,
				  "d %g B %u g %u: measured ratio %.6f is more "
				  "than 1%% from d (%" PRIu64 " chunks, %"
				  PRIu64 " distinct)", dc->d, dc->B, g, ratio,
				  t, distinct);
		free(h[L]);
	}
	free(buf);
	dgen_stream_free(s);
}

/*
 * pieces_repeat_only_per_period - hash every @len-byte piece starting at
 * shift + k * len for each shift, and check that equal pieces lie a
 * multiple of the stream period U B apart (with d = 1: never equal).
 */
struct shift_case {
	uint64_t size;
	uint32_t B, C;
	double d, c;
};

static struct shift_case shift_cases[] = {
	{ 256 * MIB, 4096, 4096, 1.0, 1.0 },
	{ 64 * MIB, 512, 512, 1.0, 1.0 },
	{ 64 * MIB, 4096, 512, 1.0, 4.0 },	/* C = 512: every sector random */
	{ 64 * MIB, 4096, 4096, 2.0, 1.0 },
	{ 64 * MIB, 65536, 512, 3.7, 8.0 },
};

ParameterizedTestParameters(dedup, no_repeats_below_B)
{
	return cr_make_param_array(struct shift_case, shift_cases,
				   sizeof(shift_cases) / sizeof(shift_cases[0]));
}

ParameterizedTest(struct shift_case *sc, dedup, no_repeats_below_B)
{
	static const uint32_t shifts[] = { 0, 8, 100, 333 };
	const uint32_t len = 512;
	struct dgen_stream_params p = test_params(sc->size, sc->B, sc->C, sc->d,
						  sc->c);
	struct dgen_stream_layout l;
	struct dgen_stream *s;
	struct hvec v = { 0 };
	uint8_t *buf = xmalloc(sc->size);
	uint64_t period, i, repeats = 0;
	unsigned int k;

	p.seed = 0xd1ce;
	s = stream_make(&p);
	l = stream_layout(s);
	period = l.unique_blocks * sc->B;
	stream_fill(s, buf, 0, sc->size);
	for (k = 0; k < sizeof(shifts) / sizeof(shifts[0]); k++) {
		uint64_t x;

		for (x = shifts[k]; x + len <= sc->size; x += len)
			hvec_push(&v, hrec_of(buf + x, len, x));
	}
	hrec_distinct(v.v, v.n, NULL);
	for (i = 1; i < v.n; i++) {
		uint64_t a = v.v[i - 1].pos, b = v.v[i].pos;

		if (!hrec_same(&v.v[i], &v.v[i - 1]))
			continue;
		repeats++;
		cr_assert((b - a) % period == 0,
			  "d %g B %u C %u c %g: the 512-byte pieces at %" PRIu64
			  " and %" PRIu64 " are equal, %" PRIu64 " bytes apart, "
			  "not a multiple of the period %" PRIu64, sc->d, sc->B,
			  sc->C, sc->c, a, b, b - a, period);
	}
	cr_log_info("d %g B %u C %u c %g: %zu pieces at shifts 0/8/100/333, "
		    "%" PRIu64 " intended repeats", sc->d, sc->B, sc->C, sc->c,
		    v.n, repeats);
	if (sc->d == 1.0)
		cr_assert(repeats == 0);
	hvec_free(&v);
	free(buf);
	dgen_stream_free(s);
}

/*
 * Content-defined chunking (a gear hash, as in FastCDC by Xia et al.,
 * USENIX ATC 2016) at average sizes 512 B to 64 KiB finds no accidental
 * duplicates: equal chunks lie a multiple of the period apart.
 */
#define CDC_N		4

struct cdc {
	uint32_t bits;		/* average chunk 2^bits */
	uint64_t start;
	struct hvec v;
};

static void cdc_run(const uint8_t *buf, uint64_t size, struct cdc *c,
		    unsigned int n)
{
	uint64_t gear[256], h = 0, x;
	struct test_rng r = { 0x6765617220636463ull };
	unsigned int k;

	for (k = 0; k < 256; k++)
		gear[k] = test_rng_next(&r);
	for (x = 0; x < size; x++) {
		h = (h << 1) + gear[buf[x]];
		for (k = 0; k < n; k++) {
			uint64_t avg = 1ull << c[k].bits;
			uint64_t clen = x + 1 - c[k].start;

			/* min avg/4, max 4 avg; the top bits depend on the
			 * last 64 bytes. */
			if ((clen >= avg / 4 && !(h >> (64 - c[k].bits))) ||
			    clen >= 4 * avg || x + 1 == size) {
				hvec_push(&c[k].v, hrec_of(buf + c[k].start,
							   clen, c[k].start));
				c[k].start = x + 1;
			}
		}
	}
}

Test(dedup, content_defined_chunking)
{
	static const double ds[] = { 1.0, 2.5 };
	const uint64_t S = 64 * MIB;
	uint8_t *buf = xmalloc(S);
	unsigned int j;

	for (j = 0; j < 2; j++) {
		struct dgen_stream_params p = test_params(S, 4096, 4096, ds[j],
							  1.0);
		struct dgen_stream *s;
		struct cdc c[CDC_N] = {
			{ .bits = 9 }, { .bits = 11 }, { .bits = 13 },
			{ .bits = 16 },
		};
		uint64_t period;
		unsigned int k;

		p.seed = 0xcdc + j;
		s = stream_make(&p);
		period = stream_layout(s).unique_blocks * 4096;
		stream_fill(s, buf, 0, S);
		cdc_run(buf, S, c, CDC_N);
		for (k = 0; k < CDC_N; k++) {
			size_t n = c[k].v.n, i, repeats = 0;
			uint64_t distinct = hrec_distinct(c[k].v.v, n, NULL);

			for (i = 1; i < n; i++) {
				const struct hrec *a = &c[k].v.v[i - 1];
				const struct hrec *b = &c[k].v.v[i];

				if (!hrec_same(a, b))
					continue;
				repeats++;
				cr_assert((b->pos - a->pos) % period == 0,
					  "d %g CDC avg %u: chunks at %" PRIu64
					  " and %" PRIu64 " are equal, not a "
					  "period (%" PRIu64 ") apart", ds[j],
					  1u << c[k].bits, a->pos, b->pos,
					  period);
			}
			cr_log_info("d %g CDC avg %6u: %zu chunks, %" PRIu64
				    " distinct, ratio %.4f", ds[j],
				    1u << c[k].bits, n, distinct,
				    (double)n / (double)distinct);
			if (ds[j] == 1.0)
				cr_assert(repeats == 0);
			hvec_free(&c[k].v);
		}
		dgen_stream_free(s);
	}
	free(buf);
}

/*
 * ratio_at - total / distinct over the whole aligned g-chunks of @buf
 * (@S bytes; a partial last chunk is not a chunk of size g).
 */
static double ratio_at(const uint8_t *buf, uint64_t S, uint32_t g,
		       uint64_t *total, uint64_t *distinct)
{
	uint64_t t = S / g, x;
	struct hrec *h = xmalloc(t * sizeof(*h));

	for (x = 0; x < t; x++)
		h[x] = hrec_of(buf + x * g, g, x);
	*total = t;
	*distinct = hrec_distinct(h, t, NULL);
	free(h);
	return (double)t / (double)*distinct;
}

/*
 * Streams of any size, down to the 50 d chunk limit: the promise of SPEC
 * section 2 holds at every g with at least 50 d whole chunks, also when S
 * is no multiple of g. The last cases are sizes where the last g-chunk is
 * cut short and the whole chunks number about U / K: the layout rounds U
 * for N = ceil(S / B) blocks, but only floor(S / g) chunks exist.
 */
struct size_case {
	uint64_t size;
	uint32_t B;
	double d;
};

static struct size_case size_cases[] = {
	{ 4 * MIB, 4096, 1.5 },
	{ 4 * MIB + 512, 4096, 3.0 },
	{ 16 * MIB, 4096, 7.3 },
	{ 10 * MIB + 4096, 512, 2.2 },
	{ 40 * MIB, 65536, 4.0 },
	{ 7 * MIB + 123, 4096, 1.1 },
	{ 54473523, 4096, 1.02 },	/* 51.95 MiB: g 1 MiB, 51 chunks */
	{ 105899212, 4096, 2.0 },	/* 100.99 MiB: g 1 MiB, 100 chunks */
	{ 52302159, 4096, 1.5 },
	{ 24208105, 4096, 3.0 },
	{ 42460666, 65536, 1.1 },
};

ParameterizedTestParameters(dedup, any_size_within_one_percent)
{
	return cr_make_param_array(struct size_case, size_cases,
				   sizeof(size_cases) / sizeof(size_cases[0]));
}

ParameterizedTest(struct size_case *sc, dedup, any_size_within_one_percent)
{
	const uint64_t S = sc->size;
	struct dgen_stream_params p = test_params(S, sc->B, 512, sc->d, 1);
	struct dgen_stream *s = stream_make(&p);
	struct dgen_stream_layout l = stream_layout(s);
	uint8_t *buf = xmalloc(S);
	uint32_t g;

	stream_fill(s, buf, 0, S);
	cr_log_info("S %" PRIu64 " B %u d %g: N %" PRIu64 " U %" PRIu64
		    " layout ratio %.5f exact to %u", S, sc->B, sc->d,
		    l.blocks, l.unique_blocks, l.dedup_ratio,
		    l.dedup_exact_unit);
	for (g = sc->B; g <= G_MAX && (double)(S / g) >= 50.0 * sc->d;
	     g *= 2) {
		uint64_t t, distinct;
		double ratio = ratio_at(buf, S, g, &t, &distinct);

		cr_log_info("S %" PRIu64 " B %u d %g g %7u: %6" PRIu64 " / %6"
			    PRIu64 " = %.5f (%+.3f%%)", S, sc->B, sc->d, g, t,
			    distinct, ratio, 100.0 * (ratio / sc->d - 1.0));
		cr_expect(fabs(ratio - sc->d) <= 0.01 * sc->d,
			  "S %" PRIu64 " B %u d %g g %u: %" PRIu64 " chunks, %"
			  PRIu64 " distinct, ratio %.5f is %+.3f%% from d "
			  "(layout N %" PRIu64 " U %" PRIu64 ")", S, sc->B,
			  sc->d, g, t, distinct, ratio,
			  100.0 * (ratio / sc->d - 1.0), l.blocks,
			  l.unique_blocks);
	}
	free(buf);
	dgen_stream_free(s);
}

/* The same over random sizes, B and d; every miss is listed. */
Test(dedup, random_sizes_within_one_percent)
{
	static const uint32_t Bs[] = { 512, 4096, 65536 };
	static const double ds[] = { 1.02, 1.1, 1.5, 2.0, 2.5, 3.0, 5.0, 7.3 };
	struct test_rng r;
	uint8_t *buf = xmalloc(64 * MIB);
	unsigned int k, misses = 0, checked = 0;

	test_rng_init(&r, 0x73697a6573ull);
	for (k = 0; k < 24; k++) {
		uint32_t B = Bs[test_rng_below(&r, 3)];
		double d = ds[test_rng_below(&r, 8)];
		uint64_t S = test_rng_range(&r, 8 * (uint64_t)B, 64 * MIB);
		struct dgen_stream_params p = test_params(S, B, 512, d, 1);
		struct dgen_stream *s = stream_make(&p);
		uint32_t g;

		stream_fill(s, buf, 0, S);
		for (g = B; g <= G_MAX && (double)(S / g) >= 50.0 * d; g *= 2) {
			uint64_t t, distinct;
			double ratio = ratio_at(buf, S, g, &t, &distinct);

			checked++;
			if (fabs(ratio - d) <= 0.01 * d)
				continue;
			misses++;
			cr_log_warn("miss: S %" PRIu64 " B %u d %g g %u: %"
				    PRIu64 " / %" PRIu64 " = %.5f (%+.3f%%)",
				    S, B, d, g, t, distinct, ratio,
				    100.0 * (ratio / d - 1.0));
		}
		dgen_stream_free(s);
	}
	cr_log_info("%u (stream, g) pairs checked, %u beyond 1%%", checked,
		    misses);
	cr_assert(misses == 0, "%u of %u (stream, g) pairs with at least 50 d "
		  "chunks miss d by more than 1%% (listed above)", misses,
		  checked);
	free(buf);
}
