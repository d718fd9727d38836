// SPDX-License-Identifier: MIT
/*
 * verdict.c - slow targets against their cohort, cliffs against a
 * target's own past (the rules are in dgen/verdict.h)
 *
 * Medians, not means, throughout: one stalled interval or one odd target
 * moves a mean a lot and a median hardly at all, which is what keeps a
 * noisy interval from being taken for a cliff (IOR's outlier test, fio's
 * steady-state checks use the same idea).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/verdict.h>

const char *dgen_verdict_name(enum dgen_verdict v)
{
	static const char *const names[] = {
		"ok", "slow", "cliff", "unhealthy", "error", "hung",
	};

	return (unsigned int)v < sizeof(names) / sizeof(names[0]) ?
	       names[v] : "unknown";
}

void dgen_verdict_opts_init(struct dgen_verdict_opts *o)
{
	o->slow_margin = 0.5;
	o->slow_mads = 3;
	o->cliff_drop = 0.3;
	o->cliff_window = 5;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of @n values (reordered). */
static double median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ===== Cliffs ===== */

/* Target @k's rows of phase @ph, as rates, with their rows. */
static size_t phase_rows(const struct dgen_series *s, unsigned int k,
			 enum dgen_phase ph, double *rate, size_t *idx)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nrows; i++) {
		const struct dgen_series_row *r = &s->rows[i];

		if (r->target != k || r->phase != ph || r->dt <= 0)
			continue;
		rate[n] = dgen_series_row_gbps(r);
		idx[n++] = i;
	}
	return n;
}

unsigned int dgen_cliffs_find(const struct dgen_series *s, unsigned int k,
			      const struct dgen_verdict_opts *o,
			      struct dgen_cliff *out, unsigned int max)
{
	struct dgen_verdict_opts def;
	const size_t cap = s->nrows ? s->nrows : 1;
	double *rate = malloc(cap * sizeof(*rate));
	double *tmp = malloc(cap * sizeof(*tmp));
	size_t *idx = malloc(cap * sizeof(*idx));
	unsigned int found = 0, W;

	if (!o) {
		dgen_verdict_opts_init(&def);
		o = &def;
	}
	W = o->cliff_window ? o->cliff_window : 1;
	if (!rate || !tmp || !idx)
		goto out;
	for (int ph = 0; ph < DGEN_PHASES; ph++) {
		size_t n = phase_rows(s, k, (enum dgen_phase)ph, rate, idx);
		/* The first interval is warm-up (queues and caches filling),
		 * no baseline: a start-up burst is not the drive's rate. */
		size_t base = 1;	/* the first interval of the baseline */

		for (size_t i = base + W; i + W <= n; i++) {
			double before, after, limit;
			unsigned int below;

			if (i - base < W)
				continue;
			memcpy(tmp, rate + base, (i - base) * sizeof(*tmp));
			before = median(tmp, i - base);
			limit = (1 - o->cliff_drop) * before;
			if (rate[i] >= limit)
				continue;
			/* A drop starts with two low intervals: one low interval
			 * then a normal one is noise, and the drop (if one
			 * follows) starts later. */
			if (W > 1 && rate[i + 1] >= limit)
				continue;
			/* Sustained: all of the window but one below the limit. */
			below = 0;
			for (size_t j = i; j < i + W; j++)
				below += rate[j] < limit;
			if (below + 1 < W)
				continue;
			memcpy(tmp, rate + i, W * sizeof(*tmp));
			after = median(tmp, W);
			if (found < max) {
				const struct dgen_series_row *r = &s->rows[idx[i]];

				out[found] = (struct dgen_cliff) {
					.at_bytes = r->bytes_total - r->bytes,
					.at_s = r->t - r->dt,
					.before_gbps = before,
					.after_gbps = after,
					.phase = (enum dgen_phase)ph,
				};
			}
			found++;
			/* The new level is the baseline for the next one. */
			base = i;
			i += W - 1;
		}
	}
out:
	free(rate);
	free(tmp);
	free(idx);
	return found;
}

/* ===== Slow ===== */

/*
 * The reference of @k's cohort for the values @val (rates, or latencies
 * when @high_bad): median with three or more, the best with fewer. Sets
 * *@mad to the scaled MAD (0 under three) and returns the cohort's size.
 */
