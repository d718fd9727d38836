/* SPDX-License-Identifier: MIT */
/*
 * report_impl.h - what the parts of the report module share
 *
 * report.c holds the public calls and the pieces every report is made of
 * (the head, strings, streams, latency, ring features); each other file
 * writes the reports of one kind of job, or one part of many:
 *   report_write.c	a plain write of targets, and its placement
 *   report_passes.c	verify and burn-in (passes over targets or a tree)
 *   report_target.c	per target: figures, verdicts, health, discard
 *   report_jobs.c	a tree written once, stdout, trim only, a dry run
 *   report_fleet.c	a fleet's, on the rank that reports
 *   report_objects.c	a run over objects: its store, endpoints, objects
 *   report_status.c	status and exit code, failures, progress lines
 * They read a run (run_impl.h) from above; nothing below calls them.
 */
#ifndef DGEN_REPORT_IMPL_H
#define DGEN_REPORT_IMPL_H

#include <stdio.h>

#include <dgen/dgen.h>

#include "run_impl.h"

/* The kinds of report, one per kind of job. */
enum rp_kind {
	RP_WRITE,			/* one pass writing targets */
	RP_PASSES,			/* verify and burn-in: targets or a tree */
	RP_TREE,			/* one pass writing a tree */
	RP_STDOUT,			/* one stream to a descriptor */
	RP_TRIM,			/* discard only */
	RP_DRY,				/* the plan only */
	RP_FLEET,			/* a fleet's */
	RP_OBJECTS,			/* any run over objects */
};

/* A report being written: where, from what, and the first write error. */
struct rep {
	FILE *f;
	int err;			/* the first failed write, -errno */
	int json;
	const struct dgen_run *r;
	const struct dgen_run_opts *o;
	const struct dgen_run_result *res;
	const char *status;
};

/* rp_kind_of - the kind of report @r's result @res calls for. */
enum rp_kind rp_kind_of(const struct dgen_run *r,
			const struct dgen_run_result *res);

/* rp - fprintf to the report, keeping the first error. */
__attribute__((format(printf, 2, 3)))
void rp(struct rep *p, const char *fmt, ...);

/* rp_str - @s as a JSON string (dgen_json_string). */
void rp_str(struct rep *p, const char *s);

/* rp_head - the JSON report's first members, up to and with "status". */
void rp_head(struct rep *p);

/* rp_engine - the run's engine and why: "engine" and "engine_reason"
 * members (JSON), or an "engine:" line. */
void rp_engine(struct rep *p);

#define RP_STREAM_ID		(1u << 0)	/* "stream_id" */
#define RP_STREAM_SIZE		(1u << 1)	/* "size" */

/*
 * rp_stream - a stream's parameters as JSON members (no braces), the one
 * way every report gives them: "seed" (@seed), then "stream_id" (@id) and
 * "size" (@size) as @fields asks, then the data parameters of @sp and the
 * dedup window its layout really has (when the size is known).
 */
void rp_stream(struct rep *p, const struct dgen_stream_params *sp,
	       uint64_t seed, uint64_t id, uint64_t size, unsigned int fields);

/*
 * rp_v3_human - for a stream of format 3 (id @id), one line after
 * @indent: its compress mix and ratio, its skew and top 1% share, or its
 * dedup domain (a stream of @size bytes, or sp->size when 0); nothing for
 * other streams.
 */
void rp_v3_human(struct rep *p, const struct dgen_stream_params *sp,
		 uint64_t id, uint64_t size, const char *indent);

/* rp_latency - { "min", "mean", "p50", "p99", "p99.9", "max" } in us. */
void rp_latency(struct rep *p, const struct dgen_latency *l);

/* rp_latency_human - "  lat (usec)@what: min .., p50 .., ..." and a newline. */
void rp_latency_human(struct rep *p, const char *what,
		      const struct dgen_latency *l);

/* rp_ring - the names of the ring features @f, each as @fmt, @sep'd. */
void rp_ring(struct rep *p, unsigned int f, const char *fmt, const char *sep);

/* rp_size - @v as "1 MiB" when a whole number of a binary unit, else "N B". */
const char *rp_size(uint64_t v, char *buf, size_t len);

/* rp_type - a target type's name in the reports. */
const char *rp_type(enum dgen_target_type t);

