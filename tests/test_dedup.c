// SPDX-License-Identifier: MIT
/*
 * test_dedup.c - the dedup ratio holds at every granularity, on the whole
 * stream, on every window and on every prefix (doc/data-contract.md
 * section 2), and no sector is empty or repeated by accident (section 3)
 *
 * Each stream is generated 8 MiB at a time and each aligned 512-byte
 * sector is hashed once with XXH3-128; the hash of an aligned chunk of
 * 2g bytes is the XXH3-128 of its two g-halves' hashes, so every power of
 * two from 512 B to 1 MiB is counted without hashing the data again.
 * Sorting the hashes of a range counts its distinct chunks. The ratio
 * total / distinct must be d
 *   - within 1% over the whole stream at every g up to the piece size G
 *     where the stream holds at least 50 d chunks (with the default window,
 *     G is 1 MiB whenever the stream holds 50 d MiB),
 *   - within 1% over every aligned window of W bytes, and within 2% over
 *     the prefixes of W and 1.5 W bytes, at every g <= G.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>

#include "testutil.h"

#define PIECE		(8 * MIB)
#define SECTOR		512u
#define G_MAX		(1u << 20)
#define LEVELS		12		/* 512 B .. 1 MiB */

/* Chunk hashes at every level: lv[L][i] is aligned chunk i of 512 << L. */
struct levels {
	XXH128_hash_t *lv[LEVELS];
	uint64_t n[LEVELS];
	uint64_t flat;			/* sectors of a single byte value */
};

static void levels_build(struct levels *h, const struct dgen_stream *s,
			 uint64_t S)
{
	uint8_t *buf = xmalloc(PIECE);
	uint64_t off, i;
	int L;

	memset(h, 0, sizeof(*h));
	for (L = 0; L < LEVELS; L++) {
		h->n[L] = S / ((uint64_t)SECTOR << L);
		h->lv[L] = xmalloc(h->n[L] * sizeof(XXH128_hash_t));
	}
	for (off = 0; off + SECTOR <= S; off += PIECE) {
		uint64_t n = S - off < PIECE ? S - off : PIECE;

		stream_fill(s, buf, off, n);
		for (i = 0; i + SECTOR <= n; i += SECTOR) {
			const uint8_t *x = buf + i;

			h->lv[0][(off + i) / SECTOR] = XXH3_128bits(x, SECTOR);
			if (x[0] == x[SECTOR - 1] && !memcmp(x, x + 1, SECTOR - 1))
				h->flat++;
		}
	}
	for (L = 1; L < LEVELS; L++)
		for (i = 0; i < h->n[L]; i++)
			h->lv[L][i] = XXH3_128bits(&h->lv[L - 1][2 * i],
						   2 * sizeof(XXH128_hash_t));
	free(buf);
}

static void levels_free(struct levels *h)
{
	int L;

	for (L = 0; L < LEVELS; L++)
		free(h->lv[L]);
}

static int h128_cmp(const void *pa, const void *pb)
{
	const XXH128_hash_t *a = pa, *b = pb;

	if (a->high64 != b->high64)
		return a->high64 < b->high64 ? -1 : 1;
	if (a->low64 != b->low64)
		return a->low64 < b->low64 ? -1 : 1;
	return 0;
}

/* total / distinct over chunks [first, first + count) of level @L. */
static double range_ratio(const struct levels *h, int L, uint64_t first,
			  uint64_t count)
{
	XXH128_hash_t *v = xmalloc(count * sizeof(*v));
	uint64_t i, distinct = count ? 1 : 0;

	memcpy(v, h->lv[L] + first, count * sizeof(*v));
	qsort(v, count, sizeof(*v), h128_cmp);
	for (i = 1; i < count; i++)
		distinct += h128_cmp(&v[i], &v[i - 1]) != 0;
	free(v);
	return (double)count / (double)distinct;
}

