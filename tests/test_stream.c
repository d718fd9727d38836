// SPDX-License-Identifier: MIT
/*
 * test_stream.c - a stream is a pure function of its address (doc/data-contract.md section 1)
 *
 * A range generated in one call must equal the same range assembled from
 * random pieces (1-byte, odd, unaligned, large) filled in random order, and
 * the same range filled by 1, 2, 3 or 8 threads each owning a slice. Two
 * stream objects made from one set of parameters give identical bytes. The
 * layout follows the documented round robin u(i) = i mod U, and fill
 * refuses ranges that leave the stream.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <pthread.h>

#include "testutil.h"

struct setting {
	uint64_t size;
	uint32_t B, C;
	double d, c;
};

/*
 * Stream sizes are odd so the last block is partial; B from 512 B to 1 MiB,
 * d and c from 1 to their extremes (C no longer matters since format 2).
 */
static struct setting settings[] = {
	{ 12 * MIB + 777, 4096, 4096, 1.0, 1.0 },
	{ 12 * MIB + 4095, 4096, 4096, 2.5, 3.0 },
	{ 9 * MIB + 1, 512, 512, 1.5, 2.0 },
	{ 16 * MIB - 3, 65536, 1024, 7.3, 16.0 },
	{ 24 * MIB + 12345, 1u << 20, 4096, 3.0, 8.5 },
	{ 8 * MIB + 333, 8192, 512, 1.0, 20.0 },
	{ 10 * MIB + 100, 4096, 4096, 2.0, 1.01 },
};

#define NSETTINGS	(sizeof(settings) / sizeof(settings[0]))

static struct dgen_stream *setting_stream(const struct setting *st,
					  uint64_t seed, uint64_t id)
{
	struct dgen_stream_params p = test_params(st->size, st->B, st->C,
						  st->d, st->c);

	p.seed = seed;
	p.stream_id = id;
	return stream_make(&p);
}

/* A random piece length: often 1 byte or short and odd, sometimes large. */
static uint64_t piece_len(struct test_rng *r, uint32_t B)
{
	switch (test_rng_below(r, 6)) {
	case 0:
		return 1;
	case 1:
		return test_rng_range(r, 0, 49) * 2 + 1;	/* odd, < 100 */
	case 2:
		return test_rng_range(r, 2, 1100);
	case 3:
		return test_rng_range(r, 1, 3 * (uint64_t)B);
	case 4:
		return (uint64_t)B * test_rng_range(r, 1, 3) +
		       test_rng_range(r, 0, 1) * 3;
	default:
		return test_rng_range(r, 1, 1 * MIB);
	}
}

struct piece {
	uint64_t off, len;
};

/* Cut [a, b) into random pieces; return how many (in *out, to free). */
static size_t cut(struct test_rng *r, uint64_t a, uint64_t b, uint32_t B,
		  struct piece **out)
{
	size_t n = 0, cap = 1024;
	struct piece *v = xmalloc(cap * sizeof(*v));

	while (a < b) {
		uint64_t len = piece_len(r, B);

		if (len > b - a)
			len = b - a;
		if (n == cap) {
			cap *= 2;
			v = realloc(v, cap * sizeof(*v));
			cr_assert(v);
		}
		v[n++] = (struct piece) { a, len };
		a += len;
	}
	*out = v;
	return n;
}

