// SPDX-License-Identifier: MIT
/*
 * kernel_generic.c - the portable generation kernel, the reference
 *
 * Straight from the definition in prng.h, one 64-byte row at a time. The
 * SIMD kernels in x86/ must produce exactly these bytes.
 */
#include <string.h>

#include "kernel.h"

void dgen_fill_generic(uint8_t *dst, const struct dgen_block_key *k,
		       uint32_t pos, uint32_t len, uint32_t zero_end)
{
	uint32_t end = pos + len;
	uint32_t row;
	uint64_t seg = UINT64_MAX;
	uint64_t s[DGEN_LANES] = { 0 };	/* set per segment; quiets -O3 */

	if (zero_end > pos) {
		uint32_t n = zero_end < end ? zero_end - pos : len;

		memset(dst, 0, n);
		dst += n;
		pos += n;
	}
	row = pos / DGEN_ROW_BYTES;

	while (pos < end) {
		uint8_t buf[DGEN_ROW_BYTES];
		uint32_t row_start = row * DGEN_ROW_BYTES;
		uint32_t from = pos - row_start;
		uint32_t to = end - row_start < DGEN_ROW_BYTES ?
			      end - row_start : DGEN_ROW_BYTES;
		uint64_t r = row % DGEN_SEGMENT_ROWS;
		unsigned int l;

		if (row / DGEN_SEGMENT_ROWS != seg) {
			seg = row / DGEN_SEGMENT_ROWS;
			for (l = 0; l < DGEN_LANES; l++)
				s[l] = dgen_lane_seed(k, seg, l);
		}
		for (l = 0; l < DGEN_LANES; l++)
			dgen_store_le64(buf + 8 * l,
					dgen_word_out(s[l] + r * DGEN_ROW_STEP));
		memcpy(dst, buf + from, to - from);
		dst += to - from;
		pos += to - from;
		row++;
	}
}

void dgen_fill_blocks_generic(uint8_t *dst, uint64_t root, uint64_t u,
			      uint64_t count, uint32_t unit)
{
	struct dgen_block_key key;

	for (; count; count--, u++, dst += unit) {
		dgen_block_key_derive(&key, root, u);
		dgen_fill_generic(dst, &key, 0, unit, 0);
	}
}

void dgen_fill_sectors_generic(uint8_t *dst, const struct dgen_block_key *k,
			       uint32_t pos, uint32_t count, uint64_t frac,
			       uint64_t rho, unsigned int odd)
{
	for (; count; count--, odd ^= 1, pos += DGEN_SECTOR,
	     dst += DGEN_SECTOR) {
		uint32_t r = dgen_sector_next(&frac, rho);
		uint32_t lo = odd ? DGEN_SECTOR - r : 0;

		memset(dst, 0, DGEN_SECTOR);
		dgen_fill_generic(dst + lo, k, pos + lo, r, 0);
	}
}

void dgen_fill_sector_blocks_generic(uint8_t *dst, uint64_t root, uint64_t u,
				     uint64_t count, uint32_t unit,
				     uint64_t frac, uint64_t rho)
{
	const uint32_t per_block = unit / DGEN_SECTOR;
	struct dgen_block_key key;
	uint32_t k;

	for (; count; count--, u++, dst += unit) {
		dgen_block_key_derive(&key, root, u);
		dgen_fill_sectors_generic(dst, &key, 0, per_block, frac, rho, 0);
		for (k = 0; k < per_block; k++)
			dgen_sector_next(&frac, rho);
	}
}

typedef uint64_t lane64 __attribute__((vector_size(64)));

/*
 * AND @n bytes at @dst with @mask's from byte @at on, the mask's period
 * being one sector pair. Whole 64-byte lanes (the compiler's vector
 * extension, any ISA; the clones only widen them); @mask holds its first
 * 64 bytes again past its end, for the loads that wrap.
 */
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void dgen_mask_and(uint8_t *dst, const uint8_t *mask, uint32_t at, uint32_t n)
{
	const uint32_t pair = 2 * DGEN_SECTOR;
	uint32_t j = 0;

	for (; j + 64 <= n; j += 64, at = (at + 64) & (pair - 1)) {
		lane64 w, k;

		memcpy(&w, dst + j, 64);
		memcpy(&k, mask + at, 64);
		w &= k;
		memcpy(dst + j, &w, 64);
	}
	for (; j < n; j++, at = (at + 1) & (pair - 1))
		dst[j] &= mask[at];
}

/* The definition itself: the bytes as laid, then the AND. */
void dgen_fill_sector_blocks_masked_generic(uint8_t *dst, uint64_t root,
					    uint64_t u, uint64_t count,
					    uint32_t unit, uint64_t frac,
					    uint64_t rho, const uint8_t *mask)
{
	uint32_t k;

	/* A block at a time, ANDed while it is still in L1. */
	for (; count; count--, u++, dst += unit) {
		dgen_fill_sector_blocks_generic(dst, root, u, 1, unit, frac, rho);
		for (k = 0; k < unit / DGEN_SECTOR; k++)
			dgen_sector_next(&frac, rho);
		dgen_mask_and(dst, mask, 0, unit);
	}
}
