// SPDX-License-Identifier: MIT
/*
 * layout_v3.c - contract version 3's layout: the ratio each distinct block
 * takes in a compress mix, and the piece each slot of a window carries
 * when copies are skewed (doc/data-contract.md section 7)
 *
 * Every whole window of a stream has the same shape (Wp pieces, Dp of
 * them distinct) and the last, shorter one another, so each table is
 * built once per shape when the stream is made, from the parameters
 * alone, and read by fill and compare without locks.
 *
 * Skewed copies. Ranks r = 1 .. Dp get max(1, A r^-s) references, A
 * chosen (by bisection) so they sum to Wp, rounded by largest remainder:
 * a Zipf law of exponent s in which every piece is used at least once.
 * New pieces still enter on layout.c's Bresenham schedule, so every
 * prefix and window holds the ratio as before; only which earlier piece
 * a repeat slot copies changes. The m-th new piece enters at slot
 * t_m = floor(m Wp / Dp), and its copies must fall after it: the ranks
 * are dealt to the new pieces by shuffling bands of K ranks (K from Dp,
 * halved until it fits), and an order fits when, for every m, the copies
 * wanted by the pieces entering from t_m on fit in the repeat slots after
 * t_m (Hall's condition; the pieces' slot sets are nested, so suffixes
 * are the only sets to check). Hottest first always fits (the top m ranks
 * want at least m times the mean). Repeat slots are then dealt by earliest
 * target first, piece n's i-th copy aimed at t_n + i (Wp - t_n) / (c + 1),
 * which spreads each piece's copies evenly over the rest of its window;
 * under Hall's condition no repeat slot finds every entered piece spent.
 *
 * The counts take one libm call, pow(), whose result glibc gives within
 * 0.52 ulp (not always correctly rounded): a count changes only if
 * A r^-s falls within an ulp of a rounding edge, but a libm that rounds
 * differently there would make other bytes. Everything else here is
 * integer arithmetic or exact IEEE operations.
 *
 * Compress mix. The Dp k distinct blocks of a window shape are visited in
 * order and each takes the class furthest behind its quota (plus a drawn
 * jitter of up to one block, so the classes follow no pattern), weighing
 * a block by the references its piece gets in the window (copies carry
 * their source's ratio). So every window holds each ratio's share of all
 * its blocks, copies included, to within the weight of about two blocks,
 * however skewed the copies; and every piece alone holds the shares to
 * within two of its blocks, so a prefix of a window holds them too.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/stream.h>

#include "stream_impl.h"

/* Domain constants for the tables' pseudo-random draws (SHA-256's IV). */
#define TWEAK_RANKS	0x6a09e667bb67ae85ull
#define TWEAK_MIX	0x3c6ef372a54ff53aull

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The slot at which the m-th new piece of a Wp, Dp window enters. */
static uint64_t intro_slot(uint64_t m, uint64_t Wp, uint64_t Dp)
{
	return (uint64_t)((unsigned __int128)m * Wp / Dp);
}

/*
 * z[0 .. Dp): Zipf(s) reference counts, nonincreasing, each >= 1, summing
 * to Wp. @x and @order are scratch for Dp entries each.
 */
static int cmp_frac(const void *a, const void *b, void *arg)
{
	const double *frac_key = arg;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;

	if (frac_key[i] != frac_key[j])
		return frac_key[i] < frac_key[j] ? 1 : -1;
	return i < j ? -1 : 1;
}

