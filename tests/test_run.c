// SPDX-License-Identifier: MIT
/*
 * test_run.c - dgen/run.h: passes, deadlines, stops, trees and kept
 * mismatches, through the library alone (no tool is spawned)
 *
 * Every run writes real files in the scratch directory through io_uring
 * (or the formatted-file workers) and is judged by reading the files
 * back against the streams here: a run's report must be the truth about
 * what is on the target, however and whenever it was stopped.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dgen/dgen.h>

#include "writer_helpers.h"

#define UNIT		4096u
#define KIB		1024ull
#define MIB		(1024ull * 1024ull)

/* SplitMix64: the test's own seeded choices of instants. */
static uint64_t rng_below(uint64_t *state, uint64_t n)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (z ^ (z >> 31)) % n;
}

static void opts_for(struct dgen_run_opts *o, const char *const *paths,
		     unsigned int n, uint64_t size, uint64_t seed)
{
	dgen_run_opts_init(o);
	o->paths = paths;
	o->npaths = n;
	o->size = size;
	o->params.seed = seed;
	o->params.stream_id = 7;
	o->writer.io_size = 64 * 1024;
	o->writer.queue_depth = 4;
	o->writer.threads = 2;
}

/* Pass @pass's stream of target @k of a run of @o. */
static struct dgen_stream *pass_stream(const struct dgen_run_opts *o,
				       uint64_t pass, uint64_t k, uint64_t size)
{
	return stream_make(dgen_pass_seed(o->params.seed, pass),
			   o->params.stream_id + k, size, 1.0, 1.0);
}

static void run_it(const struct dgen_run_opts *o, struct dgen_run **run,
		   struct dgen_run_result *res)
{
	char msg[512];
	int err;

	err = dgen_run_new(run, o, msg, sizeof(msg));
	cr_assert_eq(err, 0, "dgen_run_new: %d %s", err, msg);
	err = dgen_run_exec(*run, res, msg, sizeof(msg));
	cr_assert_eq(err, 0, "dgen_run_exec: %d %s", err, msg);
}

Test(run, passes_write_and_verify_with_pass_seeds)
{
	const char *paths[] = { scratch_path("p0"), scratch_path("p1") };
	const uint64_t size = 4 * MIB;
	struct dgen_run_result res;
	struct dgen_run_opts o;
	struct dgen_run *run;

	opts_for(&o, paths, 2, size, 41);
	o.mode = DGEN_RUN_WRITE_VERIFY;
	o.passes = 3;
	run_it(&o, &run, &res);
	cr_assert_eq(res.npasses, 3);
	cr_assert_eq(res.error, 0);
	cr_assert(!res.stopped);
	for (unsigned int i = 0; i < 3; i++) {
		const struct dgen_run_pass *p = &res.passes[i];

		cr_assert_eq(p->n, i + 1);
		cr_assert_eq(p->seed, dgen_pass_seed(41, i + 1));
		cr_assert(p->wrote && p->verified && !p->cut);
		cr_assert_eq(p->wr.bytes, 2 * size);
		cr_assert_eq(p->vr.bytes, 2 * size);
		cr_assert_eq(p->wr.files, 2, "targets done in full");
		cr_assert_eq(p->vr.mismatches, 0);
	}
	/* The targets hold pass 3's streams, whole. */
	for (unsigned int k = 0; k < 2; k++) {
		struct dgen_stream *s = pass_stream(&o, 3, k, size);

		cr_assert_eq(path_compare(paths[k], 0, size, s), 0);
		dgen_stream_free(s);
	}
	dgen_run_free(run);
	unlink(paths[0]);
	unlink(paths[1]);
}

/* Write @bytes of stream @s at @at of @path (pwrite, no O_DIRECT). */
static void put(const char *path, uint64_t at, const struct dgen_stream *s,
		uint64_t from, uint32_t len)
{
	uint8_t *buf = malloc(len);
	int fd = open(path, O_WRONLY);

	cr_assert(buf && fd >= 0);
	dgen_stream_fill(s, buf, from, len);
	cr_assert_eq(pwrite(fd, buf, len, (off_t)at), (ssize_t)len);
	close(fd);
	free(buf);
}

