// SPDX-License-Identifier: MIT
/*
 * test_compare.c - dgen_stream_compare finds every wrong block and says
 * exactly where and how it is wrong (doc/data-contract.md section 5)
 *
 * The buffers compared are real stream bytes from dgen_stream_fill, then
 * corrupted at known places; each report is checked field by field.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>

#include "testutil.h"

#define SECTOR		DGEN_SECTOR_SIZE
#define MAX_REPORTS	64
#define MAP_WORDS_MAX	(DGEN_UNIT_MAX / SECTOR / 64 + 1)

/* One report as the callback saw it, its sector map copied out. */
struct report {
	struct dgen_mismatch m;
	uint64_t map[MAP_WORDS_MAX];
	unsigned int map_words;
};

struct recorder {
	struct report r[MAX_REPORTS];
	unsigned int n;
	unsigned int stop_after;	/* return nonzero on this call (1-based) */
};

static int record(const struct dgen_mismatch *m, void *arg)
{
	struct recorder *rec = arg;
	struct report *r;
	uint64_t last;

	cr_assert(rec->n < MAX_REPORTS, "too many mismatch reports");
	r = &rec->r[rec->n++];
	r->m = *m;
	cr_assert(m->len > 0 && m->sector_map);
	last = (m->offset + m->len - 1) / SECTOR;
	cr_assert(last >= m->first_sector);
	r->map_words = (unsigned int)((last - m->first_sector) / 64 + 1);
	cr_assert(r->map_words <= MAP_WORDS_MAX, "%u map words",
		  r->map_words);
	memcpy(r->map, m->sector_map, r->map_words * sizeof(uint64_t));
	r->m.sector_map = NULL;
	return rec->stop_after && rec->n == rec->stop_after;
}

static int map_bit(const struct report *r, uint64_t k)
{
	return k / 64 < r->map_words && (r->map[k / 64] >> (k % 64)) & 1;
}

static unsigned int map_count(const struct report *r)
{
	unsigned int i, n = 0;

	for (i = 0; i < r->map_words; i++)
		n += (unsigned int)__builtin_popcountll(r->map[i]);
	return n;
}

struct cmp_setting {
	uint64_t size;
	uint32_t B, C;
	double d, c;
};

static struct cmp_setting cmp_settings[] = {
	{ 8 * MIB, 4096, 4096, 1.0, 1.0 },
	{ 8 * MIB + 1000, 4096, 4096, 2.0, 4.0 },	/* zero prefixes */
	{ 16 * MIB, 65536, 512, 3.0, 8.0 },
	{ 24 * MIB - 5, 1u << 20, 4096, 1.5, 1.0 },	/* 2048-bit maps */
	{ 4 * MIB + 17, 512, 512, 1.0, 2.0 },
};

ParameterizedTestParameters(compare, finds_one_byte)
{
	return cr_make_param_array(struct cmp_setting, cmp_settings,
				   sizeof(cmp_settings) /
				   sizeof(cmp_settings[0]));
}

/*
 * One flipped byte anywhere: one report, for the right block, one bad
 * sector with the right bit, first_bad the byte itself.
 */