static void zipf_counts(uint32_t *z, double *x, uint32_t *order, uint64_t Wp,
			uint64_t Dp, double s)
{
	double lo = 1.0, hi = (double)Wp, A = 1.0;
	uint64_t r, sum = 0, left;
	int it;

	for (r = 0; r < Dp; r++)
		x[r] = s > 0.0 ? pow((double)(r + 1), -s) : 1.0;
	for (it = 0; it < 80; it++) {
		double t = 0.0;

		A = 0.5 * (lo + hi);
		for (r = 0; r < Dp; r++)
			t += fmax(1.0, A * x[r]);
		if (t > (double)Wp)
			hi = A;
		else
			lo = A;
	}
	A = lo;
	for (r = 0; r < Dp; r++) {
		x[r] = fmax(1.0, A * x[r]);
		z[r] = (uint32_t)x[r];
		x[r] -= z[r];
		sum += z[r];
	}
	/* Largest remainder (ties to the higher rank): fewer than Dp left. */
	left = sum < Wp ? Wp - sum : 0;
	for (r = 0; r < Dp; r++)
		order[r] = (uint32_t)r;
	qsort_r(order, Dp, sizeof(*order), cmp_frac, x);
	for (r = 0; left; r = (r + 1) % Dp, left--)
		z[order[r]]++;
	/* Sorting keeps the ranks' counts nonincreasing after rounding. */
	for (r = 1; r < Dp; r++) {
		uint32_t v = z[r];
		uint64_t q = r;

		for (; q > 0 && z[q - 1] < v; q--)
			z[q] = z[q - 1];
		z[q] = v;
	}
}

/* Hall's condition for copies wanted by new piece m, @want[m]. */
static int order_fits(const uint32_t *want, uint64_t Wp, uint64_t Dp)
{
	uint64_t m, sum = 0;

	for (m = Dp; m-- > 0;) {
		uint64_t t = intro_slot(m, Wp, Dp);

		sum += want[m];
		if (sum > (Wp - 1 - t) - (Dp - 1 - m))
			return 0;
	}
	return 1;
}

/* A binary min-heap of (target slot << 32 | piece). */
static void heap_push(uint64_t *h, uint64_t *n, uint64_t v)
{
	uint64_t i = (*n)++;

	for (; i && h[(i - 1) / 2] > v; i = (i - 1) / 2)
		h[i] = h[(i - 1) / 2];
	h[i] = v;
}

static uint64_t heap_pop(uint64_t *h, uint64_t *n)
{
	uint64_t top = h[0], v = h[--*n], i = 0;

	for (;;) {
		uint64_t c = 2 * i + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1] < h[c])
			c++;
		if (h[c] >= v)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = v;
	return top;
}

static uint64_t copy_target(uint64_t t, uint64_t i, uint64_t c, uint64_t Wp)
{
	return t + i * (Wp - t) / (c + 1);
}

/* Deal repeat slots to entered pieces, earliest target first. */
static void deal_copies(uint32_t *slot, const uint32_t *want, uint32_t *used,
			uint64_t *heap, uint64_t Wp, uint64_t Dp)
{
	uint64_t j, m = 0, hn = 0;

	for (j = 0; j < Wp; j++) {
		uint64_t n;

		if (m < Dp && j == intro_slot(m, Wp, Dp)) {
			n = m++;
			if (want[n])
				heap_push(heap, &hn, copy_target(j, 1, want[n], Wp)
					  << 32 | n);
		} else if (hn) {
			uint64_t t;

			n = heap_pop(heap, &hn) & 0xffffffffu;
			t = intro_slot(n, Wp, Dp);
			if (++used[n] < want[n])
				heap_push(heap, &hn, copy_target(t, used[n] + 1,
								 want[n], Wp) << 32 | n);
		} else {
			n = 0;	/* unreachable under Hall's condition */
		}
		slot[j] = (uint32_t)n;
	}
}

