// SPDX-License-Identifier: MIT
/*
 * test_verify.c - read-back verify finds exactly the blocks broken behind
 * its back, with the right kind and sectors; burn-in passes, time and rate
 *
 * Real files on tmpfs and loop devices over them: a clean write verifies
 * clean; then blocks are broken outside the tool (dd, fallocate
 * --punch-hole, pwrite of the previous pass's bytes, of random bytes, of
 * one flipped sector, a block copied to another offset) and verify must
 * report those blocks and no other, each with its kind and the sectors
 * that differ. The library is checked through the writer's result, the
 * tool (DGEN_URING_PATH) through its exit code and reports.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/wait.h>

#include <dgen/inspect.h>

#include "writer_helpers.h"
#include "toolrun.h"

#ifndef DGEN_URING_PATH
#error "meson passes the path of the built tool"
#endif

#define MiB		(1ull << 20)
#define B		4096u
#define SEED		1234u
#define REGION_OFFSET	(64u << 10)
#define REGION_SIZE	(8u << 20)
#define BLOCKS		(REGION_SIZE / B)

/* ===== Running the engine ===== */

struct outcome {
	struct dgen_writer_result res;
	struct dgen_verify_mismatch *list;	/* a copy of res.report */
};

/* One write or verify of @s (@prev: the previous pass) on @path. */
static void engine(const char *path, uint64_t off, uint64_t size,
		   const struct dgen_writer_opts *base,
		   enum dgen_writer_mode mode, struct dgen_stream *s,
		   struct dgen_stream *prev, struct outcome *out)
{
	struct dgen_writer_opts o = *base;
	struct dgen_target *t;
	struct dgen_writer *w;
	char msg[512] = "";

