// SPDX-License-Identifier: MIT
/*
 * test_journal.c - the crash journal: written, read back, cut short,
 * garbled, fuzzed, continued
 *
 * - What the writer appends (parameters, passes, durable ranges split
 *   over records, ends) reads back exactly, paths with quotes and
 *   newlines and 64-bit seeds included.
 * - Cut at every byte of its last records, or followed by NUL bytes, a
 *   journal still reads, with the cut line ignored and reported.
 * - Each kind of damage a crash cannot make is refused with a sentence
 *   naming the line; a few thousand seeded mutations of a journal are
 *   either refused or read into a view that keeps its own rules, and
 *   never crash (the sanitizer build checks every access).
 * - A power-cycle loop continues a journal as its next cycle.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <dgen/dgen.h>

#include "crash_helpers.h"

TestSuite(journal, .fini = crash_teardown);

#define UNIT	(64 * KiB)

/* A target of @size bytes at @off for the journal, its stream pass 1's. */
static struct dgen_journal_target jtarget(const char *path, uint64_t off,
					  uint64_t size)
{
	struct dgen_journal_target t = { .path = path, .offset = off,
					 .size = size, .unit = UNIT };

	dgen_stream_params_init(&t.stream);
	t.stream.seed = 5;
	t.stream.size = size;
	return t;
}

static struct dgen_journal *jopen(const char *path,
				  const struct dgen_journal_target *t,
				  unsigned int n, unsigned int flags)
{
	struct dgen_journal_run run = {
		.tool = "test_journal", .targets = t, .ntargets = n,
		.initial = DGEN_JOURNAL_PREV_ZERO, .flush_every = 4 * MiB,
		.fua = 1, .options = "{\"bs\": \"64k\", \"list\": [1, 2]}",
	};
	struct dgen_journal *j = NULL;
	char msg[512] = "";

	cr_assert_eq(dgen_journal_open(&j, path, &run, flags, msg, sizeof(msg)), 0,
		     "%s", msg);
	return j;
}

static struct dgen_journal_view *jread(const char *path)
{
	struct dgen_journal_view *v = NULL;
	char msg[512] = "";

	cr_assert_eq(dgen_journal_read(&v, path, msg, sizeof(msg)), 0, "%s", msg);
	return v;
}

/*
 * Two targets, three passes of target 0 (the last one not ended), 5000
 * random ranges in one call (two records), and what reads back.
 */