/* The skew table of shape @sh: slot j's local piece. */
static int skew_shape(struct dgen_stream *s, struct dgen_shape *sh,
		      uint64_t tag)
{
	const uint64_t Wp = sh->pieces, Dp = sh->distinct;
	uint32_t *z = calloc(Dp, sizeof(*z)), *want = calloc(Dp, sizeof(*want));
	uint32_t *used = calloc(Dp, sizeof(*used));
	double *x = calloc(Dp, sizeof(*x));
	uint64_t *heap = calloc(Dp, sizeof(*heap));
	uint64_t K, b, r;
	int err = -ENOMEM;

	sh->slot = calloc(Wp, sizeof(*sh->slot));
	if (!z || !want || !used || !x || !heap || !sh->slot)
		goto out;
	zipf_counts(z, x, used, Wp, Dp, s->p.dedup_skew);
	memset(used, 0, Dp * sizeof(*used));
	for (K = Dp; ; K /= 2) {
		uint64_t rng = s->root ^ TWEAK_RANKS ^ tag ^ K;

		/* Ranks dealt to new pieces: bands of K shuffled. */
		for (r = 0; r < Dp; r++)
			want[r] = z[r] - 1;
		for (b = 0; K > 1 && b < Dp; b += K) {
			uint64_t len = Dp - b < K ? Dp - b : K, i;

			for (i = len - 1; i > 0; i--) {
				uint64_t q = splitmix64(&rng) % (i + 1);
				uint32_t v = want[b + i];

				want[b + i] = want[b + q];
				want[b + q] = v;
			}
		}
		if (K <= 1 || order_fits(want, Wp, Dp))
			break;
	}
	deal_copies(sh->slot, want, used, heap, Wp, Dp);
	err = 0;
out:
	free(z);
	free(want);
	free(used);
	free(x);
	free(heap);
	return err;
}

/* The weights of the mix in 1/2^32, summing to 2^32 exactly. */
static void mix_quotas(const struct dgen_compress_mix *m, uint64_t *q)
{
	double sum = 0.0;
	uint64_t total = 0;
	unsigned int i, top = 0;

	for (i = 0; i < m->count; i++)
		sum += m->weight[i];
	for (i = 0; i < m->count; i++) {
		q[i] = (uint64_t)__builtin_ldexp(m->weight[i] / sum, 32);
		total += q[i];
		if (m->weight[i] > m->weight[top])
			top = i;
	}
	q[top] += (1ull << 32) - total;
}

/*
 * In a dedup domain the table serves every target's pieces, weighed by
 * the domain's references; each target's windows are then off by what
 * their own references make of it: the largest gap, over the targets.
 */
static int domain_gap(struct dgen_stream *s, const struct dgen_shape *sh,
		      const uint64_t *q)
{
	const uint64_t Wp = sh->pieces, Dp = sh->distinct, k = s->piece_blocks;
	const unsigned int nc = s->mix_count;
	uint32_t *cnt = calloc(Dp * nc, sizeof(*cnt));
	uint32_t *refs = calloc(Dp, sizeof(*refs));
	uint64_t t, j, n;
	unsigned int c;

	if (!cnt || !refs) {
		free(cnt);
		free(refs);
		return -ENOMEM;
	}
	for (n = 0; n < Dp * k; n++)
		cnt[n / k * nc + sh->cls[n]]++;
	for (t = 0; t < s->p.scope_targets; t++) {
		memset(refs, 0, Dp * sizeof(*refs));
		for (j = 0; j < Wp; j++)
			refs[dgen_layout_domain_piece(s, sh->slot, t, j, Wp,
						      Dp) % Dp]++;
		for (c = 0; c < nc; c++) {
			uint64_t held = 0;
			double gap;

			for (n = 0; n < Dp; n++)
				held += (uint64_t)refs[n] * cnt[n * nc + c];
			gap = fabs((double)held / (double)(Wp * k) -
				   __builtin_ldexp((double)q[c], -32));
			if (gap > s->mix_gap)
				s->mix_gap = gap;
		}
	}
	free(cnt);
	free(refs);
	return 0;
}