	o.mode = mode;
	o.prev_streams = prev ? (const struct dgen_stream *const *)&prev : NULL;
	cr_assert_eq(dgen_target_open(&t, path, off, size, DGEN_TARGET_FORCE,
				      msg, sizeof(msg)), 0, "%s: %s", path, msg);
	cr_assert_eq(dgen_writer_new(&w, &o, &t,
				     (const struct dgen_stream *const *)&s, 1,
				     msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_writer_start(w, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_writer_wait(w, &out->res), 0);
	out->list = NULL;
	if (out->res.reported) {
		out->list = malloc(out->res.reported * sizeof(*out->list));
		cr_assert(out->list);
		memcpy(out->list, out->res.report,
		       out->res.reported * sizeof(*out->list));
	}
	out->res.report = NULL;
	dgen_writer_free(w);
	dgen_target_close(t);
}

struct combo {
	double dedup, compress;
	uint32_t threads, bs;
	enum dgen_write_pattern pattern;
	int loop;
};

static void opts_of(struct dgen_writer_opts *o, const struct combo *c)
{
	dgen_writer_opts_init(o);
	o->threads = c->threads;
	o->io_size = c->bs;
	o->queue_depth = 8;
	o->pattern = c->pattern;
	o->order_seed = 3;
	o->max_report = 100;
}

/* A target for @c: a file, or a loop device over one (skips if none). */
static const char *target_make(const struct combo *c, const char *backing,
			       const char **dev)
{
	cr_assert_eq(file_make(backing, REGION_OFFSET + REGION_SIZE + 65536, 0x5a), 0);
	*dev = NULL;
	if (!c->loop)
		return backing;
	*dev = loop_attach(backing, 0);
	if (!*dev) {
		unlink(backing);
		cr_skip_test("cannot attach a loop device here (needs root and the loop driver)");
	}
	return *dev;
}

static void target_drop(const char *backing, const char *dev)
{
	if (dev)
		loop_detach(dev);
	unlink(backing);
}

/* ===== Clean runs ===== */

static struct combo clean_combos[] = {
	{ 1.0, 1.0, 1, 4096, DGEN_PATTERN_SEQ, 0 },
	{ 3.0, 2.0, 2, 1 << 20, DGEN_PATTERN_RAND, 0 },
	{ 2.5, 1.5, 3, 64 << 10, DGEN_PATTERN_SEQ, 0 },
	{ 1.0, 4.0, 2, 12 << 10, DGEN_PATTERN_RAND, 0 },
	{ 1.0, 1.0, 2, 256 << 10, DGEN_PATTERN_SEQ, 1 },
	{ 3.0, 2.0, 1, 1 << 20, DGEN_PATTERN_RAND, 1 },
	{ 2.0, 3.0, 4, 8192, DGEN_PATTERN_SEQ, 1 },
};

ParameterizedTestParameters(verify, clean_write_verifies)
{
	return cr_make_param_array(struct combo, clean_combos,
				   sizeof(clean_combos) / sizeof(clean_combos[0]));
}

/* A clean write reads back clean, every byte of it, whatever the layout. */
ParameterizedTest(struct combo *c, verify, clean_write_verifies)
{
	const char *backing = scratch_path("clean"), *dev;
	struct dgen_stream *s = stream_make(SEED, 2, REGION_SIZE, c->dedup,
					    c->compress);
	struct dgen_writer_opts o;
	struct outcome w, v;
	const char *path = target_make(c, backing, &dev);

	opts_of(&o, c);
	engine(path, REGION_OFFSET, REGION_SIZE, &o, DGEN_MODE_WRITE, s, NULL, &w);
	cr_expect_eq(w.res.bytes, REGION_SIZE);
	engine(path, REGION_OFFSET, REGION_SIZE, &o, DGEN_MODE_VERIFY, s, NULL, &v);
	cr_expect_eq(v.res.bytes, REGION_SIZE, "verified %llu bytes",
		     (unsigned long long)v.res.bytes);
	cr_expect_eq(v.res.mismatches, 0, "d %g c %g threads %u bs %u: %llu mismatches",
		     c->dedup, c->compress, c->threads, c->bs,
		     (unsigned long long)v.res.mismatches);
	cr_expect_eq(v.res.reported, 0);
	cr_expect_eq(v.res.ops, (REGION_SIZE + c->bs - 1) / c->bs);
	target_drop(backing, dev);
	dgen_stream_free(s);
}

/* ===== Corruptions ===== */

/* What the test did to a block, and so what verify must say. */
struct broken {
	uint64_t block;			/* block index in the region */
	enum dgen_mismatch_kind kind;
	uint64_t map;			/* sectors that differ (8 per block) */
};

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* Put @buf (one block) at region block @blk of @path, with O_DIRECT. */
static void put_block(const char *path, uint64_t blk, const uint8_t *buf)
{
	uint8_t *a;
	int fd = open(path, O_WRONLY | O_DIRECT);

	cr_assert(fd >= 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(posix_memalign((void **)&a, 4096, B), 0);
	memcpy(a, buf, B);
	cr_assert_eq(pwrite(fd, a, B, (off_t)(REGION_OFFSET + blk * B)), (ssize_t)B);
	close(fd);
	free(a);
}

/* Sectors where @got differs from stream @s's block @blk. */
static uint64_t diff_map(const struct dgen_stream *s, uint64_t blk,
			 const uint8_t *got)
{
	uint8_t want[B];
	uint64_t map = 0;

	cr_assert_eq(dgen_stream_fill(s, want, blk * B, B), 0);
	for (unsigned int k = 0; k < B / 512; k++)
		if (memcmp(want + 512 * k, got + 512 * k, 512))
			map |= 1ull << k;
	return map;
}

static void expect(struct broken *e, unsigned int *n, uint64_t blk,
		   enum dgen_mismatch_kind kind, const struct dgen_stream *s,
		   const uint8_t *got)
{
	e[*n] = (struct broken) { blk, kind, diff_map(s, blk, got) };
	cr_assert_neq(e[*n].map, 0, "block %llu: the corruption changed nothing",
		      (unsigned long long)blk);
	(*n)++;
}

/*
 * Break blocks of a region holding pass 2 (@s2; @s1 is pass 1) behind the
 * tool's back; returns how many, expectations in @e by block order.
 */
static unsigned int break_blocks(const char *path, const char *backing,
				 const struct dgen_stream *s1,
				 const struct dgen_stream *s2,
				 struct broken *e)
{
	uint8_t zero[B] = { 0 }, buf[B];
	unsigned int n = 0;
	const uint64_t dev_block = REGION_OFFSET / B;

	/* Zeroed by dd. */
	sh("dd if=/dev/zero of=%s bs=%u seek=%llu count=1 conv=notrunc oflag=direct status=none",
	   path, B, (unsigned long long)(dev_block + 100));
	expect(e, &n, 100, DGEN_MISMATCH_ZEROED, s2, zero);
	/* Two blocks punched out of the file under it: holes read as zeros. */
	sh("fallocate --punch-hole --offset %llu --length %u %s",
	   (unsigned long long)(REGION_OFFSET + 200ull * B), 2 * B, backing);
	expect(e, &n, 200, DGEN_MISMATCH_ZEROED, s2, zero);
	expect(e, &n, 201, DGEN_MISMATCH_ZEROED, s2, zero);
	/* Stale: the previous pass's bytes, as a lost write leaves them. */
	cr_assert_eq(dgen_stream_fill(s1, buf, 300ull * B, B), 0);
	put_block(path, 300, buf);
	expect(e, &n, 300, DGEN_MISMATCH_STALE, s2, buf);
	/* Foreign: random bytes. */
	cr_assert_eq(getrandom(buf, B, 0), (ssize_t)B);
	put_block(path, 400, buf);
	expect(e, &n, 400, DGEN_MISMATCH_FOREIGN, s2, buf);
	/* Torn: one sector of the right block flipped, sector 5. */
	cr_assert_eq(dgen_stream_fill(s2, buf, 500ull * B, B), 0);
	for (unsigned int i = 5 * 512; i < 6 * 512; i++)
		buf[i] ^= 0xff;
	put_block(path, 500, buf);
	expect(e, &n, 500, DGEN_MISMATCH_FOREIGN, s2, buf);
	/* Misdirected: block 601 copied onto block 600 (another distinct
	 * block, also with dedup: copies of one block are U blocks apart). */
	sh("dd if=%s of=%s bs=%u skip=%llu seek=%llu count=1 conv=notrunc iflag=direct oflag=direct status=none",
	   path, path, B, (unsigned long long)(dev_block + 601),
	   (unsigned long long)(dev_block + 600));
	cr_assert_eq(dgen_stream_fill(s2, buf, 601ull * B, B), 0);
	expect(e, &n, 600, DGEN_MISMATCH_FOREIGN, s2, buf);
	return n;
}

static struct combo broken_combos[] = {
	{ 1.0, 1.0, 2, 1 << 20, DGEN_PATTERN_SEQ, 0 },
	{ 3.0, 2.0, 2, 64 << 10, DGEN_PATTERN_RAND, 0 },
	{ 1.0, 1.0, 1, 256 << 10, DGEN_PATTERN_RAND, 1 },
	{ 3.0, 2.0, 2, 1 << 20, DGEN_PATTERN_SEQ, 1 },
};

ParameterizedTestParameters(verify, finds_exactly_the_broken_blocks)
{
	return cr_make_param_array(struct combo, broken_combos,
				   sizeof(broken_combos) / sizeof(broken_combos[0]));
}

/*
 * Pass 2 written clean, then broken: the report holds exactly the broken
 * blocks, in offset order, with kind and sectors; nothing else.
 */
ParameterizedTest(struct combo *c, verify, finds_exactly_the_broken_blocks)
{
	const char *backing = scratch_path("broken"), *dev;
	struct dgen_stream *s1 = stream_make(dgen_pass_seed(SEED, 1), 0,
					     REGION_SIZE, c->dedup, c->compress);
	struct dgen_stream *s2 = stream_make(dgen_pass_seed(SEED, 2), 0,
					     REGION_SIZE, c->dedup, c->compress);
	const char *path = target_make(c, backing, &dev);
	struct broken e[16];
	uint64_t kinds[DGEN_MISMATCH_KINDS] = { 0 }, sectors = 0;
	struct dgen_writer_opts o;
	struct outcome w, v;
	unsigned int n;

	opts_of(&o, c);
	engine(path, REGION_OFFSET, REGION_SIZE, &o, DGEN_MODE_WRITE, s2, NULL, &w);
	engine(path, REGION_OFFSET, REGION_SIZE, &o, DGEN_MODE_VERIFY, s2, s1, &v);
	cr_assert_eq(v.res.mismatches, 0, "clean write, %llu mismatches",
		     (unsigned long long)v.res.mismatches);
	n = break_blocks(path, backing, s1, s2, e);
	engine(path, REGION_OFFSET, REGION_SIZE, &o, DGEN_MODE_VERIFY, s2, s1, &v);
	cr_expect_eq(v.res.bytes, REGION_SIZE);
	cr_assert_eq(v.res.mismatches, n, "found %llu bad blocks, broke %u",
		     (unsigned long long)v.res.mismatches, n);
	cr_assert_eq(v.res.reported, n);
	for (unsigned int i = 0; i < n; i++) {
		const struct dgen_verify_mismatch *m = &v.list[i];

		cr_expect_eq(m->target, 0);
		cr_expect_eq(m->offset, REGION_OFFSET + e[i].block * B,
			     "entry %u: offset %llu, broke block %llu", i,
			     (unsigned long long)m->offset,
			     (unsigned long long)e[i].block);
		cr_expect_eq(m->len, B);
		cr_expect_eq(m->kind, e[i].kind, "block %llu: %s, expected %s",
			     (unsigned long long)e[i].block,
			     dgen_mismatch_kind_name(m->kind),
			     dgen_mismatch_kind_name(e[i].kind));
		cr_expect_eq(m->sector_map[0], e[i].map,
			     "block %llu: sectors %#llx, expected %#llx",
			     (unsigned long long)e[i].block,
			     (unsigned long long)m->sector_map[0],
			     (unsigned long long)e[i].map);
		cr_expect_eq(m->bad_sectors, (uint32_t)__builtin_popcountll(e[i].map));
		kinds[e[i].kind]++;
		sectors += (uint64_t)__builtin_popcountll(e[i].map);
	}
	for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
		cr_expect_eq(v.res.kinds[k], kinds[k], "%s: %llu, expected %llu",
			     dgen_mismatch_kind_name(k),
			     (unsigned long long)v.res.kinds[k],
			     (unsigned long long)kinds[k]);
	cr_expect_eq(v.res.bad_sectors, sectors);
	/* Without the previous pass, stale cannot be told: it is foreign. */
	free(v.list);
	engine(path, REGION_OFFSET, REGION_SIZE, &o, DGEN_MODE_VERIFY, s2, NULL, &v);
	cr_expect_eq(v.res.mismatches, n);
	cr_expect_eq(v.res.kinds[DGEN_MISMATCH_STALE], 0);
	cr_expect_eq(v.res.kinds[DGEN_MISMATCH_FOREIGN], kinds[DGEN_MISMATCH_FOREIGN] + 1);
	/* --max-report bounds the detail, never the count; the lowest stay. */
	free(v.list);
	o.max_report = 2;
	engine(path, REGION_OFFSET, REGION_SIZE, &o, DGEN_MODE_VERIFY, s2, s1, &v);
	cr_expect_eq(v.res.mismatches, n);
	cr_assert_eq(v.res.reported, 2);
	cr_expect_eq(v.list[0].offset, REGION_OFFSET + e[0].block * B);
	cr_expect_eq(v.list[1].offset, REGION_OFFSET + e[1].block * B);
	free(v.list);
	target_drop(backing, dev);
	dgen_stream_free(s1);
	dgen_stream_free(s2);
}

Test(verify, io_size_must_hold_whole_blocks)
{
	const char *path = scratch_path("bs");
	struct dgen_stream *s = stream_make(1, 0, MiB, 1.0, 1.0);
	struct dgen_target *t;
	struct dgen_writer *w;
	struct dgen_writer_opts o;
	char msg[256];

	cr_assert_eq(dgen_target_open(&t, path, 0, MiB, 0, msg, sizeof(msg)), 0);
	dgen_writer_opts_init(&o);
	o.mode = DGEN_MODE_VERIFY;
	o.io_size = 512;
	cr_assert_eq(dgen_writer_new(&w, &o, &t,
				     (const struct dgen_stream *const *)&s, 1,
				     msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "dedup unit"), "%s", msg);
	dgen_target_close(t);
	dgen_stream_free(s);
}

Test(verify, pass_seeds)
{
	cr_assert_eq(dgen_pass_seed(77, 1), 77, "pass 1 is the run's seed");
	cr_assert_eq(dgen_pass_seed(77, 0), 77);
	cr_assert_neq(dgen_pass_seed(77, 2), 77);
	cr_assert_neq(dgen_pass_seed(77, 2), dgen_pass_seed(77, 3));
	cr_assert_neq(dgen_pass_seed(77, 2), dgen_pass_seed(78, 2));
	cr_assert_neq(dgen_pass_seed(77, 2), 78);
	cr_assert_eq(dgen_pass_seed(77, 5), dgen_pass_seed(77, 5));
}

/* ===== The tool ===== */

/*
 * A run of the tool. Time bounds are read from the run's own report
 * (report_seconds), never from a clock around the process: start-up,
 * sanitizers and a loaded machine are not the run's business.
 */
/*
 * Upper bounds on a run's own seconds are sanity bounds: a stop that is
 * late by this much is no stop at all. (A pass here takes well under a
 * second, even under ASan on two busy cores.)
 */
#define LATE_S	10.0

/* The report's top-level "seconds" (indented by two, as the tool does). */
static double report_seconds(const char *json)
{
	static const char key[] = "\n  \"seconds\": ";
	const char *p = strstr(json, key);

	cr_assert(p, "no seconds in the report:\n%s", json);
	return strtod(p + strlen(key), NULL);
}

/*
 * Run python3 @prog on the JSON in @json; its first output line (static).
 * Skips when python3 is missing.
 */
static char *py(const char *prog, const char *json)
{
	const char *jp = scratch_path("json"), *pp = scratch_path("py");
	char cmd[1024], *line;
	FILE *f;

	if (!shell_line("command -v python3"))
		cr_skip_test("python3 is needed to read the JSON report");
	f = fopen(jp, "w");
	fputs(json, f);
	fclose(f);
	f = fopen(pp, "w");
	fputs(prog, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 %s %s 2>&1", pp, jp);
	line = shell_line(cmd);
	unlink(jp);
	unlink(pp);
	return line ? line : "(python failed)";
}

/* The tool on a broken region: exit 1, and the report names each block. */
Test(cli, verify_only_reports_broken_blocks)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"print(d['status'], d['mismatches'], d['zeroed'], d['stale'], d['foreign'],"
		" ' '.join('%d:%s:%s' % (m['offset'], m['kind'], ','.join(map(str, m['sectors'])))"
		" for m in d['mismatch_list']))\n";
	const char *path = scratch_path("vo");
	struct dgen_stream *s1 = stream_make(dgen_pass_seed(SEED, 1), 0,
					     REGION_SIZE, 3.0, 2.0);
	struct dgen_stream *s2 = stream_make(dgen_pass_seed(SEED, 2), 0,
					     REGION_SIZE, 3.0, 2.0);
	char want[1024] = "", line[256], *p;
	struct broken e[16];
	uint64_t kinds[DGEN_MISMATCH_KINDS] = { 0 };
	unsigned int n;
	struct run r;

	cr_assert_eq(file_make(path, REGION_OFFSET, 0x11), 0);
	/* Two passes written and verified by the tool: clean, exit 0. */
	cr_assert_eq(tool(&r, "--dev %s --offset 64K --size 8M --seed %u --dedup 3 --compress 2 --passes 2 --verify --threads 2",
			  path, SEED), 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "status: ok"), "%s", r.out);
	n = break_blocks(path, path, s1, s2, e);
	cr_assert_eq(tool(&r, "--dev %s --offset 64K --size 8M --seed %u --dedup 3 --compress 2 --verify-only --pass 2",
			  path, SEED), 1, "%s%s", r.out, r.err);
	/* Human: one line per block, sectors numbered within the block. */
	for (unsigned int i = 0; i < n; i++) {
		char sec[64] = "";
		size_t at = 0;

		for (unsigned int k = 0; k < 8;) {
			unsigned int j = k;

			if (!(e[i].map >> k & 1)) {
				k++;
				continue;
			}
			while (j + 1 < 8 && (e[i].map >> (j + 1) & 1))
				j++;
			at += (size_t)snprintf(sec + at, sizeof(sec) - at, "%s%u", at ? "," : "", k);
			if (j > k)
				at += (size_t)snprintf(sec + at, sizeof(sec) - at, "-%u", j);
			k = j + 1;
		}
		snprintf(line, sizeof(line), "pass 2 %s offset %llu: %s, sectors %s of 8\n",
			 path, (unsigned long long)(REGION_OFFSET + e[i].block * B),
			 dgen_mismatch_kind_name(e[i].kind), sec);
		cr_expect(strstr(r.out, line), "missing: %s in\n%s", line, r.out);
		kinds[e[i].kind]++;
	}
	p = r.out;
	for (unsigned int i = 0; (p = strstr(p, "    pass 2 ")); i++, p++)
		cr_assert_lt(i, n, "more mismatch lines than broken blocks:\n%s", r.out);
	cr_expect(strstr(r.out, "status: mismatch"), "%s", r.out);
	/* JSON: the same list. */
	cr_assert_eq(tool(&r, "--dev %s --offset 64K --size 8M --seed %u --dedup 3 --compress 2 --verify-only --pass 2 --json",
			  path, SEED), 1, "%s", r.err);
	snprintf(want, sizeof(want), "mismatch %u %llu %llu %llu", n,
		 (unsigned long long)kinds[0], (unsigned long long)kinds[1],
		 (unsigned long long)kinds[2]);
	for (unsigned int i = 0; i < n; i++) {
		size_t at = strlen(want);
		const char *sep = ":";

		at += (size_t)snprintf(want + at, sizeof(want) - at, " %llu:%s",
				       (unsigned long long)(REGION_OFFSET + e[i].block * B),
				       dgen_mismatch_kind_name(e[i].kind));
		for (unsigned int k = 0; k < 8; k++)
			if (e[i].map >> k & 1) {
				at += (size_t)snprintf(want + at, sizeof(want) - at, "%s%u", sep, k);
				sep = ",";
			}
	}
	cr_expect_str_eq(py(check, r.out), want);
	unlink(path);
	dgen_stream_free(s1);
	dgen_stream_free(s2);
}

/* A wrong seed: every block is foreign, and the exit code says so. */
Test(cli, wrong_seed_every_block_foreign)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"print(d['mismatches'], d['foreign'], d['zeroed'], d['stale'], len(d['mismatch_list']), d['bytes_verified'])\n";
	const char *path = scratch_path("ws");
	char want[128];
	struct run r;

	cr_assert_eq(tool(&r, "--dev %s --size 4M --seed 5 --threads 2", path), 0, "%s", r.err);
	cr_assert_eq(tool(&r, "--dev %s --seed 5 --verify-only", path), 0, "%s%s", r.out, r.err);
	cr_assert_eq(tool(&r, "--dev %s --seed 6 --verify-only --json", path), 1, "%s", r.err);
	snprintf(want, sizeof(want), "%u %u 0 0 20 %llu", 1024, 1024, 4 * MiB);
	cr_expect_str_eq(py(check, r.out), want);
	unlink(path);
}

/*
 * --time: passes follow one another until the time is up, the run stops
 * then (not a pass or more later), and the report lists each pass's seed
 * and sums them.
 */
Test(cli, time_limited_passes)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"p = d['passes']\n"
		"assert [x['pass'] for x in p] == list(range(1, len(p) + 1))\n"
		"assert d['bytes_written'] == sum(x['written'] for x in p)\n"
		"assert d['bytes_verified'] == sum(x['verified'] for x in p)\n"
		"assert d['mismatches'] == 0 and d['status'] == 'ok'\n"
		"assert all(x['complete'] and x['verified'] == x['written'] == 16 << 20 for x in p[:-1])\n"
		"print(len(p), ' '.join(str(x['seed']) for x in p[:8]), p[-1]['seed'])\n";
	const char *path = scratch_path("time");
	char *line, *p;
	unsigned int n;
	struct run r;
	double sec;

