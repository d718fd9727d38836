/* SPDX-License-Identifier: MIT */
/*
 * prng.h - the definition of a unique block's random bytes
 *
 * This file is the byte contract the kernels implement; change it and every
 * stream ever written changes (and DGEN_STREAM_FORMAT_VERSION with it).
 * (doc/data-contract.md section 4.)
 *
 * A unique block u of stream (seed, id) is keyed by two 64-bit words
 * (k0, k1), derived with a chain of murmur3 finalizers (fmix64), a strong
 * bijective mix: for one (seed, id), u -> k0 is a bijection, and seeds or
 * streams that differ by one give unrelated chains (no base + index seeding).
 *
 * The block's random bytes R[0 .. B) are 64-byte rows of eight 64-bit lanes,
 * stored little-endian. Rows come in segments of 16 (1 KiB). Lane l of
 * segment j starts from
 *
 *	s = fmix64((k0 + (8j + l) * DGEN_LANE_STEP) ^ k1)
 *
 * and its word in row r (0..15) of the segment is
 *
 *	v = s + r * DGEN_ROW_STEP;	out = v ^ rotl64(v, 23)
 *
 * Why this shape: any row is reachable in O(1) (a Weyl step), so a fill may
 * start at any byte without replaying the block; the per-lane fmix64 makes
 * every 1 KiB segment a fresh 512-bit state, so no two segments of any
 * blocks, streams or seeds share a lane sequence; and the row step costs one
 * add, one rotate and one xor per 64 bytes in AVX-512, which is what lets
 * generation run near memset speed (bench/RESULTS.md). The rotate-xor hides
 * the Weyl carries' regular low bits from entropy coders.
 */
#ifndef DGEN_PRNG_H
#define DGEN_PRNG_H

#include <stdint.h>
#include <string.h>

#define DGEN_LANES		8u
#define DGEN_ROW_BYTES		64u
#define DGEN_SEGMENT_ROWS	16u
#define DGEN_SEGMENT_BYTES	(DGEN_ROW_BYTES * DGEN_SEGMENT_ROWS)
#define DGEN_ROT		23
#define DGEN_SECTOR		512u

/* The golden-ratio Weyl constant (2^64 / phi) spaces the lanes' inputs. */
#define DGEN_LANE_STEP		0x9e3779b97f4a7c15ull
/* An odd constant from SplitMix64's finalizer, the rows' Weyl step. */
#define DGEN_ROW_STEP		0xbf58476d1ce4e5b9ull
/* murmur3 fmix64 multipliers (Appleby). */
#define DGEN_FMIX_M1		0xff51afd7ed558ccdull
#define DGEN_FMIX_M2		0xc4ceb9fe1a85ec53ull
/* Domain-separation constants: the first words of SHA-512's IV. */
#define DGEN_TWEAK_SEED		0x6a09e667f3bcc908ull
#define DGEN_TWEAK_STREAM	0xbb67ae8584caa73bull
#define DGEN_TWEAK_UNIQUE	0x3c6ef372fe94f82bull
#define DGEN_TWEAK_K1		0xa54ff53a5f1d36f1ull
#define DGEN_TWEAK_PASS		0x510e527fade682d1ull

struct dgen_block_key {
	uint64_t k0;
	uint64_t k1;
};

static inline uint64_t dgen_fmix64(uint64_t x)
{
	x ^= x >> 33;
	x *= DGEN_FMIX_M1;
	x ^= x >> 33;
	x *= DGEN_FMIX_M2;
	x ^= x >> 33;
	return x;
}

static inline uint64_t dgen_rotl64(uint64_t x, unsigned int r)
{
	return (x << r) | (x >> (64 - r));
}

/* The per-stream part of the key chain, computed once per stream. */
static inline uint64_t dgen_stream_root(uint64_t seed, uint64_t stream_id)
{
	uint64_t a = dgen_fmix64(seed ^ DGEN_TWEAK_SEED);

	return dgen_fmix64(a ^ dgen_fmix64(stream_id ^ DGEN_TWEAK_STREAM));
}

