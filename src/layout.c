// SPDX-License-Identifier: MIT
/*
 * layout.c - which distinct block each block carries, and how many random
 * bytes each sector keeps
 *
 * The rules are those of doc/data-contract.md (sections 2 and 3); the
 * shape is summed up in stream_impl.h.
 *
 * Dedup. Copies are whole pieces of G bytes, G the largest power of two
 * from B to 1 MiB of which the stream, and its window, hold at least 50 d:
 * then every aligned g <= G sees the same copies, so the ratio measured at
 * g is the ratio of pieces. Each window of Wp pieces holds Dp = round(Wp /
 * d) distinct ones, and its new pieces follow Bresenham's schedule, so any
 * prefix of p pieces already holds ceil(p Dp / Wp) distinct: the ratio is
 * there from the first window on (a prefix is off by at most one piece).
 * A repeat slot copies, in turn, one of the half window of pieces before
 * the newest (repeat_source), so copies are spread through the window,
 * never next to their source once the window holds four, and the pieces
 * get about the same number of copies.
 *
 * A stream that is not a multiple of G ends in a partial piece. Its whole
 * g-chunks (g < G) count at the smaller g only; were they all copies they
 * would push those ratios up, were they all new, down (by up to 1/(50 d)).
 * Its first F blocks are therefore fresh and the rest copies, with F
 * chosen to keep the whole stream's ratio nearest d at every promised g.
 *
 * Compression. Sector q of the distinct data keeps r(q) random bytes
 * (Bresenham over a fractional r), at its head when q is even and at its
 * tail when q is odd: the random bytes of sectors 2m + 1 and 2m + 2 touch,
 * so a compressor sees one literal run and one zero run per two sectors,
 * the fewest the sector rule allows, and every 4 KiB piece starts and ends
 * in random bytes. Each compressor then spends a nearly fixed number of
 * bytes per run on its framing (lz4 about 4.75 per sector, zstd at 4 KiB
 * about 3.75, zstd at 64 KiB about 1.3, measured by bench/calibrate.c), so
 * r is taken from a table calibrated to put lz4 and zstd-64K symmetrically
 * around c, and interpolated linearly in 512 / c between its rows.
 */
#include <math.h>

#include <dgen/stream.h>

#include "stream_impl.h"

#define PROMISE_CHUNKS	50.0	/* the ratio is promised from 50 d chunks */
#define MIB		(1ull << 20)

/*
 * (100 c, r): the random bytes per sector for ratio c, from
 * bench/calibrate.c (lz4 per 4 KiB, zstd -3 per 4 KiB and per 64 KiB).
 * r is in 1/2^32 bytes so the interpolation runs in integers and every
 * machine derives the same bytes.
 */
static const struct {
	uint32_t c100;
	uint64_t r;
} ratio_table[] = {
#define R(c, r)	{ c, (uint64_t)((r) * 4294967296.0) }
	R(100, 512.0),
	R(102, 498.0486), R(105, 483.5447), R(110, 461.6474),
	R(120, 422.8519), R(130, 389.8461), R(150, 337.5027),
	R(175, 288.7446), R(200, 252.4783), R(250, 201.1109),
	R(300, 167.1005), R(350, 142.8050), R(400, 124.8373),
	R(500, 99.0151), R(600, 81.8747), R(700, 69.7447),
	R(800, 61.0011), R(900, 53.7279), R(1000, 48.0616),
	R(1200, 39.6059), R(1400, 33.5375), R(1600, 29.0806),
	R(1800, 25.5261), R(2000, 22.6061),
#undef R
};

#define TABLE_ROWS	(sizeof(ratio_table) / sizeof(ratio_table[0]))

/* 512 / c in 32.32 fixed point, for a row of the table. */
static uint64_t row_target(unsigned int i)
{
	return (uint64_t)(((unsigned __int128)512 * 100 << 32) /
			  ratio_table[i].c100);
}

/* rho: the random bytes per sector for @c, in 32.32 fixed point. */
uint64_t dgen_sector_random(double c)
{
	uint64_t T, T0, T1, r0, r1;
	unsigned int i;

	if (c <= 1.0)
		return (uint64_t)DGEN_SECTOR_SIZE << 32;
	/* One IEEE division and an exact scaling: the same on every machine. */
	T = (uint64_t)__builtin_ldexp((double)DGEN_SECTOR_SIZE / c, 32);
	for (i = 1; i < TABLE_ROWS - 1 && row_target(i) > T; i++)
		;
	T0 = row_target(i - 1);
	T1 = row_target(i);
	r0 = ratio_table[i - 1].r;
	r1 = ratio_table[i].r;
	if (T <= T1)
		return r1;
	/* r0 + (T - T0) (r1 - r0) / (T1 - T0), with T1 < T <= T0, r1 < r0. */
	return r0 - (uint64_t)((unsigned __int128)(T0 - T) * (r0 - r1) /
			       (T0 - T1));
}

