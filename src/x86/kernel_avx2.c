// SPDX-License-Identifier: MIT
/*
 * kernel_avx2.c - the generation kernel for AVX2 (four lanes per vector)
 *
 * AVX2 has no 64-bit multiply: vmullo builds the low 64 bits of a * c from
 * three 32x32->64 products (lo*lo + ((hi*lo + lo*hi) << 32)).
 */
#include <immintrin.h>

#include "../kernel.h"
#include "kernels.h"

#define ATTRIBUTES	__attribute__((target("avx2")))
#define FUNCNAME	dgen_fill_avx2
#define FUNCNAME_ROWS	fill_rows_avx2
#define FUNCNAME_BLOCKS	dgen_fill_blocks_avx2
#define FUNCNAME_SECTORS	dgen_fill_sectors_avx2
#define FUNCNAME_SECTOR_BLOCKS	dgen_fill_sector_blocks_avx2
#define FUNCNAME_SECTOR_BLOCKS_MASKED	dgen_fill_sector_blocks_masked_avx2
#define VEC		__m256i
#define VEC_LANES	4

static ATTRIBUTES inline __m256i vset1(uint64_t x)
{
	return _mm256_set1_epi64x((long long)x);
}

static ATTRIBUTES inline __m256i vloadu(const void *p)
{
	return _mm256_loadu_si256((const __m256i *)p);
}

static ATTRIBUTES inline void vstoreu(void *p, __m256i v)
{
	_mm256_storeu_si256((__m256i *)p, v);
}

static ATTRIBUTES inline __m256i vadd(__m256i a, __m256i b)
{
	return _mm256_add_epi64(a, b);
}

static ATTRIBUTES inline __m256i vxor(__m256i a, __m256i b)
{
	return _mm256_xor_si256(a, b);
}

static ATTRIBUTES inline __m256i vand(__m256i a, __m256i b)
{
	return _mm256_and_si256(a, b);
}

static ATTRIBUTES inline __m256i vsrl33(__m256i a)
{
	return _mm256_srli_epi64(a, 33);
}

static ATTRIBUTES inline __m256i vrol(__m256i a)
{
	return _mm256_or_si256(_mm256_slli_epi64(a, DGEN_ROT),
			       _mm256_srli_epi64(a, 64 - DGEN_ROT));
}

static ATTRIBUTES inline __m256i vmullo(__m256i a, uint64_t c)
{
	const __m256i lo = vset1(c & 0xffffffffu);
	const __m256i hi = vset1(c >> 32);
	__m256i cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(a, 32), lo),
					 _mm256_mul_epu32(a, hi));

	return _mm256_add_epi64(_mm256_mul_epu32(a, lo),
				_mm256_slli_epi64(cross, 32));
}

static ATTRIBUTES inline void vcopy_short(uint8_t *dst, const uint8_t *src,
					  uint32_t n)
{
	memcpy(dst, src, n);
}

static ATTRIBUTES inline void vzero_short(uint8_t *dst, uint32_t n)
{
	memset(dst, 0, n);
}

/*
 * A row of random bytes [a, b), zeros elsewhere (0 <= a < b <= 64), in two
 * stores: each byte kept where a <= its index < b, by a byte compare.
 */
#define VROW_MASKED	1
static ATTRIBUTES inline void vstore_row_masked(uint8_t *d, const __m256i *v,
						uint32_t a, uint32_t b)
{
	const __m256i idx = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
		10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
		25, 26, 27, 28, 29, 30, 31);
	const __m256i lo = _mm256_set1_epi8((char)(a - 1));
	const __m256i hi = _mm256_set1_epi8((char)b);
	unsigned int h;

	for (h = 0; h < 2; h++) {
		__m256i i = _mm256_add_epi8(idx, _mm256_set1_epi8((char)(32 * h)));
		/* i > a - 1 and b > i (indices and bounds fit signed bytes) */
		__m256i m = _mm256_and_si256(_mm256_cmpgt_epi8(i, lo),
					     _mm256_cmpgt_epi8(hi, i));

		_mm256_storeu_si256((__m256i *)(d + 32 * h),
				    _mm256_and_si256(v[h], m));
	}
}

#include "kernel_template.h"
