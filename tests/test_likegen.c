// SPDX-License-Identifier: MIT
/*
 * test_likegen.c - a --like stream is a pure function of its address
 * (doc/data-contract.md sections 1 and 7.4)
 *
 * Streams made from profiles (dgen_profile_params, with narrowed bytes,
 * a zero class and matches between blocks), at dedup units from 512 B to
 * 64 KiB: every kernel writes the generic kernel's bytes, any split of a
 * range into calls gives one call's bytes, compare finds them equal; a
 * profile written and loaded again gives the same parameters and digest;
 * all-zero sectors are exactly the zero class's, and no other aligned
 * sector repeats in a d = 1 stream (hashed); the bytes of a few ranges
 * are pinned by their hash.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dgen/profile.h>

#include "testutil.h"

/* A profile like the system libraries', with zero blocks and dedup. */
static struct dgen_profile test_profile(struct test_rng *r)
{
	static const double lz4[DGEN_PROFILE_BUCKETS] = {
		1.01, 1.32, 1.68, 2.6, 3.3, 4.6, 7.1, 9.6, 18,
	};
	struct dgen_profile p = { 0 };
	double left = 1.0;
	unsigned int b;

	p.version = DGEN_PROFILE_VERSION;
	p.blocks = 8192;
	p.bytes = 8192 * 4096ull;
	p.zero_share = 0.05 * test_rng_unit(r);
	for (b = 0; b < DGEN_PROFILE_BUCKETS; b++) {
		p.hist[b] = b + 1 < DGEN_PROFILE_BUCKETS ?
			    left * 0.3 * test_rng_unit(r) : left;
		left -= b + 1 < DGEN_PROFILE_BUCKETS ? p.hist[b] : 0.0;
		p.bucket_lz4[b] = lz4[b];
		p.bucket_zstd[b] = lz4[b] * (1.0 + 0.6 * test_rng_unit(r));
	}
	p.hist[DGEN_PROFILE_BUCKETS - 1] += p.zero_share;
	for (b = 0; b < DGEN_PROFILE_BUCKETS; b++)
		p.hist[b] /= 1.0 + p.zero_share;
	p.zero_share /= 1.0 + p.zero_share;
	p.lz4_4k = 1.8;
	p.zstd_4k = 2.3;
	p.zstd_64k = 2.3 * (1.0 + 0.3 * test_rng_unit(r));
	p.dedup_4k = 1.0 + 2.0 * test_rng_unit(r);
	return p;
}

static struct dgen_stream_params like_params(struct test_rng *r)
{
	static const uint32_t units[] = { 512, 4096, 16384, 65536 };
	struct dgen_profile prof = test_profile(r);
	struct dgen_stream_params p;
	char msg[256];

	dgen_stream_params_init(&p);
	cr_assert(dgen_profile_params(&prof, &p, msg, sizeof(msg)) == 0, "%s",
		  msg);
	p.seed = test_rng_below(r, 1000);
	p.stream_id = test_rng_below(r, 4);
	p.dedup_unit = units[test_rng_below(r, 4)];
	p.size = test_rng_range(r, 1, 48) * MIB / 2 + test_rng_below(r, 3) * 1000;
	return p;
}

Test(likegen, kernels_and_splits)
{
	uint8_t *a = xmalloc(3 * MIB), *b = xmalloc(3 * MIB);
	struct test_rng r;
	unsigned int it, k;
	const char *name;

	test_rng_init(&r, 74);
	for (it = 0; it < 30; it++) {
		struct dgen_stream_params p = like_params(&r);
		struct dgen_stream *g, *s;
		uint64_t off = test_rng_below(&r, p.size), cut;
		size_t len = (size_t)test_rng_range(&r, 1, 3 * MIB);

		cr_assert(p.match_share > 0.0 && dgen_stream_params_format(&p) ==
			  DGEN_STREAM_FORMAT_V3);
		if (len > p.size - off)
			len = (size_t)(p.size - off);
		p.kernel = "generic";
		g = stream_make(&p);
		stream_fill(g, a, off, len);
		for (k = 0; (name = dgen_kernel_name(k)); k++) {
			p.kernel = name;
			s = stream_make(&p);
			memset(b, 0xa5, len);
			cut = test_rng_below(&r, len + 1);
			stream_fill(s, b + cut, off + cut, len - cut);
			stream_fill(s, b, off, (size_t)cut);
			cr_assert(!memcmp(a, b, len),
				  "kernel %s differs (size %" PRIu64 " B %u d %g match %g, range %" PRIu64 "+%zu, cut %" PRIu64 ")",
				  name, p.size, p.dedup_unit, p.dedup_ratio,
				  p.match_share, off, len, cut);
			cr_assert(dgen_stream_compare(s, a, off, len, NULL, NULL) == 0);
			dgen_stream_free(s);
		}
		dgen_stream_free(g);
	}
	free(a);
	free(b);
}