static uint64_t ceil_frac(uint64_t j, uint64_t num, uint64_t den)
{
	return (uint64_t)(((unsigned __int128)j * num + den - 1) / den);
}

struct tail_goal {
	uint64_t size;		/* S */
	uint64_t rem;		/* S mod G */
	uint64_t whole_distinct; /* distinct pieces among the whole ones */
	uint32_t unit;		/* B */
	uint32_t piece;		/* G */
	double d;
};

/* The largest relative whole-stream ratio error over the promised g. */
static double tail_error(const struct tail_goal *t, uint64_t F)
{
	double worst = 0.0;
	uint64_t g;

	for (g = DGEN_SECTOR_SIZE; g <= t->piece; g <<= 1) {
		uint64_t T = t->size / g, P = t->rem / g;
		uint64_t fresh = (F * t->unit + g - 1) / g;
		uint64_t D = t->whole_distinct * (t->piece / g) +
			     (fresh < P ? fresh : P);
		double err;

		if ((double)T < PROMISE_CHUNKS * t->d && g > DGEN_SECTOR_SIZE)
			continue;
		err = fabs((double)T / (double)D / t->d - 1.0);
		if (err > worst)
			worst = err;
	}
	return worst;
}

/* The default or asked window, in bytes, before rounding to pieces. */
uint64_t dgen_window_bytes(const struct dgen_stream_params *p)
{
	double units = floor((p->dedup_skew > 0.0 ? DGEN_SKEW_WINDOW_UNITS :
			      DGEN_DEDUP_WINDOW_UNITS) * p->dedup_ratio);

	if (p->dedup_window)
		return p->dedup_window;
	if (units > 0x1p42)	/* absurd d: keep W in range, the ratio holds */
		units = 0x1p42;
	return (uint64_t)units * MIB;
}

static void dedup_plan(struct dgen_stream *s)
{
	const struct dgen_stream_params *p = &s->p;
	const uint32_t B = p->dedup_unit;
	const double d = p->dedup_ratio;
	uint64_t W = dgen_window_bytes(p), span = W < p->size ? W : p->size;
	uint64_t G = DGEN_UNIT_MAX, k, rem, kp, n, all, whole_distinct;
	struct tail_goal goal;
	double best;
	uint64_t F;

	while (G > B && (double)(span / G) < PROMISE_CHUNKS * d)
		G >>= 1;
	k = G / B;
	s->piece_shift = (uint32_t)__builtin_ctzll(G);
	s->piece_blocks = (uint32_t)k;
	s->win_pieces = W / G ? W / G : 1;
	s->win_distinct = d == 1.0 ? s->win_pieces :
			  (uint64_t)llround((double)s->win_pieces / d);
	if (s->win_distinct < 1)
		s->win_distinct = 1;
	if (s->win_distinct > s->win_pieces)
		s->win_distinct = s->win_pieces;

	/*
	 * The last window holds the whole pieces left over; its distinct
	 * count is what brings the whole stream nearest d (whole windows
	 * already hold Wp / Dp), so a stream shorter than a window, or one
	 * window and a bit, still holds d to within half a piece.
	 */
	s->whole_pieces = p->size >> s->piece_shift;
	s->full_windows = s->whole_pieces / s->win_pieces;
	s->tail_pieces = s->whole_pieces % s->win_pieces;
	all = d == 1.0 ? s->whole_pieces :
	      (uint64_t)llround((double)s->whole_pieces / d);
	s->tail_distinct = all > s->full_windows * s->win_distinct ?
			   all - s->full_windows * s->win_distinct : 0;
	if (s->tail_pieces && s->tail_distinct < 1)
		s->tail_distinct = 1;
	if (s->tail_distinct > s->tail_pieces)
		s->tail_distinct = s->tail_pieces;

	rem = p->size & (G - 1);
	kp = (rem + B - 1) / B;
	n = s->tail_distinct;	/* distinct pieces before the partial one */
	whole_distinct = s->full_windows * s->win_distinct + n;
	goal = (struct tail_goal) {
		.size = p->size,
		.rem = rem,
		.whole_distinct = whole_distinct,
		.unit = B,
		.piece = (uint32_t)G,
		.d = d,
	};
	s->fresh = kp;
	if (rem && n && d != 1.0) {
		/* A partial piece with earlier pieces to copy: tune F. */
		best = INFINITY;
		for (F = 0; F <= kp; F++) {
			double err = tail_error(&goal, F);

			if (err < best) {
				best = err;
				s->fresh = F;
			}
		}
	}
	s->distinct = whole_distinct * k + (rem ? s->fresh : 0);
}

