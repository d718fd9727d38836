/* SPDX-License-Identifier: MIT */
/*
 * dgen/monitor.h - watch a run's targets while it goes: interval rows and
 * their log, per-target figures per phase, the I/O watchdog, steady state
 *
 * A monitor lives for a whole run (all its passes and phases); each
 * source of figures of the run is attached while it runs
 * (dgen_monitor_begin_source ... _end): a writer made with
 * dgen_writer_opts.target_stats set (dgen_monitor_begin), or anything
 * else that can say, per watched target, what it has done and what it has
 * had in flight longest (an object store's job, whose targets are its
 * endpoints). The caller's wait loop calls dgen_monitor_poll often (every
 * 10 ms is fine): once per interval it samples the source (dgen/sample.h),
 * adds one row per target to the series, writes and flushes them to the
 * log, and feeds the steady-state test; every poll past 100 ms it looks
 * for an I/O older than the timeout. Nothing here runs on the source's
 * threads.
 */
#ifndef DGEN_MONITOR_H
#define DGEN_MONITOR_H

#include <stdint.h>
#include <stdio.h>

#include <dgen/sample.h>
#include <dgen/series.h>
#include <dgen/steady.h>
#include <dgen/verdict.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DGEN_IO_TIMEOUT_DEFAULT	30.0	/* seconds */
/*
 * A gap this long between two looks of a loop that looks every few
 * milliseconds means the process did not run (SIGSTOP or Ctrl-Z, a
 * debugger, a paused VM); time while stopped is no target's, so whatever
 * counts an I/O's time (the monitor's watchdog, an object store's idle
 * limit and retry bound) counts again from the resume.
 */
#define DGEN_STOP_GAP_NS	1000000000ull

struct dgen_monitor_opts {
	double interval_s;		/* row interval (1 s) */
	double io_timeout_s;		/* 0: no watchdog (30 s) */
	FILE *log;			/* JSON lines, or NULL */
	int steady;			/* run the steady-state test */
	struct dgen_steady_opts steady_opts;
	struct dgen_verdict_opts verdict_opts;
};

/* dgen_monitor_opts_init - 1 s, 30 s, no log, no steady-state test. */
void dgen_monitor_opts_init(struct dgen_monitor_opts *o);

/* What a target did in one phase (or all phases of a kind), as reported. */
struct dgen_target_figures {
	uint64_t bytes, ios, errors;
	double seconds;			/* first submission to last completion
					   (summed over passes) */
	double gbps, iops;
	double lat_min_us, lat_mean_us, lat_p50_us, lat_p99_us,
	       lat_p999_us, lat_max_us;
};

/* One writer run: its pass, its phase, each target's figures. */
struct dgen_monitor_phase {
	uint64_t pass;
	enum dgen_phase phase;
	struct dgen_target_figures *targets;	/* one per target */
};

/* The first I/O found outstanding past the timeout. */
struct dgen_monitor_hang {
	unsigned int target;
	uint64_t offset;
	uint32_t len;
	double seconds;			/* outstanding when seen */
	double at_s;			/* s from the run's start */
};

#define DGEN_MONITOR_TICK	(1u << 0)	/* an interval ended: rows added */
#define DGEN_MONITOR_HUNG	(1u << 1)	/* a hang was found (once) */
#define DGEN_MONITOR_STEADY	(1u << 2)	/* steady state reached (once) */

struct dgen_monitor;

/*
 * dgen_monitor_new - a monitor for @n targets named @names, of cohort
 * @kinds (e.g. enum dgen_target_type; NULL: all one kind). The run's clock
 * starts now. Returns 0, -EINVAL (interval not positive), or -ENOMEM.
 */
int dgen_monitor_new(struct dgen_monitor **out,
		     const struct dgen_monitor_opts *o,
		     const char *const *names, const int *kinds,
		     unsigned int n);

/* dgen_monitor_free - release @m; NULL is allowed. */
void dgen_monitor_free(struct dgen_monitor *m);

/*
 * What a monitor asks of the source it watches, from the caller's thread
 * while the source's own threads run. Target k is the monitor's target k.
 */