static int within(double got, double want, double tol)
{
	return fabs(got / want - 1.0) <= tol;
}

/*
 * check_stream - every promise of section 2 on stream @s: the whole
 * stream, each whole window, the prefixes of W and 1.5 W. Returns the
 * number of ratios checked.
 */
static unsigned int check_stream(const struct dgen_stream *s,
				 const char *what)
{
	const struct dgen_stream_params *p = dgen_stream_params_get(s);
	struct dgen_stream_layout l = stream_layout(s);
	const uint64_t S = p->size, W = l.dedup_window;
	const uint32_t G = l.dedup_exact_unit;
	const double d = p->dedup_ratio;
	struct levels h;
	unsigned int checked = 0;
	int L;

	cr_assert(l.format_version == DGEN_STREAM_FORMAT_VERSION);
	cr_assert(W % G == 0 && W / G == l.window_pieces);
	levels_build(&h, s, S);
	cr_assert(h.flat == 0, "%s: %" PRIu64 " sectors hold a single byte "
		  "value", what, h.flat);
	for (L = 0; L < LEVELS; L++) {
		uint64_t g = (uint64_t)SECTOR << L, per = W / g, w;
		double r;

		if (g > G)
			break;
		if ((double)h.n[L] >= 50.0 * d) {
			r = range_ratio(&h, L, 0, h.n[L]);
			cr_log_info("%s: g %7" PRIu64 " whole stream %.5f", what,
				    g, r);
			cr_expect(within(r, d, 0.01), "%s: g %" PRIu64 ": the "
				  "whole stream's ratio %.5f is %+.3f%% from d",
				  what, g, r, 100.0 * (r / d - 1.0));
			checked++;
		}
		if ((double)per < 50.0 * d)
			continue;
		for (w = 0; (w + 1) * per <= h.n[L]; w++) {
			r = range_ratio(&h, L, w * per, per);
			cr_expect(within(r, d, 0.01), "%s: g %" PRIu64 ": "
				  "window %" PRIu64 " (W %" PRIu64 ") holds "
				  "%.5f, %+.3f%% from d", what, g, w, W, r,
				  100.0 * (r / d - 1.0));
			checked++;
		}
		if (per + per / 2 <= h.n[L]) {
			double r1 = range_ratio(&h, L, 0, per);
			double r15 = range_ratio(&h, L, 0, per + per / 2);

			cr_log_info("%s: g %7" PRIu64 " prefix W %.5f, 1.5 W "
				    "%.5f", what, g, r1, r15);
			cr_expect(within(r1, d, 0.02) && within(r15, d, 0.02),
				  "%s: g %" PRIu64 ": prefixes of W and 1.5 W "
				  "hold %.5f and %.5f (d %g)", what, g, r1, r15,
				  d);
			checked += 2;
		}
	}
	levels_free(&h);
	return checked;
}

/*
 * The grid: d x c x B, each with a small explicit window (4 d MiB, so
 * G = 64 KiB) and a size of 2.5 windows and a few odd bytes, so whole
 * windows, a shorter last window and a partial last piece all occur.
 */
struct grid_case {
	uint32_t B;
	double d, c;
};

#define GRID_D	3
#define GRID_C	6
#define GRID_B	3

static struct grid_case grid_cases[GRID_D * GRID_C * GRID_B];

ParameterizedTestParameters(dedup, grid_windows)
{
	static const double ds[GRID_D] = { 1.0, 1.5, 3.0 };
	static const double cs[GRID_C] = { 1.0, 1.5, 2.0, 4.0, 8.0, 16.0 };
	static const uint32_t Bs[GRID_B] = { 512, 4096, 65536 };
	unsigned int i, j, k, n = 0;

	for (i = 0; i < GRID_D; i++)
		for (j = 0; j < GRID_C; j++)
			for (k = 0; k < GRID_B; k++)
				grid_cases[n++] = (struct grid_case) {
					Bs[k], ds[i], cs[j] };
	return cr_make_param_array(struct grid_case, grid_cases, n);
}