ParameterizedTest(struct cmp_setting *st, compare, finds_one_byte)
{
	struct dgen_stream_params p = test_params(st->size, st->B, st->C,
						  st->d, st->c);
	struct dgen_stream *s, *s1;
	struct dgen_stream_params p1;
	struct dgen_stream_layout l;
	uint8_t *want = xmalloc(st->B), *got1 = xmalloc(st->B);
	struct recorder *rec = xmalloc(sizeof(*rec));
	uint8_t *buf = xmalloc(st->size);
	struct test_rng r;
	int it;

	test_rng_init(&r, st->size + st->B);
	p.seed = test_rng_next(&r);
	s = stream_make(&p);
	p1 = p;
	p1.dedup_ratio = 1.0;
	p1.size = (p.size + st->B - 1) / st->B * st->B;
	s1 = stream_make(&p1);
	l = stream_layout(s);
	stream_fill(s, buf, 0, st->size);
	memset(rec, 0, sizeof(*rec));
	cr_assert(dgen_stream_compare(s, buf, 0, st->size, record, rec) == 0,
		  "the stream's own bytes compare unequal");
	cr_assert(rec->n == 0, "callback called for a correct buffer");

	for (it = 0; it < 120; it++) {
		uint64_t x = test_rng_below(&r, st->size);
		uint8_t flip = (uint8_t)test_rng_range(&r, 1, 255);
		uint64_t i = x / st->B, start = i * st->B;
		uint64_t end = start + st->B < st->size ? start + st->B :
			       st->size;
		const struct report *rep;
		int64_t n;

		buf[x] ^= flip;
		memset(rec, 0, sizeof(*rec));
		n = dgen_stream_compare(s, buf, 0, st->size, record, rec);
		cr_assert(n == 1 && rec->n == 1,
			  "byte %" PRIu64 " flipped: %" PRId64 " blocks, %u "
			  "reports, want 1", x, n, rec->n);
		rep = &rec->r[0];
		cr_assert(rep->m.block == i, "block %" PRIu64 ", want %" PRIu64,
			  rep->m.block, i);
		/*
		 * Distinct block u of this stream is block u of the d = 1
		 * stream with the same seed and c.
		 */
		cr_assert(rep->m.unique < l.unique_blocks,
			  "unique %" PRIu64 " of %" PRIu64, rep->m.unique,
			  l.unique_blocks);
		stream_fill(s, want, start, end - start);
		stream_fill(s1, got1, rep->m.unique * st->B, end - start);
		cr_assert(!memcmp(want, got1, end - start),
			  "block %" PRIu64 " is not distinct block %" PRIu64,
			  i, rep->m.unique);
		cr_assert(rep->m.offset == start && rep->m.len == end - start,
			  "compared [%" PRIu64 ", +%u), want [%" PRIu64
			  ", +%" PRIu64 ")", rep->m.offset, rep->m.len, start,
			  end - start);
		cr_assert(rep->m.first_sector == start / SECTOR,
			  "first_sector %" PRIu64 ", want %" PRIu64,
			  rep->m.first_sector, start / SECTOR);
		cr_assert(rep->m.bad_sectors == 1 && map_count(rep) == 1,
			  "%u bad sectors (%u map bits), want 1",
			  rep->m.bad_sectors, map_count(rep));
		cr_assert(map_bit(rep, x / SECTOR - start / SECTOR),
			  "bit %" PRIu64 " not set", x / SECTOR - start / SECTOR);
		cr_assert(rep->m.first_bad == x, "first_bad %" PRIu64 ", want %"
			  PRIu64, rep->m.first_bad, x);
		cr_assert(!rep->m.all_zero);
		/* Counting only, without a callback. */
		cr_assert(dgen_stream_compare(s, buf, 0, st->size, NULL,
					      NULL) == 1);
		buf[x] ^= flip;
	}
	cr_assert(dgen_stream_compare(s, buf, 0, st->size, NULL, NULL) == 0);
	free(want);
	free(got1);
	free(rec);
	free(buf);
	dgen_stream_free(s);
	dgen_stream_free(s1);
}

static struct dgen_stream *make(uint64_t size, uint32_t B, uint32_t C,
				double d, double c, uint64_t seed)
{
	struct dgen_stream_params p = test_params(size, B, C, d, c);

	p.seed = seed;
	return stream_make(&p);
}