static void zero(const char *path, uint64_t at, uint32_t len)
{
	uint8_t *buf = calloc(1, len);
	int fd = open(path, O_WRONLY);

	cr_assert(buf && fd >= 0);
	cr_assert_eq(pwrite(fd, buf, len, (off_t)at), (ssize_t)len);
	close(fd);
	free(buf);
}

Test(run, verify_only_names_stale_and_zeroed_blocks_lowest_first)
{
	const char *paths[] = { scratch_path("v0"), scratch_path("v1") };
	const uint64_t size = 2 * MIB;
	struct dgen_run_result res;
	struct dgen_run_opts o;
	struct dgen_run *run;
	struct dgen_stream *p1;

	opts_for(&o, paths, 2, size, 77);
	o.passes = 2;
	run_it(&o, &run, &res);
	cr_assert_eq(res.npasses, 2);
	dgen_run_free(run);
	/* Target 1: block 5 holds pass 1's bytes (a lost write), blocks 9
	 * and 300 zeros; target 0: block 100 zeros. */
	p1 = pass_stream(&o, 1, 1, size);
	put(paths[1], 5 * UNIT, p1, 5 * UNIT, UNIT);
	dgen_stream_free(p1);
	zero(paths[1], 9 * UNIT, UNIT);
	zero(paths[1], 300 * UNIT, UNIT);
	zero(paths[0], 100 * UNIT, UNIT);

	o.mode = DGEN_RUN_VERIFY_ONLY;
	o.pass = 2;
	o.passes = 0;
	o.max_report = 3;
	run_it(&o, &run, &res);
	cr_assert_eq(res.npasses, 1);
	cr_assert_eq(res.passes[0].n, 2);
	cr_assert(!res.passes[0].wrote && res.passes[0].verified);
	cr_assert_eq(res.passes[0].vr.mismatches, 4);
	cr_assert_eq(res.passes[0].vr.kinds[DGEN_MISMATCH_STALE], 1);
	cr_assert_eq(res.passes[0].vr.kinds[DGEN_MISMATCH_ZEROED], 3);
	cr_assert_eq(res.passes[0].vr.reported, 3, "max_report keeps 3 of 4");
	/* The lowest (target, offset): (0, 100), (1, 5), (1, 9). */
	cr_assert(res.passes[0].list[0].target == 0 &&
		  res.passes[0].list[0].offset == 100 * UNIT);
	cr_assert(res.passes[0].list[1].target == 1 &&
		  res.passes[0].list[1].offset == 5 * UNIT &&
		  res.passes[0].list[1].kind == DGEN_MISMATCH_STALE);
	cr_assert(res.passes[0].list[2].target == 1 &&
		  res.passes[0].list[2].offset == 9 * UNIT &&
		  res.passes[0].list[2].kind == DGEN_MISMATCH_ZEROED);
	dgen_run_free(run);
	unlink(paths[0]);
	unlink(paths[1]);
}

struct progress_log {
	unsigned int calls;
	uint64_t last_bytes;
	int backwards;
};

static void on_progress(const struct dgen_run_progress *p, void *arg)
{
	struct progress_log *l = arg;

	if (p->bytes < l->last_bytes)
		l->backwards = 1;
	l->last_bytes = p->bytes;
	l->calls++;
}

Test(run, deadline_ends_unbounded_passes_and_progress_reports)
{
	const char *paths[] = { scratch_path("d0") };
	struct progress_log log = { 0 };
	struct dgen_run_result res;
	struct dgen_run_opts o;
	struct dgen_run *run;
	uint64_t total = 0;

	opts_for(&o, paths, 1, 4 * MIB, 5);
	o.mode = DGEN_RUN_WRITE_VERIFY;
	o.time_s = 0.5;			/* passes: as many as fit */
	o.rate = 40 * MIB;		/* about 0.2 s a pass: several passes */
	o.progress_s = 0.05;
	o.progress = on_progress;
	o.progress_arg = &log;
	run_it(&o, &run, &res);
	/* Wide bounds on the run's own clock: it ran to the deadline, and
	 * not for ever past it. */
	cr_assert(res.seconds >= 0.5 && res.seconds < 60, "%.3f s", res.seconds);
	cr_assert_geq(res.npasses, 1);
	cr_assert(!res.stopped, "a deadline is not a stop");
	for (unsigned int i = 0; i < res.npasses; i++) {
		const struct dgen_run_pass *p = &res.passes[i];

		total += p->wr.bytes + p->vr.bytes;
		/* Only the last pass may be cut, and a cut one is not
		 * verified after its write was cut. */
		if (i + 1 < res.npasses)
			cr_assert(!p->cut && p->verified);
		if (p->wr.stopped)
			cr_assert(!p->verified);
	}
	cr_assert(log.calls >= 2, "%u progress calls", log.calls);
	cr_assert(!log.backwards);
	cr_assert_leq(log.last_bytes, total);
	dgen_run_free(run);
	unlink(paths[0]);
}

