/* SPDX-License-Identifier: MIT */
/*
 * run_impl.h - a run's state, and what its passes (run.c), its engine
 * phases (run_phase.c) and its tree phases (run_tree.c) share
 *
 * The files call downwards only: run.c uses run_tree.c and run_phase.c,
 * run_tree.c uses run_phase.c.
 */
#ifndef DGEN_RUN_IMPL_H
#define DGEN_RUN_IMPL_H

#include <dgen/rate.h>
#include <dgen/run.h>

#include "clock.h"

#define RUN_POLL_NS	10000000ull	/* how often the run's thread looks */

struct dgen_run {
	struct dgen_run_opts o;
	struct dgen_run_tree tree;	/* o.tree points here (defaults set) */
	struct dgen_target **targets;	/* paths: open for the whole run */
	struct dgen_stream **streams, **prev;
	unsigned int ntargets;		/* paths; 0 for a tree */
	struct dgen_run_pass *passes;
	unsigned int npasses, cap;
	uint64_t t0, deadline;		/* ns; deadline 0: none */
	uint64_t bytes_before;		/* bytes of the phases before this one */
	uint64_t bad_before;		/* mismatches of the passes before */
	uint64_t progress_t;		/* the last progress call */
	uint64_t listed;		/* mismatches kept in detail so far */
	struct dgen_rate rate;		/* formatted files' cap */
	struct dgen_run_result *res;	/* errors go here while running */
	int stop;			/* atomic: dgen_run_stop */
	struct dgen_monitor *monitor;	/* dgen_run_monitor_set, or NULL */
	int hung, steady;		/* the monitor's verdicts on the run */
};

/* run_stopping - dgen_run_stop was called or the caller's flag is set. */
int run_stopping(const struct dgen_run *r);

/* run_past_deadline - the deadline has come. */
int run_past_deadline(const struct dgen_run *r);

/* run_stream_new - stream @id of pass @n, @size bytes. 0 or -errno, @msg. */
int run_stream_new(const struct dgen_run *r, struct dgen_stream **out,
		   uint64_t n, uint64_t id, uint64_t size, char *msg,
		   size_t msglen);

/* run_error - keep the run's first error. */
void run_error(struct dgen_run *r, int err, int64_t target, uint64_t offset,
	       const char *phase, const char *msg);

/*
 * What run_watch asks of a phase in flight: the engine's writer, or the
 * worker threads of formatted files.
 */
struct run_probe {
	int (*running)(void *arg);
	uint64_t (*bytes)(void *arg);
	uint64_t (*mismatches)(void *arg);
	void (*stop)(void *arg);
	void *arg;
	int monitored;			/* an engine phase: poll the monitor */
};

/*
 * run_watch - wait for a phase of pass @n: stop it at the deadline or on
 * a stop, and call the progress callback each progress_s.
 */
void run_watch(struct dgen_run *r, const struct run_probe *pr, uint64_t n,
	       enum dgen_writer_mode mode);

/*
 * run_engine_phase - one writer run of @mode over @n targets with their
 * streams (and @prev, or NULL); target k is reported as @first + k. Adds
 * what it did to @ph and its bad blocks to @keep. Returns 0 or the error,
 * also kept in the result.
 */
int run_engine_phase(struct dgen_run *r, uint64_t pass,
		     enum dgen_writer_mode mode, struct dgen_run_phase *ph,
		     struct dgen_mismatch_keep *keep,
		     struct dgen_target *const *targets,
		     const struct dgen_stream *const *streams,
		     const struct dgen_stream *const *prev,
		     unsigned int n, uint64_t first);

/* run_tree_path - file @i's path in a buffer per thread. */
const char *run_tree_path(const struct dgen_run *r, uint64_t i);

/* run_tree_check - dgen_run_new's part for a tree. */
int run_tree_check(struct dgen_run *r, char *msg, size_t msglen);

/* run_tree_phase - one phase of pass @pass over every file of the tree. */
int run_tree_phase(struct dgen_run *r, uint64_t pass,
		   enum dgen_writer_mode mode, struct dgen_run_phase *ph,
		   struct dgen_mismatch_keep *keep);

#endif /* DGEN_RUN_IMPL_H */
