// SPDX-License-Identifier: MIT
/*
 * test_scope.c - dedup across targets (doc/data-contract.md section 7.3),
 * measured with real hashing
 *
 * T streams of one dedup domain (scope_targets T, scope_index 0 .. T - 1)
 * are generated whole and every aligned chunk of every power of two from
 * 512 B up to the piece G is hashed with XXH3-128 (a chunk of 2g from its
 * halves' hashes). Then:
 * - the ratio total / distinct over the union of the T streams is d within
 *   1%, over the whole union and over each row of windows (window w of
 *   every target together), at every g;
 * - at least 0.6 (1 - 1/T) of the copies (4 KiB blocks whose content
 *   occurred before, in row order: by slot, then by target) have their
 *   first occurrence in another target, and the layout's cross_share says
 *   the same within 1 point; with skewed copies too, and the share of
 *   the union's blocks held by its most used 1% of distinct blocks is the
 *   layout's top1_share within 1 point;
 * - each target alone is a stream like any other: any split of fills and
 *   every kernel give its bytes, and compare finds no difference.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "testutil.h"

#define SECTOR		512u
#define BLOCK		4096u

static int h128_cmp(const void *a, const void *b)
{
	return XXH128_cmp(a, b);
}

/* total / distinct of @n hashes (sorted in place). */
static double ratio_of(XXH128_hash_t *v, uint64_t n)
{
	uint64_t i, distinct = 1;

	qsort(v, n, sizeof(*v), h128_cmp);
	for (i = 1; i < n; i++)
		distinct += !XXH128_isEqual(v[i], v[i - 1]);
	return (double)n / (double)distinct;
}

struct hent {
	XXH128_hash_t h;
	uint64_t pos;			/* row order: slot T + target */
	uint32_t t;
};

static int u64_desc(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? 1 : a > b ? -1 : 0;
}

static int hent_cmp(const void *pa, const void *pb)
{
	const struct hent *a = pa, *b = pb;
	int c = XXH128_cmp(&a->h, &b->h);

	return c ? c : a->pos < b->pos ? -1 : a->pos > b->pos;
}

struct scope_case {
	unsigned int T;
	double d, skew;
};

static struct scope_case scope_cases[] = {
	{ 2, 2.0, 0 }, { 3, 2.0, 0 }, { 4, 4.0, 0 }, { 3, 3.0, 0 }, { 8, 2.0, 0 },
	{ 3, 4.0, 1.0 }, { 2, 2.0, 2.0 },
};

ParameterizedTestParameters(scope, union_rows_and_cross)
{
	return cr_make_param_array(struct scope_case, scope_cases,
				   sizeof(scope_cases) / sizeof(scope_cases[0]));
}

