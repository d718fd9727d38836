// SPDX-License-Identifier: MIT
/*
 * test_verdict.c - slow targets against their cohort, cliffs against a
 * target's own past, on synthetic series whose answer is known
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/verdict.h>

/* A series of @n targets named t0, t1, ... */
static struct dgen_series *series(unsigned int n)
{
	const char *names[] = { "t0", "t1", "t2", "t3", "t4", "t5" };
	struct dgen_series *s = NULL;

	cr_assert_eq(dgen_series_new(&s, names, n), 0);
	return s;
}

/* Append target @k's intervals of 1 s at the rates @gbps (GB/s). */
static void rates(struct dgen_series *s, unsigned int k, enum dgen_phase ph,
		  const double *gbps, size_t n, double t0)
{
	uint64_t total = 0;

	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].target == k)
			total = s->rows[i].bytes_total;
	for (size_t i = 0; i < n; i++) {
		struct dgen_series_row r = {
			.t = t0 + (double)i + 1, .dt = 1, .pass = 1,
			.bytes = (uint64_t)(gbps[i] * 1e9), .target = k,
			.phase = (uint8_t)ph,
		};

		total += r.bytes;
		r.bytes_total = total;
		cr_assert_eq(dgen_series_add(s, &r), 0);
	}
}

static void judge(const double *gbps, const double *p99, const int *kinds,
		  unsigned int n, struct dgen_target_verdict *v)
{
	struct dgen_verdict_input in[8];

	for (unsigned int k = 0; k < n; k++)
		in[k] = (struct dgen_verdict_input) {
			.gbps = gbps[k], .p99_us = p99 ? p99[k] : 100,
			.kind = kinds ? kinds[k] : 0, .valid = 1,
		};
	dgen_verdicts(in, n, NULL, NULL, v);
}

Test(slow, two_targets_compare_with_the_faster)
{
	struct dgen_target_verdict v[2];

	judge((double[]){ 3.0, 0.1 }, NULL, NULL, 2, v);
	cr_expect_eq(v[0].verdict, DGEN_VERDICT_OK);
	cr_expect_eq(v[1].verdict, DGEN_VERDICT_SLOW);
	cr_expect_float_eq(v[1].ref_gbps, 3.0, 1e-12);
	cr_expect_str_eq(dgen_verdict_name(v[1].verdict), "slow");
	cr_expect(strstr(v[1].reason, "peer"), "%s", v[1].reason);
	/* 10% apart is no outlier. */
	judge((double[]){ 1.0, 0.9 }, NULL, NULL, 2, v);
	cr_expect_eq(v[0].verdict, DGEN_VERDICT_OK);
	cr_expect_eq(v[1].verdict, DGEN_VERDICT_OK);
	/* One target alone is never slow. */
	judge((double[]){ 0.001 }, NULL, NULL, 1, v);
	cr_expect_eq(v[0].verdict, DGEN_VERDICT_OK);
}

Test(slow, cohort_median_and_mad)
{
	struct dgen_target_verdict v[6];
	const double g[] = { 2.0, 2.1, 1.9, 2.05, 0.8, 1.95 };

	judge(g, NULL, NULL, 6, v);
	for (unsigned int k = 0; k < 6; k++)
		cr_expect_eq(v[k].slow, k == 4, "target %u: %s", k, v[k].reason);
	cr_expect(strstr(v[4].reason, "median"), "%s", v[4].reason);
	/* Under half the median, but the cohort is all over the place
	 * (MAD large): no single outlier to name. */
	judge((double[]){ 4.0, 0.5, 2.0, 0.9, 3.0 }, NULL, NULL, 5, v);
	for (unsigned int k = 0; k < 5; k++)
		cr_expect_eq(v[k].slow, 0, "target %u: %s", k, v[k].reason);
}

Test(slow, only_equal_kinds_compare)
{
	struct dgen_target_verdict v[4];

	/* A file next to block devices is judged among files alone. */
	judge((double[]){ 3.0, 3.1, 0.2, 0.21 }, NULL, (int[]){ 1, 1, 2, 2 }, 4, v);
	for (unsigned int k = 0; k < 4; k++)
		cr_expect_eq(v[k].slow, 0, "target %u: %s", k, v[k].reason);
	judge((double[]){ 3.0, 3.1, 0.2, 0.01 }, NULL, (int[]){ 1, 1, 2, 2 }, 4, v);
	cr_expect_eq(v[3].slow, 1);
	cr_expect_eq(v[2].slow, 0);
}

