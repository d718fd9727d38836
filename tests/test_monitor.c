// SPDX-License-Identifier: MIT
/*
 * test_monitor.c - per-target samples of a real writer, and the monitor's
 * rows, log and figures over a real run on a tmpfs file and the null target
 */
#include <criterion/criterion.h>

#include "writer_helpers.h"

#define MiB	(1ull << 20)

struct rig {
	struct dgen_target *t[2];
	struct dgen_stream *s[2];
	struct dgen_writer *w;
	char path[256];
};

/* A file of @fsize and the null target of @nsize, one writer over both. */
static void rig_make(struct rig *r, uint64_t fsize, uint64_t nsize,
		     unsigned int stats, uint64_t rate)
{
	struct dgen_writer_opts o;
	char msg[256];

	strcpy(r->path, scratch_path("mon"));
	unlink(r->path);
	cr_assert_eq(dgen_target_open(&r->t[0], r->path, 0, fsize, 0, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_target_open(&r->t[1], DGEN_TARGET_NULL_PATH, 0, nsize, 0, msg, sizeof(msg)), 0, "%s", msg);
	r->s[0] = stream_make(5, 0, fsize, 1, 1);
	r->s[1] = stream_make(5, 1, nsize, 1, 1);
	cr_assert(r->s[0] && r->s[1]);
	dgen_writer_opts_init(&o);
	o.io_size = 64 << 10;
	o.queue_depth = 8;
	o.threads = 2;
	o.target_stats = stats;
	o.rate = rate;
	cr_assert_eq(dgen_writer_new(&r->w, &o, r->t, (const struct dgen_stream *const *)r->s,
				     2, msg, sizeof(msg)), 0, "%s", msg);
}

static void rig_drop(struct rig *r)
{
	dgen_writer_free(r->w);
	for (int k = 0; k < 2; k++) {
		dgen_target_close(r->t[k]);
		dgen_stream_free(r->s[k]);
	}
	unlink(r->path);
}

Test(monitor, samples_count_every_byte)
{
	struct dgen_io_outstanding out[2];
	struct dgen_writer_result res;
	struct dgen_target_sample ts;
	const uint64_t size[2] = { 8 * MiB, 16 * MiB };
	struct rig r;
	char msg[256];

	rig_make(&r, size[0], size[1], 1, 0);
	cr_assert_eq(dgen_writer_start(r.w, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_writer_wait(r.w, &res), 0);
	for (unsigned int k = 0; k < 2; k++) {
		cr_assert_eq(dgen_writer_sample(r.w, k, &ts), 0);
		cr_expect_eq(ts.bytes, size[k]);
		cr_expect_eq(ts.ios, size[k] / (64 << 10));
		cr_expect_eq(ts.lat.count, ts.ios);
		cr_expect(ts.first_ns && ts.first_ns <= ts.last_ns);
		cr_expect_leq(ts.lat.min_ns, ts.lat.max_ns);
	}
	cr_expect_eq(dgen_writer_sample(r.w, 2, &ts), -ENOENT);
	cr_assert_eq(dgen_writer_outstanding(r.w, out), 0);
	cr_expect_eq(out[0].since_ns, 0, "nothing is in flight after the wait");
	cr_expect_eq(out[1].since_ns, 0);
	rig_drop(&r);

	/* Without target_stats there is nothing to sample. */
	rig_make(&r, size[0], size[1], 0, 0);
	cr_expect_eq(dgen_writer_sample(r.w, 0, &ts), -ENODATA);
	cr_expect_eq(dgen_writer_outstanding(r.w, out), -ENODATA);
	rig_drop(&r);
}

Test(monitor, rows_log_and_figures_of_a_run)
{
	struct dgen_monitor_opts mo;
	struct dgen_monitor *m = NULL;
	const struct dgen_series *s;
	const struct dgen_monitor_phase *ph;
	struct dgen_target_verdict v[2];
	struct dgen_writer_result res;
	struct dgen_target_figures f;
	const uint64_t size[2] = { 32 * MiB, 32 * MiB };
	const char *names[2];
	uint64_t sum[2] = { 0, 0 }, last_total[2] = { 0, 0 };
	char msg[256], line[1024];
	struct rig r;
	double last_t = 0;
	unsigned int lines = 0;
	FILE *log = tmpfile();

	/* 64 MiB at 128 MiB/s: about half a second, many 20 ms intervals. */
	rig_make(&r, size[0], size[1], 1, 128 * MiB);
	names[0] = r.path;
	names[1] = DGEN_TARGET_NULL_PATH;
	dgen_monitor_opts_init(&mo);
	mo.interval_s = 0.02;
	mo.log = log;
	mo.steady = 1;
	cr_assert_eq(dgen_monitor_new(&m, &mo, names, (int[]){ 1, 0 }, 2), 0);
	cr_assert_eq(dgen_writer_start(r.w, msg, sizeof(msg)), 0, "%s", msg);
	dgen_monitor_begin(m, r.w, DGEN_PHASE_WRITE, 1, size);
	while (dgen_writer_running(r.w)) {
		cr_assert_eq(dgen_monitor_poll(m) & DGEN_MONITOR_HUNG, 0);
		nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
	}
	cr_assert_eq(dgen_writer_wait(r.w, &res), 0);
	dgen_monitor_end(m, -1);
	dgen_monitor_finish(m);

	s = dgen_monitor_series(m);
	cr_assert_geq(s->nrows, 4, "%zu rows", s->nrows);
	for (size_t i = 0; i < s->nrows; i++) {
		const struct dgen_series_row *row = &s->rows[i];

		cr_assert_lt(row->target, 2);
		cr_expect_geq(row->t, last_t - 1e-9);
		last_t = row->t;
		cr_expect_gt(row->dt, 0);
		sum[row->target] += row->bytes;
		cr_expect_eq(row->bytes_total, sum[row->target]);
		last_total[row->target] = row->bytes_total;
	}
	for (unsigned int k = 0; k < 2; k++) {
		cr_expect_eq(sum[k], size[k], "target %u: rows add up to %llu", k,
			     (unsigned long long)sum[k]);
		cr_expect_eq(last_total[k], size[k]);
		dgen_monitor_figures(m, k, DGEN_PHASE_WRITE, &f);
		cr_expect_eq(f.bytes, size[k]);
		cr_expect_eq(f.ios, size[k] / (64 << 10));
		cr_expect_gt(f.gbps, 0);
		cr_expect_gt(f.lat_p99_us, 0);
		cr_expect_leq(f.lat_p50_us, f.lat_p99_us);
		dgen_monitor_figures(m, k, DGEN_PHASE_VERIFY, &f);
		cr_expect_eq(f.bytes, 0);
	}
	cr_assert_eq(dgen_monitor_phases(m, &ph), 1);
	cr_expect_eq(ph[0].pass, 1);
	cr_expect_eq(ph[0].targets[0].bytes, size[0]);
	/* The log holds the same rows, one line each. */
	rewind(log);
	while (fgets(line, sizeof(line), log)) {
		cr_expect(strstr(line, "\"target\": ") && strstr(line, "\"gbps\": "), "%s", line);
		lines++;
	}
	cr_expect_eq(lines, s->nrows);
	dgen_monitor_verdicts(m, v);
	cr_expect_eq(v[0].verdict != DGEN_VERDICT_HUNG, 1);
	cr_expect_eq(dgen_monitor_hang(m, NULL), 0);
	cr_expect_not_null(dgen_monitor_steady(m));
	fclose(log);
	dgen_monitor_free(m);
	rig_drop(&r);
}