/* The class table of shape @sh: each block the class furthest behind. */
static int mix_shape(struct dgen_stream *s, struct dgen_shape *sh,
		     uint64_t tag)
{
	const uint64_t Wp = sh->pieces, Dp = sh->distinct, k = s->piece_blocks;
	const uint64_t M = Dp * k;
	const uint64_t T = s->p.scope_targets > 1 ? s->p.scope_targets : 1;
	const unsigned int nc = s->mix_count;
	uint64_t q[DGEN_COMPRESS_MIX_MAX], acc[DGEN_COMPRESS_MIX_MAX] = { 0 };
	uint32_t *refs = calloc(Dp, sizeof(*refs));
	uint64_t rng = s->root ^ TWEAK_MIX ^ tag;
	uint64_t j, t, idx, cum = 0;

	sh->cls = malloc(M);
	if (!refs || !sh->cls) {
		free(refs);
		return -ENOMEM;
	}
	mix_quotas(&s->p.mix, q);
	if (T > 1) {
		/* A domain: every target's references to local piece n. */
		for (t = 0; t < T; t++)
			for (j = 0; j < Wp; j++)
				refs[dgen_layout_domain_piece(s, sh->slot, t,
							      j, Wp, Dp) % Dp]++;
	} else {
		for (j = 0; j < Wp; j++)
			refs[dgen_layout_local(sh->slot, j, Wp, Dp)]++;
	}
	for (idx = 0; idx < M; idx++) {
		uint64_t wt = refs[idx / k], r = 0;
		__int128 best_def = 0;
		unsigned int i, best = 0;

		for (i = 0; i < nc; i++) {
			__int128 def;

			/* Behind by up to one block more, drawn: no pattern. */
			r = i & 1 ? r >> 32 : splitmix64(&rng);
			def = (__int128)q[i] * (cum + wt) -
			      ((__int128)acc[i] << 32) +
			      (__int128)(wt * (r & 0xffffffffu));
			if (!i || def > best_def) {
				best_def = def;
				best = i;
			}
		}
		sh->cls[idx] = (uint8_t)best;
		acc[best] += wt;
		cum += wt;
	}
	free(refs);
	if (T > 1)
		return domain_gap(s, sh, q);
	for (t = 0; t < nc; t++) {
		double gap = fabs((double)acc[t] / (double)cum -
				  __builtin_ldexp((double)q[t], -32));

		if (gap > s->mix_gap)
			s->mix_gap = gap;
	}
	return 0;
}

unsigned int dgen_block_class(const struct dgen_stream *s, uint64_t u)
{
	const uint64_t k = s->piece_blocks;
	/* A row of windows holds T Dp pieces, T Dt in the last (layout.c). */
	const uint64_t T = s->p.scope_targets > 1 ? s->p.scope_targets : 1;
	const uint64_t row = T * s->win_distinct;
	uint64_t pd = u / k, b = u % k, w = pd / row;
	uint64_t n = pd - w * row, x, acc = 0;
	const struct dgen_compress_mix *m = &s->p.mix;
	unsigned int i;

	if (w < s->full_windows)
		return s->shape[0].cls[n % s->win_distinct * k + b];
	n = pd - s->full_windows * row;
	if (s->shape[1].cls && n < T * s->shape[1].distinct)
		return s->shape[1].cls[n % s->shape[1].distinct * k + b];
	/*
	 * The fresh blocks of a partial last piece (less than one piece of
	 * the stream): the golden-ratio sequence of u against the weights.
	 */
	x = (u * 0x9e3779b97f4a7c15ull) >> 32;
	for (i = 0; i + 1 < m->count; i++) {
		acc += (uint64_t)__builtin_ldexp(m->weight[i], 32);
		if (x < acc)
			break;
	}
	return i;
}

static int cmp_desc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * Sorted reference counts of the pieces of shape @sh (in a domain, of
 * the row: its T targets' pieces from all its targets' slots), or NULL.
 */