Test(slow, p99_latency_outlier)
{
	struct dgen_target_verdict v[4];

	judge((double[]){ 1, 1, 1, 1 }, (double[]){ 100, 110, 95, 900 }, NULL, 4, v);
	cr_expect_eq(v[3].slow, 1, "%s", v[3].reason);
	cr_expect(strstr(v[3].reason, "p99"), "%s", v[3].reason);
	for (unsigned int k = 0; k < 3; k++)
		cr_expect_eq(v[k].slow, 0);
}

Test(slow, hung_and_unhealthy_outrank)
{
	struct dgen_verdict_input in[2] = {
		{ .gbps = 1, .p99_us = 1, .valid = 1, .hung = 1 },
		{ .gbps = 0.1, .p99_us = 1, .valid = 1, .unhealthy = 1 },
	};
	struct dgen_target_verdict v[2];

	dgen_verdicts(in, 2, NULL, NULL, v);
	cr_expect_eq(v[0].verdict, DGEN_VERDICT_HUNG);
	cr_expect_eq(v[1].verdict, DGEN_VERDICT_UNHEALTHY);
	cr_expect_eq(v[1].slow, 1);
	cr_expect_str_eq(dgen_verdict_name(DGEN_VERDICT_HUNG), "hung");
	cr_expect_str_eq(dgen_verdict_name(DGEN_VERDICT_UNHEALTHY), "unhealthy");
}

Test(cliff, one_sustained_drop)
{
	double r[20];
	struct dgen_cliff c[4];
	struct dgen_series *s = series(1);
	unsigned int n;

	for (int i = 0; i < 20; i++)
		r[i] = i < 10 ? 2.0 + 0.1 * (i % 3) : 0.5 + 0.05 * (i % 2);
	rates(s, 0, DGEN_PHASE_WRITE, r, 20, 0);
	n = dgen_cliffs_find(s, 0, NULL, c, 4);
	cr_assert_eq(n, 1);
	/* It began where interval 10 began: after ten intervals' bytes. */
	cr_expect_eq(c[0].at_bytes, s->rows[9].bytes_total);
	cr_expect_float_eq(c[0].at_s, 10.0, 1e-9);
	cr_expect(c[0].before_gbps > 1.9 && c[0].before_gbps < 2.3, "%g", c[0].before_gbps);
	cr_expect(c[0].after_gbps > 0.45 && c[0].after_gbps < 0.6, "%g", c[0].after_gbps);
	cr_expect_eq(c[0].phase, DGEN_PHASE_WRITE);
	dgen_series_free(s);
}

/*
 * One noisy low interval just before the real drop: the cliff starts where
 * the drop is sustained, not at the noise (a throttle lowered at interval
 * 12, a stall at 10).
 */
Test(cliff, starts_after_a_noisy_interval)
{
	const double r[] = { 1, 1, 1.1, 0.9, 1, 1, 1.05, 0.95, 1, 1, 0.2, 1,
			     0.2, 0.21, 0.19, 0.2, 0.2, 0.2, 0.2 };
	struct dgen_cliff c[2];
	struct dgen_series *s = series(1);

	rates(s, 0, DGEN_PHASE_WRITE, r, sizeof(r) / sizeof(r[0]), 0);
	cr_assert_eq(dgen_cliffs_find(s, 0, NULL, c, 2), 1);
	cr_expect_eq(c[0].at_bytes, s->rows[11].bytes_total);
	cr_expect_float_eq(c[0].at_s, 12.0, 1e-9);
	dgen_series_free(s);
}

Test(cliff, noise_and_short_dips_are_not_cliffs)
{
	/* One stalled interval, then a two-interval dip (a pass boundary). */
	const double r[] = { 1, 1.1, 0.9, 1, 0.1, 1, 1.05, 0.95, 0.3, 0.3,
			     1, 1, 0.9, 1.1, 1, 1 };
	/* A drop in the last intervals only: the run's tail. */
	const double tail[] = { 1, 1, 1, 1, 1, 1, 1, 1, 0.2, 0.1 };
	struct dgen_series *s = series(2);

	rates(s, 0, DGEN_PHASE_WRITE, r, sizeof(r) / sizeof(r[0]), 0);
	rates(s, 1, DGEN_PHASE_WRITE, tail, sizeof(tail) / sizeof(tail[0]), 0);
	cr_expect_eq(dgen_cliffs_find(s, 0, NULL, NULL, 0), 0);
	cr_expect_eq(dgen_cliffs_find(s, 1, NULL, NULL, 0), 0);
	dgen_series_free(s);
}

