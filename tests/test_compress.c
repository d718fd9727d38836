// SPDX-License-Identifier: MIT
/*
 * test_compress.c - real compressors measure the asked ratio, and every
 * sector keeps its random bytes (doc/data-contract.md section 3)
 *
 * - Ratio rule: lz4 (LZ4_compress_default) on each 4 KiB piece, zstd
 *   (level 3) on each 4 KiB piece and on each 64 KiB piece measure c
 *   within 3% for c <= 8 and within 8% for c <= 20, over d x c x B; a zram
 *   device with lz4 (a real compressing block device) within 5% for c in
 *   {2, 4, 8}, with no page stored as "same".
 * - Sector rule: each sector is, byte for byte, the definition (zeros but
 *   r(q) bytes of the c = 1 stream at its head or tail, r recomputed here
 *   with integers), r >= 16, and no sector holds a single byte value.
 * - Ratios the sector rule cannot serve are refused with a sentence.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <zstd.h>

#include "testutil.h"
#include "zram.h"

#define SECTOR		512u
#define STEP		(8 * MIB)

struct measured {
	double lz4_4k, zstd_4k, zstd_64k;
};

/* Compress every 4 KiB and 64 KiB piece of the first @S bytes of @s. */
static struct measured measure(const struct dgen_stream *s, uint64_t S)
{
	const int lz4_cap = LZ4_compressBound(65536);
	const size_t zcap = ZSTD_compressBound(65536);
	char *lz = xmalloc((size_t)lz4_cap);
	uint8_t *zo = xmalloc(zcap), *buf = xmalloc(STEP);
	uint64_t l4 = 0, z4 = 0, z64 = 0, off;
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	size_t x;

	cr_assert(cctx);
	cr_assert(S % STEP == 0);
	for (off = 0; off < S; off += STEP) {
		stream_fill(s, buf, off, STEP);
		for (x = 0; x < STEP; x += 4096) {
			int n = LZ4_compress_default((const char *)buf + x, lz,
						     4096, lz4_cap);
			size_t z = ZSTD_compressCCtx(cctx, zo, zcap, buf + x,
						     4096, 3);

			cr_assert(n > 0 && !ZSTD_isError(z));
			l4 += (uint64_t)n;
			z4 += z;
		}
		for (x = 0; x < STEP; x += 65536) {
			size_t z = ZSTD_compressCCtx(cctx, zo, zcap, buf + x,
						     65536, 3);

			cr_assert(!ZSTD_isError(z));
			z64 += z;
		}
	}
	ZSTD_freeCCtx(cctx);
	free(lz);
	free(zo);
	free(buf);
	return (struct measured) {
		(double)S / (double)l4, (double)S / (double)z4,
		(double)S / (double)z64,
	};
}

static double band(double c)
{
	return c <= 8.0 ? 0.03 : 0.08;
}

struct ratio_case {
	uint32_t B;
	double d, c;
};

#define N_D	3
#define N_C	6
#define N_B	3
#define N_EXTRA	8

static struct ratio_case ratio_cases[N_D * N_C * N_B + N_EXTRA];

ParameterizedTestParameters(compress, ratio_bands)
{
	static const double ds[N_D] = { 1.0, 1.5, 3.0 };
	static const double cs[N_C] = { 1.0, 1.5, 2.0, 4.0, 8.0, 16.0 };
	static const uint32_t Bs[N_B] = { 512, 4096, 65536 };
	static const double extra[N_EXTRA] = { 1.05, 3.0, 5.0, 6.0, 7.0, 10.0,
					       12.0, 20.0 };
	unsigned int i, j, k, n = 0;

	for (i = 0; i < N_D; i++)
		for (j = 0; j < N_C; j++)
			for (k = 0; k < N_B; k++)
				ratio_cases[n++] = (struct ratio_case) {
					Bs[k], ds[i], cs[j] };
	for (i = 0; i < N_EXTRA; i++)
		ratio_cases[n++] = (struct ratio_case) { 4096, 1.0, extra[i] };
	return cr_make_param_array(struct ratio_case, ratio_cases, n);
}

