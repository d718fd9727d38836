/* SPDX-License-Identifier: MIT */
/*
 * drive.h - dgen-uring's per-target view of a run: --log, --io-timeout,
 * --steady-state, --plot, verdicts and --fail-on, for the write path
 * (dgen-uring.c) and verify and burn-in (burnin.c) alike
 */
#ifndef DGEN_TOOLS_DRIVE_H
#define DGEN_TOOLS_DRIVE_H

#include <stddef.h>
#include <stdio.h>

#include <dgen/dgen.h>

#define EXIT_HUNG	3		/* an I/O timed out: an I/O error */

/* The options, in the order dgen-uring's option table lists them. */
enum drive_opt_id {
	DRIVE_LOG,			/* --log FILE */
	DRIVE_LOG_INTERVAL,		/* --log-interval SECONDS */
	DRIVE_IO_TIMEOUT,		/* --io-timeout SECONDS */
	DRIVE_FAIL_ON,			/* --fail-on slow,cliff */
	DRIVE_STEADY,			/* --steady-state[=SPEC] */
	DRIVE_PLOT,			/* --plot FILE.svg */
	DRIVE_PLOT_FROM,		/* --plot-from LOG */
	DRIVE_OPTS
};

struct drive_opts {
	int set;			/* any of them given */
	const char *log, *plot, *plot_from;
	double interval_s, io_timeout_s;
	int fail_slow, fail_cliff;
	int steady;
	struct dgen_steady_opts steady_opts;
};

void drive_opts_init(struct drive_opts *o);
int drive_opt(struct drive_opts *o, enum drive_opt_id id, const char *v,
	      char *msg, size_t msglen);

/* A run's monitor and what the report says of each target. */
struct drive {
	const struct drive_opts *o;
	struct dgen_monitor *m;
	FILE *log;
	unsigned int n;
	char **names;
	struct dgen_target_verdict *v;	/* after drive_finish */
	int json;			/* status lines as JSON */
	int hung;
};

/*
 * drive_start - before the first writer runs: open the log, make the
 * monitor for @n targets. Returns 0, or -errno after printing why.
 */
int drive_start(struct drive *d, const struct drive_opts *o,
		const struct dgen_target_info *infos, unsigned int n, int json);

/*
 * drive_poll - from the wait loop. Returns DGEN_MONITOR_* bits; on a
 * hang it has already said so on stderr and set d->hung.
 */
unsigned int drive_poll(struct drive *d);

/*
 * drive_event - what the monitor reported (DGEN_MONITOR_* bits @ev, from
 * drive_poll or a run's event callback): say a steady state or a hang on
 * stderr at once; a hang sets d->hung.
 */
void drive_event(struct drive *d, unsigned int ev);

/*
 * drive_settle - the writer @w (attached with dgen_monitor_begin) ended:
 * waited for (@res filled by dgen_writer_wait), or, after a hang,
 * abandoned here (dgen_writer_abandon fills @res). Returns res->error, or
 * -ETIMEDOUT after a hang.
 */
int drive_settle(struct drive *d, struct dgen_writer *w,
		 struct dgen_writer_result *res);

/* drive_finish - the run is over: last interval, verdicts, --plot. */
void drive_finish(struct drive *d);

/* drive_target_json - target @k's members of targets[] (after "bytes"). */
void drive_target_json(const struct drive *d, unsigned int k, int verify);

/* drive_target_human - target @k's lines of the human report. */
void drive_target_human(const struct drive *d, unsigned int k, int verify);

/* drive_pass_json / _human - pass @n's figures per target, if recorded. */
void drive_pass_json(const struct drive *d, uint64_t n);
void drive_pass_human(const struct drive *d, uint64_t n);

/* drive_run_json / _human - steady state and the hang, at the report's end. */
void drive_run_json(const struct drive *d);
void drive_run_human(const struct drive *d);

/* drive_status - the per-target part of a status line (JSON or text). */
void drive_status(const struct drive *d, FILE *f, int json);

/* drive_exit - the exit status from @rc and --fail-on. */
int drive_exit(const struct drive *d, int rc);

/*
 * drive_leave - after the report of a hung run: flush and exit with @rc
 * at once. The abandoned writer's threads wait in the kernel for I/O that
 * may never complete; nothing of it may be freed, and the process goes
 * once the kernel lets the I/O go.
 */
__attribute__((noreturn)) void drive_leave(int rc);

/* drive_free - release what drive_start made. */
void drive_free(struct drive *d);

/* drive_plot_from - --plot-from LOG --plot FILE: redraw; exit status. */
int drive_plot_from(const struct drive_opts *o);

#endif /* DGEN_TOOLS_DRIVE_H */
