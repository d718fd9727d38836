/* SPDX-License-Identifier: MIT */
/*
 * testutil.h - helpers shared by the Criterion tests: a reproducible PRNG
 * for the tests' own random choices, streams made under assertion, and
 * 128-bit content hashes (XXH3) with counting of distinct ones
 *
 * Everything here is real: hashes are XXH3_128bits over the generated
 * bytes, nothing is mocked. The test PRNG (SplitMix64, Steele, Lea & Flood,
 * OOPSLA 2014) only picks parameters, offsets and lengths; it is seeded from
 * DGEN_TEST_SEED when set, so a failure found with one seed can be replayed.
 */
#ifndef DGEN_TESTUTIL_H
#define DGEN_TESTUTIL_H

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include <dgen/stream.h>

#define KIB		1024ull
#define MIB		(1024ull * 1024ull)

/* ===== Test PRNG ===== */

struct test_rng {
	uint64_t x;
};

static inline uint64_t test_rng_next(struct test_rng *r)
{
	uint64_t z = (r->x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (the modulo bias is irrelevant here). */
static inline uint64_t test_rng_below(struct test_rng *r, uint64_t n)
{
	return test_rng_next(r) % n;
}

/* Uniform in [lo, hi]. */
static inline uint64_t test_rng_range(struct test_rng *r, uint64_t lo,
				      uint64_t hi)
{
	return lo + test_rng_below(r, hi - lo + 1);
}

/* Uniform double in [0, 1). */
static inline double test_rng_unit(struct test_rng *r)
{
	return (double)(test_rng_next(r) >> 11) * 0x1p-53;
}

/*
 * test_rng_init - seed @r from DGEN_TEST_SEED (default 1) mixed with @salt,
 * so each test draws its own sequence; the seed goes to the log.
 */
static inline void test_rng_init(struct test_rng *r, uint64_t salt)
{
	const char *env = getenv("DGEN_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 1;

	cr_log_info("test seed %" PRIu64 " (DGEN_TEST_SEED), salt %" PRIu64,
		    seed, salt);
	r->x = seed * 0x2545f4914f6cdd1dull ^ salt;
	test_rng_next(r);
}

/* ===== Streams ===== */

static inline void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	cr_assert(p, "out of memory allocating %zu bytes", n);
	return p;
}

static inline struct dgen_stream_params
test_params(uint64_t size, uint32_t B, uint32_t C, double d, double c)
{
	struct dgen_stream_params p;

	dgen_stream_params_init(&p);
	p.size = size;
	p.dedup_unit = B;
	p.compress_chunk = C;
	p.dedup_ratio = d;
	p.compress_ratio = c;
	return p;
}

/* stream_make - dgen_stream_new that must succeed. */
static inline struct dgen_stream *
stream_make(const struct dgen_stream_params *p)
{
	struct dgen_stream *s = NULL;
	char msg[256] = "";
	int r = dgen_stream_new(&s, p, msg, sizeof(msg));

	cr_assert(r == 0 && s,
		  "dgen_stream_new(S=%" PRIu64 " B=%u C=%u d=%g c=%g "
		  "kernel=%s) = %d: %s", p->size, p->dedup_unit,
		  p->compress_chunk, p->dedup_ratio, p->compress_ratio,
		  p->kernel ? p->kernel : "(default)", r, msg);
	return s;
}

/* stream_fill - dgen_stream_fill that must succeed. */
static inline void stream_fill(const struct dgen_stream *s, void *buf,
			       uint64_t offset, size_t len)
{
	int r = dgen_stream_fill(s, buf, offset, len);

	cr_assert(r == 0, "dgen_stream_fill(offset %" PRIu64 ", len %zu) = %d",
		  offset, len, r);
}

static inline struct dgen_stream_layout
stream_layout(const struct dgen_stream *s)
{
	struct dgen_stream_layout l;

	dgen_stream_layout_get(s, &l);
	return l;
}

/* Index of the first byte where @a and @b differ, or @n if none. */
static inline size_t first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	if (!memcmp(a, b, n))
		return n;
	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			break;
	return i;
}

/* ===== Content hashes ===== */

/* A 128-bit XXH3 hash of a piece and where the piece came from. */
struct hrec {
	uint64_t hi, lo;
	uint64_t pos;		/* the piece's index or offset, for diagnostics */
};

static inline struct hrec hrec_of(const void *p, size_t n, uint64_t pos)
{
	XXH128_hash_t h = XXH3_128bits(p, n);

	return (struct hrec) { .hi = h.high64, .lo = h.low64, .pos = pos };
}

static inline int hrec_same(const struct hrec *a, const struct hrec *b)
{
	return a->hi == b->hi && a->lo == b->lo;
}

/* Order by hash, then by position. */
static inline int hrec_cmp(const void *pa, const void *pb)
{
	const struct hrec *a = pa, *b = pb;

	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->pos != b->pos)
		return a->pos < b->pos ? -1 : 1;
	return 0;
}

/*
 * hrec_distinct - sort @v (n records) and return how many distinct hashes
 * it holds. When @dup is not NULL, *@dup receives the first repeated pair
 * found (the lower position first), for the failure message.
 */
static inline size_t hrec_distinct(struct hrec *v, size_t n,
				   struct hrec dup[2])
{
	size_t i, distinct = n ? 1 : 0;
	int found = 0;

	qsort(v, n, sizeof(*v), hrec_cmp);
	for (i = 1; i < n; i++) {
		if (!hrec_same(&v[i], &v[i - 1])) {
			distinct++;
		} else if (dup && !found) {
			dup[0] = v[i - 1];
			dup[1] = v[i];
			found = 1;
		}
	}
	return distinct;
}

/* A growable array of hash records. */
struct hvec {
	struct hrec *v;
	size_t n, cap;
};

static inline void hvec_push(struct hvec *h, struct hrec r)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 4096;
		h->v = realloc(h->v, h->cap * sizeof(*h->v));
		cr_assert(h->v, "out of memory growing a hash vector");
	}
	h->v[h->n++] = r;
}

static inline void hvec_free(struct hvec *h)
{
	free(h->v);
	*h = (struct hvec) { 0 };
}

#endif /* DGEN_TESTUTIL_H */