void dgen_layout_compute(struct dgen_stream *s)
{
	const struct dgen_stream_params *p = &s->p;
	uint32_t B = p->dedup_unit;

	s->unit_shift = (uint32_t)__builtin_ctz(B);
	s->blocks = (p->size + B - 1) >> s->unit_shift;
	dedup_plan(s);
	s->rho = dgen_sector_random(p->compress_ratio);
	s->compress_expect = s->rho == (uint64_t)DGEN_SECTOR_SIZE << 32 ?
			     1.0 : p->compress_ratio;
}

/*
 * The earlier distinct piece that repeat slot @j copies, n >= 1 pieces
 * being there: one of the up to L = ceil(Dp / 2) pieces before the newest,
 * picked by the golden-ratio sequence of the repeat's number (a plain
 * m mod L would keep hitting the same few as L grows). So a copy lies up
 * to half a window from its source, never next to it once n >= 4 (the
 * picks of two repeats differ by 0.618 of the span, more than one of its
 * L >= 3 parts), and the
 * pieces get similar numbers of copies (the first few of a window, which
 * serve its start, get more).
 */
static uint64_t repeat_source(uint64_t j, uint64_t n, uint64_t Dp)
{
	uint64_t avail = n - 1, span = (Dp + 1) / 2;

	uint64_t m = j - n;	/* repeats before slot j */

	if (!avail)
		return 0;
	if (span > avail)
		span = avail;
	/* m times the golden ratio, mod 1: the picks spread evenly. */
	return avail - span + (((m * 0x9e3779b97f4a7c15ull) >> 32) * span >> 32);
}

uint64_t dgen_layout_local(const uint32_t *slot, uint64_t j, uint64_t Wp,
			   uint64_t Dp)
{
	uint64_t n;

	if (slot)
		return slot[j];
	n = ceil_frac(j, Dp, Wp);
	return ceil_frac(j + 1, Dp, Wp) > n ? n : repeat_source(j, n, Dp);
}

/*
 * Dedup across targets (doc/data-contract.md section 7.3): row w (window
 * w of every target) holds T Dp distinct pieces, target t's new ones at
 * row base + t Dp + n on its own schedule. A repeat slot copies one of
 * the pieces every target has entered before it, excluding the newest:
 * up to half a window back, along the golden-ratio sequence of
 * (repeat number, target), so (T - 1) / T of the copies come from other
 * targets and the row's union holds T Dp distinct pieces, exactly d.
 */
static uint64_t scope_source(const struct dgen_stream *s, uint64_t t,
			     uint64_t j, uint64_t n, uint64_t Dp)
{
	const uint64_t T = s->p.scope_targets;
	uint64_t span = (Dp + 1) / 2, lo, pool, idx, h;

	if (span > (n > 1 ? n - 1 : 1))
		span = n > 1 ? n - 1 : 1;
	lo = n > 1 ? n - 1 - span : 0;
	pool = T * span;
	h = (((j - n) * T + t) * 0x9e3779b97f4a7c15ull) >> 32;
	idx = (uint64_t)(((unsigned __int128)h * pool) >> 32);
	return (idx % T) * Dp + lo + idx / T;
}

/*
 * Skewed copies in a domain: the skew table (the same in every target,
 * the domain sharing one key chain) names the local piece; the target it
 * is taken from is drawn along the golden-ratio sequence of (slot,
 * target). Every target enters local piece n at the same slot, so the
 * copy follows its source in every target, and each target's Zipf counts
 * spread over the T pieces of each rank.
 */
static uint64_t skew_target(const struct dgen_stream *s, uint64_t t,
			    uint64_t j)
{
	const uint64_t T = s->p.scope_targets;
	uint64_t h = ((j * T + t) * 0x9e3779b97f4a7c15ull) >> 32;

	return (uint64_t)(((unsigned __int128)h * T) >> 32);
}

uint64_t dgen_layout_domain_piece(const struct dgen_stream *s,
				  const uint32_t *slot, uint64_t t, uint64_t j,
				  uint64_t Wp, uint64_t Dp)
{
	uint64_t n = ceil_frac(j, Dp, Wp);

	if (ceil_frac(j + 1, Dp, Wp) > n)
		return t * Dp + n;
	if (slot)
		return skew_target(s, t, j) * Dp + slot[j];
	return scope_source(s, t, j, n, Dp);
}

