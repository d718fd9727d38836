// SPDX-License-Identifier: MIT
/*
 * test_journal.c - the crash journal: written, read back, cut short,
 * garbled, fuzzed, and refused on a target's device
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
 * - A journal on the device of a target is refused: the same tmpfs, a
 *   loop device's backing file, the disk of the journal's own filesystem,
 *   and (root) a partition of the disk that holds the journal.
 * - A power-cycle loop continues a journal as its next cycle.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <sys/sysmacros.h>

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

/* dgen_journal_check_device of @journal and @target: 0 or -EXDEV. */
static int apart(const char *journal, const char *target)
{
	char msg[512] = "";
	int r = dgen_journal_check_device(journal, target, msg, sizeof(msg));

	cr_assert(r == 0 || r == -EXDEV, "%s and %s: %d %s", journal, target, r, msg);
	if (r)
		cr_assert(strstr(msg, target) && strstr(msg, "another drive"), "%s", msg);
	return r;
}

/*
 * The same tmpfs, a loop device over a file next to the journal, and the
 * disk of the journal's own filesystem are refused; a target elsewhere
 * is not, and a refused journal is never made.
 */
Test(journal, same_device_refused)
{
	const char *shm_file = scratch_path("dev-target");
	const char *shm_journal = scratch_path("dev-journal");
	const char *journal = journal_path("dev");
	char var_file[256], disk[160], *dev;
	struct dgen_journal_target t = jtarget(shm_file, 0, 4 * MiB);
	struct dgen_journal_run run = { .targets = &t, .ntargets = 1 };
	struct dgen_journal *j = NULL;
	struct stat st;
	char msg[512];

	made_file(shm_file);
	cr_assert_eq(file_make(shm_file, 4 * MiB, 0), 0);
	cr_assert_eq(apart(shm_journal, shm_file), -EXDEV);
	cr_assert_eq(dgen_journal_open(&j, shm_journal, &run, 0, msg, sizeof(msg)), -EXDEV);
	cr_assert_eq(access(shm_journal, F_OK), -1, "the refused journal was made");
	cr_assert_eq(apart(journal, shm_file), 0);
	cr_assert_eq(apart(journal, DGEN_TARGET_NULL_PATH), 0);
	cr_assert_eq(apart(journal, "/dev/shm/dgen-not-made-yet"), 0);

	/* The block device under /var/tmp: the journal's own disk. */
	cr_assert_eq(stat("/var/tmp", &st), 0);
	snprintf(disk, sizeof(disk), "cat /sys/dev/block/%u:%u/uevent 2>/dev/null | sed -n 's|^DEVNAME=|/dev/|p'",
		 major(st.st_dev), minor(st.st_dev));
	dev = major(st.st_dev) ? shell_line(disk) : NULL;
	if (dev && !stat(dev, &st) && S_ISBLK(st.st_mode))
		cr_assert_eq(apart(journal, dev), -EXDEV, "%s holds /var/tmp", dev);
	else
		cr_log_warn("/var/tmp has no block device of its own here");

	/* Loop devices: over a file beside the journal, and elsewhere. */
	snprintf(var_file, sizeof(var_file), "/var/tmp/dgen-test-%d-dev-loop", (int)getpid());
	made_file(var_file);
	cr_assert_eq(file_make(var_file, 4 * MiB, 0), 0);
	dev = loop_attach(var_file, 0);
	if (!dev)
		crash_skip("no loop device (root and the loop driver are needed)");
	snprintf(made.loop, sizeof(made.loop), "%.*s", (int)sizeof(made.loop) - 1, dev);
	cr_assert_eq(apart(journal, made.loop), -EXDEV);
	loop_detach(made.loop);
	made.loop[0] = 0;
	dev = loop_attach(shm_file, 0);
	cr_assert(dev);
	snprintf(made.loop, sizeof(made.loop), "%.*s", (int)sizeof(made.loop) - 1, dev);
	cr_assert_eq(apart(journal, made.loop), 0);
	cr_assert_eq(apart(shm_journal, made.loop), -EXDEV);
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

/* Write a DOS partition table of two partitions to @path. */
static void mbr_make(const char *path)
{
	static const uint32_t part[2][2] = { { 2048, 40960 }, { 43008, 20480 } };
	uint8_t mbr[512] = { 0 };
	int fd = open(path, O_WRONLY);

	for (int i = 0; i < 2; i++) {
		uint8_t *e = mbr + 446 + 16 * i;

		e[1] = 0xfe, e[2] = 0xff, e[3] = 0xff, e[4] = 0x83;
		e[5] = 0xfe, e[6] = 0xff, e[7] = 0xff;
		for (int b = 0; b < 4; b++) {
			e[8 + b] = (uint8_t)(part[i][0] >> (8 * b));
			e[12 + b] = (uint8_t)(part[i][1] >> (8 * b));
		}
	}
	mbr[510] = 0x55;
	mbr[511] = 0xaa;
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, mbr, sizeof(mbr), 0), 512);
	close(fd);
}

