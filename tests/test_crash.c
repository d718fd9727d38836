// SPDX-License-Identifier: MIT
/*
 * test_crash.c - the crash classifier on targets laid out by hand
 *
 * A journal (written with the library's journal) says which ranges of
 * pass 2 were durable; the target, a file in /dev/shm, gets pass 1's
 * stream, pass 2's where the writes landed, and then one of each thing a
 * crash can leave: a durable block holding pass 1's data, zeros, or one
 * bad sector (lost: stale, zeroed, foreign); a block half new and half
 * old (torn); a sector of garbage where old data was known (corrupt); a
 * write unit whose blocks are each whole but not all new. Every count,
 * every listed block with its sector map, and the verdict are exact.
 * Then the previous content as zeros, unknown, or known only where the
 * previous pass reached; a unit torn under an atomic promise; a stream
 * view; and the errors.
 */
#include <criterion/criterion.h>

#include <dgen/dgen.h>

#include "crash_helpers.h"

#define OFF	(8 * KiB)
#define B	4096u
#define U	(64 * KiB)		/* the write unit: 16 blocks */

TestSuite(crash, .fini = crash_teardown);

static struct dgen_stream *pass_stream(uint64_t size, uint64_t pass)
{
	struct dgen_stream_params p;
	struct dgen_stream *s = NULL;

	dgen_stream_params_init(&p);
	p.seed = dgen_pass_seed(9, pass);
	p.size = size;
	p.dedup_ratio = 2;
	p.compress_ratio = 2;
	cr_assert_eq(dgen_stream_new(&s, &p, NULL, 0), 0);
	return s;
}

/* Write stream @s's bytes [@pos, @pos + @len) at region offset @pos. */
static void put_stream(int fd, const struct dgen_stream *s, uint64_t pos,
		       uint64_t len)
{
	uint8_t *buf = malloc(len);

	cr_assert(buf);
	cr_assert_eq(dgen_stream_fill(s, buf, pos, len), 0);
	cr_assert_eq(pwrite(fd, buf, len, (off_t)(OFF + pos)), (ssize_t)len);
	free(buf);
}

static void put_bytes(int fd, int v, uint64_t pos, uint64_t len)
{
	uint8_t buf[B];

	memset(buf, v, sizeof(buf));
	cr_assert_eq(pwrite(fd, buf, len, (off_t)(OFF + pos)), (ssize_t)len);
}

/*
 * A journal for one target of @size bytes at OFF: pass 1 over @initial,
 * durable as @d1 (NULL: whole) and ended, then, when @d2 is not NULL,
 * pass 2 over pass 1 with durable ranges @d2 (region offsets).
 */