static uint32_t *shape_refs(const struct dgen_stream *s,
			    const struct dgen_shape *sh, uint64_t T)
{
	uint32_t *refs = calloc(T * sh->distinct + 1, sizeof(*refs));
	uint64_t j, t;

	if (!refs)
		return NULL;
	for (t = 0; t < T; t++)
		for (j = 0; j < sh->pieces; j++)
			refs[T > 1 ? dgen_layout_domain_piece(s, sh->slot, t, j,
							      sh->pieces, sh->distinct) :
			     dgen_layout_local(sh->slot, j, sh->pieces,
					       sh->distinct)]++;
	qsort(refs, T * sh->distinct, sizeof(*refs), cmp_desc);
	return refs;
}

/*
 * The share of all blocks held by the most referenced 1% (at least one)
 * of the distinct blocks: the whole windows' pieces (full_windows of each
 * count) and the last window's, merged from the top. The partial last
 * piece, under one piece, is left out.
 */
static int top1_share(struct dgen_stream *s)
{
	const uint64_t k = s->piece_blocks;
	const uint64_t T = s->p.scope_targets > 1 ? s->p.scope_targets : 1;
	uint32_t *r0 = shape_refs(s, &s->shape[0], T);
	uint32_t *r1 = s->shape[1].pieces ? shape_refs(s, &s->shape[1], T) : NULL;
	const uint64_t d0 = T * s->shape[0].distinct, d1 = T * s->shape[1].distinct;
	uint64_t i0 = 0, i1 = 0, take = T * s->distinct / 100, held = 0;

	if (!r0 || (s->shape[1].pieces && !r1)) {
		free(r0);
		free(r1);
		return -ENOMEM;
	}
	if (!take)
		take = 1;
	while (take) {
		int from0 = s->full_windows && i0 < d0 &&
			    (!r1 || i1 >= d1 || r0[i0] >= r1[i1]);
		uint64_t n, refs;

		if (!from0 && (!r1 || i1 >= d1))
			break;
		n = from0 ? s->full_windows * k : k;
		refs = from0 ? r0[i0++] : r1[i1++];
		if (n > take)
			n = take;
		held += n * refs;
		take -= n;
	}
	s->top1 = (double)held / (double)(T * s->blocks);
	free(r0);
	free(r1);
	return 0;
}

int dgen_layout_v3(struct dgen_stream *s)
{
	const struct dgen_stream_params *p = &s->p;
	unsigned int h, i;
	int err;

	if (dgen_stream_params_format(p) != DGEN_STREAM_FORMAT_V3)
		return 0;
	s->shape[0].pieces = s->win_pieces;
	s->shape[0].distinct = s->win_distinct;
	s->shape[1].pieces = s->tail_pieces;
	s->shape[1].distinct = s->tail_pieces ? s->tail_distinct : 0;
	for (h = 0; h < 2; h++) {
		if (!s->shape[h].pieces)
			continue;
		if (p->dedup_skew > 0.0 && (err = skew_shape(s, &s->shape[h], h)))
			return err;
	}
	if (p->mix.count) {
		double inv = 0.0;

		s->mix_count = p->mix.count;
		for (i = 0; i < p->mix.count; i++) {
			/* Ratio 0: all-zero blocks, as compressible as none. */
			if (p->mix.ratio[i] == 0.0) {
				s->mix_rho[i] = 0;
				continue;
			}
			s->mix_rho[i] = dgen_sector_random(p->mix.ratio[i]);
			inv += p->mix.weight[i] /
			       (s->mix_rho[i] == (uint64_t)DGEN_SECTOR_SIZE << 32 ?
				1.0 : p->mix.ratio[i]);
		}
		s->mix_expect = 1.0 / inv;
		for (h = 0; h < 2; h++)
			if (s->shape[h].pieces &&
			    (err = mix_shape(s, &s->shape[h], h)))
				return err;
	}
	return top1_share(s);
}

void dgen_layout_v3_free(struct dgen_stream *s)
{
	unsigned int h;

	for (h = 0; h < 2; h++) {
		free(s->shape[h].slot);
		free(s->shape[h].cls);
	}
}