double dgen_layout_cross(const struct dgen_stream *s)
{
	const uint64_t T = s->p.scope_targets;
	uint64_t copies = 0, cross = 0, t;

	for (unsigned int h = 0; h < 2 * T && T > 1; h++) {
		/* Each shape (whole windows, the last) of each target t. */
		uint64_t Wp = h & 1 ? s->tail_pieces : s->win_pieces;
		uint64_t Dp = h & 1 ? s->tail_distinct : s->win_distinct;
		uint64_t times = h & 1 ? !!s->tail_pieces : s->full_windows, j;
		const uint32_t *slot = s->shape[h & 1].slot;

		t = h / 2;
		for (j = 0; times && j < Wp; j++) {
			uint64_t n = ceil_frac(j, Dp, Wp);

			if (ceil_frac(j + 1, Dp, Wp) > n)
				continue;
			copies += times;
			cross += times * (dgen_layout_domain_piece(s, slot, t, j,
								   Wp, Dp) / Dp != t);
		}
	}
	return copies ? (double)cross / (double)copies : 0.0;
}

uint64_t dgen_block_run(const struct dgen_stream *s, uint64_t i, uint64_t *u)
{
	const uint64_t k = s->piece_blocks;
	const uint64_t T = s->p.scope_targets > 1 ? s->p.scope_targets : 1;
	uint64_t piece = i / k, b = i % k;
	uint64_t w = piece / s->win_pieces, j = piece % s->win_pieces;
	uint64_t base = w * T * s->win_distinct;
	uint64_t Wp = s->win_pieces, Dp = s->win_distinct, n, own;
	const uint32_t *slot = s->shape[0].slot;
	int is_new;

	if (w == s->full_windows && s->tail_pieces) {
		/* The last, shorter window has its own count. */
		Wp = s->tail_pieces;
		Dp = s->tail_distinct;
		slot = s->shape[1].slot;
	}
	own = T > 1 ? s->p.scope_index * Dp : 0;
	if (slot && piece != s->whole_pieces) {
		/* Skewed copies: the window's table (layout_v3.c). */
		*u = (base + (T > 1 ? dgen_layout_domain_piece(s, slot,
				s->p.scope_index, j, Wp, Dp) : slot[j])) * k + b;
		return k - b;
	}
	n = ceil_frac(j, Dp, Wp);
	is_new = ceil_frac(j + 1, Dp, Wp) > n;
	if (piece == s->whole_pieces) {
		/* The partial last piece: F fresh blocks, then copies. */
		if (b < s->fresh) {
			/* In a domain, after the row's T Dp whole pieces. */
			*u = (T > 1 && s->tail_pieces ?
			      base + T * Dp + s->p.scope_index : base + own + n) * k + b;
			return s->fresh - b;
		}
		is_new = 0;
	}
	if (is_new)
		*u = (base + own + n) * k + b;
	else if (T > 1 && piece != s->whole_pieces)
		*u = (base + scope_source(s, s->p.scope_index, j, n, Dp)) * k + b;
	else
		*u = (base + own + repeat_source(j, n, Dp)) * k + b;
	return k - b;
}

void dgen_stream_layout_get(const struct dgen_stream *s,
			    struct dgen_stream_layout *out)
{
	uint64_t sectors = s->distinct << s->unit_shift >> 9;
	uint64_t random = (uint64_t)(((unsigned __int128)sectors * s->rho) >> 32);

	*out = (struct dgen_stream_layout) {
		.blocks = s->blocks,
		.unique_blocks = s->distinct,
		.chunks = sectors,
		.zero_bytes = sectors * DGEN_SECTOR_SIZE - random,
		.dedup_exact_unit = 1u << s->piece_shift,
		.dedup_ratio = (double)s->blocks / (double)s->distinct,
		.compress_ratio = s->compress_expect,
		.kernel = s->kernel->name,
		.format_version = DGEN_STREAM_FORMAT_VERSION,
		.dedup_window = s->win_pieces << s->piece_shift,
		.window_pieces = s->win_pieces,
		.window_distinct = s->win_distinct,
		.sector_random = __builtin_ldexp((double)s->rho, -32),
		.mix_ratio = s->mix_count ? s->mix_expect : 0.0,
		.top1_share = s->top1,
		.mix_share_gap = s->mix_gap,
		.cross_share = dgen_layout_cross(s),
	};
	if (s->mix_count) {
		/* The mix's mean over its weights. */
		double r = 0.0;

		for (unsigned int i = 0; i < s->mix_count; i++)
			r += s->p.mix.weight[i] *
			     __builtin_ldexp((double)s->mix_rho[i], -32);
		out->compress_ratio = s->mix_expect;
		out->sector_random = r;
		out->zero_bytes = sectors * DGEN_SECTOR_SIZE -
				  (uint64_t)((double)sectors * r);
	}
	out->format_version = dgen_stream_params_format(&s->p);
}
