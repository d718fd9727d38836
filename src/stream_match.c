// SPDX-License-Identifier: MIT
/*
 * stream_match.c - redundancy between blocks, for streams that mimic a
 * sample (doc/data-contract.md section 7.4)
 *
 * Real data compresses better in 64 KiB than in 4 KiB pieces: its blocks
 * repeat strings of their neighbours. So, as zstd's own data generator
 * does, each 4 KiB of distinct bytes but the first of every 64 KiB copies
 * the match share of every sector's random bytes from the fresh random
 * bytes of a sector of one of the three 4 KiB before it, at an offset
 * drawn from the sector's address: zstd per 64 KiB finds the match, lz4
 * and zstd per 4 KiB do not. The copy takes the end of the sector's
 * random run and the source's fresh head, so every sector keeps at
 * least DGEN_MIN_RANDOM_BYTES of its own: no aligned sector repeats, and
 * only the asked dedup copies repeat whole sectors. A pure function of
 * the distinct address, so copies of a block carry the same matches.
 */
#include <math.h>
#include <string.h>

#include "stream_impl.h"

#define SUB	4096u			/* the pieces compressed alone */
#define SUBS_PER_CHUNK	16u		/* 64 KiB */
#define SECTORS_PER_SUB	(SUB / DGEN_SECTOR_SIZE)
#define TWEAK_MATCH	0xa54ff53a5f1d36f1ull
#define PIECE	(64u << 10)		/* base bytes laid at a time */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Random bytes of distinct sector @q (its run) at @rho, as stream.c lays them. */
static uint32_t sector_run(uint64_t rho, uint64_t q)
{
	if (rho == (uint64_t)DGEN_SECTOR_SIZE << 32)
		return DGEN_SECTOR_SIZE;
	return (uint32_t)(((unsigned __int128)(q + 1) * rho >> 32) -
			  ((unsigned __int128)q * rho >> 32));
}

/* The bytes of a run of @r that a copying sector copies (0: none). */
static uint32_t run_copied(const struct dgen_stream_params *p, uint32_t r)
{
	uint32_t b;

	if (r < 2 * DGEN_MIN_RANDOM_BYTES)
		return 0;
	b = (uint32_t)(p->match_share * r);
	return b > r - DGEN_MIN_RANDOM_BYTES ? r - DGEN_MIN_RANDOM_BYTES : b;
}

/* The bytes of sector @q's run that it copies (0: none). */
static uint32_t sector_copied(const struct dgen_stream *s, uint64_t q,
			      uint32_t r)
{
	if ((q / SECTORS_PER_SUB) % SUBS_PER_CHUNK == 0)
		return 0;
	return s->match_copied[r];
}

/*
 * Where sector @q (run @r, @b of it copied) takes its copy: the inner
 * end of its run (the sector rule's bytes are at the outer end).
 */
static uint32_t copy_start(uint64_t q, uint32_t r, uint32_t b)
{
	return q & 1 ? DGEN_SECTOR_SIZE - r : r - b;
}

/* Where the fresh (not copied) bytes of sector @q's run start. */
static uint32_t fresh_start(uint64_t q, uint32_t r, uint32_t b)
{
	return q & 1 ? DGEN_SECTOR_SIZE - r + b : 0;
}

/* AND @n bytes at distinct address @a, in @dst, with class @c's mask. */
static void entropy_mask(const struct dgen_stream *s, unsigned int c,
			 uint64_t a, uint8_t *dst, uint32_t n)
{
	dgen_mask_and(dst, (const uint8_t *)s->mix_mask[c],
		      (uint32_t)(a & (2 * DGEN_SECTOR_SIZE - 1)), n);
}

/*
 * The whole range in one pass: the bytes outside the random runs are
 * zeros, which the AND keeps zero, so masking them too lays the same
 * bytes as masking the runs alone, without a run lookup per sector.
 */
void dgen_entropy_mask(const struct dgen_stream *s, unsigned int c,
		       uint64_t a, uint8_t *dst, uint64_t n)
{
	const uint32_t most = 1u << 30;	/* entropy_mask counts in 32 bits */

	if (!s->mix_k[c])
		return;
	for (; n > most; n -= most, a += most, dst += most)
		entropy_mask(s, c, a, dst, most);
	entropy_mask(s, c, a, dst, (uint32_t)n);
}