static unsigned int cohort_ref(const struct dgen_verdict_input *in,
			       unsigned int n, unsigned int k,
			       const double *val, int high_bad, double *ref,
			       double *mad)
{
	double *v = malloc((n ? n : 1) * sizeof(*v));
	unsigned int m = 0;

	*ref = *mad = 0;
	if (!v)
		return 0;
	for (unsigned int j = 0; j < n; j++)
		if (in[j].valid && in[j].kind == in[k].kind)
			v[m++] = val[j];
	if (m >= 3) {
		*ref = median(v, m);
		for (unsigned int j = 0; j < m; j++)
			v[j] = fabs(v[j] - *ref);
		*mad = 1.4826 * median(v, m);
	} else {
		for (unsigned int j = 0; j < m; j++)
			if (!j || (high_bad ? v[j] < *ref : v[j] > *ref))
				*ref = v[j];
	}
	free(v);
	return m;
}

void dgen_verdicts(const struct dgen_verdict_input *in, unsigned int n,
		   const struct dgen_series *s,
		   const struct dgen_verdict_opts *o,
		   struct dgen_target_verdict *out)
{
	struct dgen_verdict_opts def;
	double *gbps = malloc((n ? n : 1) * sizeof(*gbps));
	double *p99 = malloc((n ? n : 1) * sizeof(*p99));

	if (!o) {
		dgen_verdict_opts_init(&def);
		o = &def;
	}
	for (unsigned int k = 0; gbps && p99 && k < n; k++) {
		gbps[k] = in[k].gbps;
		p99[k] = in[k].p99_us;
	}
	for (unsigned int k = 0; k < n; k++) {
		struct dgen_target_verdict *v = &out[k];
		double ref, mad, lref, lmad;
		unsigned int m = 0;
		size_t len = 0;

		memset(v, 0, sizeof(*v));
		if (in[k].valid && gbps && p99) {
			m = cohort_ref(in, n, k, gbps, 0, &ref, &mad);
			cohort_ref(in, n, k, p99, 1, &lref, &lmad);
			v->ref_gbps = ref;
			v->ref_p99_us = lref;
			if (m >= 2 && in[k].gbps < (1 - o->slow_margin) * ref &&
			    (m < 3 || in[k].gbps < ref - o->slow_mads * mad)) {
				v->slow = 1;
				len += (size_t)snprintf(v->reason + len, sizeof(v->reason) - len,
					"%.3f GB/s against %.3f GB/s of its %s; ",
					in[k].gbps, ref, m >= 3 ? "cohort's median" : "peer");
			} else if (m >= 2 && lref > 0 &&
				   in[k].p99_us > lref / (1 - o->slow_margin) &&
				   (m < 3 || in[k].p99_us > lref + o->slow_mads * lmad)) {
				v->slow = 1;
				len += (size_t)snprintf(v->reason + len, sizeof(v->reason) - len,
					"p99 latency %.0f us against %.0f us of its %s; ",
					in[k].p99_us, lref, m >= 3 ? "cohort's median" : "peer");
			}
		}
		if (s && k < s->ntargets)
			v->ncliffs = dgen_cliffs_find(s, k, o, v->cliffs,
						      DGEN_CLIFFS_MAX);
		if (v->ncliffs && len < sizeof(v->reason))
			len += (size_t)snprintf(v->reason + len, sizeof(v->reason) - len,
				"%u cliff%s, the first at %.1f s from %.3f to %.3f GB/s; ",
				v->ncliffs, v->ncliffs > 1 ? "s" : "",
				v->cliffs[0].at_s, v->cliffs[0].before_gbps,
				v->cliffs[0].after_gbps);
		if (in[k].unhealthy && len < sizeof(v->reason))
			len += (size_t)snprintf(v->reason + len, sizeof(v->reason) - len,
						"the device reports itself unhealthy; ");
		if (in[k].error && !in[k].hung && len < sizeof(v->reason))
			len += (size_t)snprintf(v->reason + len, sizeof(v->reason) - len,
						"an I/O failed; ");
		if (in[k].hung && len < sizeof(v->reason))
			len += (size_t)snprintf(v->reason + len, sizeof(v->reason) - len,
						"an I/O timed out; ");
		if (len >= sizeof(v->reason))
			len = sizeof(v->reason) - 1;
		if (len >= 2 && v->reason[len - 2] == ';')
			v->reason[len - 2] = 0;
		v->verdict = in[k].hung ? DGEN_VERDICT_HUNG :
			     in[k].error ? DGEN_VERDICT_ERROR :
			     in[k].unhealthy ? DGEN_VERDICT_UNHEALTHY :
			     v->ncliffs ? DGEN_VERDICT_CLIFF :
			     v->slow ? DGEN_VERDICT_SLOW : DGEN_VERDICT_OK;
	}
	free(gbps);
	free(p99);
}