ParameterizedTest(struct ratio_case *rc, compress, ratio_bands)
{
	const uint64_t S = 16 * MIB;
	struct dgen_stream_params p = test_params(S, rc->B, 4096, rc->d, rc->c);
	struct dgen_stream *s;
	struct measured m;
	double tol = rc->c == 1.0 ? 0.01 : band(rc->c);

	p.seed = 0xc0ffee + rc->B;
	p.dedup_window = 4 * MIB * (uint64_t)ceil(rc->d);
	s = stream_make(&p);
	m = measure(s, S);
	cr_log_info("d %g c %5.2f B %5u: lz4@4K %.4f (%+.2f%%) zstd@4K %.4f "
		    "(%+.2f%%) zstd@64K %.4f (%+.2f%%), band %.0f%%", rc->d,
		    rc->c, rc->B, m.lz4_4k, 100 * (m.lz4_4k / rc->c - 1),
		    m.zstd_4k, 100 * (m.zstd_4k / rc->c - 1), m.zstd_64k,
		    100 * (m.zstd_64k / rc->c - 1), 100 * tol);
	cr_expect(fabs(m.lz4_4k / rc->c - 1) <= tol,
		  "d %g c %g B %u: lz4 per 4 KiB measures %.4f", rc->d, rc->c,
		  rc->B, m.lz4_4k);
	cr_expect(fabs(m.zstd_4k / rc->c - 1) <= tol,
		  "d %g c %g B %u: zstd per 4 KiB measures %.4f", rc->d, rc->c,
		  rc->B, m.zstd_4k);
	cr_expect(fabs(m.zstd_64k / rc->c - 1) <= tol,
		  "d %g c %g B %u: zstd per 64 KiB measures %.4f", rc->d,
		  rc->c, rc->B, m.zstd_64k);
	dgen_stream_free(s);
}

/*
 * The sector layout, byte for byte: distinct sector q (d = 1, so the
 * stream's own sector q) keeps r(q) bytes of the c = 1 stream, at its head
 * when q is even and its tail when odd, and zeros elsewhere.
 */
struct sector_case {
	uint32_t B;
	double c;
	uint64_t seed;
};

static struct sector_case sector_cases[] = {
	{ 4096, 1.5, 1 }, { 4096, 2.0, 2 }, { 512, 4.0, 3 },
	{ 65536, 7.3, 4 }, { 4096, 16.0, 5 }, { 1u << 20, 20.0, 6 },
	{ 4096, 1.01, 7 },
};

ParameterizedTestParameters(compress, sector_layout_exact)
{
	return cr_make_param_array(struct sector_case, sector_cases,
				   sizeof(sector_cases) /
				   sizeof(sector_cases[0]));
}

ParameterizedTest(struct sector_case *sc, compress, sector_layout_exact)
{
	const uint64_t S = 8 * MIB;
	struct dgen_stream_params p = test_params(S, sc->B, 4096, 1.0, sc->c);
	struct dgen_stream_params p1 = test_params(S, sc->B, 4096, 1.0, 1.0);
	struct dgen_stream *s, *s1;
	struct dgen_stream_layout l;
	uint8_t *got = xmalloc(S), *ref = xmalloc(S);
	uint64_t rho, q, rmin = UINT64_MAX, rmax = 0;

	p.seed = p1.seed = sc->seed;
	s = stream_make(&p);
	s1 = stream_make(&p1);
	l = stream_layout(s);
	rho = (uint64_t)ldexp(l.sector_random, 32);
	cr_assert(ldexp((double)rho, -32) == l.sector_random);
	stream_fill(s, got, 0, S);
	stream_fill(s1, ref, 0, S);
	for (q = 0; q < S / SECTOR; q++) {
		uint64_t r = (uint64_t)(((unsigned __int128)(q + 1) * rho) >> 32) -
			     (uint64_t)(((unsigned __int128)q * rho) >> 32);
		uint64_t lo = q & 1 ? SECTOR - r : 0, x;
		const uint8_t *a = got + q * SECTOR, *b = ref + q * SECTOR;

		rmin = r < rmin ? r : rmin;
		rmax = r > rmax ? r : rmax;
		for (x = 0; x < SECTOR; x++) {
			uint8_t want = x >= lo && x < lo + r ? b[x] : 0;

			if (a[x] != want)
				break;
		}
		cr_assert(x == SECTOR, "c %g B %u: sector %" PRIu64 " byte %"
			  PRIu64 " is %u, the definition gives %u (r %" PRIu64
			  ")", sc->c, sc->B, q, x, a[x],
			  x >= lo && x < lo + r ? b[x] : 0, r);
		for (x = 1; x < SECTOR && a[x] == a[0]; x++)
			;
		cr_assert(x < SECTOR, "sector %" PRIu64 " is all %u", q, a[0]);
	}
	cr_assert(rmin >= DGEN_MIN_RANDOM_BYTES && rmax - rmin <= 1,
		  "r from %" PRIu64 " to %" PRIu64, rmin, rmax);
	cr_log_info("c %g: r = %" PRIu64 "..%" PRIu64 " random bytes a sector "
		    "(mean %.4f), layout exact", sc->c, rmin, rmax,
		    l.sector_random);
	free(got);
	free(ref);
	dgen_stream_free(s);
	dgen_stream_free(s1);
}

