// SPDX-License-Identifier: MIT
/*
 * calibrate.c - derive the table of random bytes per sector (src/layout.c)
 *
 * For each compress ratio c of the table, lays out 16 MiB exactly as
 * doc/data-contract.md section 3 says (sector q keeps r(q) random bytes,
 * at its head when q is even, its tail when odd, Bresenham over a
 * fractional r), compresses it with lz4 per 4 KiB, zstd -3 per 4 KiB and
 * zstd -3 per 64 KiB, and moves r until the highest and lowest of the
 * three measured ratios sit symmetrically around c: each compressor's
 * framing costs a nearly fixed number of bytes per literal run, so with
 * o_lo and o_hi the smallest and largest overheads per sector, r solves
 * 512 / (r + o_lo) + 512 / (r + o_hi) = 2 c. Three rounds settle it. The
 * random bytes here come from xorshift64, which compressors see as the
 * generator's own (incompressible either way).
 *
 * Prints one table row per c, with the ratios the chosen r measures:
 *	build/bench/dgen-calibrate
 */
#include <lz4.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define SIZE	(16u << 20)
#define SECTOR	512u

static uint64_t xs = 88172645463325252ull;

static uint64_t xorshift(void)
{
	xs ^= xs << 13;
	xs ^= xs >> 7;
	xs ^= xs << 17;
	return xs;
}

/* Lay out @b with @r random bytes per sector and measure the three ratios. */
static void measure(uint8_t *b, uint8_t *out, double r, double got[3])
{
	uint64_t rho = (uint64_t)llround(r * 4294967296.0), frac = 0;
	size_t s, p, l4 = 0, z4 = 0, z64 = 0;

	memset(b, 0, SIZE);
	for (s = 0; s < SIZE / SECTOR; s++) {
		uint64_t t = frac + rho;
		unsigned int n = (unsigned int)(t >> 32), k;
		unsigned int at = s % 2 ? SECTOR - n : 0;

		frac = t & 0xffffffffu;
		for (k = 0; k < n; k++)
			b[s * SECTOR + at + k] = (uint8_t)xorshift();
	}
	for (p = 0; p < SIZE; p += 4096) {
		l4 += (size_t)LZ4_compress_default((const char *)b + p,
						   (char *)out, 4096, 1 << 20);
		z4 += ZSTD_compress(out, 1 << 20, b + p, 4096, 3);
	}
	for (p = 0; p < SIZE; p += 65536)
		z64 += ZSTD_compress(out, 1 << 20, b + p, 65536, 3);
	got[0] = (double)SIZE / (double)l4;
	got[1] = (double)SIZE / (double)z4;
	got[2] = (double)SIZE / (double)z64;
}

int main(void)
{
	static const double cs[] = { 1.02, 1.05, 1.1, 1.2, 1.3, 1.5, 1.75, 2,
				     2.5, 3, 3.5, 4, 5, 6, 7, 8, 9, 10, 12,
				     14, 16, 18, 20 };
	uint8_t *b = malloc(SIZE), *out = malloc(1 << 20);
	unsigned int i, it, k;

	if (!b || !out)
		return 1;
	for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		double c = cs[i], r = SECTOR / c - 3, m[3];

		for (it = 0; it < 3; it++) {
			double lo = 1e9, hi = -1e9, a, z;

			measure(b, out, r, m);
			for (k = 0; k < 3; k++) {
				double o = SECTOR / m[k] - r;

				lo = o < lo ? o : lo;
				hi = o > hi ? o : hi;
			}
			a = r - 20 > 1 ? r - 20 : 1;
			z = r + 20 < SECTOR ? r + 20 : SECTOR;
			for (k = 0; k < 60; k++) {
				double mid = (a + z) / 2;

				if (SECTOR / (mid + lo) + SECTOR / (mid + hi) > 2 * c)
					a = mid;
				else
					z = mid;
			}
			r = (a + z) / 2;
		}
		measure(b, out, r, m);
		printf("R(%u, %.4f),\t/* lz4@4K %+.2f%% zstd@4K %+.2f%% zstd@64K %+.2f%% */\n",
		       (unsigned int)lround(c * 100), r, 100 * (m[0] / c - 1),
		       100 * (m[1] / c - 1), 100 * (m[2] / c - 1));
	}
	free(b);
	free(out);
	return 0;
}
