/* SPDX-License-Identifier: MIT */
/*
 * dgen/verdict.h - which target is slow, which fell off a cliff, which hung
 *
 * The rules (also in dgen-uring(1)):
 *
 * slow: targets are compared with the others of the same kind (block
 * devices with block devices, files with files) in the same run. The
 * reference is the cohort's median GB/s with three or more targets, the
 * faster one's with two. A target is slow when its GB/s is below
 * (1 - slow_margin) x the reference (default: under half) and, with three
 * or more, also more than slow_mads scaled MADs (1.4826 x the median
 * absolute deviation, default 3) below the median; or when its p99
 * latency is above reference / (1 - slow_margin) by the same tests. One
 * target alone is never slow.
 *
 * cliff: within one phase kind, the target's interval rates are compared
 * with its own earlier ones: interval i starts a cliff when its rate and
 * the next one's, and all but at most one of the cliff_window intervals
 * from it (default 5),
 * are below (1 - cliff_drop) x the median of the intervals before it since
 * the second (the first is warm-up) or since the last cliff (at least
 * cliff_window of them;
 * default drop 0.3, i.e. to under 70%). One or two slow intervals among
 * fast ones (a noisy interval, a pass boundary) are not a cliff, nor is
 * the tail of a run (a cliff needs cliff_window intervals from its start).
 * before_gbps is that median, after_gbps the window's median.
 *
 * error: an I/O of the target failed (ENOSPC, EIO, ...): whatever its
 * rate, it did not do its job. hung: an I/O outstanding longer than
 * --io-timeout (an event of the series). unhealthy: the device itself says so (NVMe health, where known).
 */
#ifndef DGEN_VERDICT_H
#define DGEN_VERDICT_H

#include <stdint.h>

#include <dgen/series.h>

#ifdef __cplusplus
extern "C" {
#endif

enum dgen_verdict {
	DGEN_VERDICT_OK,
	DGEN_VERDICT_SLOW,
	DGEN_VERDICT_CLIFF,
	DGEN_VERDICT_UNHEALTHY,
	DGEN_VERDICT_ERROR,		/* an I/O failed: ENOSPC, EIO, ... */
	DGEN_VERDICT_HUNG,		/* the most severe last */
};

/* dgen_verdict_name - "ok", "slow", "cliff", "unhealthy", "error", "hung". */
const char *dgen_verdict_name(enum dgen_verdict v);

struct dgen_verdict_opts {
	double slow_margin;		/* 0.5 */
	double slow_mads;		/* 3 */
	double cliff_drop;		/* 0.3 */
	unsigned int cliff_window;	/* 5 intervals */
};

/* dgen_verdict_opts_init - the defaults above. */
void dgen_verdict_opts_init(struct dgen_verdict_opts *o);

struct dgen_cliff {
	uint64_t at_bytes;		/* the target's bytes_total when it began */
	double at_s;			/* s from the run's start */
	double before_gbps;		/* median rate before */
	double after_gbps;		/* median rate of the window from it */
	enum dgen_phase phase;
};

/*
 * dgen_cliffs_find - the cliffs of target @k in @s (each phase on its
 * own). Writes at most @max to @out; returns how many there are.
 */
unsigned int dgen_cliffs_find(const struct dgen_series *s, unsigned int k,
			      const struct dgen_verdict_opts *o,
			      struct dgen_cliff *out, unsigned int max);

/* What the slow rule needs of one target. */
struct dgen_verdict_input {
	double gbps;			/* over its own time */
	double p99_us;
	int kind;			/* cohort: only equal kinds compare */
	int valid;			/* 0: wrote nothing, left out */
	int hung;			/* an I/O of it timed out */
	int error;			/* an I/O of it failed */
	int unhealthy;			/* the device reports itself failing */
};

#define DGEN_CLIFFS_MAX		8

struct dgen_target_verdict {
	enum dgen_verdict verdict;	/* the most severe that applies */
	int slow;
	unsigned int ncliffs;		/* may exceed DGEN_CLIFFS_MAX */
	struct dgen_cliff cliffs[DGEN_CLIFFS_MAX];
	double ref_gbps, ref_p99_us;	/* what slow compared with */
	char reason[256];		/* a sentence; "" when ok */
};

/*
 * dgen_verdicts - a verdict for each of the @n targets from their figures
 * @in and, when @s is not NULL, their intervals in @s (target k of @in is
 * target k of @s). @o NULL: the defaults.
 */
void dgen_verdicts(const struct dgen_verdict_input *in, unsigned int n,
		   const struct dgen_series *s,
		   const struct dgen_verdict_opts *o,
		   struct dgen_target_verdict *out);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_VERDICT_H */