ParameterizedTest(struct grid_case *gc, dedup, grid_windows)
{
	const uint64_t W = 4 * MIB * (uint64_t)ceil(gc->d);
	const uint64_t S = 2 * W + W / 2 + 12345;
	struct dgen_stream_params p = test_params(S, gc->B, 4096, gc->d, gc->c);
	struct dgen_stream *s;
	struct dgen_stream_layout l;
	char what[96];
	unsigned int checked;

	p.dedup_window = W;
	p.seed = 0x9e1d + (uint64_t)(gc->d * 10) + gc->B;
	s = stream_make(&p);
	l = stream_layout(s);
	cr_assert(l.dedup_window == W, "window %" PRIu64 ", asked %" PRIu64,
		  l.dedup_window, W);
	/* G: the largest power of two with 50 d pieces in the window. */
	cr_assert((double)(W / l.dedup_exact_unit) >= 50.0 * gc->d &&
		  (l.dedup_exact_unit == G_MAX ||
		   (double)(W / l.dedup_exact_unit / 2) < 50.0 * gc->d));
	snprintf(what, sizeof(what), "d %g c %g B %u W %" PRIu64, gc->d, gc->c,
		 gc->B, W);
	checked = check_stream(s, what);
	cr_log_info("%s: G %u, %u ratios within their bounds", what,
		    l.dedup_exact_unit, checked);
	dgen_stream_free(s);
}

/*
 * The default window, max(64 MiB, 64 d MiB): G is 1 MiB, the report's
 * window is W, and copies of a piece are never next to it once a window
 * holds four distinct pieces.
 */
struct default_case {
	uint64_t size;
	uint32_t B;
	double d, c;
};

static struct default_case default_cases[] = {
	{ 64 * MIB + 1536 * KIB, 512, 1.0, 4.0 },
	{ 2 * 96 * MIB + 1536 * KIB + 777, 4096, 1.5, 2.0 },
	{ 192 * MIB + 96 * MIB + 333, 65536, 3.0, 8.0 },
};

ParameterizedTestParameters(dedup, default_window)
{
	return cr_make_param_array(struct default_case, default_cases,
				   sizeof(default_cases) /
				   sizeof(default_cases[0]));
}

ParameterizedTest(struct default_case *dc, dedup, default_window)
{
	struct dgen_stream_params p = test_params(dc->size, dc->B, 4096, dc->d,
						  dc->c);
	struct dgen_stream *s = stream_make(&p);
	struct dgen_stream_layout l = stream_layout(s);
	const uint64_t W = (uint64_t)(64 * fmax(1.0, dc->d)) * MIB;
	uint8_t *a = xmalloc(G_MAX), *b = xmalloc(G_MAX);
	uint64_t piece, adjacent = 0;
	char what[96];

	cr_assert(l.dedup_window == W && l.dedup_exact_unit == G_MAX,
		  "default window %" PRIu64 " G %u, want %" PRIu64 " and 1 MiB",
		  l.dedup_window, l.dedup_exact_unit, W);
	cr_assert(l.window_distinct == 64);
	snprintf(what, sizeof(what), "default W: d %g c %g B %u S %" PRIu64,
		 dc->d, dc->c, dc->B, dc->size);
	check_stream(s, what);
	/*
	 * Adjacent equal pieces, past each window's first 3 d + 2 slots
	 * (until a window holds four pieces, copies may sit side by side).
	 */
	for (piece = 1; (piece + 1) * G_MAX <= dc->size; piece++) {
		uint64_t slot = piece % l.window_pieces;

		if (slot < (uint64_t)ceil(3 * dc->d) + 2)
			continue;
		stream_fill(s, a, (piece - 1) * G_MAX, G_MAX);
		stream_fill(s, b, piece * G_MAX, G_MAX);
		adjacent += !memcmp(a, b, G_MAX);
	}
	cr_assert(adjacent == 0, "%s: %" PRIu64 " pieces equal their neighbour",
		  what, adjacent);
	free(a);
	free(b);
	dgen_stream_free(s);
}