struct stopper {
	struct dgen_run *run;
	uint64_t after_ns;
};

static void *stop_main(void *arg)
{
	struct stopper *s = arg;
	struct timespec ts = { (time_t)(s->after_ns / 1000000000u),
			       (long)(s->after_ns % 1000000000u) };

	nanosleep(&ts, NULL);
	dgen_run_stop(s->run);
	return NULL;
}

/*
 * Stopped at any moment, from before the start to after the end, the
 * bytes a run reports are the bytes on the target that match the stream
 * (the file starts as zeros, which never match).
 */
Test(run, stop_at_any_moment_reports_the_truth)
{
	const uint64_t size = 16 * MIB;
	uint64_t rng = 1301;
	for (unsigned int i = 0; i < 8; i++) {
		const char *paths[] = { scratch_path("s0") };
		struct dgen_run_result res;
		struct dgen_run_opts o;
		struct dgen_stream *s;
		struct stopper st;
		pthread_t tid;
		char msg[512];
		int64_t bad;

		unlink(paths[0]);
		opts_for(&o, paths, 1, size, 900 + i);
		o.rate = 64 * MIB;	/* 0.25 s of writing to stop inside */
		cr_assert_eq(dgen_run_new(&st.run, &o, msg, sizeof(msg)), 0, "%s", msg);
		/* 0 (stopped before it ran), then 1 ms to 0.4 s. */
		st.after_ns = i ? 1000000ull + rng_below(&rng, 400000000ull) : 0;
		if (!i)
			dgen_run_stop(st.run);
		else
			cr_assert_eq(pthread_create(&tid, NULL, stop_main, &st), 0);
		cr_assert_eq(dgen_run_exec(st.run, &res, msg, sizeof(msg)), 0, "%s", msg);
		if (i)
			pthread_join(tid, NULL);
		cr_assert_eq(res.npasses, 1);
		s = pass_stream(&o, 1, 0, size);
		bad = path_compare(paths[0], 0, size, s);
		if (!i)
			cr_assert_eq(res.passes[0].wr.bytes, 0);
		if (bad >= 0)
			cr_assert_eq(res.passes[0].wr.bytes, size - (uint64_t)bad * UNIT,
				     "stop after %llu ns: report %llu B, target %llu B",
				     (unsigned long long)st.after_ns,
				     (unsigned long long)res.passes[0].wr.bytes,
				     (unsigned long long)(size - (uint64_t)bad * UNIT));
		else
			cr_assert_eq(res.passes[0].wr.bytes, 0, "no file, no bytes");
		cr_assert(res.stopped || res.passes[0].wr.bytes == size);
		cr_assert_eq(res.passes[0].cut, res.passes[0].wr.bytes < size);
		dgen_stream_free(s);
		dgen_run_free(st.run);
		unlink(paths[0]);
	}
}

/*
 * What a pass hook saw: each call in order, and whether the target held
 * the pass's stream at that moment (judged by reading it back).
 */
struct hook_log {
	const struct dgen_run_opts *o;
	const char *path;
	uint64_t size;
	struct dgen_run *run;		/* to stop */
	uint64_t stop_at_begin;		/* dgen_run_stop at this pass's begin */
	uint64_t end_after;		/* return 1 at this pass's end */
	unsigned int calls;
	struct { uint64_t n; enum dgen_run_edge edge; int wrote, verified, cut;
		 uint64_t wr, vr; int64_t bad_prev, bad_this; } c[16];
};

