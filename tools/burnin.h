/* SPDX-License-Identifier: MIT */
/*
 * burnin.h - dgen-uring's verify and burn-in runs: passes of write and
 * read-back, their status lines and their report
 */
#ifndef DGEN_TOOLS_BURNIN_H
#define DGEN_TOOLS_BURNIN_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/dgen.h>

#include "drive.h"
#include "jobs.h"

/* The options, in the order dgen-uring's option table lists them. */
enum burnin_opt_id {
	BURNIN_VERIFY,			/* --verify */
	BURNIN_VERIFY_ONLY,		/* --verify-only */
	BURNIN_PASS,			/* --pass P */
	BURNIN_PASSES,			/* --passes N */
	BURNIN_TIME,			/* --time DURATION */
	BURNIN_RATE,			/* --rate SIZE[/s] */
	BURNIN_STATUS_INTERVAL,		/* --status-interval SECONDS */
	BURNIN_MAX_REPORT,		/* --max-report N */
	BURNIN_OPTS
};

struct burnin_opts {
	int set;			/* any of them given */
	int verify, verify_only;
	uint64_t pass;			/* verify-only: the pass written (1) */
	uint64_t passes;		/* 0: one, or as many as --time allows */
	double time_s;			/* 0: no time limit */
	double status_s;		/* 0: no status lines */
	uint32_t max_report;
	uint64_t rate;			/* bytes per second, 0: no cap */
};

/* burnin_opts_init - the defaults: one pass, write only, 20 reported. */
void burnin_opts_init(struct burnin_opts *b);

/*
 * burnin_opt - take option @id with value @v (NULL for flags). Returns 0,
 * or -EINVAL with a sentence for the user in @msg.
 */
int burnin_opt(struct burnin_opts *b, enum burnin_opt_id id, const char *v,
	       char *msg, size_t msglen);

/* Everything a run needs from dgen-uring's command line. */
struct burnin_job {
	const char *const *dev;
	unsigned int ndev;
	uint64_t size, offset, seed, stream;
	int seed_set, force, json;
	int trim;			/* --trim: discard before the first pass */
	struct dgen_stream_params params;
	struct dgen_writer_opts opts;
	struct burnin_opts b;
	const struct job *tree;		/* --dir: the files are the targets
					   (dev, ndev, size, offset unused) */
	const struct drive_opts *drive;	/* --dev: per-target view (drive.h) */
};

/*
 * burnin_run - run @j's passes (dgen_run) and print the report; a stop
 * (signals.h) ends the run. Returns the exit status: 0 clean, 1 a
 * mismatch, 2 refused, 3 an I/O error, 130 interrupted (3 wins over 1,
 * 1 over 130).
 */
int burnin_run(const struct burnin_job *j);

#endif /* DGEN_TOOLS_BURNIN_H */