Test(journal, roundtrip)
{
	const char *path = journal_path("roundtrip");
	const char *odd = "/dev/shm/a \"quoted\"\\ name\nwith é";
	struct dgen_journal_target t[2] = {
		jtarget("/dev/shm/dgen-x", 1 * MiB, 64 * MiB),
		jtarget(odd, 0, 8 * MiB),
	};
	static uint8_t on[64 * MiB / UNIT];
	struct dgen_range *r = calloc(5000, sizeof(*r));
	const struct dgen_range *got;
	struct dgen_range *kept;
	struct dgen_journal_view *v;
	struct dgen_journal *j;
	uint64_t bytes = 0, want = 0, kbytes;
	size_t nk;

	rng_seed(10);
	cr_assert(r);
	t[1].stream.seed = UINT64_MAX;
	t[1].stream.stream_id = 1;
	t[1].stream.dedup_ratio = 2.5;
	t[1].stream.compress_ratio = 1.7;
	t[1].stream.dedup_window = 4 * MiB;
	t[1].stream.size = 16 * MiB;
	t[1].stream_origin = 4 * MiB;
	j = jopen(path, t, 2, 0);
	cr_assert_eq(dgen_journal_cycle(j), 1);
	for (uint64_t p = 1; p <= 3; p++) {
		cr_assert_eq(dgen_journal_pass_begin(j, 0, p, p == 1 ?
				DGEN_JOURNAL_PREV_ZERO : DGEN_JOURNAL_PREV_PASS), 0);
		memset(on, 0, sizeof(on));
		for (int i = 0; i < 5000; i++) {
			uint64_t u = rng_next() % (64 * MiB / UNIT);

			r[i] = (struct dgen_range) { 1 * MiB + u * UNIT, UNIT };
			on[u] = 1;
		}
		cr_assert_eq(dgen_journal_durable(j, 0, p, r, 5000, 100 * p), 0);
		cr_assert_eq(dgen_journal_durable(j, 0, p, r, 1, 7), 0);
		if (p < 3)
			cr_assert_eq(dgen_journal_pass_end(j, 0, p), 0);
	}
	for (size_t u = 0; u < sizeof(on); u++)
		want += on[u] * UNIT;
	cr_assert_eq(dgen_journal_durable_get(j, 0, &got, &nk, &kbytes), 0);
	cr_assert_eq(kbytes, want);
	kept = malloc(nk * sizeof(*kept));	/* valid until the close */
	cr_assert(kept);
	memcpy(kept, got, nk * sizeof(*kept));
	cr_assert_eq(dgen_journal_pass_begin(j, 1, 1, DGEN_JOURNAL_PREV_UNKNOWN), 0);
	dgen_journal_close(j);

	v = jread(path);
	cr_assert_eq(v->version, DGEN_JOURNAL_VERSION);
	cr_assert_eq(v->cycle, 1);
	cr_assert_eq(v->runs, 1);
	cr_assert_str_eq(v->tool, "test_journal");
	cr_assert_eq(v->initial, DGEN_JOURNAL_PREV_ZERO);
	cr_assert_eq(v->flush_every, 4 * MiB);
	cr_assert_eq(v->fua, 1);
	cr_assert_eq(v->torn_tail, 0);
	cr_assert_eq(v->ntargets, 2);
	cr_assert_str_eq(v->targets[1].path, odd);
	cr_assert_eq(v->targets[1].stream.seed, UINT64_MAX);
	cr_assert_eq(v->targets[1].stream.stream_id, 1);
	cr_assert_eq(v->targets[1].stream.dedup_ratio, 2.5);
	cr_assert_eq(v->targets[1].stream.compress_ratio, 1.7);
	cr_assert_eq(v->targets[1].stream.dedup_window, 4 * MiB);
	cr_assert_eq(v->targets[1].stream_origin, 4 * MiB);
	cr_assert_eq(v->targets[1].last.pass, 1);
	cr_assert_eq(v->targets[1].last.previous, DGEN_JOURNAL_PREV_UNKNOWN);
	cr_assert_eq(v->targets[0].offset, 1 * MiB);
	cr_assert_eq(v->targets[0].unit, UNIT);
	cr_assert_eq(v->targets[0].passes, 3);
	cr_assert_eq(v->targets[0].last.pass, 3);
	cr_assert_eq(v->targets[0].last.ended, 0);
	cr_assert_eq(v->targets[0].last.flushes, 3, "5001 ranges, split at 4096");
	cr_assert_eq(v->targets[0].last.flush_ns_max, 300);
	cr_assert_eq(v->targets[0].prev.pass, 2);
	cr_assert_eq(v->targets[0].prev.ended, 1);
	cr_assert_eq(v->targets[0].last.durable_bytes, want);
	cr_assert_eq(v->targets[0].last.ndurable, nk);
	for (size_t i = 0; i < nk; i++) {
		const struct dgen_range *g = &v->targets[0].last.durable[i];

		cr_assert(g->offset == kept[i].offset && g->length == kept[i].length,
			  "range %zu of %zu: read [%llu, +%llu), kept [%llu, +%llu)",
			  i, nk, (unsigned long long)g->offset,
			  (unsigned long long)g->length,
			  (unsigned long long)kept[i].offset,
			  (unsigned long long)kept[i].length);
		cr_assert(i == 0 || g->offset > g[-1].offset + g[-1].length,
			  "ranges not coalesced");
		for (uint64_t x = g->offset; x < g->offset + g->length; x += UNIT)
			bytes += on[(x - 1 * MiB) / UNIT] * UNIT;
	}
	cr_assert_eq(bytes, want, "a durable range holds a unit never named");
	dgen_journal_view_free(v);
	free(kept);
	free(r);
}