static inline void dgen_block_key_derive(struct dgen_block_key *k,
					 uint64_t root, uint64_t unique)
{
	k->k0 = dgen_fmix64(root ^ dgen_fmix64(unique ^ DGEN_TWEAK_UNIQUE));
	k->k1 = dgen_fmix64(k->k0 ^ DGEN_TWEAK_K1);
}

/* The lane state s of lane @lane in segment @seg. */
static inline uint64_t dgen_lane_seed(const struct dgen_block_key *k,
				      uint64_t seg, unsigned int lane)
{
	return dgen_fmix64((k->k0 + (seg * DGEN_LANES + lane) * DGEN_LANE_STEP)
			   ^ k->k1);
}

/* l * DGEN_LANE_STEP for the eight lanes, for the SIMD kernels' loads. */
static const uint64_t dgen_lane_offsets[DGEN_LANES] __attribute__((aligned(64))) = {
	0 * DGEN_LANE_STEP, 1 * DGEN_LANE_STEP, 2 * DGEN_LANE_STEP,
	3 * DGEN_LANE_STEP, 4 * DGEN_LANE_STEP, 5 * DGEN_LANE_STEP,
	6 * DGEN_LANE_STEP, 7 * DGEN_LANE_STEP,
};

static inline uint64_t dgen_word_out(uint64_t v)
{
	return v ^ dgen_rotl64(v, DGEN_ROT);
}

static inline void dgen_store_le64(uint8_t *p, uint64_t v)
{
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, 8);
}

/*
 * dgen_fill_fn - write bytes [pos, pos + len) of the block keyed by @k to
 * @dst: zero below @zero_end, R[x] from there on. pos + len <=
 * DGEN_UNIT_MAX; @dst has no alignment requirement.
 */
typedef void (*dgen_fill_fn)(uint8_t *dst, const struct dgen_block_key *k,
			     uint32_t pos, uint32_t len, uint32_t zero_end);

/*
 * dgen_fill_blocks_fn - the fast path for block-aligned incompressible
 * ranges: write @count whole blocks of @unit bytes (a multiple of
 * DGEN_SEGMENT_BYTES) carrying distinct blocks @u, @u + 1, ... of the
 * stream whose key root is @root. One call for many blocks lets a kernel
 * derive the next block's key and seed its first segment while the current
 * block's stores drain.
 */
typedef void (*dgen_fill_blocks_fn)(uint8_t *dst, uint64_t root, uint64_t u,
				    uint64_t count, uint32_t unit);

/*
 * The random bytes a sector keeps (doc/data-contract.md section 3): sector
 * q of the distinct data keeps r = floor((q + 1) rho / 2^32) -
 * floor(q rho / 2^32) bytes of R, rho in 32.32 fixed point, at its head
 * [0, r) when q is even and at its tail [512 - r, 512) when q is odd; the
 * rest of the sector is zero. dgen_sector_next advances the fraction
 * frac = q rho mod 2^32 to the next sector and returns r(q).
 */
static inline uint32_t dgen_sector_next(uint64_t *frac, uint64_t rho)
{
	uint64_t t = *frac + rho;

	*frac = t & 0xffffffffu;
	return (uint32_t)(t >> 32);
}

/*
 * dgen_fill_sectors_fn - write @count whole 512-byte sectors of the block
 * keyed by @k, starting at block position @pos (a multiple of 512), to
 * @dst: the first is distinct sector q with frac = q rho mod 2^32 and
 * odd = q & 1, the others follow.
 */
typedef void (*dgen_fill_sectors_fn)(uint8_t *dst,
				     const struct dgen_block_key *k,
				     uint32_t pos, uint32_t count,
				     uint64_t frac, uint64_t rho,
				     unsigned int odd);

/*
 * dgen_fill_sector_blocks_fn - the fast path for whole compressible
 * blocks: @count blocks of @unit bytes (a multiple of DGEN_SEGMENT_BYTES)
 * carrying distinct blocks @u, @u + 1, ... of the stream whose key root is
 * @root; the first sector is distinct sector q = u unit / 512 (even) with
 * frac = q rho mod 2^32.
 */
typedef void (*dgen_fill_sector_blocks_fn)(uint8_t *dst, uint64_t root,
					   uint64_t u, uint64_t count,
					   uint32_t unit, uint64_t frac,
					   uint64_t rho);

#endif /* DGEN_PRNG_H */
