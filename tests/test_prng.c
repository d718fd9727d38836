// SPDX-License-Identifier: MIT
/*
 * test_prng.c - the stream's bytes are the ones the byte contract defines
 *
 * The kernel tests compare every SIMD kernel with "generic"; this one pins
 * "generic" itself (through dgen_stream_fill) to an independent model of the
 * definition in src/prng.h and src/stream.c, written here byte by byte from
 * the documentation, so that a speed-up that changed the bytes of every
 * kernel alike would still be caught (doc/data-contract.md section 1: anyone holding the
 * parameters can regenerate a block later, so the bytes must never move).
 *
 * The model: unique block u of stream (seed, id) is keyed by
 *	root = fmix64(fmix64(seed ^ T_SEED) ^ fmix64(id ^ T_STREAM))
 *	k0 = fmix64(root ^ fmix64(u ^ T_UNIQUE)), k1 = fmix64(k0 ^ T_K1)
 * its random bytes R are 64-bit little-endian words: word l of row r of
 * 1 KiB segment j is v ^ rotl64(v, 23) with
 *	v = fmix64((k0 + (8j + l) * LANE_STEP) ^ k1) + r * ROW_STEP
 * and sector q = u B / 512 + m of the distinct blocks keeps
 * r(q) = floor((q + 1) rho / 2^32) - floor(q rho / 2^32) bytes of R at its
 * head (q even) or tail (q odd), zeros elsewhere (doc/data-contract.md).
 * Which u block i carries is checked against the window schedule for the
 * blocks of whole windows: piece p = i / k (k = G / B), slot j = p mod Wp
 * is new when ceil((j + 1) Dp / Wp) > ceil(j Dp / Wp), else it copies
 * piece a - s + floor(s frac((j - n) phi)) of its window (phi as the 64-bit
 * golden-ratio constant, taken to 32 bits), n = ceil(j Dp / Wp), a = n - 1
 * (0 when n = 1: piece 0), s = min(a, ceil(Dp / 2)).
 * G, Wp, Dp and rho are taken from the layout; test_dedup.c and
 * test_compress.c check those on their own.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>

#include "testutil.h"

/* The constants of the byte contract (src/prng.h). */
#define M_LANE_STEP	0x9e3779b97f4a7c15ull
#define M_ROW_STEP	0xbf58476d1ce4e5b9ull
#define M_FMIX_M1	0xff51afd7ed558ccdull
#define M_FMIX_M2	0xc4ceb9fe1a85ec53ull
#define M_TWEAK_SEED	0x6a09e667f3bcc908ull
#define M_TWEAK_STREAM	0xbb67ae8584caa73bull
#define M_TWEAK_UNIQUE	0x3c6ef372fe94f82bull
#define M_TWEAK_K1	0xa54ff53a5f1d36f1ull

static uint64_t m_fmix(uint64_t x)
{
	x ^= x >> 33;
	x *= M_FMIX_M1;
	x ^= x >> 33;
	x *= M_FMIX_M2;
	x ^= x >> 33;
	return x;
}

struct model {
	uint64_t root, rho, Wp, Dp, k;
	uint32_t B;
};

static void model_init(struct model *m, const struct dgen_stream_params *p,
		       const struct dgen_stream_layout *l)
{
	m->root = m_fmix(m_fmix(p->seed ^ M_TWEAK_SEED) ^
			 m_fmix(p->stream_id ^ M_TWEAK_STREAM));
	m->B = p->dedup_unit;
	m->rho = (uint64_t)ldexp(l->sector_random, 32);
	m->Wp = l->window_pieces;
	m->Dp = l->window_distinct;
	m->k = l->dedup_exact_unit / m->B;
}

static uint64_t m_ceil(uint64_t a, uint64_t b, uint64_t c)
{
	return (uint64_t)(((unsigned __int128)a * b + c - 1) / c);
}

/* The distinct block of block @i, if it lies in a whole window. */
static uint64_t model_unique(const struct model *m, uint64_t i)
{
	uint64_t piece = i / m->k, w = piece / m->Wp, j = piece % m->Wp;
	uint64_t n = m_ceil(j, m->Dp, m->Wp), id;
	uint64_t avail = n ? n - 1 : 0, span = (m->Dp + 1) / 2;

	if (span > avail)
		span = avail;
	if (m_ceil(j + 1, m->Dp, m->Wp) > n)
		id = n;
	else
		id = avail ? avail - span +
			     ((((j - n) * 0x9e3779b97f4a7c15ull) >> 32) * span >> 32) : 0;
	return (w * m->Dp + id) * m->k + i % m->k;
}

/* Byte @pos of distinct block @u. */
static uint8_t model_byte(const struct model *m, uint64_t u, uint64_t pos)
{
	uint64_t q = (u * m->B + pos) / 512, x = pos % 512;
	uint64_t r = (uint64_t)(((unsigned __int128)(q + 1) * m->rho) >> 32) -
		     (uint64_t)(((unsigned __int128)q * m->rho) >> 32);
	uint64_t lo = q & 1 ? 512 - r : 0;
	uint64_t k0, k1, row, seg, rr, lane, v, w;

	if (x < lo || x >= lo + r)
		return 0;
	k0 = m_fmix(m->root ^ m_fmix(u ^ M_TWEAK_UNIQUE));
	k1 = m_fmix(k0 ^ M_TWEAK_K1);
	row = pos / 64;
	seg = row / 16;
	rr = row % 16;
	lane = (pos % 64) / 8;
	v = m_fmix((k0 + (seg * 8 + lane) * M_LANE_STEP) ^ k1) +
	    rr * M_ROW_STEP;
	w = v ^ (v << 23 | v >> 41);
	return (uint8_t)(w >> (8 * (pos % 8)));
}

