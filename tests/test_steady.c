// SPDX-License-Identifier: MIT
/*
 * test_steady.c - the SNIA PTS steady-state rule on synthetic rounds
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include <dgen/steady.h>

/* Feed @n rounds of @v; the round (1-based) that reached it, 0: none. */
static unsigned int feed(struct dgen_steady *st, const double *v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (dgen_steady_feed(st, i + 1.0, (uint64_t)(i + 1) * 1000, v[i]))
			return i + 1;
	return 0;
}

Test(steady, flat_after_a_ramp)
{
	const double v[] = { 0.2, 0.5, 0.8, 1.0, 1.02, 0.98, 1.0, 1.01, 0.99, 1.0 };
	struct dgen_steady st;

	dgen_steady_init(&st, NULL);
	/* Rounds 4..8 are the first window of five within 20% and 10%. */
	cr_assert_eq(feed(&st, v, 10), 8);
	cr_expect(st.reached);
	cr_expect_float_eq(st.at_s, 8.0, 1e-9);
	cr_expect_eq(st.at_bytes, 8000);
	cr_expect_float_eq(st.mean_gbps, (1.0 + 1.02 + 0.98 + 1.0 + 1.01) / 5, 1e-9);
	/* Once reached it stays reached and says so once. */
	cr_expect_eq(dgen_steady_feed(&st, 11, 11000, 5.0), 0);
	cr_expect_float_eq(st.at_s, 8.0, 1e-9);
}

Test(steady, a_slope_within_the_range_is_not_steady)
{
	/* Each round 3.5% up: range 14% (< 20%) but slope 14% (> 10%). */
	double v[12];
	struct dgen_steady st;

	for (int i = 0; i < 12; i++)
		v[i] = 1.0 + 0.035 * i;
	dgen_steady_init(&st, NULL);
	cr_expect_eq(feed(&st, v, 12), 0);
	cr_expect(st.range < 0.2 && st.slope > 0.1, "range %g slope %g", st.range, st.slope);
}

Test(steady, range_too_wide)
{
	const double v[] = { 1, 1.3, 1, 1.3, 1, 1.3, 1, 1.3 };
	struct dgen_steady st;

	dgen_steady_init(&st, NULL);
	cr_expect_eq(feed(&st, v, 8), 0);
	cr_expect(st.range > 0.2, "%g", st.range);
}

Test(steady, spec_sets_window_and_limits)
{
	struct dgen_steady_opts o;
	struct dgen_steady st;
	char msg[128];
	const double v[] = { 1, 1.3, 1, 1.3, 1, 1.3 };

	cr_assert_eq(dgen_steady_parse(&o, "window=3,range=40%,slope=0.5", msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(o.window, 3);
	cr_expect_float_eq(o.range, 0.4, 1e-12);
	cr_expect_float_eq(o.slope, 0.5, 1e-12);
	dgen_steady_init(&st, &o);
	cr_expect_eq(feed(&st, v, 6), 3);
	cr_assert_eq(dgen_steady_parse(&o, NULL, msg, sizeof(msg)), 0);
	cr_expect_eq(o.window, 5);
	cr_expect_float_eq(o.range, 0.2, 1e-12);
	cr_expect_float_eq(o.slope, 0.1, 1e-12);
	cr_expect_eq(dgen_steady_parse(&o, "window=1", msg, sizeof(msg)), -EINVAL);
	cr_expect(strstr(msg, "window"), "%s", msg);
	cr_expect_eq(dgen_steady_parse(&o, "range=abc", msg, sizeof(msg)), -EINVAL);
	cr_expect_eq(dgen_steady_parse(&o, "speed=1", msg, sizeof(msg)), -EINVAL);
	cr_expect_eq(dgen_steady_parse(&o, "window", msg, sizeof(msg)), -EINVAL);
}