/* What the writer refuses, each with its reason. */
Test(journal, writer_refusals)
{
	const char *path = journal_path("refuse");
	struct dgen_journal_target t = jtarget("/dev/shm/dgen-y", 0, 4 * MiB);
	struct dgen_journal_run run = { .targets = &t, .ntargets = 1 };
	struct dgen_range bad[] = { { 512, 4096 }, { 4 * MiB - 4096, 8192 },
				    { 100, 512 }, { 0, 0 } };
	struct dgen_journal *j;
	char msg[512];

	run.options = "{\"a\": 1,}";
	cr_assert_eq(dgen_journal_open(&j, path, &run, 0, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "not a JSON object"), "%s", msg);
	run.options = "[1]";
	cr_assert_eq(dgen_journal_open(&j, path, &run, 0, msg, sizeof(msg)), -EINVAL);
	run.options = NULL;
	run.initial = DGEN_JOURNAL_PREV_PASS;
	cr_assert_eq(dgen_journal_open(&j, path, &run, 0, msg, sizeof(msg)), -EINVAL);
	run.initial = DGEN_JOURNAL_PREV_UNKNOWN;
	t.stream.dedup_ratio = 0.5;
	cr_assert_eq(dgen_journal_open(&j, path, &run, 0, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "journal target 0"), "%s", msg);
	t.stream.dedup_ratio = 1;
	t.unit = 1000;
	cr_assert_eq(dgen_journal_open(&j, path, &run, 0, msg, sizeof(msg)), -EINVAL);
	t.unit = UNIT;
	t.stream.size = 2 * MiB;
	cr_assert_eq(dgen_journal_open(&j, path, &run, 0, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "region"), "%s", msg);
	t.stream.size = 4 * MiB;
	cr_assert_eq(access(path, F_OK), -1, "a refused journal was made");

	j = jopen(path, &t, 1, 0);
	cr_assert_eq(dgen_journal_durable(j, 0, 1, bad, 1, 0), -EINVAL,
		     "durable before the pass began");
	cr_assert_eq(dgen_journal_pass_begin(j, 0, 1, DGEN_JOURNAL_PREV_PASS), -EINVAL);
	cr_assert_eq(dgen_journal_pass_begin(j, 0, 1, DGEN_JOURNAL_PREV_UNKNOWN), 0);
	cr_assert_eq(dgen_journal_pass_begin(j, 0, 1, DGEN_JOURNAL_PREV_UNKNOWN), -EINVAL);
	for (unsigned int i = 1; i < 4; i++)
		cr_assert_eq(dgen_journal_durable(j, 0, 1, &bad[i], 1, 0), -EINVAL,
			     "range %u", i);
	cr_assert_eq(dgen_journal_durable(j, 0, 2, bad, 1, 0), -EINVAL);
	cr_assert_eq(dgen_journal_durable(j, 1, 1, bad, 1, 0), -EINVAL);
	cr_assert_eq(dgen_journal_pass_begin(j, 0, 2, DGEN_JOURNAL_PREV_PASS), -EINVAL,
		     "pass 1 did not end");
	cr_assert_eq(dgen_journal_pass_end(j, 0, 1), 0);
	cr_assert_eq(dgen_journal_pass_end(j, 0, 1), -EINVAL);
	cr_assert_eq(dgen_journal_durable(j, 0, 1, bad, 1, 0), -EINVAL, "after its end");
	cr_assert_eq(dgen_journal_pass_begin(j, 0, 2, DGEN_JOURNAL_PREV_PASS), 0);
	dgen_journal_close(j);
	cr_assert_eq(dgen_journal_open(&j, path, &run, 0, msg, sizeof(msg)), -EEXIST);
	cr_assert(strstr(msg, "exists"), "%s", msg);
}

/* The file's bytes. */
static char *file_bytes(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);

	cr_assert(fd >= 0 && !fstat(fd, &st));
	buf = malloc((size_t)st.st_size + 1);
	cr_assert(buf);
	cr_assert_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

/* A journal of one target with @records durable records in pass 1. */
static char *small_journal(const char *path, unsigned int records, size_t *len)
{
	struct dgen_journal_target t = jtarget("/dev/shm/dgen-z", 0, 4 * MiB);
	struct dgen_journal *j = jopen(path, &t, 1, 0);

	cr_assert_eq(dgen_journal_pass_begin(j, 0, 1, DGEN_JOURNAL_PREV_ZERO), 0);
	for (unsigned int i = 0; i < records; i++) {
		struct dgen_range r = { i * UNIT, UNIT };

		cr_assert_eq(dgen_journal_durable(j, 0, 1, &r, 1, i + 1), 0);
	}
	dgen_journal_close(j);
	return file_bytes(path, len);
}

