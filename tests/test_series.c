// SPDX-License-Identifier: MIT
/*
 * test_series.c - the interval log: what it writes reads back the same,
 * and what is not a log line is refused with its line number
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <dgen/series.h>

static struct dgen_series *sample(void)
{
	const char *names[] = { "/dev/loop0", "odd \"name\"\\ with\ttab" };
	struct dgen_series *s = NULL;
	uint64_t total[2] = { 0, 0 };

	cr_assert_eq(dgen_series_new(&s, names, 2), 0);
	for (unsigned int i = 0; i < 6; i++) {
		unsigned int k = i % 2;
		struct dgen_series_row r = {
			.t = 0.25 * (i / 2 + 1), .dt = 0.25, .pass = 1 + i / 4,
			.bytes = 1000000ull * (i + 1), .ios = 4 * (i + 1),
			.p50_us = 10.5f * (float)(i + 1), .p99_us = 99.5f,
			.max_us = 1000.5f, .target = k,
			.phase = i >= 4 ? DGEN_PHASE_VERIFY : DGEN_PHASE_WRITE,
		};

		total[k] += r.bytes;
		r.bytes_total = total[k];
		cr_assert_eq(dgen_series_add(s, &r), 0);
	}
	cr_assert_eq(dgen_series_add_event(s, &(struct dgen_series_event) {
		.t = 1.75, .seconds = 3.5, .offset = 1 << 20, .target = 1,
		.kind = DGEN_EVENT_HUNG }), 0);
	return s;
}

Test(series, log_reads_back)
{
	struct dgen_series *s = sample(), *b = NULL;
	FILE *f = tmpfile();
	char msg[128];

	cr_assert_not_null(f);
	for (size_t i = 0; i < s->nrows; i++)
		cr_assert_eq(dgen_series_log_row(f, s, &s->rows[i]), 0);
	cr_assert_eq(dgen_series_log_event(f, s, &s->events[0]), 0);
	fputs("\n", f);			/* blank lines are allowed */
	rewind(f);
	cr_assert_eq(dgen_series_read(&b, f, msg, sizeof(msg)), 0, "%s", msg);
	fclose(f);
	cr_assert_eq(b->ntargets, 2);
	cr_expect_str_eq(b->names[0], s->names[0]);
	cr_expect_str_eq(b->names[1], s->names[1]);
	cr_assert_eq(b->nrows, s->nrows);
	for (size_t i = 0; i < s->nrows; i++) {
		const struct dgen_series_row *x = &s->rows[i], *y = &b->rows[i];

		cr_expect_eq(y->target, x->target);
		cr_expect_eq(y->phase, x->phase);
		cr_expect_eq(y->pass, x->pass);
		cr_expect_eq(y->bytes, x->bytes);
		cr_expect_eq(y->bytes_total, x->bytes_total);
		cr_expect_eq(y->ios, x->ios);
		cr_expect_float_eq(y->t, x->t, 1e-3);
		cr_expect_float_eq(y->dt, x->dt, 1e-3);
		cr_expect_float_eq(y->p50_us, x->p50_us, 0.06);
		cr_expect_float_eq(y->max_us, x->max_us, 0.06);
		cr_expect_float_eq(dgen_series_row_gbps(y), dgen_series_row_gbps(x), 1e-3);
	}
	cr_assert_eq(b->nevents, 1);
	cr_expect_eq(b->events[0].target, 1);
	cr_expect_eq(b->events[0].offset, 1 << 20);
	cr_expect_float_eq(b->events[0].seconds, 3.5, 1e-3);
	cr_expect_eq(b->events[0].kind, DGEN_EVENT_HUNG);
	dgen_series_free(s);
	dgen_series_free(b);
}

Test(series, foreign_lines_are_refused)
{
	static const char *const bad[] = {
		"{\"time\": 1.0, \"target\": \"a\", \"bytes\": 1}\nnot json\n",
		"{\"time\": 1.0, \"target\": \"a\"}\n{\"target\": \"a\"}\n",
		"{\"time\": 1.0, \"target\": \"a\"}\n{\"time\": 1, \"target\": \"a\", \"event\": \"fire\"}\n",
		"{\"time\": 1.0, \"target\": \"a\"}\n{\"time\": 1 \"target\": \"a\"}\n",
	};
	struct dgen_series *b = NULL;
	char msg[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *f = fmemopen((void *)bad[i], strlen(bad[i]), "r");

		cr_assert_eq(dgen_series_read(&b, f, msg, sizeof(msg)), -EINVAL,
			     "case %zu", i);
		cr_expect(strstr(msg, "line 2"), "case %zu: %s", i, msg);
		fclose(f);
	}
}

Test(series, phase_names)
{
	cr_expect_str_eq(dgen_phase_name(DGEN_PHASE_WRITE), "write");
	cr_expect_str_eq(dgen_phase_name(DGEN_PHASE_VERIFY), "verify");
	cr_expect_null(dgen_phase_name(DGEN_PHASES));
}