/* Several sectors of one block: each bit, first_bad the lowest byte. */
Test(compare, several_sectors)
{
	const uint32_t B = 65536;
	const uint64_t S = 4 * MIB;
	struct dgen_stream *s = make(S, B, 4096, 2, 1, 5);
	struct recorder *rec = xmalloc(sizeof(*rec));
	uint8_t *buf = xmalloc(S);
	/* sectors 127, 3, 64 and 63 of block 9, two bytes in sector 3 */
	static const uint32_t at[] = { 127 * 512 + 511, 3 * 512 + 100,
				       3 * 512 + 7, 64 * 512, 63 * 512 + 1 };
	const struct report *rep;
	unsigned int k;

	stream_fill(s, buf, 0, S);
	for (k = 0; k < 5; k++)
		buf[9 * B + at[k]] ^= 0x80;
	memset(rec, 0, sizeof(*rec));
	cr_assert(dgen_stream_compare(s, buf, 0, S, record, rec) == 1);
	rep = &rec->r[0];
	cr_assert(rep->m.block == 9);
	cr_assert(rep->m.bad_sectors == 4 && map_count(rep) == 4,
		  "%u bad sectors, want 4", rep->m.bad_sectors);
	cr_assert(map_bit(rep, 3) && map_bit(rep, 63) && map_bit(rep, 64) &&
		  map_bit(rep, 127));
	cr_assert(rep->m.first_bad == 9 * B + 3 * 512 + 7,
		  "first_bad %" PRIu64, rep->m.first_bad);
	free(rec);
	free(buf);
	dgen_stream_free(s);
}

/* A block read back as zeros: all_zero, every non-zero sector bad. */
Test(compare, zeroed_block)
{
	static const struct {
		uint32_t B, C;
		double c;
	} cases[] = {
		{ 4096, 4096, 1 }, { 65536, 4096, 4 }, { 8192, 512, 2 },
		{ 1u << 20, 1u << 20, 20 },
	};
	unsigned int k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const uint32_t B = cases[k].B;
		const uint64_t S = 16 * (uint64_t)B + 100;
		struct dgen_stream *s = make(S, B, cases[k].C, 1.6, cases[k].c,
					     k);
		struct recorder *rec = xmalloc(sizeof(*rec));
		uint8_t *buf = xmalloc(S), *want = xmalloc(S);
		const struct report *rep;
		uint64_t i = 5, x, first_nz = UINT64_MAX;
		unsigned int sec, want_bad = 0;

		stream_fill(s, want, 0, S);
		memcpy(buf, want, S);
		memset(buf + i * B, 0, B);
		for (sec = 0; sec < B / SECTOR; sec++) {
			const uint8_t *w = want + i * B + sec * SECTOR;

			for (x = 0; x < SECTOR && !w[x]; x++)
				;
			if (x < SECTOR) {
				want_bad++;
				if (first_nz == UINT64_MAX)
					first_nz = i * B + sec * SECTOR + x;
			}
		}
		memset(rec, 0, sizeof(*rec));
		cr_assert(dgen_stream_compare(s, buf, 0, S, record, rec) == 1);
		rep = &rec->r[0];
		cr_assert(rep->m.block == i && rep->m.all_zero == 1,
			  "B %u: block %" PRIu64 " all_zero %d", B, rep->m.block,
			  rep->m.all_zero);
		cr_assert(rep->m.bad_sectors == want_bad,
			  "B %u c %g: %u bad sectors, want %u", B, cases[k].c,
			  rep->m.bad_sectors, want_bad);
		cr_assert(rep->m.first_bad == first_nz,
			  "first_bad %" PRIu64 ", want %" PRIu64,
			  rep->m.first_bad, first_nz);
		/*
		 * The second half of the block zeroed: wrong, and all_zero
		 * says whether the first half is all zero too.
		 */
		memcpy(buf, want, S);
		memset(buf + i * B + B / 2, 0, B / 2);
		for (x = 0; x < B && !buf[i * B + x]; x++)
			;
		memset(rec, 0, sizeof(*rec));
		cr_assert(dgen_stream_compare(s, buf, 0, S, record, rec) == 1);
		cr_assert(rec->r[0].m.all_zero == (x == B),
			  "B %u c %g: all_zero %d, the block is %sall zero", B,
			  cases[k].c, rec->r[0].m.all_zero,
			  x == B ? "" : "not ");
		/*
		 * The partial last block (100 bytes) zeroed: reported as all
		 * zero, unless those bytes were meant to be zero anyway.
		 */
		memcpy(buf, want, S);
		memset(buf + 16 * (uint64_t)B, 0, 100);
		memset(rec, 0, sizeof(*rec));
		if (memcmp(buf, want, S)) {
			cr_assert(dgen_stream_compare(s, buf, 0, S, record,
						      rec) == 1);
			cr_assert(rec->r[0].m.block == 16 &&
				  rec->r[0].m.len == 100 &&
				  rec->r[0].m.all_zero == 1);
		} else {
			cr_assert(dgen_stream_compare(s, buf, 0, S, record,
						      rec) == 0);
		}
		free(rec);
		free(buf);
		free(want);
		dgen_stream_free(s);
	}
}