ParameterizedTest(struct scope_case *sc, scope, union_rows_and_cross)
{
	/* 2.5 windows and a partial piece: whole rows, a tail row, a tail. */
	const uint64_t W = 4 * MIB, S = 10 * MIB + 5 * BLOCK;
	const unsigned int T = sc->T;
	struct dgen_stream *s[8];
	struct dgen_stream_layout l;
	uint8_t *buf = xmalloc(S);
	XXH128_hash_t *h[8], *v;
	uint64_t n0 = S / SECTOR, g, L, i, rows, w;
	uint64_t copies = 0, cross = 0, *refs, nd = 0, top = 0;
	double top1 = 0.0;
	unsigned int t;

	for (t = 0; t < T; t++) {
		struct dgen_stream_params p = test_params(S, BLOCK, BLOCK, sc->d, 1.0);

		p.seed = 5;
		p.stream_id = 100 + t;
		p.dedup_window = W;
		p.scope_targets = T;
		p.scope_index = t;
		p.dedup_skew = sc->skew;
		s[t] = stream_make(&p);
		stream_fill(s[t], buf, 0, S);
		h[t] = xmalloc(n0 * sizeof(**h) * 2);
		for (i = 0; i < n0; i++)
			h[t][i] = XXH3_128bits(buf + i * SECTOR, SECTOR);
	}
	l = stream_layout(s[0]);
	cr_assert(l.format_version == 3 && l.dedup_window == W);
	v = xmalloc(T * n0 * sizeof(*v));
	for (g = SECTOR, L = 0; g <= l.dedup_exact_unit; g <<= 1, L++) {
		uint64_t n = S / g, per = W / g;
		double r;

		if (L) {	/* chunks of g from the halves, in place */
			for (t = 0; t < T; t++)
				for (i = 0; i < n; i++)
					h[t][i] = XXH3_128bits(&h[t][2 * i],
							       2 * sizeof(**h));
		}
		for (t = 0; t < T; t++)
			memcpy(v + t * n, h[t], n * sizeof(*v));
		r = ratio_of(v, T * n);
		cr_expect(fabs(r / sc->d - 1.0) <= 0.01,
			  "T %u d %g g %" PRIu64 ": the union holds %.5f", T, sc->d, g, r);
		rows = n / per;
		for (w = 0; w < rows; w++) {
			for (t = 0; t < T; t++)
				memcpy(v + t * per, h[t] + w * per, per * sizeof(*v));
			r = ratio_of(v, T * per);
			cr_expect(fabs(r / sc->d - 1.0) <= 0.01,
				  "T %u d %g g %" PRIu64 ": row %" PRIu64 " holds %.5f",
				  T, sc->d, g, w, r);
		}
		if (g == BLOCK) {
			/*
			 * Copies and their sources: in row order (slot, then
			 * target) a content's first occurrence is its source.
			 */
			struct hent *e = xmalloc(T * n * sizeof(*e));
			uint64_t m = 0, a;

			for (i = 0; i < n; i++)
				for (t = 0; t < T; t++, m++)
					e[m] = (struct hent) { h[t][i], m, t };
			qsort(e, m, sizeof(*e), hent_cmp);
			refs = xmalloc(m * sizeof(*refs));
			for (a = 0; a < m; a++) {
				uint64_t first = a;

				for (a++; a < m && XXH128_isEqual(e[a].h, e[first].h); a++) {
					copies++;
					cross += e[a].t != e[first].t;
				}
				refs[nd++] = a - first;
				a--;
			}
			free(e);
			/* The top 1% of the union's distinct blocks. */
			qsort(refs, nd, sizeof(*refs), u64_desc);
			for (i = 0; i < (nd / 100 ? nd / 100 : 1); i++)
				top += refs[i];
			top1 = (double)top / (double)m;
			free(refs);
		}
	}
	cr_assert(copies > 0);
	cr_log_info("T %u d %g: %" PRIu64 " copies, %.4f from another target (layout %.4f, floor %.4f)",
		    T, sc->d, copies, (double)cross / copies, l.cross_share,
		    0.6 * (1.0 - 1.0 / T));
	cr_expect((double)cross / copies >= 0.6 * (1.0 - 1.0 / T),
		  "T %u: %.4f of the copies come from another target", T,
		  (double)cross / copies);
	cr_expect(fabs((double)cross / copies - l.cross_share) <= 0.01,
		  "T %u: measured %.4f cross-target copies, the layout says %.4f",
		  T, (double)cross / copies, l.cross_share);
	cr_log_info("T %u d %g skew %g: top 1%% of the union's distinct blocks hold %.4f (layout %.4f)",
		    T, sc->d, sc->skew, top1, l.top1_share);
	cr_expect(fabs(top1 - l.top1_share) <= 0.01,
		  "T %u skew %g: top 1%% share measured %.4f, the layout says %.4f",
		  T, sc->skew, top1, l.top1_share);
	free(v);
	for (t = 0; t < T; t++) {
		free(h[t]);
		dgen_stream_free(s[t]);
	}
	free(buf);
}

/*
 * Each target of a domain alone: every kernel and any split give its
 * bytes, compare finds none different, and the domain's targets share no
 * stream with a stream outside it (another first id or seed).
 */
Test(scope, each_target_alone)
{
	const uint64_t S = 6 * MIB;
	uint8_t *a = xmalloc(S), *b = xmalloc(S);
	unsigned int t, k;
	const char *name;

	for (t = 0; t < 3; t++) {
		struct dgen_stream_params p = test_params(S, BLOCK, BLOCK, 3.0, 2.0);
		struct dgen_stream *g, *x;

		p.seed = 9;
		p.stream_id = 40 + t;
		p.dedup_window = 2 * MIB;
		p.scope_targets = 3;
		p.scope_index = t;
		p.dedup_scope = DGEN_DEDUP_SCOPE_RUN;
		p.kernel = "generic";
		g = stream_make(&p);
		stream_fill(g, a, 0, S);
		for (k = 0; (name = dgen_kernel_name(k)); k++) {
			uint64_t cut = (k + 1) * 777777 % S;

			p.kernel = name;
			x = stream_make(&p);
			stream_fill(x, b + cut, cut, S - cut);
			stream_fill(x, b, 0, cut);
			cr_assert(!memcmp(a, b, S), "target %u, kernel %s", t, name);
			cr_assert(dgen_stream_compare(x, a, 0, S, NULL, NULL) == 0);
			dgen_stream_free(x);
		}
		/* Another domain (first id 41) gives other bytes. */
		p.kernel = NULL;
		p.stream_id = 41 + t;
		x = stream_make(&p);
		cr_assert(dgen_stream_compare(x, a, 0, S, NULL, NULL) ==
			  (int64_t)(S / BLOCK), "target %u: a block shared with another domain", t);
		dgen_stream_free(x);
		dgen_stream_free(g);
	}
	free(a);
	free(b);
}

/* The refusals: an index outside the domain, or above the stream id. */
Test(scope, refusals)
{
	struct dgen_stream_params p = test_params(4 * MIB, BLOCK, BLOCK, 2.0, 1.0);
	char msg[256];

	p.stream_id = 10;
	p.scope_targets = 3;
	p.scope_index = 3;
	cr_expect(dgen_stream_params_check(&p, msg, sizeof(msg)) == -EINVAL && *msg);
	p.scope_index = 11;
	p.scope_targets = 12;
	cr_expect(dgen_stream_params_check(&p, msg, sizeof(msg)) == -EINVAL && *msg);
	p.scope_index = 1;
	cr_expect(dgen_stream_params_check(&p, msg, sizeof(msg)) == 0, "%s", msg);
}
