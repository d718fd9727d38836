// SPDX-License-Identifier: MIT
/*
 * test_compress.c - the compression ratio is an exact fraction of entropy,
 * reached by real compressors, with no all-zero sector (SPEC section 3)
 *
 * - lz4 (LZ4_compress_default) and zstd (level 3) on every 4 KiB piece of a
 *   stream reach at least 97% of c for c <= 4 and 92% for c <= 16.
 * - The zero bytes follow Bresenham's schedule, recomputed here from the
 *   definition with exact integer arithmetic: chunk g of the unique blocks
 *   starts with z(g) = floor((g+1) Z / T) - floor(g Z / T) zero bytes, the
 *   rest being the bytes the c = 1 stream has there, and
 *   Z = round(U B (1 - 1/c)).
 * - Every aligned C-byte sector holds at least two distinct byte values.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <lz4.h>
#include <math.h>
#include <zstd.h>

#include "testutil.h"

#define PIECE_SZ	4096u

struct ratio_case {
	double c;
	uint32_t C;
	double min_frac;	/* the measured ratio must reach min_frac * c */
};

static struct ratio_case ratio_cases[] = {
	{ 1.5, 4096, 0.97 },
	{ 2.0, 4096, 0.97 },
	{ 3.0, 4096, 0.97 },
	{ 4.0, 4096, 0.97 },
	{ 8.0, 4096, 0.92 },
	{ 16.0, 4096, 0.92 },
	/*
	 * C = 512: each 4 KiB piece is eight zero-run + random-tail chunks,
	 * and a real compressor pays for every chunk. lz4 spends about 7
	 * bytes on each (token, literal-length byte, the first zero as a
	 * literal, 2-byte offset, 2 match-length bytes), against C / c of
	 * random bytes: SPEC's 97% (c <= 4) and 92% (c <= 16) are figures for
	 * the default C = 4 KiB. Here the 97% holds to c = 2 and 92% to
	 * c = 4; at c = 8 (64 random bytes a chunk) lz4 can reach at most
	 * about 512 / (64 + 7) = 7.2, so 90% is required.
	 */
	{ 1.5, 512, 0.97 },
	{ 2.0, 512, 0.97 },
	{ 3.0, 512, 0.92 },
	{ 4.0, 512, 0.92 },
	{ 8.0, 512, 0.90 },
};

ParameterizedTestParameters(compress, ratio_lz4_zstd)
{
	return cr_make_param_array(struct ratio_case, ratio_cases,
				   sizeof(ratio_cases) / sizeof(ratio_cases[0]));
}

ParameterizedTest(struct ratio_case *rc, compress, ratio_lz4_zstd)
{
	const uint64_t S = 48 * MIB;
	const size_t step = 8 * MIB;
	struct dgen_stream_params p = test_params(S, 4096, rc->C, 1, rc->c);
	struct dgen_stream *s;
	struct dgen_stream_layout l;
	const int lz4_cap = LZ4_compressBound(PIECE_SZ);
	const size_t zstd_cap = ZSTD_compressBound(PIECE_SZ);
	char *lz4_out = xmalloc((size_t)lz4_cap);
	char *zstd_out = xmalloc(zstd_cap);
	uint8_t *buf = xmalloc(step);
	uint64_t lz4_total = 0, zstd_total = 0, off;
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	double lz4_ratio, zstd_ratio;

	cr_assert(cctx);
	p.seed = 0xc0ffee;
	s = stream_make(&p);
	l = stream_layout(s);
	for (off = 0; off < S; off += step) {
		size_t x;

		stream_fill(s, buf, off, step);
		for (x = 0; x < step; x += PIECE_SZ) {
			int n = LZ4_compress_default((const char *)buf + x,
						     lz4_out, PIECE_SZ,
						     lz4_cap);
			size_t z = ZSTD_compressCCtx(cctx, zstd_out, zstd_cap,
						     buf + x, PIECE_SZ, 3);

			cr_assert(n > 0, "LZ4_compress_default failed");
			cr_assert(!ZSTD_isError(z), "zstd: %s",
				  ZSTD_getErrorName(z));
			lz4_total += (uint64_t)n;
			zstd_total += z;
		}
	}
	lz4_ratio = (double)S / (double)lz4_total;
	zstd_ratio = (double)S / (double)zstd_total;
	cr_log_info("c %5.2f C %4u: layout %.5f, lz4 %.4f (%.2f%%), zstd-3 "
		    "%.4f (%.2f%%), want >= %.0f%%", rc->c, rc->C,
		    l.compress_ratio, lz4_ratio, 100 * lz4_ratio / rc->c,
		    zstd_ratio, 100 * zstd_ratio / rc->c, 100 * rc->min_frac);
	cr_assert(fabs(l.compress_ratio / rc->c - 1) < 1e-6,
		  "layout ratio %.9f for c %g", l.compress_ratio, rc->c);
	cr_assert(lz4_ratio >= rc->min_frac * rc->c,
		  "c %g C %u: lz4 ratio %.4f is below %.0f%% of c (%.4f)",
		  rc->c, rc->C, lz4_ratio, 100 * rc->min_frac,
		  rc->min_frac * rc->c);
	cr_assert(zstd_ratio >= rc->min_frac * rc->c,
		  "c %g C %u: zstd ratio %.4f is below %.0f%% of c (%.4f)",
		  rc->c, rc->C, zstd_ratio, 100 * rc->min_frac,
		  rc->min_frac * rc->c);
	ZSTD_freeCCtx(cctx);
	free(lz4_out);
	free(zstd_out);
	free(buf);
	dgen_stream_free(s);
}