/* Three bad blocks: three reports in stream order; stopping early. */
Test(compare, several_blocks_in_order)
{
	const uint32_t B = 4096;
	const uint64_t S = 8 * MIB;
	struct dgen_stream *s = make(S, B, 4096, 3, 2, 9);
	struct recorder *rec = xmalloc(sizeof(*rec));
	uint8_t *buf = xmalloc(S);
	static const uint64_t blocks[] = { 17, 900, 2047 };
	unsigned int k;
	int64_t n;

	stream_fill(s, buf, 0, S);
	buf[blocks[2] * B + 4095] ^= 1;
	buf[blocks[0] * B + 1000] ^= 2;
	/* c = 2: bytes 2048.. of the block are random; zero two sectors */
	memset(buf + blocks[1] * B + 2560, 0, 1024);
	memset(rec, 0, sizeof(*rec));
	n = dgen_stream_compare(s, buf, 0, S, record, rec);
	cr_assert(n == 3 && rec->n == 3, "%" PRId64 " blocks, %u reports",
		  n, rec->n);
	for (k = 0; k < 3; k++)
		cr_assert(rec->r[k].m.block == blocks[k],
			  "report %u is block %" PRIu64 ", want %" PRIu64, k,
			  rec->r[k].m.block, blocks[k]);
	cr_assert(rec->r[0].m.first_bad == blocks[0] * B + 1000);
	cr_assert(rec->r[2].m.first_bad == blocks[2] * B + 4095);
	cr_assert(rec->r[1].m.bad_sectors == 2 &&
		  map_bit(&rec->r[1], 5) && map_bit(&rec->r[1], 6));

	/* The callback stops the walk: the count so far comes back. */
	for (k = 1; k <= 3; k++) {
		memset(rec, 0, sizeof(*rec));
		rec->stop_after = k;
		n = dgen_stream_compare(s, buf, 0, S, record, rec);
		cr_assert(n == k && rec->n == k,
			  "stop after %u: returned %" PRId64 ", %u calls", k, n,
			  rec->n);
	}
	cr_assert(dgen_stream_compare(s, buf, 0, S, NULL, NULL) == 3);
	free(rec);
	free(buf);
	dgen_stream_free(s);
}

/*
 * Unaligned ranges: the first and last blocks are compared in part, and
 * their reports say so; sectors count from the range's first sector.
 */
