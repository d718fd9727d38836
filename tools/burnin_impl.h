/* SPDX-License-Identifier: MIT */
/*
 * burnin_impl.h - what burnin.c (passes, devices, the report) and
 * burnin_tree.c (the phases of a tree) share
 */
#ifndef DGEN_TOOLS_BURNIN_IMPL_H
#define DGEN_TOOLS_BURNIN_IMPL_H

#include "burnin.h"

#define EXIT_MISMATCH	1
#define EXIT_USAGE	2
#define EXIT_IO		3
#define EXIT_INTR	130

#define POLL_NS		10000000ull	/* how often the main thread looks */

/*
 * What a report needs of one phase: a burn-in of hours may run millions
 * of short passes, so not the whole dgen_writer_result (its latency
 * histogram alone is 9 KiB).
 */
struct phase {
	uint64_t bytes, mismatches, bad_sectors;
	uint64_t kinds[DGEN_MISMATCH_KINDS];
	uint64_t framing;		/* formatted trees: framing errors */
	double seconds;
	unsigned int reported;		/* entries of the pass's list */
	unsigned int ring_features;
	int stopped;
};

struct pass {
	uint64_t n, seed;
	struct phase wr, vr;		/* write, verify */
	int wrote, verified;
	int cut;			/* the time limit or a signal ended it */
	struct dgen_verify_mismatch *list;	/* vr.reported entries */
};

struct health;

struct run {
	const struct burnin_job *j;
	struct dgen_target **targets;	/* devices: open for the whole run */
	struct dgen_stream **streams, **prev;
	struct pass *passes;
	unsigned int npasses, cap;
	uint64_t t0, deadline;		/* ns; deadline 0: none */
	uint64_t bytes_before;		/* written + verified by earlier phases */
	uint64_t bad_before;		/* mismatches of earlier passes */
	uint64_t total;			/* bytes per phase, all targets */
	int error, error_target;	/* the first I/O error */
	uint64_t error_offset;
	const char *error_phase;
	int framing_target;		/* the first framing error (trees) */
	uint64_t framing_offset;
	double user_s, sys_s;
	const char *status;
	volatile sig_atomic_t *interrupted;
	uint64_t status_t, status_b;	/* the last status line's time, bytes */
	uint64_t listed;		/* mismatches kept in detail so far */
	struct health *health;		/* per device: NVMe identity, health
					   (health.h); NULL for trees */
	struct dgen_discard_result *trim; /* per device, with --trim */
};

/*
 * What watch() asks of a phase in flight: the engine's writer, or the
 * worker threads of a formatted tree.
 */
struct probe {
	int (*running)(void *arg);
	uint64_t (*bytes)(void *arg);
	uint64_t (*mismatches)(void *arg);
	void (*stop)(void *arg);
	void *arg;
};

/*
 * burnin_watch - wait for a phase: stop it at the deadline or on a
 * signal, and print a status line per --status-interval.
 */
void burnin_watch(struct run *r, const struct probe *pr,
		  const struct pass *p, const char *phase, int verifying);

/*
 * burnin_engine_phase - one writer run of mode @mode over @n targets with
 * their streams (and @prev, or NULL); target k is reported as @first + k.
 * Adds what it did to @ph and its mismatches to @p's list. Returns 0 or
 * the error, also kept in @r.
 */
int burnin_engine_phase(struct run *r, struct pass *p,
			enum dgen_writer_mode mode, struct phase *ph,
			struct dgen_writer *volatile *cur,
			struct dgen_target *const *targets,
			const struct dgen_stream *const *streams,
			const struct dgen_stream *const *prev,
			unsigned int n, uint64_t first);

/*
 * burnin_keep - append @n mismatches, sorted and of targets after any
 * already listed, to @p's list while the run keeps fewer than
 * --max-report; returns how many were kept.
 */
unsigned int burnin_keep(struct run *r, struct pass *p,
			 const struct dgen_verify_mismatch *m, unsigned int n,
			 uint64_t first);

/* burnin_stream_new - stream @id of pass @n, @size bytes; message printed. */
int burnin_stream_new(const struct run *r, struct dgen_stream **out,
		      uint64_t n, uint64_t id, uint64_t size);

/* ===== Trees (burnin_tree.c) ===== */

/*
 * burnin_tree_check - before the first pass: make the tree's directories
 * and refuse existing files (without --force), or for --verify-only check
 * that every file is there. Returns 0, or the exit status.
 */
int burnin_tree_check(struct run *r);

/* burnin_tree_phase - one phase of pass @p over every file of the tree. */
int burnin_tree_phase(struct run *r, struct pass *p,
		      enum dgen_writer_mode mode, struct phase *ph,
		      struct dgen_writer *volatile *cur);

/* burnin_tree_report - the tree's lines (or JSON member) of the report. */
void burnin_tree_report(const struct run *r, int json);

/* burnin_tree_path - file @i's path, in a buffer per thread. */
const char *burnin_tree_path(const struct run *r, uint64_t i);

#endif /* DGEN_TOOLS_BURNIN_IMPL_H */