/* rp_gbps - GB/s (10^9), 0 for no time. */
double rp_gbps(uint64_t bytes, double s);

/* rp_target - target or file @k's path, in one of a few rotating buffers. */
const char *rp_target(const struct rep *p, uint64_t k);

/* rp_watched - the name of the monitor's target @k: a target's path, or
 * an object store's endpoint. */
const char *rp_watched(const struct rep *p, unsigned int k);

/* rp_seed_human - "  seed N" and, drawn, how to repeat it; @who: "" or
 * " by rank 0". */
void rp_seed_human(struct rep *p, const char *who);

/* ===== Per target (report_target.c) ===== */

/* The figures, hang and verdict of target @k (JSON: members that end
 * with ",\n"; human: lines). @verify: the run read back. */
void rp_figures_json(struct rep *p, unsigned int k, int verify);
void rp_figures_human(struct rep *p, unsigned int k, int verify);

/* The hang and verdict alone of the monitor's target @k (a target, or an
 * object store's endpoint), as rp_figures_* give them. */
void rp_verdict_json(struct rep *p, unsigned int k);
void rp_verdict_human(struct rep *p, unsigned int k);

/* Pass @n's figures per target, when the monitor recorded them. */
void rp_pass_targets_json(struct rep *p, uint64_t n);
void rp_pass_targets_human(struct rep *p, uint64_t n);

/* The monitor's settings, steady state and hang, at the report's end. */
void rp_watch_json(struct rep *p);
void rp_watch_human(struct rep *p);

/* Target @k's NVMe identity and health, and its discard, if any. */
void rp_health_json(struct rep *p, unsigned int k);
void rp_health_human(struct rep *p, unsigned int k);
void rp_trim_json(struct rep *p, unsigned int k);
void rp_trim_human(struct rep *p, unsigned int k);

/* A run's flushes (report_crash.c): per target, "flush" and "durable";
 * the run's "journal". Nothing without --flush-every or --journal. */
void rp_flush_json(struct rep *p, unsigned int k);
void rp_flush_human(struct rep *p, unsigned int k);
void rp_journal_json(struct rep *p);
void rp_journal_human(struct rep *p);

/* ===== The jobs ===== */

void rp_write(struct rep *p);		/* report_write.c */
void rp_passes(struct rep *p);		/* report_passes.c */
void rp_tree_fields(struct rep *p, const struct dgen_run_tree *t,
		    uint64_t file_size, uint64_t first_stream);
void rp_tree(struct rep *p);		/* report_jobs.c */
void rp_stdout(struct rep *p);
void rp_trim(struct rep *p);
void rp_dry(struct rep *p);
void rp_fleet(struct rep *p);		/* report_fleet.c */

/* ===== Pieces of the passes' reports (report_passes.c) ===== */

/* rp_mode_name - "write", "write+verify" or "verify-only". */
const char *rp_mode_name(enum dgen_run_mode m);

/* rp_mismatch_list_json - "mismatch_list": the bad blocks kept, all
 * passes (no newline after). */
void rp_mismatch_list_json(struct rep *p);

/* rp_mismatches_human - the bad blocks kept, @listed of @total, a line
 * each. */
void rp_mismatches_human(struct rep *p, uint64_t listed, uint64_t total);

/*
 * rp_foreign_hint - when a verify's mismatches are all foreign and nearly
 * every block (report_hint.c), a line that the seed or data options
 * probably differ from the write's, with the ones used.
 */
void rp_foreign_hint(struct rep *p, const char *prefix);

/* rp_kinds_human - " (zeroed N, stale N, foreign N)". */
void rp_kinds_human(struct rep *p, const uint64_t *kinds);

/* ===== Objects (report_objects.c) ===== */

void rp_objects(struct rep *p);

/* tree_where - where a tree's error happened: "PATH at offset N" (raw),
 * "PATH", or "" when no file's. */
const char *rp_tree_where(const struct rep *p, char *buf, size_t len);

/* ===== Fleets (report_fleet.c) ===== */

/* rp_fleet_status - the fleet's status word and exit status. */
int rp_fleet_status(const struct dgen_run_result *res, const char **status);

/* rp_fleet_errors - one line per failed rank, lost rank or bad target. */
void rp_fleet_errors(struct rep *p, const char *prefix);

#endif /* DGEN_REPORT_IMPL_H */
