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
#define TWEAK_ENTROPY	0x510e527f9b05688cull

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Random bytes of distinct sector @q (its run), as stream.c lays them. */
static uint32_t sector_run(const struct dgen_stream *s, uint64_t q)
{
	uint64_t u = q * DGEN_SECTOR_SIZE >> s->unit_shift;
	uint64_t rho = dgen_block_rho(s, u);

	if (rho == (uint64_t)DGEN_SECTOR_SIZE << 32)
		return DGEN_SECTOR_SIZE;
	return (uint32_t)(((unsigned __int128)(q + 1) * rho >> 32) -
			  ((unsigned __int128)q * rho >> 32));
}

/* The bytes of sector @q's run that it copies (0: none). */
static uint32_t sector_copied(const struct dgen_stream *s, uint64_t q,
			      uint32_t r)
{
	uint32_t b;

	if ((q / SECTORS_PER_SUB) % SUBS_PER_CHUNK == 0 ||
	    r < 2 * DGEN_MIN_RANDOM_BYTES)
		return 0;
	b = (uint32_t)(s->p.match_share * r);
	return b > r - DGEN_MIN_RANDOM_BYTES ? r - DGEN_MIN_RANDOM_BYTES : b;
}

/* Start of the random run of sector @q within it. */
static uint32_t run_start(uint64_t q, uint32_t r)
{
	return q & 1 ? DGEN_SECTOR_SIZE - r : 0;
}

/*
 * The copied bytes of distinct sector @q into @out (its whole 512 bytes
 * as laid): returns the first and sets *@end past the last copied byte.
 */
static uint32_t sector_match(const struct dgen_stream *s, uint64_t q,
			     uint8_t *out, uint32_t *end)
{
	uint32_t r = sector_run(s, q), b = sector_copied(s, q, r);
	uint64_t h = mix64(s->root ^ TWEAK_MATCH ^ mix64(q)), v = q / SECTORS_PER_SUB;
	uint64_t back = v % SUBS_PER_CHUNK, src, su;
	uint32_t rs, fresh, at, first;
	_Alignas(64) uint8_t tmp[DGEN_SECTOR_SIZE];

	*end = 0;
	if (!b)
		return 0;
	if (back > 3)
		back = 3;
	src = (v - 1 - h % back) * SECTORS_PER_SUB + (h >> 8) % SECTORS_PER_SUB;
	rs = sector_run(s, src);
	fresh = rs - sector_copied(s, src, rs);
	if (fresh < DGEN_MIN_RANDOM_BYTES)
		return 0;
	if (b > fresh)
		b = fresh;
	at = (uint32_t)((h >> 16) % (fresh - b + 1));
	su = src * DGEN_SECTOR_SIZE >> s->unit_shift;
	dgen_fill_base_sector(s, tmp, su,
			      (uint32_t)((src * DGEN_SECTOR_SIZE) &
					 (s->p.dedup_unit - 1)));
	first = run_start(q, r) + r - b;
	memcpy(out + first, tmp + run_start(src, rs) + at, b);
	*end = first + b;
	return first;
}

void dgen_match_apply(const struct dgen_stream *s, uint8_t *dst,
		      uint64_t offset, uint64_t len)
{
	const uint64_t B = s->p.dedup_unit, stop = offset + len;
	uint64_t o = offset & ~(uint64_t)(DGEN_SECTOR_SIZE - 1);
	_Alignas(64) uint8_t sec[DGEN_SECTOR_SIZE];

	for (; o < stop; o += DGEN_SECTOR_SIZE) {
		uint64_t u, q, lo, hi;
		uint32_t first, end;

		dgen_block_run(s, o >> s->unit_shift, &u);
		q = ((u * B) + (o & (B - 1))) / DGEN_SECTOR_SIZE;
		first = sector_match(s, q, sec, &end);
		if (end == 0)
			continue;
		lo = o + first > offset ? o + first : offset;
		hi = o + end < stop ? o + end : stop;
		if (lo < hi)
			memcpy(dst + (lo - offset), sec + (lo - o), hi - lo);
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
	unsigned int i;

	for (i = 0; i < s->mix_count; i++) {
		double bits = s->p.mix.bits[i], lo = 0.0, hi = 1.0;
		unsigned int k, it;

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
		s->mix_k[i] = (uint8_t)k;
		s->mix_t[i] = (uint32_t)(lo * 256.0 + 0.5);
		s->mix_k_any = 1;
	}
}

void dgen_entropy_sector(const struct dgen_stream *s, uint64_t q,
			 uint8_t *dst, uint32_t lo, uint32_t hi)
{
	uint64_t u = q * DGEN_SECTOR_SIZE >> s->unit_shift, x;
	unsigned int c;
	uint32_t r, a, b, j;
	uint8_t m0, m1;

	if (!s->mix_k_any)
		return;
	c = dgen_block_class(s, u);
	if (!s->mix_k[c])
		return;
	r = sector_run(s, q);
	if (r <= DGEN_MIN_RANDOM_BYTES)
		return;
	/* The run less its first DGEN_MIN_RANDOM_BYTES, which stay whole. */
	a = run_start(q, r) + DGEN_MIN_RANDOM_BYTES;
	b = run_start(q, r) + r;
	m0 = (uint8_t)((1u << s->mix_k[c]) - 1);
	m1 = (uint8_t)((2u << s->mix_k[c]) - 1);
	x = mix64(s->root ^ TWEAK_ENTROPY ^ mix64(q)) | 1;
	for (j = 0; j < b; j += 8) {
		unsigned int n;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		for (n = 0; n < 8 && j + n < b; n++) {
			uint32_t at = j + n;

			if (at < a || at < lo || at >= hi)
				continue;
			dst[at - lo] &= ((x >> (8 * n)) & 0xff) < s->mix_t[c] ?
					m0 : m1;
		}
	}
}

void dgen_entropy_apply(const struct dgen_stream *s, uint8_t *dst,
			uint64_t offset, uint64_t len)
{
	const uint64_t B = s->p.dedup_unit, stop = offset + len;
	uint64_t o = offset & ~(uint64_t)(DGEN_SECTOR_SIZE - 1);

	for (; o < stop; o += DGEN_SECTOR_SIZE) {
		uint64_t u, q, lo = o > offset ? o : offset;
		uint64_t hi = o + DGEN_SECTOR_SIZE < stop ? o + DGEN_SECTOR_SIZE : stop;

		dgen_block_run(s, o >> s->unit_shift, &u);
		q = ((u * B) + (o & (B - 1))) / DGEN_SECTOR_SIZE;
		dgen_entropy_sector(s, q, dst + (lo - offset),
				    (uint32_t)(lo - o), (uint32_t)(hi - o));
	}
}