	cr_assert_eq(tool(&r, "--dev %s --size 16M --seed 9 --verify --time 3 --status-interval 0.25 --json --threads 2",
			  path), 0, "%s", r.err);
	sec = report_seconds(r.out);
	cr_expect(sec >= 3.0 && sec < 3.0 + LATE_S, "ran %.3f s for --time 3", sec);
	line = py(check, r.out);
	n = (unsigned int)strtoul(line, &p, 10);
	/* A pass takes well under a second even under ASan on busy cores. */
	cr_assert_geq(n, 2, "%s\n%s", line, r.out);
	/* The first eight passes' seeds and the last's (a line is short). */
	for (unsigned int i = 1; i <= n && i <= 8; i++) {
		unsigned long long seed = strtoull(p, &p, 10);

		cr_expect_eq(seed, dgen_pass_seed(9, i), "pass %u seed %llu", i, seed);
	}
	cr_expect_eq(strtoull(p, &p, 10), dgen_pass_seed(9, n), "%s", line);
	/* Status lines: JSON lines on stderr, a few per second. */
	cr_expect(strstr(r.err, "{\"time\": ") && strstr(r.err, "\"phase\": \"verify\"") &&
		  strstr(r.err, "\"mismatches\": 0"), "%s", r.err);
	n = 0;
	for (p = r.err; (p = strstr(p, "\"pass\": ")); p++)
		n++;
	/* A few per second: at most one per interval, and not just one. */
	cr_expect(n >= 3 && n <= sec / 0.25 + 1, "%u status lines in %.3f s at 0.25 s:\n%s",
		  n, sec, r.err);
	unlink(path);
}