static void shuffle(struct test_rng *r, struct piece *v, size_t n)
{
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = test_rng_below(r, i);
		struct piece t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

ParameterizedTestParameters(stream, split_invariance)
{
	return cr_make_param_array(struct setting, settings, NSETTINGS);
}

/*
 * The whole stream in one call, then sub-ranges [a, b) with unaligned ends
 * rebuilt from random pieces in random order.
 */
ParameterizedTest(struct setting *st, stream, split_invariance)
{
	struct test_rng r;
	struct dgen_stream *s;
	uint8_t *whole, *parts;
	int round;

	test_rng_init(&r, st->size ^ st->B);
	s = setting_stream(st, test_rng_next(&r), test_rng_next(&r));
	whole = xmalloc(st->size);
	parts = xmalloc(st->size);
	stream_fill(s, whole, 0, st->size);

	for (round = 0; round < 10; round++) {
		uint64_t a, b;
		struct piece *pv;
		size_t n, i, at;

		if (round == 0) {
			a = 0;
			b = st->size;
		} else {
			a = test_rng_below(&r, st->size);
			b = test_rng_range(&r, a + 1, st->size);
		}
		n = cut(&r, a, b, st->B, &pv);
		shuffle(&r, pv, n);
		memset(parts + a, 0xa5, b - a);
		for (i = 0; i < n; i++)
			stream_fill(s, parts + pv[i].off, pv[i].off, pv[i].len);
		at = first_diff(whole + a, parts + a, b - a);
		cr_assert(at == b - a,
			  "B %u C %u d %g c %g: [%" PRIu64 ", %" PRIu64 ") in "
			  "%zu random pieces differs from one fill at offset "
			  "%" PRIu64, st->B, st->C, st->d, st->c, a, b, n,
			  a + at);
		/* The same range in one call, at an unaligned address. */
		stream_fill(s, parts + 1, a, b - a - (b - a > 1));
		cr_assert(!memcmp(parts + 1, whole + a, b - a - (b - a > 1)),
			  "[%" PRIu64 ", %" PRIu64 ") filled at an odd address "
			  "differs", a, b);
		free(pv);
	}
	/* Every block, one byte at a time, around block and chunk edges. */
	{
		uint64_t x;

		for (x = 0; x < st->size; x += st->C) {
			uint64_t y, lo = x > 3 ? x - 3 : 0;

			for (y = lo; y < x + 3 && y < st->size; y++) {
				uint8_t byte;

				stream_fill(s, &byte, y, 1);
				cr_assert(byte == whole[y],
					  "byte %" PRIu64 " alone is %u, in the "
					  "whole fill %u", y, byte, whole[y]);
			}
		}
	}
	free(whole);
	free(parts);
	dgen_stream_free(s);
}

struct worker {
	const struct dgen_stream *s;
	uint8_t *buf;
	uint64_t a, b;		/* the slice [a, b) */
	uint64_t rng;
	int err;
};

/* Fill one slice in random sub-pieces, front to back. */
static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct test_rng r = { w->rng };
	uint64_t x = w->a;

	while (x < w->b) {
		uint64_t len = test_rng_range(&r, 1, 300 * KIB);

		if (len > w->b - x)
			len = w->b - x;
		if (dgen_stream_fill(w->s, w->buf + x, x, len)) {
			w->err = 1;
			break;
		}
		x += len;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

ParameterizedTestParameters(stream, thread_invariance)
{
	return cr_make_param_array(struct setting, settings, NSETTINGS);
}

/* 1, 2, 3 and 8 threads, each filling a slice with unaligned edges. */
ParameterizedTest(struct setting *st, stream, thread_invariance)
{
	static const unsigned int counts[] = { 1, 2, 3, 8 };
	struct test_rng r;
	struct dgen_stream *s;
	uint8_t *whole, *buf;
	unsigned int k;

	test_rng_init(&r, st->size * 3 + st->C);
	s = setting_stream(st, test_rng_next(&r), test_rng_next(&r));
	whole = xmalloc(st->size);
	buf = xmalloc(st->size);
	stream_fill(s, whole, 0, st->size);

	for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		unsigned int n = counts[k], t;
		pthread_t tid[8];
		struct worker w[8];
		uint64_t cuts[9];

		/* Random unaligned cut points, sorted. */
		cuts[0] = 0;
		cuts[n] = st->size;
		for (t = 1; t < n; t++)
			cuts[t] = test_rng_below(&r, st->size);
		qsort(cuts + 1, n - 1, sizeof(cuts[0]), cmp_u64);
		memset(buf, 0x5a, st->size);
		for (t = 0; t < n; t++) {
			w[t] = (struct worker) {
				.s = s, .buf = buf, .a = cuts[t],
				.b = cuts[t + 1], .rng = test_rng_next(&r),
			};
			cr_assert(!pthread_create(&tid[t], NULL, worker_run,
						  &w[t]));
		}
		for (t = 0; t < n; t++) {
			cr_assert(!pthread_join(tid[t], NULL));
			cr_assert(!w[t].err, "thread %u: fill failed", t);
		}
		{
			size_t at = first_diff(whole, buf, st->size);

			cr_assert(at == st->size,
				  "B %u C %u d %g c %g, %u threads: differs "
				  "from one fill at offset %zu", st->B, st->C,
				  st->d, st->c, n, at);
		}
	}
	free(whole);
	free(buf);
	dgen_stream_free(s);
}

/* Two stream objects from one set of parameters: the same bytes. */
Test(stream, deterministic)
{
	const uint64_t S = 64 * MIB;
	struct dgen_stream_params p = test_params(S, 4096, 4096, 1, 1);
	struct dgen_stream *s1, *s2;
	uint8_t *a = xmalloc(S), *b = xmalloc(S);
	size_t at;

	p.seed = 0xfeedface12345678ull;
	p.stream_id = 3;
	s1 = stream_make(&p);
	stream_fill(s1, a, 0, S);
	dgen_stream_free(s1);
	s2 = stream_make(&p);
	stream_fill(s2, b, 0, S);
	at = first_diff(a, b, S);
	cr_assert(at == S, "two runs with one seed differ at offset %zu", at);
	dgen_stream_free(s2);

	/* And with dedup and compression on. */
	p.dedup_ratio = 2.7;
	p.compress_ratio = 3.3;
	s1 = stream_make(&p);
	s2 = stream_make(&p);
	stream_fill(s1, a, 0, S);
	stream_fill(s2, b, 0, S);
	at = first_diff(a, b, S);
	cr_assert(at == S, "two runs (d 2.7, c 3.3) differ at offset %zu", at);
	dgen_stream_free(s1);
	dgen_stream_free(s2);
	free(a);
	free(b);
}

/*
 * Every parameter of doc/data-contract.md section 1 changes the bytes: seed, stream id, B,
 * C (at equal c), c, d and S (S through U) give seven distinct streams.
 */
Test(stream, parameters_matter)
{
	const uint64_t S = 4 * MIB;
	struct dgen_stream_params v[8];
	struct hrec h[8], dup[2];
	uint8_t *buf = xmalloc(S);
	unsigned int i;

	v[0] = test_params(S, 4096, 4096, 1, 1);
	v[0].seed = 11;
	v[0].stream_id = 22;
	for (i = 1; i < 8; i++)
		v[i] = v[0];
	v[1].seed = 12;
	v[2].stream_id = 23;
	v[3].dedup_unit = 8192;
	v[4].compress_ratio = 2;
	v[5].dedup_ratio = 2;
	v[5].dedup_window = MIB;	/* another window: other copies */
	v[6].dedup_ratio = 2;
	v[7].dedup_ratio = 2;
	v[7].compress_ratio = 2;
	for (i = 0; i < 8; i++) {
		struct dgen_stream *s = stream_make(&v[i]);

		stream_fill(s, buf, 0, S);
		h[i] = hrec_of(buf, S, i);
		dgen_stream_free(s);
	}
	cr_assert(hrec_distinct(h, 8, dup) == 8,
		  "variants %" PRIu64 " and %" PRIu64 " give the same bytes",
		  dup[0].pos, dup[1].pos);
	free(buf);
}

/*
 * The layout matches its documentation: N = ceil(S/B), the distinct
 * blocks the layout counts are the distinct blocks the data holds (every
 * block hashed whole), dedup_ratio = N / distinct, chunks are the distinct
 * blocks' sectors, G is a power of two from B to 1 MiB, W a multiple of G,
 * and the report names format 2.
 */
Test(stream, layout_documented)
{
	static const struct setting cases[] = {
		{ 8 * MIB, 4096, 4096, 2.0, 1.0 },
		{ 8 * MIB + 4096, 4096, 1024, 3.7, 5.0 },
		{ 5 * MIB + 1024, 512, 512, 1.25, 2.0 },
		{ 33 * MIB + 65536, 65536, 4096, 6.0, 1.5 },
		{ 80 * MIB, 1u << 20, 1u << 20, 1.5, 20.0 },
	};
	unsigned int k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct setting *st = &cases[k];
		struct dgen_stream *s = setting_stream(st, k, 100 + k);
		struct dgen_stream_layout l = stream_layout(s);
		uint8_t *buf = xmalloc(st->B);
		uint64_t N = (st->size + st->B - 1) / st->B, i, distinct;
		struct hrec *h = xmalloc(N * sizeof(*h));

		cr_assert(l.format_version == 2);
		cr_assert(l.blocks == N, "N %" PRIu64 ", want %" PRIu64,
			  l.blocks, N);
		cr_assert(l.unique_blocks >= 1 && l.unique_blocks <= N);
		cr_assert(l.dedup_ratio == (double)N / (double)l.unique_blocks);
		cr_assert(l.chunks == l.unique_blocks * st->B / 512);
		cr_assert(l.dedup_exact_unit >= st->B &&
			  l.dedup_exact_unit <= DGEN_UNIT_MAX &&
			  !(l.dedup_exact_unit & (l.dedup_exact_unit - 1)));
		cr_assert(l.dedup_window % l.dedup_exact_unit == 0 &&
			  l.window_distinct >= 1 &&
			  l.window_distinct <= l.window_pieces);
		for (i = 0; i < N; i++) {
			stream_fill(s, buf, i * st->B, st->B);
			h[i] = hrec_of(buf, st->B, i);
		}
		distinct = hrec_distinct(h, N, NULL);
		cr_log_info("S %" PRIu64 " B %u d %g: N %" PRIu64 " distinct %"
			    PRIu64 " (layout %" PRIu64 ") ratio %.5f G %u W %"
			    PRIu64, st->size, st->B, st->d, N, distinct,
			    l.unique_blocks, l.dedup_ratio, l.dedup_exact_unit,
			    l.dedup_window);
		cr_assert(distinct == l.unique_blocks, "the data holds %" PRIu64
			  " distinct blocks, the layout says %" PRIu64,
			  distinct, l.unique_blocks);
		free(h);
		free(buf);
		dgen_stream_free(s);
	}
}