/*
 * The exact schedule. c is given as the fraction num / den so that
 * Z = round(U B (num - den) / num) can be computed in integers, apart from
 * the library's floating-point path.
 */
struct zero_case {
	uint64_t size;
	uint32_t B, C;
	double d;
	uint32_t num, den;	/* c = num / den */
};

static struct zero_case zero_cases[] = {
	{ 32 * MIB, 4096, 4096, 1.0, 3, 2 },		/* c 1.5 */
	{ 32 * MIB, 4096, 4096, 1.0, 3, 1 },
	{ 32 * MIB + 1000, 4096, 4096, 2.5, 73, 10 },	/* c 7.3 */
	{ 16 * MIB, 4096, 512, 1.0, 27, 10 },		/* c 2.7 */
	{ 16 * MIB, 4096, 512, 3.0, 32, 1 },		/* c = C/16 */
	{ 24 * MIB, 65536, 1024, 1.7, 101, 100 },	/* c 1.01 */
	{ 20 * MIB + 3, 1u << 20, 4096, 1.0, 256, 1 },	/* c = C/16 */
	{ 16 * MIB, 8192, 8192, 1.3, 999, 7 },		/* c 142.71... */
	{ 8 * MIB, 512, 512, 1.0, 7, 3 },		/* c 2.33... */
};

ParameterizedTestParameters(compress, zero_schedule_exact)
{
	return cr_make_param_array(struct zero_case, zero_cases,
				   sizeof(zero_cases) / sizeof(zero_cases[0]));
}

/* floor(g Z / T) without overflow. */
static uint64_t sched_floor(uint64_t g, uint64_t Z, uint64_t T)
{
	return (uint64_t)((unsigned __int128)g * Z / T);
}