Test(compare, unaligned_ranges)
{
	const uint32_t B = 8192;
	const uint64_t S = 2 * MIB + 333;
	struct dgen_stream *s = make(S, B, 1024, 1.8, 3, 77);
	struct recorder *rec = xmalloc(sizeof(*rec));
	uint8_t *want = xmalloc(S), *buf = xmalloc(S);
	struct test_rng r;
	int it;

	test_rng_init(&r, 99);
	stream_fill(s, want, 0, S);
	for (it = 0; it < 300; it++) {
		uint64_t a = test_rng_below(&r, S);
		uint64_t b = test_rng_range(&r, a + 1,
					    a + 5 * B < S ? a + 5 * B : S);
		uint64_t x = test_rng_range(&r, a, b - 1);
		uint64_t i = x / B;
		uint64_t lo = i * B > a ? i * B : a;
		uint64_t hi = (i + 1) * B < b ? (i + 1) * B : b;
		const struct report *rep;
		int64_t n;

		/* The buffer holds [a, b) only. */
		memcpy(buf, want + a, b - a);
		cr_assert(dgen_stream_compare(s, buf, a, b - a, NULL, NULL) == 0,
			  "[%" PRIu64 ", %" PRIu64 ") correct but unequal", a,
			  b);
		buf[x - a] ^= 0x10;
		memset(rec, 0, sizeof(*rec));
		n = dgen_stream_compare(s, buf, a, b - a, record, rec);
		cr_assert(n == 1, "[%" PRIu64 ", %" PRIu64 ") with byte %"
			  PRIu64 " bad: %" PRId64 " blocks", a, b, x, n);
		rep = &rec->r[0];
		cr_assert(rep->m.block == i && rep->m.offset == lo &&
			  rep->m.len == hi - lo,
			  "block %" PRIu64 " [%" PRIu64 ", +%u), want %" PRIu64
			  " [%" PRIu64 ", +%" PRIu64 ")", rep->m.block,
			  rep->m.offset, rep->m.len, i, lo, hi - lo);
		cr_assert(rep->m.first_sector == lo / SECTOR);
		cr_assert(rep->m.first_bad == x);
		cr_assert(rep->m.bad_sectors == 1 &&
			  map_bit(rep, x / SECTOR - lo / SECTOR) &&
			  map_count(rep) == 1,
			  "%u bad sectors, bit %" PRIu64 " set: %d",
			  rep->m.bad_sectors, x / SECTOR - lo / SECTOR,
			  map_bit(rep, x / SECTOR - lo / SECTOR));
	}
	free(rec);
	free(want);
	free(buf);
	dgen_stream_free(s);
}

/*
 * Data of another seed (a stale or foreign write): every block reported,
 * each sector that holds random bytes bad (with c = 1.5 the first two
 * sectors of each 4 KiB chunk are zero in both streams, so they match).
 */
Test(compare, foreign_data)
{
	const uint32_t B = 4096;
	const uint64_t S = 1 * MIB;
	struct dgen_stream *s = make(S, B, 4096, 2, 1.5, 1);
	struct dgen_stream *t = make(S, B, 4096, 2, 1.5, 2);
	struct recorder *rec = xmalloc(sizeof(*rec));
	uint8_t *buf = xmalloc(S), *want = xmalloc(S);
	unsigned int k;

	stream_fill(t, buf, 0, S);
	stream_fill(s, want, 0, S);
	cr_assert(dgen_stream_compare(s, buf, 0, S, NULL, NULL) ==
		  (int64_t)(S / B));
	memset(rec, 0, sizeof(*rec));
	cr_assert(dgen_stream_compare(s, buf, 0, 40 * B, record, rec) == 40);
	for (k = 0; k < 40; k++) {
		unsigned int sec, bad = 0;

		for (sec = 0; sec < B / SECTOR; sec++) {
			uint64_t o = (uint64_t)k * B + sec * SECTOR;
			int differs = memcmp(buf + o, want + o, SECTOR) != 0;

			bad += differs;
			cr_assert(map_bit(&rec->r[k], sec) == differs,
				  "block %u sector %u: map bit %d", k, sec,
				  map_bit(&rec->r[k], sec));
		}
		cr_assert(rec->r[k].m.block == k && !rec->r[k].m.all_zero);
		cr_assert(bad >= 1 && rec->r[k].m.bad_sectors == bad,
			  "block %u: %u bad sectors, want %u", k,
			  rec->r[k].m.bad_sectors, bad);
	}
	free(rec);
	free(buf);
	free(want);
	dgen_stream_free(s);
	dgen_stream_free(t);
}