/*
 * Cut at every byte after the target line: the read succeeds; a cut
 * inside a line reports it torn and counts only the lines before it.
 */
Test(journal, torn_tail_tolerated)
{
	const char *path = journal_path("torn");
	size_t len, lines = 0, first = 0;
	char *buf = small_journal(path, 4, &len), *pad;

	for (size_t i = 0, nl = 0; i < len; i++)
		if (buf[i] == '\n' && ++nl == 3)
			first = i + 1;	/* after header, target and pass */
	for (size_t cut = first; cut <= len; cut++) {
		struct dgen_journal_view *v = NULL;
		char msg[256] = "";
		int at_line = buf[cut - 1] == '\n';

		lines += at_line;
		cr_assert_eq(dgen_journal_parse(&v, buf, cut, msg, sizeof(msg)), 0,
			     "cut at %zu: %s", cut, msg);
		cr_assert_eq(v->torn_tail, !at_line, "cut at %zu", cut);
		cr_assert_eq(v->targets[0].last.flushes, lines - 1, "cut at %zu", cut);
		cr_assert_eq(v->targets[0].last.durable_bytes, (lines - 1) * UNIT);
		if (!at_line)
			cr_assert_eq(v->torn_line, 3 + lines);
		dgen_journal_view_free(v);
	}
	/* NUL bytes after the last line (a crash while the file grew). */
	pad = calloc(1, len + 8192);
	cr_assert(pad);
	memcpy(pad, buf, len);
	for (size_t extra = 1; extra < 8192; extra *= 3) {
		struct dgen_journal_view *v = NULL;

		cr_assert_eq(dgen_journal_parse(&v, pad, len + extra, NULL, 0), 0);
		cr_assert_eq(v->torn_tail, 1);
		cr_assert_eq(v->good_bytes, len);
		cr_assert_eq(v->targets[0].last.flushes, 4);
		dgen_journal_view_free(v);
	}
	free(pad);
	free(buf);
}

/* A valid journal by hand; garbage cases replace or insert one line. */
static const char *base_lines[] = {
	"{\"v\": 1, \"type\": \"header\", \"journal\": \"dgen-uring crash journal\", \"cycle\": 1, \"tool\": \"t\", \"time\": 0, \"stream_format\": 2, \"initial\": \"unknown\", \"flush_every\": 65536, \"fua\": false, \"targets\": 1}",
	"{\"v\": 1, \"type\": \"target\", \"target\": 0, \"path\": \"/dev/shm/x\", \"offset\": 0, \"size\": 1048576, \"unit\": 65536, \"stream\": {\"seed\": 1, \"id\": 0, \"size\": 1048576, \"origin\": 0, \"dedup_unit\": 4096, \"dedup\": 1, \"compress\": 1, \"dedup_window\": 0}}",
	"{\"v\": 1, \"type\": \"pass\", \"target\": 0, \"pass\": 1, \"previous\": \"unknown\", \"time\": 0}",
	"{\"v\": 1, \"type\": \"durable\", \"target\": 0, \"pass\": 1, \"flush\": 1, \"flush_ns\": 5, \"ranges\": [[0, 65536], [131072, 65536]]}",
	"{\"v\": 1, \"type\": \"end\", \"target\": 0, \"pass\": 1, \"time\": 0}",
	"{\"v\": 1, \"type\": \"pass\", \"target\": 0, \"pass\": 2, \"previous\": \"pass\", \"time\": 0}",
	"{\"v\": 1, \"type\": \"durable\", \"target\": 0, \"pass\": 2, \"flush\": 1, \"flush_ns\": 7, \"ranges\": [[65536, 65536]]}",
};
#define BASE_LINES	(sizeof(base_lines) / sizeof(base_lines[0]))

/* The base journal with line @at replaced by @text (@insert: put before;
 * @at past the last line: the base alone). */
