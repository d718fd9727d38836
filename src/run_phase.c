// SPDX-License-Identifier: MIT
/*
 * run_phase.c - one phase of a run through the engine, and the watch
 * that every phase runs under
 *
 * The run's thread waits for a phase in slices of RUN_POLL_NS: it stops
 * the phase at the deadline or once a stop is asked for (so a stop needs
 * nothing from a signal handler but a flag), polls the monitor (a hang
 * ends the wait at once, without waiting for the stuck I/O), and calls
 * the progress callback, whose figures cover the whole run however short
 * its phases.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "run_impl.h"

int run_tick(struct dgen_run *r, uint64_t n, enum dgen_writer_mode mode,
	     uint64_t bytes, uint64_t bad)
{
	const uint64_t every = (uint64_t)(r->o.progress_s * 1e9);
	uint64_t t = dgen_clock_ns();

	if (every && r->o.progress && t - r->progress_t >= every) {
		r->progress_t = t;
		r->o.progress(&(struct dgen_run_progress) {
			.run = r, .pass = n, .phase = mode,
			.bytes = r->bytes_before + bytes,
			.mismatches = r->bad_before + bad,
			.seconds = (double)(t - r->t0) / 1e9,
		}, r->o.progress_arg);
	}
	return run_stopping(r) || run_past_deadline(r);
}

/*
 * Poll the monitor of an engine phase: a steady state stops the run as a
 * deadline does; a hang ends the watch at once (returns 1).
 */
static int monitor_poll(struct dgen_run *r)
{
	unsigned int ev = dgen_monitor_poll(r->monitor);
	int hung = ev ? run_monitor_event(r, ev) : 0;

	if (ev && r->o.event)
		r->o.event(ev, r->o.progress_arg);
	return hung;
}

void run_watch(struct dgen_run *r, const struct run_probe *pr, uint64_t n,
	       enum dgen_writer_mode mode)
{
	const struct timespec poll = { 0, RUN_POLL_NS };
	uint64_t deadline_stop = 0;	/* when the deadline stopped it */
	int stopped = 0;

	for (;;) {
		/* A stop asked for before the phase began is seen at once. */
		if (!stopped && (run_stopping(r) || run_past_deadline(r))) {
			pr->stop(pr->arg);
			stopped = 1;
			if (!run_stopping(r))
				deadline_stop = dgen_clock_ns();
		}
		if (!pr->running(pr->arg))
			break;
		nanosleep(&poll, NULL);
		if (pr->monitored && r->monitor && monitor_poll(r))
			break;		/* hung: never wait for the stuck I/O */
		run_tick(r, n, mode, pr->bytes(pr->arg),
			 mode == DGEN_MODE_VERIFY ? pr->mismatches(pr->arg) : 0);
	}
	/* Submitting stopped at the deadline; what was in flight drained
	 * (or hung: then the watch ended at the timeout). */
	if (deadline_stop)
		r->res->drain_s += (double)(dgen_clock_ns() - deadline_stop) / 1e9;
}

static int w_running(void *w)
{
	return dgen_writer_running(w) > 0;
}

static uint64_t w_bytes(void *w)
{
	return dgen_writer_bytes(w);
}

static uint64_t w_mismatches(void *w)
{
	return dgen_writer_mismatches(w);
}

static void w_stop(void *w)
{
	dgen_writer_stop(w);
}

/* Attach the running writer @w of pass @pass to the run's monitor. */
static void monitor_begin(struct dgen_run *r, struct dgen_writer *w,
			  struct dgen_target *const *targets, unsigned int n,
			  uint64_t pass, enum dgen_writer_mode mode)
{
	uint64_t *sizes = calloc(n ? n : 1, sizeof(*sizes));

	for (unsigned int k = 0; sizes && k < n; k++) {
		struct dgen_target_info i;

		dgen_target_info_get(targets[k], &i);
		sizes[k] = i.size;
	}
	dgen_monitor_begin(r->monitor, w, mode == DGEN_MODE_VERIFY ?
			   DGEN_PHASE_VERIFY : DGEN_PHASE_WRITE, pass, sizes);
	free(sizes);
}

int run_writer_new(struct dgen_run *r, struct dgen_writer **w,
		   enum dgen_writer_mode mode,
		   struct dgen_target *const *targets,
		   const struct dgen_stream *const *streams,
		   const struct dgen_stream *const *prev, unsigned int n,
		   char *msg, size_t msglen)
{
	struct dgen_writer_opts o = r->o.writer;

	o.mode = mode;
	o.prev_streams = mode == DGEN_MODE_VERIFY ? prev : NULL;
	o.max_report = r->o.max_report;
	o.rate = r->o.rate;
	o.target_stats = r->monitor != NULL;
	if (mode == DGEN_MODE_WRITE && r->acked) {
		o.acked = r->acked;
		o.journal = r->journal;
		o.pass = r->jpass;
		o.fua = r->o.fua;
	}
	return dgen_writer_new(w, &o, targets, streams, n, msg, msglen);
}

