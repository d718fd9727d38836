// SPDX-License-Identifier: MIT
/*
 * test_skew.c - skewed copies (doc/data-contract.md section 7.2), measured
 * with real hashing
 *
 * As test_dedup.c: every aligned 512-byte sector is hashed with XXH3-128
 * and each chunk of 2g bytes is the hash of its halves' hashes, so every
 * power of two from 512 B to 1 MiB is counted. For d in {2, 4} and Zipf
 * exponents 0.5 to 3 (with and without a compress mix):
 * - total / distinct is d within 1% over the whole stream and every
 *   window, within 2% over the prefixes of W and 1.5 W, at every g up to
 *   the piece G;
 * - the references of a window's distinct pieces, sorted, follow
 *   A r^-s wherever that is above 1, every piece is used at least once;
 * - the share of all blocks held by the most referenced 1% of distinct
 *   blocks, counted from the hashes, is the layout's within 1 point;
 * - at d = 4, s = 1 and the default window it is at least 20%.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>

#include "testutil.h"

#define PIECE		(8 * MIB)
#define SECTOR		512u
#define LEVELS		12		/* 512 B .. 1 MiB */

struct levels {
	XXH128_hash_t *lv[LEVELS];
	uint64_t n[LEVELS];
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
		for (i = 0; i + SECTOR <= n; i += SECTOR)
			h->lv[0][(off + i) / SECTOR] = XXH3_128bits(buf + i, SECTOR);
	}
	for (L = 1; L < LEVELS; L++)
		for (i = 0; i < h->n[L]; i++)
			h->lv[L][i] = XXH3_128bits(&h->lv[L - 1][2 * i],
						   2 * sizeof(XXH128_hash_t));
	free(buf);
}

static void levels_free(struct levels *h)
{
	for (int L = 0; L < LEVELS; L++)
		free(h->lv[L]);
}

static int h128_cmp(const void *a, const void *b)
{
	return XXH128_cmp(a, b);
}

/*
 * The copies of each distinct chunk among chunks [first, first + count)
 * of level @L, most used first, into @refs (count entries); returns the
 * number of distinct chunks.
 */
static uint64_t range_refs(const struct levels *h, int L, uint64_t first,
			   uint64_t count, uint64_t *refs)
{
	XXH128_hash_t *v = xmalloc(count * sizeof(*v));
	uint64_t i, n = 0;

	memcpy(v, h->lv[L] + first, count * sizeof(*v));
	qsort(v, count, sizeof(*v), h128_cmp);
	for (i = 0; i < count; i++) {
		if (i && XXH128_isEqual(v[i], v[i - 1]))
			refs[n - 1]++;
		else
			refs[n++] = 1;
	}
	free(v);
	for (i = 1; i < n; i++) {		/* insertion sort, descending */
		uint64_t x = refs[i], j = i;

		for (; j && refs[j - 1] < x; j--)
			refs[j] = refs[j - 1];
		refs[j] = x;
	}
	return n;
}

static double range_ratio(const struct levels *h, int L, uint64_t first,
			  uint64_t count)
{
	uint64_t *refs = xmalloc(count * sizeof(*refs));
	uint64_t n = range_refs(h, L, first, count, refs);

	free(refs);
	return (double)count / (double)n;
}

static int within(double got, double want, double tol)
{
	return fabs(got / want - 1.0) <= tol;
}

/* Section 2 on stream @s at every g up to G; returns the ratios checked. */
static unsigned int check_dedup(const struct dgen_stream *s,
				const struct levels *h, const char *what)
{
	const struct dgen_stream_params *p = dgen_stream_params_get(s);
	struct dgen_stream_layout l = stream_layout(s);
	const uint64_t W = l.dedup_window;
	const double d = p->dedup_ratio;
	unsigned int checked = 0;
	int L;

	for (L = 0; L < LEVELS; L++) {
		uint64_t g = (uint64_t)SECTOR << L, per = W / g, w;
		double r;

		if (g > l.dedup_exact_unit)
			break;
		r = range_ratio(h, L, 0, h->n[L]);
		cr_expect(within(r, d, 0.01), "%s: g %" PRIu64 ": whole stream %.5f (d %g)",
			  what, g, r, d);
		for (w = 0; (w + 1) * per <= h->n[L]; w++) {
			r = range_ratio(h, L, w * per, per);
			cr_expect(within(r, d, 0.01), "%s: g %" PRIu64 ": window %" PRIu64 " holds %.5f (d %g)",
				  what, g, w, r, d);
			checked++;
		}
		if (per + per / 2 <= h->n[L]) {
			double r1 = range_ratio(h, L, 0, per);
			double r15 = range_ratio(h, L, 0, per + per / 2);

			cr_expect(within(r1, d, 0.02) && within(r15, d, 0.02),
				  "%s: g %" PRIu64 ": prefixes W and 1.5 W hold %.5f and %.5f (d %g)",
				  what, g, r1, r15, d);
			checked += 2;
		}
		checked++;
	}
	return checked;
}

/* The measured top 1% share at the dedup unit (level @L), whole stream. */
static double top1_measured(const struct levels *h, int L)
{
	uint64_t *refs = xmalloc(h->n[L] * sizeof(*refs));
	uint64_t n = range_refs(h, L, 0, h->n[L], refs), take = n / 100, i;
	uint64_t held = 0;

	if (!take)
		take = 1;
	for (i = 0; i < take; i++)
		held += refs[i];
	free(refs);
	return (double)held / (double)h->n[L];
}

