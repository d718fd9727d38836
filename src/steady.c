// SPDX-License-Identifier: MIT
/*
 * steady.c - SNIA PTS steady-state test over a sliding window of rounds
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/steady.h>

#include "refuse.h"

void dgen_steady_opts_init(struct dgen_steady_opts *o)
{
	o->window = 5;
	o->range = 0.20;
	o->slope = 0.10;
}

/* "20%" or "0.2" as 0.2; -1 when it is neither. */
static double fraction(const char *v)
{
	char *end;
	double x = strtod(v, &end);

	if (end == v || x < 0)
		return -1;
	if (*end == '%') {
		x /= 100;
		end++;
	}
	return *end ? -1 : x;
}

int dgen_steady_parse(struct dgen_steady_opts *o, const char *spec,
		      char *msg, size_t msglen)
{
	char *dup, *tok, *save = NULL;
	int r = 0;

	dgen_steady_opts_init(o);
	if (!spec || !*spec)
		return 0;
	dup = strdup(spec);
	if (!dup)
		return -ENOMEM;
	for (tok = strtok_r(dup, ",", &save); tok && !r;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		double x;

		if (!eq) {
			r = dgen_refuse(-EINVAL, msg, msglen,
					"'%s' is not NAME=VALUE: give window=N, range=P%% or slope=P%%",
					tok);
			break;
		}
		*eq++ = 0;
		if (!strcmp(tok, "window")) {
			char *end;
			unsigned long w = strtoul(eq, &end, 10);

			if (*end || end == eq || w < 2 || w > DGEN_STEADY_WINDOW_MAX)
				r = dgen_refuse(-EINVAL, msg, msglen,
						"window=%s: give 2 to %u rounds",
						eq, DGEN_STEADY_WINDOW_MAX);
			o->window = (unsigned int)w;
		} else if (!strcmp(tok, "range") || !strcmp(tok, "slope")) {
			x = fraction(eq);
			if (x <= 0 || x > 10)
				r = dgen_refuse(-EINVAL, msg, msglen,
						"%s=%s: give a share of the mean such as 20%%",
						tok, eq);
			if (!strcmp(tok, "range"))
				o->range = x;
			else
				o->slope = x;
		} else {
			r = dgen_refuse(-EINVAL, msg, msglen,
					"unknown steady-state setting '%s': give window, range or slope",
					tok);
		}
	}
	free(dup);
	return r;
}

void dgen_steady_init(struct dgen_steady *st, const struct dgen_steady_opts *o)
{
	memset(st, 0, sizeof(*st));
	if (o)
		st->o = *o;
	else
		dgen_steady_opts_init(&st->o);
	if (st->o.window < 2)
		st->o.window = 2;
	if (st->o.window > DGEN_STEADY_WINDOW_MAX)
		st->o.window = DGEN_STEADY_WINDOW_MAX;
}

int dgen_steady_feed(struct dgen_steady *st, double t, uint64_t bytes,
		     double gbps)
{
	const unsigned int W = st->o.window;
	double mean = 0, lo = INFINITY, hi = -INFINITY, sxy = 0, sxx = 0;

	st->v[st->count++ % W] = gbps;
	if (st->reached || st->count < W)
		return 0;
	/* The window in time order: round j is v[(count - W + j) % W]. */
	for (unsigned int j = 0; j < W; j++) {
		double y = st->v[(st->count - W + j) % W];

		mean += y;
		lo = y < lo ? y : lo;
		hi = y > hi ? y : hi;
	}
	mean /= W;
	if (mean <= 0)
		return 0;
	/* Least squares slope over x = 0..W-1, centred. */
	for (unsigned int j = 0; j < W; j++) {
		double x = j - (W - 1) / 2.0;

		sxy += x * (st->v[(st->count - W + j) % W] - mean);
		sxx += x * x;
	}
	st->range = (hi - lo) / mean;
	st->slope = fabs(sxy / sxx) * (W - 1) / mean;
	if (st->range > st->o.range || st->slope > st->o.slope)
		return 0;
	st->reached = 1;
	st->at_s = t;
	st->at_bytes = bytes;
	st->mean_gbps = mean;
	return 1;
}