/*
 * A stream cut short, as by --time or "| head -c": any prefix of at least
 * W bytes holds d, so the ratio is there long before the whole stream has
 * been written (the first 128 MiB, the default window at d = 2, of a
 * stream of 8 GiB).
 */
Test(dedup, prefix_of_long_stream)
{
	struct dgen_stream_params p = test_params(8192 * MIB, 4096, 4096, 2.0,
						  1.0);
	struct dgen_stream *s;
	struct levels h;
	int L;

	s = stream_make(&p);
	cr_assert(stream_layout(s).dedup_window == 128 * MIB);
	p.size = 128 * MIB;	/* hash only the first 128 MiB */
	levels_build(&h, s, p.size);
	for (L = 0; L < LEVELS; L++) {
		double r = range_ratio(&h, L, 0, h.n[L]);

		cr_log_info("first 128 MiB of 8 GiB, d 2: g %u ratio %.5f",
			    SECTOR << L, r);
		cr_expect(within(r, 2.0, 0.01), "g %u: the first 128 MiB hold "
			  "%.5f", SECTOR << L, r);
	}
	levels_free(&h);
	dgen_stream_free(s);
}

struct shift_case {
	uint64_t size;
	uint32_t B, C;
	double d, c;
};

/*
 * Below B, at unaligned shifts: pieces are equal only where whole pieces
 * of G bytes were copied, so a multiple of G apart. An unaligned piece can
 * lie wholly inside the zero run between two sectors' random bytes (at
 * c >= 2 those runs reach 512 bytes); such pieces are the compressible
 * part itself, are counted apart and not compared (the sector rule is
 * about aligned sectors, which test_dedup's other tests hash).
 */
static struct shift_case shift_cases[] = {
	{ 128 * MIB, 4096, 4096, 1.0, 1.0 },
	{ 64 * MIB, 512, 512, 1.0, 1.0 },
	{ 64 * MIB, 4096, 512, 1.0, 4.0 },
	{ 64 * MIB, 4096, 4096, 1.0, 16.0 },
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
	uint64_t period, i, repeats = 0, zero_pieces = 0;
	unsigned int k;

	p.seed = 0xd1ce;
	s = stream_make(&p);
	l = stream_layout(s);
	period = l.dedup_exact_unit;
	stream_fill(s, buf, 0, sc->size);
	for (k = 0; k < sizeof(shifts) / sizeof(shifts[0]); k++) {
		uint64_t x;

		for (x = shifts[k]; x + len <= sc->size; x += len)
			if (buf[x] || memcmp(buf + x, buf + x + 1, len - 1))
				hvec_push(&v, hrec_of(buf + x, len, x));
			else
				zero_pieces++;
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
		    "%" PRIu64 " intended repeats, %" PRIu64 " inside zero runs",
		    sc->d, sc->B, sc->C, sc->c, v.n, repeats, zero_pieces);
	if (sc->d == 1.0)
		cr_assert(repeats == 0);
	hvec_free(&v);
	free(buf);
	dgen_stream_free(s);
}

/*
 * Content-defined chunking (a gear hash, as in FastCDC by Xia et al.,
 * USENIX ATC 2016) at average sizes 512 B to 64 KiB finds no duplicate in
 * a fully unique stream, compressible or not, among the chunks that hold
 * at least 16 random bytes. A chunk cut inside a zero run, or just after
 * its end (a zero run and one random byte), holds almost nothing random
 * and may equal another such chunk: those are the zero runs the compress
 * ratio asks for, counted apart (about 6 in 1000 at 512 B, c = 4).
 */
#define CDC_N		4

