/* SPDX-License-Identifier: MIT */
/*
 * kernels.h - the x86 kernel entry points (see kernel_template.h)
 */
#ifndef DGEN_X86_KERNELS_H
#define DGEN_X86_KERNELS_H

#include "../prng.h"

void dgen_fill_avx2(uint8_t *dst, const struct dgen_block_key *k,
		    uint32_t pos, uint32_t len, uint32_t zero_end);
void dgen_fill_avx512(uint8_t *dst, const struct dgen_block_key *k,
		      uint32_t pos, uint32_t len, uint32_t zero_end);

void dgen_fill_blocks_avx2(uint8_t *dst, uint64_t root, uint64_t u,
			   uint64_t count, uint32_t unit);
void dgen_fill_blocks_avx512(uint8_t *dst, uint64_t root, uint64_t u,
			     uint64_t count, uint32_t unit);

void dgen_fill_sectors_avx2(uint8_t *dst, const struct dgen_block_key *k,
			    uint32_t pos, uint32_t count, uint64_t frac,
			    uint64_t rho, unsigned int odd);
void dgen_fill_sectors_avx512(uint8_t *dst, const struct dgen_block_key *k,
			      uint32_t pos, uint32_t count, uint64_t frac,
			      uint64_t rho, unsigned int odd);

void dgen_fill_sector_blocks_avx2(uint8_t *dst, uint64_t root, uint64_t u,
				  uint64_t count, uint32_t unit, uint64_t frac,
				  uint64_t rho);
void dgen_fill_sector_blocks_avx512(uint8_t *dst, uint64_t root, uint64_t u,
				    uint64_t count, uint32_t unit,
				    uint64_t frac, uint64_t rho);

void dgen_fill_sector_blocks_masked_avx2(uint8_t *dst, uint64_t root,
					 uint64_t u, uint64_t count,
					 uint32_t unit, uint64_t frac,
					 uint64_t rho, const uint8_t *mask);
void dgen_fill_sector_blocks_masked_avx512(uint8_t *dst, uint64_t root,
					   uint64_t u, uint64_t count,
					   uint32_t unit, uint64_t frac,
					   uint64_t rho, const uint8_t *mask);

#endif /* DGEN_X86_KERNELS_H */