static int on_pass(uint64_t n, enum dgen_run_edge edge,
		   const struct dgen_run_pass *p, void *arg)
{
	struct hook_log *l = arg;
	struct dgen_stream *s;

	cr_assert_lt(l->calls, 16);
	cr_assert_eq(p->n, n);
	l->c[l->calls].n = n;
	l->c[l->calls].edge = edge;
	l->c[l->calls].wrote = p->wrote;
	l->c[l->calls].verified = p->verified;
	l->c[l->calls].cut = p->cut;
	l->c[l->calls].wr = p->wr.bytes;
	l->c[l->calls].vr = p->vr.bytes;
	s = pass_stream(l->o, n, 0, l->size);
	l->c[l->calls].bad_this = path_compare(l->path, 0, l->size, s);
	dgen_stream_free(s);
	l->c[l->calls].bad_prev = -1;
	if (n >= 2) {
		s = pass_stream(l->o, n - 1, 0, l->size);
		l->c[l->calls].bad_prev = path_compare(l->path, 0, l->size, s);
		dgen_stream_free(s);
	}
	l->calls++;
	if (edge == DGEN_RUN_PASS_BEGIN && n == l->stop_at_begin)
		dgen_run_stop(l->run);
	return edge == DGEN_RUN_PASS_END && n == l->end_after;
}

static void hook_run(struct dgen_run_opts *o, struct hook_log *l,
		     struct dgen_run_result *res)
{
	char msg[512];