struct cdc {
	uint32_t bits;		/* average chunk 2^bits */
	uint64_t start;
	uint64_t zero;		/* chunks of fewer than 16 non-zero bytes */
	struct hvec v;
};

/* Fewer than 16 non-zero bytes: a cut inside or at the edge of a zero run. */
static int nearly_zero(const uint8_t *p, uint64_t n)
{
	uint64_t i, nz = 0;

	for (i = 0; i < n && nz < 16; i++)
		nz += p[i] != 0;
	return nz < 16;
}

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
				if (!nearly_zero(buf + c[k].start, clen))
					hvec_push(&c[k].v,
						  hrec_of(buf + c[k].start,
							  clen, c[k].start));
				else
					c[k].zero++;
				c[k].start = x + 1;
			}
		}
	}
}

Test(dedup, content_defined_chunking)
{
	static const double cs[] = { 1.0, 4.0 };
	const uint64_t S = 64 * MIB;
	uint8_t *buf = xmalloc(S);
	unsigned int j;

	for (j = 0; j < 2; j++) {
		struct dgen_stream_params p = test_params(S, 4096, 4096, 1.0,
							  cs[j]);
		struct dgen_stream *s;
		struct cdc c[CDC_N] = {
			{ .bits = 9 }, { .bits = 11 }, { .bits = 13 },
			{ .bits = 16 },
		};
		unsigned int k;

		p.seed = 0xcdc + j;
		s = stream_make(&p);
		stream_fill(s, buf, 0, S);
		cdc_run(buf, S, c, CDC_N);
		for (k = 0; k < CDC_N; k++) {
			size_t n = c[k].v.n, i, repeats = 0;
			uint64_t distinct = hrec_distinct(c[k].v.v, n, NULL);

			for (i = 1; i < n; i++)
				repeats += hrec_same(&c[k].v.v[i - 1],
						     &c[k].v.v[i]);
			cr_log_info("c %g CDC avg %6u: %zu chunks, %" PRIu64
				    " distinct, %" PRIu64 " nearly zero", cs[j],
				    1u << c[k].bits, n, distinct, c[k].zero);
			if (cs[j] == 1.0)
				cr_assert(c[k].zero == 0);
			cr_assert(repeats == 0, "c %g CDC avg %u: %zu chunks "
				  "repeat", cs[j], 1u << c[k].bits, repeats);
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
 * Streams of any size, down to the 50 d chunk limit, with the default
 * window: the whole-stream promise holds at every g with at least 50 d
 * whole chunks, also when S is no multiple of g (the partial last piece's
 * fresh blocks, layout.c).
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
	cr_log_info("S %" PRIu64 " B %u d %g: N %" PRIu64 " distinct %" PRIu64
		    " layout ratio %.5f exact to %u", S, sc->B, sc->d,
		    l.blocks, l.unique_blocks, l.dedup_ratio,
		    l.dedup_exact_unit);
	for (g = 512; g <= G_MAX && (double)(S / g) >= 50.0 * sc->d;
	     g *= 2) {
		uint64_t t, distinct;
		double ratio = ratio_at(buf, S, g, &t, &distinct);

		cr_log_info("S %" PRIu64 " B %u d %g g %7u: %6" PRIu64 " / %6"
			    PRIu64 " = %.5f (%+.3f%%)", S, sc->B, sc->d, g, t,
			    distinct, ratio, 100.0 * (ratio / sc->d - 1.0));
		cr_expect(fabs(ratio - sc->d) <= 0.01 * sc->d,
			  "S %" PRIu64 " B %u d %g g %u: %" PRIu64 " chunks, %"
			  PRIu64 " distinct, ratio %.5f is %+.3f%% from d "
			  "(layout N %" PRIu64 " distinct %" PRIu64 ")", S, sc->B,
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
		for (g = 512; g <= G_MAX && (double)(S / g) >= 50.0 * d; g *= 2) {
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
