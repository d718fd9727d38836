/* SPDX-License-Identifier: MIT */
/*
 * dgen/report.h - a run's reports: human and JSON, its status and exit
 * status, the lines that say what failed, and the live status line
 *
 * Every job of dgen/run.h (a write of targets, verify and burn-in, a tree,
 * stdout, a discard, a dry run, a fleet) is reported by the same calls,
 * from the run and its result: dgen-uring prints exactly these, so a
 * library user gets the report that scripts read. The JSON report's keys,
 * per kind of job, are documented in doc/report.md; every JSON report
 * carries "report_version", which changes when a key changes meaning or
 * goes away (keys are only added within a version).
 *
 * The writers return 0, or -errno when the output could not be written
 * (a full disk, a closed pipe): a report cut short must not pass for one
 * that was written.
 */
#ifndef DGEN_REPORT_H
#define DGEN_REPORT_H

#include <stdio.h>

#include <dgen/run.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DGEN_REPORT_VERSION	1

/* The exit statuses of dgen-uring (and dgen-inspect), one meaning each. */
enum dgen_exit {
	DGEN_EXIT_OK = 0,		/* done, nothing wrong found */
	DGEN_EXIT_MISMATCH = 1,		/* verify found bad data */
	DGEN_EXIT_FAILED = 1,		/* dgen-inspect: it could not measure
					   (out of memory and the like) */
	DGEN_EXIT_USAGE = 2,		/* bad usage, or a refused target:
					   nothing was written */
	DGEN_EXIT_IO = 3,		/* an I/O error or a hang */
	DGEN_EXIT_UNHEALTHY = 4,	/* an NVMe drive judged unhealthy (wins
					   over 1, 3 and 130) */
	DGEN_EXIT_VERDICT = 5,		/* a verdict that watch.fail_on names */
	DGEN_EXIT_INTERRUPTED = 130,	/* a stop (SIGINT, SIGTERM) */
};

/*
 * dgen_report_status - the outcome of @r from its result @res: sets
 * *@status to the report's status word ("ok", "mismatch", "error",
 * "hung", "interrupted", "unhealthy", "closed", "stopped", "lost") and
 * returns the exit status. An I/O error or a hang (3) wins over bad data
 * (1), bad data over a stop (130), and an unhealthy drive (4) over all
 * three; a verdict that watch.fail_on names makes an otherwise clean run
 * 5. A stop flag (dgen_run_opts.stop) set after the run counts as a stop.
 */
int dgen_report_status(const struct dgen_run *r,
		       const struct dgen_run_result *res, const char **status);

/*
 * dgen_report_json - the JSON report of @r and its result @res to @f:
 * one object, keys as doc/report.md lists them for the kind of job.
 * dgen_report_human - the same for people. Both return 0 or -errno.
 */
int dgen_report_json(FILE *f, const struct dgen_run *r,
		     const struct dgen_run_result *res);
int dgen_report_human(FILE *f, const struct dgen_run *r,
		      const struct dgen_run_result *res);

/*
 * dgen_report_errors - the sentences that say what failed (which target
 * or file, which offset, what the kernel said), one line each, @prefix
 * before each ("dgen-uring: "); nothing for a run that did not fail.
 * Returns 0 or -errno.
 */
int dgen_report_errors(FILE *f, const char *prefix, const struct dgen_run *r,
		       const struct dgen_run_result *res);

/* The forms of a progress line (dgen_report_progress). */
enum dgen_progress_form {
	DGEN_PROGRESS_LINE,		/* a line per call, for a log */
	DGEN_PROGRESS_JSON,		/* a JSON object per line */
	DGEN_PROGRESS_LIVE,		/* one line redrawn in place, for a
					   terminal */
};

/* What a series of progress lines keeps between calls; zero it first. */
struct dgen_report_progress {
	double last_s;			/* the last line's time and bytes */
	uint64_t last_b;
	int drawn;			/* a live line is on the terminal */
};

/*
 * dgen_report_progress - one status line of a run from its progress @p (a
 * dgen_run_opts.progress callback's): time, pass and phase, bytes (and,
 * live, the percent of the run and the time left where they are known),
 * GB/s since the last line, mismatches so far (when verifying) and the
 * slowest target of the last interval (several targets, with a monitor);
 * JSON lines carry every target's GB/s. @prefix starts a text line
 * ("dgen-uring: "). Returns 0 or -errno.
 */
int dgen_report_progress(FILE *f, const char *prefix,
			 struct dgen_report_progress *st,
			 const struct dgen_run_progress *p,
			 enum dgen_progress_form form);

/*
 * dgen_report_progress_clear - take a live line off the terminal (before
 * other output, and at the end). Returns 0 or -errno.
 */
int dgen_report_progress_clear(FILE *f, struct dgen_report_progress *st);

/*
 * dgen_json_string - @s to @f as a JSON string, quotes included: quotes,
 * backslashes and control characters escaped, and every byte that is not
 * part of valid UTF-8 (RFC 3629) escaped as the code point of the same
 * number: byte 0xXX as \u00XX (a path is bytes, JSON is Unicode). Valid
 * UTF-8 is copied as it is, so in the text the escapes \u0080 to \u00ff
 * only ever stand for such bytes. Every string a report, a status line, a log or a journal takes
 * from outside (paths, strerror, the library's sentences) goes through
 * it. Returns 0 or -errno.
 */
int dgen_json_string(FILE *f, const char *s);

/* ===== Power-loss verify ===== */

struct dgen_crash_job;

/*
 * dgen_report_crash_status - the outcome of a --verify-crash job: sets
 * *@status to "ok", "lost-flushed", "corrupt", "torn" (only with
 * --fail-on torn) or "error" (a target could not be read) and returns
 * the exit status: 1 for the first three, 3 for an error (which wins).
 */
int dgen_report_crash_status(const struct dgen_crash_job *j,
			     const char **status);

/*
 * dgen_report_crash_json - the JSON report of a --verify-crash job @j to
 * @f (kind `verify-crash` in doc/report.md); dgen_report_crash_human -
 * the same for people. 0 or -errno.
 */
int dgen_report_crash_json(FILE *f, const struct dgen_crash_job *j);
int dgen_report_crash_human(FILE *f, const struct dgen_crash_job *j);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_REPORT_H */