/* The source 4 KiB of distinct 4 KiB @v, regenerated once per @v. */
struct match_src {
	uint64_t v;			/* UINT64_MAX: none yet */
	uint64_t h;
	uint64_t src;			/* the source 4 KiB */
	int filled;			/* buf holds it */
	/* Distinct bytes [a, a + n) already laid in the fill's buffer, at p. */
	const uint8_t *p;
	uint64_t a, n;
	uint64_t u;			/* its distinct block (sector 0's) */
	uint64_t rho;			/* and that block's rho */
	unsigned int cls;		/* and class (a mix) */
	/* The classes of the last blocks the pass narrowed, by u % 4: the
	   sources lie at most three 4 KiB back. */
	uint64_t seen_u[4];
	unsigned int seen_cls[4];
	_Alignas(64) uint8_t buf[SUB];
};

/* Class and rho of distinct block @u into @ms, from the seen ones if there. */
static void src_class(const struct dgen_stream *s, struct match_src *ms,
		      uint64_t u)
{
	ms->u = u;
	if (!s->mix_count) {
		ms->cls = 0;
		ms->rho = s->rho;
		return;
	}
	ms->cls = ms->seen_u[u & 3] == u ? ms->seen_cls[u & 3] :
		  dgen_block_class(s, u);
	ms->rho = s->mix_rho[ms->cls];
}

/*
 * The match of distinct sector @q (of a block at @rho): returns the
 * sector offset of its first copied byte and sets *@end past the last and
 * *@from to the bytes to copy there (in the fill's buffer when laid
 * already, else regenerated into @out at that offset).
 */
static uint32_t sector_match(const struct dgen_stream *s, uint64_t q,
			     uint64_t rho, struct match_src *ms, uint8_t *out,
			     const uint8_t **from, uint32_t *end)
{
	uint32_t r = sector_run(rho, q), b = sector_copied(s, q, r);
	uint64_t v = q / SECTORS_PER_SUB, back = v % SUBS_PER_CHUNK, src, h, su;
	uint64_t sa;
	uint32_t rs, fresh, at, first, t;

	*end = 0;
	if (!b)
		return 0;
	if (ms->v != v) {
		ms->v = v;
		ms->h = mix64(s->root ^ TWEAK_MATCH ^ mix64(v));
		/* h % min(back, 3), by constants: no divide per 4 KiB. */
		ms->src = v - 1 - (back >= 3 ? ms->h % 3 :
				   back == 2 ? ms->h % 2 : 0);
		ms->filled = 0;
		src_class(s, ms, ms->src * SUB >> s->unit_shift);
	}
	h = mix64(ms->h + q);
	t = (uint32_t)((q + (ms->h >> 8)) % SECTORS_PER_SUB);
	src = ms->src * SECTORS_PER_SUB + t;
	/* Blocks under 4 KiB: the source sector's own block and class. */
	su = src * DGEN_SECTOR_SIZE >> s->unit_shift;
	if (su != ms->u)
		src_class(s, ms, su);
	rs = sector_run(ms->rho, src);
	fresh = rs - sector_copied(s, src, rs);
	if (fresh < DGEN_MIN_RANDOM_BYTES)
		return 0;
	if (b > fresh)
		b = fresh;
	at = (uint32_t)(((h >> 32) * (fresh - b + 1)) >> 32) +
	     fresh_start(src, rs, rs - fresh);
	first = copy_start(q, r, b);
	sa = src * DGEN_SECTOR_SIZE + at;
	if (sa >= ms->a && sa + b <= ms->a + ms->n) {
		/* Laid already in this fill (fresh bytes no match changes). */
		*from = ms->p + (sa - ms->a);
	} else {
		*from = out + first;
		if (!ms->filled) {
			dgen_fill_distinct(s, ms->buf, ms->src * SUB, SUB);
			ms->filled = 1;
		}
		memcpy(out + first, ms->buf + t * DGEN_SECTOR_SIZE + at, b);
		/* The source as laid: narrowed where its class is (whole
		   lanes: @out has room past the sector for the last one). */
		if (s->mix_k_any && s->mix_k[ms->cls])
			entropy_mask(s, ms->cls, sa, out + first,
				     (b + 31) & ~31u);
	}
	*end = first + b;
	return first;
}

