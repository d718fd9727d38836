/* SPDX-License-Identifier: MIT */
/*
 * dgen/steady.h - has the throughput settled? (SNIA PTS steady state)
 *
 * The SNIA Solid State Storage Performance Test Specification calls a
 * measurement steady when, over a window of 5 rounds, the range of the
 * values (max - min) is within 20% of their mean and the best-fit line's
 * change across the window (slope x (window - 1) rounds) is within 10% of
 * the mean. Here a round is one interval of the run's rate, all targets
 * together; window and both limits are settable.
 */
#ifndef DGEN_STEADY_H
#define DGEN_STEADY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DGEN_STEADY_WINDOW_MAX	64

struct dgen_steady_opts {
	unsigned int window;		/* rounds, 2 to 64 (5) */
	double range;			/* (max - min) / mean at most (0.20) */
	double slope;			/* |slope| (window - 1) / mean at most (0.10) */
};

/* dgen_steady_opts_init - the SNIA PTS defaults. */
void dgen_steady_opts_init(struct dgen_steady_opts *o);

/*
 * dgen_steady_parse - "window=N,range=P%,slope=P%" (any of them, in any
 * order; a fraction such as 0.2 is taken as well as 20%) over the
 * defaults. NULL or "" keeps the defaults. Returns 0 or -EINVAL with a
 * sentence in @msg.
 */
int dgen_steady_parse(struct dgen_steady_opts *o, const char *spec,
		      char *msg, size_t msglen);

struct dgen_steady {
	struct dgen_steady_opts o;
	double v[DGEN_STEADY_WINDOW_MAX];	/* the last rounds, a ring */
	unsigned int count;		/* rounds fed */
	int reached;
	double at_s;			/* when: the end of the window */
	uint64_t at_bytes;		/* bytes of the run by then */
	double mean_gbps;		/* the window's mean */
	double range, slope;		/* the window's, as fractions of its mean
					   (the last window fed) */
};

/* dgen_steady_init - an empty detector with @o (NULL: the defaults). */
void dgen_steady_init(struct dgen_steady *st, const struct dgen_steady_opts *o);

/*
 * dgen_steady_feed - one round: @gbps over the interval that ended at @t
 * seconds with @bytes done by then. Returns 1 on the round steady state
 * is first reached (then at_s, at_bytes, mean_gbps say where), else 0.
 */
int dgen_steady_feed(struct dgen_steady *st, double t, uint64_t bytes,
		     double gbps);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_STEADY_H */
