// SPDX-License-Identifier: MIT
/*
 * test_unique.c - the random bytes are unique across blocks, streams and
 * seeds (doc/data-contract.md sections 3 and 4)
 *
 * - A fully unique 256 MiB stream does not compress with zstd given a
 *   128 MiB window and long-distance matching (ratio <= 1.01); a control
 *   stream with copies 16 MiB apart shows the same set-up finds repeats.
 * - Streams of neighbouring seeds or stream ids, swapped (seed, id) pairs
 *   and random pairs share no 512-byte piece, aligned or shifted, also
 *   when compressible (an unaligned piece wholly inside a zero run is the
 *   zero run itself and is not compared).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <zstd.h>

#include "testutil.h"

#define STEP		(8 * MIB)

/*
 * zstd_stream_ratio - compress [0, S) of @s as one zstd frame, level 3,
 * with windowLog 27 (128 MiB) and long-distance matching; return
 * S / compressed size.
 */
static double zstd_stream_ratio(const struct dgen_stream *s, uint64_t S)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	const size_t out_cap = ZSTD_CStreamOutSize();
	uint8_t *in = xmalloc(STEP), *out = xmalloc(out_cap);
	uint64_t off, total = 0;
	size_t r;

	cr_assert(cctx);
	r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
	cr_assert(!ZSTD_isError(r));
	r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, 27);
	cr_assert(!ZSTD_isError(r), "windowLog 27: %s", ZSTD_getErrorName(r));
	r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_enableLongDistanceMatching, 1);
	cr_assert(!ZSTD_isError(r), "ldm: %s", ZSTD_getErrorName(r));
	r = ZSTD_CCtx_setPledgedSrcSize(cctx, S);
	cr_assert(!ZSTD_isError(r));
	for (off = 0; off < S; off += STEP) {
		size_t n = S - off < STEP ? (size_t)(S - off) : STEP;
		int last = off + n == S;
		ZSTD_inBuffer ib = { in, n, 0 };

		stream_fill(s, in, off, n);
		do {
			ZSTD_outBuffer ob = { out, out_cap, 0 };

			r = ZSTD_compressStream2(cctx, &ob, &ib,
						 last ? ZSTD_e_end :
						 ZSTD_e_continue);
			cr_assert(!ZSTD_isError(r), "zstd: %s",
				  ZSTD_getErrorName(r));
			total += ob.pos;
		} while (last ? r != 0 : ib.pos < ib.size);
	}
	ZSTD_freeCCtx(cctx);
	free(in);
	free(out);
	return (double)S / (double)total;
}

Test(unique, zstd_long_window_256M)
{
	const uint64_t S = 256 * MIB;
	struct dgen_stream_params p = test_params(S, 4096, 4096, 1, 1);
	struct dgen_stream *s;
	double ratio;

	p.seed = 0x1a2b3c4d;
	s = stream_make(&p);
	ratio = zstd_stream_ratio(s, S);
	cr_log_info("d 1 c 1, 256 MiB, zstd -3 --long=27: ratio %.6f", ratio);
	cr_assert(ratio <= 1.01, "a fully unique stream compresses %.4f:1 "
		  "with a 128 MiB window", ratio);
	dgen_stream_free(s);
}

/*
 * The control: the same compressor set-up on a stream whose copies lie
 * 16 MiB apart (d = 4 over 64 MiB) finds them, so the test above would
 * see repeats if there were any.
 */
Test(unique, zstd_long_window_control)
{
	const uint64_t S = 64 * MIB;
	struct dgen_stream_params p = test_params(S, 4096, 4096, 4, 1);
	struct dgen_stream *s;
	double ratio;

	p.seed = 0x1a2b3c4d;
	s = stream_make(&p);
	ratio = zstd_stream_ratio(s, S);
	cr_log_info("d 4 c 1, 64 MiB, zstd -3 --long=27: ratio %.4f (layout "
		    "d %.4f)", ratio, stream_layout(s).dedup_ratio);
	cr_assert(ratio >= 3.5, "zstd --long finds only %.3f:1 in a d = 4 "
		  "stream: the set-up cannot see far repeats", ratio);
	dgen_stream_free(s);
}

/* Parameters travel to a fresh worker process: strings are held inline. */
struct pair_case {
	char what[40];
	uint64_t seed_a, id_a, seed_b, id_b;
	double d, c;
};