ParameterizedTest(struct zero_case *zc, compress, zero_schedule_exact)
{
	const double c = (double)zc->num / (double)zc->den;
	struct dgen_stream_params p = test_params(zc->size, zc->B, zc->C,
						  zc->d, c);
	struct dgen_stream *s, *s1;
	struct dgen_stream_layout l, l1;
	uint64_t U, T, Z, UB, g, zsum = 0, zmin = UINT64_MAX, zmax = 0;
	uint64_t obs, checked = 0;
	uint8_t *got, *ref;

	p.seed = 0xabcdef;
	p.stream_id = zc->num;
	s = stream_make(&p);
	p.compress_ratio = 1.0;
	s1 = stream_make(&p);
	l = stream_layout(s);
	l1 = stream_layout(s1);
	U = l.unique_blocks;
	cr_assert(l1.unique_blocks == U && l1.zero_bytes == 0);
	UB = U * zc->B;
	T = UB / zc->C;
	/* Z = round(UB (num - den) / num), halves rounded up. */
	Z = (uint64_t)(((unsigned __int128)2 * UB * (zc->num - zc->den) +
			zc->num) / (2 * (unsigned __int128)zc->num));
	cr_log_info("B %u C %u d %g c %u/%u: U %" PRIu64 " T %" PRIu64
		    " Z %" PRIu64 " (layout %" PRIu64 "), ratio %.6f", zc->B,
		    zc->C, zc->d, zc->num, zc->den, U, T, Z, l.zero_bytes,
		    l.compress_ratio);
	cr_assert(l.chunks == T, "layout chunks %" PRIu64 ", want %" PRIu64,
		  l.chunks, T);
	cr_assert(l.zero_bytes == Z, "layout zero_bytes %" PRIu64 ", want "
		  "round(U B (1 - 1/c)) = %" PRIu64, l.zero_bytes, Z);

	/*
	 * Blocks 0 .. U - 1 carry unique blocks 0 .. U - 1; when U = N and
	 * the last block is partial, only its first bytes are in the stream.
	 */
	obs = UB < zc->size ? UB : zc->size;
	got = xmalloc(obs);
	ref = xmalloc(obs);
	stream_fill(s, got, 0, obs);
	stream_fill(s1, ref, 0, obs);
	for (g = 0; g < T; g++) {
		const uint8_t *a = got + g * zc->C, *b = ref + g * zc->C;
		uint64_t z = sched_floor(g + 1, Z, T) - sched_floor(g, Z, T);
		uint64_t avail, i;

		cr_assert(z <= zc->C - DGEN_MIN_RANDOM_BYTES,
			  "chunk %" PRIu64 ": z %" PRIu64, g, z);
		zsum += z;
		zmin = z < zmin ? z : zmin;
		zmax = z > zmax ? z : zmax;
		if (g * zc->C >= obs)
			continue;
		avail = obs - g * zc->C < zc->C ? obs - g * zc->C : zc->C;
		for (i = 0; i < z && i < avail; i++)
			if (a[i])
				break;
		cr_assert(i == (z < avail ? z : avail),
			  "chunk %" PRIu64 ": byte %" PRIu64 " is %u, want the "
			  "first z = %" PRIu64 " bytes zero", g, i, a[i], z);
		if (z >= avail)
			continue;
		i = first_diff(a + z, b + z, avail - z);
		cr_assert(i == avail - z, "chunk %" PRIu64 " (z %" PRIu64 "): "
			  "byte %" PRIu64 " is %u, the c = 1 stream has %u", g,
			  z, z + i, a[z + i], b[z + i]);
		checked++;
	}
	cr_assert(checked >= 1);
	cr_assert(zsum == Z, "zeros total %" PRIu64 ", want %" PRIu64, zsum,
		  Z);
	cr_assert(zmax - zmin <= 1, "z varies from %" PRIu64 " to %" PRIu64,
		  zmin, zmax);
	cr_log_info("z per chunk %" PRIu64 "..%" PRIu64 ", total %" PRIu64
		    "; %" PRIu64 " chunks checked in the data", zmin, zmax,
		    zsum, checked);
	free(got);
	free(ref);
	dgen_stream_free(s);
	dgen_stream_free(s1);
}

/* Every aligned C-byte sector has at least two distinct byte values. */
struct sector_case {
	uint32_t B, C;
	double d, c;
};

static struct sector_case sector_cases[] = {
	{ 4096, 512, 1.0, 2.0 },
	{ 4096, 512, 1.0, 8.0 },
	{ 4096, 512, 2.0, 16.0 },
	{ 4096, 512, 1.0, 24.5 },
	{ 4096, 512, 1.0, 31.99 },
	{ 4096, 512, 1.0, 32.0 },
	{ 512, 512, 3.0, 32.0 },
	{ 4096, 4096, 1.0, 16.0 },
	{ 4096, 4096, 1.0, 64.0 },
	{ 4096, 4096, 1.0, 128.0 },
	{ 4096, 4096, 1.5, 255.5 },
	{ 4096, 4096, 1.0, 256.0 },
	{ 65536, 4096, 1.0, 256.0 },
	{ 65536, 65536, 1.0, 4096.0 },
};

ParameterizedTestParameters(compress, no_single_value_sector)
{
	return cr_make_param_array(struct sector_case, sector_cases,
				   sizeof(sector_cases) /
				   sizeof(sector_cases[0]));
}

ParameterizedTest(struct sector_case *sc, compress, no_single_value_sector)
{
	const uint64_t S = 32 * MIB;
	struct dgen_stream_params p = test_params(S, sc->B, sc->C, sc->d,
						  sc->c);
	struct dgen_stream *s;
	uint8_t *buf = xmalloc(S);
	uint64_t x, min_random = UINT64_MAX;

	p.seed = 0x5ec7;
	s = stream_make(&p);
	stream_fill(s, buf, 0, S);
	for (x = 0; x < S; x += sc->C) {
		const uint8_t *a = buf + x;
		uint64_t i, tail;

		for (i = 1; i < sc->C && a[i] == a[0]; i++)
			;
		cr_assert(i < sc->C, "B %u C %u d %g c %g: the sector at %"
			  PRIu64 " is all %u", sc->B, sc->C, sc->d, sc->c, x,
			  a[0]);
		/* The random tail after the zero prefix. */
		for (i = 0; i < sc->C && !a[i]; i++)
			;
		tail = sc->C - i;
		min_random = tail < min_random ? tail : min_random;
	}
	cr_log_info("C %u c %g: every sector has two values; the shortest "
		    "non-zero tail is %" PRIu64 " bytes", sc->C, sc->c,
		    min_random);
	free(buf);
	dgen_stream_free(s);
}
