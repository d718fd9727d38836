// SPDX-License-Identifier: MIT
/*
 * run_monitor.c - a run's own monitor (DGEN_RUN_WATCH): its log, what it
 * says while the run goes (a hang, a steady state), its verdicts and its
 * plot at the end
 *
 * The monitor does the watching (dgen/monitor.h); this makes one for the
 * run's open targets (or an object store's endpoints) from its options and
 * turns its findings into the run's state and notices.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/plot.h>

#include "run_impl.h"

int run_monitor_new(struct dgen_run *r, const char *const *names,
		    const int *kinds, unsigned int n, char *msg, size_t msglen)
{
	const struct dgen_run_watch *wo = &r->o.watch;
	struct dgen_monitor_opts mo;
	int err;

	r->watched = calloc(n + 1, sizeof(*r->watched));
	if (!r->watched) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	memcpy(r->watched, names, n * sizeof(*names));
	r->nwatched = n;
	if (wo->log) {
		r->log = fopen(wo->log, "w");
		if (!r->log) {
			err = -errno;
			snprintf(msg, msglen, "cannot write the log %s: %s",
				 wo->log, strerror(-err));
			return err;
		}
	}
	dgen_monitor_opts_init(&mo);
	mo.interval_s = wo->interval_s;
	mo.io_timeout_s = wo->io_timeout_s;
	mo.log = r->log;
	mo.steady = wo->steady;
	mo.steady_opts = wo->steady_opts;
	err = dgen_monitor_new(&r->monitor, &mo, names, kinds, n);
	if (err)
		snprintf(msg, msglen, "cannot watch the targets: %s",
			 strerror(-err));
	else
		r->own_monitor = 1;
	return err;
}

int run_monitor_targets(struct dgen_run *r, char *msg, size_t msglen)
{
	const char **names = calloc(r->ntargets + 1, sizeof(*names));
	int *kinds = calloc(r->ntargets + 1, sizeof(*kinds));
	int err = -ENOMEM;

	if (!names || !kinds) {
		snprintf(msg, msglen, "out of memory");
		goto out;
	}
	for (unsigned int k = 0; k < r->ntargets; k++) {
		struct dgen_target_info i;

		dgen_target_info_get(r->targets[k], &i);
		names[k] = i.path;
		kinds[k] = (int)i.type;
	}
	err = run_monitor_new(r, names, kinds, r->ntargets, msg, msglen);
out:
	free(names);
	free(kinds);
	return err;
}

int run_monitor_event(struct dgen_run *r, unsigned int ev)
{
	const struct dgen_steady *st = dgen_monitor_steady(r->monitor);
	struct dgen_monitor_hang h;

	if (ev & DGEN_MONITOR_STEADY) {
		r->steady = 1;
		if (st)
			run_notice(r, "steady state at %.1f s: %.3f GB/s; stopping",
				   st->at_s, st->mean_gbps);
	}
	if ((ev & DGEN_MONITOR_HUNG) && dgen_monitor_hang(r->monitor, &h)) {
		r->hung = 1;
		run_notice(r, "%s hung: %s of %u bytes at offset %llu has been outstanding for %.1f s (--io-timeout %g s); stopping",
			   r->watched[h.target], r->obj ? "a request" : "an I/O",
			   h.len, (unsigned long long)h.offset, h.seconds,
			   r->o.watch.io_timeout_s);
	}
	return r->hung;
}

void run_monitor_finish(struct dgen_run *r)
{
	const char *plot = r->o.watch.plot;
	FILE *f;

	if (!r->own_monitor)
		return;
	dgen_monitor_finish(r->monitor);
	r->verdicts = calloc(r->nwatched + 1, sizeof(*r->verdicts));
	if (r->verdicts)
		dgen_monitor_verdicts(r->monitor, r->verdicts);
	/* A log that could not be written whole fails the run as a write
	 * does: a burn-in script reads it, and a silent gap lies. */
	if (r->log && dgen_monitor_log_error(r->monitor)) {
		int err = dgen_monitor_log_error(r->monitor);
		char m[600];

		snprintf(m, sizeof(m), "cannot write the log %s: %s",
			 r->o.watch.log, strerror(-err));
		run_error(r, err, -1, 0, "log", m);
	}
	if (!plot)
		return;
	f = fopen(plot, "w");
	if (!f || dgen_plot_svg(f, dgen_monitor_series(r->monitor), NULL,
				r->obj ? "dgen-uring: GB/s and p99 latency per endpoint" :
				"dgen-uring: GB/s and p99 latency per target") ||
	    fclose(f))
		run_notice(r, "cannot write the plot %s: %s", plot,
			   strerror(errno));
}

void run_monitor_free(struct dgen_run *r)
{
	/* The names and the log may be there without the monitor (it could
	 * not be made). */
	free(r->watched);
	if (r->log)
		fclose(r->log);
	r->watched = NULL;
	r->log = NULL;
	if (!r->own_monitor)
		return;
	dgen_monitor_free(r->monitor);
	free(r->verdicts);
	r->monitor = NULL;
	r->verdicts = NULL;
}
