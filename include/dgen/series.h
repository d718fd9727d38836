/* SPDX-License-Identifier: MIT */
/*
 * dgen/series.h - a run's figures over time, per target and interval, and
 * their JSON-lines log
 *
 * One row per target per interval: what the target completed in it, and
 * its latency. The log (dgen-uring --log) holds the same rows, one JSON
 * object a line, written and flushed as each interval ends, so a run
 * killed hard still leaves its history; dgen_series_read takes a log
 * back (dgen-uring --plot-from).
 */
#ifndef DGEN_SERIES_H
#define DGEN_SERIES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

enum dgen_phase {
	DGEN_PHASE_WRITE,
	DGEN_PHASE_VERIFY,
	DGEN_PHASES
};

/* dgen_phase_name - "write", "verify"; NULL otherwise. */
const char *dgen_phase_name(enum dgen_phase ph);

struct dgen_series_row {
	double t;			/* s from the run's start to the
					   interval's end */
	double dt;			/* the interval's length, s */
	uint64_t pass;			/* the pass running at its end */
	uint64_t bytes;			/* completed in the interval */
	uint64_t bytes_total;		/* by the target in the run so far */
	uint64_t ios;			/* I/Os completed in the interval */
	float p50_us, p99_us, max_us;	/* latency of those I/Os; 0: none */
	uint32_t target;		/* index into the series' names */
	uint8_t phase;			/* enum dgen_phase at its end */
	uint8_t flushing;		/* the run flushes this target: the
					   two below are logged */
	uint32_t flushes;		/* flushes completed in the interval */
	float flush_max_us;		/* the slowest of them; 0: none */
};

/* Something that happened to a target at a time, for reports and plots. */
enum dgen_event_kind {
	DGEN_EVENT_HUNG,		/* an I/O outstanding past --io-timeout */
};

struct dgen_series_event {
	double t;			/* s from the run's start */
	double seconds;			/* hung: how long it was outstanding */
	uint64_t offset;		/* hung: its target byte offset */
	uint32_t target;
	enum dgen_event_kind kind;
};

struct dgen_series {
	unsigned int ntargets;
	char **names;			/* target paths */
	struct dgen_series_row *rows;	/* in time order */
	size_t nrows, cap;
	struct dgen_series_event *events;
	size_t nevents, ecap;
};

/* dgen_series_row_gbps - the row's rate, 10^9 bytes per second. */
static inline double dgen_series_row_gbps(const struct dgen_series_row *r)
{
	return r->dt > 0 ? (double)r->bytes / r->dt / 1e9 : 0;
}

/* dgen_series_new - an empty series of @n targets named @names (copied). */
int dgen_series_new(struct dgen_series **out, const char *const *names,
		    unsigned int n);

/* dgen_series_free - release @s; NULL is allowed. */
void dgen_series_free(struct dgen_series *s);

/* dgen_series_add - append a row or an event. Returns 0 or -ENOMEM. */
int dgen_series_add(struct dgen_series *s, const struct dgen_series_row *r);
int dgen_series_add_event(struct dgen_series *s,
			  const struct dgen_series_event *e);

/*
 * dgen_series_log_row - write @r as one JSON line to @f (not flushed):
 * {"time": s, "target": path, "phase": "write", "pass": n,
 *  "interval_s": s, "bytes": n, "bytes_total": n, "gbps": x, "iops": x,
 *  "lat_p50_us": x, "lat_p99_us": x, "lat_max_us": x}
 * dgen_series_log_event - the same for an event:
 * {"time": s, "target": path, "event": "hung", "offset": n, "seconds": x}
 * Return 0 or -EIO.
 */
int dgen_series_log_row(FILE *f, const struct dgen_series *s,
			const struct dgen_series_row *r);
int dgen_series_log_event(FILE *f, const struct dgen_series *s,
			  const struct dgen_series_event *e);

/*
 * dgen_series_read - a series from a log as the functions above write it;
 * targets are numbered in the order they first appear, blank lines are
 * skipped. Returns 0 and sets *@out, -EINVAL with the line's number in
 * @msg when a line is not one of ours, -ENOMEM, or -EIO.
 */
int dgen_series_read(struct dgen_series **out, FILE *f, char *msg,
		     size_t msglen);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_SERIES_H */