/*
 * --rate holds over 3 s (null target: no device in the way): never more
 * than 5% over the cap; under it only as far as a loaded machine under
 * sanitizers can fall behind (the pacing is not a stall).
 */
Test(cli, rate_limit_holds)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"p = d['passes'][0]\n"
		"print('%.4f' % (p['written'] / p['write_seconds'] / (200 << 20)))\n";
	struct run r;
	double ratio;

	cr_assert_eq(tool(&r, "--dev null --size 64G --seed 1 --rate 200M/s --time 3 --threads 2 --json"),
		     0, "%s", r.err);
	ratio = strtod(py(check, r.out), NULL);
	cr_expect(ratio > 0.5 && ratio < 1.05, "rate %.4f of the cap\n%s", ratio, r.out);
	cr_expect(report_seconds(r.out) >= 3.0 && report_seconds(r.out) < 3.0 + LATE_S,
		  "ran %.3f s", report_seconds(r.out));
}

/* Verifying leaves the data as asked: d = 3, c = 2 measured afterwards. */
Test(cli, verified_data_keeps_ratios)
{
	const char *path = scratch_path("ratio");
	const size_t size = 64 * MiB;
	struct dgen_stream *s = stream_make(21, 0, size, 3.0, 2.0);
	struct dgen_stream_layout l;
	struct dgen_inspect_result res;
	struct dgen_inspect *in;
	uint8_t *buf = malloc(size);
	uint64_t h;
	struct run r;
	int fd;

	cr_assert(buf);
	cr_assert_eq(tool(&r, "--dev %s --size 64M --seed 21 --dedup 3 --compress 2 --verify --passes 1",
			  path), 0, "%s%s", r.out, r.err);
	h = path_hash(path);
	cr_assert_eq(tool(&r, "--dev %s --seed 21 --dedup 3 --compress 2 --verify-only",
			  path), 0, "%s%s", r.out, r.err);
	cr_assert_eq(path_hash(path), h, "verify changed the data");
	fd = open(path, O_RDONLY);
	cr_assert_eq(read(fd, buf, size), (ssize_t)size);
	close(fd);
	cr_assert_eq(dgen_inspect_new(&in, NULL), 0);
	cr_assert_eq(dgen_inspect_feed(in, buf, 0, size), 0);
	dgen_inspect_result_get(in, &res);
	dgen_stream_layout_get(s, &l);
	/* From the dedup unit up to the exact unit: the layout's N / U. */
	for (unsigned int u = 3; u < DGEN_INSPECT_UNITS &&
	     res.dedup[u].unit <= l.dedup_exact_unit; u++)
		cr_expect_float_eq(res.dedup[u].ratio, l.dedup_ratio, 1e-9,
				   "dedup at %u B: %f, layout %f", res.dedup[u].unit,
				   res.dedup[u].ratio, l.dedup_ratio);
	cr_expect_geq(l.dedup_exact_unit, 64u << 10);
	cr_expect(fabs(l.dedup_ratio - 3.0) < 0.03, "%f", l.dedup_ratio);
	/* lz4 and zstd per 4 KiB: c within 3% (doc/data-contract.md section 3). */
	for (unsigned int c = 0; c < DGEN_INSPECT_CODECS; c++) {
		double got = res.compress[c][DGEN_INSPECT_PIECE_4K].ratio;

		cr_expect(fabs(got / 2.0 - 1) <= 0.03, "%s 4K: %f",
			  res.compress[c][DGEN_INSPECT_PIECE_4K].codec, got);
	}
	/* The sector rule: no sector is all zero. */
	cr_expect_eq(res.zero_sectors, 0);
	dgen_inspect_free(in);
	free(buf);
	unlink(path);
	dgen_stream_free(s);
}