static char *journal_with(unsigned int at, const char *text, int insert,
			  size_t *len)
{
	size_t cap = 1 << 16, o = 0;
	char *buf = malloc(cap + strlen(text) + 2);

	cr_assert(buf);
	for (unsigned int i = 0; i <= BASE_LINES; i++) {
		const char *line = i == at ? text : i < BASE_LINES ? base_lines[i] : NULL;

		if (line) {
			o += (size_t)sprintf(buf + o, "%s\n", line);
			if (i == at && insert && i < BASE_LINES)
				o += (size_t)sprintf(buf + o, "%s\n", base_lines[i]);
		}
	}
	*len = o;
	return buf;
}

Test(journal, base_is_valid)
{
	struct dgen_journal_view *v = NULL;
	char msg[256] = "";
	size_t len;
	char *buf = journal_with(~0u, "", 0, &len);

	cr_assert_eq(DGEN_STREAM_FORMAT_VERSION, 2, "base_lines name format 2");
	cr_assert_eq(dgen_journal_parse(&v, buf, len, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(v->targets[0].last.pass, 2);
	cr_assert_eq(v->targets[0].prev.durable_bytes, 2 * UNIT);
	cr_assert_eq(v->targets[0].last.durable_bytes, UNIT);
	dgen_journal_view_free(v);
	free(buf);
}

struct garbage {
	unsigned int at;
	int insert;
	const char *text;
	const char *why;		/* in the message */
};

static const struct garbage garbage[] = {
	{ 3, 0, "{\"v\": 1, \"type\": \"durable\", \"target\": 0, \"pass\": 1, \"flush\": 1, \"flush_ns\": 5, \"ranges\": [[0, 65536],]}", "not JSON" },
	{ 0, 0, "{\"v\": 2, \"type\": \"header\"}", "version 2" },
	{ 0, 0, "{\"v\": 1, \"type\": \"pass\", \"target\": 0, \"pass\": 1, \"previous\": \"unknown\"}", "before the journal's header" },
	{ 0, 0, "{\"v\": 1, \"type\": \"header\", \"journal\": \"other\", \"cycle\": 1}", "not a dgen-uring crash journal" },
	{ 0, 0, "{\"v\": 1, \"type\": \"header\", \"journal\": \"dgen-uring crash journal\", \"cycle\": 1, \"tool\": \"t\", \"time\": 0, \"stream_format\": 1, \"initial\": \"unknown\", \"flush_every\": 0, \"fua\": false, \"targets\": 1}", "format 1" },
	{ 0, 0, "{\"v\": 1, \"type\": \"header\", \"journal\": \"dgen-uring crash journal\", \"cycle\": 1, \"tool\": \"t\", \"time\": 0, \"stream_format\": 2, \"initial\": \"unknown\", \"flush_every\": 0, \"fua\": false, \"targets\": 0}", "0 targets" },
	{ 0, 0, "{\"v\": 1, \"type\": \"header\", \"journal\": \"dgen-uring crash journal\", \"cycle\": 1, \"tool\": \"t\", \"time\": 0, \"stream_format\": 2, \"initial\": \"pass\", \"flush_every\": 0, \"fua\": false, \"targets\": 1}", "cannot begin" },
	{ 0, 0, "{\"v\": 1, \"type\": \"header\", \"journal\": \"dgen-uring crash journal\", \"cycle\": 1, \"tool\": \"t\", \"time\": 0, \"stream_format\": 2, \"initial\": \"unknown\", \"flush_every\": 0, \"fua\": 1, \"targets\": 1}", "\"fua\"" },
	{ 1, 0, "{\"v\": 1, \"type\": \"target\", \"target\": 1, \"path\": \"/x\", \"offset\": 0, \"size\": 1048576, \"unit\": 65536, \"stream\": {}}", "target 1" },
	{ 1, 0, "{\"v\": 1, \"type\": \"target\", \"target\": 0, \"path\": \"/x\", \"offset\": 100, \"size\": 1048576, \"unit\": 65536, \"stream\": {}}", "whole 512-byte sectors" },
	{ 1, 0, "{\"v\": 1, \"type\": \"target\", \"target\": 0, \"path\": \"/x\", \"offset\": 0, \"size\": 1048576, \"unit\": 65536, \"stream\": {\"seed\": 1, \"id\": 0, \"size\": 1048576, \"origin\": 0, \"dedup_unit\": 4096, \"dedup\": 0.5, \"compress\": 1, \"dedup_window\": 0}}", "its stream" },
	{ 1, 0, "{\"v\": 1, \"type\": \"target\", \"target\": 0, \"path\": \"/x\", \"offset\": 0, \"size\": 1048576, \"unit\": 65536, \"stream\": {\"seed\": 1, \"id\": 0, \"size\": 65536, \"origin\": 0, \"dedup_unit\": 4096, \"dedup\": 1, \"compress\": 1, \"dedup_window\": 0}}", "does not cover" },
	{ 1, 0, "{\"v\": 1, \"type\": \"target\", \"target\": 0, \"path\": \"/x\\u0000y\", \"offset\": 0, \"size\": 1048576, \"unit\": 65536, \"stream\": {}}", "\"path\"" },
	{ 2, 1, "{\"v\": 1, \"type\": \"target\", \"target\": 0, \"path\": \"/x\", \"offset\": 0, \"size\": 1048576, \"unit\": 65536, \"stream\": {}}", "declared twice" },
	{ 1, 0, "{\"v\": 1, \"type\": \"pass\", \"target\": 0, \"pass\": 1, \"previous\": \"unknown\"}", "before all 1 targets" },
	{ 2, 0, "{\"v\": 1, \"type\": \"pass\", \"target\": 0, \"pass\": 0, \"previous\": \"unknown\"}", "does not follow" },
	{ 5, 0, "{\"v\": 1, \"type\": \"pass\", \"target\": 0, \"pass\": 1, \"previous\": \"unknown\"}", "does not follow" },
	{ 4, 0, "{\"v\": 1, \"type\": \"pass\", \"target\": 0, \"pass\": 2, \"previous\": \"pass\", \"time\": 0}", "did not end" },
	{ 2, 0, "{\"v\": 1, \"type\": \"pass\", \"target\": 0, \"pass\": 1, \"previous\": \"maybe\"}", "\"previous\"" },
	{ 6, 0, "{\"v\": 1, \"type\": \"durable\", \"target\": 0, \"pass\": 1, \"flush\": 1, \"flush_ns\": 7, \"ranges\": [[65536, 65536]]}", "not going on" },
	{ 6, 0, "{\"v\": 1, \"type\": \"durable\", \"target\": 0, \"pass\": 2, \"flush\": 1, \"flush_ns\": 7, \"ranges\": [[1048576, 512]]}", "outside the target's region" },
	{ 6, 0, "{\"v\": 1, \"type\": \"durable\", \"target\": 0, \"pass\": 2, \"flush\": 1, \"flush_ns\": 7, \"ranges\": [[18446744073709551104, 1024]]}", "outside the target's region" },
	{ 6, 0, "{\"v\": 1, \"type\": \"durable\", \"target\": 0, \"pass\": 2, \"flush\": 1, \"flush_ns\": 7, \"ranges\": [[100, 512]]}", "whole sectors" },
	{ 6, 0, "{\"v\": 1, \"type\": \"durable\", \"target\": 0, \"pass\": 2, \"flush\": 1, \"flush_ns\": 7, \"ranges\": [[0, 0]]}", "outside the target's region" },
	{ 6, 0, "{\"v\": 1, \"type\": \"durable\", \"target\": 0, \"pass\": 2, \"flush\": 1, \"flush_ns\": 7, \"ranges\": [[0, 512, 3]]}", "not [offset, length]" },
	{ 6, 0, "{\"v\": 1, \"type\": \"durable\", \"target\": 0, \"pass\": 2, \"flush\": 1, \"flush_ns\": 7, \"ranges\": [[0, -512]]}", "not [offset, length]" },
	{ 6, 0, "{\"v\": 1, \"type\": \"durable\", \"target\": 0, \"pass\": 2, \"flush\": 1, \"flush_ns\": 7, \"ranges\": [[0, 5.12e2]]}", "not [offset, length]" },
	{ 6, 0, "{\"v\": 1, \"type\": \"durable\", \"target\": 0, \"pass\": 2, \"flush\": 18446744073709551616, \"flush_ns\": 7, \"ranges\": []}", "\"flush\"" },
	{ 6, 0, "{\"v\": 1, \"type\": \"durable\", \"target\": 0, \"pass\": 2, \"flush\": 1, \"flush_ns\": 7}", "no \"ranges\"" },
	{ 6, 0, "{\"v\": 1, \"type\": \"durable\", \"target\": 0, \"pass\": 2, \"flush\": 1, \"flush_ns\": 7, \"ranges\": {}}", "\"ranges\"" },
	{ 6, 0, "{\"v\": 1, \"type\": \"format\", \"target\": 0}", "unknown record type" },
	{ 6, 0, "[1, 2]", "not a JSON object" },
	{ 6, 0, "{\"v\": 1, \"type\": \"end\", \"target\": 0, \"pass\": 2} x", "not JSON" },
	{ 6, 0, "{\"v\": 1, \"type\": \"end\", \"target\": 0, \"pass\": 2, \"a\": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", "nesting" },
	{ 6, 0, "{\"v\": 1, \"type\": \"end\", \"target\": 0, \"pass\": 2, \"a\": \"\\q\"}", "escape" },
	{ 6, 0, "{\"v\": 1, \"type\": \"end\", \"target\": 0, \"pass\": 2, \"a\": \"\t\"}", "control character" },
	{ 6, 0, "{\"v\": 1, \"type\": \"end\", \"target\": 0, \"pass\": 2, \"a\": 01}", "not JSON" },
	{ 6, 0, "{\"v\": 1, \"type\": \"end\", \"target\": 0, \"pass\": 2, \"a\": tru}", "not JSON" },
	{ 6, 0, "", "not JSON" },
	{ 6, 1, "{\"v\": 1, \"type\": \"header\", \"journal\": \"dgen-uring crash journal\", \"cycle\": 1, \"tool\": \"t\", \"time\": 0, \"stream_format\": 2, \"initial\": \"unknown\", \"flush_every\": 0, \"fua\": false, \"targets\": 1}", "does not follow cycle 1" },
};

/* Criterion runs each case in a process of its own: pass indexes, not
 * pointers into this one. */
static unsigned int garbage_index[sizeof(garbage) / sizeof(garbage[0])];

ParameterizedTestParameters(journal, garbage_refused)
{
	for (unsigned int i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		garbage_index[i] = i;
	return cr_make_param_array(unsigned int, garbage_index,
				   sizeof(garbage) / sizeof(garbage[0]));
}

/* Each damage is refused, with a sentence naming its line and reason. */
ParameterizedTest(unsigned int *gi, journal, garbage_refused)
{
	const struct garbage *g = &garbage[*gi];
	struct dgen_journal_view *v = NULL;
	char msg[512] = "", line[32];
	size_t len;
	char *buf = journal_with(g->at, g->text, g->insert, &len);
	int r = dgen_journal_parse(&v, buf, len, msg, sizeof(msg));

	cr_assert_eq(r, -EINVAL, "line %u \"%s\" was read (%d)", g->at + 1, g->text, r);
	cr_assert_null(v);
	snprintf(line, sizeof(line), "journal line %u: ", g->at + 1);
	cr_assert(strstr(msg, line), "message \"%s\" does not name line %u", msg,
		  g->at + 1);
	cr_assert(strstr(msg, g->why), "message \"%s\" does not say \"%s\"", msg, g->why);
	free(buf);
}

/* NUL bytes inside the file, not at its end, are garbage. */
Test(journal, nul_inside_refused)
{
	struct dgen_journal_view *v = NULL;
	char msg[256] = "";
	size_t len;
	char *buf = journal_with(~0u, "", 0, &len);

	buf[strlen(base_lines[0]) + 10] = 0;
	cr_assert_eq(dgen_journal_parse(&v, buf, len, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "journal line 2"), "%s", msg);
	cr_assert_eq(dgen_journal_parse(&v, "", 0, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "no header"), "%s", msg);
	free(buf);
}

/*
 * Seeded mutations of a real journal: bytes flipped, inserted (JSON's own
 * characters most), deleted, lines repeated or cut. Each is refused with
 * -EINVAL and a sentence, or read into a view that keeps the reader's
 * rules: ranges ascending, disjoint, inside their target's region.
 */
Test(journal, fuzz_never_crashes)
{
	static const char alphabet[] = "{}[]\",:0123456789-.eE \\n\0tfnu";
	const char *path = journal_path("fuzz");
	size_t len, refused = 0, read_ok = 0;
	char *base = small_journal(path, 6, &len);
	char *buf = malloc(len + 64);

	rng_seed(11);
	cr_assert(buf);
	for (int it = 0; it < 4000; it++) {
		struct dgen_journal_view *v = NULL;
		char msg[512] = "";
		size_t n = len;
		int r;

		memcpy(buf, base, len);
		for (int m = 0, edits = 1 + (int)(rng_next() % 4); m < edits; m++) {
			size_t at = n ? rng_next() % n : 0;

			switch (rng_next() % 5) {
			case 0:		/* flip a bit */
				if (n)
					buf[at] ^= (char)(1 << (rng_next() % 8));
				break;
			case 1:		/* insert a character */
				if (n < len + 60) {
					memmove(buf + at + 1, buf + at, n - at);
					buf[at] = alphabet[rng_next() % (sizeof(alphabet) - 1)];
					n++;
				}
				break;
			case 2:		/* delete one */
				if (n) {
					memmove(buf + at, buf + at + 1, n - at - 1);
					n--;
				}
				break;
			case 3:		/* replace with a JSON character */
				if (n)
					buf[at] = alphabet[rng_next() % (sizeof(alphabet) - 1)];
				break;
			default:	/* cut the file */
				n = at;
				break;
			}
		}
		r = dgen_journal_parse(&v, buf, n, msg, sizeof(msg));
		cr_assert(r == 0 || r == -EINVAL, "mutation %d: %d", it, r);
		if (r) {
			cr_assert(msg[0], "mutation %d refused without a sentence", it);
			refused++;
			continue;
		}
		read_ok++;
		for (unsigned int k = 0; k < v->ntargets; k++) {
			const struct dgen_journal_target_view *t = &v->targets[k];
			const struct dgen_journal_pass *p = &t->last;

			for (size_t i = 0; i < p->ndurable; i++) {
				cr_assert(p->durable[i].offset >= t->offset &&
					  p->durable[i].offset + p->durable[i].length <=
					  t->offset + t->size, "mutation %d", it);
				cr_assert(i == 0 || p->durable[i].offset >
					  p->durable[i - 1].offset + p->durable[i - 1].length);
			}
		}
		dgen_journal_view_free(v);
	}
	cr_log_info("4000 mutations: %zu refused, %zu read", refused, read_ok);
	cr_assert_gt(refused, 1000);
	cr_assert_gt(read_ok, 100);
	free(buf);
	free(base);
}


/* A power-cycle loop's next run continues the journal, torn line cut off. */
Test(journal, next_cycle)
{
	const char *path = journal_path("cycle");
	struct dgen_journal_target t = jtarget("/dev/shm/dgen-z", 0, 4 * MiB);
	const char torn[] = "{\"v\": 1, \"type\": \"dur";
	struct dgen_range r = { UNIT, UNIT };
	struct dgen_journal_view *v;
	struct dgen_journal *j;
	size_t len;
	char *buf = small_journal(path, 2, &len);
	int fd = open(path, O_WRONLY | O_APPEND);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, torn, sizeof(torn) - 1), (ssize_t)sizeof(torn) - 1);
	close(fd);
	v = jread(path);
	cr_assert_eq(v->torn_tail, 1);
	cr_assert_eq(v->good_bytes, len);
	dgen_journal_view_free(v);

	j = jopen(path, &t, 1, DGEN_JOURNAL_CYCLE);
	cr_assert_eq(dgen_journal_cycle(j), 2);
	cr_assert_eq(dgen_journal_pass_begin(j, 0, 1, DGEN_JOURNAL_PREV_UNKNOWN), 0);
	cr_assert_eq(dgen_journal_durable(j, 0, 1, &r, 1, 3), 0);
	dgen_journal_close(j);
	v = jread(path);
	cr_assert_eq(v->cycle, 2);
	cr_assert_eq(v->runs, 2);
	cr_assert_eq(v->torn_tail, 0);
	cr_assert_eq(v->targets[0].last.pass, 1);
	cr_assert_eq(v->targets[0].last.flushes, 1, "the first run's records leaked in");
	cr_assert_eq(v->targets[0].last.durable[0].offset, UNIT);
	dgen_journal_view_free(v);
	free(buf);
}