struct dgen_monitor_source {
	/* Target @k's figures so far (all of this source's, never reset):
	   0, or a negative errno (the sample then counts as nothing). */
	int (*sample)(void *arg, unsigned int k,
		      struct dgen_target_sample *out);
	/* Each target's oldest I/O in flight (@out: one per target; since_ns
	   0 for none): 0, or a negative errno (then none is watched). */
	int (*outstanding)(void *arg, struct dgen_io_outstanding *out);
	/* Give up on what is in flight, without waiting for it (after a
	   hang); the caller of the monitor calls it, never the monitor. */
	void (*abandon)(void *arg);
	void *arg;
};

/*
 * dgen_monitor_watch_flushes - log, in each interval's row of every
 * target, the flushes @acked saw complete in it (count, the slowest):
 * the monitor's targets are the tracker's, in order. NULL: none.
 */
struct dgen_acked;
void dgen_monitor_watch_flushes(struct dgen_monitor *m,
				struct dgen_acked *acked);

/*
 * dgen_monitor_begin_source - @src (its targets those of the monitor, in
 * order; copied) runs phase @ph of pass @pass; @sizes: the bytes each
 * target has to do in it.
 */
void dgen_monitor_begin_source(struct dgen_monitor *m,
			       const struct dgen_monitor_source *src,
			       enum dgen_phase ph, uint64_t pass,
			       const uint64_t *sizes);

/*
 * dgen_monitor_begin - dgen_monitor_begin_source for the writer @w
 * (started, with target_stats, its targets those of the monitor in
 * order): dgen_writer_sample, dgen_writer_outstanding; abandon is a stop
 * (dgen_writer_abandon needs the result it fills).
 */
void dgen_monitor_begin(struct dgen_monitor *m, struct dgen_writer *w,
			enum dgen_phase ph, uint64_t pass,
			const uint64_t *sizes);

/*
 * dgen_monitor_log_error - flush the log (dgen_monitor_opts.log) and
 * return the first error writing it met, as -errno; 0 if none.
 */
int dgen_monitor_log_error(struct dgen_monitor *m);

/* dgen_monitor_poll - see above; returns DGEN_MONITOR_* bits. */
unsigned int dgen_monitor_poll(struct dgen_monitor *m);

/*
 * dgen_monitor_end - the attached source has finished (waited for, or
 * abandoned): take its final figures as the phase's. @error_target: the
 * target whose I/O failed, or -1.
 */
void dgen_monitor_end(struct dgen_monitor *m, int error_target);

/* dgen_monitor_finish - the run is over: the last, partial interval's rows. */
void dgen_monitor_finish(struct dgen_monitor *m);

/* dgen_monitor_figures - target @k over all phases @ph of the run. */
void dgen_monitor_figures(const struct dgen_monitor *m, unsigned int k,
			  enum dgen_phase ph, struct dgen_target_figures *out);

/* dgen_monitor_phases - writer runs recorded; *@out: them, in order. */
unsigned int dgen_monitor_phases(const struct dgen_monitor *m,
				 const struct dgen_monitor_phase **out);

/* dgen_monitor_set_unhealthy - the device of target @k reports failing. */
void dgen_monitor_set_unhealthy(struct dgen_monitor *m, unsigned int k);

/*
 * dgen_monitor_verdicts - a verdict per target (@out: n entries): slow
 * from the write phases' figures (the verify phases' when nothing was
 * written), cliffs from the series, hung from the watchdog.
 */
void dgen_monitor_verdicts(const struct dgen_monitor *m,
			   struct dgen_target_verdict *out);

/* dgen_monitor_hang - 1 and *@out when the watchdog fired, else 0. */
int dgen_monitor_hang(const struct dgen_monitor *m,
		      struct dgen_monitor_hang *out);

/* dgen_monitor_steady - the steady-state test, NULL when not asked for. */
const struct dgen_steady *dgen_monitor_steady(const struct dgen_monitor *m);

/* dgen_monitor_series - the rows and events so far. */
const struct dgen_series *dgen_monitor_series(const struct dgen_monitor *m);

/*
 * dgen_monitor_rate - target @k's GB/s in the last interval; -1 before
 * the first. dgen_monitor_slowest - the target slowest in the last
 * interval among those that had work, -1 when none.
 */
double dgen_monitor_rate(const struct dgen_monitor *m, unsigned int k);
int dgen_monitor_slowest(const struct dgen_monitor *m);

/* dgen_monitor_seconds - seconds since the monitor was made. */
double dgen_monitor_seconds(const struct dgen_monitor *m);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_MONITOR_H */