Test(likegen, profile_round_trip)
{
	struct test_rng r;
	struct dgen_profile p, q;
	struct dgen_stream_params a, b;
	char path[] = "/dev/shm/dgen-likegen.XXXXXX", da[40], db[40], msg[256];
	int fd;
	FILE *f;

	test_rng_init(&r, 75);
	p = test_profile(&r);
	p.bucket_bits[3] = 4.25;
	p.match_share = 0.125;
	fd = mkstemp(path);
	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	cr_assert(dgen_profile_write(&p, f) == 0);
	fclose(f);
	cr_assert(dgen_profile_load(&q, path, msg, sizeof(msg)) == 0, "%s", msg);
	unlink(path);
	dgen_stream_params_init(&a);
	dgen_stream_params_init(&b);
	cr_assert(dgen_profile_params(&p, &a, NULL, 0) == 0);
	cr_assert(dgen_profile_params(&q, &b, NULL, 0) == 0);
	cr_assert_eq(a.mix.count, b.mix.count);
	cr_assert(fabs(a.dedup_ratio - b.dedup_ratio) < 1e-6);
	cr_assert_eq(b.match_share, 0.125);
	cr_assert_str_eq(dgen_profile_digest(&p, da, sizeof(da)),
			 dgen_profile_digest(&q, db, sizeof(db)));
	q.zstd_64k *= 1.01;
	cr_assert_str_neq(da, dgen_profile_digest(&q, db, sizeof(db)));
	cr_assert(dgen_profile_load(&q, "/nonexistent", msg, sizeof(msg)) < 0);
	cr_assert(strstr(msg, "/nonexistent"));
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* FNV-1a over a sector, 64 bits: a collision would need 2^32 sectors. */
static uint64_t sector_hash(const uint8_t *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned int i;

	for (i = 0; i < 512; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return h;
}

Test(likegen, sectors_unique_zero_only_as_asked)
{
	const uint64_t S = 32 * MIB, n = S / 512;
	uint8_t *a = xmalloc(S), zero[512] = { 0 };
	uint64_t *h = xmalloc(n * sizeof(*h)), i, zeros = 0, dups = 0, zb = 0;
	struct test_rng r;
	struct dgen_stream_params p;
	struct dgen_stream *s;

	test_rng_init(&r, 76);
	p = like_params(&r);
	p.dedup_ratio = 1.0;
	p.dedup_unit = 4096;
	p.size = S;
	s = stream_make(&p);
	stream_fill(s, a, 0, S);
	for (i = 0; i < n; i++) {
		if (!memcmp(a + i * 512, zero, 512)) {
			zeros++;
			h[i] = 0;
			continue;
		}
		h[i] = sector_hash(a + i * 512) | 1;
	}
	for (i = 0; i < S / 4096; i++)
		zb += !memcmp(a + i * 4096, a + i * 4096 + 512, 512) &&
		      !memcmp(a + i * 4096, zero, 512);
	qsort(h, n, sizeof(*h), cmp_u64);
	for (i = 1; i < n; i++)
		dups += h[i] && h[i] == h[i - 1];
	cr_assert_eq(dups, 0, "%" PRIu64 " aligned sectors repeat in a d = 1 stream", dups);
	cr_assert(zb > 0, "no zero blocks at zero share %g", p.mix.weight[p.mix.count - 1]);
	cr_assert_eq(zeros, 8 * zb, "%" PRIu64 " zero sectors, %" PRIu64 " zero blocks",
		     zeros, zb);
	dgen_stream_free(s);
	free(a);
	free(h);
}

/*
 * The bytes themselves, pinned: FNV-1a of ranges of --like streams (dedup
 * units 512 B to 64 KiB, with and without matches, a ratio-1 class with
 * bits, block-aligned and unaligned ranges), as main laid them before the
 * narrowing moved into the kernels' stores (bench/RESULTS.md, third round
 * of --like speed). Any change of these is a change of the data contract.
 */
Test(likegen, bytes_pinned)
{
	static const uint32_t units[] = { 512, 1024, 4096, 65536 };
	static const uint64_t want[] = {
		0x13c15a2bd6ba997dull, 0xddf0d876ef2eb68bull,
		0x3315a636ac25e5fcull, 0x6b1a18fc17160780ull,
		0x9f3c86b5d254a1c8ull, 0x1311208a2fa8c631ull,
		0xe88fba546ab0a12cull, 0x3f3d998e35a9a7a1ull,
		0x4acf2c1e3d53b91bull, 0x4b24021361018622ull,
		0xb8ad75a676f6e033ull, 0x700818d6aa902932ull,
		0xdea6b38098cf3e9aull, 0x66c83b18abf71cdcull,
		0xfd1c107717f3342eull, 0x718ca3e66eef3e8full,
	};
	const size_t len = 2 * MIB + 4096;
	uint8_t *a = xmalloc(len);
	struct test_rng r;
	unsigned int i;

	test_rng_init(&r, 77);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct dgen_stream_params p = like_params(&r);
		const size_t n = len - (i % 2) * 77;
		const char *name;
		uint64_t off;
		unsigned int k;

		p.dedup_unit = units[i % 4];
		p.size = 16 * MIB;
		if (i % 8 >= 4)
			p.match_share = 0.0;
		if (i >= 8) {
			/* An incompressible class narrowed: the pass behind
			   the whole-block fill. */
			p.mix.ratio[0] = 1.0;
			p.mix.bits[0] = 6.5;
		}
		off = i % 2 ? 3 * MIB + 7 * 4096 + 123 : 5 * MIB;
		for (k = 0; (name = dgen_kernel_name(k)); k++) {
			struct dgen_stream *s;
			uint64_t h = 0xcbf29ce484222325ull;
			size_t j;

			p.kernel = name;
			s = stream_make(&p);
			stream_fill(s, a, off, n);
			for (j = 0; j < n; j++)
				h = (h ^ a[j]) * 0x100000001b3ull;
			cr_expect_eq(h, want[i], "case %u (B %u, match %g, kernel %s): 0x%016" PRIx64 "ull",
				     i, p.dedup_unit, p.match_share, name, h);
			dgen_stream_free(s);
		}
	}
	free(a);
}