/*
 * A journal on an ext4 filesystem in partition 1 of a loop device: its
 * partition 2 is the same disk, refused; so is a file beside the loop
 * device's backing file. A file on another device is not.
 */
Test(journal, partition_of_journal_disk)
{
	const char *file = scratch_path("parts");
	char cmd[512], p1[80], p2[80], mnt[64] = "/tmp/dgen-jmnt-XXXXXX", jpath[128];
	struct stat st;
	char *dev;
	int same_disk, beside, elsewhere, mounted;

	made_file(file);
	cr_assert_eq(file_make(file, 64 * MiB, 0), 0);
	mbr_make(file);
	snprintf(cmd, sizeof(cmd),
		 "(modprobe loop; true) 2>/dev/null; losetup -P -f --show %s 2>/dev/null", file);
	dev = shell_line(cmd);
	if (!dev)
		crash_skip("no loop device (root and the loop driver are needed)");
	snprintf(made.loop, sizeof(made.loop), "%.*s", (int)sizeof(made.loop) - 1, dev);
	snprintf(p1, sizeof(p1), "%sp1", made.loop);
	snprintf(p2, sizeof(p2), "%sp2", made.loop);
	for (int i = 0; i < 500 && (stat(p1, &st) || stat(p2, &st)); i++)
		nap_us(10000);
	if (stat(p2, &st))
		crash_skip("this kernel found no partitions on %s (no DOS partition table support?)",
			   made.loop);
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F %s >/dev/null 2>&1", p1);
	cr_assert_eq(system(cmd), 0, "mkfs.ext4 %s failed", p1);
	cr_assert(mkdtemp(mnt));
	snprintf(cmd, sizeof(cmd), "mount %s %s 2>/dev/null", p1, mnt);
	mounted = system(cmd) == 0;
	if (!mounted) {
		rmdir(mnt);
		crash_skip("cannot mount ext4 here");
	}
	snprintf(jpath, sizeof(jpath), "%s/journal.jsonl", mnt);
	same_disk = apart(jpath, p2);
	beside = apart(jpath, scratch_path("beside"));
	elsewhere = apart(jpath, "/var/tmp");
	for (int i = 0; i < 100 && umount(mnt); i++)
		nap_us(20000);
	rmdir(mnt);
	cr_assert_eq(same_disk, -EXDEV, "partition 2 of the journal's disk was allowed");
	cr_assert_eq(beside, -EXDEV, "a file beside the disk's backing file was allowed");
	cr_assert_eq(elsewhere, 0);
}

/* ===== A pretend sysfs (DGEN_SYSFS_ROOT) for stacks this kernel lacks ===== */

#define PCI0	"devices/pci0000:00/0000:00:04.0"
#define PCI1	"devices/pci0000:00/0000:00:05.0"

static char sysroot[64];