/* Ranges that leave the stream are refused, the callback never called. */
Test(compare, range_checked)
{
	const uint64_t S = 1 * MIB + 5;
	struct dgen_stream *s = make(S, 4096, 4096, 1, 1, 0);
	struct recorder *rec = xmalloc(sizeof(*rec));
	uint8_t buf[64] = { 0 };
	static const struct {
		uint64_t off;
		size_t len;
	} bad[] = {
		{ 1 * MIB + 5, 1 }, { 1 * MIB + 6, 0 }, { 1 * MIB, 6 },
		{ 0, 1 * MIB + 6 }, { UINT64_MAX, 1 }, { UINT64_MAX, 0 },
		{ UINT64_MAX - 3, 8 }, { 16, SIZE_MAX },
		{ 1 * MIB + 4, SIZE_MAX - 1 * MIB },
	};
	unsigned int k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		int64_t n;

		memset(rec, 0, sizeof(*rec));
		n = dgen_stream_compare(s, buf, bad[k].off, bad[k].len, record,
					rec);
		cr_assert(n == -EINVAL, "compare(%" PRIu64 ", %zu) = %" PRId64
			  ", want -EINVAL", bad[k].off, bad[k].len, n);
		cr_assert(rec->n == 0);
	}
	cr_assert(dgen_stream_compare(s, buf, S, 0, NULL, NULL) == 0);
	cr_assert(dgen_stream_compare(s, buf, 0, 0, NULL, NULL) == 0);
	free(rec);
	dgen_stream_free(s);
}

/*
 * The end of the largest stream each B allows (2^64 - B bytes): the last
 * bytes fill, compare equal, and a flipped byte there is found exactly.
 */
Test(compare, largest_stream_end)
{
	uint32_t B;

	for (B = 512; B <= DGEN_UNIT_MAX; B *= 2) {
		const uint64_t S = UINT64_MAX - B + 1;
		const size_t n = 16 * KIB;
		struct dgen_stream *s = make(S, B, 512, 2, 2, B);
		struct recorder *rec = xmalloc(sizeof(*rec));
		uint8_t *buf = xmalloc(n + 4096);
		/* A byte inside the compared range, in its last block. */
		uint64_t a = S - n, bad = S - 1 - (B < n ? B : n) / 3;
		int64_t r;

		cr_log_info("B %u: stream of %" PRIu64 " bytes, compare [%"
			    PRIu64 ", +%zu)", B, S, a, n);
		/* The guard bytes past the range differ from the stream. */
		memset(buf + n, 0xee, 4096);
		stream_fill(s, buf, a, n);
		r = dgen_stream_compare(s, buf, a, n, NULL, NULL);
		cr_assert(r == 0, "B %u: the last %zu bytes of a stream of %"
			  PRIu64 " bytes compare unequal to themselves (%"
			  PRId64 ")", B, n, S, r);
		buf[bad - a] ^= 4;
		memset(rec, 0, sizeof(*rec));
		r = dgen_stream_compare(s, buf, a, n, record, rec);
		cr_assert(r == 1 && rec->n == 1, "B %u: %" PRId64 " blocks", B,
			  r);
		cr_assert(rec->r[0].m.first_bad == bad &&
			  rec->r[0].m.block == bad / B &&
			  rec->r[0].m.bad_sectors == 1,
			  "B %u: first_bad %" PRIu64 " (want %" PRIu64 "), "
			  "block %" PRIu64 ", %u bad sectors", B,
			  rec->r[0].m.first_bad, bad, rec->r[0].m.block,
			  rec->r[0].m.bad_sectors);
		free(rec);
		free(buf);
		dgen_stream_free(s);
	}
}
