// SPDX-License-Identifier: MIT
/*
 * kernel_avx512.c - the generation kernel for AVX-512 (eight lanes, one row
 * per vector)
 *
 * AVX-512DQ multiplies 64-bit lanes directly and AVX-512F rotates in one
 * instruction, so a row costs one add, one rotate and one xor.
 */
#include <immintrin.h>

#include "../kernel.h"
#include "kernels.h"

#define ATTRIBUTES	__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl")))
#define FUNCNAME	dgen_fill_avx512
#define FUNCNAME_ROWS	fill_rows_avx512
#define FUNCNAME_BLOCKS	dgen_fill_blocks_avx512
#define FUNCNAME_SECTORS	dgen_fill_sectors_avx512
#define FUNCNAME_SECTOR_BLOCKS	dgen_fill_sector_blocks_avx512
#define FUNCNAME_SECTOR_BLOCKS_MASKED	dgen_fill_sector_blocks_masked_avx512
#define VEC		__m512i
#define VEC_LANES	8

static ATTRIBUTES inline __m512i vset1(uint64_t x)
{
	return _mm512_set1_epi64((long long)x);
}

static ATTRIBUTES inline __m512i vloadu(const void *p)
{
	return _mm512_loadu_si512(p);
}

static ATTRIBUTES inline void vstoreu(void *p, __m512i v)
{
	_mm512_storeu_si512(p, v);
}

static ATTRIBUTES inline __m512i vadd(__m512i a, __m512i b)
{
	return _mm512_add_epi64(a, b);
}

static ATTRIBUTES inline __m512i vxor(__m512i a, __m512i b)
{
	return _mm512_xor_si512(a, b);
}

static ATTRIBUTES inline __m512i vand(__m512i a, __m512i b)
{
	return _mm512_and_si512(a, b);
}

static ATTRIBUTES inline __m512i vsrl33(__m512i a)
{
	return _mm512_srli_epi64(a, 33);
}

static ATTRIBUTES inline __m512i vrol(__m512i a)
{
	return _mm512_rol_epi64(a, DGEN_ROT);
}

static ATTRIBUTES inline __m512i vmullo(__m512i a, uint64_t c)
{
	return _mm512_mullo_epi64(a, vset1(c));
}

/*
 * Partial rows (the head of a chunk's random part, the tail of its zero
 * prefix) with masked stores: libc memcpy()/memset() calls here were the
 * first touch of an uncached line and dominated compressible fills of
 * large buffers. n < 64.
 */
static ATTRIBUTES inline void vcopy_short(uint8_t *dst, const uint8_t *src,
					  uint32_t n)
{
	__mmask64 m = (1ull << n) - 1;

	_mm512_mask_storeu_epi8(dst, m, _mm512_maskz_loadu_epi8(m, src));
}

static ATTRIBUTES inline void vzero_short(uint8_t *dst, uint32_t n)
{
	_mm512_mask_storeu_epi8(dst, (1ull << n) - 1, _mm512_setzero_si512());
}

/*
 * A row of random bytes [a, b), zeros elsewhere, in one store (a < b,
 * 0 <= a, b <= 64).
 */
#define VROW_MASKED	1
static ATTRIBUTES inline void vstore_row_masked(uint8_t *d, const __m512i *v,
						uint32_t a, uint32_t b)
{
	__mmask64 m = (b == 64 ? ~0ull : (1ull << b) - 1) & ~((1ull << a) - 1);

	_mm512_storeu_si512(d, _mm512_maskz_mov_epi8(m, v[0]));
}

#include "kernel_template.h"