static const char *journal_of(uint64_t size, enum dgen_journal_previous initial,
			      const struct dgen_range *d1, size_t n1,
			      const struct dgen_range *d2, size_t n2,
			      const char *target)
{
	const char *path = journal_path("crash");
	struct dgen_journal_target t = { .path = target, .offset = OFF,
					 .size = size, .unit = U };
	struct dgen_journal_run run = { .targets = &t, .ntargets = 1,
					.initial = initial };
	struct dgen_range whole = { OFF, size }, r;
	struct dgen_journal *j = NULL;
	char msg[512] = "";

	dgen_stream_params_init(&t.stream);
	t.stream.seed = 9;
	t.stream.size = size;
	t.stream.dedup_ratio = 2;
	t.stream.compress_ratio = 2;
	cr_assert_eq(dgen_journal_open(&j, path, &run, 0, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_journal_pass_begin(j, 0, 1, initial), 0);
	for (size_t i = 0; i < (d1 ? n1 : 1); i++) {
		r = d1 ? (struct dgen_range) { OFF + d1[i].offset, d1[i].length } : whole;
		cr_assert_eq(dgen_journal_durable(j, 0, 1, &r, 1, 1000), 0);
	}
	cr_assert_eq(dgen_journal_pass_end(j, 0, 1), 0);
	if (d2) {
		cr_assert_eq(dgen_journal_pass_begin(j, 0, 2, DGEN_JOURNAL_PREV_PASS), 0);
		for (size_t i = 0; i < n2; i++) {
			r = (struct dgen_range) { OFF + d2[i].offset, d2[i].length };
			cr_assert_eq(dgen_journal_durable(j, 0, 2, &r, 1, 2000), 0);
		}
	}
	dgen_journal_close(j);
	return path;
}

static int open_target(const char *path, uint64_t size, int fill)
{
	int fd;

	made_file(path);
	cr_assert_eq(file_make(path, OFF + size + 64 * KiB, fill), 0);
	fd = open(path, O_RDWR);
	cr_assert_geq(fd, 0);
	return fd;
}

/* One listed block: kind, offset (region), and its sector map's bits. */
static void expect_listed(const struct dgen_verify_mismatch *m,
			  enum dgen_mismatch_kind kind, uint64_t pos,
			  uint64_t sectors)
{
	cr_assert_eq(m->kind, kind, "at %llu: %s, expected %s",
		     (unsigned long long)m->offset, dgen_mismatch_kind_name(m->kind),
		     dgen_mismatch_kind_name(kind));
	cr_assert_eq(m->offset, OFF + pos, "listed at %llu, expected %llu",
		     (unsigned long long)m->offset, (unsigned long long)(OFF + pos));
	cr_assert_eq(m->len, B);
	cr_assert_eq(m->sector_map[0], sectors, "sectors %#llx, expected %#llx",
		     (unsigned long long)m->sector_map[0], (unsigned long long)sectors);
	cr_assert_eq(m->bad_sectors, (uint32_t)__builtin_popcountll(sectors));
}

struct tally {
	uint64_t blocks, durable, by[DGEN_CRASH_CLASSES];
};

static int tally_block(uint64_t off, uint32_t len, enum dgen_crash_class c,
		       int durable, void *arg)
{
	struct tally *t = arg;

	cr_assert_eq(off, OFF + t->blocks * B, "blocks out of order");
	cr_assert_eq(len, B);
	t->blocks++;
	t->durable += durable;
	t->by[c]++;
	return 0;
}

Test(crash, every_class)
{
	const uint64_t size = 4 * MiB;
	const char *target = scratch_path("every");
	const struct dgen_range d2[] = { { 0, 4 * U }, { 10 * U, U } };
	struct dgen_stream *s1 = pass_stream(size, 1), *s2 = pass_stream(size, 2);
	int fd = open_target(target, size, 0);
	const char *journal = journal_of(size, DGEN_JOURNAL_PREV_UNKNOWN, NULL, 0,
					 d2, 2, target);
	struct dgen_crash_result res;
	struct dgen_journal_view *v;
	struct tally t = { 0 };

	put_stream(fd, s1, 0, size);			/* pass 1, whole */
	put_stream(fd, s2, 0, 4 * U);			/* pass 2: durable */
	put_stream(fd, s2, 10 * U, U);
	put_stream(fd, s2, 5 * U, 2 * U);		/* landed, not durable */
	put_stream(fd, s1, 10 * U + 3 * B, B);		/* lost: stale */
	put_bytes(fd, 0, 5 * B, B);			/* lost: zeroed */
	put_bytes(fd, 0x5a, U + 2 * B + 3 * 512, 512);	/* lost: one sector */
	put_stream(fd, s1, 5 * U + 4 * B + 2048, 2048);	/* torn: 4-7 old */
	put_bytes(fd, 0x33, 8 * U + B + 6 * 512, 512);	/* corrupt: sector 6 */
	put_stream(fd, s1, 6 * U + 8 * B, 8 * B);	/* unit 6 half old */
	close(fd);

	v = check_target(journal, NULL, tally_block, &t, &res);
	cr_assert_eq(res.pass, 2);
	cr_assert_eq(res.previous, DGEN_JOURNAL_PREV_PASS);
	cr_assert_eq(res.block, B);
	cr_assert_eq(res.region_bytes, size);
	cr_assert_eq(res.durable_bytes, 5 * U);
	cr_assert_eq(res.counts[DGEN_CRASH_NEW], 62 + 15 + 15 + 8);
	cr_assert_eq(res.counts[DGEN_CRASH_LOST], 3);
	cr_assert_eq(res.counts[DGEN_CRASH_TORN], 1);
	cr_assert_eq(res.counts[DGEN_CRASH_CORRUPT], 1);
	cr_assert_eq(res.counts[DGEN_CRASH_UNKNOWN], 0);
	cr_assert_eq(res.counts[DGEN_CRASH_OLD], size / B - 100 - 5);
	cr_assert_eq(res.lost_held[DGEN_MISMATCH_ZEROED], 1);
	cr_assert_eq(res.lost_held[DGEN_MISMATCH_STALE], 1);
	cr_assert_eq(res.lost_held[DGEN_MISMATCH_FOREIGN], 1);
	/* Units holding new sectors and others: 0, 1, 5, 6 and 10. */
	cr_assert_eq(res.torn_units, 5);
	cr_assert_eq(res.torn_atomic, 0, "no atomic promise given");
	cr_assert_eq(res.bad_sectors, 8 + 1 + 4 + 1 + 8);
	cr_assert_eq(res.reported, 5);
	expect_listed(&res.list[0], DGEN_MISMATCH_LOST, 5 * B, 0xff);
	expect_listed(&res.list[1], DGEN_MISMATCH_LOST, U + 2 * B, 1u << 3);
	expect_listed(&res.list[2], DGEN_MISMATCH_TORN, 5 * U + 4 * B, 0xf0);
	expect_listed(&res.list[3], DGEN_MISMATCH_CORRUPT, 8 * U + B, 1u << 6);
	expect_listed(&res.list[4], DGEN_MISMATCH_LOST, 10 * U + 3 * B, 0xff);
	cr_assert_eq(dgen_crash_verdict(&res, 1), DGEN_CRASH_VERDICT_LOST);
	cr_assert_eq(t.blocks, size / B);
	cr_assert_eq(t.durable, 5 * U / B);
	for (unsigned int c = 0; c < DGEN_CRASH_CLASSES; c++)
		cr_assert_eq(t.by[c], res.counts[c], "class %s",
			     dgen_crash_class_name(c));
	dgen_crash_result_free(&res);
	dgen_journal_view_free(v);
	dgen_stream_free(s1);
	dgen_stream_free(s2);
}

/*
 * Pass 1 over zeros: zero blocks are old, a sector of garbage is corrupt.
 * Over unknown content the same target cannot be judged there: unknown,
 * and the verdict is ok.
 */
Test(crash, zeros_or_unknown_before)
{
	const uint64_t size = MiB;
	const char *target = scratch_path("zeros");
	const struct dgen_range d1[] = { { 0, 2 * U } };
	struct dgen_stream *s1 = pass_stream(size, 1);
	int fd = open_target(target, size, 0);
	struct dgen_crash_result res;
	struct dgen_journal_view *v;
	const char *journal;

	put_stream(fd, s1, 0, 2 * U);
	put_stream(fd, s1, 4 * U, U);
	put_bytes(fd, 0x77, 7 * U + 512, 512);
	close(fd);

	journal = journal_of(size, DGEN_JOURNAL_PREV_ZERO, d1, 1, NULL, 0, target);
	/* journal_of ends pass 1; judge it as the last begun */
	v = check_target(journal, NULL, NULL, NULL, &res);
	cr_assert_eq(res.pass, 1);
	cr_assert_eq(res.counts[DGEN_CRASH_NEW], 48);
	cr_assert_eq(res.counts[DGEN_CRASH_CORRUPT], 1);
	cr_assert_eq(res.counts[DGEN_CRASH_OLD], size / B - 49);
	cr_assert_eq(res.list[0].kind, DGEN_MISMATCH_CORRUPT);
	cr_assert_eq(res.list[0].sector_map[0], 1u << 1);
	cr_assert_eq(dgen_crash_verdict(&res, 0), DGEN_CRASH_VERDICT_CORRUPT);
	cr_assert_str_eq(dgen_crash_verdict_name(DGEN_CRASH_VERDICT_CORRUPT), "corrupt");
	dgen_crash_result_free(&res);
	dgen_journal_view_free(v);

	unlink(journal);
	journal = journal_of(size, DGEN_JOURNAL_PREV_UNKNOWN, d1, 1, NULL, 0, target);
	v = check_target(journal, NULL, NULL, NULL, &res);
	cr_assert_eq(res.counts[DGEN_CRASH_NEW], 48);
	cr_assert_eq(res.counts[DGEN_CRASH_UNKNOWN], size / B - 48);
	cr_assert_eq(res.counts[DGEN_CRASH_CORRUPT] + res.counts[DGEN_CRASH_OLD], 0);
	cr_assert_eq(dgen_crash_verdict(&res, 1), DGEN_CRASH_VERDICT_OK);
	dgen_crash_result_free(&res);
	dgen_journal_view_free(v);
	dgen_stream_free(s1);
}

/*
 * Pass 1 was cut short (its end record came after it made half the
 * region durable): in pass 2, old content is known in that half only.
 * Garbage there is corrupt; garbage and zeros in the other half cannot
 * be judged.
 */
Test(crash, old_known_where_previous_pass_reached)
{
	const uint64_t size = MiB;
	const char *target = scratch_path("half");
	const struct dgen_range d1[] = { { 0, size / 2 } };
	const struct dgen_range d2[] = { { 0, U } };
	struct dgen_stream *s1 = pass_stream(size, 1), *s2 = pass_stream(size, 2);
	int fd = open_target(target, size, 0);
	const char *journal = journal_of(size, DGEN_JOURNAL_PREV_UNKNOWN, d1, 1,
					 d2, 1, target);
	struct dgen_crash_result res;
	struct dgen_journal_view *v;

	put_stream(fd, s1, 0, size / 2);
	put_stream(fd, s2, 0, U);
	put_bytes(fd, 0x11, 3 * U, 512);		/* known old: corrupt */
	put_bytes(fd, 0x22, size / 2 + U, 512);		/* unknown */
	close(fd);
	v = check_target(journal, NULL, NULL, NULL, &res);
	cr_assert_eq(res.counts[DGEN_CRASH_NEW], U / B);
	cr_assert_eq(res.counts[DGEN_CRASH_CORRUPT], 1);
	cr_assert_eq(res.counts[DGEN_CRASH_OLD], size / 2 / B - U / B - 1);
	cr_assert_eq(res.counts[DGEN_CRASH_UNKNOWN], size / 2 / B);
	cr_assert_eq(res.reported, 1);
	cr_assert_eq(res.list[0].offset, OFF + 3 * U);
	dgen_crash_result_free(&res);
	dgen_journal_view_free(v);
	dgen_stream_free(s1);
	dgen_stream_free(s2);
}

/*
 * A write unit of 16 whole blocks, 8 new and 8 old: no torn block, one
 * torn unit; it fails with --fail-on torn only where the device promised
 * to write a unit whole.
 */
Test(crash, torn_unit_under_atomic_promise)
{
	const uint64_t size = MiB;
	const char *target = scratch_path("atomic");
	struct dgen_stream *s1 = pass_stream(size, 1), *s2 = pass_stream(size, 2);
	int fd = open_target(target, size, 0);
	const struct dgen_range d2[] = { { 0, U } };
	const char *journal = journal_of(size, DGEN_JOURNAL_PREV_UNKNOWN, NULL, 0,
					 d2, 1, target);
	struct dgen_journal_view *v = NULL;
	struct dgen_crash_result res;
	struct dgen_crash_opts o;
	char msg[256] = "";

	put_stream(fd, s1, 0, size);
	put_stream(fd, s2, 0, U);
	put_stream(fd, s2, 3 * U, U / 2);
	close(fd);
	cr_assert_eq(dgen_journal_read(&v, journal, msg, sizeof(msg)), 0, "%s", msg);
	dgen_crash_opts_init(&o);
	for (int promise = 0; promise < 3; promise++) {
		o.atomic_bytes = promise == 0 ? 0 : promise == 1 ? U / 2 : U;
		cr_assert_eq(dgen_crash_check(v, 0, &o, &res, msg, sizeof(msg)), 0, "%s", msg);
		cr_assert_eq(res.counts[DGEN_CRASH_TORN], 0);
		cr_assert_eq(res.torn_units, 1);
		cr_assert_eq(res.torn_atomic, promise == 2, "promise %u B",
			     o.atomic_bytes);
		cr_assert_eq(dgen_crash_verdict(&res, 0), DGEN_CRASH_VERDICT_OK);
		cr_assert_eq(dgen_crash_verdict(&res, 1), promise == 2 ?
			     DGEN_CRASH_VERDICT_TORN : DGEN_CRASH_VERDICT_OK);
		dgen_crash_result_free(&res);
	}
	dgen_journal_view_free(v);
	dgen_stream_free(s1);
	dgen_stream_free(s2);
}

static int stop_at_third(uint64_t off, uint32_t len, enum dgen_crash_class c,
			 int durable, void *arg)
{
	(void)off, (void)len, (void)c, (void)durable;
	return ++*(int *)arg == 3;
}

/* What the check refuses, and a target without a pass. */
Test(crash, errors)
{
	const uint64_t size = MiB;
	const char *target = scratch_path("errors");
	int fd = open_target(target, size, 0);
	const char *journal = journal_of(size, DGEN_JOURNAL_PREV_ZERO, NULL, 0,
					 NULL, 0, target);
	struct dgen_journal_view *v = NULL;
	struct dgen_crash_result res;
	struct dgen_crash_opts o;
	char msg[512] = "";
	int seen = 0;

	close(fd);
	cr_assert_eq(dgen_journal_read(&v, journal, msg, sizeof(msg)), 0, "%s", msg);
	dgen_crash_opts_init(&o);
	cr_assert_eq(dgen_crash_check(v, 1, &o, &res, msg, sizeof(msg)), -EINVAL);
	o.block = stop_at_third;
	o.arg = &seen;
	cr_assert_eq(dgen_crash_check(v, 0, &o, &res, msg, sizeof(msg)), -ECANCELED);
	cr_assert_eq(seen, 3);
	o.block = NULL;
	cr_assert_eq(truncate(target, OFF + size / 2), 0);
	cr_assert_eq(dgen_crash_check(v, 0, &o, &res, msg, sizeof(msg)), -ENOSPC);
	cr_assert(strstr(msg, target) && strstr(msg, "ends before"), "%s", msg);
	unlink(target);
	cr_assert_eq(dgen_crash_check(v, 0, &o, &res, msg, sizeof(msg)), -ENOENT);
	cr_assert(strstr(msg, target), "%s", msg);
	o.path = "/dev/shm/dgen-no-such-target";
	cr_assert_eq(dgen_crash_check(v, 0, &o, &res, msg, sizeof(msg)), -ENOENT);
	cr_assert(strstr(msg, o.path), "%s", msg);
	dgen_journal_view_free(v);
}

/* A target whose journal has no pass begun: nothing judged, ok. */
Test(crash, no_pass_begun)
{
	const char *path = journal_path("nopass");
	struct dgen_journal_target t = { .path = "/dev/shm/dgen-nopass",
					 .size = MiB, .unit = U };
	struct dgen_journal_run run = { .targets = &t, .ntargets = 1 };
	struct dgen_journal_view *v = NULL;
	struct dgen_journal *j = NULL;
	struct dgen_crash_result res;
	struct dgen_crash_opts o;
	char msg[512] = "";

	dgen_stream_params_init(&t.stream);
	t.stream.size = MiB;
	cr_assert_eq(dgen_journal_open(&j, path, &run, 0, msg, sizeof(msg)), 0, "%s", msg);
	dgen_journal_close(j);
	cr_assert_eq(dgen_journal_read(&v, path, msg, sizeof(msg)), 0, "%s", msg);
	dgen_crash_opts_init(&o);
	cr_assert_eq(dgen_crash_check(v, 0, &o, &res, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(res.pass, 0);
	cr_assert_eq(res.region_bytes, 0);
	cr_assert_eq(dgen_crash_verdict(&res, 1), DGEN_CRASH_VERDICT_OK);
	dgen_journal_view_free(v);
}

/*
 * A target holding a slice of a longer stream (a fleet's share): its
 * bytes are the stream's from the origin on, judged as such.
 */
Test(crash, stream_view)
{
	const uint64_t size = MiB, origin = 3 * MiB;
	const char *target = scratch_path("view");
	const char *path = journal_path("view");
	struct dgen_journal_target t = { .path = target, .offset = OFF,
					 .size = size, .unit = U,
					 .stream_origin = origin };
	struct dgen_journal_run run = { .targets = &t, .ntargets = 1 };
	struct dgen_range all = { OFF, size };
	struct dgen_journal *j = NULL;
	struct dgen_journal_view *v;
	struct dgen_crash_result res;
	struct dgen_stream *whole = pass_stream(8 * MiB, 1);
	uint8_t *buf = malloc(size);
	int fd = open_target(target, size, 0);
	char msg[512] = "";

	cr_assert(buf);
	dgen_stream_params_init(&t.stream);
	t.stream.seed = 9;
	t.stream.size = 8 * MiB;
	t.stream.dedup_ratio = 2;
	t.stream.compress_ratio = 2;
	cr_assert_eq(dgen_journal_open(&j, path, &run, 0, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_journal_pass_begin(j, 0, 1, DGEN_JOURNAL_PREV_UNKNOWN), 0);
	cr_assert_eq(dgen_journal_durable(j, 0, 1, &all, 1, 1), 0);
	dgen_journal_close(j);
	cr_assert_eq(dgen_stream_fill(whole, buf, origin, size), 0);
	cr_assert_eq(pwrite(fd, buf, size, OFF), (ssize_t)size);
	close(fd);
	v = check_target(path, NULL, NULL, NULL, &res);
	cr_assert_eq(res.counts[DGEN_CRASH_NEW], size / B);
	cr_assert_eq(res.counts[DGEN_CRASH_LOST], 0);
	dgen_crash_result_free(&res);
	dgen_journal_view_free(v);
	dgen_stream_free(whole);
	free(buf);
}
