/* SPDX-License-Identifier: MIT */
/*
 * kernel.h - generation kernels and their run-time selection
 */
#ifndef DGEN_KERNEL_H
#define DGEN_KERNEL_H

#include "prng.h"

/*
 * dgen_fill_sector_blocks_masked_fn - dgen_fill_sector_blocks_fn with
 * every byte then ANDed with @mask[x mod DGEN_SEGMENT_BYTES], x its
 * position in its block: the narrowing of a mix class with bits
 * (stream_match.c, contract 7.4), whose mask has a period of one sector
 * pair, laid in the same stores instead of in a second pass. @unit is a
 * multiple of DGEN_SEGMENT_BYTES, so every block starts a period.
 */
typedef void (*dgen_fill_sector_blocks_masked_fn)(uint8_t *dst,
						  uint64_t root, uint64_t u,
						  uint64_t count, uint32_t unit,
						  uint64_t frac, uint64_t rho,
						  const uint8_t *mask);

struct dgen_kernel {
	const char *name;
	dgen_fill_fn fill;
	dgen_fill_blocks_fn fill_blocks;
	dgen_fill_sectors_fn fill_sectors;
	dgen_fill_sector_blocks_fn fill_sector_blocks;
	dgen_fill_sector_blocks_masked_fn fill_sector_blocks_masked;
};

/* The portable reference kernel; every other kernel equals it byte for byte. */
void dgen_fill_generic(uint8_t *dst, const struct dgen_block_key *k,
		       uint32_t pos, uint32_t len, uint32_t zero_end);

void dgen_fill_blocks_generic(uint8_t *dst, uint64_t root, uint64_t u,
			      uint64_t count, uint32_t unit);

void dgen_fill_sectors_generic(uint8_t *dst, const struct dgen_block_key *k,
			       uint32_t pos, uint32_t count, uint64_t frac,
			       uint64_t rho, unsigned int odd);

void dgen_fill_sector_blocks_generic(uint8_t *dst, uint64_t root, uint64_t u,
				     uint64_t count, uint32_t unit,
				     uint64_t frac, uint64_t rho);

void dgen_fill_sector_blocks_masked_generic(uint8_t *dst, uint64_t root,
					    uint64_t u, uint64_t count,
					    uint32_t unit, uint64_t frac,
					    uint64_t rho, const uint8_t *mask);

/*
 * dgen_mask_and - AND @n bytes at @dst with @mask (one sector pair, its
 * first 64 bytes again past its end) from byte @at of it on: the
 * narrowing's own pass, and the generic masked kernel's.
 */
void dgen_mask_and(uint8_t *dst, const uint8_t *mask, uint32_t at, uint32_t n);

/*
 * dgen_kernel_find - the kernel named @name (NULL: the best one) if this CPU
 * runs it and DGEN_DISABLE_CPU_FEATURES does not hide it; NULL otherwise.
 */
const struct dgen_kernel *dgen_kernel_find(const char *name);

#endif /* DGEN_KERNEL_H */