struct usage_case {
	char args[128];
	char says[48];
};

ParameterizedTestParameters(cli, verify_usage_refused)
{
	static struct usage_case cases[] = {
		{ "--size 1M --verify --verify-only --seed 1", "give one" },
		{ "--size 1M --verify-only", "needs --seed" },
		{ "--size 1M --verify --bs 512", "dedup unit" },
		{ "--size 1M --pass 2", "--pass is for --verify-only" },
		{ "--size 1M --passes 0", "--passes '0'" },
		{ "--size 1M --time 5x", "--time '5x'" },
		{ "--size 1M --rate fast", "--rate 'fast'" },
		{ "--size 1M --status-interval -1", "--status-interval" },
		{ "--size 1M --max-report x", "--max-report" },
	};

	return cr_make_param_array(struct usage_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct usage_case *c, cli, verify_usage_refused)
{
	const char *path = scratch_path("use");
	struct run r;

	cr_assert_eq(tool(&r, "--dev %s %s", path, c->args), 2, "%s: %s",
		     c->args, r.err);
	cr_assert(strstr(r.err, c->says), "%s: %s", c->args, r.err);
	cr_assert_eq(access(path, F_OK), -1, "%s: the file was created", c->args);
}

/* --verify-only never creates or extends: a missing file is refused. */
Test(cli, verify_only_needs_the_data)
{
	const char *path = scratch_path("none");
	struct run r;

	cr_assert_eq(tool(&r, "--dev %s --size 1M --seed 1 --verify-only", path), 2, "%s", r.err);
	cr_assert_eq(access(path, F_OK), -1);
	cr_assert_eq(file_make(path, MiB, 0), 0);
	cr_assert_eq(tool(&r, "--dev %s --size 2M --seed 1 --verify-only", path), 2, "%s", r.err);
	cr_assert(strstr(r.err, "holds 1048576 bytes"), "%s", r.err);
	/* All zero: every block zeroed. */
	cr_assert_eq(tool(&r, "--dev %s --seed 1 --verify-only", path), 1, "%s", r.err);
	cr_assert(strstr(r.out, "zeroed 256"), "%s", r.out);
	unlink(path);
}

/*
 * Dedup units above the fast path's 64 KiB chunk are compared block by
 * block directly: a torn 256 KiB block names its one sector among 512.
 */
Test(verify, large_blocks_torn_sector)
{
	const char *path = scratch_path("large");
	struct dgen_stream_params p;
	struct dgen_stream *s;
	struct dgen_writer_opts o;
	struct outcome w, v;
	uint8_t sector[512];
	int fd;

	dgen_stream_params_init(&p);
	p.seed = 8;
	p.size = 4 * MiB;
	p.dedup_unit = 256 << 10;
	p.compress_chunk = 64 << 10;
	p.dedup_ratio = 2.0;
	p.compress_ratio = 2.0;
	cr_assert_eq(dgen_stream_new(&s, &p, NULL, 0), 0);
	dgen_writer_opts_init(&o);
	o.threads = 2;
	engine(path, 0, p.size, &o, DGEN_MODE_WRITE, s, NULL, &w);
	/* Random bytes over sector 300 of block 5. */
	cr_assert_eq(getrandom(sector, sizeof(sector), 0), (ssize_t)sizeof(sector));
	fd = open(path, O_WRONLY);
	cr_assert_eq(pwrite(fd, sector, 512, 5 * (256 << 10) + 300 * 512), 512);
	close(fd);
	engine(path, 0, p.size, &o, DGEN_MODE_VERIFY, s, NULL, &v);
	cr_assert_eq(v.res.mismatches, 1);
	cr_assert_eq(v.res.reported, 1);
	cr_expect_eq(v.list[0].offset, 5 * (256 << 10));
	cr_expect_eq(v.list[0].len, 256 << 10);
	cr_expect_eq(v.list[0].kind, DGEN_MISMATCH_FOREIGN);
	cr_expect_eq(v.list[0].bad_sectors, 1);
	for (unsigned int k = 0; k < 512 / 64; k++)
		cr_expect_eq(v.list[0].sector_map[k], k == 300 / 64 ? 1ull << (300 % 64) : 0,
			     "word %u: %#llx", k, (unsigned long long)v.list[0].sector_map[k]);
	free(v.list);
	unlink(path);
	dgen_stream_free(s);
}

/* ===== Errors and interruptions ===== */

/* ENOSPC in a verified run: exit 3, nothing verified after the failure. */
Test(cli, write_error_exits_3)
{
	char dir[] = "/tmp/dgen-vfull-XXXXXX", path[64];
	struct run r;

	cr_assert(mkdtemp(dir));
	if (mount("tmpfs", dir, "tmpfs", 0, "size=8M")) {
		rmdir(dir);
		cr_skip_test("cannot mount a small tmpfs here (needs root)");
	}
	snprintf(path, sizeof(path), "%s/f", dir);
	tool(&r, "--dev %s --size 16M --threads 1 --qd 2 --verify --passes 3 --json", path);
	for (int i = 0; i < 100 && umount(dir); i++)
		usleep(20000);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	if (r.code == 2 && strstr(r.err, "O_DIRECT"))
		cr_skip_test("tmpfs takes O_DIRECT only from Linux 6.6: %s", r.err);
	cr_assert_eq(r.code, 3, "%s", r.err);
	cr_assert(strstr(r.err, "write of") && strstr(r.err, "No space left"), "%s", r.err);
	cr_assert(strstr(r.out, "\"status\": \"error\"") && strstr(r.out, "\"errno\": 28") &&
		  strstr(r.out, "\"bytes_verified\": 0,"), "%s", r.out);
}

/*
 * SIGINT mid-run: exit 130, a report of the passes so far. The signal
 * waits for the run's first status line (polled, however slow the start),
 * so it lands in a pass, not before the run began.
 */
Test(cli, interrupt_exits_130)
{
	const char *path = scratch_path("intr"), *out = scratch_path("iout"),
		   *err = scratch_path("ierr");
	char cmd[1024], *argv[] = { "sh", "-c", cmd, NULL };
	static char report[1 << 16], status_lines[1 << 16];
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	extern char **environ;
	pid_t pid;
	int status, i;

	unlink(err);
	snprintf(cmd, sizeof(cmd),
		 "exec %s --dev %s --size 32M --seed 4 --verify --time 60 --status-interval 0.05 --json >%s 2>%s",
		 DGEN_URING_PATH, path, out, err);
	cr_assert_eq(posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ), 0);
	for (i = 0; i < 5000; i++) {
		FILE *f = fopen(err, "r");
		size_t n = f ? fread(status_lines, 1, sizeof(status_lines) - 1, f) : 0;

		status_lines[n] = 0;
		if (f)
			fclose(f);
		if (strstr(status_lines, "\"pass\": ") ||
		    waitpid(pid, &status, WNOHANG) == pid)
			break;
		nanosleep(&tick, NULL);
	}
	cr_assert(strstr(status_lines, "\"pass\": "), "no status line in %d ms: %s",
		  i * 10, status_lines);
	kill(pid, SIGINT);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	slurp(out, report, sizeof(report));
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 130, "%d\n%s", status, report);
	cr_assert(strstr(report, "\"status\": \"interrupted\"") &&
		  strstr(report, "\"mismatches\": 0,"), "%s", report);
	cr_assert(report_seconds(report) < 60, "%s", report);
	unlink(path);
	unlink(err);
}