/* Tiny streams and ranges at the very end. */
Test(stream, small_and_edges)
{
	static const uint64_t sizes[] = { 1, 2, 511, 512, 513, 4095, 4096,
					  4097, 8191, 12289 };
	unsigned int k;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct dgen_stream_params p = test_params(sizes[k], 4096, 512,
							  3, 2);
		struct dgen_stream *s = stream_make(&p);
		uint8_t whole[12289], one[12289];
		uint64_t x;

		stream_fill(s, whole, 0, sizes[k]);
		for (x = 0; x < sizes[k]; x++)
			stream_fill(s, one + x, x, 1);
		cr_assert(!memcmp(whole, one, sizes[k]), "size %" PRIu64,
			  sizes[k]);
		/* An empty range at the end is fine. */
		cr_assert(dgen_stream_fill(s, one, sizes[k], 0) == 0);
		dgen_stream_free(s);
	}
}

/* Ranges that leave the stream are refused and write nothing. */
Test(stream, fill_range_checked)
{
	const uint64_t S = 1 * MIB + 5;
	struct dgen_stream_params p = test_params(S, 4096, 4096, 2, 2);
	struct dgen_stream *s = stream_make(&p);
	static const struct {
		uint64_t off;
		size_t len;
	} bad[] = {
		{ 1 * MIB + 5, 1 },		/* starts at the end */
		{ 1 * MIB + 6, 0 },		/* starts past the end */
		{ 1 * MIB, 6 },			/* one byte past */
		{ 0, 1 * MIB + 6 },		/* longer than the stream */
		{ UINT64_MAX, 1 },
		{ UINT64_MAX, 0 },
		{ UINT64_MAX - 3, 8 },		/* offset + len wraps */
		{ 16, SIZE_MAX },		/* offset + len wraps */
		{ 1 * MIB + 4, SIZE_MAX - 1 * MIB },
	};
	uint8_t buf[64];
	unsigned int k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		int r;

		memset(buf, 0x77, sizeof(buf));
		r = dgen_stream_fill(s, buf, bad[k].off, bad[k].len);
		cr_assert(r == -EINVAL, "fill(%" PRIu64 ", %zu) on a stream of "
			  "%" PRIu64 " bytes = %d, want -EINVAL", bad[k].off,
			  bad[k].len, S, r);
		cr_assert(buf[0] == 0x77 && buf[63] == 0x77,
			  "a refused fill wrote to the buffer");
	}
	cr_assert(dgen_stream_fill(s, buf, S - 5, 5) == 0);
	cr_assert(dgen_stream_fill(s, buf, S, 0) == 0);
	cr_assert(dgen_stream_fill(s, buf, 0, 0) == 0);
	dgen_stream_free(s);
}