	o->pass_hook = on_pass;
	o->progress_arg = l;
	l->o = o;
	cr_assert_eq(dgen_run_new(&l->run, o, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_run_exec(l->run, res, msg, sizeof(msg)), 0, "%s", msg);
}

/*
 * The hook brackets each pass: begin before its first byte is written
 * (the target still holds the pass before), verify-begin between its
 * writes and its read-back (the target holds the pass, nothing read yet),
 * end after its read-back (the target holds the pass), once each, in
 * pass order.
 */
Test(run, pass_hook_brackets_each_pass_in_order)
{
	const uint64_t size = MIB;
	const char *paths[] = { scratch_path("h0"), scratch_path("h1") };
	struct hook_log l = { .path = paths[0], .size = size };
	struct dgen_run_result res;
	struct dgen_run_opts o;

	opts_for(&o, paths, 2, size, 41);
	o.mode = DGEN_RUN_WRITE_VERIFY;
	o.passes = 3;
	hook_run(&o, &l, &res);
	cr_assert_eq(res.npasses, 3);
	cr_assert_eq(res.hook_ended, 0);
	cr_assert_eq(l.calls, 9);
	for (unsigned int i = 0; i < 9; i++) {
		const uint64_t n = i / 3 + 1;

		cr_assert_eq(l.c[i].n, n, "call %u: pass %llu", i,
			     (unsigned long long)l.c[i].n);
		if (i % 3 == 1) {
			cr_assert_eq(l.c[i].edge, DGEN_RUN_VERIFY_BEGIN);
			cr_assert(l.c[i].wrote && !l.c[i].verified && !l.c[i].cut);
			cr_assert(l.c[i].wr == 2 * size && !l.c[i].vr);
			cr_assert_eq(l.c[i].bad_this, 0, "pass %llu's writes not on the target at its read-back",
				     (unsigned long long)n);
		} else if (i % 3 == 0) {
			cr_assert_eq(l.c[i].edge, DGEN_RUN_PASS_BEGIN);
			cr_assert(!l.c[i].wrote && !l.c[i].verified && !l.c[i].wr);
			cr_assert_neq(l.c[i].bad_this, 0, "pass %llu on the target before it began",
				      (unsigned long long)n);
			if (n >= 2)
				cr_assert_eq(l.c[i].bad_prev, 0, "pass %llu's begin: pass before not intact",
					     (unsigned long long)n);
		} else {
			cr_assert_eq(l.c[i].edge, DGEN_RUN_PASS_END);
			cr_assert(l.c[i].wrote && l.c[i].verified && !l.c[i].cut);
			cr_assert_eq(l.c[i].wr, 2 * size);
			cr_assert_eq(l.c[i].vr, 2 * size);
			cr_assert_eq(l.c[i].bad_this, 0, "pass %llu's end: not on the target",
				     (unsigned long long)n);
		}
	}
	dgen_run_free(l.run);

	/* Verify-only of pass 3: its one pass, bracketed, nothing written. */
	memset(&l, 0, sizeof(l));
	l.path = paths[0];
	l.size = size;
	o.mode = DGEN_RUN_VERIFY_ONLY;
	o.passes = 0;
	o.pass = 3;
	hook_run(&o, &l, &res);
	cr_assert_eq(l.calls, 2);
	cr_assert(l.c[0].n == 3 && l.c[0].edge == DGEN_RUN_PASS_BEGIN);
	cr_assert(l.c[1].n == 3 && l.c[1].edge == DGEN_RUN_PASS_END);
	cr_assert(!l.c[1].wrote && l.c[1].verified && l.c[1].vr == 2 * size);
	cr_assert_eq(res.passes[0].vr.mismatches, 0);
	dgen_run_free(l.run);
	unlink(paths[0]);
	unlink(paths[1]);
}

/*
 * A hook that says stop at a pass's end ends the run there, without a
 * stop; a stop during a pass still ends that pass with its end call.
 */
Test(run, pass_hook_ends_the_run_and_every_begin_has_its_end)
{
	const uint64_t size = MIB;
	const char *paths[] = { scratch_path("k0") };
	struct hook_log l = { .path = paths[0], .size = size, .end_after = 2 };
	struct dgen_run_result res;
	struct dgen_run_opts o;

	opts_for(&o, paths, 1, size, 43);
	o.mode = DGEN_RUN_WRITE_VERIFY;
	o.passes = 5;
	hook_run(&o, &l, &res);
	cr_assert_eq(res.npasses, 2);
	cr_assert_eq(res.hook_ended, 2);
	cr_assert(!res.stopped, "the hook's end is not a stop");
	cr_assert_eq(l.calls, 6);
	cr_assert(l.c[5].n == 2 && l.c[5].edge == DGEN_RUN_PASS_END &&
		  l.c[5].verified && !l.c[5].cut);
	dgen_run_free(l.run);

	/* Stopped as pass 2 begins: pass 2 is cut, and still ends. */
	memset(&l, 0, sizeof(l));
	l.path = paths[0];
	l.size = size;
	l.stop_at_begin = 2;
	hook_run(&o, &l, &res);
	cr_assert(res.stopped);
	cr_assert_eq(res.hook_ended, 0);
	cr_assert_eq(res.npasses, 2);
	cr_assert_eq(l.calls, 5, "a cut pass has no verify-begin");
	cr_assert(l.c[3].n == 2 && l.c[3].edge == DGEN_RUN_PASS_BEGIN);
	cr_assert(l.c[4].n == 2 && l.c[4].edge == DGEN_RUN_PASS_END);
	cr_assert(!l.c[4].verified, "a stopped pass is not read back");
	cr_assert_eq(l.c[4].wr, res.passes[1].wr.bytes);
	dgen_run_free(l.run);
	unlink(paths[0]);
}

Test(run, refuses_before_touching_anything)
{
	const char *paths[] = { scratch_path("r0") };
	struct dgen_run_opts o;
	struct dgen_run *run;
	char msg[512];
	struct stat st;

	unlink(paths[0]);
	opts_for(&o, paths, 1, MIB, 1);
	o.mode = DGEN_RUN_VERIFY_ONLY;
	cr_assert_eq(dgen_run_new(&run, &o, msg, sizeof(msg)), -ENOENT);
	cr_assert(strstr(msg, "cannot verify") && !strstr(msg, "--"), "%s", msg);
	cr_assert(stat(paths[0], &st) < 0, "verify-only made no file");
	o.mode = DGEN_RUN_WRITE_VERIFY;
	o.writer.io_size = 512;
	o.params.dedup_unit = 4096;
	cr_assert_eq(dgen_run_new(&run, &o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "dedup unit") && !strstr(msg, "--"), "%s", msg);
	o.paths = NULL;
	cr_assert_eq(dgen_run_new(&run, &o, msg, sizeof(msg)), -EINVAL);
}

/* A tree's file @i of @t with @o's pass @pass stream, judged. */
static int64_t tree_file_bad(const struct dgen_run_opts *o,
			     const struct dgen_run_tree *t, uint64_t pass,
			     uint64_t i)
{
	struct dgen_stream *s = pass_stream(o, pass, i, t->file_size);
	char path[4096];
	int64_t bad;

	dgen_tree_path(path, sizeof(path), t->dir, t->fanout, i, NULL);
	bad = path_compare(path, 0, t->file_size, s);
	dgen_stream_free(s);
	return bad;
}

static void tree_remove(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(run, raw_tree_in_batches_over_passes)
{
	const char *dir = scratch_path("rawtree");
	struct dgen_run_tree t = {
		.dir = dir, .files = 11, .file_size = 64 * KIB, .fanout = 4,
	};
	struct dgen_run_result res;
	struct dgen_run_opts o;
	struct dgen_run *run;
	const struct dgen_run_pass *p;

	tree_remove(dir);
	setenv("DGEN_TREE_BATCH", "3", 1);
	dgen_run_opts_init(&o);
	o.tree = t;
	o.mode = DGEN_RUN_WRITE_VERIFY;
	o.passes = 2;
	o.params.seed = 3;
	o.params.stream_id = 7;
	o.writer.threads = 2;
	o.writer.io_size = 16 * KIB;
	run_it(&o, &run, &res);
	unsetenv("DGEN_TREE_BATCH");
	cr_assert_eq(res.npasses, 2);
	p = &res.passes[1];
	cr_assert_eq(p->wr.writer_runs, 4, "11 files in batches of 3");
	cr_assert_eq(p->wr.files, 11);
	cr_assert_eq(p->wr.bytes, 11 * 64 * KIB);
	cr_assert_eq(p->vr.bytes, 11 * 64 * KIB);
	cr_assert_eq(p->vr.mismatches, 0);
	for (uint64_t i = 0; i < 11; i++)
		cr_assert_eq(tree_file_bad(&o, &t, 2, i), 0, "file %llu",
			     (unsigned long long)i);
	dgen_run_free(run);
	/* A second run over it without force is refused, naming a file. */
	{
		char msg[512];

		cr_assert_eq(dgen_run_new(&run, &o, msg, sizeof(msg)), -EEXIST);
		cr_assert(strstr(msg, "d000/f000000 exists"), "%s", msg);
	}
	tree_remove(dir);
}

Test(run, formatted_tree_through_one_pool_with_rate_and_mismatches)
{
	const char *dir = scratch_path("npztree");
	struct dgen_run_tree t = {
		.dir = dir, .files = 6, .file_size = 256 * KIB, .fanout = 2,
		.format = DGEN_FORMAT_NPZ,
	};
	struct dgen_run_result res;
	struct dgen_run_opts o;
	struct dgen_run *run;
	char path[4096];
	uint64_t fsize = dgen_format_size(DGEN_FORMAT_NPZ, 256 * KIB, 0);

	tree_remove(dir);
	dgen_run_opts_init(&o);
	o.tree = t;
	o.params.seed = 12;
	o.writer.threads = 3;
	o.rate = 3 * MIB;		/* 6 x 256 KiB: about 0.5 s */
	run_it(&o, &run, &res);
	cr_assert_eq(res.error, 0);
	cr_assert_eq(res.passes[0].wr.files, 6);
	cr_assert_eq(res.passes[0].wr.bytes, 6 * fsize);
	/* The cap held on the run's own clock (a wide lower bound: the
	 * first bookings start at once). */
	cr_assert(res.seconds >= 0.2 && res.seconds < 60, "%.3f s", res.seconds);
	dgen_run_free(run);
	/* Zero a payload block in files 4 and 1; verify-only lists the
	 * lowest file first. The npy header is 128 bytes inside a zip
	 * entry: payload block 2 lies past both headers. */
	for (unsigned int k = 0; k < 2; k++) {
		dgen_tree_path(path, sizeof(path), dir, 2, k ? 1 : 4, ".npz");
		zero(path, 64 * KIB, UNIT);
	}
	o.mode = DGEN_RUN_VERIFY_ONLY;
	o.rate = 0;
	o.max_report = 1;
	run_it(&o, &run, &res);
	cr_assert_eq(res.error, 0);
	cr_assert_eq(res.passes[0].vr.files, 6);
	cr_assert_geq(res.passes[0].vr.mismatches, 2);
	cr_assert_eq(res.passes[0].vr.reported, 1);
	cr_assert_eq(res.passes[0].list[0].target, 1, "lowest file first");
	dgen_run_free(run);
	tree_remove(dir);
}

/* ===== The run's report (dgen/report.h) ===== */

/*
 * A run with a monitor of its own and a discard first, judged by its
 * report: the JSON parses into what the run did (report_version, bytes,
 * the discard, each target's verdict), the status is a clean 0, and a
 * report to a full disk says so instead of passing for written.
 */
Test(run, own_monitor_discard_and_report)
{
	const char *path = scratch_path("rep"), *other = scratch_path("rep2");
	const char *const paths[] = { path, other };
	struct dgen_run_result res;
	struct dgen_run_opts o;
	struct dgen_run *run;
	struct dgen_stream *s;
	const char *status;
	char *text = NULL, *p;
	size_t len = 0;
	FILE *f;

	cr_assert_eq(file_make(path, 2 * MIB, 0x5a), 0);
	cr_assert_eq(file_make(other, 2 * MIB, 0x5a), 0);
	opts_for(&o, paths, 2, 2 * MIB, 11);
	o.flags = DGEN_RUN_WATCH | DGEN_RUN_TRIM;
	run_it(&o, &run, &res);
	cr_assert_eq(dgen_report_status(run, &res, &status), DGEN_EXIT_OK);
	cr_assert_str_eq(status, "ok");
	cr_assert_eq(res.target_bytes[0], 2 * MIB);
	f = open_memstream(&text, &len);
	cr_assert_eq(dgen_report_json(f, run, &res), 0);
	fclose(f);
	cr_assert(strstr(text, "\"report_version\": 1,"), "%s", text);
	cr_assert(strstr(text, "\"bytes\": 4194304,"), "%s", text);
	cr_assert(strstr(text, "\"trim\": { \"how\": \"punch hole\", \"bytes\": 2097152"), "%s", text);
	p = strstr(text, "\"verdict\": \"");
	cr_assert(p && strstr(p + 1, "\"verdict\": \""), "a verdict per target: %s", text);
	free(text);
	/* A file whose writes fail (a full device) fails the report. */
	f = fopen("/dev/full", "w");
	cr_assert_not_null(f);
	cr_assert_eq(dgen_report_human(f, run, &res), -ENOSPC);
	fclose(f);
	s = pass_stream(&o, 1, 0, 2 * MIB);
	cr_assert_eq(path_compare(path, 0, 2 * MIB, s), 0);
	dgen_stream_free(s);
	dgen_run_free(run);
	unlink(path);
	unlink(other);
}

/* One stream to a descriptor: a pipe's reader gets the stream's bytes. */
Test(run, stream_to_a_descriptor)
{
	struct dgen_run_result res;
	struct dgen_run_opts o;
	struct dgen_run *run;
	struct dgen_stream *s = stream_make(5, 3, MIB, 1.0, 1.0);
	uint8_t *got = malloc(MIB), *want = malloc(MIB);
	char msg[256];
	size_t n = 0;
	int fds[2], st;
	pid_t pid;

	cr_assert(got && want);
	cr_assert_eq(pipe(fds), 0);
	dgen_run_opts_init(&o);
	o.flags = DGEN_RUN_FD;
	o.fd = fds[1];
	o.size = MIB;
	o.params.seed = 5;
	o.params.stream_id = 3;
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(dgen_run_new(&run, &o, msg, sizeof(msg)) ||
		      dgen_run_exec(run, &res, msg, sizeof(msg)) ||
		      res.fd.bytes != MIB);
	}
	close(fds[1]);
	while (n < MIB) {
		ssize_t r = read(fds[0], got + n, MIB - n);

		cr_assert_gt(r, 0, "the stream ended after %zu bytes", n);
		n += (size_t)r;
	}
	close(fds[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the run failed");
	cr_assert_eq(dgen_stream_fill(s, want, 0, MIB), 0);
	cr_assert_eq(memcmp(got, want, MIB), 0);
	/* A stream to a descriptor is written once: it cannot be read back. */
	o.mode = DGEN_RUN_WRITE_VERIFY;
	cr_assert_eq(dgen_run_new(&run, &o, msg, sizeof(msg)), -EINVAL);
	free(got);
	free(want);
	dgen_stream_free(s);
}