void dgen_match_apply(const struct dgen_stream *s, uint8_t *dst,
		      uint64_t offset, uint64_t len)
{
	const uint64_t B = s->p.dedup_unit, stop = offset + len;
	uint64_t o = offset & ~(uint64_t)(DGEN_SECTOR_SIZE - 1);
	uint64_t blk = UINT64_MAX, u = 0, rho = 0, laid = offset;
	_Alignas(64) uint8_t sec[DGEN_SECTOR_SIZE + 32];
	struct match_src ms;
	struct dgen_laid lb;

	ms.v = UINT64_MAX;
	ms.n = 0;
	memset(ms.seen_u, 0xff, sizeof(ms.seen_u));
	for (; o < stop; o += DGEN_SECTOR_SIZE) {
		uint64_t q, lo, hi, prev = u;
		const uint8_t *from;
		uint32_t first, end;

		if (o >> s->unit_shift != blk) {
			uint64_t from = o > offset ? o : offset;

			uint64_t to = ((blk = o >> s->unit_shift) + 1) <<
				      s->unit_shift;
			unsigned int c;

			/* The base bytes, narrowed (dgen_fill_base), up to the
			   block's end, a piece at a time, so the copies find
			   them in cache. */
			while (laid < (to < stop ? to : stop)) {
				uint64_t e = (laid & ~(uint64_t)(PIECE - 1)) + PIECE;

				e = e < stop ? e : stop;
				dgen_fill_base(s, dst + (laid - offset), laid,
					       e - laid, &lb);
				laid = e;
			}
			/* The fill noted the block's u and class. */
			u = lb.u[blk % DGEN_LAID_BLOCKS];
			c = lb.cls[blk % DGEN_LAID_BLOCKS];
			rho = s->mix_count ? s->mix_rho[c] : s->rho;
			ms.seen_u[u & 3] = u;
			ms.seen_cls[u & 3] = c;
			/* The laid distinct bytes: this block's, and the
			   run's before it while the blocks follow on. */
			if (!ms.n || u != prev + 1) {
				ms.p = dst + (from - offset);
				ms.a = u * B + (from & (B - 1));
				ms.n = 0;
			}
			ms.n = u * B + ((blk + 1) << s->unit_shift < stop ?
					B : stop - (blk << s->unit_shift)) - ms.a;
		}
		q = ((u * B) + (o & (B - 1))) / DGEN_SECTOR_SIZE;
		first = sector_match(s, q, rho, &ms, sec, &from, &end);
		if (end == 0)
			continue;
		lo = o + first > offset ? o + first : offset;
		hi = o + end < stop ? o + end : stop;
		if (lo < hi)
			memcpy(dst + (lo - offset), from + (lo - o - first),
			       hi - lo);
	}
}

/*
 * Entropy in bits per byte of bytes below 2^k with probability f, below
 * 2^(k + 1) otherwise: what zstd's entropy coder approaches.
 */
static double narrow_bits(unsigned int k, double f)
{
	double lo = ldexp(1.0, (int)k), p1 = f / lo + (1.0 - f) / (2.0 * lo);
	double p2 = (1.0 - f) / (2.0 * lo), h = 0.0;

	if (p1 > 0.0)
		h -= lo * p1 * log2(p1);
	if (p2 > 0.0)
		h -= lo * p2 * log2(p2);
	return h;
}

void dgen_entropy_setup(struct dgen_stream *s)
{
	const uint32_t pair = 2 * DGEN_SECTOR_SIZE;
	unsigned int i, n;

	for (n = 0; n <= DGEN_SECTOR_SIZE; n++)
		s->match_copied[n] = (uint16_t)run_copied(&s->p, n);
	for (i = 0; i < s->mix_count; i++) {
		double bits = s->p.mix.bits[i], lo = 0.0, hi = 1.0;
		unsigned int k, it, narrow;
		uint8_t *m = (uint8_t *)s->mix_mask[i];

		if (bits <= 0.0 || bits >= 8.0)
			continue;
		k = (unsigned int)floor(bits);
		if (k < 1)
			k = 1;
		for (it = 0; it < 40; it++) {
			double f = 0.5 * (lo + hi);

			if (narrow_bits(k, f) > bits)
				lo = f;
			else
				hi = f;
		}
		/* Narrow places spread over each 64 (37 is prime to 64). */
		narrow = (unsigned int)(lo * 64.0 + 0.5);
		for (n = 0; n < pair; n++)
			m[n] = (uint8_t)((n * 37 % 64 < narrow ? 1u : 2u) << k) - 1;
		memset(m, 0xff, DGEN_MIN_RANDOM_BYTES);
		memset(m + pair - DGEN_MIN_RANDOM_BYTES, 0xff,
		       DGEN_MIN_RANDOM_BYTES);
		memcpy(m + pair, m, 64);
		s->mix_k[i] = (uint8_t)k;
		s->mix_k_any = 1;
	}
}