/* Above what the sector rule serves, a sentence instead of a stream. */
Test(compress, refuses_above_limit)
{
	struct dgen_stream_params p = test_params(MIB, 4096, 4096, 1.0,
						  DGEN_COMPRESS_RATIO_MAX);
	char msg[256] = "";

	cr_assert(dgen_stream_params_check(&p, msg, sizeof(msg)) == 0, "%s",
		  msg);
	p.compress_ratio = nextafter(DGEN_COMPRESS_RATIO_MAX, INFINITY);
	cr_assert(dgen_stream_params_check(&p, msg, sizeof(msg)) == -EINVAL);
	cr_assert(strstr(msg, "too high") && strstr(msg, "sector"), "%s", msg);
	cr_log_info("refused: %s", msg);
}

/* ===== zram ===== */

Test(compress, zram_lz4)
{
	static const double cs[] = { 2.0, 4.0, 8.0 };
	const uint64_t S = 64 * MIB;
	char why[160], path[96], dev[64], stat[256];
	uint8_t *buf = xmalloc(STEP);
	unsigned int k;

	for (k = 0; k < sizeof(cs) / sizeof(cs[0]); k++) {
		struct dgen_stream_params p = test_params(S, 4096, 4096, 1.0,
							  cs[k]);
		unsigned long long orig = 0, compr = 0, used, limit, max,
				   same = 1;
		struct dgen_stream *s;
		unsigned int maj, min;
		uint64_t off;
		double ratio;
		int id = zram_add(why, sizeof(why)), fd;

		if (id < 0) {
			free(buf);
			cr_skip_test("%s", why);
		}
		snprintf(path, sizeof(path), "/sys/block/zram%d/comp_algorithm", id);
		if (write_text(path, "lz4")) {
			zram_remove(id);
			free(buf);
			cr_skip_test("zram%d does not offer lz4", id);
		}
		snprintf(path, sizeof(path), "/sys/block/zram%d/disksize", id);
		cr_assert(write_text(path, "64M") == 0, "zram%d disksize", id);
		snprintf(path, sizeof(path), "/sys/block/zram%d/dev", id);
		cr_assert(read_text(path, dev, sizeof(dev)) == 0 &&
			  sscanf(dev, "%u:%u", &maj, &min) == 2);
		/* A node of our own: devtmpfs may lag or be absent. */
		snprintf(dev, sizeof(dev), "/dev/shm/dgen-zram%d-%d", id,
			 (int)getpid());
		unlink(dev);
		cr_assert(mknod(dev, S_IFBLK | 0600, makedev(maj, min)) == 0,
			  "mknod %s: %s", dev, strerror(errno));
		fd = open(dev, O_WRONLY);
		cr_assert(fd >= 0, "open %s: %s", dev, strerror(errno));
		p.seed = 0x2a3 + k;
		s = stream_make(&p);
		for (off = 0; off < S; off += STEP) {
			stream_fill(s, buf, off, STEP);
			cr_assert(pwrite(fd, buf, STEP, (off_t)off) == (ssize_t)STEP);
		}
		cr_assert(fsync(fd) == 0);
		close(fd);
		unlink(dev);
		snprintf(path, sizeof(path), "/sys/block/zram%d/mm_stat", id);
		cr_assert(read_text(path, stat, sizeof(stat)) == 0);
		cr_assert(sscanf(stat, "%llu %llu %llu %llu %llu %llu", &orig,
				 &compr, &used, &limit, &max, &same) == 6,
			  "mm_stat: %s", stat);
		zram_remove(id);
		ratio = (double)orig / (double)compr;
		cr_log_info("zram lz4 c %g: orig %llu compr %llu ratio %.4f "
			    "(%+.2f%%), same_pages %llu", cs[k], orig, compr,
			    ratio, 100 * (ratio / cs[k] - 1), same);
		cr_expect(orig == S, "zram holds %llu bytes, wrote %" PRIu64,
			  orig, S);
		cr_expect(same == 0, "zram stored %llu pages as same-filled",
			  same);
		cr_expect(fabs(ratio / cs[k] - 1) <= 0.05,
			  "zram lz4 measures %.4f for c %g", ratio, cs[k]);
		dgen_stream_free(s);
	}
	free(buf);
}