static struct pair_case pair_cases[] = {
	{ "seeds s, s + 1", 1000, 0, 1001, 0, 1.0, 1.0 },
	{ "seeds 0, 1", 0, 0, 1, 0, 1.0, 1.0 },
	{ "streams k, k + 1", 7, 41, 7, 42, 1.0, 1.0 },
	{ "streams 0, 1", 0, 0, 0, 1, 1.0, 1.0 },
	{ "seed + 1, stream - 1", 5, 9, 6, 8, 1.0, 1.0 },
	{ "swapped seed and stream", 3, 17, 17, 3, 1.0, 1.0 },
	{ "seeds 2^63 apart", 0x8000000000000000ull, 0, 0, 0, 1.0, 1.0 },
	{ "random pair 1", 0x9c1f2e77d4a3b605ull, 0x51, 0x0e6b90a4c28d1f37ull,
	  0x7aa, 1.0, 1.0 },
	{ "random pair 2", 0x3d0b8e2219f4c6a1ull, 0x400000001ull,
	  0xe95a13c7b0246d8full, 0x400000001ull, 1.0, 1.0 },
	{ "seeds s, s + 1 with d = 2", 77, 3, 78, 3, 2.0, 1.0 },
	{ "seeds s, s + 1, c = 2", 1000, 0, 1001, 0, 1.0, 2.0 },
	{ "seeds s, s + 1, c = 8", 1000, 0, 1001, 0, 1.0, 8.0 },
	{ "seeds 0, 1, c = 16", 0, 0, 1, 0, 1.0, 16.0 },
	{ "streams k, k + 1, c = 8, d = 1.5", 7, 41, 7, 42, 1.5, 8.0 },
	{ "streams 0, 1, c = 16, d = 3", 0, 0, 0, 1, 3.0, 16.0 },
};

ParameterizedTestParameters(unique, no_shared_piece)
{
	return cr_make_param_array(struct pair_case, pair_cases,
				   sizeof(pair_cases) / sizeof(pair_cases[0]));
}

/*
 * Stream A's aligned 512-byte pieces and stream B's pieces at shifts 0
 * and 333, hashed together: a hash seen twice is a shared piece (within
 * one stream only the intended dedup copies may repeat).
 */
ParameterizedTest(struct pair_case *pc, unique, no_shared_piece)
{
	const uint64_t S = 64 * MIB;
	struct dgen_stream_params pa = test_params(S, 4096, 4096, pc->d,
						   pc->c);
	struct dgen_stream_params pb = pa;
	struct dgen_stream *a, *b;
	struct hvec v = { 0 };
	uint8_t *buf = xmalloc(S + 512);
	uint64_t x, i, shared = 0, within = 0;
	unsigned int k;

	pa.seed = pc->seed_a;
	pa.stream_id = pc->id_a;
	pb.seed = pc->seed_b;
	pb.stream_id = pc->id_b;
	a = stream_make(&pa);
	b = stream_make(&pb);
	stream_fill(a, buf, 0, S);
	/* pos: bit 63 tells the stream, the rest the offset */
	for (x = 0; x < S; x += 512)
		hvec_push(&v, hrec_of(buf + x, 512, x));
	stream_fill(b, buf, 0, S);
	for (k = 0; k < 2; k++)
		for (x = k ? 333 : 0; x + 512 <= S; x += 512) {
			const uint8_t *q = buf + x;

			if (k && !q[0] && !memcmp(q, q + 1, 511))
				continue;	/* inside a zero run */
			hvec_push(&v, hrec_of(q, 512, x | 1ull << 63));
		}
	hrec_distinct(v.v, v.n, NULL);
	for (i = 1; i < v.n; i++) {
		const struct hrec *p = &v.v[i - 1], *q = &v.v[i];

		if (!hrec_same(p, q))
			continue;
		if ((p->pos >> 63) != (q->pos >> 63)) {
			shared++;
			cr_assert(0, "%s: seed %#" PRIx64 " stream %" PRIu64
				  " at %" PRIu64 " equals seed %#" PRIx64
				  " stream %" PRIu64 " at %" PRIu64, pc->what,
				  pa.seed, pa.stream_id, p->pos & ~(UINT64_C(1) << 63),
				  pb.seed, pb.stream_id,
				  q->pos & ~(UINT64_C(1) << 63));
		}
		within++;
	}
	cr_log_info("%s: %zu pieces, %" PRIu64 " shared, %" PRIu64
		    " repeats within a stream", pc->what, v.n, shared, within);
	if (pc->d == 1.0)
		cr_assert(within == 0, "%s: %" PRIu64 " repeated pieces in "
			  "unique streams", pc->what, within);
	hvec_free(&v);
	free(buf);
	dgen_stream_free(a);
	dgen_stream_free(b);
}