/*
 * Window 0's pieces (level of G), sorted by use, against A r^-s with A
 * the top piece's count: within 1.5 references or 5% where A r^-s > 1.5,
 * and at least one each.
 */
static void check_zipf(const struct levels *h, const struct dgen_stream_layout *l,
		       double s, const char *what)
{
	const int L = __builtin_ctz(l->dedup_exact_unit) - 9;
	uint64_t *refs = xmalloc(l->window_pieces * sizeof(*refs));
	uint64_t n = range_refs(h, L, 0, l->window_pieces, refs), r;
	const double A = (double)refs[0];

	cr_expect(n == l->window_distinct, "%s: window 0 holds %" PRIu64 " distinct pieces, the layout %" PRIu64,
		  what, n, l->window_distinct);
	for (r = 0; r < n; r++) {
		double want = A * pow((double)(r + 1), -s);

		if (want <= 1.5)
			break;
		cr_expect(fabs((double)refs[r] - want) <= fmax(1.5, 0.05 * want),
			  "%s: rank %" PRIu64 " has %" PRIu64 " references, Zipf(%g) from the top's %g says %.2f",
			  what, r + 1, refs[r], s, A, want);
	}
	cr_expect(refs[n - 1] >= 1);
	free(refs);
}

struct skew_case {
	double d, s;
	int mixed;
};

static struct skew_case skew_cases[] = {
	{ 2.0, 0.5, 0 }, { 2.0, 1.0, 0 }, { 2.0, 2.0, 1 }, { 2.0, 3.0, 0 },
	{ 4.0, 0.5, 1 }, { 4.0, 1.0, 0 }, { 4.0, 1.0, 1 }, { 4.0, 2.0, 0 },
	{ 4.0, 3.0, 0 }, { 1.5, 1.0, 0 },
};

ParameterizedTestParameters(skew, windows_and_zipf)
{
	return cr_make_param_array(struct skew_case, skew_cases,
				   sizeof(skew_cases) / sizeof(skew_cases[0]));
}

/*
 * 64 MiB and a few bytes in windows of 16 MiB: whole windows, a shorter
 * last one and a partial last piece.
 */
ParameterizedTest(struct skew_case *sc, skew, windows_and_zipf)
{
	struct dgen_stream_params p = test_params(64 * MIB + 3 * MIB + 12345,
						  4096, 4096, sc->d, 1.0);
	struct dgen_stream_layout l;
	struct dgen_stream *s;
	struct levels h;
	char what[96], msg[256];
	double top;

	p.dedup_skew = sc->s;
	p.dedup_window = 16 * MIB;
	p.seed = 7;
	if (sc->mixed)
		cr_assert(dgen_compress_mix_parse(&p.mix, "1:0.3,2:0.4,6:0.3", msg,
						  sizeof(msg)) == 0);
	s = stream_make(&p);
	l = stream_layout(s);
	snprintf(what, sizeof(what), "d %g skew %g%s", sc->d, sc->s,
		 sc->mixed ? " mixed" : "");
	cr_assert(l.format_version == 3 && l.dedup_window == 16 * MIB);
	levels_build(&h, s, p.size);
	cr_assert(check_dedup(s, &h, what) > 10);
	check_zipf(&h, &l, sc->s, what);
	top = top1_measured(&h, 3);
	cr_log_info("%s: G %u, %" PRIu64 " pieces per window (%" PRIu64 " distinct), top 1%% share %.4f measured, %.4f printed",
		    what, l.dedup_exact_unit, l.window_pieces, l.window_distinct,
		    top, l.top1_share);
	cr_expect(fabs(top - l.top1_share) <= 0.01,
		  "%s: top 1%% share measured %.4f, the layout says %.4f", what,
		  top, l.top1_share);
	levels_free(&h);
	dgen_stream_free(s);
}

/*
 * d = 4, s = 1 with the default window (256 d MiB: 256 distinct 1 MiB
 * pieces): the most referenced 1% hold at least 20% of the blocks, as
 * printed, and dedup holds at 4 KiB and 1 MiB.
 */
Test(skew, top1_default_window)
{
	struct dgen_stream_params p = test_params(1024 * MIB, 4096, 4096, 4.0, 1.0);
	struct dgen_stream_layout l;
	struct dgen_stream *s;
	struct levels h;
	double top;

	p.dedup_skew = 1.0;
	p.seed = 11;
	s = stream_make(&p);
	l = stream_layout(s);
	cr_assert(l.dedup_window == 1024 * MIB && l.dedup_exact_unit == MIB,
		  "window %" PRIu64 ", G %u", l.dedup_window, l.dedup_exact_unit);
	levels_build(&h, s, p.size);
	top = top1_measured(&h, 3);
	cr_log_info("d 4 skew 1, default window: top 1%% share %.4f measured, %.4f printed",
		    top, l.top1_share);
	cr_expect(top >= 0.20 && fabs(top - l.top1_share) <= 0.01,
		  "top 1%% share measured %.4f, printed %.4f", top, l.top1_share);
	cr_expect(within(range_ratio(&h, 3, 0, h.n[3]), 4.0, 0.01));
	cr_expect(within(range_ratio(&h, 11, 0, h.n[11]), 4.0, 0.01));
	check_zipf(&h, &l, 1.0, "default window");
	levels_free(&h);
	dgen_stream_free(s);
}