static void put_file(const char *text, const char *rel)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", sysroot, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	cr_assert_eq(system(cmd), 0);
	f = fopen(path, "w");
	cr_assert(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static void put_link(const char *to, const char *rel)
{
	char path[512], cmd[600];

	snprintf(path, sizeof(path), "%s/%s", sysroot, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(symlink(to, path), 0, "%s", path);
}

static void drop_sysfs(void)
{
	char cmd[128];

	if (!sysroot[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sysroot);
	cr_assert_eq(system(cmd), 0);
	sysroot[0] = 0;
}

/* A block node for @maj:@min in the pretend tree (mknod needs root). */
static const char *node(unsigned int maj, unsigned int min)
{
	static char path[8][128];
	static int next;
	char *p = path[next++ % 8];

	snprintf(p, 128, "%s/node-%u-%u", sysroot, maj, min);
	if (mknod(p, S_IFBLK | 0600, makedev(maj, min)) && errno != EEXIST) {
		int e = errno;

		drop_sysfs();
		crash_skip("mknod needs CAP_MKNOD: %s", strerror(e));
	}
	return p;
}

/*
 * Two NVMe controllers, the first with namespaces n1 (partition p1) and
 * n2, a dm device over p1, and a loop device backed by a file in /var/tmp.
 */
static void pretend_sysfs(const char *backing)
{
	char text[300];

	snprintf(sysroot, sizeof(sysroot), "/tmp/dgen-jsys-XXXXXX");
	cr_assert(mkdtemp(sysroot));
	put_file("259:0\n", PCI0 "/nvme/nvme0/nvme0n1/dev");
	put_link("../../nvme0", PCI0 "/nvme/nvme0/nvme0n1/device");
	put_file("259:1\n", PCI0 "/nvme/nvme0/nvme0n1/nvme0n1p1/dev");
	put_file("1\n", PCI0 "/nvme/nvme0/nvme0n1/nvme0n1p1/partition");
	put_file("259:3\n", PCI0 "/nvme/nvme0/nvme0n2/dev");
	put_link("../../nvme0", PCI0 "/nvme/nvme0/nvme0n2/device");
	put_file("259:2\n", PCI1 "/nvme/nvme1/nvme1n1/dev");
	put_link("../../nvme1", PCI1 "/nvme/nvme1/nvme1n1/device");
	put_file("253:0\n", "devices/virtual/block/dm-0/dev");
	put_link("../../../../../" PCI0 "/nvme/nvme0/nvme0n1/nvme0n1p1",
		 "devices/virtual/block/dm-0/slaves/nvme0n1p1");
	put_file("7:0\n", "devices/virtual/block/loop0/dev");
	snprintf(text, sizeof(text), "%s\n", backing);
	put_file(text, "devices/virtual/block/loop0/loop/backing_file");
	put_link("../../" PCI0 "/nvme/nvme0/nvme0n1", "dev/block/259:0");
	put_link("../../" PCI0 "/nvme/nvme0/nvme0n1/nvme0n1p1", "dev/block/259:1");
	put_link("../../" PCI0 "/nvme/nvme0/nvme0n2", "dev/block/259:3");
	put_link("../../" PCI1 "/nvme/nvme1/nvme1n1", "dev/block/259:2");
	put_link("../../devices/virtual/block/dm-0", "dev/block/253:0");
	put_link("../../devices/virtual/block/loop0", "dev/block/7:0");
	setenv(DGEN_ENV_SYSFS_ROOT, sysroot, 1);
}


/*
 * A partition is its disk; two namespaces of one controller are one
 * drive; a dm device stands on its members; a loop device on its backing
 * file's filesystem. Another controller is another drive.
 */
Test(journal, stacked_devices, .fini = drop_sysfs)
{
	char backing[128];
	const char *journal = journal_path("stack");
	const char *p1, *n1, *n2, *dm, *other, *loop;

	snprintf(backing, sizeof(backing), "/var/tmp/dgen-test-%d-stack", (int)getpid());
	made_file(backing);
	cr_assert_eq(file_make(backing, 4096, 0), 0);
	pretend_sysfs(backing);
	p1 = node(259, 1);
	n1 = node(259, 0);
	n2 = node(259, 3);
	dm = node(253, 0);
	other = node(259, 2);
	loop = node(7, 0);
	cr_assert_eq(apart(p1, n1), -EXDEV, "a partition and its disk");
	cr_assert_eq(apart(p1, n2), -EXDEV, "two namespaces of one controller");
	cr_assert_eq(apart(n2, dm), -EXDEV, "a dm device over a partition");
	cr_assert_eq(apart(p1, other), 0, "another controller");
	cr_assert_eq(apart(other, dm), 0);
	cr_assert_eq(apart(journal, loop), -EXDEV, "a loop device over a file beside the journal");
	cr_assert_eq(apart(other, loop), 0);
}