/* Several targets: each verified against its own stream, bad blocks named
 * by the target they are on. */
Test(cli, several_targets_named)
{
	const char *a = scratch_path("ma"), *b = scratch_path("mb");
	char line[256];
	struct run r;

	cr_assert_eq(tool(&r, "--dev %s --dev null --dev %s --size 4M --seed 8 --stream 10 --verify --threads 2",
			  a, b), 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "verified 12582912 B"), "%s", r.out);
	sh("dd if=/dev/zero of=%s bs=4096 seek=7 count=1 conv=notrunc status=none", b);
	cr_assert_eq(tool(&r, "--dev %s --dev null --dev %s --size 4M --seed 8 --stream 10 --verify-only",
			  a, b), 1, "%s%s", r.out, r.err);
	snprintf(line, sizeof(line), "    pass 1 %s offset 28672: zeroed, sectors 0-7 of 8\n", b);
	cr_expect(strstr(r.out, line), "%s", r.out);
	cr_expect(strstr(r.out, "mismatches 1 (zeroed 1, stale 0, foreign 0)"), "%s", r.out);
	/* Target order matters: swapped, both files are another stream's. */
	cr_assert_eq(tool(&r, "--dev %s --dev null --dev %s --size 4M --seed 8 --stream 10 --verify-only",
			  b, a), 1, "%s", r.err);
	cr_expect(strstr(r.out, "mismatches 2048 (zeroed 1, stale 0, foreign 2047)"), "%s", r.out);
	unlink(a);
	unlink(b);
}

/* --verify-only opens read-only: a read-only device verifies, untouched. */
Test(cli, verify_only_read_only_device)
{
	const char *backing = scratch_path("rodev");
	const char *dev;
	uint64_t h;
	struct run r;

	cr_assert_eq(tool(&r, "--dev %s --size 8M --seed 31 --dedup 2 --verify --threads 2",
			  backing), 0, "%s%s", r.out, r.err);
	h = path_hash(backing);
	dev = loop_attach(backing, 1);
	if (!dev) {
		unlink(backing);
		cr_skip_test("cannot attach a loop device here");
	}
	tool(&r, "--dev %s --seed 31 --dedup 2 --verify-only --threads 2", dev);
	cr_expect_eq(r.code, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "verified 8388608 B") && strstr(r.out, "(block)"), "%s", r.out);
	tool(&r, "--dev %s --seed 31 --dedup 2 --threads 2", dev);
	cr_expect_eq(r.code, 2, "a plain run must still refuse it: %s", r.err);
	loop_detach(dev);
	cr_expect_eq(path_hash(backing), h);
	unlink(backing);
}

/* ===== Trees: the same passes over --dir, files as targets ===== */