/* Wait for (or, hung, abandon) the started writer of a phase. */
static void phase_wait(struct dgen_run *r, struct dgen_writer *w,
		       struct dgen_writer_result *res, int started)
{
	struct dgen_monitor_hang h;

	if (r->hung && dgen_monitor_hang(r->monitor, &h)) {
		/* Report with what is known; the writer's threads may wait
		 * in the kernel for ever, so nothing of it is freed. */
		dgen_writer_abandon(w, res);
		dgen_monitor_end(r->monitor, (int)h.target);
		res->error = -ETIMEDOUT;
		res->error_target = (int)h.target;
		res->error_offset = h.offset;
		return;
	}
	dgen_writer_wait(w, res);
	if (r->monitor && started)
		dgen_monitor_end(r->monitor, res->error ? res->error_target : -1);
}

/* Add what the writer did to the phase, the result and the run. */
static void phase_add(struct dgen_run *r, struct dgen_run_phase *ph,
		      const struct dgen_writer *w,
		      const struct dgen_writer_result *res,
		      struct dgen_target *const *targets, unsigned int n,
		      enum dgen_writer_mode mode)
{
	for (unsigned int k = 0; k < n; k++) {
		struct dgen_target_info i;
		uint64_t b = dgen_writer_target_bytes(w, k);

		dgen_target_info_get(targets[k], &i);
		ph->files += b == i.size;
		if (r->ntargets && mode == DGEN_MODE_WRITE)
			r->target_bytes[k] += b;
	}
	dgen_latency_merge(&r->res->latency[mode], &res->latency);
	ph->bytes += res->bytes;
	ph->ops += res->ops;
	ph->short_writes += res->short_writes;
	ph->retries += res->retries;
	ph->mismatches += res->mismatches;
	ph->bad_sectors += res->bad_sectors;
	ph->seconds += res->seconds;
	ph->ring_features |= res->ring_features;
	ph->stopped |= res->stopped;
	ph->writer_runs++;
	for (unsigned int k = 0; k < DGEN_MISMATCH_KINDS; k++)
		ph->kinds[k] += res->kinds[k];
	r->bytes_before += res->bytes;
	if (r->plan)
		run_place_threads(r, w);
}

int run_engine_phase(struct dgen_run *r, uint64_t pass,
		     enum dgen_writer_mode mode, struct dgen_run_phase *ph,
		     struct dgen_mismatch_keep *keep,
		     struct dgen_target *const *targets,
		     const struct dgen_stream *const *streams,
		     const struct dgen_stream *const *prev,
		     unsigned int n, uint64_t first)
{
	struct dgen_writer_result res;
	struct dgen_writer *w = r->ready;
	struct run_probe pr = {
		.running = w_running, .bytes = w_bytes,
		.mismatches = w_mismatches, .stop = w_stop,
		.monitored = 1,
	};
	char msg[256];
	int err = 0;

	/* dgen_run_new made the first phase's engine, to refuse early. */
	r->ready = NULL;
	if (!w)
		err = run_writer_new(r, &w, mode, targets, streams, prev, n,
				     msg, sizeof(msg));
	if (err) {
		run_error(r, err, -1, 0, "start", msg);
		return err;
	}
	/* Stopped already: the workers start stopped and write nothing. */
	if (run_stopping(r))
		dgen_writer_stop(w);
	err = dgen_writer_start(w, msg, sizeof(msg));
	if (!err) {
		if (r->monitor)
			monitor_begin(r, w, targets, n, pass, mode);
		pr.arg = w;
		run_watch(r, &pr, pass, mode);
	}
	phase_wait(r, w, &res, !err);
	if (err)
		run_error(r, err, -1, 0, "start", msg);
	else if (res.error)
		run_error(r, err = res.error, res.error_target < 0 ? -1 :
			  (int64_t)(first + (uint64_t)res.error_target),
			  res.error_offset,
			  mode == DGEN_MODE_VERIFY ? "read" : "write", NULL);
	for (unsigned int i = 0; i < res.reported; i++) {
		struct dgen_verify_mismatch m = res.report[i];

		m.target = (unsigned int)(first + m.target);
		dgen_mismatch_keep_add(keep, &m);
	}
	phase_add(r, ph, w, &res, targets, n, mode);
	if (!r->hung)
		dgen_writer_free(w);
	return err;
}