/* Record each block's distinct block, as dgen_stream_compare reports it. */
struct uniq_map {
	uint64_t first, n;
	uint64_t *u;
};

static int record_unique(const struct dgen_mismatch *mm, void *arg)
{
	struct uniq_map *um = arg;

	if (mm->block - um->first < um->n)
		um->u[mm->block - um->first] = mm->unique;
	return 0;
}

struct prng_case {
	uint64_t seed, id, size;
	uint32_t B, C;
	double d, c;
};

static struct prng_case prng_cases[] = {
	{ 0, 0, 4 * MIB, 4096, 4096, 1, 1 },
	{ 1, 0, 4 * MIB, 4096, 4096, 1, 1 },
	{ 0, 1, 4 * MIB, 4096, 4096, 1, 1 },
	{ 0xdeadbeefcafef00dull, 12345, 64 * MIB + 3, 4096, 4096, 2.5, 3.0 },
	{ 42, 7, 1ull << 40, 512, 512, 1.7, 20.0 },
	{ UINT64_MAX, UINT64_MAX, UINT64_MAX - (1u << 20) + 1, 1u << 20, 8192,
	  3.0, 7.3 },
	{ 99, 3, 33 * MIB + 1, 65536, 1024, 1.0, 1.5 },
};

ParameterizedTestParameters(prng, stream_matches_definition)
{
	return cr_make_param_array(struct prng_case, prng_cases,
				   sizeof(prng_cases) / sizeof(prng_cases[0]));
}

/* Byte @x of the stream: of the distinct block the compare walk reported. */
#define MB(x)	model_byte(&m, um.u[(x) / pc->B - um.first], (x) % pc->B)

ParameterizedTest(struct prng_case *pc, prng, stream_matches_definition)
{
	struct dgen_stream_params p = test_params(pc->size, pc->B, pc->C,
						  pc->d, pc->c);
	const size_t len = 256 * KIB;
	struct dgen_stream_layout l;
	struct dgen_stream *s;
	struct model m;
	struct test_rng r;
	uint8_t *buf = xmalloc(len), *zero = xmalloc(len);
	struct uniq_map um;
	int k;

	p.seed = pc->seed;
	p.stream_id = pc->id;
	p.kernel = "generic";
	s = stream_make(&p);
	l = stream_layout(s);
	model_init(&m, &p, &l);
	test_rng_init(&r, pc->seed ^ pc->size);
	for (k = 0; k < 12; k++) {
		uint64_t off, n, x;
		const char *kernel;
		unsigned int ki;

		if (k == 0)
			off = 0;
		else if (k == 1)
			off = pc->size - (pc->size < len ? pc->size : len);
		else
			off = test_rng_below(&r, pc->size);
		n = pc->size - off < len ? pc->size - off : len;
		stream_fill(s, buf, off, n);
		/* Every byte flipped: each block reports its u. */
		for (x = 0; x < n; x++)
			zero[x] = buf[x] ^ 0x5a;
		um.first = off / pc->B;
		um.n = (off + n - 1) / pc->B - um.first + 1;
		um.u = xmalloc(um.n * sizeof(*um.u));
		cr_assert(dgen_stream_compare(s, zero, off, n, record_unique,
					      &um) == (int64_t)um.n);
		for (x = 0; x < um.n; x++) {
			uint64_t i = um.first + x;

			if ((i / m.k) / m.Wp < pc->size / ((uint64_t)m.k * m.B) / m.Wp)
				cr_assert(um.u[x] == model_unique(&m, i),
					  "block %" PRIu64 " carries %" PRIu64
					  ", the schedule gives %" PRIu64, i,
					  um.u[x], model_unique(&m, i));
		}
		for (x = 0; x < n; x++)
			if (buf[x] != MB(off + x))
				break;
		cr_assert(x == n, "seed %#" PRIx64 " stream %#" PRIx64 " S %"
			  PRIu64 " B %u C %u d %g c %g: byte %" PRIu64 " is %u"
			  ", the definition gives %u", pc->seed, pc->id,
			  pc->size, pc->B, pc->C, pc->d, pc->c, off + x, buf[x],
			  MB(off + x));
		/* Every other kernel, on a shorter stretch. */
		for (ki = 0; (kernel = dgen_kernel_name(ki)); ki++) {
			struct dgen_stream_params q = p;
			struct dgen_stream *t;
			uint64_t n2 = n < 8192 ? n : 8192;

			q.kernel = kernel;
			t = stream_make(&q);
			stream_fill(t, buf, off, n2);
			for (x = 0; x < n2; x++)
				cr_assert(buf[x] == MB(off + x),
					  "kernel %s: byte %" PRIu64 " is %u, "
					  "the definition gives %u", kernel,
					  off + x, buf[x], MB(off + x));
			dgen_stream_free(t);
		}
		free(um.u);
	}
	cr_log_info("seed %#" PRIx64 " stream %#" PRIx64 " B %u C %u d %g c %g"
		    ": 12 ranges equal the definition", pc->seed, pc->id,
		    pc->B, pc->C, pc->d, pc->c);
	free(buf);
	free(zero);
	dgen_stream_free(s);
}