/* Put @n bytes at @off of @path (through the page cache). */
static void put_bytes(const char *path, uint64_t off, const void *b, size_t n)
{
	int fd = open(path, O_WRONLY);

	cr_assert(fd >= 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(pwrite(fd, b, n, (off_t)off), (ssize_t)n);
	close(fd);
}

/* Invert the byte at @off of @path. */
static void flip_byte(const char *path, uint64_t off)
{
	int fd = open(path, O_RDWR);
	uint8_t x;

	cr_assert(fd >= 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(pread(fd, &x, 1, (off_t)off), 1);
	x ^= 0xff;
	cr_assert_eq(pwrite(fd, &x, 1, (off_t)off), 1);
	close(fd);
}

static const char *tree_file(const char *dir, uint32_t fanout, uint64_t i,
			     const char *suffix)
{
	static char path[512];

	cr_assert(dgen_tree_path(path, sizeof(path), dir, fanout, i, suffix) > 0);
	return path;
}

static const char list_check[] =
	"import json,sys\n"
	"d = json.load(open(sys.argv[1]))\n"
	"print(d['status'], d['mismatches'], d['framing_errors'], len(d['passes']),"
	" ' '.join('%s:%d:%s:%s' % ('/'.join(m['target'].split('/')[-2:]),"
	" m['offset'], m['kind'], ','.join(map(str, m['sectors'])))"
	" for m in d['mismatch_list']))\n";

/* Passes over a tree written in several batches of open files verify
 * clean, and leave every file holding its stream of the last pass. */
Test(cli, tree_passes_verify_clean)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"print(d['status'], d['tree']['files'], len(d['passes']),"
		" d['bytes_written'], d['bytes_verified'], d['mismatches'],"
		" all(p['complete'] and p['verified'] == 13 * 65536 for p in d['passes']))\n";
	const char *dir = scratch_path("tree-pass");
	struct run r;

	sh("rm -rf %s", dir);
	setenv("DGEN_TREE_BATCH", "4", 1);
	cr_assert_eq(tool(&r, "--dir %s --files 13 --fanout 5 --file-size 64K --seed 21 --dedup 2 --compress 2 --verify --passes 3 --json",
			  dir), 0, "%s%s", r.out, r.err);
	cr_expect_str_eq(py(check, r.out), "ok 13 3 2555904 2555904 0 True");
	for (uint64_t i = 0; i < 13; i++) {
		struct dgen_stream *s = stream_make(dgen_pass_seed(21, 3), i,
						    64 << 10, 2, 2);

		cr_assert_eq(path_compare(tree_file(dir, 5, i, NULL), 0, 64 << 10, s),
			     0, "file %llu is not pass 3's stream", (unsigned long long)i);
		dgen_stream_free(s);
	}
	/* Over an existing tree a burn-in refuses like a plain run. */
	cr_assert_eq(tool(&r, "--dir %s --files 13 --fanout 5 --file-size 64K --seed 21 --verify",
			  dir), 2, "%s", r.out);
	cr_expect(strstr(r.err, "d000/f000000 exists"), "%s", r.err);
	sh("rm -rf %s", dir);
}

/* Files broken behind the tool's back: verify names each file, block,
 * kind and sector, across batch seams, and nothing else. */
Test(cli, tree_verify_only_names_broken_files)
{
	const char *dir = scratch_path("tree-broken");
	struct dgen_stream *s1 = stream_make(dgen_pass_seed(22, 1), 9, 64 << 10, 1, 1);
	uint8_t blk[B], *zero = calloc(1, B);
	char from[512];
	struct run r;

	sh("rm -rf %s", dir);
	cr_assert_eq(tool(&r, "--dir %s --files 12 --fanout 4 --file-size 64K --seed 22 --passes 2",
			  dir), 0, "%s%s", r.out, r.err);
	/* File 2: one byte of sector 1 of block 2. */
	put_bytes(tree_file(dir, 4, 2, NULL), 2 * B + 512 + 100, "\x5a", 1);
	/* File 5: block 3 zeroed. */
	put_bytes(tree_file(dir, 4, 5, NULL), 3 * B, zero, B);
	/* File 9: block 0 holds pass 1's bytes (a lost write of pass 2). */
	cr_assert_eq(dgen_stream_fill(s1, blk, 0, B), 0);
	put_bytes(tree_file(dir, 4, 9, NULL), 0, blk, B);
	/* File 11: block 3 is file 10's block 0 (a misdirected write). */
	snprintf(from, sizeof(from), "%s", tree_file(dir, 4, 10, NULL));
	sh("dd if=%s of=%s bs=4096 count=1 seek=3 conv=notrunc status=none",
	   from, tree_file(dir, 4, 11, NULL));
	setenv("DGEN_TREE_BATCH", "5", 1);
	cr_assert_eq(tool(&r, "--dir %s --files 12 --fanout 4 --file-size 64K --seed 22 --verify-only --pass 2 --json",
			  dir), 1, "%s%s", r.out, r.err);
	cr_expect_str_eq(py(list_check, r.out),
			 "mismatch 4 0 1 d000/f000002:8192:foreign:1 "
			 "d001/f000005:12288:zeroed:0,1,2,3,4,5,6,7 "
			 "d002/f000009:0:stale:0,1,2,3,4,5,6,7 "
			 "d002/f000011:12288:foreign:0,1,2,3,4,5,6,7");
	/* The human report names the file too. */
	cr_assert_eq(tool(&r, "--dir %s --files 12 --fanout 4 --file-size 64K --seed 22 --verify-only --pass 2",
			  dir), 1);
	cr_expect(strstr(r.out, "/d001/f000005 offset 12288: zeroed, sectors 0-7 of 8"),
		  "%s", r.out);
	dgen_stream_free(s1);
	free(zero);
	sh("rm -rf %s", dir);
}

/* --verify-only reads a whole tree or refuses, naming what is missing. */
Test(cli, tree_verify_only_needs_every_file)
{
	const char *dir = scratch_path("tree-missing");
	struct run r;

	sh("rm -rf %s", dir);
	cr_assert_eq(tool(&r, "--dir %s --files 6 --fanout 4 --file-size 8K --seed 23",
			  dir), 0, "%s", r.err);
	cr_assert_eq(tool(&r, "--dir %s --files 6 --fanout 4 --file-size 8K --verify-only",
			  dir), 2, "no --seed: %s", r.out);
	/* Files checked against the wrong streams: every block foreign. */
	cr_assert_eq(tool(&r, "--dir %s --files 6 --fanout 4 --file-size 8K --seed 23 --stream 1 --verify-only",
			  dir), 1, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "mismatches 12 (zeroed 0, stale 0, foreign 12)"), "%s", r.out);
	cr_assert_eq(truncate(tree_file(dir, 4, 3, NULL), 4096), 0);
	cr_assert_eq(tool(&r, "--dir %s --files 6 --fanout 4 --file-size 8K --seed 23 --verify-only",
			  dir), 2, "%s", r.out);
	cr_expect(strstr(r.err, "d000/f000003: it holds 4096 bytes"), "%s", r.err);
	cr_assert_eq(unlink(tree_file(dir, 4, 4, NULL)), 0);
	cr_assert_eq(truncate(tree_file(dir, 4, 3, NULL), 8192), 0);
	cr_assert_eq(tool(&r, "--dir %s --files 6 --fanout 4 --file-size 8K --seed 23 --verify-only",
			  dir), 2, "%s", r.out);
	cr_expect(strstr(r.err, "cannot verify") && strstr(r.err, "d001/f000004"),
		  "%s", r.err);
	cr_expect(!strstr(r.out, "verified"), "nothing is read: %s", r.out);
	/* Stdout cannot be read back. */
	cr_assert_eq(tool(&r, "--stdout --size 1M --verify"), 2);
	sh("rm -rf %s", dir);
}

/* --time bounds a tree's burn-in; --rate paces it. */
Test(cli, tree_time_and_rate)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"p = d['passes']\n"
		"print(d['status'], len(p) >= 2, all(x['complete'] for x in p[:-1]),"
		" d['mismatches'], d['bytes_written'] >= d['bytes_verified'] > 0)\n";
	const char *dir = scratch_path("tree-time");
	struct run r;

	/*
	 * Two small files and small buffers (each pass sets up its writers'
	 * buffers, tens of MiB by default), so that even under sanitizers on
	 * a busy machine (a pass of eight 1 MiB files took 1.2 s there)
	 * several passes fit.
	 */
	sh("rm -rf %s", dir);
	cr_assert_eq(tool(&r, "--dir %s --files 2 --file-size 256K --threads 1 --qd 2 --bs 128K --seed 24 --verify --time 3 --json",
			  dir), 0, "%s%s", r.out, r.err);
	cr_expect(!strcmp(py(check, r.out), "ok True True 0 True"), "%s", r.out);
	cr_expect(report_seconds(r.out) >= 3.0 && report_seconds(r.out) < 3.0 + LATE_S,
		  "%.2f s", report_seconds(r.out));
	/* The formatted workers stop at the deadline too. */
	sh("rm -rf %s", dir);
	cr_assert_eq(tool(&r, "--dir %s --files 2 --file-size 256K --format npz --threads 1 --qd 2 --bs 128K --seed 24 --verify --time 3 --json",
			  dir), 0, "%s%s", r.out, r.err);
	cr_expect(!strcmp(py(check, r.out), "ok True True 0 True"), "%s", r.out);
	cr_expect(report_seconds(r.out) >= 3.0 && report_seconds(r.out) < 3.0 + LATE_S,
		  "%.2f s", report_seconds(r.out));
	/*
	 * 32 MiB at 16 MiB/s: 2 s, the same clock for every file (less the
	 * limiter's first burst); later only as far as load delays it.
	 */
	sh("rm -rf %s", dir);
	cr_assert_eq(tool(&r, "--dir %s --files 32 --file-size 1M --seed 24 --rate 16M --threads 2 --json",
			  dir), 0, "%s%s", r.out, r.err);
	cr_expect(report_seconds(r.out) > 1.8 && report_seconds(r.out) < 2.0 + LATE_S,
		  "%.2f s for 2 s of data", report_seconds(r.out));
	/* Formatted files book their whole size on the clock. */
	sh("rm -rf %s", dir);
	cr_assert_eq(tool(&r, "--dir %s --files 32 --file-size 1M --format tfrecord --seed 24 --rate 16M --threads 2 --json",
			  dir), 0, "%s%s", r.out, r.err);
	cr_expect(report_seconds(r.out) > 1.8 && report_seconds(r.out) < 2.0 + LATE_S,
		  "%.2f s for 2 s of data", report_seconds(r.out));
	sh("rm -rf %s", dir);
}