Test(cliff, two_steps_and_phases_apart)
{
	double r[30], w[12], v[12];
	struct dgen_cliff c[4];
	struct dgen_series *s = series(2);

	for (int i = 0; i < 30; i++)
		r[i] = i < 10 ? 3 : i < 20 ? 1.5 : 0.5;
	rates(s, 0, DGEN_PHASE_WRITE, r, 30, 0);
	cr_assert_eq(dgen_cliffs_find(s, 0, NULL, c, 4), 2);
	cr_expect_float_eq(c[0].at_s, 10, 1e-9);
	cr_expect_float_eq(c[1].at_s, 20, 1e-9);
	cr_expect_float_eq(c[1].before_gbps, 1.5, 1e-6);
	/* Writes at 2 GB/s and reads at 0.5 GB/s in turn are two levels,
	 * not a cliff: each phase is judged on its own. */
	for (int i = 0; i < 12; i++) {
		w[i] = 2;
		v[i] = 0.5;
	}
	for (int p = 0; p < 2; p++) {
		rates(s, 1, DGEN_PHASE_WRITE, w, 6, 12.0 * p);
		rates(s, 1, DGEN_PHASE_VERIFY, v, 6, 12.0 * p + 6);
	}
	cr_expect_eq(dgen_cliffs_find(s, 1, NULL, c, 4), 0);
	dgen_series_free(s);
}

Test(cliff, settable_drop_and_window)
{
	struct dgen_verdict_opts o;
	double r[16];
	struct dgen_series *s = series(1);

	for (int i = 0; i < 16; i++)
		r[i] = i < 8 ? 1 : 0.8;
	rates(s, 0, DGEN_PHASE_WRITE, r, 16, 0);
	dgen_verdict_opts_init(&o);
	cr_expect_eq(dgen_cliffs_find(s, 0, &o, NULL, 0), 0, "a 20%% drop is under the default 30%%");
	o.cliff_drop = 0.1;
	cr_expect_eq(dgen_cliffs_find(s, 0, &o, NULL, 0), 1);
	o.cliff_window = 9;
	cr_expect_eq(dgen_cliffs_find(s, 0, &o, NULL, 0), 0, "8 intervals after it are not 9");
	dgen_series_free(s);
}

Test(cliff, verdicts_carry_them)
{
	struct dgen_verdict_input in[1] = { { .gbps = 1, .p99_us = 1, .valid = 1 } };
	struct dgen_target_verdict v[1];
	double r[20];
	struct dgen_series *s = series(1);

	for (int i = 0; i < 20; i++)
		r[i] = i < 10 ? 1 : 0.2;
	rates(s, 0, DGEN_PHASE_WRITE, r, 20, 0);
	dgen_verdicts(in, 1, s, NULL, v);
	cr_expect_eq(v[0].verdict, DGEN_VERDICT_CLIFF);
	cr_expect_eq(v[0].ncliffs, 1);
	cr_expect(strstr(v[0].reason, "cliff"), "%s", v[0].reason);
	dgen_series_free(s);
}

/* A target whose I/O failed did not do its job, however fast: error. */
Test(slow, failed_target_is_error)
{
	struct dgen_verdict_input in[] = {
		{ .gbps = 9, .p99_us = 1, .valid = 1, .error = 1 },
		{ .gbps = 1, .p99_us = 1, .valid = 1 },
		{ .gbps = 1, .p99_us = 1, .valid = 1, .error = 1, .hung = 1 },
	};
	struct dgen_target_verdict v[3];

	dgen_verdicts(in, 3, NULL, NULL, v);
	cr_expect_eq(v[0].verdict, DGEN_VERDICT_ERROR);
	cr_expect(strstr(v[0].reason, "I/O failed"), "%s", v[0].reason);
	cr_expect_eq(v[1].verdict, DGEN_VERDICT_OK);
	cr_expect_eq(v[2].verdict, DGEN_VERDICT_HUNG);
	cr_expect_str_eq(dgen_verdict_name(DGEN_VERDICT_ERROR), "error");
}