/* Formatted trees: written and read back through their format, payload
 * damage named by payload offset, damage to the format as framing. */
static const char *formatted_tree(const char *fmt, const char *suffix,
				  uint64_t size, uint64_t payload_at,
				  uint64_t frame_at)
{
	const char *dir = scratch_path(fmt);
	struct run r;
	char want[256];

	sh("rm -rf %s", dir);
	cr_assert_eq(tool(&r, "--dir %s --files 5 --fanout 2 --file-size %llu --format %s --record-size 10000 --seed 25 --dedup 2 --compress 2 --verify --passes 2 --json",
			  dir, (unsigned long long)size, fmt), 0, "%s%s", r.out, r.err);
	cr_expect_str_eq(py(list_check, r.out), "ok 0 0 2 ");
	/* Pass 1's seed on pass 2's files: every block stale. */
	cr_assert_eq(tool(&r, "--dir %s --files 5 --fanout 2 --file-size %llu --format %s --record-size 10000 --seed 25 --dedup 2 --compress 2 --verify-only --pass 3 --max-report 0",
			  dir, (unsigned long long)size, fmt), 1, "%s%s", r.out, r.err);
	snprintf(want, sizeof(want), "mismatches %llu (zeroed 0, stale %llu, foreign 0)",
		 (unsigned long long)(5 * (size / B)), (unsigned long long)(5 * (size / B)));
	cr_expect(strstr(r.out, want), "want %s: %s", want, r.out);
	/* A payload byte of file 3: block 1, sector 2. */
	flip_byte(tree_file(dir, 2, 3, suffix), payload_at);
	if (frame_at != UINT64_MAX)
		flip_byte(tree_file(dir, 2, 4, suffix), frame_at);
	cr_assert_eq(tool(&r, "--dir %s --files 5 --fanout 2 --file-size %llu --format %s --record-size 10000 --seed 25 --dedup 2 --compress 2 --verify-only --pass 2 --json",
			  dir, (unsigned long long)size, fmt), 1, "%s%s", r.out, r.err);
	snprintf(want, sizeof(want), "mismatch 1 %d 1 d001/f000003%s:4096:foreign:2",
		 frame_at != UINT64_MAX, suffix);
	cr_expect_str_eq(py(list_check, r.out), want);
	if (frame_at != UINT64_MAX)
		cr_expect(strstr(r.out, "\"first_framing_error\": { \"target\": ") &&
			  strstr(r.out, "f000004"), "%s", r.out);
	return dir;
}

Test(cli, tree_npz_verify)
{
	/* The payload starts after the zip local header (30 + 8) and the
	 * 128-byte NPY header; the central directory follows it. */
	sh("rm -rf %s", formatted_tree("npz", ".npz", 64 << 10,
				       38 + 128 + B + 2 * 512 + 7,
				       38 + 128 + (64 << 10) + 20));
}

Test(cli, tree_tfrecord_verify)
{
	/* Records of 10000 payload bytes and 16 of framing: payload byte
	 * 4096 + 1031 is in record 0; the length CRC of record 1 is at
	 * 10016 + 8. */
	sh("rm -rf %s", formatted_tree("tfrecord", ".tfrecord", 64 << 10,
				       12 + B + 2 * 512 + 7, 10016 + 8));
}

/* HDF5 (built with -Dhdf5): libhdf5 places the payload (found here by
 * its bytes, the same for files of one size); a file that is no longer
 * HDF5 (its signature broken) is framing, not an I/O error. */
Test(cli, tree_hdf5_verify)
{
	const char *dir = scratch_path("h5probe");
	uint8_t want[64], *file = NULL;
	struct dgen_stream *s;
	uint64_t at = UINT64_MAX;
	struct stat st;
	struct run r;
	int fd;

	if (!dgen_format_supported(DGEN_FORMAT_HDF5))
		cr_skip_test("libdgen was built without HDF5 (meson -Dhdf5)");
	sh("rm -rf %s", dir);
	cr_assert_eq(tool(&r, "--dir %s --files 1 --file-size 64K --format hdf5 --seed 25 --dedup 2 --compress 2",
			  dir), 0, "%s", r.err);
	/* Bytes from the random half of block 0. */
	s = stream_make(25, 0, 64 << 10, 2, 2);
	cr_assert_eq(dgen_stream_fill(s, want, 3000, sizeof(want)), 0);
	dgen_stream_free(s);
	fd = open(tree_file(dir, DGEN_TREE_FANOUT_DEFAULT, 0, ".h5"), O_RDONLY);
	cr_assert(fd >= 0 && !fstat(fd, &st));
	file = malloc((size_t)st.st_size);
	cr_assert(file && pread(fd, file, (size_t)st.st_size, 0) == st.st_size);
	close(fd);
	for (uint64_t i = 0; i + sizeof(want) <= (uint64_t)st.st_size; i++)
		if (!memcmp(file + i, want, sizeof(want))) {
			at = i - 3000;
			break;
		}
	free(file);
	sh("rm -rf %s", dir);
	cr_assert(at != UINT64_MAX, "the payload is not in the file");
	dir = formatted_tree("hdf5", ".h5", 64 << 10, at + B + 2 * 512 + 7,
			     UINT64_MAX);
	/* A broken signature: the payload cannot be found, so it is lost
	 * (16 zeroed blocks) besides the framing error. */
	flip_byte(tree_file(dir, 2, 4, ".h5"), 0);
	cr_assert_eq(tool(&r, "--dir %s --files 5 --fanout 2 --file-size 64K --format hdf5 --seed 25 --dedup 2 --compress 2 --verify-only --pass 2 --max-report 2 --json",
			  dir), 1, "%s%s", r.out, r.err);
	cr_expect_str_eq(py(list_check, r.out),
			 "mismatch 17 1 1 d001/f000003.h5:4096:foreign:2 "
			 "d002/f000004.h5:0:zeroed:0,1,2,3,4,5,6,7");
	cr_expect(strstr(r.out, "\"zeroed\": 16,"), "%s", r.out);
	/* libhdf5 must close cleanly after a file it could not open. */
	cr_expect(!strstr(r.err, "HDF5"), "%s", r.err);
	sh("rm -rf %s", dir);
}
